"""Memberships: affiliates joining and leaving campaigns, merchants reviewing and removing them.

Whatever can approve someone first locks the campaign row (SELECT ... FOR UPDATE on Postgres), so
counting the approved members and adding one cannot interleave with another approval, and
`max_affiliates` holds even when two requests arrive at once.

Leaving keeps the row (status "removed", decided by the affiliate themself) so the history stays;
such an affiliate may join again and the same row is reused. Someone rejected or removed by the
merchant cannot re-join on their own.
"""
from loguru import logger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.ids import is_id
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.users import User
from app.services.audit import trail
from app.services.campaigns import landing_link, mail
from app.services.campaigns.campaigns import is_joinable
from app.services.campaigns.errors import (
    AlreadyDecided,
    AlreadyMember,
    CampaignFull,
    CampaignNotJoinable,
    MembershipError,
    MembershipNotFound,
    NotAnAffiliate,
    NotMember,
    RejoinRefused,
)
from app.services.campaigns.membership_queries import (
    approved_count,
    may_review,
    reviewable,
)
from app.services.webhooks import outbox


def _state(membership: Membership) -> dict:
    return {"status": membership.status, "note": membership.note}


def _lock_campaign(campaign_id: int) -> Campaign:
    if not is_id(campaign_id):
        raise MembershipNotFound()
    campaign = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update()
                                 .execution_options(populate_existing=True))
    if campaign is None:
        raise MembershipNotFound()
    return campaign


def _lock_membership(query) -> Membership | None:
    # populate_existing: an object already in the session must show the row as it is now.
    return db.session.scalar(query.with_for_update().execution_options(populate_existing=True))


def _has_room(campaign: Campaign) -> bool:
    return campaign.max_affiliates is None or approved_count(campaign.id) < campaign.max_affiliates


def left_by_self(membership: Membership | None) -> bool:
    return (membership is not None and membership.status == "removed"
            and membership.decided_by_id == membership.affiliate_id)


def _check_rejoin(membership: Membership) -> None:
    if membership.status == "approved":
        raise AlreadyMember()
    if membership.status == "pending":
        raise AlreadyMember("already_applied")
    if membership.status == "rejected":
        raise RejoinRefused("rejected")
    if not left_by_self(membership):
        raise RejoinRefused("removed")


def join(campaign_id: int, affiliate_id: int, ip: str | None = None) -> Membership:
    """Join an open campaign at once, or apply to one that reviews affiliates."""
    affiliate = db.session.get(User, affiliate_id)
    if affiliate is None or affiliate.role != "affiliate":
        raise NotAnAffiliate()
    try:
        campaign = _lock_campaign(campaign_id)
        membership = _lock_membership(select(Membership).where(
            Membership.campaign_id == campaign_id, Membership.affiliate_id == affiliate_id))
        before = None
        if membership is not None:
            _check_rejoin(membership)
            before = _state(membership)
        ok, reason = is_joinable(campaign, utcnow().date())
        if not ok:
            raise CampaignFull() if reason == "full" else CampaignNotJoinable(reason)
        if not _has_room(campaign):
            raise CampaignFull()
    except MembershipError:
        db.session.rollback()
        raise
    status = "approved" if campaign.join_mode == "open" else "pending"
    now = utcnow()
    if membership is None:
        membership = Membership(campaign_id=campaign_id, affiliate_id=affiliate_id)
        db.session.add(membership)
    membership.status, membership.note, membership.created_at = status, None, now
    membership.decided_at = now if status == "approved" else None
    membership.decided_by_id = None
    try:
        # The unique (campaign, affiliate) key is what really makes a second membership impossible.
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise AlreadyMember() from exc
    if status == "approved":
        landing_link.add_plain_link(campaign, affiliate_id)
    action = "membership.joined" if status == "approved" else "membership.applied"
    trail.record(action, membership, actor_id=affiliate_id, before=before, after=_state(membership), ip=ip)
    outbox.membership_event("membership.decided" if status == "approved" else "membership.requested", membership)
    db.session.commit()
    logger.info("{} campaign={} affiliate={}", action, campaign_id, affiliate_id)
    mail.joined(membership)
    return membership


def admit_invited(campaign_id: int, affiliate_id: int, inviter_id: int, ip: str | None = None) -> Membership | None:
    """Make a newly signed-up invited affiliate an approved member, as the inviter asked (no commit).

    Nothing happens when the campaign cannot take them now (ended, paused, full): they can still apply.
    """
    campaign = _lock_campaign(campaign_id)
    ok, _reason = is_joinable(campaign, utcnow().date())
    if not ok or not _has_room(campaign):
        logger.info("invited affiliate not admitted campaign={} affiliate={} reason={}", campaign_id, affiliate_id,
                    _reason or "full")
        return None
    now = utcnow()
    membership = Membership(campaign_id=campaign_id, affiliate_id=affiliate_id, status="approved", created_at=now,
                            decided_at=now, decided_by_id=inviter_id)
    db.session.add(membership)
    db.session.flush()
    landing_link.add_plain_link(campaign, affiliate_id)
    trail.record("membership.invited", membership, actor_id=inviter_id, after=_state(membership), ip=ip)
    return membership


def leave(campaign_id: int, affiliate_id: int, ip: str | None = None) -> Membership:
    """Leave a campaign, or withdraw a pending application. Existing links stop earning."""
    _lock_campaign(campaign_id)
    membership = _lock_membership(select(Membership).where(
        Membership.campaign_id == campaign_id, Membership.affiliate_id == affiliate_id))
    if membership is None or membership.status not in ("pending", "approved"):
        db.session.rollback()
        raise NotMember()
    before = _state(membership)
    membership.status, membership.note = "removed", None
    membership.decided_at, membership.decided_by_id = utcnow(), affiliate_id
    trail.record("membership.left", membership, actor_id=affiliate_id, before=before,
                 after=_state(membership), ip=ip)
    db.session.commit()
    logger.info("membership.left campaign={} affiliate={}", campaign_id, affiliate_id)
    mail.left(membership, was_pending=before["status"] == "pending")
    return membership


def _locked_for_reviewer(membership_id: int, actor: User | None) -> tuple[Campaign, Membership]:
    membership = db.session.get(Membership, membership_id) if is_id(membership_id) else None
    if membership is None or actor is None or not may_review(actor, membership.campaign):
        raise MembershipNotFound()
    campaign = _lock_campaign(membership.campaign_id)
    return campaign, _lock_membership(select(Membership).where(Membership.id == membership_id))


def _decide_locked(campaign: Campaign, membership: Membership, approve: bool, actor_id: int,
                   note: str | None, ip: str | None) -> None:
    if membership.status != "pending":
        raise AlreadyDecided()
    if approve and not _has_room(campaign):
        raise CampaignFull()
    before = _state(membership)
    membership.status = "approved" if approve else "rejected"
    membership.note = (note or "").strip() or None
    membership.decided_at, membership.decided_by_id = utcnow(), actor_id
    action = "membership.approved" if approve else "membership.rejected"
    trail.record(action, membership, actor_id=actor_id, before=before, after=_state(membership), ip=ip)
    if approve:
        landing_link.add_plain_link(campaign, membership.affiliate_id)
    outbox.membership_event("membership.decided", membership)
    # Flushed now so the next count of approved members in this transaction includes it.
    db.session.flush()


def decide(membership_id: int, approve: bool, actor_id: int, note: str | None = None,
           ip: str | None = None) -> Membership:
    """Approve or reject one pending application; approval never goes past `max_affiliates`."""
    try:
        campaign, membership = _locked_for_reviewer(membership_id, db.session.get(User, actor_id))
        _decide_locked(campaign, membership, approve, actor_id, note, ip)
    except MembershipError:
        db.session.rollback()
        raise
    db.session.commit()
    logger.info("membership {} id={} by={}", membership.status, membership_id, actor_id)
    mail.decided(membership)
    return membership


def decide_many(membership_ids, approve: bool, actor: User, note: str | None = None,
                ip: str | None = None) -> int:
    """Decide the actor's pending applications among `membership_ids`; returns how many changed.

    Ids of other merchants' applications, decided ones, and approvals beyond a campaign's limit
    are skipped.
    """
    ids = sorted({int(i) for i in membership_ids if is_id(int(i))})
    if not ids:
        return 0
    rows = db.session.execute(
        reviewable(select(Membership.id, Membership.campaign_id), actor)
        .where(Membership.id.in_(ids), Membership.status == "pending").order_by(Membership.id)
    ).all()
    # Campaigns are always locked in id order, so two bulk decisions cannot deadlock.
    campaigns = {c.id: c for c in db.session.scalars(
        select(Campaign).where(Campaign.id.in_({cid for _, cid in rows})).order_by(Campaign.id)
        .with_for_update().execution_options(populate_existing=True))}
    changed = []
    for membership_id, campaign_id in rows:
        membership = _lock_membership(select(Membership).where(Membership.id == membership_id))
        try:
            _decide_locked(campaigns[campaign_id], membership, approve, actor.id, note, ip)
        except (AlreadyDecided, CampaignFull):
            continue
        changed.append(membership)
    db.session.commit()
    logger.info("memberships decided approve={} count={} by={}", approve, len(changed), actor.id)
    for membership in changed:
        mail.decided(membership)
    return len(changed)


def remove(membership_id: int, actor_id: int, note: str | None = None, ip: str | None = None) -> Membership:
    """Take an approved affiliate out of a campaign; their links stop earning."""
    try:
        _, membership = _locked_for_reviewer(membership_id, db.session.get(User, actor_id))
        if membership.status != "approved":
            raise NotMember("not_approved")
    except MembershipError:
        db.session.rollback()
        raise
    before = _state(membership)
    membership.status, membership.note = "removed", (note or "").strip() or None
    membership.decided_at, membership.decided_by_id = utcnow(), actor_id
    trail.record("membership.removed", membership, actor_id=actor_id, before=before,
                 after=_state(membership), ip=ip)
    db.session.commit()
    logger.info("membership.removed id={} by={}", membership_id, actor_id)
    mail.removed(membership)
    return membership


def join_state(campaign: Campaign, membership: Membership | None) -> dict:
    """What the current affiliate may do on a campaign: for the join/leave buttons."""
    if membership is None or left_by_self(membership):
        ok, reason = is_joinable(campaign, utcnow().date())
        return {"status": "left" if membership else None, "can_join": ok, "can_leave": False,
                "reason": reason, "review": campaign.join_mode == "review"}
    active = membership.status in ("pending", "approved")
    return {"status": membership.status, "can_join": False, "can_leave": active,
            "reason": None if active else membership.status, "review": campaign.join_mode == "review"}
