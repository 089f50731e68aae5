"""aff.js on a shop's pages in a real browser: the click id kept on the shop's domain, the order reported."""
import threading
import time

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from app.extensions import db
from app.models.conversions import Conversion
from tests.conversion_helpers import setup_click

pytestmark = pytest.mark.browser

THANKS = """<!doctype html><html><head><script src="{base}/t/aff.js" data-days="7"></script></head><body>
<button id="buy" onclick="window.sent = affiliate.conversion({{campaign: {campaign}, orderId: 'B-77',
  amount: 320000, currency: 'VND'}})">Buy</button>
<button id="bad" onclick="window.refused = affiliate.conversion({{campaign: {campaign}, orderId: 'B-78',
  amount: 1.5, currency: 'VND'}})">Bad</button></body></html>"""


@pytest.fixture
def shop_site():
    """A stand-in shop on another host ("localhost", the app being on 127.0.0.1) answering every path with
    `pages["html"]`. A loopback server, because Chromium lets only a local page load scripts from one."""
    pages = {"html": ""}
    server = make_server("127.0.0.1", 0, lambda environ, start: Response(pages["html"], mimetype="text/html")(
        environ, start), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}", pages
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_aff_js_keeps_the_click_id_and_reports_the_order(app, browser_page, live_url, shop_site):
    campaign, click = setup_click()
    shop, pages = shop_site
    pages["html"] = THANKS.format(base=live_url, campaign=campaign.id)
    page = browser_page

    page.goto(f"{shop}/landing?utm_source=x&aff_click_id={click.public_id}")
    cookie = next(c for c in page.context.cookies() if c["name"] == "aff_click_id")
    assert (cookie["value"], cookie["domain"], cookie["path"], cookie["sameSite"]) == (
        click.public_id, "localhost", "/", "Lax")
    assert 6 * 86400 < cookie["expires"] - time.time() <= 7 * 86400  # data-days="7"

    page.goto(f"{shop}/thanks")  # no click id in this address: it comes from the cookie
    assert page.evaluate("affiliate.clickId()") == click.public_id
    with page.expect_response(lambda r: "/t/conversion.gif" in r.url) as pixel:
        page.click("#buy")
    response = pixel.value
    assert response.status == 200 and response.headers["content-type"] == "image/gif"
    assert page.evaluate("window.sent") is True

    db.session.expire_all()
    conversion = db.session.scalar(db.select(Conversion))
    assert (conversion.order_id, conversion.amount, conversion.source, conversion.click_id) == (
        "B-77", 320000, "pixel", click.id)

    page.click("#bad")
    assert page.evaluate("window.refused") is False


def test_a_visitor_without_a_click_reports_nothing(app, browser_page, live_url, shop_site):
    campaign, _click = setup_click()
    shop, pages = shop_site
    pages["html"] = THANKS.format(base=live_url, campaign=campaign.id)
    page = browser_page
    page.goto(f"{shop}/thanks?aff_click_id=%3Cscript%3E")
    assert not [c for c in page.context.cookies() if c["name"] == "aff_click_id"]
    page.click("#buy")
    assert page.evaluate("window.sent") is False
