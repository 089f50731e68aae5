import pytest

from app.extensions import db
from app.models.conversions import Refund
from app.models.money import LedgerEntry
from app.services.conversions import states
from tests.conversion_helpers import make_key, setup_click


@pytest.fixture
def sale(client):
    merchant, raw = make_key()
    _campaign, click = setup_click(merchant)
    headers = {"Authorization": f"Bearer {raw}"}
    created = client.post("/api/v1/conversions", headers=headers, json={
        "click_id": click.public_id, "order_id": "R-1", "amount": 1_000_000, "currency": "VND"}).get_json()
    return {"merchant": merchant, "headers": headers, "id": created["id"]}


def refund(client, sale, payload, headers=None):
    return client.post(f"/api/v1/conversions/{sale['id']}/refunds", json=payload, headers=headers or sale["headers"])


def test_partial_then_full_refund_through_the_api(client, sale):
    admin_id = sale["merchant"].id
    states.approve(sale["id"], admin_id)
    first = refund(client, sale, {"amount": 250_000, "refund_id": "re_1", "reason": "one item returned"})
    assert first.status_code == 201
    data = first.get_json()
    assert (data["amount"], data["commission_delta"], data["refund_id"]) == (250_000, 25_000, "re_1")
    assert data["conversion"]["refunded_amount"] == 250_000 and data["conversion"]["status"] == "approved"
    rest = refund(client, sale, {"amount": 750_000})
    assert rest.status_code == 201 and rest.get_json()["conversion"]["status"] == "reversed"
    amounts = db.session.scalars(db.select(LedgerEntry.amount).order_by(LedgerEntry.id)).all()
    assert amounts == [100_000, -25_000, -75_000]


def test_repeated_refund_id_answers_200_with_the_same_body(client, sale):
    first = refund(client, sale, {"amount": 100, "refund_id": "re_7"})
    again = refund(client, sale, {"amount": 100, "refund_id": "re_7"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert db.session.scalar(db.select(db.func.count()).select_from(Refund)) == 1
    assert refund(client, sale, {"amount": 101, "refund_id": "re_7"}).status_code == 409


@pytest.mark.parametrize("payload, status, code, field", [
    ({"amount": 1_000_001}, 422, "refund_exceeds_amount", "amount"),
    ({"amount": 0}, 422, "out_of_range", "amount"),
    ({"amount": "5"}, 422, "invalid_type", "amount"),
    ({}, 422, "required", "amount"),
    ({"amount": 5, "refund_id": 7}, 422, "invalid_type", "refund_id"),
    ({"amount": 5, "reason": "x" * 1001}, 422, "too_long", "reason"),
])
def test_refund_validation(client, sale, payload, status, code, field):
    response = refund(client, sale, payload)
    assert response.status_code == status
    assert (response.get_json()["error"]["code"], response.get_json()["error"]["field"]) == (code, field)


def test_refund_of_a_rejected_conversion_is_409(client, sale):
    states.reject(sale["id"], sale["merchant"].id, "test order")
    response = refund(client, sale, {"amount": 5})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "refund_not_allowed"


def test_another_merchant_cannot_refund(client, sale):
    _other, other_key = make_key()
    response = refund(client, sale, {"amount": 5}, headers={"Authorization": f"Bearer {other_key}"})
    assert response.status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(Refund)) == 0


def test_refund_needs_a_key(client, sale):
    assert refund(client, sale, {"amount": 5}, headers={"X": "y"}).status_code == 401
