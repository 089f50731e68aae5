"""Campaign, membership and link mutations through /graphql, for every role and across tenants."""
import pytest

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign, Membership
from tests import factories
from tests.graphql_helpers import data, error, key_for, tenant

CREATE = """mutation($input: CampaignInput!, $merchant: Int) {
  createCampaign(input: $input, merchantId: $merchant) { id name status commissionType commissionRate currency
    allowedHosts merchant { id } } }"""
TERMS = {"name": "Summer sale", "landingUrl": "https://shop.example/summer", "commissionType": "percent",
         "commissionRate": "12.5", "currency": "VND"}


@pytest.fixture
def tenants(app):
    return tenant(), tenant()


def test_a_merchant_creates_a_campaign_like_the_form_does(client):
    merchant = factories.make_user("merchant")
    made = data(client, CREATE, {"input": TERMS}, key=key_for(merchant))["createCampaign"]
    assert made["name"] == "Summer sale" and made["status"] == "active" and made["commissionRate"] == "12.50"
    assert made["merchant"]["id"] == merchant.id and made["allowedHosts"] == ["shop.example"]
    actions = list(db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.object_type == "campaigns")))
    assert actions == ["campaign.created"]


@pytest.mark.parametrize(("change", "field"), [
    ({"name": ""}, "name"), ({"landingUrl": "ftp://x"}, "landingUrl"), ({"commissionRate": "101"}, "commissionRate"),
    ({"currency": "XXX"}, "currency"), ({"attributionDays": 0}, "attributionDays"),
])
def test_invalid_terms_name_the_field_and_save_nothing(client, change, field):
    merchant = factories.make_user("merchant")
    refused = error(client, CREATE, {"input": {**TERMS, **change}}, key=key_for(merchant))
    assert refused["code"] == "INVALID_CAMPAIGN" and refused["field"] == field
    assert db.session.scalar(db.select(db.func.count()).select_from(Campaign)) == 0


def test_an_admin_creates_for_a_named_merchant(client):
    admin, merchant = factories.make_user("admin"), factories.make_user("merchant")
    key = key_for(admin)
    assert error(client, CREATE, {"input": TERMS}, key=key)["field"] == "merchantId"
    assert error(client, CREATE, {"input": TERMS, "merchant": admin.id}, key=key)["code"] == "INVALID_MERCHANT"
    made = data(client, CREATE, {"input": TERMS, "merchant": merchant.id}, key=key)["createCampaign"]
    assert made["merchant"]["id"] == merchant.id


def test_affiliates_and_read_only_keys_cannot_create(client):
    assert error(client, CREATE, {"input": TERMS}, key=key_for(factories.make_user("affiliate")))["code"] \
        == "FORBIDDEN"
    assert error(client, CREATE, {"input": TERMS}, key=key_for(factories.make_user("merchant"), ["read"]))["code"] \
        == "INSUFFICIENT_SCOPE"
    assert db.session.scalar(db.select(db.func.count()).select_from(Campaign)) == 0


def test_update_and_status_of_own_campaign_only(client, tenants):
    mine, theirs = tenants
    key = key_for(mine.merchant)
    update = "mutation($id: Int!, $input: CampaignInput!) { updateCampaign(id: $id, input: $input) { id name } }"
    assert data(client, update, {"id": mine.campaign.id, "input": {"name": "Renamed"}},
                key=key)["updateCampaign"]["name"] == "Renamed"
    assert error(client, update, {"id": theirs.campaign.id, "input": {"name": "Mine now"}}, key=key)["code"] \
        == "NOT_FOUND"
    status = "mutation($id: Int!, $s: CampaignStatus!) { setCampaignStatus(id: $id, status: $s) { status } }"
    assert data(client, status, {"id": mine.campaign.id, "s": "PAUSED"}, key=key)["setCampaignStatus"] == \
        {"status": "paused"}
    assert error(client, status, {"id": theirs.campaign.id, "s": "PAUSED"}, key=key)["code"] == "NOT_FOUND"
    data(client, status, {"id": mine.campaign.id, "s": "ENDED"}, key=key)
    assert error(client, status, {"id": mine.campaign.id, "s": "ACTIVE"}, key=key)["code"] == \
        "ILLEGAL_STATUS_CHANGE"
    assert db.session.get(Campaign, theirs.campaign.id).name != "Mine now"


def test_an_admin_updates_any_campaign(client, tenants):
    key = key_for(factories.make_user("admin"))
    update = "mutation($id: Int!) { updateCampaign(id: $id, input: {holdDays: 7}) { holdDays } }"
    assert data(client, update, {"id": tenants[1].campaign.id}, key=key)["updateCampaign"] == {"holdDays": 7}


def test_join_leave_and_decide(client, tenants):
    mine, theirs = tenants
    reviewed = factories.make_campaign(mine.merchant, join_mode="review")
    affiliate = factories.make_user("affiliate")
    key = key_for(affiliate)
    join = "mutation($c: Int!) { joinCampaign(campaignId: $c) { id status campaign { id } } }"
    applied = data(client, join, {"c": reviewed.id}, key=key)["joinCampaign"]
    assert applied["status"] == "pending"
    assert error(client, join, {"c": reviewed.id}, key=key)["code"] == "ALREADY_MEMBER"
    assert error(client, join, {"c": 999_999}, key=key)["code"] == "NOT_FOUND"
    decide = 'mutation($id: Int!, $d: Decision!) { decideApplication(id: $id, decision: $d, note: "Welcome") ' \
             "{ status note } }"
    assert error(client, decide, {"id": applied["id"], "d": "APPROVE"}, key=key_for(theirs.merchant))["code"] \
        == "NOT_FOUND"
    assert error(client, decide, {"id": applied["id"], "d": "APPROVE"}, key=key)["code"] == "FORBIDDEN"
    assert data(client, decide, {"id": applied["id"], "d": "APPROVE"}, key=key_for(mine.merchant))[
        "decideApplication"] == {"status": "approved", "note": "Welcome"}
    assert error(client, decide, {"id": applied["id"], "d": "REJECT"}, key=key_for(mine.merchant))["code"] \
        == "ALREADY_DECIDED"
    leave = "mutation($c: Int!) { leaveCampaign(campaignId: $c) { status } }"
    assert data(client, leave, {"c": reviewed.id}, key=key)["leaveCampaign"] == {"status": "removed"}
    assert error(client, leave, {"c": theirs.campaign.id}, key=key)["code"] == "NOT_MEMBER"


def test_bulk_decisions_touch_only_the_reviewers_applications(client, tenants):
    mine, theirs = tenants
    own = [factories.make_membership(mine.campaign, status="pending").id for _ in range(2)]
    other = factories.make_membership(theirs.campaign, status="pending").id
    bulk = "mutation($ids: [Int!]!) { decideApplications(ids: $ids, decision: REJECT) { decided } }"
    assert data(client, bulk, {"ids": [*own, other]}, key=key_for(mine.merchant))["decideApplications"] == \
        {"decided": 2}
    assert db.session.get(Membership, other).status == "pending"
    assert error(client, bulk, {"ids": list(range(1, 502))}, key=key_for(mine.merchant))["field"] == "ids"


def test_links_are_made_and_archived_by_their_affiliate(client, tenants):
    mine, theirs = tenants
    key = key_for(mine.affiliate)
    create = 'mutation($c: Int!, $to: String) { createLink(campaignId: $c, destinationUrl: $to, label: "Blog") ' \
             "{ id code url label } }"
    link = data(client, create, {"c": mine.campaign.id}, key=key)["createLink"]
    assert link["label"] == "Blog" and link["url"].endswith(link["code"])
    assert error(client, create, {"c": theirs.campaign.id}, key=key)["code"] == "NOT_APPROVED"
    refused = error(client, create, {"c": mine.campaign.id, "to": "https://elsewhere.example/"}, key=key)
    assert refused["code"] == "DESTINATION_NOT_ALLOWED"
    archive = "mutation($id: Int!) { archiveLink(id: $id) { archivedAt } }"
    assert data(client, archive, {"id": link["id"]}, key=key)["archiveLink"]["archivedAt"]
    assert error(client, archive, {"id": theirs.link.id}, key=key)["code"] == "NOT_FOUND"
    restore = "mutation($id: Int!) { restoreLink(id: $id) { archivedAt } }"
    assert data(client, restore, {"id": link["id"]}, key=key)["restoreLink"] == {"archivedAt": None}
    assert error(client, create, {"c": mine.campaign.id}, key=key_for(mine.merchant))["code"] == "FORBIDDEN"
