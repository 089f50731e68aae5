"""Every affiliate a reviewer works with, across their campaigns: figures, filters, sorting, tenant, export."""
import csv
import io
from datetime import timedelta

from app.extensions import db
from app.models.common import utcnow
from app.services.campaigns import affiliate_figures
from app.services.campaigns.affiliate_figures import AffiliateListing
from tests import factories
from tests.review_helpers import sale, shop

HCM = "Asia/Ho_Chi_Minh"


def rows_of(reviewer, **listing):
    page, _period = affiliate_figures.affiliates_page(reviewer, AffiliateListing(**listing), HCM)
    return page


def by_email(page):
    return {row.email: row for row in page.items}


def exported(reviewer, **listing) -> list[list[str]]:
    text = "".join(affiliate_figures.export_csv(reviewer, AffiliateListing(**listing), HCM))
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_a_merchant_sees_the_figures_of_their_own_campaigns_only(app):
    merchant = factories.make_user("merchant")
    _campaign, affiliate, link = shop(merchant)
    other_campaign = factories.make_campaign(merchant, currency="USD")
    factories.make_membership(other_campaign, affiliate)
    usd_link = factories.make_link(other_campaign, affiliate)
    sale(link, amount=1_000_000)                                   # 100,000 VND commission
    sale(link, amount=500_000, status="rejected")                  # not counted
    sale(usd_link, amount=2_000)                                   # 2.00 USD commission
    sale(link, created_at=utcnow() - timedelta(days=40))           # outside 30 days
    elsewhere = factories.make_link(factories.make_campaign(), affiliate)
    sale(elsewhere, amount=9_000_000)                              # another merchant's campaign
    stranger = shop()[1]                                           # works only for another merchant
    rows = by_email(rows_of(merchant))
    assert set(rows) == {affiliate.email}
    mine = rows[affiliate.email]
    assert (mine.clicks, mine.conversions, mine.campaigns, mine.status) == (3, 2, 2, "approved")
    assert mine.commission == {"VND": 100_000, "USD": 200}
    assert stranger.email not in by_email(rows_of(merchant, status="approved"))
    longer = by_email(rows_of(merchant, days=90))[affiliate.email]
    assert (longer.clicks, longer.conversions) == (4, 3)


def test_an_admin_sees_every_affiliate_account_with_all_campaigns(app):
    admin = factories.make_user("admin")
    first, second = shop(), shop()
    sale(first[2], amount=1_000_000)
    sale(second[2], amount=2_000_000)
    idle = factories.make_user("affiliate")
    rows = by_email(rows_of(admin))
    assert {first[1].email, second[1].email, idle.email} <= set(rows)
    assert rows[second[1].email].commission == {"VND": 200_000}
    assert (rows[idle.email].campaigns, rows[idle.email].clicks, rows[idle.email].status) == (0, 0, "active")
    assert factories.make_user("merchant").email not in by_email(rows_of(admin))


def test_filters_change_the_rows(app):
    admin = factories.make_user("admin")
    found = factories.make_user("affiliate", name="Nguyen Thi Lan")
    other = factories.make_user("affiliate", name="Tran Van Binh")
    other.is_disabled = True
    db.session.commit()
    assert set(by_email(rows_of(admin, q="lan"))) == {found.email}
    assert set(by_email(rows_of(admin, status="disabled"))) == {other.email}
    assert other.email not in by_email(rows_of(admin, status="active"))


def test_a_merchants_affiliate_has_their_best_standing(app):
    merchant = factories.make_user("merchant")
    one, two = factories.make_campaign(merchant), factories.make_campaign(merchant)
    both = factories.make_membership(one, status="rejected").affiliate
    factories.make_membership(two, both, status="pending")
    removed = factories.make_membership(two, status="removed").affiliate
    rows = by_email(rows_of(merchant))
    assert (rows[both.email].status, rows[removed.email].status) == ("pending", "removed")
    assert set(by_email(rows_of(merchant, status="pending"))) == {both.email}
    assert set(by_email(rows_of(merchant, status="removed"))) == {removed.email}


def test_sorted_by_a_figure_either_way_and_paged(app, monkeypatch):
    monkeypatch.setattr(affiliate_figures, "PER_PAGE", 2)
    merchant = factories.make_user("merchant")
    campaign = factories.make_campaign(merchant)
    links = [factories.make_link(campaign) for _ in range(3)]
    for count, link in zip((2, 0, 1), links, strict=True):
        for _ in range(count):
            factories.make_click(link)
    most = rows_of(merchant, sort="clicks")
    assert [row.clicks for row in most.items] == [2, 1] and most.total == 3 and most.pages == 2
    assert [row.clicks for row in rows_of(merchant, sort="clicks", page=2).items] == [0]
    assert [row.clicks for row in rows_of(merchant, sort="clicks", descending=False).items] == [0, 1]
    names = [row.name for row in rows_of(merchant, sort="name", descending=False).items]
    assert names == sorted(link.affiliate.name for link in links)[:2]


def test_export_has_a_line_per_currency_in_the_lists_order(app, monkeypatch):
    monkeypatch.setattr(affiliate_figures, "CHUNK", 2)
    merchant = factories.make_user("merchant")
    _campaign, rich, link = shop(merchant)
    sale(link, amount=1_000_000)
    sale(factories.make_link(factories.make_campaign(merchant, currency="USD"), rich), amount=1_000)
    quiet = [factories.make_membership(factories.make_campaign(merchant)).affiliate for _ in range(3)]
    shop()  # another merchant's affiliate
    rows = exported(merchant, sort="commission")
    assert rows[0] == affiliate_figures.EXPORT_COLUMNS
    assert [row[0] for row in rows[1:3]] == [rich.email, rich.email]
    assert sorted((row[9], row[10]) for row in rows[1:3]) == [("USD", "1.00"), ("VND", "100000")]
    assert {row[0] for row in rows[3:]} == {q.email for q in quiet} and len(rows) == 6
    assert [row[0] for row in exported(merchant, q=quiet[0].email)[1:]] == [quiet[0].email]
