"""Page figures: the funnel, trends, rankings and cohorts, from the rollup and from raw rows alike."""
from datetime import date, datetime
from decimal import Decimal

from app.services.analytics import rollup
from app.services.analytics.cohorts import cohorts
from app.services.analytics.funnel import changes, funnel, trend
from app.services.analytics.periods import Period, custom_period
from app.services.analytics.rankings import ranking
from app.services.analytics.reader import Reader
from app.services.analytics.scope import check_filters, scope_for
from tests import factories
from tests.analytics_helpers import ZONE

TODAY = date(2026, 3, 31)


def _program():
    """Two merchants; the first has two affiliates on one campaign, with clicks and orders in March."""
    merchant, other = factories.make_user("merchant"), factories.make_user("merchant")
    campaign = factories.make_campaign(merchant)
    foreign = factories.make_campaign(other)
    links = [factories.make_link(campaign, sub_id=f"s{n}") for n in range(2)]
    foreign_link = factories.make_link(foreign)
    for day in range(1, 11):
        for n, link in enumerate(links):
            for k in range(n + 1):
                factories.make_click(link, created_at=datetime(2026, 3, day, 5, k), sub1=link.sub_id,
                                     referrer="https://m.facebook.com/story")
        factories.make_click(foreign_link, created_at=datetime(2026, 3, day, 5, 0))
    click = factories.make_click(links[1], created_at=datetime(2026, 3, 3, 6, 0), sub1="s1")
    factories.make_conversion(click, amount=2_000_000, created_at=datetime(2026, 3, 3, 7, 0))
    factories.make_conversion(click, amount=1_000_000, status="rejected", created_at=datetime(2026, 3, 4, 7, 0))
    return merchant, campaign, links


def _reader(user, from_raw=False, **values):
    scope = scope_for(user)
    filters, _campaigns, errors = check_filters(scope, values, "VND")
    assert errors == {}
    return Reader(scope, filters, ZONE, from_raw=from_raw)


def test_the_funnel_is_the_same_from_the_rollup_and_from_raw_rows(app):
    merchant, _campaign, _links = _program()
    rollup.rebuild()
    period = Period(date(2026, 3, 1), TODAY)
    with _reader(merchant) as reader:
        stored = funnel(reader, period)
    with _reader(merchant, from_raw=True) as reader:
        raw = funnel(reader, period, with_robots=False)
    assert stored.figures == raw.figures
    assert (stored.figures["clicks"], stored.figures["conversions"], stored.figures["revenue"]) == (31, 2, 2_000_000)
    assert stored.conversion_rate is not None and stored.average_order == 2_000_000


def test_a_merchant_never_sees_another_merchants_clicks(app):
    merchant, _campaign, _links = _program()
    rollup.rebuild()
    with _reader(merchant) as reader:
        assert funnel(reader, Period(date(2026, 3, 1), TODAY)).figures["clicks"] == 31


def test_the_trend_has_a_point_per_day_and_the_previous_period_beside_it(app):
    merchant, _campaign, _links = _program()
    rollup.rebuild()
    period = Period(date(2026, 3, 1), date(2026, 3, 14))
    with _reader(merchant) as reader:
        points = trend(reader, period, compare=True)
    assert len(points) == 14
    assert points[0].figures["clicks"] == 3 and points[-1].figures["clicks"] == 0
    assert points[0].previous == {"clicks": 0, "unique_clicks": 0, "conversions": 0, "revenue": 0, "commission": 0}


def test_rankings_order_by_the_chosen_figure_with_sparklines(app):
    merchant, _campaign, links = _program()
    rollup.rebuild()
    period = Period(date(2026, 3, 1), date(2026, 3, 14))
    with _reader(merchant) as reader:
        rows = ranking(reader, period, "link", "clicks", sparkline_metric="clicks")
        subs = ranking(reader, period, "sub_id", "clicks", descending=False)
        referrers = ranking(reader, period, "referrer", "clicks")
    assert [row.key for row in rows] == [links[1].id, links[0].id]
    assert rows[0].sparkline[:3] == [2, 2, 3]
    assert [row.key for row in subs] == ["s0", "s1"]
    assert [(row.key, row.figures["clicks"]) for row in referrers] == [("m.facebook.com", 30), ("", 1)]


def test_cohorts_follow_affiliates_from_the_month_they_joined(app):
    merchant = factories.make_user("merchant")
    campaign = factories.make_campaign(merchant)
    january, february = (factories.make_membership(campaign, decided_at=datetime(2026, month, 10))
                         for month in (1, 2))
    for membership, months in ((january, (1, 3)), (february, (2,))):
        link = factories.make_link(campaign, membership.affiliate)
        for month in months:
            click = factories.make_click(link, created_at=datetime(2026, month, 12, 3, 0))
            factories.make_conversion(click, amount=1_000_000, created_at=datetime(2026, month, 12, 4, 0))
    rollup.rebuild()
    with _reader(merchant) as reader:
        table = cohorts(reader, date(2026, 3, 1), months=3)
    assert [(cohort.month, cohort.size) for cohort in table] == [
        (date(2026, 3, 1), 0), (date(2026, 2, 1), 1), (date(2026, 1, 1), 1)]
    assert table[2].cells == [(1, 100_000), (0, 0), (1, 100_000)]
    assert table[1].cells == [(1, 100_000), (0, 0), None]
    assert table[2].share(table[2].cells[0]) == Decimal("100.00")


def test_changes_compare_with_the_previous_period(app):
    merchant, _campaign, _links = _program()
    rollup.rebuild()
    with _reader(merchant) as reader:
        now = funnel(reader, Period(date(2026, 3, 6), date(2026, 3, 10)))
        before = funnel(reader, Period(date(2026, 3, 1), date(2026, 3, 5)))
    # 15 clicks against 16 (one more on the 3rd, the one that converted).
    assert changes(now, before)["clicks"] == Decimal("-6.3")


def test_a_custom_range_is_made_safe():
    period, notes = custom_period(date(2030, 1, 1), date(2010, 1, 1), TODAY)
    assert period.end == TODAY and period.days == 366 and len(notes) == 2
    period, notes = custom_period(date(2026, 3, 10), date(2026, 3, 1), TODAY)
    assert (period.start, period.end) == (date(2026, 3, 1), date(2026, 3, 10)) and len(notes) == 1


def test_filters_outside_the_readers_program_are_refused(app):
    merchant, campaign, links = _program()
    outsider = factories.make_user("merchant")
    scope = scope_for(outsider)
    filters, _campaigns, errors = check_filters(
        scope, {"campaign": campaign.id, "link": links[0].code, "affiliate": str(links[0].affiliate_id)}, "VND")
    assert set(errors) == {"campaign", "link", "affiliate"}
    assert filters.campaign_id is None and filters.link_id is None and filters.affiliate_id is None
