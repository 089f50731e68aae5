"""A campaign's members with their figures for a period: sorted by any column, a page at a time."""
from datetime import timedelta

from app.models.common import utcnow
from app.services.campaigns import member_figures
from app.services.campaigns.member_figures import MemberListing
from tests import factories
from tests.review_helpers import sale

HCM = "Asia/Ho_Chi_Minh"


def rows_of(campaign, **listing):
    page, _period = member_figures.members_page(campaign.id, MemberListing(**{"status": "approved", **listing}), HCM)
    return page


def test_each_member_has_the_figures_of_the_period_only(app):
    campaign = factories.make_campaign()
    busy, quiet = factories.make_link(campaign), factories.make_link(campaign)
    sale(busy, amount=1_000_000)                                   # 100,000 commission
    sale(busy, amount=500_000, status="rejected")                  # not counted
    factories.make_click(busy, is_unique=False)                    # not a unique click
    sale(busy, created_at=utcnow() - timedelta(days=40))           # outside 30 days
    sale(factories.make_link(), amount=900_000)                    # another campaign's
    by_affiliate = {row.membership.affiliate_id: row for row in rows_of(campaign).items}
    mine = by_affiliate[busy.affiliate_id]
    assert (mine.clicks, mine.conversions, mine.commission) == (2, 1, {"VND": 100_000})
    assert (by_affiliate[quiet.affiliate_id].clicks, by_affiliate[quiet.affiliate_id].commission) == (0, {})
    longer = {row.membership.affiliate_id: row for row in rows_of(campaign, days=90).items}
    assert (longer[busy.affiliate_id].clicks, longer[busy.affiliate_id].conversions) == (3, 2)


def test_sorted_by_a_figure_either_way_and_paged(app, monkeypatch):
    monkeypatch.setattr(member_figures, "PER_PAGE", 2)
    campaign = factories.make_campaign()
    links = [factories.make_link(campaign) for _ in range(3)]
    for count, link in zip((2, 0, 1), links, strict=True):
        for _ in range(count):
            factories.make_click(link)
    most = rows_of(campaign, sort="clicks")
    assert [row.clicks for row in most.items] == [2, 1] and most.total == 3 and most.pages == 2
    assert [row.clicks for row in rows_of(campaign, sort="clicks", page=2).items] == [0]
    assert [row.clicks for row in rows_of(campaign, sort="clicks", descending=False).items] == [0, 1]
    names = [row.membership.affiliate.name for row in rows_of(campaign, sort="name", descending=False).items]
    assert names == sorted(link.affiliate.name for link in links)[:2]


def test_only_the_status_asked_for(app):
    campaign = factories.make_campaign()
    factories.make_membership(campaign)
    pending = factories.make_membership(campaign, status="pending")
    assert [row.membership.id for row in rows_of(campaign, status="pending").items] == [pending.id]
