"""A new person's next steps, role by role, each with its state read from what they have done.

The checklist shows until every step is done or the person closes it; closing is remembered in
`checklist_dismissals`. Every state is one indexed existence check or count, all asked in one
statement, so the dashboard's cost does not grow with the size of the tables.
"""
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from loguru import logger
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.invitations import Invitation
from app.models.tracking import Click, Link
from app.models.users import AffiliateProfile, ChecklistDismissal, User
from app.services.campaigns.membership_queries import pending_count_query
from app.services.conversions import tracking_tests

DONE, TODO, WAITING = "done", "todo", "waiting"


@dataclass
class Step:
    key: str
    title: object
    state: str
    # What we saw, in a sentence.
    detail: object
    endpoint: str
    action: object
    args: dict = field(default_factory=dict)
    # The action is a button sending a form (it does something) rather than a link.
    posts: bool = False


@dataclass
class Checklist:
    steps: list[Step]

    @property
    def finished(self) -> bool:
        return all(step.state == DONE for step in self.steps)

    @property
    def done_count(self) -> int:
        return sum(step.state == DONE for step in self.steps)

    @property
    def next_step(self) -> Step | None:
        return next((step for step in self.steps if step.state != DONE), None)


def _affiliate_facts(user: User) -> dict:
    statuses = select(Membership.id).where(Membership.affiliate_id == user.id)
    return {
        "payout_method": select(AffiliateProfile.payout_method).where(AffiliateProfile.user_id == user.id)
        .scalar_subquery(),
        "approved": exists(statuses.where(Membership.status == "approved")),
        "applied": exists(statuses.where(Membership.status == "pending")),
        "has_link": exists(select(Link.id).where(Link.affiliate_id == user.id)),
        "has_click": exists(select(Click.id).where(Click.affiliate_id == user.id)),
        "copied": exists(select(Link.id).where(Link.affiliate_id == user.id, Link.copied_at.is_not(None))),
    }


def _affiliate_steps(user: User, facts) -> list[Step]:
    has_details = bool(facts["payout_method"])
    if facts["approved"]:
        join_state, join_detail = DONE, _l("You are an affiliate of at least one campaign.")
    elif facts["applied"]:
        join_state, join_detail = WAITING, _l("Your application is waiting for the merchant's decision.")
    else:
        join_state, join_detail = TODO, _l("You have not joined a campaign yet.")
    # Done when the affiliate copies a link with its copy button, or at a link's first click (for those
    # who copy the address by hand).
    if facts["has_click"]:
        link_state, link_detail = DONE, _l("Your links are bringing visitors.")
    elif facts["copied"]:
        link_state, link_detail = DONE, _l("You copied your link. Share it where your audience is.")
    elif facts["has_link"]:
        link_state, link_detail = TODO, _l("You have a link: copy it with its Copy button and share it.")
    else:
        link_state, link_detail = TODO, _l("Join a campaign to get your first link.")
    return [
        Step("payout_details", _l("Add your payout details"), DONE if has_details else TODO,
             _l("We know where to send your money.") if has_details else _l("Needed before you can withdraw."),
             "payouts.details", _l("Payout details")),
        Step("join", _l("Join a campaign"), join_state, join_detail, "campaigns.directory", _l("Find campaigns")),
        Step("share_link", _l("Copy a link and share it"), link_state, link_detail, "links.index", _l("My links")),
    ]


def _merchant_facts(user: User) -> dict:
    campaign_ids = select(Campaign.id).where(Campaign.merchant_id == user.id)
    return {
        "has_campaign": exists(campaign_ids),
        "has_conversion": exists(select(Conversion.id).where(Conversion.campaign_id.in_(campaign_ids))),
        "tested": exists(tracking_tests.passed_query(user.id)),
        "waiting": pending_count_query(user).scalar_subquery(),
        "has_member": exists(select(Membership.id).where(
            Membership.campaign_id.in_(campaign_ids), Membership.status == "approved")),
    }


def _merchant_steps(user: User, facts) -> list[Step]:
    has_campaign = bool(facts["has_campaign"])
    has_conversion = has_campaign and bool(facts["has_conversion"])
    tested = has_campaign and not has_conversion and bool(facts["tested"])
    waiting = facts["waiting"] or 0
    has_member = has_campaign and bool(facts["has_member"])
    if waiting:
        review_state = TODO
        review_detail = ngettext("%(num)d application is waiting for you.",
                                 "%(num)d applications are waiting for you.", waiting)
    elif has_member:
        review_state, review_detail = DONE, _l("Affiliates are working on your campaigns.")
    else:
        review_state, review_detail = WAITING, _l("No application yet. Affiliates find your active campaigns in "
                                                  "their directory.")
    return [
        Step("campaign", _l("Create a campaign"), DONE if has_campaign else TODO,
             _l("You have a campaign.") if has_campaign else _l("Set what you pay affiliates for."),
             "campaigns.new" if not has_campaign else "campaigns.index",
             _l("New campaign") if not has_campaign else _l("Campaigns")),
        Step("tracking", _l("Install tracking"), DONE if has_conversion or tested else TODO,
             _l("Conversions from your shop are arriving.") if has_conversion
             else _l("Your shop reported a test conversion correctly.") if tested
             else _l("No conversion received yet. Add the script to your shop and send a test conversion."),
             "tracking.integration", _l("Send a test conversion"), args={"_anchor": "test-title"}),
        Step("applications", _l("Approve applications"), review_state, review_detail,
             "campaigns.applications", _l("Applications")),
    ]


def _admin_facts(user: User) -> dict:
    return {
        "has_merchant": exists(select(User.id).where(User.role == "merchant")),
        "invited": exists(select(Invitation.id).where(
            Invitation.role == "merchant", Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow())),
    }


def _admin_steps(user: User, facts) -> list[Step]:
    has_merchant = bool(facts["has_merchant"])
    invited = not has_merchant and bool(facts["invited"])
    mail_ready = bool(current_app.config.get("MAIL_SERVER"))
    if has_merchant:
        merchants_state, merchants_detail = DONE, _l("Merchants have accounts.")
    elif invited:
        merchants_state, merchants_detail = WAITING, _l("An invitation is waiting to be accepted.")
    else:
        merchants_state, merchants_detail = TODO, _l("No merchant has an account yet.")
    return [
        Step("merchants", _l("Invite merchants"), merchants_state, merchants_detail, "invitations.index",
             _l("Invitations")),
        Step("mail", _l("Check mail settings"), DONE if mail_ready else TODO,
             _l("Emails go out through %(server)s.", server=current_app.config["MAIL_SERVER"]) if mail_ready
             else _l("MAIL_SERVER is not set: emails are only written to the log, nobody receives them."),
             "dashboard.test_email", _l("Send me a test email"), posts=True),
    ]


# Per role: the questions asked of the database (answered together, in one statement), and the steps.
STEPS = {"affiliate": (_affiliate_facts, _affiliate_steps), "merchant": (_merchant_facts, _merchant_steps),
         "admin": (_admin_facts, _admin_steps)}


def _dismissed(user_id: int):
    return exists(select(ChecklistDismissal.user_id).where(ChecklistDismissal.user_id == user_id))


def is_dismissed(user_id: int) -> bool:
    return bool(db.session.scalar(select(_dismissed(user_id))))


def for_user(user: User) -> Checklist | None:
    """The user's checklist while it has steps left and they have not closed it; otherwise None."""
    if user.role not in STEPS:
        return None
    facts_of, steps_of = STEPS[user.role]
    questions = {"dismissed": _dismissed(user.id), **facts_of(user)}
    facts = db.session.execute(select(*(question.label(name) for name, question in questions.items()))).one()
    if facts.dismissed:
        return None
    checklist = Checklist(steps_of(user, facts._mapping))
    return None if checklist.finished else checklist


def dismiss(user_id: int) -> None:
    """Hide the checklist for good; closing it twice is the same as once."""
    db.session.add(ChecklistDismissal(user_id=user_id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return
    logger.info("checklist dismissed by user {}", user_id)
