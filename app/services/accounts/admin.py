"""What an admin does with accounts: list and find them, create one of any role, disable or enable one."""
from dataclasses import dataclass, field

from loguru import logger
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.stripe_connect import StripeAccount
from app.models.users import ROLES, MerchantProfile, User, new_session_token
from app.services.accounts import accounts
from app.services.audit import trail
from app.services.audit.queries import events_about_user, last_four
from app.services.common.errors import ServiceError
from app.services.common.lists import Page, paginate
from app.services.common.sorting import Sort, Sorts
from app.services.payouts.details import mask

PER_PAGE = 25
STATUSES = ("active", "disabled")
# Names as the list shows them (a merchant's company first); accounts never signed in come last either way.
USER_SORTS = Sorts({"created": (User.created_at,),
                    "name": (func.lower(func.coalesce(func.nullif(MerchantProfile.company_name, ""), User.name)),),
                    "email": (User.email,), "role": (User.role,),
                    "last_sign_in": (User.last_login_at.is_(None).asc(), User.last_login_at),
                    "status": (User.is_disabled,)},
                   default="created", tie=User.id)


class UserNotFound(ServiceError):
    """No such user."""


class CannotDisableSelf(ServiceError):
    """You cannot disable your own account."""


@dataclass
class UserFilters:
    q: str | None = None  # part of the name or email
    role: str | None = None
    status: str | None = None  # "active" or "disabled"


def list_users(filters: UserFilters, page: int = 1, sort: Sort = Sort("created")) -> Page:
    """Accounts matching `filters`, newest first unless `sort` says otherwise."""
    query = select(User).outerjoin(MerchantProfile, MerchantProfile.user_id == User.id)
    if filters.q and filters.q.strip():
        term = filters.q.strip().lower()
        query = query.where(or_(func.lower(User.email).contains(term, autoescape=True),
                                func.lower(User.name).contains(term, autoescape=True)))
    if filters.role in ROLES:
        query = query.where(User.role == filters.role)
    if filters.status == "active":
        query = query.where(User.is_disabled.is_(False))
    elif filters.status == "disabled":
        query = query.where(User.is_disabled.is_(True))
    query = query.order_by(*USER_SORTS.order_by(sort))
    return paginate(query, page, PER_PAGE, (selectinload(User.merchant_profile),))


def create_user(admin_id: int, *, email: str, password: str, role: str, name: str,
                company_name: str | None = None, website: str | None = None, ip: str | None = None) -> User:
    """Create an account of any role with the sign-up rules; the audit row names the admin who did it.

    Raises accounts.EmailTaken / accounts.WeakPassword / ServiceError(field="role").
    """
    user = accounts.create_user(email, password, role, name,
                                company_name=company_name if role == "merchant" else None,
                                website=(website or None) if role != "admin" else None,
                                actor_id=admin_id, ip=ip)
    logger.info("account created by admin={} id={} role={}", admin_id, user.id, role)
    return user


def set_disabled(user_id: int, disabled: bool, *, actor_id: int | None, ip: str | None = None) -> User:
    """Disable or enable an account. Disabling signs the user out everywhere at once.

    The one door for both the admin's page and `flask user disable|enable` (no `actor_id`). Asking
    for the state the account already has changes nothing and writes no audit row.
    """
    if disabled and user_id == actor_id:
        raise CannotDisableSelf()
    user = db.session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise UserNotFound()
    if user.is_disabled == disabled:
        db.session.commit()  # ends the transaction that holds the row lock
        return user
    user.is_disabled = disabled
    if disabled:
        # A new token makes every session cookie issued so far unusable, even after re-enabling.
        user.session_token = new_session_token()
    trail.record("user.disabled" if disabled else "user.enabled", user, actor_id=actor_id, ip=ip,
                 before={"is_disabled": not disabled}, after={"is_disabled": disabled})
    db.session.commit()
    logger.info("user={} {} by admin={}", user.id, "disabled" if disabled else "enabled", actor_id)
    return user


@dataclass
class UserDetail:
    user: User
    profile: list[tuple[str, str]] = field(default_factory=list)  # (label key, shown value)
    payout: list[tuple[str, str]] = field(default_factory=list)
    events: list[AuditEvent] = field(default_factory=list)


def _masked_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return email
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def payout_details(profile) -> list[tuple[str, str]]:
    """An affiliate's payout details fit for a screen: numbers cut to their last four digits."""
    if profile is None:
        return []
    rows = [
        ("payout_method", profile.payout_method),
        ("bank_name", profile.bank_name),
        ("bank_code", profile.bank_code),
        ("bank_account", mask(profile.bank_account) if profile.bank_account else None),
        ("account_holder", profile.account_holder),
        ("momo_phone", mask(profile.momo_phone) if profile.momo_phone else None),
        ("paypal_email", _masked_email(profile.paypal_email)),
    ]
    stripe_account = db.session.get(StripeAccount, profile.user_id)
    if stripe_account is not None:
        rows.append(("stripe_account_id", last_four(stripe_account.account_id)))
    return [(key, value) for key, value in rows if value]


def user_detail(user_id: int) -> UserDetail:
    user = db.session.get(User, user_id)
    if user is None:
        raise UserNotFound()
    detail = UserDetail(user=user, events=events_about_user(user.id))
    if user.merchant_profile:
        detail.profile = [("company_name", user.merchant_profile.company_name),
                          ("website", user.merchant_profile.website)]
    if user.affiliate_profile:
        detail.profile = [("website", user.affiliate_profile.website or "")]
        detail.payout = payout_details(user.affiliate_profile)
    return detail
