"""Joining, leaving, reviewing and removing: rules, audit rows and emails."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Membership
from app.models.common import utcnow
from app.services.campaigns import errors, membership_queries, memberships
from app.services.campaigns.errors import (
    AlreadyDecided,
    AlreadyMember,
    CampaignFull,
    CampaignNotJoinable,
    MembershipNotFound,
    NotAnAffiliate,
    NotMember,
    RejoinRefused,
)
from tests.factories import make_campaign, make_membership, make_user


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def membership_count(campaign):
    return db.session.scalar(select(func.count()).select_from(Membership).where(Membership.campaign_id == campaign.id))


def test_joining_an_open_campaign_approves_at_once_and_tells_both_sides(app, outbox):
    merchant, affiliate = make_user("merchant"), make_user("affiliate")
    campaign = make_campaign(merchant, name="Summer sale")
    membership = memberships.join(campaign.id, affiliate.id, ip="10.0.0.1")
    assert membership.status == "approved" and membership.decided_at is not None
    [event] = events("membership.joined")
    assert (event.actor_id, event.before, event.after["status"], event.ip) == (affiliate.id, None, "approved",
                                                                                "10.0.0.1")
    assert event.object_id == str(membership.id)
    assert {m["to"] for m in outbox} == {affiliate.email, merchant.email}
    to_affiliate = next(m for m in outbox if m["to"] == affiliate.email)
    assert "You joined Summer sale" == to_affiliate["subject"]
    assert f"/campaigns/{campaign.id}/view" in to_affiliate["body"]
    to_merchant = next(m for m in outbox if m["to"] == merchant.email)
    assert affiliate.name in to_merchant["subject"] and affiliate.email in to_merchant["body"]


def test_applying_to_a_reviewed_campaign_waits_and_tells_the_merchant(app, outbox):
    merchant, affiliate = make_user("merchant"), make_user("affiliate")
    campaign = make_campaign(merchant, join_mode="review", name="Shoes")
    membership = memberships.join(campaign.id, affiliate.id)
    assert membership.status == "pending" and membership.decided_at is None
    assert membership_queries.approved_membership(campaign.id, affiliate.id) is None
    [event] = events("membership.applied")
    assert event.after["status"] == "pending"
    to_merchant = next(m for m in outbox if m["to"] == merchant.email)
    assert to_merchant["subject"] == "New application for Shoes"
    assert "/campaigns/applications" in to_merchant["body"]
    assert any(m["to"] == affiliate.email and "received" in m["subject"] for m in outbox)


@pytest.mark.parametrize(("values", "reason"), [
    ({"status": "paused"}, "paused"),
    ({"status": "ended"}, "ended"),
    ({"ends_on": (utcnow() - timedelta(days=1)).date()}, "ended"),
    ({"starts_on": (utcnow() + timedelta(days=2)).date()}, "not_started"),
])
@pytest.mark.parametrize("mode", ["open", "review"])
def test_a_closed_campaign_cannot_be_joined_and_says_why(app, outbox, values, reason, mode):
    campaign = make_campaign(join_mode=mode, **values)
    affiliate = make_user("affiliate")
    with pytest.raises(CampaignNotJoinable) as refused:
        memberships.join(campaign.id, affiliate.id)
    assert refused.value.reason == reason
    with app.test_request_context():
        assert refused.value.message == errors.refusal_message(reason) != ""
    assert membership_count(campaign) == 0 and outbox == [] and events("membership.joined") == []


@pytest.mark.parametrize("mode", ["open", "review"])
def test_a_full_campaign_cannot_be_joined(app, mode):
    campaign = make_campaign(join_mode=mode, max_affiliates=1)
    make_membership(campaign, status="approved")
    with pytest.raises(CampaignFull) as refused:
        memberships.join(campaign.id, make_user("affiliate").id)
    assert refused.value.reason == "full"
    assert membership_count(campaign) == 1


def test_pending_applications_do_not_fill_a_campaign(app):
    campaign = make_campaign(join_mode="review", max_affiliates=1)
    make_membership(campaign, status="pending")
    assert memberships.join(campaign.id, make_user("affiliate").id).status == "pending"


def test_joining_twice_is_refused(app):
    open_campaign, review_campaign = make_campaign(), make_campaign(join_mode="review")
    affiliate = make_user("affiliate")
    memberships.join(open_campaign.id, affiliate.id)
    memberships.join(review_campaign.id, affiliate.id)
    with pytest.raises(AlreadyMember) as approved:
        memberships.join(open_campaign.id, affiliate.id)
    with pytest.raises(AlreadyMember) as pending:
        memberships.join(review_campaign.id, affiliate.id)
    assert (approved.value.reason, pending.value.reason) == ("already_member", "already_applied")
    assert membership_count(open_campaign) == membership_count(review_campaign) == 1


def test_the_database_refuses_a_second_membership(app):
    campaign, affiliate = make_campaign(), make_user("affiliate")
    make_membership(campaign, affiliate)
    db.session.add(Membership(campaign_id=campaign.id, affiliate_id=affiliate.id, status="pending"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert membership_count(campaign) == 1


def test_a_duplicate_that_slips_past_the_check_becomes_already_member(app, monkeypatch):
    # As if another request had inserted the row between our look-up and our insert.
    campaign, affiliate = make_campaign(), make_user("affiliate")
    make_membership(campaign, affiliate)
    monkeypatch.setattr(memberships, "_lock_membership", lambda query: None)
    with pytest.raises(AlreadyMember):
        memberships.join(campaign.id, affiliate.id)
    assert membership_count(campaign) == 1
    assert events("membership.joined") == []
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 1  # session still usable


def test_only_affiliates_join_and_only_existing_campaigns(app):
    campaign = make_campaign()
    with pytest.raises(NotAnAffiliate):
        memberships.join(campaign.id, make_user("merchant").id)
    with pytest.raises(MembershipNotFound):
        memberships.join(campaign.id + 1000, make_user("affiliate").id)


def test_leaving_keeps_the_row_and_allows_joining_again(app, outbox):
    campaign, affiliate = make_campaign(name="Books"), make_user("affiliate")
    first = memberships.join(campaign.id, affiliate.id)
    outbox.clear()
    left = memberships.leave(campaign.id, affiliate.id, ip="10.0.0.2")
    assert (left.status, left.decided_by_id) == ("removed", affiliate.id)
    assert membership_queries.approved_membership(campaign.id, affiliate.id) is None
    [event] = events("membership.left")
    assert (event.before["status"], event.after["status"], event.actor_id, event.ip) == (
        "approved", "removed", affiliate.id, "10.0.0.2")
    assert [m["subject"] for m in outbox] == ["You left Books"]
    assert memberships.join_state(campaign, left)["can_join"]
    again = memberships.join(campaign.id, affiliate.id)
    assert again.id == first.id and again.status == "approved"
    assert events("membership.joined")[-1].before["status"] == "removed"
    assert membership_count(campaign) == 1


def test_withdrawing_a_pending_application(app, outbox):
    campaign, affiliate = make_campaign(join_mode="review"), make_user("affiliate")
    memberships.join(campaign.id, affiliate.id)
    outbox.clear()
    assert memberships.leave(campaign.id, affiliate.id).status == "removed"
    assert "withdrew" in outbox[0]["subject"]
    assert membership_queries.pending_for(campaign.merchant) == []


def test_leaving_without_a_membership_is_refused(app):
    campaign, affiliate = make_campaign(), make_user("affiliate")
    with pytest.raises(NotMember):
        memberships.leave(campaign.id, affiliate.id)
    memberships.join(campaign.id, affiliate.id)
    memberships.leave(campaign.id, affiliate.id)
    with pytest.raises(NotMember):
        memberships.leave(campaign.id, affiliate.id)


def test_someone_removed_or_rejected_by_the_merchant_cannot_rejoin(app):
    campaign = make_campaign()
    removed = make_membership(campaign, status="approved")
    memberships.remove(removed.id, campaign.merchant_id)
    rejected = make_membership(campaign, status="rejected", decided_by_id=campaign.merchant_id)
    for membership, reason in ((removed, "removed"), (rejected, "rejected")):
        with pytest.raises(RejoinRefused) as refused:
            memberships.join(campaign.id, membership.affiliate_id)
        assert refused.value.reason == reason
        state = memberships.join_state(campaign, db.session.get(Membership, membership.id))
        assert not state["can_join"] and state["reason"] == reason
    assert db.session.get(Membership, removed.id).status == "removed"


def test_approving_and_rejecting_with_a_note(app, outbox):
    merchant = make_user("merchant")
    campaign = make_campaign(merchant, join_mode="review", name="Tea")
    one, two = make_membership(campaign, status="pending"), make_membership(campaign, status="pending")
    approved = memberships.decide(one.id, True, merchant.id, note="  Welcome aboard ", ip="10.0.0.3")
    rejected = memberships.decide(two.id, False, merchant.id, note="Not a fit")
    assert (approved.status, approved.note, approved.decided_by_id) == ("approved", "Welcome aboard", merchant.id)
    assert (rejected.status, rejected.note) == ("rejected", "Not a fit")
    [yes], [no] = events("membership.approved"), events("membership.rejected")
    assert (yes.before["status"], yes.after["status"], yes.actor_id, yes.ip) == ("pending", "approved",
                                                                               merchant.id, "10.0.0.3")
    assert no.after == {"status": "rejected", "note": "Not a fit"}
    mail = {m["to"]: m for m in outbox}
    assert mail[one.affiliate.email]["subject"] == "Your application to Tea was approved"
    assert "Welcome aboard" in mail[one.affiliate.email]["body"]
    assert "Not a fit" in mail[two.affiliate.email]["body"]
    with pytest.raises(AlreadyDecided):
        memberships.decide(one.id, False, merchant.id)


def test_approval_never_goes_past_the_limit(app, outbox):
    merchant = make_user("merchant")
    campaign = make_campaign(merchant, join_mode="review", max_affiliates=1)
    make_membership(campaign, status="approved")
    waiting = make_membership(campaign, status="pending")
    with pytest.raises(CampaignFull):
        memberships.decide(waiting.id, True, merchant.id)
    assert db.session.get(Membership, waiting.id).status == "pending"
    assert events("membership.approved") == [] and outbox == []
    assert memberships.decide(waiting.id, False, merchant.id).status == "rejected"


def test_only_the_owner_or_an_admin_decides(app):
    campaign = make_campaign(join_mode="review")
    waiting = make_membership(campaign, status="pending")
    for outsider in (make_user("merchant"), make_user("affiliate"), waiting.affiliate):
        with pytest.raises(MembershipNotFound):
            memberships.decide(waiting.id, True, outsider.id)
        with pytest.raises(MembershipNotFound):
            memberships.remove(waiting.id, outsider.id)
    with pytest.raises(MembershipNotFound):
        memberships.decide(waiting.id + 1000, True, campaign.merchant_id)
    assert memberships.decide(waiting.id, True, make_user("admin").id).status == "approved"


def test_bulk_decisions_touch_only_the_actors_pending_applications(app, outbox):
    merchant, other = make_user("merchant"), make_user("merchant")
    mine = make_campaign(merchant, join_mode="review", max_affiliates=2)
    theirs = make_campaign(other, join_mode="review")
    a, b, c = (make_membership(mine, status="pending") for _ in range(3))
    decided = make_membership(mine, status="rejected")
    foreign = make_membership(theirs, status="pending")
    ids = [a.id, b.id, c.id, decided.id, foreign.id, 999_999]
    assert memberships.decide_many(ids, True, merchant, note="ok", ip="10.0.0.4") == 2
    statuses = [db.session.get(Membership, m.id).status for m in (a, b, c, decided, foreign)]
    assert statuses == ["approved", "approved", "pending", "rejected", "pending"]
    assert len(events("membership.approved")) == 2 and len(outbox) == 2
    assert memberships.decide_many([c.id, foreign.id], False, merchant) == 1
    assert db.session.get(Membership, foreign.id).status == "pending"
    assert memberships.decide_many([], True, merchant) == 0
    assert memberships.decide_many([foreign.id], True, make_user("affiliate")) == 0
    assert memberships.decide_many([foreign.id], True, make_user("admin")) == 1


def test_removing_an_approved_affiliate(app, outbox):
    merchant = make_user("merchant")
    campaign = make_campaign(merchant, name="Bags")
    member = make_membership(campaign, status="approved")
    removed = memberships.remove(member.id, merchant.id, note="Spam traffic", ip="10.0.0.5")
    assert (removed.status, removed.note, removed.decided_by_id) == ("removed", "Spam traffic", merchant.id)
    [event] = events("membership.removed")
    assert (event.before["status"], event.after["status"], event.ip) == ("approved", "removed", "10.0.0.5")
    assert outbox[0]["subject"] == "You were removed from Bags" and "Spam traffic" in outbox[0]["body"]
    with pytest.raises(NotMember):
        memberships.remove(member.id, merchant.id)


def test_review_lists_show_each_reviewer_their_own(app):
    merchant, other = make_user("merchant"), make_user("merchant")
    mine, theirs = make_campaign(merchant, join_mode="review"), make_campaign(other, join_mode="review")
    waiting = make_membership(mine, status="pending")
    make_membership(make_campaign(), waiting.affiliate, status="approved")
    make_membership(make_campaign(), waiting.affiliate, status="removed")
    foreign = make_membership(theirs, status="pending")
    assert membership_queries.pending_for(merchant) == [waiting]
    assert membership_queries.pending_for(merchant, theirs.id) == []
    assert membership_queries.pending_count(merchant) == 1
    assert {m.id for m in membership_queries.pending_for(make_user("admin"))} == {waiting.id, foreign.id}
    assert membership_queries.pending_for(make_user("affiliate")) == []
    assert membership_queries.approved_counts([waiting.affiliate_id]) == {waiting.affiliate_id: 1}
    assert [(c.id, n) for c, n in membership_queries.pending_by_campaign(merchant)] == [(mine.id, 1)]
    assert membership_queries.status_counts(mine.id) == {"pending": 1, "approved": 0, "rejected": 0, "removed": 0}
    assert membership_queries.members_of(mine.id, "pending") == [waiting]


def test_approved_membership_is_only_for_approved(app):
    campaign = make_campaign()
    for status in ("pending", "rejected", "removed"):
        m = make_membership(campaign, status=status)
        assert membership_queries.approved_membership(campaign.id, m.affiliate_id) is None
        assert membership_queries.membership_of(campaign.id, m.affiliate_id) == m
    member = make_membership(campaign, status="approved")
    assert membership_queries.approved_membership(campaign.id, member.affiliate_id) == member


def test_join_state_describes_the_buttons(app):
    campaign = make_campaign(join_mode="review")
    assert memberships.join_state(campaign, None) == {"status": None, "can_join": True, "can_leave": False,
                                                      "reason": None, "review": True}
    pending = make_membership(campaign, status="pending")
    assert memberships.join_state(campaign, pending)["can_leave"]
    paused = make_campaign(status="paused")
    state = memberships.join_state(paused, None)
    assert not state["can_join"] and state["reason"] == "paused"


def test_ids_beyond_the_column_range_are_simply_not_found(app):
    campaign = make_campaign(join_mode="review")
    waiting = make_membership(campaign, status="pending")
    huge = 10**20
    with pytest.raises(MembershipNotFound):
        memberships.join(huge, waiting.affiliate_id)
    with pytest.raises(MembershipNotFound):
        memberships.decide(huge, True, campaign.merchant_id)
    with pytest.raises(MembershipNotFound):
        memberships.remove(huge, campaign.merchant_id)
    assert memberships.decide_many([huge, waiting.id], True, campaign.merchant) == 1
