"""Which countries an affiliate's Express account can be opened in, given where the platform's account is.

Sources (Stripe's documentation, read for this list):
- docs.stripe.com/connect/express-accounts, "Before you begin": platforms in the countries of
  EXPRESS_PLATFORMS can create Express accounts;
- docs.stripe.com/connect/cross-border-payouts, "Availability": platforms in the United States, the
  United Kingdom, the EEA, Canada and Switzerland can transfer to connected accounts in any of those
  same regions; other platforms pay accounts in their own country only, and Stripe does not offer
  self-serve cross-border payouts anywhere else;
- docs.stripe.com/connect/service-agreement-types: an account in another country than the platform's is
  opened under the `recipient` service agreement (it receives transfers and cannot take payments).
Vietnam is in none of these lists: Stripe does not open accounts there, so Vietnamese affiliates keep
the manual methods (bank transfer, Momo, PayPal).
"""
from babel import Locale
from flask import current_app
from flask_babel import get_locale

EEA = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LI LT LU MT NL NO PL PT RO SK SI ES SE".split())
CROSS_BORDER = EEA | {"US", "GB", "CA", "CH"}
# Thailand is in Stripe's list too, but its platforms cannot create Express accounts by themselves.
EXPRESS_PLATFORMS = frozenset("AU AT BE BR BG CA HR CY CZ DK EE FI FR DE GR HK HU IE IT JP LV LT LU MT MX NL NZ NO "
                              "PL PT RO SG SK SI ES SE CH GB US".split())


def platform_country() -> str:
    return current_app.config["STRIPE_PLATFORM_COUNTRY"]


def supported() -> frozenset[str]:
    """The countries an affiliate's account can be in, for this platform."""
    platform = platform_country()
    if platform not in EXPRESS_PLATFORMS:
        return frozenset()
    return CROSS_BORDER if platform in CROSS_BORDER else frozenset({platform})


def is_supported(country: str | None) -> bool:
    return bool(country) and country.upper() in supported()


def service_agreement(country: str) -> str | None:
    """`recipient` for an account abroad (it only receives transfers); None keeps Stripe's default (`full`)."""
    return None if country.upper() == platform_country() else "recipient"


def country_name(code: str, locale: str | None = None) -> str:
    locale = Locale.parse(locale or str(get_locale() or "en"))
    return locale.territories.get(code.upper(), code.upper())


def choices(locale: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of every country people may live in, sorted by name in the reader's language.

    All countries are offered, not only supported ones, so someone abroad can say where they live and read
    why Stripe is not offered instead of picking a wrong country.
    """
    locale = Locale.parse(locale or str(get_locale() or "en"))
    names = {code: name for code, name in locale.territories.items()
             if len(code) == 2 and code.isalpha() and code not in ("ZZ", "EU", "EZ", "UN", "XA", "XB", "QO")}
    return sorted(names.items(), key=lambda item: item[1])
