"""Setup for the admin payout tests: affiliates with money to pay out and requests in each state."""
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.common import utcnow
from app.models.money import PayoutRequest
from app.services.ledger import entries
from app.services.payouts import details, requests, states
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
ACCOUNT = "0123456789"


def payable_affiliate(amount=1_000_000, currency="VND", method="bank_transfer", *, name=None, **user_kw):
    """An affiliate with payout details of `method` and `amount` of approved commission past its hold."""
    affiliate = factories.make_user("affiliate", name=name, **user_kw)
    values = {"bank_code": "VCB", "bank_account": ACCOUNT, "account_holder": name or "Nguyen Van An",
              "momo_phone": "0912345678", "paypal_email": f"pay{affiliate.id}@example.com"}
    details.update(affiliate.id, method, values)
    campaign = factories.make_campaign(currency=currency, commission_type="fixed", commission_fixed=amount,
                                       hold_days=1)
    link = factories.make_link(campaign, factories.make_membership(campaign, affiliate).affiliate)
    past = utcnow() - timedelta(days=3)
    conversion = factories.make_conversion(factories.make_click(link), status="approved", created_at=past,
                                           payable_at=past + timedelta(days=1))
    entries.append(affiliate.id, currency, conversion.commission, "commission", f"commission:conv:{conversion.id}",
                  conversion_id=conversion.id, available_at=conversion.payable_at)
    db.session.commit()
    return affiliate


def payout_in(status="requested", *, amount=500_000, currency="VND", method="bank_transfer", admin=None,
              affiliate=None, **affiliate_kw) -> PayoutRequest:
    """A payout request moved through the service to `status`."""
    affiliate = affiliate or payable_affiliate(max(amount, 1_000_000), currency, method, **affiliate_kw)
    request = requests.request_payout(affiliate.id, amount, currency)
    admin = admin or factories.make_user("admin")
    if status in ("approved", "processing", "paid", "failed"):
        states.approve(request.id, admin.id)
    if status == "processing":
        states.mark_processing(request.id, admin.id)
    if status == "paid":
        states.confirm_paid(request.id, admin.id, method=method, transaction_id="FT-1", paid_on=local_today())
    if status == "failed":
        states.mark_failed(request.id, admin.id, "Closed account")
    if status == "rejected":
        states.reject(request.id, admin.id, "Fraud")
    return db.session.get(PayoutRequest, request.id)


def local_today() -> date:
    """Today where the admins are (the display timezone), the day the forms call "today"."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.now(UTC).astimezone(zone).date()


def fresh(request_id: int) -> PayoutRequest:
    db.session.expire_all()
    return db.session.get(PayoutRequest, request_id)


def audit_for(request_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.object_type == "payout_requests", AuditEvent.object_id == str(request_id)).order_by(AuditEvent.id)))


def upload(data: bytes, name: str):
    return (io.BytesIO(data), name)
