"""Affiliates' Express accounts: opening one, Stripe's hosted onboarding, and keeping our copy of its state.

An account is opened once per affiliate (the database keeps one row per user; Stripe's idempotency key
makes a double click open one account). Its country is fixed by Stripe at creation. Our copy of the
account's state is refreshed when the affiliate comes back from Stripe and by `account.updated` events;
an event older than the state already applied changes nothing.
"""
from datetime import UTC, datetime

import stripe
from flask import current_app
from loguru import logger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.common import utcnow
from app.models.stripe_connect import StripeAccount
from app.models.users import User
from app.services.audit import trail
from app.services.stripe_connect import client, countries, status
from app.services.stripe_connect.errors import (
    AccountNotReady,
    CountryNotSupported,
    CurrencyNotTransferable,
    NoStripeAccount,
    StripeConnectError,
    StripeNotConfigured,
    StripeRefused,
    StripeUnavailable,
)


def account_of(user_id: int) -> StripeAccount | None:
    return db.session.get(StripeAccount, user_id)


def by_account_id(account_id: str) -> StripeAccount | None:
    return db.session.scalar(select(StripeAccount).where(StripeAccount.account_id == account_id))


def payout_currencies() -> tuple[str, ...]:
    return tuple(current_app.config["STRIPE_PAYOUT_CURRENCIES"])


def transferable(currency: str) -> bool:
    return (currency or "").upper() in payout_currencies()


def payable(affiliate_id: int, currency: str) -> StripeAccount:
    """The affiliate's account if a payout in `currency` can go to it through Stripe; else the reason why not."""
    if not client.configured():
        raise StripeNotConfigured()
    if not transferable(currency):
        raise CurrencyNotTransferable(currency.upper())
    account = account_of(affiliate_id)
    if account is None:
        raise NoStripeAccount()
    if not account.is_ready:
        raise AccountNotReady()
    return account


def destination(affiliate_id: int, currency: str) -> dict:
    """Where a Stripe payout in `currency` goes, as a payout request keeps it (its `details`)."""
    return {"method": "stripe", "stripe_account_id": payable(affiliate_id, currency).account_id}


def _stripe(call, *args, **kwargs):
    """One Stripe call for a person waiting on a page: a transient failure becomes StripeUnavailable."""
    try:
        return call(*args, **kwargs)
    except stripe.StripeError as exc:
        logger.warning("stripe call failed code={} message={}", client.error_code(exc), client.error_message(exc))
        if client.is_transient(exc) or isinstance(exc, stripe.AuthenticationError):
            raise StripeUnavailable() from exc
        raise StripeRefused(client.error_message(exc)) from exc


def open_account(user_id: int, country: str, ip: str | None = None) -> StripeAccount:
    """Open the affiliate's Express account in `country` (or return the one they have); commits."""
    existing = account_of(user_id)
    if existing is not None:
        return existing
    if not client.configured():
        raise StripeNotConfigured()
    country = (country or "").strip().upper()
    if not countries.is_supported(country):
        raise CountryNotSupported(country or "-")
    user = db.session.get(User, user_id)
    if user is None or user.role != "affiliate":
        raise StripeConnectError("Only affiliates are paid through Stripe.")
    params = {"type": "express", "country": country, "email": user.email,
              "capabilities": {"transfers": {"requested": True}},
              "metadata": {"affiliate_id": str(user_id)}}
    agreement = countries.service_agreement(country)
    if agreement:
        params["tos_acceptance"] = {"service_agreement": agreement}
    # One key per affiliate and country: a double click or a retry opens one account, not two.
    created = _stripe(client.client().v1.accounts.create, params,
                      {"idempotency_key": f"connected-account-{user_id}-{country}"})
    account = StripeAccount(user_id=user_id, account_id=created.id, country=country)
    _copy_state(account, created.to_dict(), 0)
    db.session.add(account)
    trail.record("stripe.account_opened", actor_id=user_id, ip=ip, object_type="users", object_id=user_id,
                 after={"account": created.id, "country": country})
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the other click stored it first, with the same Stripe account
        return account_of(user_id)
    logger.info("stripe account {} opened for affiliate {} country={}", created.id, user_id, country)
    return account


def onboarding_link(user_id: int, *, return_url: str, refresh_url: str) -> str:
    """A fresh Stripe-hosted onboarding address for the affiliate's account (each one works once, briefly)."""
    account = account_of(user_id)
    if account is None:
        raise NoStripeAccount()
    kind = "account_onboarding" if not account.details_submitted else "account_update"
    link = _stripe(client.client().v1.account_links.create, {
        "account": account.account_id, "type": kind, "return_url": return_url, "refresh_url": refresh_url})
    return link.url


def dashboard_link(user_id: int) -> str:
    """A one-time sign-in to the affiliate's Stripe Express dashboard (bank account, payouts, tax forms)."""
    account = account_of(user_id)
    if account is None:
        raise NoStripeAccount()
    return _stripe(client.client().v1.accounts.login_links.create, account.account_id).url


def refresh(user_id: int) -> StripeAccount | None:
    """Read the account from Stripe now and store its state (after the affiliate returns from Stripe); commits."""
    account = account_of(user_id)
    if account is None:
        return None
    fetched = _stripe(client.client().v1.accounts.retrieve, account.account_id).to_dict()
    apply_update(fetched, None)
    db.session.commit()
    return account_of(user_id)


def apply_update(account_object: dict, event_created: int | None) -> StripeAccount | None:
    """Store Stripe's view of an account (no commit); None for an account that is not one of ours.

    `event_created` is the event's time; an event older than the state we hold is ignored. A state read
    from the API directly (None) is always the newest.
    """
    account = by_account_id(str(account_object.get("id") or ""))
    if account is None:
        return None
    stamp = event_created if event_created is not None else int(utcnow().timestamp())
    if stamp < account.stripe_updated_at:
        logger.info("stripe account {}: older update ignored", account.account_id)
        return account
    before = account.status
    _copy_state(account, account_object, stamp)
    if account.status != before:
        trail.record("stripe.account_status", actor_id=None, object_type="users", object_id=account.user_id,
                     before={"status": before}, after={"status": account.status})
        logger.info("stripe account {} is now {}", account.account_id, account.status)
    return account


def _copy_state(account: StripeAccount, obj: dict, stamp: int) -> None:
    requirements = obj.get("requirements") or {}
    account.status = status.status_of(obj)
    account.details_submitted = bool(obj.get("details_submitted"))
    account.payouts_enabled = bool(obj.get("payouts_enabled"))
    account.transfers_capability = str((obj.get("capabilities") or {}).get("transfers") or "inactive")[:16]
    account.disabled_reason = (requirements.get("disabled_reason") or None)
    account.currently_due = list(requirements.get("currently_due") or [])
    account.past_due = list(requirements.get("past_due") or [])
    account.pending_verification = list(requirements.get("pending_verification") or [])
    deadline = requirements.get("current_deadline")
    account.current_deadline = from_timestamp(deadline) if isinstance(deadline, int) else None
    account.stripe_updated_at = stamp
    account.synced_at = utcnow()


def from_timestamp(seconds: int) -> datetime:
    """Stripe's Unix times as our naive UTC."""
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def resume(user_id: int, actor_id: int, ip: str | None = None) -> StripeAccount:
    """An admin lets automatic runs pay the affiliate again after repeated failures; commits."""
    account = db.session.scalar(select(StripeAccount).where(StripeAccount.user_id == user_id).with_for_update())
    if account is None:
        raise NoStripeAccount()
    before = {"consecutive_failures": account.consecutive_failures, "paused": account.paused_at is not None}
    account.consecutive_failures, account.paused_at = 0, None
    trail.record("stripe.automatic_payouts_resumed", actor_id=actor_id, ip=ip, object_type="users",
                 object_id=user_id, before=before, after={"consecutive_failures": 0, "paused": False})
    db.session.commit()
    return account
