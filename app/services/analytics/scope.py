"""Who sees which figures, and the filters people may narrow them with.

An admin sees every campaign; a merchant the campaigns they own; an affiliate their own links. A
filter naming something outside what the reader may see is refused with a message and left out, so
the figures shown are never another tenant's.
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app.extensions import db
from app.ids import is_id
from app.models.campaigns import Campaign, Membership
from app.models.tracking import Link
from app.models.users import User

SUB_ID_MAX = 100


@dataclass(frozen=True)
class Scope:
    role: str
    user_id: int
    # The merchant's campaigns (None: every campaign, or the affiliate's own rows).
    campaign_ids: tuple[int, ...] | None = None

    def conditions(self) -> dict:
        if self.role == "affiliate":
            return {"affiliate_id": self.user_id}
        if self.campaign_ids is not None:
            return {"campaign_id": list(self.campaign_ids)}
        return {}


@dataclass(frozen=True)
class Filters:
    # None: every currency (the figures are then grouped by currency by whoever reads them).
    currency: str | None
    campaign_id: int | None = None
    affiliate_id: int | None = None
    link_id: int | None = None
    sub_id: str | None = None
    # The link's campaign and affiliate, so the narrower indexes serve a link filter.
    link_owner: tuple[int, int] | None = field(default=None, compare=False)

    def conditions(self, scope: Scope) -> dict:
        conditions = scope.conditions()
        if self.currency is not None:
            conditions["currency"] = self.currency
        if self.campaign_id is not None:
            conditions["campaign_id"] = self.campaign_id
        if self.affiliate_id is not None:
            conditions["affiliate_id"] = self.affiliate_id
        if self.link_id is not None:
            conditions["link_id"] = self.link_id
            # Narrower conditions the link implies (a different explicit filter stays and finds nothing).
            campaign_id, affiliate_id = self.link_owner
            if self.campaign_id is None:
                conditions["campaign_id"] = campaign_id
            if self.affiliate_id is None:
                conditions["affiliate_id"] = affiliate_id
        if self.sub_id is not None:
            conditions["sub_id"] = self.sub_id
        return conditions

    @property
    def narrows_to_link(self) -> bool:
        return self.link_id is not None or self.sub_id is not None


def scope_for(user) -> Scope:
    if user.role == "merchant":
        ids = db.session.scalars(select(Campaign.id).where(Campaign.merchant_id == user.id).order_by(Campaign.id))
        return Scope("merchant", user.id, tuple(ids))
    return Scope(user.role, user.id)


def visible_campaigns(scope: Scope) -> list[Campaign]:
    """The campaigns the reader may filter by, by name."""
    query = select(Campaign).order_by(Campaign.name, Campaign.id)
    if scope.role == "merchant":
        query = query.where(Campaign.merchant_id == scope.user_id)
    elif scope.role == "affiliate":
        query = query.where(Campaign.id.in_(select(Membership.campaign_id).where(
            Membership.affiliate_id == scope.user_id)))
    return list(db.session.scalars(query))


def currencies(campaigns: list[Campaign], default: str) -> list[str]:
    """The currencies of these campaigns, the most used first (the default currency wins a tie)."""
    counts: dict[str, int] = {}
    for campaign in campaigns:
        counts[campaign.currency] = counts.get(campaign.currency, 0) + 1
    if not counts:
        return [default]
    return sorted(counts, key=lambda code: (-counts[code], code != default, code))


def _campaign_allowed(scope: Scope, campaign_id: int, campaigns: list[Campaign]) -> bool:
    return any(campaign.id == campaign_id for campaign in campaigns)


def find_affiliate(scope: Scope, text: str) -> User | None:
    """The affiliate with this email (or id) whom the reader may see figures of."""
    text = (text or "").strip()
    query = select(User).where(User.role == "affiliate")
    if text.isdigit():
        if not text.isascii() or not is_id(int(text)):
            return None
        query = query.where(User.id == int(text))
    else:
        query = query.where(func.lower(User.email) == text.lower())
    if scope.role == "merchant":
        query = query.where(User.id.in_(select(Membership.affiliate_id).where(
            Membership.campaign_id.in_(scope.campaign_ids or (-1,)))))
    elif scope.role == "affiliate":
        return None
    return db.session.scalar(query)


def find_link(scope: Scope, code: str) -> Link | None:
    """The tracking link with this code (or id) that the reader may see figures of."""
    code = (code or "").strip()
    if not code or len(code) > 32:
        return None
    by_id = code.isascii() and code.isdigit() and is_id(int(code))
    query = select(Link).where(or_(Link.code == code, Link.id == int(code)) if by_id else Link.code == code)
    if scope.role == "merchant":
        query = query.where(Link.campaign_id.in_(scope.campaign_ids or (-1,)))
    elif scope.role == "affiliate":
        query = query.where(Link.affiliate_id == scope.user_id)
    return db.session.scalar(query)


def suggest_affiliates(scope: Scope, text: str, limit: int = 20) -> list[User]:
    """Affiliates whose name or email contains `text`, for the search field."""
    text = (text or "").strip()
    if scope.role == "affiliate" or len(text) < 2:
        return []
    pattern = f"%{text.lower().replace('%', '').replace('_', '')}%"
    query = (select(User).where(User.role == "affiliate",
                                or_(func.lower(User.email).like(pattern), func.lower(User.name).like(pattern)))
             .order_by(User.name, User.id).limit(limit))
    if scope.role == "merchant":
        query = query.where(User.id.in_(select(Membership.affiliate_id).where(
            Membership.campaign_id.in_(scope.campaign_ids or (-1,)))))
    return list(db.session.scalars(query))


def check_filters(scope: Scope, values: dict, default_currency: str) -> tuple[Filters, list[Campaign], dict]:
    """Filters from what was asked (`values`: campaign, affiliate, link, sub_id, currency as typed).

    Returns (filters, the campaigns the reader may choose from, {field: message} for what was refused).
    """
    campaigns = visible_campaigns(scope)
    codes = currencies(campaigns, default_currency)
    errors, chosen = {}, {}
    currency = (values.get("currency") or "").upper() or codes[0]
    if currency not in codes:
        errors["currency"] = _l("None of the campaigns you can see uses this currency.")
        currency = codes[0]
    campaign_id = values.get("campaign")
    if campaign_id is not None:
        if _campaign_allowed(scope, campaign_id, campaigns):
            chosen["campaign_id"] = campaign_id
        else:
            errors["campaign"] = _l("This campaign is not among yours.")
    if values.get("affiliate") and scope.role != "affiliate":
        affiliate = find_affiliate(scope, values["affiliate"])
        if affiliate is None:
            errors["affiliate"] = _l("No affiliate with this email works on your campaigns.")
        else:
            chosen["affiliate_id"] = affiliate.id
    if values.get("link"):
        link = find_link(scope, values["link"])
        if link is None:
            errors["link"] = _l("No tracking link with this code is among yours.")
        else:
            chosen.update(link_id=link.id, link_owner=(link.campaign_id, link.affiliate_id))
    sub_id = (values.get("sub_id") or "").strip()
    if sub_id:
        if len(sub_id) > SUB_ID_MAX:
            errors["sub_id"] = _l("A sub-ID has at most %(max)d characters.", max=SUB_ID_MAX)
        else:
            chosen["sub_id"] = sub_id
    return Filters(currency=currency, **chosen), campaigns, errors
