"""Why a Stripe Connect operation was refused, in words for the person who asked."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services.common.errors import ServiceError

# Why a run left a request, for the reasons that are ours (Stripe's own come with Stripe's message).
REASONS = {
    "not_stripe": _l("Not a Stripe payout."),
    "not_waiting": _l("No longer waiting to be paid."),
    "paused": _l("Automatic payouts are paused for this affiliate after repeated refusals."),
    "balance_low": _l("The platform's Stripe balance is too low for it; it waits for the next run."),
    "balance_insufficient": _l("The platform's Stripe balance was too low; it waits for the next run."),
    "currency_not_transferable": _l("Payouts in this currency are not sent through Stripe."),
    "transfer_mismatch": _l("Stripe's transfer does not match the request; compare Stripe with our books."),
}


class StripeConnectError(ServiceError):
    """The Stripe operation was refused."""

    code = "stripe_refused"


class StripeNotConfigured(StripeConnectError):
    """No Stripe API key is configured: payouts are made by hand."""

    code = "stripe_not_configured"
    text = _l("Payouts through Stripe are not set up on this site; payouts are made by hand.")


class CountryNotSupported(StripeConnectError):
    """Stripe cannot open an account for this country on this platform."""

    code = "country_not_supported"
    field = "country"

    def __init__(self, country: str):
        self.country = country
        super().__init__(f"Stripe Express accounts are not available for {country} on this platform.")

    @property
    def text(self) -> str:
        from app.services.stripe_connect.countries import country_name

        if self.country == "VN":
            return _("Stripe does not open accounts for people in Vietnam, so payouts to Vietnam are made by bank "
                     "transfer, Momo or PayPal.")
        return _("Stripe cannot pay people in %(country)s from this site; payouts are made by bank transfer, Momo or "
                 "PayPal.", country=country_name(self.country))


class CurrencyNotTransferable(StripeConnectError):
    """The platform's Stripe account cannot transfer this currency."""

    code = "currency_not_transferable"
    field = "method"

    def __init__(self, currency: str):
        self.currency = currency
        super().__init__(f"Stripe payouts are not made in {currency}.")

    @property
    def text(self) -> str:
        return _("Payouts in %(currency)s are not sent through Stripe; choose another payout method.",
                 currency=self.currency)


class NoStripeAccount(StripeConnectError):
    """The affiliate has not connected a Stripe account."""

    code = "no_stripe_account"
    field = "method"
    text = _l("Connect a Stripe account on your payout details page first.")


class AccountNotReady(StripeConnectError):
    """The affiliate's Stripe account cannot receive transfers yet."""

    code = "stripe_account_not_ready"
    field = "method"
    text = _l("Your Stripe account cannot receive payouts yet: finish what Stripe asks for first.")


class StripeUnavailable(StripeConnectError):
    """Stripe could not be reached or answered with an error; nothing was changed."""

    code = "stripe_unavailable"
    text = _l("Stripe did not answer. Nothing was changed; please try again in a few minutes.")


class NotAStripePayout(StripeConnectError):
    """This payout request is not paid through Stripe, or not in a state this action applies to."""

    code = "not_a_stripe_payout"
    text = _l("This action applies only to a Stripe payout in another state; reload the page to see where it is.")


class NothingToPayNow(StripeConnectError):
    """None of the selected requests is an approved Stripe payout."""

    code = "nothing_to_pay"
    text = _l("None of the selected requests is an approved Stripe payout waiting to be sent.")


class StripeRefused(StripeConnectError):
    """Stripe refused the request; its own words are the message."""

    code = "stripe_refused"

    def __init__(self, message: str):
        super().__init__(message)
        self.text = message
