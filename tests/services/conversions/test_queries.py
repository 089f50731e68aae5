from datetime import date, datetime, timedelta

import pytest

from app.models.common import utcnow
from app.services.common import lists
from app.services.common.keyset import Cursor
from app.services.conversions import click_lists, queries, refunds, states
from app.services.conversions.flags import FLOOD_CLICKS
from app.services.conversions.queries import ConversionFilters
from tests import factories
from tests.review_helpers import sale, shop

HCM = "Asia/Ho_Chi_Minh"  # UTC+7, no daylight saving


def ids(page):
    return [row.id for row in page.items]


def test_utc_bounds_cover_whole_local_days_both_included():
    start, end = lists.utc_bounds(date(2025, 3, 10), date(2025, 3, 11), HCM)
    assert start == datetime(2025, 3, 9, 17, 0)
    assert end == datetime(2025, 3, 11, 17, 0)
    assert lists.utc_bounds(None, None, HCM) == (None, None)
    assert lists.utc_bounds(date(2025, 3, 10), None, "UTC") == (datetime(2025, 3, 10), None)


def test_merchant_sees_own_campaigns_admin_sees_all(app):
    merchant, other = factories.make_user("merchant"), factories.make_user("merchant")
    _, _, link = shop(merchant)
    _, _, other_link = shop(other)
    mine, theirs = sale(link), sale(other_link)
    assert ids(queries.review_page(merchant, ConversionFilters(), HCM)) == [mine.id]
    assert ids(queries.review_page(other, ConversionFilters(), HCM)) == [theirs.id]
    admin = factories.make_user("admin")
    assert set(ids(queries.review_page(admin, ConversionFilters(), HCM))) == {mine.id, theirs.id}


def test_each_filter_narrows_the_list(app):
    merchant = factories.make_user("merchant")
    campaign, affiliate, link = shop(merchant)
    campaign2, affiliate2, link2 = shop(merchant)
    pending = sale(link, source="pixel")
    approved = sale(link, status="approved", source="api")
    other_campaign = sale(link2, source="api")

    def find(**kw):
        return set(ids(queries.review_page(merchant, ConversionFilters(**kw), HCM)))

    assert find() == {pending.id, approved.id, other_campaign.id}
    assert find(status="approved") == {approved.id}
    assert find(status="pending") == {pending.id, other_campaign.id}
    assert find(campaign_id=campaign2.id) == {other_campaign.id}
    assert find(affiliate_id=affiliate.id) == {pending.id, approved.id}
    assert find(source="pixel") == {pending.id}
    assert find(source="api", campaign_id=campaign.id) == {approved.id}


def test_date_range_edges_in_the_display_zone(app):
    merchant = factories.make_user("merchant")
    _, _, link = shop(merchant)
    # 2025-03-10 in Ho Chi Minh City runs from 2025-03-09 17:00 to 2025-03-10 17:00 UTC.
    just_before = sale(link, created_at=datetime(2025, 3, 9, 16, 59, 59))
    first = sale(link, created_at=datetime(2025, 3, 9, 17, 0, 0))
    last = sale(link, created_at=datetime(2025, 3, 10, 16, 59, 59))
    just_after = sale(link, created_at=datetime(2025, 3, 10, 17, 0, 0))

    def find(**kw):
        return set(ids(queries.review_page(merchant, ConversionFilters(**kw), HCM)))

    day = date(2025, 3, 10)
    assert find(date_from=day, date_to=day) == {first.id, last.id}
    assert find(date_from=day) == {first.id, last.id, just_after.id}
    assert find(date_to=day) == {just_before.id, first.id, last.id}
    assert find(date_to=date(2025, 3, 9)) == {just_before.id}
    # Read as UTC days instead, the same day holds other rows.
    assert set(ids(queries.review_page(merchant, ConversionFilters(date_from=day, date_to=day), "UTC"))) == {
        last.id, just_after.id}


def test_windows_of_25_newest_first(app):
    merchant = factories.make_user("merchant")
    _, _, link = shop(merchant)
    _, _, second_link = shop(merchant)
    now = utcnow()
    made = [sale(link if n % 2 else second_link, created_at=now - timedelta(minutes=n)) for n in range(30)]
    first = queries.review_page(merchant, ConversionFilters(), HCM)
    assert (first.count, first.capped, first.newer, first.is_first) == (30, False, None, True)
    assert ids(first) == [c.id for c in made[:25]]
    second = queries.review_page(merchant, ConversionFilters(), HCM, Cursor.parse(first.older))
    assert ids(second) == [c.id for c in made[25:]] and second.older is None and second.newer
    back = queries.review_page(merchant, ConversionFilters(), HCM, Cursor.parse(second.newer, newer=True))
    assert ids(back) == ids(first) and back.is_first
    admin = queries.review_page(factories.make_user("admin"), ConversionFilters(), HCM, per_page=10)
    assert ids(admin) == [c.id for c in made[:10]] and admin.count == 30


def test_affiliate_page_holds_only_their_own_rows(app):
    campaign, affiliate, link = shop()
    other = factories.make_link(campaign, factories.make_membership(campaign).affiliate)
    own, theirs = sale(link), sale(other)
    page = queries.affiliate_page(affiliate.id, ConversionFilters(), HCM)
    assert ids(page) == [own.id]
    # Asking for someone else's rows through the filter changes nothing.
    page = queries.affiliate_page(affiliate.id, ConversionFilters(affiliate_id=theirs.affiliate_id), HCM)
    assert ids(page) == [own.id]


def test_filter_choices_follow_ownership(app):
    merchant, other = factories.make_user("merchant"), factories.make_user("merchant")
    campaign, affiliate, _ = shop(merchant)
    other_campaign, other_affiliate, _ = shop(other)
    assert queries.reviewer_campaigns(merchant) == [campaign]
    assert queries.reviewer_affiliate(merchant, affiliate.email.upper()) == affiliate
    assert queries.reviewer_affiliate(merchant, str(affiliate.id)) == affiliate
    assert queries.reviewer_affiliate(merchant, other_affiliate.email) is None
    admin = factories.make_user("admin")
    assert {c.id for c in queries.reviewer_campaigns(admin)} == {campaign.id, other_campaign.id}
    assert queries.reviewer_affiliate(admin, other_affiliate.email) == other_affiliate
    assert queries.reviewer_affiliate(admin, "nobody@example.com") is None
    factories.make_membership(other_campaign, affiliate)
    assert {c.id for c in queries.affiliate_campaigns(affiliate.id)} == {campaign.id, other_campaign.id}


def test_clicks_are_split_by_owner(app):
    merchant = factories.make_user("merchant")
    campaign, affiliate, link = shop(merchant)
    _, other_affiliate, other_link = shop()
    own = factories.make_click(link)
    foreign = factories.make_click(other_link)
    assert ids(click_lists.affiliate_clicks(affiliate.id)) == [own.id]
    assert ids(click_lists.affiliate_clicks(other_affiliate.id)) == [foreign.id]
    assert ids(click_lists.affiliate_clicks(affiliate.id, campaign_id=other_link.campaign_id)) == []
    assert ids(click_lists.campaign_clicks(merchant)) == [own.id]
    assert ids(click_lists.campaign_clicks(merchant, campaign_id=other_link.campaign_id)) == []
    assert set(ids(click_lists.campaign_clicks(factories.make_user("admin")))) == {own.id, foreign.id}


def test_click_signals_for_bots_and_floods(app):
    _, _, link = shop()
    now = utcnow()
    flood = [factories.make_click(link, ip="203.0.113.50", created_at=now - timedelta(minutes=n))
             for n in range(FLOOD_CLICKS)]
    bot = factories.make_click(link, ip="203.0.113.51", user_agent="Googlebot/2.1", created_at=now)
    quiet = factories.make_click(link, ip="203.0.113.52", created_at=now)
    other_campaign = factories.make_click(shop()[2], ip="203.0.113.50", created_at=now)
    counts = click_lists.ip_click_counts([flood[0], flood[-1], bot, quiet, other_campaign])
    assert counts[flood[0].id] == FLOOD_CLICKS and counts[flood[-1].id] == 1 and counts[other_campaign.id] == 1
    assert click_lists.click_signals(flood[0], counts[flood[0].id]) == ["click_flood"]
    assert click_lists.click_signals(flood[-1], counts[flood[-1].id]) == []
    assert click_lists.click_signals(bot, counts[bot.id]) == ["bot_user_agent"]
    assert click_lists.click_signals(quiet, counts[quiet.id]) == []
    assert click_lists.ip_click_counts([]) == {}
    capped = click_lists.ip_click_counts([flood[0], flood[-1], quiet], cap=5)
    assert capped == {flood[0].id: 5, flood[-1].id: 1, quiet.id: 1}  # counted up to the cap, no further


def test_detail_gathers_click_refunds_ledger_and_history(app):
    merchant = factories.make_user("merchant")
    _, _, link = shop(merchant)
    conversion = sale(link, amount=1_000_000)
    states.approve(conversion.id, merchant.id, ip="192.0.2.1")
    refunds.refund(conversion.id, 250_000, actor_id=merchant.id, reason="one item back")
    d = queries.detail(conversion)
    assert d.click.id == conversion.click_id and d.link.id == link.id
    assert [(r.amount, r.commission_delta) for r in d.refunds] == [(250_000, 25_000)]
    assert [(e.kind, e.amount) for e in d.ledger] == [("commission", 100_000), ("reversal", -25_000)]
    assert [e.action for e in d.events] == ["conversion.approved", "conversion.refunded"]
    assert d.decided_by.id == merchant.id and d.ip_clicks == 1


@pytest.mark.parametrize("status", ["pending", "approved", "rejected", "reversed"])
def test_status_filter_matches_each_status(app, status):
    merchant = factories.make_user("merchant")
    _, _, link = shop(merchant)
    wanted = sale(link, status=status)
    for other in {"pending", "approved", "rejected", "reversed"} - {status}:
        sale(link, status=other)
    assert ids(queries.review_page(merchant, ConversionFilters(status=status), HCM)) == [wanted.id]
