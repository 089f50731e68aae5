"""`flask demo generate`: data at size that obeys the app's own rules (uniqueness, attribution, money)."""
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app.demo.bulk import indexes_deferred
from app.demo.generate import Sizes, generate
from app.demo.generate_clicks import UNIQUE_WINDOW
from app.demo.people import PASSWORD
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.money import PayoutRequest
from app.models.tracking import Click, Link
from app.models.users import User
from app.money import percent_of
from app.services.accounts import accounts
from app.services.ledger import verify as ledger_verify
from tests.conftest import is_postgres

SMALL = Sizes(affiliates=30, campaigns=5, links=120, clicks=6_000, conversions=150, days=120, seed=3)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def generated(app):
    counts = generate(SMALL)
    return counts


def test_sizes_are_what_was_asked(generated):
    assert _count(User, User.role == "affiliate") == SMALL.affiliates
    assert _count(User, User.role == "merchant") == SMALL.merchant_count == 2
    assert _count(Campaign) == SMALL.campaigns
    assert _count(Link) == SMALL.links
    assert _count(Click) == SMALL.clicks == generated["clicks"]
    assert _count(Conversion) == SMALL.conversions == generated["conversions"]
    now = utcnow()
    first, last = db.session.execute(select(func.min(Click.created_at), func.max(Click.created_at))).one()
    assert now - timedelta(days=SMALL.days) <= first < now - timedelta(days=SMALL.days - 3)
    assert now - timedelta(days=1) < last <= now


def test_clicks_follow_the_uniqueness_rule_and_their_links(generated):
    clicks = db.session.execute(select(Click.link_id, Click.ip, Click.user_agent, Click.created_at, Click.is_unique,
                                       Click.campaign_id, Click.affiliate_id)).all()
    links = {link.id: link for link in db.session.scalars(select(Link))}
    unique_at = defaultdict(list)
    for click in sorted(clicks, key=lambda c: c.created_at):
        link = links[click.link_id]
        assert (click.campaign_id, click.affiliate_id) == (link.campaign_id, link.affiliate_id)
        assert click.created_at >= link.created_at
        visitor = (click.link_id, click.ip, click.user_agent)
        earlier = any(click.created_at - UNIQUE_WINDOW < t <= click.created_at for t in unique_at[visitor])
        assert click.is_unique == (not earlier)
        if click.is_unique:
            unique_at[visitor].append(click.created_at)
    assert 0 < generated["repeat clicks"] < len(clicks) // 4
    assert 0 < generated["robot clicks"] < len(clicks) // 10
    assert _count(Click, Click.public_id.is_(None)) == 0
    assert db.session.scalar(select(func.count(func.distinct(Click.public_id)))) == len(clicks)


def test_a_few_links_draw_most_clicks(generated):
    per_link = sorted(db.session.scalars(select(func.count()).select_from(Click).group_by(Click.link_id)),
                      reverse=True)
    top_tenth = sum(per_link[:SMALL.links // 10])
    assert top_tenth > SMALL.clicks * 0.4
    assert per_link[0] > 10 * per_link[len(per_link) // 2]


def test_weekends_and_evenings_are_busier(generated):
    by_weekday, by_hour = Counter(), Counter()
    for created_at in db.session.scalars(select(Click.created_at)):
        local = created_at + timedelta(hours=7)  # the suite's display time zone, Vietnam
        by_weekday[local.weekday()] += 1
        by_hour[local.hour] += 1
    assert by_weekday[5] > by_weekday[2]
    assert by_hour[21] > 3 * by_hour[3]


def test_conversions_credit_real_clicks_with_the_campaign_terms(generated):
    rows = db.session.execute(select(Conversion, Click, Campaign).join(Click, Click.id == Conversion.click_id)
                              .join(Campaign, Campaign.id == Conversion.campaign_id)).all()
    assert len(rows) == SMALL.conversions
    now = utcnow()
    for conversion, click, campaign in rows:
        assert (click.campaign_id, click.affiliate_id) == (conversion.campaign_id, conversion.affiliate_id)
        assert click.is_unique and click.is_attributable
        assert click.created_at < conversion.created_at <= min(now, click.created_at + timedelta(
            days=campaign.attribution_days))
        assert conversion.currency == campaign.currency
        if campaign.commission_type == "percent":
            assert conversion.commission == percent_of(conversion.amount, campaign.commission_rate)
        else:
            assert conversion.commission == campaign.commission_fixed
        assert conversion.payable_at == conversion.created_at + timedelta(days=campaign.hold_days)
        membership = db.session.scalar(select(Membership).where(
            Membership.campaign_id == campaign.id, Membership.affiliate_id == click.affiliate_id))
        assert membership.status in ("approved", "removed")
    statuses = Counter(c.status for c, _, _ in rows)
    assert statuses["approved"] > statuses["rejected"] > 0 and statuses["pending"] > 0
    assert _count(AuditEvent, AuditEvent.action == "conversion.recorded") == SMALL.conversions


def test_the_books_verify(generated):
    report = ledger_verify.verify()
    assert report.ok, [str(d) for d in report.differences]
    assert report.requests == _count(PayoutRequest) > 0
    assert _count(PayoutRequest, PayoutRequest.status == "paid") > 0


def test_generated_accounts_sign_in(generated):
    user = accounts.authenticate(f"merchant0001.{SMALL.tag}@example.test", PASSWORD, "127.0.0.1")
    assert user.role == "merchant"


def test_the_command_refuses_a_seed_already_used_and_adds_with_another(app):
    runner = app.test_cli_runner()
    args = ["--affiliates", "5", "--campaigns", "2", "--links", "10", "--clicks", "300", "--conversions", "10",
            "--days", "30", "--seed", "11"]
    first = runner.invoke(args=["demo", "generate", *args])
    assert first.exit_code == 0, first.output
    assert "300 clicks" in first.output and "admin0001.g11@example.test" in first.output
    again = runner.invoke(args=["demo", "generate", *args])
    assert again.exit_code != 0 and "seed 11 is already" in again.output
    assert _count(Click) == 300
    other = runner.invoke(args=["demo", "generate", *args[:-1], "12"])
    assert other.exit_code == 0, other.output
    assert _count(Click) == 600
    assert ledger_verify.verify().ok


def test_deferred_indexes_come_back_exactly(app):
    if not is_postgres(app):
        pytest.skip("indexes are only set aside on Postgres")
    describe = text("SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'clicks'::regclass "
                    "UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = 'clicks'::regclass ORDER BY 1")
    before = db.session.scalars(describe).all()
    db.session.remove()
    with db.engine.begin() as conn, indexes_deferred(conn, "clicks"):
        assert len(conn.scalars(describe).all()) == 2  # only the primary key (index and constraint) stays
    assert db.session.scalars(describe).all() == before
    # On the partitioned table each index comes back on every partition, not only on the parent.
    assert db.session.scalar(text("SELECT count(*) FROM pg_index WHERE NOT indisvalid")) == 0


def test_postgres_clicks_land_in_their_month_partitions(app, generated):
    if not is_postgres(app):
        pytest.skip("SQLite keeps one clicks table")
    assert db.session.scalar(text("SELECT count(*) FROM clicks_default")) == 0
    assert _count(Click) == generated["clicks"]
