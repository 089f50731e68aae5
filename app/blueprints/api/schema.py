"""Input of the API as pydantic models: each request is checked by them and the OpenAPI document is drawn from them.

A fault is reported as the first one found, with its field and a stable code (`required`, `invalid_type`,
`too_long`, `invalid_characters`, `out_of_range`, `unknown_currency`, `invalid_email`). The checks run
before pydantic's own type checks so that the codes stay the ones shops already program against.

API messages are English: the `code` is the contract a shop's developer programs against.
"""
import re
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from app.money import CURRENCIES

MAX_AMOUNT = 10**15
_DIGITS = re.compile(r"^-?[0-9]{1,19}$")
# pydantic's own error types, for input that reaches its checks; the validators below catch the rest first.
_PYDANTIC_CODES = {"missing": "required", "string_too_long": "too_long", "greater_than_equal": "out_of_range",
                   "less_than_equal": "out_of_range"}


class SchemaError(Exception):
    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


def _fault(code: str, message: str, field: str, **values) -> PydanticCustomError:
    return PydanticCustomError(code, message, {"field": field, **values})


def _text(max_length: int, *, required: bool, multiline: bool = False):
    """Text trimmed of surrounding space; blank counts as absent; no control characters."""

    def check(value, info: ValidationInfo):
        field = info.field_name
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise _fault("required", "{field} is required.", field)
            return None
        if not isinstance(value, str):
            raise _fault("invalid_type", "{field} must be a string.", field)
        value = value.strip()
        if len(value) > max_length:
            raise _fault("too_long", "{field} must be at most {max_length} characters.", field, max_length=max_length)
        # NUL bytes and lone surrogates would make the database driver fail; ids carry no control characters.
        allowed = value.replace("\n", "").replace("\r", "").replace("\t", "") if multiline else value
        if not allowed.isprintable():
            raise _fault("invalid_characters", "{field} contains characters that are not allowed.", field)
        return value

    return BeforeValidator(check)


def _order_id(value, info: ValidationInfo):
    if isinstance(value, int) and not isinstance(value, bool):
        # Many shops number their orders; 1001 and "1001" are the same order.
        value = str(value)
    return value


def _amount(minimum: int):
    def check(value, info: ValidationInfo):
        field = info.field_name
        if value is None:
            raise _fault("required", "{field} is required.", field)
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fault("invalid_type", "{field} must be an integer in the currency's minor unit "
                                         "(e.g. 150000 for 150.000 VND, 1999 for 19.99 USD).", field)
        if not minimum <= value <= MAX_AMOUNT:
            raise _fault("out_of_range", "{field} must be between {minimum} and {maximum}.", field,
                         minimum=minimum, maximum=MAX_AMOUNT)
        return value

    return BeforeValidator(check)


def _optional_amount(value, info: ValidationInfo):
    # A lead campaign needs no amount; whether this one does is known once the click is found.
    return None if value is None else _amount(0).func(value, info)


def _currency(value, info: ValidationInfo):
    if value is None or value == "":
        raise _fault("required", "currency is required.", "currency")
    if not isinstance(value, str):
        raise _fault("invalid_type", "currency must be a string.", "currency")
    code = value.strip().upper()
    if len(code) != 3 or code not in CURRENCIES:
        raise _fault("unknown_currency", "currency must be one of {choices}.", "currency",
                     choices=", ".join(CURRENCIES))
    return code


def _email(value, info: ValidationInfo):
    value = _text(254, required=False).func(value, info)
    if value is None:
        return None
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise _fault("invalid_email", "{field} is not a valid email address.", info.field_name) from exc
    return value


AMOUNT_HELP = "Integer in the currency's minor unit: 150000 for 150.000 VND, 1999 for 19.99 USD."
ClickId = Annotated[str, Field(min_length=1, max_length=64, description="The `aff_click_id` the visitor arrived with."),
                    _text(64, required=True)]
# Before-validators run last-listed first: a number becomes text, then the text is checked.
OrderId = Annotated[str, _text(255, required=True), BeforeValidator(_order_id), WithJsonSchema({
    "anyOf": [{"type": "string", "minLength": 1, "maxLength": 255}, {"type": "integer"}],
    "description": "The shop's order number; 1001 and \"1001\" are the same order."})]
Currency = Annotated[str, BeforeValidator(_currency), WithJsonSchema({
    "type": "string", "enum": list(CURRENCIES),
    "description": "ISO 4217 code of the campaign's currency (upper or lower case)."})]
CustomerEmail = Annotated[str | None, BeforeValidator(_email), WithJsonSchema({
    "anyOf": [{"type": "string", "format": "email", "maxLength": 254}, {"type": "null"}],
    "description": "The buyer's email, kept for fraud review. Blank counts as absent."})]


class ConversionInput(BaseModel):
    """An order reported by the shop's server (or its postback URL)."""

    model_config = ConfigDict(title="ConversionInput")

    click_id: ClickId
    order_id: OrderId
    amount: Annotated[Annotated[int, Field(ge=0, le=MAX_AMOUNT)] | None, BeforeValidator(_optional_amount),
                      Field(description=AMOUNT_HELP + " Required for sales, may be left out for leads.")] = None
    currency: Currency
    customer_email: CustomerEmail = None


class RefundInput(BaseModel):
    """All or part of an order given back to the buyer."""

    model_config = ConfigDict(title="RefundInput")

    amount: Annotated[int, Field(ge=1, le=MAX_AMOUNT, description=AMOUNT_HELP), _amount(1)]
    refund_id: Annotated[str | None, Field(max_length=255, description="The shop's refund number: a repeat "
                                                                       "with the same one changes nothing."),
                         _text(255, required=False)] = None
    reason: Annotated[str | None, Field(max_length=1000, description="Why the order was refunded."),
                      _text(1000, required=False, multiline=True)] = None


def _parse(model: type[BaseModel], data: dict) -> dict:
    try:
        return model.model_validate(data).model_dump()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = str(first["loc"][0]) if first["loc"] else None
        code = first["type"] if isinstance(first.get("ctx", {}).get("field"), str) else \
            _PYDANTIC_CODES.get(first["type"], "invalid_type")
        message = first["msg"] if code == first["type"] else f"{field} is not valid: {first['msg']}."
        if first["type"] == "missing":
            message = f"{field} is required."
        raise SchemaError(field, code, message) from exc


def conversion_input(data: dict) -> dict:
    """`{"click_id", "order_id", "amount", "currency", "customer_email"?}` checked and normalised."""
    return _parse(ConversionInput, data)


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
    return _parse(RefundInput, data)
