"""Checks of JSON (and postback query) input for the API: the first fault found, with its field and code.

API messages are English: the `code` is the contract a shop's developer programs against.
"""
import re

from email_validator import EmailNotValidError, validate_email

from app.money import CURRENCIES

MAX_AMOUNT = 10**15
_DIGITS = re.compile(r"^-?[0-9]{1,19}$")


class SchemaError(Exception):
    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


def _clean(value: str, field: str, *, multiline: bool = False) -> str:
    # NUL bytes and lone surrogates would make the database driver fail; ids carry no control characters.
    allowed = value.replace("\n", "").replace("\r", "").replace("\t", "") if multiline else value
    if not allowed.isprintable():
        raise SchemaError(field, "invalid_characters", f"{field} contains characters that are not allowed.")
    return value


def string(data: dict, field: str, max_length: int, *, required: bool, multiline: bool = False) -> str | None:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise SchemaError(field, "required", f"{field} is required.")
        return None
    if not isinstance(value, str):
        raise SchemaError(field, "invalid_type", f"{field} must be a string.")
    value = value.strip()
    if len(value) > max_length:
        raise SchemaError(field, "too_long", f"{field} must be at most {max_length} characters.")
    return _clean(value, field, multiline=multiline)


def order_id(data: dict) -> str:
    value = data.get("order_id")
    if isinstance(value, int) and not isinstance(value, bool):
        # Many shops number their orders; 1001 and "1001" are the same order.
        value = str(value)
    return string({"order_id": value}, "order_id", 255, required=True)


def amount(data: dict, field: str = "amount", *, minimum: int = 0, required: bool = True) -> int | None:
    value = data.get(field)
    if value is None and not required:
        return None
    if value is None:
        raise SchemaError(field, "required", f"{field} is required.")
    if not isinstance(value, int) or isinstance(value, bool):
        raise SchemaError(field, "invalid_type", f"{field} must be an integer in the currency's minor unit "
                                                 "(e.g. 150000 for 150.000 VND, 1999 for 19.99 USD).")
    if not minimum <= value <= MAX_AMOUNT:
        raise SchemaError(field, "out_of_range", f"{field} must be between {minimum} and {MAX_AMOUNT}.")
    return value


def currency(data: dict) -> str:
    value = data.get("currency")
    if value is None or value == "":
        raise SchemaError("currency", "required", "currency is required.")
    if not isinstance(value, str):
        raise SchemaError("currency", "invalid_type", "currency must be a string.")
    code = value.strip().upper()
    if len(code) != 3 or code not in CURRENCIES:
        raise SchemaError("currency", "unknown_currency", "currency must be one of " + ", ".join(CURRENCIES) + ".")
    return code


def email(data: dict, field: str = "customer_email") -> str | None:
    value = string(data, field, 254, required=False)
    if value is None:
        return None
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise SchemaError(field, "invalid_email", f"{field} is not a valid email address.") from exc
    return value


def conversion_input(data: dict) -> dict:
    """`{"click_id", "order_id", "amount", "currency", "customer_email"?}` checked and normalised."""
    return {
        "click_id": string(data, "click_id", 64, required=True),
        "order_id": order_id(data),
        # A lead campaign needs no amount; whether this one does is known once the click is found.
        "amount": amount(data, required=False),
        "currency": currency(data),
        "customer_email": email(data),
    }


def postback_input(args) -> dict:
    """The same fields from a query string, where every value arrives as text."""
    data = {name: args.get(name) for name in ("click_id", "order_id", "currency", "customer_email")}
    raw_amount = (args.get("amount") or "").strip()
    if raw_amount and _DIGITS.match(raw_amount):
        data["amount"] = int(raw_amount)
    elif raw_amount:
        data["amount"] = raw_amount  # refused below as not an integer
    return conversion_input(data)


def refund_input(data: dict) -> dict:
    """`{"amount", "refund_id"?, "reason"?}` checked and normalised."""
    return {
        "amount": amount(data, minimum=1),
        "refund_id": string(data, "refund_id", 255, required=False),
        "reason": string(data, "reason", 1000, required=False, multiline=True),
    }
