"""The click redirect answered before Flask (`redirect_gateway`): the same answer as the view, none of its cost."""
import pytest
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

from app.blueprints.tracking.redirect_gateway import ClickRedirectGateway
from app.services.tracking import drain
from tests.factories import make_campaign, make_link
from tests.tracking_helpers import BROWSER, all_clicks

# Differ from one answer to the next. (The view's answer also says `Vary: Cookie` because the page hooks
# read the session; the redirect never does, and it is not stored anyway.)
VARYING = {"location", "set-cookie", "x-request-id", "content-length", "date", "vary"}


def gateway_of(app) -> ClickRedirectGateway:
    wsgi = app.wsgi_app
    while not isinstance(wsgi, ClickRedirectGateway):
        wsgi = wsgi.app  # ProxyFix keeps what it wraps in .app
    return wsgi


@pytest.fixture
def page_hooks(app):
    """Counts the requests that went through Flask's request machinery (its before-request hooks)."""
    seen = []

    def note():
        seen.append(request.path)

    app.before_request_funcs.setdefault(None, []).append(note)
    yield seen
    app.before_request_funcs[None].remove(note)


def test_a_click_is_answered_without_the_page_machinery(client, page_hooks):
    link = make_link()
    response = client.get(f"/r/{link.code}?sub1=a", headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    assert page_hooks == []
    assert client.get("/r/NoSuchCode", headers={"User-Agent": BROWSER}).status_code == 404
    assert client.get(f"/r/{link.code}/more").status_code == 404
    client.post(f"/r/{link.code}")
    assert page_hooks == ["/r/NoSuchCode", f"/r/{link.code}/more", f"/r/{link.code}"]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_answer_is_the_one_the_view_gives(app, client, monkeypatch, method):
    link = make_link(make_campaign(attribution_days=7))
    through_gateway = client.open(f"/r/{link.code}", method=method, headers={"User-Agent": BROWSER})
    monkeypatch.setattr(app, "wsgi_app", gateway_of(app).inner)
    through_view = client.open(f"/r/{link.code}", method=method, headers={"User-Agent": BROWSER})

    assert through_gateway.status_code == through_view.status_code == 302
    for name in {name.lower() for name, _ in through_view.headers} - VARYING:
        assert through_gateway.headers.get_all(name) == through_view.headers.get_all(name), name
    names = {name.lower() for name, _ in through_view.headers} - {"vary"}
    assert {name.lower() for name, _ in through_gateway.headers} == names
    gateway_cookie = through_gateway.headers.get("Set-Cookie", "").split(";")[1:]
    view_cookie = through_view.headers.get("Set-Cookie", "").split(";")[1:]
    assert gateway_cookie == view_cookie
    if method == "HEAD":
        assert through_gateway.data == b""
        assert through_gateway.headers["Location"] == through_view.headers["Location"]


def test_the_request_id_of_a_proxy_is_kept_and_a_new_one_made_otherwise(client):
    link = make_link()
    kept = client.get(f"/r/{link.code}", headers={"User-Agent": BROWSER, "X-Request-ID": "lb-42"})
    made = client.get(f"/r/{link.code}", headers={"User-Agent": BROWSER, "X-Request-ID": "x" * 65})
    assert kept.headers["X-Request-ID"] == "lb-42"
    assert len(made.headers["X-Request-ID"]) == 32


def test_a_deep_link_with_non_ascii_characters_is_sent_encoded(client):
    link = make_link(make_campaign(allowed_hosts="shop.example"))
    response = client.get(f"/r/{link.code}", query_string={"to": "https://shop.example/áo-dài?màu=đỏ"},
                          headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("https://shop.example/%C3%A1o-d%C3%A0i?m%C3%A0u=%C4%91%E1%BB%8F&aff_click_id=")
    assert location.isascii()


def test_behind_a_proxy_the_click_keeps_the_visitor_address_and_scheme(app, monkeypatch):
    link = make_link()
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(gateway_of(app), x_for=1, x_proto=1, x_host=1))
    response = app.test_client().get(f"/r/{link.code}", headers={
        "User-Agent": BROWSER, "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert response.status_code == 302
    assert "; Secure" in response.headers["Set-Cookie"]
    drain.drain_once()
    (stored,) = all_clicks()
    assert stored.ip == "203.0.113.9"


@pytest.mark.parametrize("secure", [True, False])
def test_the_cookie_is_the_one_werkzeug_writes_second_after_second(monkeypatch, secure):
    from werkzeug.http import dump_cookie

    from app.blueprints.tracking import redirect_gateway

    for now in (1_800_000_000.2, 1_800_000_000.9, 1_800_000_001.5, 1_800_000_003.0):
        monkeypatch.setattr(redirect_gateway.time, "time", lambda now=now: now)
        for max_age in (7 * 86400, 30 * 86400):
            expected = dump_cookie("aff_click_id", "Ab-_9z", max_age=max_age, expires=int(now) + max_age, path="/",
                                   secure=secure, httponly=True, samesite="Lax")
            assert redirect_gateway.click_cookie("Ab-_9z", max_age, secure) == expected


@pytest.mark.parametrize("query", [
    "sub1=a&sub1=b&sub2=&to=https%3A%2F%2Fshop.example%2Fp%3Fx%3D1",
    "sub1=a%00b&su%00b2=c&sub3=%C3%A1o+d%C3%A0i&sub4=%FF%FE&sub5",
    "sub1=%E1%BB%87&sub2=plus+sign%2B&=empty&&sub3==x",
    "sub1=\u00e1o&sub2=raw",  # sent unencoded: read through the request object
])
def test_the_query_is_read_as_the_request_object_reads_it(app, query):
    from werkzeug.test import EnvironBuilder

    from app.blueprints.tracking.redirect_gateway import query_values
    from app.request_input import CleanRequest

    environ = EnvironBuilder(path="/r/x").get_environ()
    environ["QUERY_STRING"] = query.encode().decode("latin-1")
    assert query_values(environ) == CleanRequest(environ).args.to_dict()
