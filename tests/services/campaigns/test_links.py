"""Making tracking links, their public URL and their figures."""
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models.tracking import Link
from app.services.campaigns import links
from tests import factories

HCM = "Asia/Ho_Chi_Minh"


@pytest.fixture(autouse=True)
def request_context(app):
    # Refusal messages are translated for the person asking, so they need a request's locale.
    with app.test_request_context():
        yield


@pytest.fixture
def campaign(app):
    return factories.make_campaign(allowed_hosts="shop.example\nwww.shop.example")


@pytest.fixture
def affiliate(campaign):
    return factories.make_membership(campaign, status="approved").affiliate


def link_count() -> int:
    return db.session.scalar(select(func.count(Link.id)))


def test_landing_link(campaign, affiliate):
    link = links.create_link(affiliate.id, campaign.id)
    assert re.fullmatch(r"[A-Za-z0-9]{10}", link.code)
    assert link.destination_url is None and link.label is None and link.sub_id is None
    assert (link.campaign_id, link.affiliate_id, link.archived_at) == (campaign.id, affiliate.id, None)
    assert links.tracking_url(link) == f"http://localhost/r/{link.code}"


def test_deep_link_with_label_and_sub_id(campaign, affiliate):
    link = links.create_link(affiliate.id, campaign.id, " https://WWW.shop.example/p/1?a=1&b=2 ",
                             " Summer post ", "fb_post-1.2")
    assert link.destination_url == "https://WWW.shop.example/p/1?a=1&b=2"
    assert (link.label, link.sub_id) == ("Summer post", "fb_post-1.2")
    url = links.tracking_url(link)
    assert url.startswith(f"http://localhost/r/{link.code}?sub1=fb_post-1.2&to=https%3A%2F%2FWWW.shop.example")
    assert "&b=2" not in url  # the destination's own query stays inside `to`
    assert parse_qs(urlsplit(url).query) == {"sub1": ["fb_post-1.2"], "to": ["https://WWW.shop.example/p/1?a=1&b=2"]}


def test_blank_optional_fields_are_none(campaign, affiliate):
    link = links.create_link(affiliate.id, campaign.id, "  ", "", "   ")
    assert (link.destination_url, link.label, link.sub_id) == (None, None, None)


@pytest.mark.parametrize("destination", [
    "//evil.com/shop.example",
    "https://shop.example.evil.com/",
    "https://evil.com/?u=https://shop.example/",
    "https://evilshop.example/",
    "javascript:alert(1)",
    "JavaScript://shop.example/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://shop.example@evil.com/",
    "https://user:pass@shop.example/",
    "https://shop.example\\@evil.com/",
    "https://shop.example%2F@evil.com/",
    "ftp://shop.example/file",
    "shop.example/page",
    "/relative/path",
    "https:///shop.example",
    "https://shop.example:99999/",
    "https://shop.example/\nLocation: https://evil.com",
    "https://shop.example/" + "a" * 2000,
])
def test_destination_tricks_are_refused(campaign, affiliate, destination):
    with pytest.raises(links.DestinationNotAllowed) as refused:
        links.create_link(affiliate.id, campaign.id, destination)
    assert refused.value.field == "destination_url"
    assert "shop.example" in refused.value.message
    assert link_count() == 0


def test_deep_link_refused_when_campaign_allows_no_hosts(affiliate, campaign):
    campaign.allowed_hosts = ""
    db.session.commit()
    with pytest.raises(links.DestinationNotAllowed, match="does not allow deep links"):
        links.create_link(affiliate.id, campaign.id, "https://shop.example/p")
    assert links.create_link(affiliate.id, campaign.id).destination_url is None


def test_label_length(campaign, affiliate):
    assert links.create_link(affiliate.id, campaign.id, label="x" * 120).label == "x" * 120
    with pytest.raises(links.InvalidLabel) as refused:
        links.create_link(affiliate.id, campaign.id, label="x" * 121)
    assert refused.value.field == "label"


@pytest.mark.parametrize("sub_id", ["a b", "x/y", "tiếng", "<script>", "a&b=c", "q?", "x" * 101])
def test_bad_sub_ids_are_refused(campaign, affiliate, sub_id):
    with pytest.raises(links.InvalidSubId) as refused:
        links.create_link(affiliate.id, campaign.id, sub_id=sub_id)
    assert refused.value.field == "sub_id"
    assert link_count() == 0


def test_longest_sub_id_is_accepted(campaign, affiliate):
    assert links.create_link(affiliate.id, campaign.id, sub_id="A-z_0." * 16 + "abcd").sub_id == "A-z_0." * 16 + "abcd"


@pytest.mark.parametrize("status, says", [
    ("pending", "waiting for the merchant"),
    ("rejected", "not accepted"),
    ("removed", "removed from this campaign"),
])
def test_affiliates_not_approved_are_refused(campaign, status, says):
    affiliate = factories.make_membership(campaign, status=status).affiliate
    with pytest.raises(links.NotApproved, match=says) as refused:
        links.create_link(affiliate.id, campaign.id)
    assert refused.value.field == "campaign"
    assert link_count() == 0


def test_affiliate_who_never_joined_is_refused(campaign):
    stranger = factories.make_user("affiliate")
    with pytest.raises(links.NotApproved, match="approved for"):
        links.create_link(stranger.id, campaign.id)
    with pytest.raises(links.NotApproved):
        links.create_link(stranger.id, 999_999)
    with pytest.raises(links.NotApproved):
        links.create_link(stranger.id, None)


@pytest.mark.parametrize("changes, says", [
    ({"status": "paused"}, "paused"),
    ({"status": "ended"}, "ended"),
    ({"ends_on": date.today() - timedelta(days=2)}, "ended"),
])
def test_closed_campaigns_refuse_new_links(campaign, affiliate, changes, says):
    for name, value in changes.items():
        setattr(campaign, name, value)
    db.session.commit()
    with pytest.raises(links.CampaignClosed, match=says) as refused:
        links.create_link(affiliate.id, campaign.id)
    assert refused.value.field == "campaign"
    assert link_count() == 0


def test_codes_are_random_and_well_formed():
    codes = {links.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9]{10}", code) for code in codes)


def test_taken_code_is_retried_with_a_new_one(campaign, affiliate, monkeypatch):
    factories.make_link(campaign, affiliate, code="TAKENcode1")
    drawn = iter(["TAKENcode1", "FreshCode2"])
    monkeypatch.setattr(links, "new_code", lambda: next(drawn))
    link = links.create_link(affiliate.id, campaign.id, label="second")
    assert link.code == "FreshCode2"
    assert db.session.get(Link, link.id).label == "second"
    assert link_count() == 2


def test_gives_up_after_a_few_taken_codes(campaign, affiliate, monkeypatch):
    factories.make_link(campaign, affiliate, code="TAKENcode1")
    calls = []
    monkeypatch.setattr(links, "new_code", lambda: calls.append(1) or "TAKENcode1")
    with pytest.raises(links.CodeUnavailable):
        links.create_link(affiliate.id, campaign.id)
    assert len(calls) == links.CODE_ATTEMPTS
    assert link_count() == 1


def test_tracking_url_forms(campaign, affiliate, app):
    plain = factories.make_link(campaign, affiliate, code="abcDEF1234")
    tagged = factories.make_link(campaign, affiliate, code="abcDEF1235", sub_id="ig.story")
    deep = factories.make_link(campaign, affiliate, code="abcDEF1236",
                               destination_url="https://shop.example/sale?c=shoes&size=42#top")
    assert links.tracking_url(plain) == "http://localhost/r/abcDEF1234"
    assert links.tracking_url(plain, "https://go.example.com/") == "https://go.example.com/r/abcDEF1234"
    assert links.tracking_url(tagged) == "http://localhost/r/abcDEF1235?sub1=ig.story"
    assert links.tracking_url(deep) == ("http://localhost/r/abcDEF1236?to=https%3A%2F%2Fshop.example%2Fsale"
                                        "%3Fc%3Dshoes%26size%3D42%23top")
    app.config["PUBLIC_BASE_URL"] = "https://t.example.vn"
    try:
        assert links.tracking_url(plain) == "https://t.example.vn/r/abcDEF1234"
    finally:
        app.config["PUBLIC_BASE_URL"] = "http://localhost"


def test_linkable_campaigns_are_approved_and_active(affiliate, campaign):
    other = factories.make_campaign(name="A other")
    factories.make_membership(other, affiliate, status="approved")
    for status in ("paused", "ended"):
        factories.make_membership(factories.make_campaign(status=status), affiliate, status="approved")
    factories.make_membership(factories.make_campaign(ends_on=date.today() - timedelta(days=1)), affiliate)
    for status in ("pending", "rejected", "removed"):
        factories.make_membership(factories.make_campaign(), affiliate, status=status)
    assert [c.id for c in links.linkable_campaigns(affiliate.id)] == [other.id, campaign.id]


def test_archive_and_restore(campaign, affiliate):
    link = links.create_link(affiliate.id, campaign.id)
    links.archive_link(link)
    first = link.archived_at
    assert first is not None
    links.archive_link(link)
    assert link.archived_at == first
    assert [r.link.id for r in links.list_links(affiliate.id, HCM, archived=True)[1]] == [link.id]
    assert links.list_links(affiliate.id, HCM)[1] == []
    assert links.link_counts(affiliate.id) == {"active": 0, "archived": 1}
    links.restore_link(link)
    assert db.session.get(Link, link.id).archived_at is None
    assert links.link_counts(affiliate.id) == {"active": 1, "archived": 0}


def test_figures_per_link(campaign, affiliate):
    main = factories.make_link(campaign, affiliate, label="main")
    quiet = factories.make_link(campaign, affiliate, label="quiet")
    first, second = factories.make_click(main), factories.make_click(main)
    factories.make_click(main, is_unique=False)
    factories.make_conversion(first, amount=1_000_000, status="approved")     # 100,000
    factories.make_conversion(second, amount=500_000, status="pending")       # 50,000
    factories.make_conversion(second, amount=300_000, status="reversed", commission_reversed=30_000)
    factories.make_conversion(first, amount=9_000_000, status="rejected")     # never counts
    factories.make_conversion(first, amount=200_000, currency="USD", commission=2_000, status="approved")
    # A conversion without a click, and another affiliate's link, stay out of these figures.
    factories.make_conversion(first, amount=700_000, click_id=None, status="approved")
    factories.make_conversion(factories.make_click(factories.make_link(campaign)), status="approved")

    _, rows = links.list_links(affiliate.id, HCM)
    by_label = {row.link.label: row for row in rows}
    assert set(by_label) == {"main", "quiet"}
    assert (by_label["main"].clicks, by_label["main"].conversions) == (2, 4)
    assert by_label["main"].earnings == {"USD": 2_000, "VND": 150_000}
    assert (by_label["quiet"].clicks, by_label["quiet"].conversions, by_label["quiet"].earnings) == (0, 0, {})
    assert by_label["quiet"].url == links.tracking_url(quiet)


def test_figures_take_the_same_number_of_queries_for_any_number_of_links(campaign, affiliate, app):
    def queries_for_listing() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            db.session.expire_all()
            _, rows = links.list_links(affiliate.id, HCM)
            [row.link.campaign.name for row in rows]
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    factories.make_conversion(factories.make_click(factories.make_link(campaign, affiliate)))
    one = queries_for_listing()
    for _ in range(6):
        other = factories.make_campaign()
        factories.make_membership(other, affiliate)
        factories.make_conversion(factories.make_click(factories.make_link(other, affiliate)))
    assert queries_for_listing() == one


def test_listing_is_newest_first_and_paged(campaign, affiliate):
    made = [factories.make_link(campaign, affiliate, label=str(n)) for n in range(5)]
    pagination, rows = links.list_links(affiliate.id, HCM, page=1, per_page=2)
    assert [r.link.id for r in rows] == [made[4].id, made[3].id]
    assert pagination.pages == 3
    _, rows = links.list_links(affiliate.id, HCM, page=3, per_page=2)
    assert [r.link.id for r in rows] == [made[0].id]
    _, rows = links.list_links(affiliate.id, HCM, page=-4, per_page=2)
    assert [r.link.id for r in rows] == [made[4].id, made[3].id]
