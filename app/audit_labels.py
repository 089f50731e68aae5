"""People-facing words for audit events: what happened, the fields a snapshot holds, and their values.

Codes stay in the database and in exports (they are stable for searches and scripts); pages show
these words in the reader's language, with amounts as money and times in the display time zone.
"""
import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.formats import format_day, format_moment
from app.labels import label
from app.money import format_money

ACTIONS = {
    "account.updated": _l("Account updated"),
    "api_key.created": _l("API key created"), "api_key.revoked": _l("API key revoked"),
    "campaign.created": _l("Campaign created"), "campaign.updated": _l("Campaign edited"),
    "campaign.paused": _l("Campaign paused"), "campaign.resumed": _l("Campaign resumed"),
    "campaign.ended": _l("Campaign ended"), "campaign.deleted": _l("Campaign deleted"),
    "conversion.recorded": _l("Conversion recorded"), "conversion.approved": _l("Conversion approved"),
    "conversion.rejected": _l("Conversion rejected"), "conversion.reversed": _l("Commission reversed"),
    "conversion.refunded": _l("Refund recorded"),
    "ledger.written_off": _l("Debt written off"),
    "membership.applied": _l("Applied to a campaign"), "membership.joined": _l("Joined a campaign"),
    "membership.approved": _l("Application approved"), "membership.rejected": _l("Application rejected"),
    "membership.left": _l("Left a campaign"), "membership.removed": _l("Removed from a campaign"),
    "merchant.stripe_secret_set": _l("Stripe signing secret saved"),
    "merchant.stripe_secret_replaced": _l("Stripe signing secret replaced"),
    "merchant.stripe_webhook_url_created": _l("Stripe webhook address created"),
    "merchant.stripe_webhook_url_replaced": _l("Stripe webhook address replaced"),
    "payout.requested": _l("Payout requested"), "payout.reissued": _l("Payout request made again"),
    "payout.approved": _l("Payout request approved"), "payout.rejected": _l("Payout request rejected"),
    "payout.cancelled": _l("Payout request cancelled"), "payout.processing": _l("Payment started"),
    "payout.paid": _l("Payout paid"), "payout.failed": _l("Payout failed"),
    "payout.payment_corrected": _l("Payment record corrected"),
    "payout.partly_reversed": _l("Payout partly taken back"), "payout.reversed": _l("Payout taken back"),
    "payout.reversal_reason": _l("Reason for taking a payout back"),
    "payout_details.changed": _l("Payout details changed"),
    "stripe.account_opened": _l("Stripe account opened"),
    "stripe.account_status": _l("Stripe account status changed"),
    "stripe.automatic_payouts_paused": _l("Automatic Stripe payouts paused"),
    "stripe.automatic_payouts_resumed": _l("Automatic Stripe payouts resumed"),
    "stripe.pay_now": _l("Stripe payout sent at once"),
    "user.created": _l("Account created"), "user.disabled": _l("Account disabled"),
    "user.enabled": _l("Account enabled"),
    "user.password_changed": _l("Password changed"), "user.password_reset": _l("Password reset"),
    "user.sign_in_alert": _l("Failed sign-ins reported"),
    "webhook_endpoint.created": _l("Webhook endpoint added"),
    "webhook_endpoint.updated": _l("Webhook endpoint changed"),
    "webhook_endpoint.enabled": _l("Webhook endpoint turned on"),
    "webhook_endpoint.disabled": _l("Webhook endpoint turned off"),
    "webhook_endpoint.secret_rolled": _l("Webhook signing secret replaced"),
    "webhook_endpoint.deleted": _l("Webhook endpoint deleted"),
}
# "payout." in the action filter: every action on that kind of object.
ACTION_GROUPS = {
    "account": _l("Account"), "api_key": _l("API keys"), "campaign": _l("Campaigns"),
    "conversion": _l("Conversions"), "ledger": _l("Balance"), "membership": _l("Applications"),
    "merchant": _l("Merchants"), "payout": _l("Payout requests"), "payout_details": _l("Payout details"),
    "stripe": _l("Stripe"), "user": _l("Users"), "webhook_endpoint": _l("Webhooks"),
}
FIELDS = {
    "status": _l("Status"), "reason": _l("Reason"), "note": _l("Note"), "notes": _l("Notes"),
    "currency": _l("Currency"), "amount": _l("Amount"), "commission": _l("Commission"),
    "refunded_amount": _l("Refunded amount"), "commission_reversed": _l("Commission reversed"),
    "commission_delta": _l("Commission taken back"), "refund_id": _l("Refund id"), "external_id": _l("Refund id"),
    "reversed_amount": _l("Amount taken back"), "owed": _l("Owed"), "ledger_entry": _l("Ledger entry"),
    "order_id": _l("Order id"), "source": _l("Source"), "flags": _l("Fraud signals"), "click": _l("Click"),
    "method": _l("Method"), "paid_method": _l("Paid by"), "transaction_id": _l("Transaction id"),
    "paid_on": _l("Paid on"), "paid_at": _l("Recorded"), "decided_at": _l("Decided"),
    "payment_notes": _l("Notes"), "proof_filename": _l("Proof of payment"), "proof_content_type": _l("File type"),
    "reject_reason": _l("Reason"), "failed_reason": _l("Reason"), "reissue_of": _l("Made again from request"),
    "requests": _l("Requests"), "available_before": _l("Available before"),
    "bank_code": _l("Bank code"), "bank_name": _l("Bank"), "bank_account": _l("Account number"),
    "account_holder": _l("Account holder"), "momo_phone": _l("Momo phone"), "paypal_email": _l("PayPal email"),
    "account": _l("Account"), "country": _l("Country"), "paused": _l("Automatic payouts paused"),
    "failures": _l("Refusals"), "consecutive_failures": _l("Refusals in a row"),
    "name": _l("Name"), "email": _l("Email"), "role": _l("Role"), "is_disabled": _l("Disabled"),
    "label": _l("Name of the key"), "prefix": _l("Key starts with"), "revoked": _l("Revoked"),
    "secret": _l("Signing secret"), "addresses": _l("Addresses"), "locale": _l("Language"),
    "description": _l("Description"), "landing_url": _l("Landing page"),
    "allowed_hosts": _l("Hosts allowed for deep links"),
    "pays_for": _l("Pays for"), "commission_type": _l("Commission type"), "commission_rate": _l("Rate (%)"),
    "commission_fixed": _l("Fixed amount"), "attribution_days": _l("Attribution window (days)"),
    "join_mode": _l("How affiliates join"), "max_affiliates": _l("Maximum affiliates"), "starts_on": _l("Starts on"),
    "ends_on": _l("Ends on"), "hold_days": _l("Hold period (days)"), "terms": _l("Terms"),
    "auto_approve": _l("Automatic approval"),
    "url": _l("Address (URL)"), "events": _l("Events"), "is_active": _l("Active"),
}
MONEY_FIELDS = frozenset({"amount", "commission", "refunded_amount", "commission_reversed", "commission_delta",
                          "reversed_amount", "owed", "commission_fixed", "order_amount", "available_before"})
# Where a file is kept on the server: nothing a reader needs, and the admin page links the proof itself.
HIDDEN_FIELDS = frozenset({"proof_path"})
CODE_FIELDS = frozenset({"status", "method", "paid_method", "role", "source", "commission_type", "join_mode",
                         "pays_for", "kind"})
ID_FIELDS = frozenset({"ledger_entry", "refund_id", "reissue_of", "click", "order_id", "external_id",
                       "transaction_id", "account", "bank_code", "bank_account", "momo_phone"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def action_label(code: str | None) -> str:
    return str(ACTIONS.get(code, code or ""))


def action_group_label(prefix: str) -> str:
    """`prefix` as the filter has it, e.g. "payout." or "payout"."""
    key = prefix.rstrip(".*")
    return str(ACTION_GROUPS.get(key, key))


def field_label(key: str | None) -> str:
    return str(FIELDS.get(key, key or ""))


def field_value(key: str | None, value, currency: str | None = None) -> str:
    """One snapshot value as people read it: money, labelled codes, local dates, numbers of the locale."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key in MONEY_FIELDS and isinstance(value, int) and currency:
        return format_money(value, currency)
    if key in CODE_FIELDS and isinstance(value, str):
        return label(value)
    if key == "flags" and isinstance(value, list):
        return ", ".join(label(flag) for flag in value) or "—"
    if isinstance(value, (int, Decimal, float)) and key not in ID_FIELDS:
        return format_decimal(value)
    if isinstance(value, datetime):
        return format_moment(value)
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, str):
        return _text(key, value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _text(key: str | None, value: str) -> str:
    if _ISO_DATE.match(value):
        return format_day(date.fromisoformat(value))
    if _ISO_TIME.match(value):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return format_moment(moment)
    if key == "commission_rate":
        try:
            return format_decimal(Decimal(value))
        except InvalidOperation:
            return value
    return value


def init_app(app) -> None:
    app.jinja_env.filters["audit_action"] = action_label
    app.jinja_env.filters["audit_field"] = field_label
    app.jinja_env.globals["audit_value"] = field_value
    app.jinja_env.globals["hidden_fields"] = HIDDEN_FIELDS
