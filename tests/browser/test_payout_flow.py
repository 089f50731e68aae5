"""A payout from request to proof in a real browser: the affiliate asks, the admin approves and pays by hand."""
import pytest

from app.extensions import db
from app.models.money import PayoutRequest
from tests import factories
from tests.browser.helpers import sign_in
from tests.payout_admin_helpers import PNG, payable_affiliate

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_affiliate_requests_admin_approves_and_pays_affiliate_downloads_proof(app, browser_page, live_url):
    page = browser_page
    affiliate = payable_affiliate(1_000_000, name="Nguyen Thi Hoa")
    admin = factories.make_user("admin")

    sign_in(page, live_url, affiliate.email, factories.PASSWORD)
    page.goto(f"{live_url}/payouts/request")
    page.get_by_role("textbox", name="Amount").fill("500.000")
    page.get_by_role("button", name="Request payout").click()
    expect(page.locator("#flashes")).to_contain_text("requested")
    db.session.expire_all()
    request = db.session.scalar(db.select(PayoutRequest).where(PayoutRequest.affiliate_id == affiliate.id))
    assert request.amount == 500_000 and request.status == "requested"
    sign_out(page)

    sign_in(page, live_url, admin.email, factories.PASSWORD)
    page.goto(f"{live_url}/payouts/admin")
    row = page.locator(f"#payout-{request.id}")
    expect(row).to_contain_text("Nguyen Thi Hoa")
    expect(row).to_contain_text("•••• 6789")
    page.evaluate("window.__samePage = true")
    row.get_by_role("button", name="Approve").click()
    expect(row.locator(".badge-approved")).to_be_visible()
    assert page.evaluate("window.__samePage === true")  # the row was swapped in place

    row.get_by_role("link", name="Confirm payment").click()
    expect(page.get_by_role("heading", name="Confirm manual payment")).to_be_visible()
    page.get_by_label("Transaction id").fill("FT24168001")
    page.get_by_label("Proof of payment (optional): PNG, JPEG or PDF, at most 5 MB").set_input_files(
        files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_role("button", name="Confirm payment").click()
    expect(page.locator("#flashes")).to_contain_text("Payment recorded")
    expect(page.locator("#payment-record")).to_contain_text("FT24168001")
    sign_out(page)

    sign_in(page, live_url, affiliate.email, factories.PASSWORD)
    page.goto(f"{live_url}/payouts/")
    mine = page.locator(f"#payout-{request.id}")
    expect(mine.locator(".badge-paid")).to_be_visible()
    expect(mine).to_contain_text("FT24168001")
    with page.expect_download() as info:
        mine.get_by_role("link", name="Proof of payment").click()
    download = info.value
    assert download.suggested_filename == "receipt.png"
    with open(download.path(), "rb") as saved:
        assert saved.read() == PNG
