"""Why a payout request or a change of payout details was refused.

Each error's `message` (its `text`) is built when it is read, so a view shows it in the reader's
language; the English docstring is what logs and `str()` give. `field` names the form input at fault.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.money import format_money
from app.services.common.errors import ServiceError


class PayoutError(ServiceError):
    """The payout operation was refused."""

    code = "invalid"


class PayoutNotFound(PayoutError):
    """No such payout request."""

    code = "not_found"


class InvalidPayoutTransition(PayoutError):
    """The payout request cannot move to that status from its current one."""

    code = "invalid_transition"
    field = "status"

    def __init__(self, status: str, to_status: str):
        self.status, self.to_status = status, to_status
        super().__init__(f"A {status} payout request cannot become {to_status}.")

    @property
    def text(self) -> str:
        from app.labels import label

        return _("This payout request is %(status)s, so it cannot become %(to)s.",
                 status=label(self.status).lower(), to=label(self.to_status).lower())


class NotPaid(InvalidPayoutTransition):
    """Only a paid request's payment record can be corrected."""

    text = _l("Only a paid payout's payment record can be corrected.")


class PaidThroughStripe(PayoutError):
    """This payout is sent through Stripe: its runs pay it and keep its payment record."""

    code = "paid_through_stripe"
    text = _l("This payout is sent through Stripe, so it is not paid or recorded by hand. If Stripe refuses it, "
              "you can pay it by hand then.")


class InvalidPayoutAmount(PayoutError):
    """The amount is not a positive amount of money."""

    field = "amount"
    text = _l("Enter an amount greater than zero.")


class UnknownCurrency(PayoutError):
    """Payouts are not made in this currency."""

    field = "currency"
    text = _l("Choose a currency from the list.")


class PayoutBelowMinimum(PayoutError):
    """The amount is below the minimum payout for its currency."""

    field = "amount"

    def __init__(self, minimum: int, currency: str):
        self.minimum, self.currency = minimum, currency
        super().__init__(f"The minimum payout is {minimum} {currency} (minor units).")

    @property
    def text(self) -> str:
        return _("The minimum payout is %(amount)s.", amount=format_money(self.minimum, self.currency))


class PayoutAboveAvailable(PayoutError):
    """The amount is more than the available balance."""

    field = "amount"

    def __init__(self, available: int, currency: str):
        self.available, self.currency = available, currency
        super().__init__(f"Only {available} {currency} (minor units) is available.")

    @property
    def text(self) -> str:
        if self.available <= 0:
            return _("Nothing is available to pay out in %(currency)s yet.", currency=self.currency)
        return _("You can request at most %(amount)s, your available balance.",
                 amount=format_money(self.available, self.currency))


class PayoutAlreadyOpen(PayoutError):
    """A payout request in this currency is still open."""

    field = "currency"

    def __init__(self, currency: str):
        self.currency = currency
        super().__init__(f"A payout request in {currency} is still open.")

    @property
    def text(self) -> str:
        return _("You already have an open payout request in %(currency)s. Wait until it is paid, or cancel it "
                 "while it is still waiting for approval.", currency=self.currency)


class PayoutDetailsMissing(PayoutError):
    """No payout details are set."""

    text = _l("Set your payout details (bank account, Momo or PayPal) before requesting a payout.")


class ReasonRequired(PayoutError):
    """A reason is required."""

    field = "reason"
    text = _l("Give a reason.")


class TransactionIdRequired(PayoutError):
    """The payment's transaction id is required."""

    field = "transaction_id"
    text = _l("Enter the transaction id of the payment.")


class InvalidPayment(PayoutError):
    """A detail of the payment is not valid."""

    def __init__(self, field: str, text):
        super().__init__(f"Invalid payment {field}.", field)
        self.text = text


class PayoutNotAllowed(PayoutError):
    """Only admins decide on payout requests."""

    code = "forbidden"


class InvalidPayoutDetails(PayoutError):
    """A payout detail is not valid."""

    def __init__(self, field: str, text):
        super().__init__(f"Invalid payout detail {field}.", field)
        self.text = text


class ImportFileError(ServiceError):
    """The bank's results file cannot be read."""

    field = "file"
