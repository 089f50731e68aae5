"""An admin's use cases on accounts: listing, creating, disabling and enabling, the detail view."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.common import utcnow
from app.models.users import User
from app.services.accounts import accounts
from app.services.accounts import admin as users_admin
from app.services.accounts.admin import CannotDisableSelf, UserFilters, UserNotFound
from app.services.audit import trail
from app.services.common.errors import ServiceError
from tests.factories import make_user


def audit_rows(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def user_count():
    return db.session.scalar(select(func.count()).select_from(User))


# Listing


def test_search_matches_name_or_email_case_insensitively(app):
    lan = make_user("affiliate", name="Nguyen Thi Lan", email="lan@blog.example")
    minh = make_user("merchant", name="Tran Minh", email="sales@shop.example")
    make_user("affiliate", name="Someone Else")
    assert [u.id for u in users_admin.list_users(UserFilters(q="LAN")).items] == [lan.id]
    assert [u.id for u in users_admin.list_users(UserFilters(q="shop.example")).items] == [minh.id]
    assert users_admin.list_users(UserFilters(q="_")).total == 0  # a wildcard is searched for literally


def test_role_and_status_filters(app):
    admin = make_user("admin")
    merchant = make_user("merchant")
    gone = make_user("affiliate")
    users_admin.set_disabled(gone.id, True, actor_id=admin.id)
    assert [u.id for u in users_admin.list_users(UserFilters(role="merchant")).items] == [merchant.id]
    assert [u.id for u in users_admin.list_users(UserFilters(status="disabled")).items] == [gone.id]
    assert {u.id for u in users_admin.list_users(UserFilters(status="active")).items} == {admin.id, merchant.id}
    assert users_admin.list_users(UserFilters(role="nobody")).total == 3  # an unknown role filters nothing


def test_newest_first_in_pages_of_25(app):
    now = utcnow()
    for n in range(30):
        make_user("affiliate").created_at = now - timedelta(hours=n)
    db.session.commit()
    first = users_admin.list_users(UserFilters())
    assert (first.total, first.pages, len(first.items)) == (30, 2, 25)
    assert first.items[0].created_at >= first.items[1].created_at
    assert len(users_admin.list_users(UserFilters(), page=2).items) == 5


# Creating


def test_admin_creates_a_merchant_with_a_profile_and_is_the_audited_actor(app):
    admin = make_user("admin")
    user = users_admin.create_user(admin.id, email=" New@Shop.Example ", password="long enough pw", role="merchant",
                                   name="Ha", company_name="Ha Shop", website="https://ha.example", ip="10.1.1.1")
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.email == "new@shop.example" and user.role == "merchant"
    assert user.merchant_profile.company_name == "Ha Shop" and user.merchant_profile.website == "https://ha.example"
    assert accounts.authenticate("new@shop.example", "long enough pw", "10.1.1.2").id == user.id
    (row,) = [r for r in audit_rows("user.created") if r.object_id == str(user.id)]
    assert row.actor_id == admin.id and row.ip == "10.1.1.1"
    assert row.after == {"email": "new@shop.example", "role": "merchant"}


def test_admin_accounts_get_no_profile(app):
    admin = make_user("admin")
    user = users_admin.create_user(admin.id, email="ops2@example.com", password="long enough pw", role="admin",
                                   name="Ops", company_name="ignored", website="https://ignored.example")
    assert user.merchant_profile is None and user.affiliate_profile is None


def test_a_taken_email_or_weak_password_saves_nothing(app):
    admin = make_user("admin")
    make_user("affiliate", email="taken@example.com")
    before = user_count()
    with pytest.raises(accounts.EmailTaken):
        users_admin.create_user(admin.id, email="TAKEN@example.com", password="long enough pw", role="affiliate",
                                name="X")
    with pytest.raises(accounts.WeakPassword):
        users_admin.create_user(admin.id, email="new@example.com", password="short", role="affiliate", name="X")
    with pytest.raises(ServiceError) as error:
        users_admin.create_user(admin.id, email="new@example.com", password="long enough pw", role="owner", name="X")
    assert error.value.field == "role"
    db.session.rollback()
    assert user_count() == before


# Disabling and enabling


def test_disabling_rotates_the_session_token_and_audits_the_admin(app):
    admin, target = make_user("admin"), make_user("affiliate")
    old_token = target.session_token
    users_admin.set_disabled(target.id, True, actor_id=admin.id, ip="10.2.2.2")
    db.session.expire_all()
    target = db.session.get(User, target.id)
    assert target.is_disabled and target.session_token != old_token
    (row,) = audit_rows("user.disabled")
    assert (row.actor_id, row.ip, row.object_type, row.object_id) == (admin.id, "10.2.2.2", "users", str(target.id))
    assert (row.before, row.after) == ({"is_disabled": False}, {"is_disabled": True})
    with pytest.raises(accounts.InvalidCredentials):
        accounts.authenticate(target.email, "correct horse battery", "10.2.2.3")


def test_enabling_lets_the_user_sign_in_again(app):
    admin, target = make_user("admin"), make_user("affiliate")
    users_admin.set_disabled(target.id, True, actor_id=admin.id)
    users_admin.set_disabled(target.id, False, actor_id=admin.id, ip="10.3.3.3")
    assert not db.session.get(User, target.id).is_disabled
    (row,) = audit_rows("user.enabled")
    assert row.actor_id == admin.id and row.after == {"is_disabled": False}
    assert accounts.authenticate(target.email, "correct horse battery", "10.3.3.4").id == target.id


def test_an_admin_cannot_disable_themselves(app):
    admin = make_user("admin")
    with pytest.raises(CannotDisableSelf):
        users_admin.set_disabled(admin.id, True, actor_id=admin.id)
    assert not db.session.get(User, admin.id).is_disabled
    assert audit_rows("user.disabled") == []


def test_asking_for_the_current_state_writes_nothing(app):
    admin, target = make_user("admin"), make_user("affiliate")
    token = target.session_token
    users_admin.set_disabled(target.id, False, actor_id=admin.id)
    assert audit_rows("user.enabled") == [] and db.session.get(User, target.id).session_token == token


def test_unknown_user(app):
    admin = make_user("admin")
    with pytest.raises(UserNotFound):
        users_admin.set_disabled(admin.id + 100, True, actor_id=admin.id)
    with pytest.raises(UserNotFound):
        users_admin.user_detail(admin.id + 100)


# The detail view


def test_affiliate_payout_details_are_masked(app):
    affiliate = make_user("affiliate", website="https://blog.example")
    profile = affiliate.affiliate_profile
    profile.payout_method, profile.bank_name, profile.bank_account = "bank_transfer", "Vietcombank", "0071000123456"
    profile.account_holder, profile.momo_phone, profile.paypal_email = "NGUYEN THI LAN", "0912345678", "lan@pay.example"
    db.session.commit()
    detail = users_admin.user_detail(affiliate.id)
    payout = dict(detail.payout)
    assert payout["bank_account"].startswith("••••") and payout["bank_account"].endswith("3456")
    assert payout["momo_phone"].startswith("••••") and payout["momo_phone"].endswith("5678")
    assert "0071000" not in payout["bank_account"] and "091234" not in payout["momo_phone"]
    assert payout["paypal_email"] == "l•••@pay.example" and payout["account_holder"] == "NGUYEN THI LAN"
    assert payout["payout_method"] == "bank_transfer" and "stripe_account_id" not in payout
    assert "0071000123456" not in repr(detail.payout)
    assert detail.profile == [("website", "https://blog.example")]
    assert [e.action for e in detail.events] == ["user.created"]


def test_events_on_the_users_profile_count_as_theirs(app):
    affiliate, admin = make_user("affiliate"), make_user("admin")
    trail.record("payout_details.changed", affiliate.affiliate_profile, actor_id=admin.id, object_id=affiliate.id,
                 after={"method": "momo"})
    db.session.commit()
    assert [e.action for e in users_admin.user_detail(affiliate.id).events][0] == "payout_details.changed"


def test_merchant_profile_in_the_detail(app):
    merchant = make_user("merchant", company_name="Ha Shop", website="https://ha.example")
    detail = users_admin.user_detail(merchant.id)
    assert detail.profile == [("company_name", "Ha Shop"), ("website", "https://ha.example")]
    assert detail.payout == []
