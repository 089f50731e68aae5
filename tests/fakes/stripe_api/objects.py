"""Stripe-shaped objects: accounts, links, transfers, reversals, balances, payouts, events and errors.

Field names, types and nullability follow Stripe's OpenAPI description (stripe/openapi, spec3); the
fields the app does not read are kept to those the description marks as required, plus the few a
reader of the dashboard would expect to see.
"""
import secrets
import string

ALPHABET = string.ascii_letters + string.digits

# What Stripe asks a new individual Express account for before its `transfers` capability turns on.
ONBOARDING_FIELDS = ("external_account", "individual.address.city", "individual.address.line1",
                     "individual.address.postal_code", "individual.dob.day", "individual.dob.month",
                     "individual.dob.year", "individual.email", "individual.first_name", "individual.last_name",
                     "individual.phone", "tos_acceptance.date", "tos_acceptance.ip")

# The states a test can put a connected account in, as Stripe reports each one.
ACCOUNT_STATES = {
    "new": dict(details_submitted=False, transfers="inactive", payouts_enabled=False,
                currently_due=ONBOARDING_FIELDS, disabled_reason="requirements.past_due"),
    "details_needed": dict(details_submitted=True, transfers="inactive", payouts_enabled=False,
                           currently_due=("individual.verification.document", "external_account"),
                           disabled_reason="requirements.past_due"),
    "pending_verification": dict(details_submitted=True, transfers="pending", payouts_enabled=False,
                                 pending_verification=("individual.id_number", "individual.verification.document"),
                                 disabled_reason="requirements.pending_verification"),
    "ready": dict(details_submitted=True, transfers="active", payouts_enabled=True),
    "restricted": dict(details_submitted=True, transfers="inactive", payouts_enabled=False,
                       currently_due=("individual.verification.document",),
                       past_due=("individual.verification.document",), disabled_reason="requirements.past_due"),
    "rejected": dict(details_submitted=True, transfers="inactive", payouts_enabled=False,
                     disabled_reason="rejected.fraud"),
}


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_{''.join(secrets.choice(ALPHABET) for _ in range(length))}"


def empty_list(url: str) -> dict:
    return {"object": "list", "data": [], "has_more": False, "url": url}


def requirements(currently_due=(), past_due=(), pending_verification=(), disabled_reason=None) -> dict:
    return {"alternatives": [], "current_deadline": None, "currently_due": list(currently_due),
            "disabled_reason": disabled_reason, "errors": [], "eventually_due": list(currently_due),
            "past_due": list(past_due), "pending_verification": list(pending_verification)}


def account(account_id: str, *, country: str, email: str | None, created: int, default_currency: str,
            metadata: dict, service_agreement: str, state: str = "new") -> dict:
    obj = {
        "id": account_id, "object": "account", "type": "express", "country": country, "email": email,
        "created": created, "default_currency": default_currency, "metadata": dict(metadata),
        "business_profile": {"mcc": None, "name": None, "product_description": None, "support_address": None,
                             "support_email": None, "support_phone": None, "support_url": None, "url": None},
        "business_type": None, "charges_enabled": False,
        "controller": {"type": "application", "is_controller": True},
        "external_accounts": empty_list(f"/v1/accounts/{account_id}/external_accounts"),
        "future_requirements": requirements(),
        "settings": {"branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
                     "card_payments": {"decline_on": {"avs_failure": False, "cvc_failure": False},
                                       "statement_descriptor_prefix": None},
                     "dashboard": {"display_name": None, "timezone": "Etc/UTC"},
                     "payments": {"statement_descriptor": None},
                     "payouts": {"debit_negative_balances": True,
                                 "schedule": {"delay_days": 2, "interval": "daily"},
                                 "statement_descriptor": None}},
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None, "service_agreement": service_agreement},
    }
    set_state(obj, state)
    return obj


def set_state(obj: dict, state: str) -> None:
    """Put `obj` (an account) in one of ACCOUNT_STATES, as Stripe would report it."""
    spec = ACCOUNT_STATES[state]
    obj["details_submitted"] = spec["details_submitted"]
    obj["payouts_enabled"] = spec["payouts_enabled"]
    obj["capabilities"] = {"transfers": spec["transfers"]}
    obj["requirements"] = requirements(spec.get("currently_due", ()), spec.get("past_due", ()),
                                       spec.get("pending_verification", ()), spec.get("disabled_reason"))
    if spec["details_submitted"] and obj["tos_acceptance"]["date"] is None:
        obj["tos_acceptance"].update(date=obj["created"], ip="127.0.0.1")


def account_link(url: str, created: int, expires_at: int) -> dict:
    return {"object": "account_link", "created": created, "expires_at": expires_at, "url": url}


def login_link(url: str, created: int) -> dict:
    return {"object": "login_link", "created": created, "url": url}


def transfer(transfer_id: str, *, amount: int, currency: str, destination: str, created: int,
             description: str | None, metadata: dict, transfer_group: str | None) -> dict:
    return {"id": transfer_id, "object": "transfer", "amount": amount, "amount_reversed": 0,
            "balance_transaction": new_id("txn"), "created": created, "currency": currency,
            "description": description, "destination": destination, "destination_payment": new_id("py"),
            "livemode": False, "metadata": dict(metadata),
            "reversals": empty_list(f"/v1/transfers/{transfer_id}/reversals"),
            "reversed": False, "source_transaction": None, "source_type": "card", "transfer_group": transfer_group}


def reversal(transfer_id: str, *, amount: int, currency: str, created: int, metadata: dict) -> dict:
    return {"id": new_id("trr"), "object": "transfer_reversal", "amount": amount,
            "balance_transaction": new_id("txn"), "created": created, "currency": currency,
            "destination_payment_refund": new_id("pyr"), "metadata": dict(metadata), "source_refund": None,
            "transfer": transfer_id}


def balance(available: dict[str, int], pending: dict[str, int]) -> dict:
    def amounts(values):
        return [{"amount": amount, "currency": currency, "source_types": {"card": amount}}
                for currency, amount in sorted(values.items())]

    return {"object": "balance", "livemode": False, "available": amounts(available), "pending": amounts(pending),
            "connect_reserved": [{"amount": 0, "currency": currency} for currency in sorted(available)]}


def payout(*, amount: int, currency: str, created: int, arrival_date: int, status: str,
           failure_code: str | None = None, failure_message: str | None = None) -> dict:
    return {"id": new_id("po"), "object": "payout", "amount": amount, "arrival_date": arrival_date,
            "automatic": True, "balance_transaction": new_id("txn"), "created": created, "currency": currency,
            "description": "STRIPE PAYOUT", "destination": new_id("ba"), "failure_balance_transaction": None,
            "failure_code": failure_code, "failure_message": failure_message, "livemode": False, "metadata": {},
            "method": "standard", "original_payout": None, "reconciliation_status": "completed",
            "reversed_by": None, "source_type": "card", "statement_descriptor": None, "status": status,
            "type": "bank_account"}


def event(event_type: str, obj: dict, *, created: int, api_version: str, account_id: str | None = None,
          previous_attributes: dict | None = None, request: dict | None = None) -> dict:
    data = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    result = {"id": new_id("evt"), "object": "event", "api_version": api_version, "created": created,
              "data": data, "livemode": False, "pending_webhooks": 1,
              "request": request or {"id": None, "idempotency_key": None}, "type": event_type}
    if account_id is not None:
        result["account"] = account_id  # set on events that happened on a connected account
    return result


def error_body(error_type: str, message: str, code: str | None = None, param: str | None = None) -> dict:
    error = {"type": error_type, "message": message}
    if code is not None:
        error["code"] = code
        error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    if param is not None:
        error["param"] = param
    error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{new_id('req', 14)}"
    return {"error": error}
