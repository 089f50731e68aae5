"""Reading campaigns: figures per campaign, the merchant's list, the directory, what affiliates may see."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from app.extensions import db
from app.services.campaigns import lists
from app.services.campaigns.campaigns import CampaignNotFound
from app.services.common.sorting import Sort
from tests import factories

TODAY = date(2025, 6, 15)
HCM = "Asia/Ho_Chi_Minh"


def test_stats_count_what_each_column_means(app):
    campaign = factories.make_campaign(commission_rate=Decimal("10"))
    other = factories.make_campaign()
    link = factories.make_link(campaign)                       # one approved member
    factories.make_membership(campaign, status="pending")
    factories.make_membership(campaign, status="removed")
    first = factories.make_click(link)
    factories.make_click(link, is_unique=False)
    second = factories.make_click(link)
    factories.make_conversion(first, amount=100_000, status="pending")                          # owes 10,000
    factories.make_conversion(second, amount=200_000, status="approved", commission_reversed=5_000)  # 15,000
    factories.make_conversion(first, amount=300_000, status="rejected")                         # not counted
    factories.make_conversion(second, amount=400_000, status="reversed", commission_reversed=40_000)
    factories.make_click(factories.make_link(other))

    stats = lists.stats_for([campaign.id, other.id], HCM)

    mine = stats[campaign.id]
    assert (mine.affiliates, mine.clicks, mine.conversions) == (1, 2, 3)
    assert mine.owed == {"VND": 25_000}
    assert (stats[other.id].affiliates, stats[other.id].clicks, stats[other.id].owed) == (1, 1, {})


def test_stats_keep_currencies_apart(app):
    campaign = factories.make_campaign(commission_rate=Decimal("10"))
    click = factories.make_click(factories.make_link(campaign))
    factories.make_conversion(click, amount=100_000)
    factories.make_conversion(click, amount=1_000, currency="USD", commission=100)
    assert lists.stats_for([campaign.id], HCM)[campaign.id].owed == {"VND": 10_000, "USD": 100}


def test_list_figures_take_as_many_queries_for_one_campaign_as_for_five(app):
    def statements_for(merchant) -> int:
        db.session.refresh(merchant)
        statements = []

        def count(*args):
            statements.append(args)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = lists.merchant_campaigns(merchant, HCM)
            for campaign, _stats in page.items:
                _ = campaign.merchant.display_name
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(page.items), len(statements)

    merchants = factories.make_user("merchant"), factories.make_user("merchant")
    for merchant, campaigns in zip(merchants, (1, 5), strict=True):
        for _ in range(campaigns):
            factories.make_click(factories.make_link(factories.make_campaign(merchant)))
    (one, one_count), (five, five_count) = (statements_for(m) for m in merchants)
    assert (one, five) == (1, 5) and one_count == five_count


def test_merchant_list_search_filter_and_pages(app):
    merchant = factories.make_user("merchant")
    other = factories.make_user("merchant")
    for n in range(23):
        factories.make_campaign(merchant, name=f"Spring {n:02d}", created_at=datetime(2025, 1, 1) + timedelta(hours=n))
    factories.make_campaign(merchant, name="Autumn 100%_off", status="paused")
    factories.make_campaign(other, name="Spring elsewhere")

    first = lists.merchant_campaigns(merchant, HCM, q="spring")
    assert first.total == 23 and first.pages == 2 and len(first.items) == 20
    assert first.items[0][0].name == "Spring 22"
    second = lists.merchant_campaigns(merchant, HCM, q="spring", page=2)
    assert [c.name for c, _ in second.items] == ["Spring 02", "Spring 01", "Spring 00"]
    assert lists.merchant_campaigns(merchant, HCM, q="spring", page=99).page == 2
    assert [c.name for c, _ in lists.merchant_campaigns(merchant, HCM, status="paused").items] == [
        "Autumn 100%_off"]
    assert lists.merchant_campaigns(merchant, HCM, q="%_").total == 1
    assert lists.merchant_campaigns(merchant, HCM, status="bogus").total == 24


def test_admin_list_has_every_merchant(app):
    admin = factories.make_user("admin")
    shop = factories.make_user("merchant", company_name="Blue Kettle")
    factories.make_campaign(shop, name="Teapots")
    factories.make_campaign(name="Shoes")
    assert lists.merchant_campaigns(admin, HCM).total == 2
    assert [c.name for c, _ in lists.merchant_campaigns(admin, HCM, q="kettle").items] == ["Teapots"]


def _names(page):
    return [campaign.name for campaign, _status in page.items]


def test_directory_shows_only_open_campaigns_with_my_membership(app):
    affiliate = factories.make_user("affiliate")
    joined = factories.make_campaign(name="Joined")
    factories.make_membership(joined, affiliate, status="pending")
    factories.make_campaign(name="Open", ends_on=TODAY)
    factories.make_campaign(name="Later", starts_on=TODAY + timedelta(days=3))
    factories.make_campaign(name="Paused", status="paused")
    factories.make_campaign(name="Ended", status="ended")
    factories.make_campaign(name="Past", ends_on=TODAY - timedelta(days=1))

    page = lists.directory(affiliate.id, TODAY)
    assert sorted(_names(page)) == ["Joined", "Later", "Open"]
    assert dict((c.name, s) for c, s in page.items) == {"Joined": "pending", "Open": None, "Later": None}


def test_directory_filters_and_sorts_by_commission(app):
    affiliate = factories.make_user("affiliate")
    factories.make_campaign(name="Five", commission_rate=Decimal("5"))
    factories.make_campaign(name="Twelve", commission_rate=Decimal("12.5"))
    factories.make_campaign(name="Flat small", commission_type="fixed", commission_fixed=10_000)
    factories.make_campaign(name="Flat big", commission_type="fixed", commission_fixed=90_000)
    factories.make_campaign(name="Gadgets", description="phones and laptops", commission_rate=Decimal("1"))

    high = lists.directory(affiliate.id, TODAY, commission_type="percent", sort=Sort("commission"))
    assert _names(high) == ["Twelve", "Five", "Gadgets"]
    low = lists.directory(affiliate.id, TODAY, commission_type="percent", sort=Sort("commission", descending=False))
    assert _names(low) == ["Gadgets", "Five", "Twelve"]
    fixed = lists.directory(affiliate.id, TODAY, commission_type="fixed", sort=Sort("commission"))
    assert _names(fixed) == ["Flat big", "Flat small"]
    everything = lists.directory(affiliate.id, TODAY, sort=Sort("commission", descending=False))
    assert _names(everything) == ["Gadgets", "Five", "Twelve", "Flat small", "Flat big"]
    assert _names(lists.directory(affiliate.id, TODAY, q="laptop")) == ["Gadgets"]


def test_directory_pages(app):
    affiliate = factories.make_user("affiliate")
    merchant = factories.make_user("merchant")
    for n in range(21):
        factories.make_campaign(merchant, name=f"C{n}")
    assert len(lists.directory(affiliate.id, TODAY).items) == 20
    assert len(lists.directory(affiliate.id, TODAY, page=2).items) == 1


@pytest.mark.parametrize("status, membership, visible", [
    ("active", None, True), ("paused", None, False), ("ended", None, False),
    ("paused", "approved", True), ("ended", "pending", True), ("paused", "rejected", False),
])
def test_what_an_affiliate_may_open(app, status, membership, visible):
    affiliate = factories.make_user("affiliate")
    campaign = factories.make_campaign(status=status)
    if membership:
        factories.make_membership(campaign, affiliate, status=membership)
    if visible:
        found, member = lists.for_affiliate(campaign.id, affiliate.id, TODAY)
        assert found.id == campaign.id and (member.status if member else None) == membership
    else:
        with pytest.raises(CampaignNotFound):
            lists.for_affiliate(campaign.id, affiliate.id, TODAY)


def test_ended_by_date_is_hidden_from_non_members(app):
    affiliate = factories.make_user("affiliate")
    campaign = factories.make_campaign(ends_on=TODAY - timedelta(days=1))
    with pytest.raises(CampaignNotFound):
        lists.for_affiliate(campaign.id, affiliate.id, TODAY)
