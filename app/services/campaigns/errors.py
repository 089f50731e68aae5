"""Why a membership change was refused: named exceptions and the messages people see."""
from flask_babel import lazy_gettext as _l

from app.services.campaigns.campaigns import JOIN_REASON_MESSAGES
from app.services.common.errors import ServiceError

REFUSAL_MESSAGES = {
    **JOIN_REASON_MESSAGES,
    "already_member": _l("You are already in this campaign."),
    "already_applied": _l("You have already applied to this campaign; the merchant will decide soon."),
    "rejected": _l("Your application to this campaign was rejected, so you cannot apply again."),
    "removed": _l("The merchant removed you from this campaign, so you cannot join it again."),
    "not_member": _l("You are not in this campaign."),
    "already_decided": _l("This application has already been decided."),
    "not_approved": _l("Only approved affiliates can be removed."),
}


class MembershipError(ServiceError):
    """The membership cannot change that way."""

    reason = "error"

    def __init__(self, reason: str | None = None):
        if reason is not None:
            self.reason = reason
        super().__init__(f"{self.__class__.__doc__} ({self.reason})")

    @property
    def message(self) -> str:
        """The reason in the reader's language (needs a request, like every translated text)."""
        return refusal_message(self.reason) or str(self)


class AlreadyMember(MembershipError):
    """The affiliate already has a pending or approved membership here."""

    reason = "already_member"


class RejoinRefused(MembershipError):
    """The merchant rejected or removed this affiliate; they cannot join again by themselves."""


class CampaignNotJoinable(MembershipError):
    """The campaign is paused, ended, not started or full."""


class CampaignFull(CampaignNotJoinable):
    """The campaign already has its maximum number of approved affiliates."""

    reason = "full"


class NotMember(MembershipError):
    """There is no pending or approved membership to end."""

    reason = "not_member"


class AlreadyDecided(MembershipError):
    """The application is no longer pending."""

    reason = "already_decided"


class MembershipNotFound(MembershipError):
    """No campaign or membership with that id that this user may act on."""

    reason = "not_found"


class NotAnAffiliate(MembershipError):
    """Only affiliates join campaigns."""

    reason = "not_affiliate"


def refusal_message(reason: str | None) -> str:
    return str(REFUSAL_MESSAGES.get(reason, "")) if reason else ""
