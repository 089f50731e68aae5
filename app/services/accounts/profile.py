"""What a person keeps about themselves: their name and their language."""
from flask import current_app
from loguru import logger

from app.extensions import db
from app.models.users import User
from app.services.audit import trail
from app.services.common.errors import ServiceError


class UnknownLanguage(ServiceError):
    """That language is not offered."""
    field = "locale"


def set_language(user: User, locale: str) -> None:
    """Save the language `user` reads (pages and emails) and commit; a language not offered is refused."""
    if locale not in current_app.config["LANGUAGES"]:
        raise UnknownLanguage(f"Unknown language {locale!r}.")
    if user.locale == locale:
        return
    user.locale = locale
    db.session.commit()
    logger.info("language saved user={} locale={}", user.id, locale)


def adopt_language(user: User, *, chosen: str | None, negotiated: str) -> None:
    """On sign-in: the language picked on this browser becomes the account's; an account that never saved
    one takes the language its browser was given, so its emails are written in it from now on."""
    languages = current_app.config["LANGUAGES"]
    if chosen in languages:
        set_language(user, chosen)
    elif user.locale not in languages and negotiated in languages:
        set_language(user, negotiated)



def rename(user: User, name: str, ip: str | None = None) -> None:
    """Change the name others see (a merchant's company name is kept on its profile); commit."""
    name = (name or "").strip()
    if not name:
        raise ServiceError("A name is needed.", field="name")
    if name != user.name:
        trail.record("user.renamed", user, actor_id=user.id, ip=ip, before={"name": user.name}, after={"name": name})
        user.name = name
    db.session.commit()
    logger.info("name saved user={}", user.id)
