"""The shape of each Stripe object the stand-in answers with, as Stripe's OpenAPI description gives it.

Taken from stripe/openapi `openapi/spec3.yaml` (components/schemas; API version 2023-08-16, the
newest description with these schemas in that repository's stored history): for each object, every
field the description marks as required plus every field the app or the stand-in uses, with its JSON
type and whether it may be null. `check` walks a response and lists every difference, so the tests of
the stand-in fail when it drifts from Stripe.
"""
STR, INT, BOOL, OBJ, ARR = "string", "integer", "boolean", "object", "array"
_TYPES = {"str": STR, "int": INT, "bool": BOOL, "obj": OBJ, "arr": ARR}


def _fields(spec: str) -> dict[str, tuple]:
    """"id created:int email?" → {"id": (string,), "created": (integer,), "email": (string, None)}:
    `name[:type][?]`, the type a string unless given, `?` where Stripe may send null."""
    result = {}
    for item in spec.split():
        nullable = item.endswith("?")
        name, _, kind = item.rstrip("?").partition(":")
        result[name] = (_TYPES[kind or "str"], None) if nullable else (_TYPES[kind or "str"],)
    return result


SHAPES: dict[str, dict[str, tuple]] = {
    "account": _fields("id object type country email? created:int default_currency details_submitted:bool "
                       "payouts_enabled:bool charges_enabled:bool capabilities:obj requirements:obj "
                       "future_requirements:obj metadata:obj tos_acceptance:obj business_type? business_profile:obj? "
                       "settings:obj? external_accounts:obj controller:obj"),
    "account_requirements": _fields("alternatives:arr? current_deadline:int? currently_due:arr? disabled_reason? "
                                    "errors:arr? eventually_due:arr? past_due:arr? pending_verification:arr?"),
    "account_tos_acceptance": _fields("date:int? ip? service_agreement user_agent?"),
    "account_link": _fields("created:int expires_at:int object url"),
    "login_link": _fields("created:int object url"),
    "transfer": _fields("id object amount:int amount_reversed:int balance_transaction? created:int currency "
                        "description? destination? destination_payment livemode:bool metadata:obj reversals:obj "
                        "reversed:bool source_transaction? source_type transfer_group?"),
    "transfer_reversal": _fields("id object amount:int balance_transaction? created:int currency "
                                 "destination_payment_refund? metadata:obj? source_refund? transfer"),
    "balance": _fields("object available:arr pending:arr connect_reserved:arr livemode:bool"),
    "balance_amount": _fields("amount:int currency source_types:obj"),
    "payout": _fields("id object amount:int arrival_date:int automatic:bool balance_transaction? created:int currency "
                      "description? destination? failure_balance_transaction? failure_code? failure_message? "
                      "livemode:bool metadata:obj? method original_payout? reconciliation_status reversed_by? "
                      "source_type statement_descriptor? status type"),
    "event": _fields("id object account api_version? created:int data:obj livemode:bool pending_webhooks:int "
                     "request:obj? type"),
    "list": _fields("object data:arr has_more:bool url"),
    "error": _fields("error:obj"),
    "api_errors": _fields("type message code param doc_url request_log_url"),
}

# Fields the description requires (all others may be left out of a response).
REQUIRED = {
    "account": ("id", "object"),
    "account_link": ("created", "expires_at", "object", "url"),
    "login_link": ("created", "object", "url"),
    "transfer": ("amount", "amount_reversed", "created", "currency", "id", "livemode", "metadata", "object",
                 "reversals", "reversed"),
    "transfer_reversal": ("amount", "created", "currency", "id", "object", "transfer"),
    "balance": ("available", "livemode", "object", "pending"),
    "balance_amount": ("amount", "currency"),
    "payout": ("amount", "arrival_date", "automatic", "created", "currency", "id", "livemode", "method", "object",
               "reconciliation_status", "source_type", "status", "type"),
    "event": ("created", "data", "id", "livemode", "object", "pending_webhooks", "type"),
    "list": ("data", "has_more", "object", "url"),
    "error": ("error",),
    "api_errors": ("type",),
}
ENUMS = {("api_errors", "type"): ("api_error", "card_error", "idempotency_error", "invalid_request_error"),
         ("account", "type"): ("custom", "express", "standard"),
         ("account_tos_acceptance", "service_agreement"): ("full", "recipient")}
PYTHON_TYPES = {STR: str, INT: int, BOOL: bool, OBJ: dict, ARR: list}


def check(value: dict, name: str, where: str = "") -> list[str]:
    """Every way `value` differs from the shape `name`, with nested objects checked too ([] when it fits)."""
    problems = []
    shape = SHAPES[name]
    for field in REQUIRED.get(name, ()):
        if field not in value:
            problems.append(f"{where or name}: required field {field!r} is missing")
    for field, item in value.items():
        if field not in shape:
            problems.append(f"{where or name}: field {field!r} is not in Stripe's description of {name}")
            continue
        json_type, nullable = shape[field][0], len(shape[field]) > 1
        if item is None:
            if not nullable:
                problems.append(f"{where or name}.{field} is null, which Stripe never sends")
            continue
        python_type = PYTHON_TYPES[json_type]
        if not isinstance(item, python_type) or (python_type is int and isinstance(item, bool)):
            problems.append(f"{where or name}.{field} should be {json_type}, is {type(item).__name__}")
        elif (name, field) in ENUMS and item not in ENUMS[(name, field)]:
            problems.append(f"{where or name}.{field}={item!r} is not one of {ENUMS[(name, field)]}")
        problems += _nested(name, field, item, f"{where or name}.{field}")
    return problems


def _nested(name: str, field: str, item, where: str) -> list[str]:
    if name == "account" and field in ("requirements", "future_requirements"):
        return check(item, "account_requirements", where)
    if name == "account" and field == "tos_acceptance":
        return check(item, "account_tos_acceptance", where)
    if name == "balance" and field in ("available", "pending"):
        return [p for i, amount in enumerate(item) for p in check(amount, "balance_amount", f"{where}[{i}]")]
    if name == "transfer" and field == "reversals":
        return check_list(item, "transfer_reversal", where)
    if name == "event" and field == "data":
        obj = item.get("object") or {}
        return check(obj, obj.get("object", "?"), f"{where}.object") if obj.get("object") in SHAPES else [
            f"{where}.object is not a known Stripe object"]
    if name == "error" and field == "error":
        return check(item, "api_errors", where)
    return []


def check_list(value: dict, item_name: str, where: str = "list") -> list[str]:
    problems = check(value, "list", where)
    for i, item in enumerate(value.get("data") or []):
        problems += check(item, item_name, f"{where}.data[{i}]")
    return problems
