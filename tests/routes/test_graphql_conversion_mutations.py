"""Conversion mutations through /graphql: the same idempotency, doors and ledger as the pages and REST."""
import pytest

from app.extensions import db
from app.models.conversions import Conversion
from tests import factories
from tests.conversion_helpers import ledger_rows, setup_click
from tests.graphql_helpers import data, error, key_for, tenant

RECORD = """mutation($input: ConversionInput!) { recordConversion(input: $input) {
  created conversion { id orderId amount commission currency status source affiliate { id } } } }"""


@pytest.fixture
def tenants(app):
    return tenant(), tenant()


def order(click, **values):
    return {"clickId": click.public_id, "orderId": "A-1001", "amount": 250000, "currency": "VND", **values}


def test_record_conversion_is_idempotent_and_conflicts_are_refused(client):
    campaign, click = setup_click()
    key = key_for(campaign.merchant)
    first = data(client, RECORD, {"input": order(click)}, key=key)["recordConversion"]
    assert first["created"] is True and first["conversion"]["commission"] == 25000
    assert first["conversion"]["source"] == "api" and first["conversion"]["status"] == "pending"
    again = data(client, RECORD, {"input": order(click)}, key=key)["recordConversion"]
    assert again == {**first, "created": False}
    conflict = error(client, RECORD, {"input": order(click, amount=1)}, key=key)
    assert conflict["code"] == "ORDER_CONFLICT"
    assert db.session.scalar(db.select(db.func.count()).select_from(Conversion)) == 1


@pytest.mark.parametrize(("values", "field"), [
    ({"orderId": ""}, "orderId"), ({"currency": "XXX"}, "currency"), ({"amount": -5}, "amount"),
    ({"customerEmail": "not an email"}, "customerEmail"),
])
def test_bad_input_names_the_field(client, values, field):
    campaign, click = setup_click()
    refused = error(client, RECORD, {"input": order(click, **values)}, key=key_for(campaign.merchant))
    assert refused["code"] == "INVALID_CONVERSION" and refused["field"] == field


def test_another_merchants_click_is_unknown(client, tenants):
    mine, theirs = tenants
    refused = error(client, RECORD, {"input": order(theirs.click)}, key=key_for(mine.merchant))
    assert refused["code"] == "UNKNOWN_CLICK"


@pytest.mark.parametrize("role", ["affiliate", "admin"])
def test_only_merchants_record_conversions(client, tenants, role):
    user = tenants[0].affiliate if role == "affiliate" else factories.make_user("admin")
    assert error(client, RECORD, {"input": order(tenants[0].click)}, key=key_for(user))["code"] == "FORBIDDEN"


def test_a_read_only_key_records_nothing(client, tenants):
    refused = error(client, RECORD, {"input": order(tenants[0].click)}, key=key_for(tenants[0].merchant, ["read"]))
    assert refused["code"] == "INSUFFICIENT_SCOPE"


@pytest.mark.parametrize("reviewer", ["merchant", "admin"])
def test_approve_puts_the_commission_in_the_ledger(client, tenants, reviewer):
    mine, _theirs = tenants
    user = mine.merchant if reviewer == "merchant" else factories.make_user("admin")
    approve = "mutation($id: Int!) { approveConversion(id: $id) { id status decidedAt } }"
    done = data(client, approve, {"id": mine.conversion.id}, key=key_for(user))["approveConversion"]
    assert done["status"] == "approved" and done["decidedAt"]
    assert [entry.amount for entry in ledger_rows(mine.conversion.id)] == [100_000]
    assert error(client, approve, {"id": mine.conversion.id}, key=key_for(user))["code"] == "INVALID_TRANSITION"
    assert len(ledger_rows(mine.conversion.id)) == 1


def test_reviewers_never_reach_another_tenants_conversion(client, tenants):
    mine, theirs = tenants
    key = key_for(mine.merchant)
    for query in ("mutation($id: Int!) { approveConversion(id: $id) { id } }",
                  'mutation($id: Int!) { rejectConversion(id: $id, reason: "no") { id } }',
                  "mutation($id: Int!) { refundConversion(id: $id, amount: 1) { created } }"):
        assert error(client, query, {"id": theirs.conversion.id}, key=key)["code"] == "NOT_FOUND"
    assert db.session.get(Conversion, theirs.conversion.id).status == "pending"
    assert error(client, "mutation($id: Int!) { approveConversion(id: $id) { id } }", {"id": mine.conversion.id},
                 key=key_for(mine.affiliate))["code"] == "FORBIDDEN"


def test_reject_needs_a_reason(client, tenants):
    mine, _theirs = tenants
    reject = "mutation($id: Int!, $r: String!) { rejectConversion(id: $id, reason: $r) { status rejectReason } }"
    key = key_for(mine.merchant)
    assert error(client, reject, {"id": mine.conversion.id, "r": " "}, key=key)["code"] == "REASON_REQUIRED"
    assert data(client, reject, {"id": mine.conversion.id, "r": "Test order"}, key=key)["rejectConversion"] == \
        {"status": "rejected", "rejectReason": "Test order"}


def test_bulk_decisions_skip_other_tenants(client, tenants):
    mine, theirs = tenants
    bulk = "mutation($ids: [Int!]!) { decideConversions(ids: $ids, approve: true) { decided } }"
    assert data(client, bulk, {"ids": [mine.conversion.id, theirs.conversion.id]},
                key=key_for(mine.merchant))["decideConversions"] == {"decided": 1}
    assert db.session.get(Conversion, theirs.conversion.id).status == "pending"


def test_refund_is_idempotent_by_refund_id(client, tenants):
    mine, _theirs = tenants
    key = key_for(mine.merchant)
    data(client, "mutation($id: Int!) { approveConversion(id: $id) { id } }", {"id": mine.conversion.id}, key=key)
    refund = """mutation($id: Int!, $a: MinorUnits!) { refundConversion(id: $id, amount: $a, refundId: "R-1",
      reason: "Returned") { created refund { id amount commissionDelta } conversion { refundedAmount status } } }"""
    first = data(client, refund, {"id": mine.conversion.id, "a": 400_000}, key=key)["refundConversion"]
    assert first["created"] is True and first["conversion"]["refundedAmount"] == 400_000
    again = data(client, refund, {"id": mine.conversion.id, "a": 400_000}, key=key)["refundConversion"]
    assert again["created"] is False and again["refund"]["id"] == first["refund"]["id"]
    assert sum(entry.amount for entry in ledger_rows(mine.conversion.id)) == 60_000
    too_much = error(client, 'mutation($id: Int!) { refundConversion(id: $id, amount: 700000) { created } }',
                     {"id": mine.conversion.id}, key=key)
    assert too_much["code"] == "REFUND_TOO_LARGE"
