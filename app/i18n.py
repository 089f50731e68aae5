"""Languages: a picker stored in the session (or on the user), else Accept-Language."""
from functools import lru_cache

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_login import current_user

from app import form_messages, formats, money


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # jobs and commands: messages in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def selected_locale() -> Locale:
    """The chosen language as one shared Babel `Locale` per language rather than a new one per request:
    the caches keyed by the language (days, labels, money shapes) then find it by identity, and its
    data is loaded once."""
    return _shared(select_locale())


@lru_cache(maxsize=16)
def _shared(code: str) -> Locale:
    return Locale.parse(code)


def init_app(app) -> None:
    app.jinja_env.filters["money"] = money.format_money
    app.jinja_env.filters["money_input"] = money.format_for_input
    app.jinja_env.add_extension("jinja2.ext.do")

    form_messages.init_app(app)

    from flask_babel import get_locale
    formats.init_app(app)  # date, datetime, month, number, rate and zone filters
    app.jinja_env.globals["get_locale"] = get_locale
