"""The affiliate's payout pages: balance, details, requesting, cancelling, the history with its timeline."""
from datetime import date, timedelta

import pytest
from flask import url_for

from app.extensions import db
from app.models.common import utcnow
from app.models.money import LedgerEntry, PayoutRequest
from app.models.users import AffiliateProfile
from app.services.payouts import requests, states
from tests import factories
from tests.payout_helpers import BANK, affiliate_with_details, conversion_for, earn
from tests.routes.csrf import csrf_token

PAGES = ["/payouts/", "/payouts/balance", "/payouts/request", "/payouts/details"]


def post(client, url, data, token_url="/payouts/"):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, token_url)})


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def affiliate(app, login_as):
    """Signed in, with bank details and 1,000,000 VND available."""
    user = affiliate_with_details()
    earn(user, 1_000_000)
    return login_as(user)


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ["merchant", "admin"])
def test_other_roles_get_403(client, login_as, url, role):
    login_as(role)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, app, url):
    response = client.get(url)
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_payouts_page_shows_balances_details_and_history(client, affiliate):
    conversion_for(affiliate, 25_000)  # pending
    made = requests.request_payout(affiliate.id, 300_000, "VND")
    html = client.get("/payouts/").get_data(as_text=True)
    assert "₫700,000" in html  # available
    assert "₫25,000" in html  # pending
    assert "₫300,000" in html  # in payment
    assert "Vietcombank •••• 6789" in html  # the request's destination, masked
    assert f'id="payout-{made.id}"' in html and "Requested" in html and "by you" in html
    assert f"/payouts/{made.id}/cancel" in html


def test_history_timeline_shows_who_decided_and_the_payment(client, affiliate):
    admin = factories.make_user("admin", name="Lan Admin")
    made = requests.request_payout(affiliate.id, 300_000, "VND")
    states.approve(made.id, admin.id)
    states.confirm_paid(made.id, admin.id, method="bank_transfer", transaction_id="FT-99812",
                         paid_on=date(2025, 5, 2),
                         proof={"path": "p/x.pdf", "filename": "x.pdf", "content_type": "application/pdf"})
    refused = requests.request_payout(affiliate.id, 100_000, "VND")
    states.reject(refused.id, admin.id, "Name does not match the account")
    html = client.get("/payouts/").get_data(as_text=True)
    assert "Approved" in html and "Paid" in html and "by Lan Admin" in html
    assert "FT-99812" in html and "May 2, 2025" in html
    assert "Rejected" in html and "Name does not match the account" in html
    assert f"/payouts/{made.id}/cancel" not in html and f"/payouts/{refused.id}/cancel" not in html
    with client.application.test_request_context():
        assert url_for("payouts.proof", request_id=made.id) in html


def test_history_partial_for_htmx(client, affiliate):
    requests.request_payout(affiliate.id, 300_000, "VND")
    response = client.get("/payouts/", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<section id="payout-history"') and "<html" not in html
    full = client.get("/payouts/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in full.get_data(as_text=True)


def test_history_pages(client, affiliate):
    for _ in range(21):
        states.cancel(requests.request_payout(affiliate.id, 50_000, "VND").id, affiliate.id)
    first = client.get("/payouts/").get_data(as_text=True)
    assert "Page 1 of 2" in first and "page=2" in first
    assert client.get("/payouts/?page=2").get_data(as_text=True).count('class="badge badge-cancelled"') == 1
    assert client.get("/payouts/?page=abc").status_code == 200


def test_balance_page_lists_the_entries(client, affiliate):
    held = earn(affiliate, 40_000, payable_at=utcnow() + timedelta(days=12))
    waiting = conversion_for(affiliate, 9_000)
    requests.request_payout(affiliate.id, 100_000, "VND")
    html = client.get("/payouts/balance").get_data(as_text=True)
    assert "Reserved for payout" in html and "Commission" in html
    assert f"Order {held.order_id}" in html and waiting.order_id in html
    assert "₫1,000,000" in html and "₫40,000" in html


def test_request_a_payout(client, affiliate, outbox):
    response = post(client, "/payouts/request", {"currency": "VND", "amount": "250.000"}, "/payouts/request")
    assert response.status_code == 302 and response.headers["Location"].endswith("/payouts/")
    made = db.session.scalar(db.select(PayoutRequest))
    assert (made.amount, made.currency, made.status) == (250_000, "VND", "requested")
    assert made.details["bank_account"] == BANK["bank_account"]
    assert "Payout of ₫250,000 requested" in client.get("/payouts/").get_data(as_text=True)


@pytest.mark.parametrize("amount, error", [
    ("49.999", "The minimum payout is ₫50,000."),
    ("1.000.001", "You can request at most ₫1,000,000, your available balance."),
    ("9" * 30, "You can request at most ₫1,000,000, your available balance."),
    ("abc", "Enter an amount such as 500000 or 500.000."),
    ("0", "Enter an amount greater than zero."),
    ("", "Enter the amount you want to be paid."),
])
def test_refused_amounts_show_an_error_beside_the_field(client, affiliate, amount, error):
    response = post(client, "/payouts/request", {"currency": "VND", "amount": amount}, "/payouts/request")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<span class="error" id="amount-error">{error}</span>' in html.replace("&#39;", "'")
    assert f'value="{amount}"' in html or not amount
    assert count(PayoutRequest) == 0
    assert count(LedgerEntry) == 1


def test_a_second_open_request_is_refused_beside_the_currency(client, affiliate):
    requests.request_payout(affiliate.id, 100_000, "VND")
    html = post(client, "/payouts/request", {"currency": "VND", "amount": "100000"},
                "/payouts/request").get_data(as_text=True)
    assert 'id="currency-error"' in html and "already have an open payout request in VND" in html
    assert count(PayoutRequest) == 1


def test_a_currency_not_offered_is_refused(client, affiliate):
    html = post(client, "/payouts/request", {"currency": "XXX", "amount": "100000"},
                "/payouts/request").get_data(as_text=True)
    assert 'id="currency-error"' in html
    assert count(PayoutRequest) == 0


def test_requesting_without_details_says_what_to_do(client, login_as):
    user = login_as("affiliate")
    earn(user, 100_000)
    page = client.get("/payouts/request").get_data(as_text=True)
    assert "Set your payout details before requesting a payout." in page and "/payouts/details" in page
    html = post(client, "/payouts/request", {"currency": "VND", "amount": "60000"},
                "/payouts/request").get_data(as_text=True)
    assert "Set your payout details (bank account, Momo or PayPal) before requesting a payout." in html
    assert count(PayoutRequest) == 0


def test_request_page_preselects_a_currency(client, affiliate):
    earn(affiliate, 5_000, currency="USD")
    html = client.get("/payouts/request?currency=USD").get_data(as_text=True)
    assert '<option selected value="USD">USD</option>' in html
    assert "$50.00" in html and "minimum $10.00" in html


def test_cancel_own_requested_payout(client, affiliate):
    made = requests.request_payout(affiliate.id, 100_000, "VND")
    response = post(client, f"/payouts/{made.id}/cancel", {})
    assert response.status_code == 302
    assert db.session.get(PayoutRequest, made.id).status == "cancelled"
    assert "is available again" in client.get("/payouts/").get_data(as_text=True)


def test_cancel_is_refused_once_approved(client, affiliate):
    made = requests.request_payout(affiliate.id, 100_000, "VND")
    states.approve(made.id, None)
    post(client, f"/payouts/{made.id}/cancel", {})
    assert db.session.get(PayoutRequest, made.id).status == "approved"
    assert "can no longer be cancelled: it is approved" in client.get("/payouts/").get_data(as_text=True)


def test_cancelling_someone_elses_request_is_404(client, affiliate):
    other = affiliate_with_details()
    earn(other, 100_000)
    theirs = requests.request_payout(other.id, 100_000, "VND")
    assert post(client, f"/payouts/{theirs.id}/cancel", {}).status_code == 404
    assert post(client, "/payouts/999999/cancel", {}).status_code == 404
    assert db.session.get(PayoutRequest, theirs.id).status == "requested"


def test_cancel_needs_the_csrf_token(client, affiliate):
    made = requests.request_payout(affiliate.id, 100_000, "VND")
    assert client.post(f"/payouts/{made.id}/cancel").status_code == 400
    assert db.session.get(PayoutRequest, made.id).status == "requested"


def test_details_page_shows_the_owner_their_details(client, affiliate):
    html = client.get("/payouts/details").get_data(as_text=True)
    assert 'value="0123456789"' in html and 'value="Nguyen Van A"' in html
    assert '<option selected value="VCB">Vietcombank</option>' in html
    assert 'value="Vietcombank"' not in html  # the "other bank" name field stays empty for a listed bank


DETAILS = {"method": "bank_transfer", "bank_code": "BIDV", "bank_name": "", "bank_account": "9988776655",
           "account_holder": "Tran Thi B", "momo_phone": "", "paypal_email": ""}


def profile(user):
    db.session.expire_all()
    return db.session.get(AffiliateProfile, user.id)


def test_save_bank_details(client, login_as):
    user = login_as("affiliate")
    response = post(client, "/payouts/details", DETAILS, "/payouts/details")
    assert response.status_code == 302
    saved = profile(user)
    assert (saved.payout_method, saved.bank_name, saved.bank_account) == ("bank_transfer", "BIDV", "9988776655")


@pytest.mark.parametrize("changes, field", [
    ({"bank_account": "12-ab"}, "bank_account"),
    ({"account_holder": "Tran 2"}, "account_holder"),
    ({"bank_code": ""}, "bank_code"),
    ({"bank_code": "other", "bank_name": ""}, "bank_name"),
    ({"method": "momo", "momo_phone": "12345"}, "momo_phone"),
    ({"method": "paypal", "paypal_email": "nope"}, "paypal_email"),
    ({"method": ""}, "method"),
])
def test_invalid_details_show_errors_and_save_nothing(client, login_as, changes, field):
    user = login_as("affiliate")
    response = post(client, "/payouts/details", {**DETAILS, **changes}, "/payouts/details")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f'id="{field}-error"' in html
    assert profile(user).payout_method is None


def test_every_field_error_shows_at_once(client, login_as):
    login_as("affiliate")
    html = post(client, "/payouts/details", {**DETAILS, "bank_account": "1", "account_holder": "9"},
                "/payouts/details").get_data(as_text=True)
    assert 'id="bank_account-error"' in html and 'id="account_holder-error"' in html
    assert 'value="1"' in html and 'value="9"' in html  # entered values are kept


@pytest.mark.parametrize("changes, column, value", [
    ({"method": "momo", "momo_phone": "+84 912 345 678"}, "momo_phone", "+84912345678"),
    ({"method": "paypal", "paypal_email": "me@example.com"}, "paypal_email", "me@example.com"),
    ({"bank_code": "other", "bank_name": "Co-opBank"}, "bank_name", "Co-opBank"),
])
def test_save_other_methods(client, login_as, changes, column, value):
    user = login_as("affiliate")
    assert post(client, "/payouts/details", {**DETAILS, **changes}, "/payouts/details").status_code == 302
    assert getattr(profile(user), column) == value
