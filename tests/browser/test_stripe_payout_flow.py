"""A Stripe payout in a real browser: the affiliate goes through Stripe's onboarding and back, requests a
payout to Stripe, the admin approves and presses Pay now, and the affiliate sees it sent."""
import pytest

from app.extensions import db
from app.models.money import PayoutRequest
from tests import factories
from tests.browser.helpers import sign_in, sign_out, wait_for_htmx
from tests.payout_helpers import affiliate_with_details, earn

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def test_onboarding_request_pay_now_and_the_history(app, fake_stripe, browser_page, live_url, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_url)  # where Stripe sends the affiliate back
    page = browser_page
    affiliate = affiliate_with_details()
    earn(affiliate, 5_000, currency="USD")
    admin = factories.make_user("admin")

    sign_in(page, live_url, affiliate.email, factories.PASSWORD)
    page.goto(f"{live_url}/payouts/details")
    panel = page.locator("#stripe")
    expect(panel).to_contain_text("Not started")
    panel.get_by_label("Country you live in").select_option("US")
    panel.get_by_role("button", name="Get paid with Stripe").click()
    expect(page.get_by_role("heading", name="Set up payouts")).to_be_visible()  # Stripe's own page
    assert page.url.startswith(fake_stripe.url)
    page.get_by_role("button", name="Agree and submit").click()
    expect(page.locator("#flashes")).to_contain_text("Your Stripe account is ready")
    assert page.url.startswith(live_url) and page.url.endswith("/payouts/details#stripe")
    expect(page.locator("#stripe .badge-stripe_ready")).to_be_visible()

    page.goto(f"{live_url}/payouts/request")
    page.get_by_label("Currency").select_option("USD")
    page.get_by_role("textbox", name="Amount").fill("25")
    page.get_by_label("My Stripe account").check()
    page.get_by_role("button", name="Request payout").click()
    expect(page.locator("#flashes")).to_contain_text("requested")
    db.session.expire_all()
    request = db.session.scalar(db.select(PayoutRequest).where(PayoutRequest.affiliate_id == affiliate.id))
    assert (request.amount, request.currency, request.method) == (2_500, "USD", "stripe")
    sign_out(page)

    sign_in(page, live_url, admin.email, factories.PASSWORD)
    page.goto(f"{live_url}/payouts/admin")
    row = page.locator(f"#payout-{request.id}")
    row.get_by_role("button", name="Approve").click()
    expect(row).to_contain_text("Queued for Stripe")
    wait_for_htmx(page)
    page.goto(f"{live_url}/payouts/admin/{request.id}")
    page.get_by_role("button", name="Pay now").click()
    expect(page.locator("#run-count")).to_contain_text("1 of 1 sent")
    sign_out(page)

    sign_in(page, live_url, affiliate.email, factories.PASSWORD)
    page.goto(f"{live_url}/payouts/")
    mine = page.locator(f"#payout-{request.id}")
    expect(mine.locator(".badge-paid")).to_be_visible()
    expect(mine).to_contain_text("Sent to your Stripe account")
    (transfer,) = fake_stripe.transfers(group=f"payout-request-{request.id}")
    expect(mine).to_contain_text(transfer["id"])
