"""Every link held in each process, reloaded when the shared version in Redis moves."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models.common import utcnow
from app.services.accounts import admin as account_admin
from app.services.campaigns import campaigns, memberships
from app.services.tracking import drain, link_cache, link_changes
from app.services.tracking import follow as tracking
from tests.factories import make_campaign, make_link, make_membership, make_user
from tests.tracking_helpers import BROWSER, BrokenRedis, all_clicks, clean_click_path, without_redis  # noqa: F401


def follow(link_or_code):
    code = getattr(link_or_code, "code", link_or_code)
    return tracking.follow_link(code, ip="198.51.100.7", user_agent=BROWSER)


def attributable() -> list[bool]:
    drain.drain_once()
    return [c.is_attributable for c in all_clicks()]


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(link_cache.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(link_changes.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def queries(monkeypatch):
    """Counts the loads of every link and of single codes."""
    counted = {"all": 0, "one": 0}
    load_all, load_one = link_cache._load_all, link_cache._load_one

    def counting_all():
        counted["all"] += 1
        return load_all()

    def counting_one(code):
        counted["one"] += 1
        return load_one(code)

    monkeypatch.setattr(link_cache, "_load_all", counting_all)
    monkeypatch.setattr(link_cache, "_load_one", counting_one)
    return counted


def publish_version(app) -> None:
    """What `changed()` in another process does to the shared key."""
    app.extensions["redis"].set(link_changes.version_key(), "from-elsewhere")


def test_clicks_on_many_links_load_them_once(app, queries):
    links = [make_link() for _ in range(5)]
    for link in links * 3:
        follow(link)
    assert queries == {"all": 1, "one": 0}


def test_a_change_elsewhere_applies_once_the_version_is_read(app, clock, queries):
    link = make_link()
    follow(link)
    db.session.execute(text("UPDATE campaigns SET status = 'paused' WHERE id = :id"), {"id": link.campaign_id})
    db.session.commit()  # plain SQL: this process was not told
    publish_version(app)
    follow(link)  # the version is read at most once a second: still the old snapshot
    clock[0] += link_cache.CHECK_SECONDS
    follow(link)
    assert attributable() == [True, True, False]
    assert queries["all"] == 2


def test_without_a_new_version_nothing_is_reloaded(app, clock, queries):
    link = make_link()
    for _ in range(3):
        follow(link)
        clock[0] += link_cache.CHECK_SECONDS
    assert queries["all"] == 1


def test_the_snapshot_is_reloaded_after_its_longest_age_anyway(app, clock, queries):
    link = make_link()
    follow(link)
    clock[0] += link_cache.MAX_AGE_SECONDS
    follow(link)
    assert queries["all"] == 2


def test_a_link_created_elsewhere_works_on_its_first_click(app, clock, queries):
    existing = make_link()
    follow(existing)
    db.session.execute(text("INSERT INTO links (code, campaign_id, affiliate_id, created_at) "
                            "VALUES ('fresh1', :campaign, :affiliate, :now)"),
                       {"campaign": existing.campaign_id, "affiliate": existing.affiliate_id, "now": utcnow()})
    db.session.commit()
    publish_version(app)
    assert follow("fresh1").click_id  # no second has passed: the unknown code made it read the version
    assert queries == {"all": 2, "one": 0}


def test_unknown_codes_cost_no_query_while_the_version_stands(app, queries):
    follow(make_link())
    for n in range(20):
        with pytest.raises(tracking.UnknownLink):
            follow(f"nothing{n}")
    assert queries == {"all": 1, "one": 0}


@pytest.mark.parametrize("change", [
    "pause", "end", "remove_member", "disable_affiliate", "archive_link", "delete_campaign",
])
def test_every_change_that_matters_publishes_a_new_version(app, change):
    merchant = make_user("merchant")
    campaign = make_campaign(merchant)
    affiliate = make_user("affiliate")
    membership = make_membership(campaign, affiliate)
    link = make_link(campaign, affiliate)
    redis = app.extensions["redis"]
    before = redis.get(link_changes.version_key())
    if change != "delete_campaign":  # a campaign with clicks cannot be deleted
        follow(link)
    if change == "pause":
        campaigns.set_status(campaign.id, "paused", merchant.id, None)
    elif change == "end":
        campaigns.set_status(campaign.id, "ended", merchant.id, None)
    elif change == "remove_member":
        memberships.remove(membership.id, merchant.id)
    elif change == "disable_affiliate":
        account_admin.set_disabled(affiliate.id, True, actor_id=make_user("admin").id)
    elif change == "archive_link":
        link.archived_at = utcnow()
        db.session.commit()
    elif change == "delete_campaign":
        code = link.code
        campaigns.delete_campaign(campaign.id, merchant.id, None)
        assert redis.get(link_changes.version_key()) != before
        with pytest.raises(tracking.UnknownLink):
            follow(code)
        return
    assert redis.get(link_changes.version_key()) != before
    follow(link)  # this process applies its own change at once
    assert attributable() == [True, False]


def test_changes_that_do_not_matter_keep_the_version(app):
    link = make_link()
    redis = app.extensions["redis"]
    before = redis.get(link_changes.version_key())
    link.label = "Summer post"
    link.campaign.description = "New words"
    db.session.commit()
    make_user("merchant")
    assert redis.get(link_changes.version_key()) == before


def test_a_rolled_back_change_publishes_nothing(app):
    link = make_link()
    redis = app.extensions["redis"]
    before = redis.get(link_changes.version_key())
    link.archived_at = utcnow()
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert redis.get(link_changes.version_key()) == before


def test_without_redis_changes_elsewhere_apply_after_the_ttl(app, monkeypatch, clock, queries):
    without_redis(monkeypatch, app)
    link = make_link()
    follow(link)
    db.session.execute(text("UPDATE links SET archived_at = :now WHERE id = :id"), {"now": utcnow(), "id": link.id})
    db.session.commit()
    clock[0] += link_cache.RETRY_SECONDS
    follow(link)
    clock[0] += link_cache.DEFAULT_TTL_SECONDS
    follow(link)
    assert attributable() == [True, True, False]
    assert queries["all"] == 2


def test_without_redis_an_unknown_code_is_looked_up_and_remembered_briefly(app, monkeypatch, clock, queries):
    without_redis(monkeypatch, app)
    existing = make_link()
    follow(existing)
    for _ in range(2):
        with pytest.raises(tracking.UnknownLink):
            follow("later1")
    assert queries["one"] == 1
    db.session.execute(text("INSERT INTO links (code, campaign_id, affiliate_id, created_at) "
                            "VALUES ('later1', :campaign, :affiliate, :now)"),
                       {"campaign": existing.campaign_id, "affiliate": existing.affiliate_id, "now": utcnow()})
    db.session.commit()
    clock[0] += link_cache.MISS_TTL_SECONDS
    assert follow("later1").click_id
    follow("later1")
    assert queries == {"all": 1, "one": 2}


def test_when_redis_fails_the_snapshot_keeps_serving_and_ages_out(app, monkeypatch, clock, queries):
    link = make_link()
    follow(link)
    broken = BrokenRedis()
    broken.get = lambda key: broken.send_packed_command(None)
    monkeypatch.setitem(app.extensions, "click_redis", broken)
    clock[0] += link_cache.CHECK_SECONDS
    follow(link)
    follow(link)
    assert broken.calls == 2  # the append, then the stream is skipped; the version once, then skipped
    assert queries["all"] == 1
    clock[0] += link_cache.DEFAULT_TTL_SECONDS
    follow(link)
    assert queries["all"] == 2


def test_a_known_link_keeps_redirecting_while_the_database_is_down(app, monkeypatch, clock):
    link = make_link()
    follow(link)
    monkeypatch.setattr(link_cache, "_load_all", lambda: (_ for _ in ()).throw(
        OperationalError("SELECT", {}, Exception("connection refused"))))
    publish_version(app)
    clock[0] += link_cache.CHECK_SECONDS
    assert follow(link).click_id


def test_a_campaign_that_has_not_started_is_not_attributable_until_its_day(app):
    from datetime import timedelta

    campaign = make_campaign(starts_on=utcnow().date() + timedelta(days=1))
    link = make_link(campaign)
    assert link_cache.get(link.code).attributable is False
    campaign.starts_on = utcnow().date()
    db.session.commit()
    assert link_cache.get(link.code).attributable is True
