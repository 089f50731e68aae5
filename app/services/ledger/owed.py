"""Negative balances: what an affiliate owes after a refund took back commission already paid out.

The policy: a negative balance is carried forward and netted against future commissions (new
commission simply adds to the ledger sum); payout requests wait until the balance is above zero
again; the affiliate sees what is owed and the refunds that caused it; admins see every negative
balance and may write one off, in part or in full, with a reason: an `adjustment` entry in the
ledger and an audit event, never an edit of earlier entries.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from loguru import logger
from sqlalchemy import func, select

from app import memos
from app.extensions import db
from app.models.campaigns import Campaign
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.money import LedgerEntry
from app.models.users import User
from app.money import format_money
from app.services.audit import trail
from app.services.common.errors import ServiceError
from app.services.ledger import balances, entries

REASON_MAX = 500
# The idempotency key of every write-off entry starts with this (the ledger check knows them by it).
WRITE_OFF_KEY_PREFIX = "write-off:"
CAUSES_LIMIT = 20


class BalanceOwed(ServiceError):
    """The balance is below zero: no payout until new commission has paid off what is owed."""

    field = "amount"

    def __init__(self, owed: int, currency: str):
        self.owed, self.currency = owed, currency
        super().__init__(f"{owed} {currency} (minor units) is owed from refunds; no payout until it is paid off.")

    @property
    def text(self) -> str:
        return _("You owe %(amount)s from refunded orders. New commission pays it off first; you can request "
                 "a payout once your balance is above zero again.", amount=format_money(self.owed, self.currency))


class WriteOffError(ServiceError):
    """The write-off cannot be made."""


class NothingOwed(WriteOffError):
    """This balance is not negative: nothing is owed."""
    text = _l("This balance is not below zero: there is nothing to write off.")


class WriteOffTooLarge(WriteOffError):
    """The amount is not above zero or is more than what is owed."""
    field = "amount"
    text = _l("Enter an amount above zero and at most what is owed.")


class ReasonRequired(WriteOffError):
    """Say why the amount is written off."""
    field = "reason"
    text = _l("Say why the amount is written off (at most 500 characters).")


@dataclass
class NegativeBalance:
    affiliate: User
    currency: str
    owed: int
    latest_reversal_at: datetime | None


@dataclass
class OwedCause:
    """A reversal behind a negative balance: the refunded order and what it took back."""

    entry: LedgerEntry
    conversion: Conversion | None
    campaign_name: str | None


def payable(affiliate_id: int, currency: str, now: datetime | None = None) -> int:
    """The available balance a payout may draw on; BalanceOwed while it is below zero.

    Every payout (a request, a Stripe transfer) asks here first, so none is made while money is owed.
    """
    available = balances.available(affiliate_id, currency, now)
    if available < 0:
        raise BalanceOwed(-available, currency)
    return available


def owed(affiliate_id: int, currency: str, now: datetime | None = None) -> int:
    """What the affiliate owes in `currency` (0 unless the available balance is below zero)."""
    return max(0, -balances.available(affiliate_id, currency, now))


def causes(affiliate_id: int, currency: str, amount_owed: int) -> list[OwedCause]:
    """The newest reversals that together account for `amount_owed`, newest first."""
    rows = db.session.execute(
        select(LedgerEntry, Conversion, Campaign.name)
        .outerjoin(Conversion, Conversion.id == LedgerEntry.conversion_id)
        .outerjoin(Campaign, Campaign.id == Conversion.campaign_id)
        .where(LedgerEntry.affiliate_id == affiliate_id, LedgerEntry.currency == currency,
               LedgerEntry.kind == "reversal")
        .order_by(LedgerEntry.id.desc()).limit(CAUSES_LIMIT))
    found, covered = [], 0
    for entry, conversion, campaign_name in rows:
        if covered >= amount_owed:
            break
        found.append(OwedCause(entry, conversion, campaign_name))
        covered += -entry.amount
    return found


def negative_balances(now: datetime | None = None) -> list[NegativeBalance]:
    """Every affiliate and currency whose available balance is below zero, largest debt first.

    Only a reversal can take a balance below zero, so only affiliates with reversals are summed (the
    partial index ix_ledger_entries_reversals finds them).
    """
    now = now or utcnow()
    candidates = select(LedgerEntry.affiliate_id, LedgerEntry.currency).where(
        LedgerEntry.kind == "reversal").distinct().subquery()
    result = []
    for affiliate_id, currency in db.session.execute(select(candidates.c.affiliate_id, candidates.c.currency)):
        amount = owed(affiliate_id, currency, now)
        if amount:
            latest = db.session.scalar(select(func.max(LedgerEntry.created_at)).where(
                LedgerEntry.affiliate_id == affiliate_id, LedgerEntry.currency == currency,
                LedgerEntry.kind == "reversal"))
            result.append(NegativeBalance(db.session.get(User, affiliate_id), currency, amount, latest))
    return sorted(result, key=lambda b: (-b.owed, b.affiliate.id, b.currency))


def write_off(affiliate_id: int, currency: str, amount: int, reason: str, *, actor_id: int,
              ip: str | None = None) -> LedgerEntry:
    """Forgive `amount` of what the affiliate owes in `currency`; an adjustment entry, audited; commits.

    The affiliate's row is locked first, so two admins writing off at once cannot forgive more than is owed.
    """
    from app.services.payouts.states import lock_affiliate

    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ReasonRequired()
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise WriteOffTooLarge()
    try:
        # The same lock payout requests take: a write-off and a request of one affiliate queue up.
        lock_affiliate(affiliate_id)
        before = owed(affiliate_id, currency)
        if before == 0:
            raise NothingOwed()
        if amount > before:
            raise WriteOffTooLarge()
        entry = entries.append(affiliate_id, currency, amount, "adjustment",
                               f"{WRITE_OFF_KEY_PREFIX}{affiliate_id}:{secrets.token_urlsafe(12)}",
                               **memos.params(memos.WRITE_OFF, reason=reason))
        trail.record("ledger.written_off", db.session.get(User, affiliate_id), actor_id=actor_id, ip=ip,
                     before={"owed": before, "currency": currency},
                     after={"owed": before - amount, "amount": amount, "reason": reason, "ledger_entry": entry.id})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    logger.info("write-off affiliate={} amount={} currency={} by={}", affiliate_id, amount, currency, actor_id)
    return entry
