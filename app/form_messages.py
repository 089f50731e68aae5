"""WTForms' own messages ("This field is required.") in the reader's language.

WTForms ships no Vietnamese, so its messages are marked below for extraction into our catalog and
Flask-WTF is pointed at that catalog. They must be spelled exactly as WTForms spells them:
tests/test_translations.py checks them against the message template WTForms ships.
"""
from flask import request
from flask_babel import get_translations


class _OurCatalog:
    """What Flask-WTF looks for in `request.wtforms_translations`, answered from our catalog."""

    def ugettext(self, string):
        return get_translations().ugettext(string)

    def ungettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


_CATALOG = _OurCatalog()


def _use_our_catalog() -> None:
    # Only an attribute set: the locale is looked up when a form actually needs a message.
    request.wtforms_translations = _CATALOG


def init_app(app) -> None:
    app.before_request(_use_our_catalog)


# Extraction markers only: `pybabel extract` sees `_` and `ngettext`; nothing calls these at run time.
def _(message):
    return message


def ngettext(singular, plural):
    return singular


WTFORMS_MESSAGES = (
    _("Invalid field name '%s'."),
    _("Field must be equal to %(other_name)s."),
    ngettext("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long."),
    ngettext("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters."),
    ngettext("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long."),
    _("Field must be between %(min)d and %(max)d characters long."),
    _("Number must be at least %(min)s."),
    _("Number must be at most %(max)s."),
    _("Number must be between %(min)s and %(max)s."),
    _("Date must be at least %(min)s."),
    _("Date must be at most %(max)s."),
    _("Date must be between %(min)s and %(max)s."),
    _("This field is required."),
    _("Invalid input."),
    _("Invalid email address."),
    _("Invalid IP address."),
    _("Invalid Mac address."),
    _("Invalid URL."),
    _("Invalid UUID."),
    _("Invalid value, must be one of: %(values)s."),
    _("Invalid value, can't be any of: %(values)s."),
    _("This field cannot be edited."),
    _("This field is disabled and cannot have a value."),
    _("Invalid CSRF Token."),
    _("CSRF token missing."),
    _("CSRF failed."),
    _("CSRF token expired."),
    _("Invalid Choice: could not coerce."),
    _("Choices cannot be None."),
    _("Not a valid choice."),
    _("Invalid choice(s): one or more data inputs could not be coerced."),
    ngettext("'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field."),
    _("Not a valid datetime value."),
    _("Not a valid date value."),
    _("Not a valid time value."),
    _("Not a valid week value."),
    _("Not a valid integer value."),
    _("Not a valid decimal value."),
    _("Not a valid float value."),
)
