"""Setup for the Stripe Connect tests: the app pointed at the stand-in Stripe, affiliates with connected
accounts and approved Stripe payouts, daily runs on chosen days, and events signed as Stripe signs them."""
import json
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import stripe

from app.extensions import db
from app.models.money import PayoutRequest
from app.models.stripe_connect import StripeAccount
from app.services.ledger import verify
from app.services.payouts import requests, states
from app.services.stripe_connect import accounts, runs
from tests import factories
from tests.payout_helpers import affiliate_with_details, earn

WEBHOOK_SECRET = "whsec_connect_test_0123456789abcdefABCDEF"
WEBHOOK_URL = "/api/v1/stripe/connect/webhook"
AMOUNT = 2_500  # 25.00 USD
SETTINGS = {"STRIPE_RETRY_DELAY": 0, "STRIPE_TIMEOUT": 3, "STRIPE_RETRIES": 3, "STRIPE_PAYOUT_CURRENCIES": ("USD",),
            "STRIPE_PLATFORM_COUNTRY": "US", "STRIPE_CONNECT_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_PAYOUT_TIME": "09:00", "STRIPE_RUN_STALE_SECONDS": 600}
# 10:00 in Ho Chi Minh City (the suite's display time zone): after the 09:00 payout time.
MORNING = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


@contextmanager
def pointed_at(app, fake, **overrides):
    """The app's Stripe settings aimed at `fake` for the duration (restored afterwards)."""
    wanted = {"STRIPE_API_KEY": fake.api_key, "STRIPE_API_BASE": fake.url, "STRIPE_HOSTED_ORIGIN": fake.url,
              **SETTINGS, **overrides}
    saved = {key: app.config.get(key) for key in wanted}
    app.config.update(wanted)
    try:
        yield fake
    finally:
        app.config.update(saved)


def connected_affiliate(fake, state: str = "ready", country: str = "US", *, manual: bool = True):
    """An affiliate (with bank details unless `manual` is false) whose Stripe account is in `state`."""
    affiliate = affiliate_with_details() if manual else factories.make_user("affiliate")
    account = fake.account_in(state, country, affiliate.email)
    db.session.add(StripeAccount(user_id=affiliate.id, account_id=account["id"], country=country))
    db.session.flush()
    accounts.apply_update(account, None)
    db.session.commit()
    return affiliate, accounts.account_of(affiliate.id)


def stripe_payout(affiliate, amount: int = AMOUNT, *, approve: bool = True) -> int:
    """Earn `amount` USD, request it through Stripe and (by default) approve it; the request's id."""
    earn(affiliate, amount, currency="USD")
    made = requests.request_payout(affiliate.id, amount, "USD", method="stripe")
    if approve:
        states.approve(made.id, None)
    return made.id


def daily_run(days_later: int = 0) -> dict:
    """The daily run of MORNING's day (plus `days_later`), started and done."""
    run_id = runs.start_scheduled(MORNING + timedelta(days=days_later))
    assert run_id is not None, "the day's run was made already"
    return runs.execute(run_id)


def request_of(request_id: int) -> PayoutRequest:
    db.session.expire_all()
    return db.session.get(PayoutRequest, request_id)


def books_are_clean() -> bool:
    report = verify.verify()
    assert report.ok, "\n".join(str(d) for d in report.differences)
    return True


def signed(event: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[str, str]:
    """The event's body and its Stripe-Signature header, made with the stripe library's own helper."""
    payload = json.dumps(event)
    return payload, stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)


def deliver(client, event: dict, **signing):
    payload, header = signed(event, **signing)
    return client.post(WEBHOOK_URL, data=payload,
                       headers={"Stripe-Signature": header, "Content-Type": "application/json"})
