"""Every query for every role, as the pages allow it: own rows found, another tenant's ids "not found"."""
import pytest

from app.extensions import db
from app.services.payouts import requests
from tests import factories
from tests.graphql_helpers import data, error, key_for, tenant
from tests.payout_helpers import affiliate_with_details, earn


@pytest.fixture
def tenants(app):
    return tenant(), tenant()


def ids(connection):
    return [node["id"] for node in connection["nodes"]]


def test_merchant_sees_own_campaigns_and_not_anothers(client, tenants):
    mine, theirs = tenants
    key = key_for(mine.merchant, ["read"])
    assert ids(data(client, "{ campaigns { nodes { id } } }", key=key)["campaigns"]) == [mine.campaign.id]
    found = data(client, "query($id: Int!) { campaign(id: $id) { id name merchant { id name } allowedHosts } }",
                 {"id": mine.campaign.id}, key=key)["campaign"]
    assert found["id"] == mine.campaign.id and found["merchant"]["id"] == mine.merchant.id
    assert found["allowedHosts"] == ["shop.example"]
    refused = error(client, "query($id: Int!) { campaign(id: $id) { id } }", {"id": theirs.campaign.id}, key=key)
    assert refused["code"] == "NOT_FOUND"


def test_admin_sees_every_campaign(client, tenants):
    key = key_for(factories.make_user("admin"), ["read"])
    found = ids(data(client, "{ campaigns { nodes { id } } }", key=key)["campaigns"])
    assert sorted(found) == sorted(t.campaign.id for t in tenants)


def test_affiliates_use_the_directory_not_the_campaign_list(client, tenants):
    mine, _theirs = tenants
    paused = factories.make_campaign(status="paused")
    key = key_for(mine.affiliate, ["read"])
    assert error(client, "{ campaigns { nodes { id } } }", key=key)["code"] == "FORBIDDEN"
    directory = ids(data(client, "{ campaignDirectory { nodes { id } } }", key=key)["campaignDirectory"])
    assert paused.id not in directory and mine.campaign.id in directory
    assert error(client, "query($id: Int!) { campaign(id: $id) { id } }", {"id": paused.id}, key=key)["code"] \
        == "NOT_FOUND"
    merchant_key = key_for(mine.merchant, ["read"])
    assert error(client, "{ campaignDirectory { nodes { id } } }", key=merchant_key)["code"] == "FORBIDDEN"


def test_memberships_and_applications(client, tenants):
    mine, theirs = tenants
    applicant = factories.make_membership(mine.campaign, status="pending")
    factories.make_membership(theirs.campaign, status="pending")
    merchant_key = key_for(mine.merchant, ["read"])
    pending = data(client, "{ applications { nodes { id status affiliate { id } campaign { id } } } }",
                   key=merchant_key)["applications"]["nodes"]
    assert [m["id"] for m in pending] == [applicant.id]
    assert sorted(ids(data(client, "{ memberships { nodes { id } } }", key=merchant_key)["memberships"])) == \
        sorted([mine.membership.id, applicant.id])
    affiliate_key = key_for(mine.affiliate, ["read"])
    assert ids(data(client, "{ memberships { nodes { id } } }", key=affiliate_key)["memberships"]) == \
        [mine.membership.id]
    assert error(client, "{ applications { nodes { id } } }", key=affiliate_key)["code"] == "FORBIDDEN"
    admin_key = key_for(factories.make_user("admin"), ["read"])
    assert len(data(client, "{ applications { nodes { id } } }", key=admin_key)["applications"]["nodes"]) == 2


def test_links_are_the_affiliates_own(client, tenants):
    mine, theirs = tenants
    key = key_for(mine.affiliate, ["read"])
    links = data(client, "{ links { nodes { id code url campaign { id } } } }", key=key)["links"]["nodes"]
    assert [link["id"] for link in links] == [mine.link.id]
    assert links[0]["url"] == f"http://localhost/r/{mine.link.code}"
    assert data(client, "query($id: Int!) { link(id: $id) { id } }", {"id": mine.link.id}, key=key)["link"]
    assert error(client, "query($id: Int!) { link(id: $id) { id } }", {"id": theirs.link.id}, key=key)["code"] \
        == "NOT_FOUND"
    assert error(client, "{ links { nodes { id } } }", key=key_for(mine.merchant, ["read"]))["code"] == "FORBIDDEN"


@pytest.mark.parametrize("role", ["merchant", "affiliate"])
def test_clicks_of_own_links_or_campaigns(client, tenants, role):
    mine, theirs = tenants
    key = key_for(getattr(mine, role), ["read"])
    clicks = data(client, "{ clicks { nodes { id publicId campaignId } } }", key=key)["clicks"]["nodes"]
    assert [c["id"] for c in clicks] == [mine.click.id]
    filtered = data(client, "query($c: Int) { clicks(campaignId: $c) { nodes { id } } }",
                    {"c": theirs.campaign.id}, key=key)["clicks"]["nodes"]
    assert filtered == []


def test_admin_sees_every_click_and_filters_by_day(client, tenants):
    key = key_for(factories.make_user("admin"), ["read"])
    assert len(data(client, "{ clicks { nodes { id } } }", key=key)["clicks"]["nodes"]) == 2
    old = data(client, '{ clicks(dates: {end: "2020-01-01"}) { nodes { id } } }', key=key)["clicks"]["nodes"]
    assert old == []


@pytest.mark.parametrize("role", ["merchant", "affiliate"])
def test_conversions_own_and_anothers(client, tenants, role):
    mine, theirs = tenants
    key = key_for(getattr(mine, role), ["read"])
    found = data(client, "{ conversions { nodes { id amount commission currency status campaign { id } } } }",
                 key=key)["conversions"]["nodes"]
    assert [c["id"] for c in found] == [mine.conversion.id]
    assert found[0]["amount"] == 1_000_000 and found[0]["commission"] == 100_000
    one = data(client, "query($id: Int!) { conversion(id: $id) { id orderId } }", {"id": mine.conversion.id},
               key=key)["conversion"]
    assert one["orderId"] == mine.conversion.order_id
    assert error(client, "query($id: Int!) { conversion(id: $id) { id } }", {"id": theirs.conversion.id},
                 key=key)["code"] == "NOT_FOUND"


def test_conversion_filters(client, tenants):
    mine, _theirs = tenants
    key = key_for(factories.make_user("admin"), ["read"])
    query = "query($f: String, $c: Int) { conversions(status: $f, campaignId: $c) { nodes { id } } }"
    assert ids(data(client, query, {"c": mine.campaign.id}, key=key)["conversions"]) == [mine.conversion.id]
    assert ids(data(client, query, {"f": "approved"}, key=key)["conversions"]) == []
    by_source = data(client, '{ conversions(source: "pixel") { nodes { id } } }', key=key)["conversions"]
    assert ids(by_source) == []


def test_balance_payout_requests_and_details_of_an_affiliate(client):
    affiliate = affiliate_with_details()
    earn(affiliate, 500_000)
    key = key_for(affiliate, ["read"])
    balance = data(client, "{ balance { currency available held unapproved } }", key=key)["balance"]
    assert balance == [{"currency": "VND", "available": 500_000, "held": 0, "unapproved": 0}]
    details = data(client, "{ payoutDetails { method bankAccount accountHolder } }", key=key)["payoutDetails"]
    assert details["method"] == "bank_transfer" and "•" in details["bankAccount"]
    assert data(client, "{ payoutRequests { nodes { id } } }", key=key)["payoutRequests"]["nodes"] == []
    merchant_key = key_for(factories.make_user("merchant"), ["read"])
    for query in ("{ balance { currency } }", "{ payoutDetails { method } }", "{ payoutRequests { nodes { id } } }"):
        assert error(client, query, key=merchant_key)["code"] == "FORBIDDEN"


def test_stats_for_the_callers_scope(client, tenants):
    mine, theirs = tenants
    key = key_for(mine.merchant, ["read"])
    stats = data(client, "{ stats { currency clicks conversions revenue commission start end } }", key=key)["stats"]
    assert stats["currency"] == "VND" and stats["conversions"] == 1 and stats["revenue"] == 1_000_000
    refused = error(client, "query($c: Int) { stats(campaignId: $c) { clicks } }", {"c": theirs.campaign.id},
                    key=key)
    assert refused["code"] == "INVALID_STATS_REQUEST" and refused["field"] == "campaignId"
    reversed_range = error(client, '{ stats(dates: {start: "2026-02-01", end: "2026-01-01"}) { clicks } }', key=key)
    assert reversed_range["field"] == "end"


def test_audit_events_are_for_admins(client, tenants):
    mine, _theirs = tenants
    admin = factories.make_user("admin")
    key = key_for(admin, ["read"])
    events = data(client, '{ auditEvents(action: "api_key") { nodes { action objectType actor { id } after } } }',
                  key=key)["auditEvents"]["nodes"]
    assert events and all(e["action"] == "api_key.created" for e in events)
    assert error(client, "{ auditEvents { nodes { id } } }", key=key_for(mine.merchant, ["read"]))["code"] \
        == "FORBIDDEN"


def test_payout_request_by_id_is_the_affiliates_own_or_any_for_an_admin(client):
    first, second = affiliate_with_details(), affiliate_with_details()
    for affiliate in (first, second):
        earn(affiliate, 300_000)
    mine = requests.request_payout(first.id, 100_000, "VND")
    theirs = requests.request_payout(second.id, 100_000, "VND")
    query = "query($id: Int!) { payoutRequest(id: $id) { id amount status affiliate { id } } }"
    key = key_for(first, ["read"])
    assert data(client, query, {"id": mine.id}, key=key)["payoutRequest"]["affiliate"]["id"] == first.id
    assert error(client, query, {"id": theirs.id}, key=key)["code"] == "NOT_FOUND"
    admin_key = key_for(factories.make_user("admin"), ["read"])
    assert data(client, query, {"id": theirs.id}, key=admin_key)["payoutRequest"]["amount"] == 100_000
    listed = data(client, "query($a: Int) { payoutRequests(affiliateId: $a) { nodes { id } } }",
                  {"a": second.id}, key=admin_key)["payoutRequests"]
    assert ids(listed) == [theirs.id]


@pytest.mark.parametrize("role", ["affiliate", "admin"])
def test_stats_of_affiliates_and_admins(client, tenants, role):
    mine, _theirs = tenants
    user = mine.affiliate if role == "affiliate" else factories.make_user("admin")
    stats = data(client, "{ stats { conversions commission } }", key=key_for(user, ["read"]))["stats"]
    assert stats == {"conversions": 1 if role == "affiliate" else 2,
                     "commission": 100_000 if role == "affiliate" else 200_000}


def test_an_admin_reads_any_link(client, tenants):
    key = key_for(factories.make_user("admin"), ["read"])
    assert data(client, "query($id: Int!) { link(id: $id) { id } }", {"id": tenants[1].link.id}, key=key)["link"]
    assert len(data(client, "{ links { nodes { id } } }", key=key)["links"]["nodes"]) == 2


def test_fraud_signals_are_for_reviewers_only(client, tenants):
    mine, _theirs = tenants
    mine.conversion.fraud_flags = ["click_flood"]
    db.session.commit()
    query = "{ conversions { nodes { fraudFlags } } }"
    assert data(client, query, key=key_for(mine.merchant, ["read"]))["conversions"]["nodes"] == \
        [{"fraudFlags": ["click_flood"]}]
    assert data(client, query, key=key_for(mine.affiliate, ["read"]))["conversions"]["nodes"] == \
        [{"fraudFlags": None}]
