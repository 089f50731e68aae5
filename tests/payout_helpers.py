"""Shared setup for the payout and balance tests: affiliates with payout details and earned commission."""
import secrets
from datetime import date, timedelta

from flask import current_app

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.common import utcnow
from app.models.money import LedgerEntry, PayoutRequest
from app.services.conversions import refunds
from app.services.conversions import states as conversion_states
from app.services.payouts import details, requests
from app.services.payouts import states as payout_states
from tests import factories

BANK = {"bank_code": "VCB", "bank_account": "0123456789", "account_holder": "Nguyen Van A"}


def affiliate_with_details(method="bank_transfer", **values):
    affiliate = factories.make_user("affiliate")
    if method == "bank_transfer":
        values = {**BANK, **values}
    elif method == "momo":
        values.setdefault("momo_phone", "0912345678")
    else:
        values.setdefault("paypal_email", "me@example.com")
    details.update(affiliate.id, method, values)
    return affiliate


def conversion_for(affiliate, commission, *, currency="VND", payable_at=None, **kwargs):
    """A pending conversion earning exactly `commission` (payable a day ago unless told)."""
    campaign = factories.make_campaign(currency=currency, commission_type="fixed", commission_fixed=commission)
    click = factories.make_click(factories.make_link(campaign, affiliate))
    return factories.make_conversion(click, amount=commission * 10,
                                     payable_at=payable_at or utcnow() - timedelta(days=1), **kwargs)


def earn(affiliate, commission, **kwargs):
    """An approved conversion: `commission` enters the affiliate's ledger."""
    conversion = conversion_for(affiliate, commission, **kwargs)
    outbox = current_app.extensions["mail_outbox"]
    sent_before = len(outbox)
    conversion_states.approve(conversion.id, None)
    del outbox[sent_before:]  # the approval email is set-up, not what the payout tests count
    return conversion


def ledger_keys(affiliate_id=None):
    query = db.select(LedgerEntry.idempotency_key, LedgerEntry.amount).order_by(LedgerEntry.id)
    if affiliate_id is not None:
        query = query.where(LedgerEntry.affiliate_id == affiliate_id)
    return [tuple(row) for row in db.session.execute(query)]


def ledger_sum(affiliate_id, currency="VND"):
    return db.session.scalar(db.select(db.func.coalesce(db.func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.affiliate_id == affiliate_id, LedgerEntry.currency == currency))


def payout_events(request_id):
    return [e.action for e in db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.object_type == "payout_requests",
                                    AuditEvent.object_id == str(request_id)).order_by(AuditEvent.id))]


AMOUNT = 200_000
PAID = dict(method="bank_transfer", transaction_id="FT2405-778", paid_on=date(2025, 5, 2))

# How to bring a fresh request to each status.
PATHS = {
    "requested": [],
    "approved": ["approve"],
    "processing": ["approve", "mark_processing"],
    "paid": ["approve", "confirm_paid"],
    "failed": ["approve", "mark_failed"],
    "rejected": ["reject"],
    "cancelled": ["cancel"],
    "reversed": ["approve", "confirm_paid", "reverse"],
}


def run(door, request_id, affiliate_id, admin_id, ip=None):
    if door == "cancel":
        return payout_states.cancel(request_id, affiliate_id, ip=ip)
    if door == "reject":
        return payout_states.reject(request_id, admin_id, "Account name does not match", ip=ip)
    if door == "mark_failed":
        return payout_states.mark_failed(request_id, admin_id, "Bank returned the transfer", ip=ip)
    if door == "confirm_paid":
        return payout_states.confirm_paid(request_id, admin_id, ip=ip, **PAID)
    if door == "reverse":
        return payout_states.take_back(request_id, AMOUNT, admin_id, ip=ip)[0]
    return getattr(payout_states, door)(request_id, admin_id, ip=ip)


def request_in(status, admin, affiliate):
    """A new request of AMOUNT, moved to `status`; returns its id."""
    made = requests.request_payout(affiliate.id, AMOUNT, "VND")
    for door in PATHS[status]:
        run(door, made.id, affiliate.id, admin.id)
    assert db.session.get(PayoutRequest, made.id).status == status
    return made.id


OWED_COMMISSION = 60_000


def paid_then_refunded(affiliate, admin):
    """A commission paid out in full, then its order refunded in full: the balance ends at -60,000 VND."""
    conversion = earn(affiliate, OWED_COMMISSION)
    payout = requests.request_payout(affiliate.id, OWED_COMMISSION, "VND")
    payout_states.approve(payout.id, admin.id)
    payout_states.confirm_paid(payout.id, admin.id, method="bank_transfer", transaction_id="FT1",
                               paid_on=date(2025, 5, 2))
    refunds.refund(conversion.id, conversion.amount, actor_id=admin.id)
    return conversion


def ledger_entry(affiliate, amount, *, hours=0, kind="commission", currency="VND", order=None, **values):
    """One ledger row of `affiliate` written as it is (no service), recorded `hours` ago unless `created_at` says
    when, about order `order` (default: its own)."""
    made = LedgerEntry(affiliate_id=affiliate.id, currency=currency, amount=amount, kind=kind,
                       idempotency_key=values.pop("idempotency_key", secrets.token_hex(12)),
                       created_at=values.pop("created_at", utcnow() - timedelta(hours=hours)),
                       available_at=values.pop("available_at", utcnow() - timedelta(hours=hours)),
                       memo_code="order", memo_params={"order": order or f"ORD-{secrets.token_hex(3)}"}, **values)
    db.session.add(made)
    db.session.commit()
    return made
