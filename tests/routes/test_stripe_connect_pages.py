"""The Stripe pages: the affiliate's account panel and onboarding, requesting through Stripe, the admin's
Pay now, run progress, retries, reversals and the reconciliation; and who may see them."""
import re

import pytest

from app.extensions import db
from app.models.money import PayoutRequest
from app.models.stripe_connect import StripePayoutRun
from app.services.payouts import states
from app.services.stripe_connect import accounts
from tests import factories
from tests.payout_admin_helpers import payout_in
from tests.payout_helpers import affiliate_with_details, earn
from tests.routes.csrf import csrf_token, post_form
from tests.stripe_helpers import AMOUNT, connected_affiliate, daily_run, deliver, request_of, stripe_payout

DETAILS = "/payouts/details"


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def country_options(html: str) -> set[str]:
    select = re.search(r'<select[^>]*name="country".*?</select>', html, re.S).group(0)
    return set(re.findall(r'value="([A-Z]{2})"', select))


def test_without_stripe_the_details_page_has_no_stripe_panel(client, login_as, app):
    login_as(affiliate_with_details())
    assert "Get paid with Stripe" not in page(client, DETAILS)


def test_the_panel_offers_only_countries_stripe_serves_and_says_why_not_vietnam(client, login_as, fake_stripe):
    affiliate = login_as(affiliate_with_details())
    earn(affiliate, 500_000)
    html = page(client, DETAILS)
    assert "Get paid with Stripe" in html and "Not started" in html
    options = country_options(html)
    assert {"US", "DE", "GB"} <= options and "VN" not in options and "JP" not in options
    assert "Stripe does not open accounts for people in Vietnam" in html
    assert "Payouts in VND are made by bank transfer, Momo or PayPal" in html
    assert 'hx-boost="false"' in html  # the way to Stripe's own pages is a plain form


def test_connecting_opens_the_account_and_goes_to_stripe(client, login_as, fake_stripe):
    affiliate = login_as(affiliate_with_details())
    response = post_form(client, "/stripe/account/connect", {"country": "US"}, token_url=DETAILS)
    assert response.status_code == 303
    account = accounts.account_of(affiliate.id)
    assert response.headers["Location"].startswith(f"{fake_stripe.url}/setup/e/{account.account_id}/")
    link_call = fake_stripe.calls("POST", "/v1/account_links")[-1]
    assert link_call.params["return_url"] == "http://localhost/stripe/account/return"
    assert link_call.params["refresh_url"] == "http://localhost/stripe/account/refresh"


@pytest.mark.parametrize("country,error", [("VN", "Not a valid choice"), ("", "Choose your country.")])
def test_a_country_stripe_cannot_serve_is_refused_beside_the_field(client, login_as, fake_stripe, country, error):
    affiliate = login_as(affiliate_with_details())
    response = post_form(client, "/stripe/account/connect", {"country": country}, token_url=DETAILS)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and error in html and 'id="country-error"' in html
    assert accounts.account_of(affiliate.id) is None and fake_stripe.calls("POST", "/v1/accounts") == []


def test_the_return_from_stripe_says_the_state_in_plain_words(client, login_as, fake_stripe):
    affiliate, account = connected_affiliate(fake_stripe, "new")
    login_as(affiliate)
    fake_stripe.set_account_state(account.account_id, "details_needed")
    response = client.get("/stripe/account/return")
    assert response.status_code == 302 and response.headers["Location"].endswith("/payouts/details#stripe")
    html = page(client, DETAILS)
    assert "Stripe still needs some details" in html and "Details needed" in html
    assert "an identity document" in html and "a bank account for payouts" in html
    assert "Continue with Stripe" in html
    fake_stripe.set_account_state(account.account_id, "ready")
    client.get("/stripe/account/return")
    html = page(client, DETAILS)
    assert "Your Stripe account is ready" in html and "Open your Stripe dashboard" in html


def test_an_expired_link_gets_a_fresh_one_and_the_dashboard_opens(client, login_as, fake_stripe):
    affiliate, account = connected_affiliate(fake_stripe, "ready")
    login_as(affiliate)
    response = client.get("/stripe/account/refresh")
    assert response.status_code == 303 and f"/setup/e/{account.account_id}/" in response.headers["Location"]
    response = post_form(client, "/stripe/account/dashboard", token_url=DETAILS)
    assert response.status_code == 303 and response.headers["Location"].startswith(f"{fake_stripe.url}/express/")


def test_stripe_not_answering_keeps_the_affiliate_on_the_page(client, login_as, fake_stripe):
    affiliate, _account = connected_affiliate(fake_stripe, "new")
    login_as(affiliate)
    fake_stripe.fail("POST", "/v1/account_links", "unavailable")
    response = post_form(client, "/stripe/account/continue", token_url=DETAILS, follow_redirects=True)
    assert "Stripe did not answer" in response.get_data(as_text=True)


def test_requesting_through_stripe_and_the_history(client, login_as, fake_stripe):
    affiliate, account = connected_affiliate(fake_stripe, "ready")
    login_as(affiliate)
    earn(affiliate, 5_000, currency="USD")
    earn(affiliate, 600_000)
    html = page(client, "/payouts/request")
    assert 'value="stripe"' in html and "Vietcombank •••• 6789" in html and "Payouts in USD can be sent" in html
    refused = post_form(client, "/payouts/request", {"currency": "VND", "amount": "600000", "method": "stripe"},
                        token_url="/payouts/request")
    assert "Payouts in VND are not sent through Stripe" in refused.get_data(as_text=True)
    response = post_form(client, "/payouts/request", {"currency": "USD", "amount": "50", "method": "stripe"},
                         token_url="/payouts/request")
    assert response.status_code == 302
    history = page(client, "/payouts/")
    assert "Stripe " + account.account_id in history
    made = db.session.scalar(db.select(db.func.max(PayoutRequest.id)))
    states.approve(made, None)
    assert "Queued for the next daily Stripe run" in page(client, "/payouts/")
    daily_run()
    history = page(client, "/payouts/")
    assert "Sent to your Stripe account" in history and request_of(made).stripe_transfer_id in history


def test_the_admin_pays_now_and_watches_the_run(client, login_as, fake_stripe):
    admin = login_as("admin")
    request_id = stripe_payout(connected_affiliate(fake_stripe)[0])
    detail = page(client, f"/payouts/admin/{request_id}")
    assert "Queued for the next daily run" in detail and 'id="pay-now"' in detail
    assert "Confirm manual payment" not in detail
    response = post_form(client, f"/stripe/requests/{request_id}/pay-now", token_url=f"/payouts/admin/{request_id}")
    assert response.status_code == 302
    run_page = response.headers["Location"]
    html = page(client, run_page)
    assert "1 of 1 sent" in html and "every 2s" not in html  # finished: it no longer polls
    assert request_of(request_id).status == "paid"
    run = db.session.scalar(db.select(StripePayoutRun))
    assert (run.kind, run.requested_by_id) == ("admin", admin.id)
    assert "Reverse the transfer" in page(client, f"/payouts/admin/{request_id}")


def test_a_running_run_polls_for_its_progress(client, login_as, fake_stripe):
    login_as("admin")
    run = StripePayoutRun(kind="schedule", status="running")
    db.session.add(run)
    db.session.commit()
    html = page(client, f"/stripe/runs/{run.id}")
    assert 'hx-trigger="every 2s"' in html and "0 of 0 sent" in html
    partial = client.get(f"/stripe/runs/{run.id}", headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True) and "HX-Request" in partial.headers["Vary"]
    assert "Stripe payout runs" in page(client, "/stripe/runs")


def test_paying_a_selection_from_the_queue(client, login_as, fake_stripe):
    login_as("admin")
    ids = [stripe_payout(connected_affiliate(fake_stripe)[0]) for _ in range(2)]
    queue = page(client, "/payouts/admin?status=approved&method=stripe")
    assert "Pay selected Stripe payouts now" in queue and f'value="{ids[0]}" form="bulk-form"' in queue
    token = csrf_token(client, "/payouts/admin")
    response = client.post("/stripe/pay-now", data={"csrf_token": token, "ids": [str(i) for i in ids]},
                           headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/stripe/runs/")
    assert [request_of(i).status for i in ids] == ["paid", "paid"]
    again = client.post("/stripe/pay-now", data={"csrf_token": token, "ids": [str(ids[0])]},
                        headers={"HX-Request": "true"})
    assert again.status_code == 204 and again.headers["HX-Redirect"].startswith("/payouts/admin?")
    assert "None of the selected requests is an approved Stripe payout" in page(client, "/payouts/admin")


def test_after_a_refusal_the_admin_retries_or_pays_by_hand(client, login_as, fake_stripe):
    login_as("admin")
    affiliate, account = connected_affiliate(fake_stripe)
    request_id = stripe_payout(affiliate)
    fake_stripe.set_account_state(account.account_id, "restricted")
    daily_run()
    detail = page(client, f"/payouts/admin/{request_id}")
    assert "Retry through Stripe" in detail and "Pay by hand instead" in detail
    refused = post_form(client, f"/stripe/requests/{request_id}/retry", token_url=f"/payouts/admin/{request_id}",
                        follow_redirects=True)
    assert "cannot receive payouts yet" in refused.get_data(as_text=True)
    response = post_form(client, f"/stripe/requests/{request_id}/pay-by-hand",
                         token_url=f"/payouts/admin/{request_id}")
    assert response.status_code == 302 and re.search(r"/payouts/admin/\d+/confirm$", response.headers["Location"])


def test_the_admin_reverses_a_paid_transfer_with_a_reason(client, login_as, fake_stripe):
    login_as("admin")
    request_id = stripe_payout(connected_affiliate(fake_stripe)[0])
    daily_run()
    missing = post_form(client, f"/stripe/requests/{request_id}/reverse", {"reason": ""},
                        token_url=f"/payouts/admin/{request_id}", follow_redirects=True)
    assert "Give a reason." in missing.get_data(as_text=True) and request_of(request_id).status == "paid"
    done = post_form(client, f"/stripe/requests/{request_id}/reverse", {"reason": "Duplicate account"},
                     token_url=f"/payouts/admin/{request_id}", follow_redirects=True)
    assert "Transfer reversed" in done.get_data(as_text=True) and request_of(request_id).status == "reversed"


def test_the_admin_resumes_a_paused_affiliate(client, login_as, fake_stripe):
    login_as("admin")
    affiliate, account = connected_affiliate(fake_stripe)
    account.paused_at, account.consecutive_failures = db.func.now(), 3
    db.session.commit()
    request_id = stripe_payout(affiliate)
    assert "Resume automatic payouts" in page(client, f"/payouts/admin/{request_id}")
    post_form(client, f"/stripe/affiliates/{affiliate.id}/resume", token_url=f"/payouts/admin/{request_id}")
    assert accounts.account_of(affiliate.id).paused_at is None


def test_manual_payment_pages_refuse_stripe_payouts(client, login_as, fake_stripe):
    login_as("admin")
    request_id = stripe_payout(connected_affiliate(fake_stripe)[0])
    response = client.get(f"/payouts/admin/{request_id}/confirm", follow_redirects=True)
    assert "sent through Stripe" in response.get_data(as_text=True)


def test_the_reconciliation_page(client, login_as, fake_stripe):
    login_as("admin")
    stripe_payout(connected_affiliate(fake_stripe)[0])
    daily_run()
    assert "Stripe and our books agree: 1 transfers" in page(client, "/stripe/reconcile?days=7")
    fake_stripe.state.create_transfer({"amount": "100", "currency": "usd",
                                       "destination": fake_stripe.ready_account()["id"]})
    html = page(client, "/stripe/reconcile")
    assert "1 difference found" in html and "names no payout request" in html
    fake_stripe.fail("GET", "/v1/transfers", "unavailable")
    assert "Stripe did not answer" in page(client, "/stripe/reconcile")


@pytest.mark.parametrize("role,url", [("affiliate", "/stripe/runs"), ("merchant", "/stripe/reconcile"),
                                      ("affiliate", "/stripe/runs/1")])
def test_admin_pages_are_for_admins(client, login_as, fake_stripe, role, url):
    login_as(role)
    assert client.get(url).status_code == 403


def test_affiliate_actions_are_for_affiliates_and_anonymous_visitors_sign_in(client, login_as, app, fake_stripe):
    assert client.get("/stripe/account/return").status_code == 302  # to the sign-in page
    login_as("admin")
    assert post_form(client, "/stripe/account/connect", {"country": "US"}, token_url="/stripe/runs").status_code == 403
    assert client.get("/stripe/runs/424242").status_code == 404
    assert post_form(client, "/stripe/requests/424242/pay-now", token_url="/stripe/runs").status_code == 404


def test_a_post_without_its_csrf_token_is_refused(client, login_as, fake_stripe):
    affiliate = login_as(factories.make_user("affiliate"))
    response = client.post("/stripe/account/connect", data={"country": "US"})
    assert response.status_code == 400 and accounts.account_of(affiliate.id) is None


def test_the_affiliate_sees_bank_payouts(client, login_as, fake_stripe):
    affiliate, account = connected_affiliate(fake_stripe)
    login_as(affiliate)
    for event in fake_stripe.state.pay_out(account.account_id, AMOUNT, "usd", fail="account_closed"):
        deliver(client, event)
    html = page(client, DETAILS)
    assert "From Stripe to your bank" in html and "Your bank refused it" in html


def test_the_bulk_bar_offers_only_the_actions_it_can_take(client, app, login_as, fake_stripe):
    admin = login_as("admin")
    queued = stripe_payout(connected_affiliate(fake_stripe)[0])
    queue = page(client, "/payouts/admin")
    assert "Pay selected Stripe payouts now" in queue and "Approve selected" not in queue
    waiting = payout_in("requested", admin=admin)
    queue = page(client, "/payouts/admin")
    assert "Approve selected" in queue and "Pay selected Stripe payouts now" in queue
    answer = post_form(client, f"/payouts/admin/{waiting.id}/approve", {"in_view": f"{waiting.id} {queued}"},
                       token_url="/payouts/admin", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<span id="payouts-bulk-approve" hx-swap-oob="true"></span>' in answer
    assert '<span id="payouts-bulk-pay-now" hx-swap-oob="true"><button' in answer
    assert 'id="payouts-bulk" hx-swap-oob="true"' not in answer
    # Without Stripe set up, a Stripe payout queued in view cannot be ticked and there is no bulk bar at all.
    app.config["STRIPE_API_KEY"] = ""
    queue = page(client, "/payouts/admin?status=approved&method=stripe")
    assert f'id="payout-{queued}"' in queue and 'id="bulk-form"' not in queue
    assert 'form="bulk-form"' not in queue and 'id="select-all"' not in queue
