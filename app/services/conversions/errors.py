"""Why recording, reviewing or refunding a conversion was refused.

Each error has a stable `code` (used in API error bodies and log lines) and, when one input is at
fault, the `field` it names. The API maps the classes to HTTP statuses.
"""
from app.services.common.errors import ServiceError


class ConversionError(ServiceError):
    """The conversion could not be recorded."""

    code = "invalid"


class InvalidConversion(ConversionError):
    """An input of the conversion is not valid."""

    def __init__(self, message: str = "", field: str | None = None, code: str = "invalid"):
        super().__init__(message, field)
        self.code = code


class UnknownClick(ConversionError):
    """No click with this id exists for you."""

    code = "unknown_click"
    field = "click_id"


class ClickExpired(ConversionError):
    """The click is older than the campaign's attribution window."""

    code = "click_expired"
    field = "click_id"


class NotAttributable(ConversionError):
    """The click cannot earn a commission (paused campaign or affiliate no longer in the campaign)."""

    code = "not_attributable"
    field = "click_id"


class CurrencyMismatch(ConversionError):
    """The currency differs from the campaign's currency."""

    code = "currency_mismatch"
    field = "currency"


class OrderConflict(ConversionError):
    """This order was already recorded with a different amount, currency or click."""

    code = "order_conflict"
    field = "order_id"


class ConversionNotFound(ConversionError):
    """No such conversion."""

    code = "not_found"


class InvalidTransition(ConversionError):
    """The conversion cannot move to that status from its current one."""

    code = "invalid_transition"
    field = "status"


class ReasonRequired(ConversionError):
    """A reason is required."""

    code = "reason_required"
    field = "reason"


class RefundNotAllowed(ConversionError):
    """Only pending or approved conversions can be refunded."""

    code = "refund_not_allowed"


class RefundTooLarge(ConversionError):
    """The refunds would exceed the order amount."""

    code = "refund_exceeds_amount"
    field = "amount"


class RefundConflict(ConversionError):
    """This refund id was already used for another conversion or another amount."""

    code = "refund_conflict"
    field = "refund_id"


class ReviewNotAllowed(ConversionError):
    """Only the campaign's merchant or an admin can review conversions."""

    code = "forbidden"


class InvalidPostbackToken(ConversionError):
    """The postback token is missing or matches no campaign."""

    code = "invalid_token"
    field = "token"


class TrackingTestReceived(ConversionError):
    """A test conversion was received and shown to the merchant; nothing was recorded."""

    code = "test_conversion"
    field = "click_id"
