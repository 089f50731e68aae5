"""`flask demo load`: idempotent, complete, and consistent with the money rules."""
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.demo import load_demo
from app.demo.people import PASSWORD
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.money import LedgerEntry
from app.models.tracking import Click, Link
from app.models.users import User
from app.money import percent_of
from app.services.accounts import accounts
from tests.conftest import empty_database

TABLES = (User, Campaign, Membership, Link, Click, Conversion, LedgerEntry)


def _counts() -> dict[str, int]:
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in TABLES}


def _all(model, *where):
    return db.session.scalars(select(model).where(*where)).all()


def _wipe(app) -> None:
    db.session.remove()
    empty_database(app)


@pytest.fixture
def demo(app):
    assert load_demo() is not None
    return app


def test_running_load_twice_creates_everything_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output
    after_first = _counts()
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    assert _counts() == after_first
    for output in (first.output, second.output):
        assert "demo-password" in output
        for email in ("admin@demo.test", "merchant1@demo.test", "merchant2@demo.test", "affiliate5@demo.test"):
            assert email in output


def test_accounts(demo):
    users = {u.email: u for u in _all(User)}
    assert sorted(users) == sorted(["admin@demo.test", "merchant1@demo.test", "merchant2@demo.test"]
                                   + [f"affiliate{n}@demo.test" for n in range(1, 6)])
    assert users["admin@demo.test"].role == "admin"
    assert users["merchant1@demo.test"].merchant_profile.company_name == "Sài Gòn Coffee"
    assert users["merchant1@demo.test"].merchant_profile.website == "https://saigoncoffee.example"
    assert users["merchant2@demo.test"].merchant_profile.company_name == "Hanoi Books"
    assert users["merchant2@demo.test"].merchant_profile.website == "https://hanoibooks.example"
    affiliates = [u for u in users.values() if u.role == "affiliate"]
    assert len(affiliates) == 5 and all(u.affiliate_profile is not None for u in affiliates)
    assert len({u.name for u in affiliates}) == 5


def test_every_demo_user_can_sign_in(demo):
    for user in _all(User):
        assert accounts.authenticate(user.email, PASSWORD, "127.0.0.1").id == user.id
    with pytest.raises(accounts.InvalidCredentials):
        accounts.authenticate("affiliate1@demo.test", "not-the-password", "127.0.0.1")


def test_campaigns(demo):
    campaigns = _all(Campaign)
    assert 4 <= len(campaigns) <= 5
    assert {c.commission_type for c in campaigns} == {"percent", "fixed"}
    assert {c.join_mode for c in campaigns} == {"open", "review"}
    assert sorted(c.currency for c in campaigns).count("USD") == 1
    assert [c.status for c in campaigns].count("paused") == 1
    assert {c.hold_days for c in campaigns} == {30, 7}
    assert all(c.attribution_days == 30 for c in campaigns)
    hosts = {"saigoncoffee.example", "hanoibooks.example"}
    for c in campaigns:
        assert urlsplit(c.landing_url).hostname in hosts
        assert urlsplit(c.landing_url).hostname in c.allowed_host_list
        assert c.postback_token and len(c.postback_token) >= 32
    assert len({c.postback_token for c in campaigns}) == len(campaigns)


def test_memberships_and_links(demo):
    memberships = _all(Membership)
    statuses = [m.status for m in memberships]
    assert statuses.count("rejected") == 1
    assert statuses.count("pending") >= 2
    assert statuses.count("approved") > len(memberships) // 2
    assert all(m.campaign.join_mode == "review" for m in memberships if m.status in ("pending", "rejected"))
    approved = {(m.campaign_id, m.affiliate_id) for m in memberships if m.status == "approved"}
    links = _all(Link)
    assert links
    assert all(re.fullmatch(r"[A-Za-z0-9]{10}", link.code) for link in links)
    assert len({link.code for link in links}) == len(links)
    assert all((link.campaign_id, link.affiliate_id) in approved for link in links)
    for link in links:
        if link.destination_url:
            assert urlsplit(link.destination_url).hostname in link.campaign.allowed_host_list


def test_clicks(demo):
    clicks = _all(Click)
    assert 200 <= len(clicks) <= 1000
    now = utcnow()
    assert all(now - timedelta(days=60, minutes=5) <= c.created_at <= now for c in clicks)
    assert 0 < sum(not c.is_unique for c in clicks) < len(clicks) // 3
    assert len({c.public_id for c in clicks}) == len(clicks)
    assert all(len(c.public_id) >= 22 and c.ip and c.user_agent for c in clicks)
    assert any(c.referrer for c in clicks) and any(c.referrer is None for c in clicks)
    for c in clicks:
        assert (c.campaign_id, c.affiliate_id) == (c.link.campaign_id, c.link.affiliate_id)
        assert c.created_at >= c.link.created_at
    paused = db.session.scalar(select(Campaign).where(Campaign.status == "paused"))
    assert all(c.created_at <= paused.updated_at for c in clicks if c.campaign_id == paused.id)


def test_conversions_follow_clicks_and_campaign_terms(demo):
    conversions = _all(Conversion)
    assert len(conversions) >= 20
    assert {c.status for c in conversions} == {"pending", "approved", "rejected"}
    assert {c.source for c in conversions} == {"api", "pixel", "postback"}
    assert len({(c.campaign_id, c.order_id) for c in conversions}) == len(conversions)
    now = utcnow()
    for c in conversions:
        campaign, click = c.campaign, c.click
        assert click is not None and click.campaign_id == c.campaign_id and click.affiliate_id == c.affiliate_id
        assert click.created_at <= c.created_at <= now
        assert c.currency == campaign.currency
        assert c.commission_type == campaign.commission_type
        if campaign.commission_type == "percent":
            assert c.commission_rate == campaign.commission_rate
            assert c.commission == percent_of(c.amount, campaign.commission_rate)
        else:
            assert c.commission == campaign.commission_fixed
        assert c.payable_at == c.created_at + timedelta(days=campaign.hold_days)
        if c.currency == "VND":
            assert 150_000 <= c.amount <= 2_000_000
        if c.status == "pending":
            assert c.decided_at is None
        else:
            assert c.created_at < c.decided_at <= now and c.decided_by_id == campaign.merchant_id
    pending_ages = [now - c.created_at for c in conversions if c.status == "pending"]
    decided_ages = [now - c.created_at for c in conversions if c.status != "pending"]
    assert max(pending_ages) < min(decided_ages)


def test_every_approved_conversion_has_exactly_one_commission_entry(demo):
    # Besides commissions the demo holds the reserves of its two payout requests.
    entries = _all(LedgerEntry, LedgerEntry.kind == "commission")
    assert {e.kind for e in _all(LedgerEntry)} == {"commission", "payout_reserve"}
    by_conversion = {}
    for entry in entries:
        by_conversion.setdefault(entry.conversion_id, []).append(entry)
    approved = _all(Conversion, Conversion.status == "approved")
    assert approved and len(entries) == len(approved)
    for conversion in approved:
        [entry] = by_conversion[conversion.id]
        assert entry.amount == conversion.commission
        assert entry.currency == conversion.currency
        assert entry.affiliate_id == conversion.affiliate_id
        assert entry.available_at == conversion.payable_at
        assert entry.idempotency_key == f"commission:conv:{conversion.id}"


def test_same_seed_gives_the_same_figures(app):
    def figures():
        rows = db.session.execute(select(Conversion.order_id, Conversion.amount, Conversion.status,
                                         Conversion.source).order_by(Conversion.order_id)).all()
        return rows, db.session.scalar(select(func.count()).select_from(Click))

    load_demo(seed=7)
    first = figures()
    _wipe(app)
    load_demo(seed=7)
    assert figures() == first
    _wipe(app)
    load_demo(seed=8)
    assert figures() != first


def test_decisions_leave_an_audit_trail(demo):
    events = {(e.action, e.object_id) for e in _all(AuditEvent)}
    for c in _all(Conversion):
        assert ("conversion.recorded", str(c.id)) in events
        if c.status != "pending":
            assert (f"conversion.{c.status}", str(c.id)) in events
    for m in _all(Membership):
        if m.decided_by_id is not None:
            assert (f"membership.{m.status}", str(m.id)) in events
