"""Who may sign up by themselves: everyone, affiliates only, or nobody without an invitation.

The admin sets it in the app; until then a new install lets affiliates sign up and merchants only by
invitation, since a merchant account can create campaigns that pay out money.
"""
from loguru import logger

from app.extensions import db
from app.models.common import utcnow
from app.models.invitations import SIGN_UP_POLICIES, SiteSetting
from app.services.audit import trail
from app.services.common.errors import ServiceError

KEY = "sign_up_policy"
DEFAULT = "affiliates"


class UnknownPolicy(ServiceError):
    """That sign-up policy does not exist."""
    field = "policy"


def current() -> str:
    value = db.session.scalar(db.select(SiteSetting.value).where(SiteSetting.key == KEY))
    return value if value in SIGN_UP_POLICIES else DEFAULT


def open_roles(policy: str | None = None) -> tuple[str, ...]:
    """The roles a person may pick on the sign-up page without an invitation."""
    policy = policy or current()
    return {"open": ("affiliate", "merchant"), "affiliates": ("affiliate",)}.get(policy, ())


def set_policy(policy: str, admin_id: int, ip: str | None = None) -> None:
    if policy not in SIGN_UP_POLICIES:
        raise UnknownPolicy(f"Unknown sign-up policy {policy!r}.")
    setting = db.session.get(SiteSetting, KEY, with_for_update=True)
    before = setting.value if setting else DEFAULT
    if setting is None:
        setting = SiteSetting(key=KEY, value=policy)
        db.session.add(setting)
    setting.value, setting.updated_at, setting.updated_by_id = policy, utcnow(), admin_id
    trail.record("settings.sign_up_policy", actor_id=admin_id, ip=ip, object_type=SiteSetting.__tablename__,
                 object_id=KEY, before={"policy": before}, after={"policy": policy})
    db.session.commit()
    logger.info("sign-up policy {} -> {} by={}", before, policy, admin_id)

