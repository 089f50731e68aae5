"""Simultaneous joins and approvals on real Postgres never go past a campaign's limit."""
from sqlalchemy import func, select

from app.extensions import db
from app.models.campaigns import Membership
from app.models.users import User
from app.services.campaigns import memberships
from app.services.campaigns.errors import AlreadyMember, CampaignFull
from tests.concurrency import postgres_only, run_at_once
from tests.factories import make_campaign, make_membership, make_user

pytestmark = postgres_only("needs Postgres row locks (TEST_DATABASE_URL)")


def approved(campaign_id):
    return db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.campaign_id == campaign_id, Membership.status == "approved"))


def test_simultaneous_joins_fill_an_open_campaign_exactly(app):
    campaign_id = make_campaign(max_affiliates=1).id
    affiliate_ids = [make_user("affiliate").id for _ in range(8)]
    results = run_at_once(app, [lambda a=a: memberships.join(campaign_id, a).id for a in affiliate_ids])
    joined = [r for r in results if isinstance(r, int)]
    assert len(joined) == 1
    assert all(isinstance(r, CampaignFull) for r in results if not isinstance(r, int))
    db.session.expire_all()
    assert approved(campaign_id) == 1


def test_a_larger_limit_holds_too(app):
    campaign_id = make_campaign(max_affiliates=3).id
    affiliate_ids = [make_user("affiliate").id for _ in range(8)]
    results = run_at_once(app, [lambda a=a: memberships.join(campaign_id, a).id for a in affiliate_ids])
    assert sum(isinstance(r, int) for r in results) == 3
    assert sum(isinstance(r, CampaignFull) for r in results) == 5
    assert approved(campaign_id) == 3


def test_two_merchant_approvals_at_once_respect_the_limit(app):
    merchant = make_user("merchant")
    campaign = make_campaign(merchant, join_mode="review", max_affiliates=1)
    ids = [make_membership(campaign, status="pending").id for _ in range(2)]
    merchant_id, admin_id = merchant.id, make_user("admin").id
    results = run_at_once(app, [lambda: memberships.decide(ids[0], True, merchant_id).status,
                                lambda: memberships.decide(ids[1], True, admin_id).status])
    assert sorted(map(type, results), key=lambda t: t.__name__) == [CampaignFull, str]
    assert approved(campaign.id) == 1


def test_bulk_and_single_approvals_at_once_respect_the_limit(app):
    merchant = make_user("merchant")
    campaign = make_campaign(merchant, join_mode="review", max_affiliates=2)
    ids = [make_membership(campaign, status="pending").id for _ in range(4)]
    merchant_id = merchant.id
    results = run_at_once(app, [
        lambda: memberships.decide_many(ids[:3], True, db.session.get(User, merchant_id)),
        lambda: memberships.decide(ids[3], True, merchant_id).status,
    ])
    assert approved(campaign.id) == 2
    if results[0] == 1:
        assert results[1] == "approved"
    else:
        assert results[0] == 2 and isinstance(results[1], CampaignFull)


def test_one_affiliate_joining_twice_at_once_gets_one_membership(app):
    campaign_id = make_campaign().id
    affiliate_id = make_user("affiliate").id
    results = run_at_once(app, [lambda: memberships.join(campaign_id, affiliate_id).id] * 4)
    assert sum(isinstance(r, int) for r in results) == 1
    assert sum(isinstance(r, AlreadyMember) for r in results) == 3
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 1
