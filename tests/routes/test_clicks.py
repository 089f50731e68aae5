"""GET /r/<code>: the public click redirect (DESIGN §4)."""
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.models.common import utcnow
from app.services.tracking import drain
from tests.factories import make_campaign, make_link, make_membership, make_user
from tests.tracking_helpers import BROWSER, all_clicks, clean_click_path  # noqa: F401

LANDING = "https://shop.example/landing"


def click(client, code, query="", **kwargs):
    headers = {"User-Agent": BROWSER, **kwargs.pop("headers", {})}
    return client.get(f"/r/{code}{'?' + query if query else ''}", headers=headers, **kwargs)


def click_id_of(response) -> str:
    return parse_qs(urlsplit(response.headers["Location"]).query)["aff_click_id"][-1]


def cookie_of(response) -> str:
    (header,) = response.headers.getlist("Set-Cookie")
    return header


def test_redirects_to_the_landing_page_with_the_click_id_and_a_cookie(client):
    link = make_link()
    response = click(client, link.code)
    assert response.status_code == 302
    click_id = click_id_of(response)
    assert response.headers["Location"] == f"{LANDING}?aff_click_id={click_id}"
    assert len(click_id) == 22
    assert response.headers["Cache-Control"] == "no-store"
    cookie = cookie_of(response)
    assert cookie.startswith(f"aff_click_id={click_id};")
    assert f"Max-Age={30 * 86400}" in cookie
    assert "Path=/" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert "Secure" not in cookie


def test_cookie_lasts_the_campaign_attribution_window_and_is_secure_under_https(app):
    link = make_link(make_campaign(attribution_days=7))
    response = click(app.test_client(), link.code, base_url="https://localhost")
    cookie = cookie_of(response)
    assert f"Max-Age={7 * 86400}" in cookie
    assert "; Secure" in cookie


def test_every_click_gets_its_own_id_and_is_stored(client):
    link = make_link()
    first, second = click_id_of(click(client, link.code)), click_id_of(click(client, link.code))
    assert first != second
    drain.drain_once()
    stored = all_clicks()
    assert [c.public_id for c in stored] == [first, second]
    assert stored[0].link_id == link.id and stored[0].campaign_id == link.campaign_id
    assert stored[0].affiliate_id == link.affiliate_id
    assert stored[0].ip == "127.0.0.1" and stored[0].user_agent == BROWSER


def test_link_destination_keeps_its_query_and_fragment(client):
    link = make_link(destination_url="https://shop.example/sale?utm_source=aff&q=a+b%26c#top")
    response = click(client, link.code)
    assert response.headers["Location"] == (
        f"https://shop.example/sale?utm_source=aff&q=a+b%26c&aff_click_id={click_id_of(response)}#top")


def test_an_old_click_id_in_the_destination_is_replaced(client):
    link = make_link(destination_url="https://shop.example/p?aff_click_id=stale&x=1")
    response = click(client, link.code)
    assert response.headers["Location"] == f"https://shop.example/p?x=1&aff_click_id={click_id_of(response)}"


@pytest.mark.parametrize("to", [
    "https://shop.example/product/42?color=red",
    "http://shop.example/",
    "HTTPS://SHOP.EXAMPLE/Upper",
    "https://www.shop.example/blog",
])
def test_a_deep_link_on_an_allowed_host_is_followed(client, to):
    link = make_link(make_campaign(allowed_hosts="shop.example\nwww.shop.example"))
    response = click(client, link.code, query=f"to={to.replace('?', '%3F').replace('&', '%26')}")
    location = response.headers["Location"]
    # The scheme and host may come back lower-cased; the path is kept as it was.
    assert location.lower().startswith(to.lower()) and location.endswith(f"aff_click_id={click_id_of(response)}")
    assert urlsplit(location).path == urlsplit(to).path


@pytest.mark.parametrize("to", [
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:/\\evil.example",
    "https:evil.example",
    "javascript:alert(1)//shop.example",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://shop.example/file",
    "https://evil.example",
    "https://shop.example.evil.example/",
    "https://evilshop.example/",
    "https://shop.example@evil.example/",
    "https://shop.example:443@evil.example/",
    "https://user:pass@shop.example/",
    "https://evil.example\\@shop.example/",
    "https://evil.example#@shop.example",
    "https://evil.example?@shop.example",
    "https%3A%2F%2Fevil.example",
    "https://shop.example%2F@evil.example",
    "https://shop.example/\r\nSet-Cookie: x=1",
    "https://shop.example\x00.evil.example/",
    "https://shop.example\t/",
    " https://shop.example/",
    "https://shop.exаmple/",  # Cyrillic а
    "https://[::1]/",
    "https://shop.example:99999/",
    "/relative/path",
    "",
])
def test_a_deep_link_elsewhere_is_ignored(client, to):
    from urllib.parse import quote

    link = make_link()
    response = click(client, link.code, query=f"to={quote(to, safe='')}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{LANDING}?aff_click_id={click_id_of(response)}"


def test_percent_encoded_tricks_in_the_raw_query_are_ignored(client):
    link = make_link()
    for raw in ("https:%2F%2Fevil.example", "https://shop.example%252F@evil.example", "%2F%2Fevil.example",
                "https://evil.example%23@shop.example", "https://shop.example%0d%0aLocation:%20https://evil"):
        response = click(client, link.code, query=f"to={raw}")
        assert response.headers["Location"].startswith(f"{LANDING}?aff_click_id="), raw


def test_an_encoded_line_break_in_a_deep_link_stays_encoded(client):
    link = make_link()
    response = click(client, link.code, query="to=https://shop.example/a%250d%250aSet-Cookie:x")
    assert response.headers["Location"] == f"https://shop.example/a%0d%0aSet-Cookie:x?aff_click_id={click_id_of(response)}"
    assert "\r" not in response.headers["Location"] and "\n" not in response.headers["Location"]
    assert [h for h, _ in response.headers if h.lower() == "set-cookie"] == ["Set-Cookie"]


def test_a_deep_link_stored_on_the_link_but_no_longer_allowed_is_not_followed(client):
    link = make_link(destination_url="https://old-shop.example/page")
    assert click(client, link.code).headers["Location"].startswith(f"{LANDING}?")


@pytest.mark.parametrize("code", ["nope", "x" * 33, "%00", "a b"])
def test_unknown_code_is_a_404_page(client, code):
    response = client.get(f"/r/{code}", headers={"User-Agent": BROWSER})
    assert response.status_code == 404
    assert b"<html" in response.data.lower()
    assert "aff_click_id" not in response.headers.get("Set-Cookie", "")


def test_head_redirects_without_recording(client):
    link = make_link()
    response = client.head(f"/r/{link.code}", headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    assert response.headers["Location"] == LANDING
    assert "Set-Cookie" not in response.headers
    drain.drain_once()
    assert all_clicks() == []


@pytest.mark.parametrize("agent", [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "WhatsApp/2.23.20.0 A",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; YandexBot/3.0)",
    "Mozilla/5.0 (compatible; SomeCrawler/1.0)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0)",
    "SkypeUriPreview Preview/0.5",
    "",
])
def test_robots_and_link_previews_are_redirected_but_not_recorded(client, agent):
    link = make_link()
    response = client.get(f"/r/{link.code}", headers={"User-Agent": agent})
    assert response.status_code == 302
    assert response.headers["Location"] == LANDING
    assert "Set-Cookie" not in response.headers
    drain.drain_once()
    assert all_clicks() == []


def test_sub_ids_referrer_and_user_agent_are_kept_and_cut_to_their_columns(client):
    link = make_link()
    long_agent = BROWSER + " x" * 400
    subs = "&".join(f"sub{i}={str(i) * 150}" for i in range(1, 6))
    click(client, link.code, query=subs + "&sub6=ignored",
          headers={"User-Agent": long_agent, "Referer": "https://blog.example/" + "p" * 3000})
    drain.drain_once()
    (stored,) = all_clicks()
    assert [stored.sub1, stored.sub2, stored.sub3, stored.sub4, stored.sub5] == [str(i) * 100 for i in range(1, 6)]
    assert stored.user_agent == long_agent[:512]
    assert stored.referrer == ("https://blog.example/" + "p" * 3000)[:2000]


def test_nul_characters_in_sub_ids_are_dropped(client):
    link = make_link()
    click(client, link.code, query="sub1=a%00b&sub2=%00")
    drain.drain_once()
    (stored,) = all_clicks()
    assert stored.sub1 == "ab" and stored.sub2 is None


def test_a_repeated_click_by_the_same_visitor_within_the_hour_is_not_unique(client):
    link, other_link = make_link(), make_link()
    click(client, link.code)
    click(client, link.code)
    click(client, link.code, headers={"User-Agent": BROWSER + " other"})
    click(client, link.code, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    click(client, other_link.code)
    drain.drain_once()
    assert [(c.link_id, c.is_unique) for c in all_clicks()] == [
        (link.id, True), (link.id, False), (link.id, True), (link.id, True), (other_link.id, True)]


@pytest.mark.parametrize("make_unattributable", [
    lambda link: setattr(link, "archived_at", utcnow()),
    lambda link: setattr(link.campaign, "status", "paused"),
    lambda link: setattr(link.campaign, "status", "ended"),
    lambda link: setattr(link.campaign, "ends_on", date.today() - timedelta(days=2)),
    lambda link: setattr(link.campaign, "starts_on", date.today() + timedelta(days=2)),
    lambda link: setattr(link.affiliate, "is_disabled", True),
], ids=["archived link", "paused campaign", "ended campaign", "past end date", "not started", "disabled affiliate"])
def test_clicks_that_cannot_earn_still_redirect_but_are_not_attributable(client, make_unattributable):
    link = make_link()
    make_unattributable(link)
    db.session.commit()
    response = click(client, link.code)
    assert response.status_code == 302 and click_id_of(response)
    drain.drain_once()
    (stored,) = all_clicks()
    assert stored.is_attributable is False


@pytest.mark.parametrize("status", ["pending", "rejected", "removed"])
def test_clicks_of_an_affiliate_not_approved_in_the_campaign_are_not_attributable(client, status):
    campaign = make_campaign()
    membership = make_membership(campaign, make_user("affiliate"), status=status)
    link = make_link(campaign, membership.affiliate)
    click(client, link.code)
    drain.drain_once()
    assert [c.is_attributable for c in all_clicks()] == [False]


def test_an_approved_affiliate_on_an_active_campaign_is_attributable(client):
    link = make_link(make_campaign(starts_on=date.today(), ends_on=date.today()))
    click(client, link.code)
    drain.drain_once()
    assert [c.is_attributable for c in all_clicks()] == [True]


def test_a_redirect_writes_no_request_log_line_but_an_unknown_code_does(client):
    from loguru import logger

    link = make_link()
    lines = []
    sink = logger.add(lambda m: lines.append(m.record["message"]), level="INFO")
    try:
        click(client, link.code)
        client.get("/r/nope", headers={"User-Agent": BROWSER})
    finally:
        logger.remove(sink)
    assert not [line for line in lines if line.startswith(f"GET /r/{link.code}")]
    assert [line for line in lines if line.startswith("GET /r/nope 404")]
