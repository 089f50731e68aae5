"""The emails a person may turn off in their settings, per role, and the check every sender makes."""
from flask_babel import lazy_gettext as _l
from loguru import logger

from app.extensions import db
from app.models.users import User
from app.services.audit import trail

NEW_CONVERSION = "new_conversion"
CONVERSION_DECIDED = "conversion_decided"
PAYOUT_STATE = "payout_state"
APPLICATION_DECIDED = "application_decided"

# What each role may hear about, in the order the settings page lists it.
CHOICES = {
    "affiliate": [
        (NEW_CONVERSION, _l("A conversion is credited to one of my links")),
        (CONVERSION_DECIDED, _l("One of my conversions is approved, rejected or reversed")),
        (PAYOUT_STATE, _l("One of my payout requests is approved, rejected, paid, fails or is taken back")),
        (APPLICATION_DECIDED, _l("My application to a campaign is approved or not accepted")),
    ],
    "merchant": [
        (NEW_CONVERSION, _l("A conversion is recorded in one of my campaigns")),
    ],
    "admin": [
        (PAYOUT_STATE, _l("Stripe payout runs need attention, a transfer is reversed or an affiliate's "
                          "automatic payouts are paused")),
    ],
}


def choices_for(role: str) -> list[tuple[str, str]]:
    return CHOICES.get(role, [])


def wants(user: User, kind: str) -> bool:
    """Whether `user` still wants the emails of `kind` (a kind their role is not offered is never sent)."""
    return kind in dict(choices_for(user.role)) and getattr(user, f"notify_{kind}")


def save(user: User, chosen, ip: str | None = None) -> None:
    """Keep exactly the `chosen` kinds of the user's role on; commit."""
    chosen = set(chosen)
    before, after = {}, {}
    for kind, _label in choices_for(user.role):
        field = f"notify_{kind}"
        before[kind] = getattr(user, field)
        after[kind] = kind in chosen
        setattr(user, field, after[kind])
    if before != after:
        trail.record("user.notifications_changed", user, actor_id=user.id, ip=ip, before=before, after=after)
    db.session.commit()
    logger.info("notification choices saved user={}", user.id)
