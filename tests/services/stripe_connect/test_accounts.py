"""Affiliates' Stripe accounts: opening one, which countries and currencies, its state in plain words."""
import pytest
from flask_babel import force_locale

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.money import LedgerEntry, PayoutRequest
from app.models.stripe_connect import StripeAccount
from app.services.payouts import requests
from app.services.stripe_connect import accounts, countries, status
from app.services.stripe_connect.errors import (
    AccountNotReady,
    CountryNotSupported,
    CurrencyNotTransferable,
    NoStripeAccount,
    StripeNotConfigured,
)
from tests.payout_helpers import affiliate_with_details, earn
from tests.stripe_helpers import connected_affiliate


def created_accounts(fake):
    return [c for c in fake.calls("POST", "/v1/accounts")]


def test_an_affiliate_gets_an_express_account_in_their_country(app, fake_stripe):
    affiliate = affiliate_with_details()
    account = accounts.open_account(affiliate.id, "us", ip="192.0.2.4")
    (call,) = created_accounts(fake_stripe)
    assert call.params["type"] == "express" and call.params["country"] == "US"
    assert call.params["capabilities"] == {"transfers": {"requested": "true"}}
    assert call.params["email"] == affiliate.email and "tos_acceptance" not in call.params
    assert call.idempotency_key == f"connected-account-{affiliate.id}-US"
    assert (account.country, account.status, account.details_submitted) == ("US", "details_needed", False)
    assert "external_account" in account.currently_due
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "stripe.account_opened"))
    assert (event.actor_id, event.object_id, event.ip) == (affiliate.id, str(affiliate.id), "192.0.2.4")
    assert event.after == {"account": account.account_id, "country": "US"}
    assert accounts.open_account(affiliate.id, "US").account_id == account.account_id
    assert len(created_accounts(fake_stripe)) == 1  # the second click finds the account here


def test_an_account_abroad_only_receives_transfers(app, fake_stripe):
    affiliate = affiliate_with_details()
    accounts.open_account(affiliate.id, "DE")
    (call,) = created_accounts(fake_stripe)
    assert call.params["tos_acceptance"] == {"service_agreement": "recipient"}
    assert fake_stripe.state.accounts[accounts.account_of(affiliate.id).account_id]["country"] == "DE"


def test_a_repeated_opening_makes_one_stripe_account(app, fake_stripe):
    affiliate = affiliate_with_details()
    first = accounts.open_account(affiliate.id, "US").account_id
    db.session.delete(accounts.account_of(affiliate.id))  # as if a second click raced the first one here
    db.session.commit()
    assert accounts.open_account(affiliate.id, "US").account_id == first
    assert len(fake_stripe.state.accounts) == 1 and fake_stripe.calls("POST", "/v1/accounts")[-1].replayed


@pytest.mark.parametrize("country", ["VN", "JP", "XX", ""])
def test_countries_stripe_cannot_serve_are_refused_before_any_call(app, fake_stripe, country):
    affiliate = affiliate_with_details()
    with pytest.raises(CountryNotSupported) as refused:
        accounts.open_account(affiliate.id, country)
    assert refused.value.field == "country" and created_accounts(fake_stripe) == []
    assert db.session.get(StripeAccount, affiliate.id) is None
    if country == "VN":
        assert "Vietnam" in refused.value.message
        with force_locale("vi"):
            assert "Việt Nam" in refused.value.message


def test_which_countries_depend_on_where_the_platform_is(app, monkeypatch):
    for platform, inside, outside in (("US", {"US", "DE", "GB", "CA", "CH"}, {"JP", "AU", "VN"}),
                                      ("FR", {"US", "FR", "NO"}, {"SG", "VN"}),
                                      ("JP", {"JP"}, {"US", "VN"}), ("VN", set(), {"VN", "US"})):
        monkeypatch.setitem(app.config, "STRIPE_PLATFORM_COUNTRY", platform)
        assert inside <= countries.supported() and not outside & countries.supported(), platform
    monkeypatch.setitem(app.config, "STRIPE_PLATFORM_COUNTRY", "US")
    assert countries.service_agreement("US") is None and countries.service_agreement("GB") == "recipient"


def test_nothing_happens_without_an_api_key(app, fake_stripe):
    app.config["STRIPE_API_KEY"] = ""
    affiliate = affiliate_with_details()
    with pytest.raises(StripeNotConfigured):
        accounts.open_account(affiliate.id, "US")
    assert fake_stripe.calls() == []


@pytest.mark.parametrize("state,expected", [
    ("new", "details_needed"), ("details_needed", "details_needed"), ("pending_verification", "pending_verification"),
    ("ready", "ready"), ("restricted", "restricted"), ("rejected", "restricted")])
def test_the_state_is_read_from_stripe_in_plain_words(app, fake_stripe, state, expected):
    affiliate, _account = connected_affiliate(fake_stripe, "new")
    fake_stripe.set_account_state(accounts.account_of(affiliate.id).account_id, state)
    refreshed = accounts.refresh(affiliate.id)
    assert refreshed.status == expected
    assert refreshed.transfers_capability == {"ready": "active", "pending_verification": "pending"}.get(state,
                                                                                                        "inactive")


def test_an_older_update_arriving_late_changes_nothing(app, fake_stripe):
    affiliate, account = connected_affiliate(fake_stripe, "new")
    stripe_object = fake_stripe.state.retrieve_account(account.account_id)
    fake_stripe.set_account_state(account.account_id, "ready")
    accounts.apply_update(fake_stripe.state.retrieve_account(account.account_id), 2_000_000_000)
    accounts.apply_update(stripe_object, 1_999_999_999)
    db.session.commit()
    assert accounts.account_of(affiliate.id).status == "ready"


def test_what_stripe_needs_is_said_in_plain_words(app):
    keys = ["individual.dob.day", "individual.dob.month", "external_account", "tos_acceptance.date",
            "individual.verification.document", "some.new.requirement"]
    assert status.summarise(keys) == ["your date of birth", "a bank account for payouts", "accepting Stripe's terms",
                                      "an identity document", "other details Stripe asks for"]
    with force_locale("vi"):
        assert "tài khoản ngân hàng" in " ".join(status.summarise(["external_account"]))


def test_a_stripe_payout_needs_a_ready_account_and_a_currency_stripe_pays(app, fake_stripe):
    nobody = affiliate_with_details()
    with pytest.raises(NoStripeAccount):
        accounts.payable(nobody.id, "USD")
    waiting, _ = connected_affiliate(fake_stripe, "pending_verification")
    with pytest.raises(AccountNotReady):
        accounts.payable(waiting.id, "USD")
    ready, account = connected_affiliate(fake_stripe, "ready")
    with pytest.raises(CurrencyNotTransferable) as vnd:
        accounts.payable(ready.id, "VND")
    assert vnd.value.field == "method" and "VND" in vnd.value.message
    assert accounts.payable(ready.id, "usd") == account


def test_a_request_through_stripe_keeps_the_account_and_refusals_write_nothing(app, fake_stripe):
    affiliate, account = connected_affiliate(fake_stripe, "ready")
    earn(affiliate, 500_000)  # VND: paid by hand only
    earn(affiliate, 5_000, currency="USD")
    entries_before = db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry))
    with pytest.raises(CurrencyNotTransferable):
        requests.request_payout(affiliate.id, 500_000, "VND", method="stripe")
    assert db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry)) == entries_before
    made = requests.request_payout(affiliate.id, 5_000, "USD", method="stripe")
    assert (made.method, made.details) == ("stripe", {"method": "stripe", "stripe_account_id": account.account_id})
    by_hand = requests.request_payout(affiliate.id, 500_000, "VND")
    assert by_hand.method == "bank_transfer"
    assert db.session.scalar(db.select(db.func.count()).select_from(PayoutRequest)) == 2


def test_onboarding_links_start_and_then_update_the_account(app, fake_stripe):
    affiliate, account = connected_affiliate(fake_stripe, "new")
    urls = {"return_url": "http://localhost/stripe/account/return", "refresh_url": "http://localhost/stripe/account/refresh"}
    first = accounts.onboarding_link(affiliate.id, **urls)
    assert first.startswith(fake_stripe.url + "/setup/e/" + account.account_id)
    call = fake_stripe.calls("POST", "/v1/account_links")[-1]
    assert call.params == {"account": account.account_id, "type": "account_onboarding", **urls}
    fake_stripe.set_account_state(account.account_id, "details_needed")
    accounts.refresh(affiliate.id)
    accounts.onboarding_link(affiliate.id, **urls)
    assert fake_stripe.calls("POST", "/v1/account_links")[-1].params["type"] == "account_update"
