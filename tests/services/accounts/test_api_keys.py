import hashlib
from datetime import timedelta

import pytest

from app.extensions import db
from app.models.api_keys import ApiKey
from app.models.common import utcnow
from app.services.accounts import api_keys
from app.services.common.errors import ServiceError
from tests import factories
from tests.conversion_helpers import audit_actions


def test_key_is_shown_once_and_stored_as_a_hash(app):
    merchant = factories.make_user("merchant")
    key, raw = api_keys.create_key(merchant.id, "  Main shop  ")
    assert raw.startswith("ak_live_") and len(raw) >= 8 + 43
    assert key.label == "Main shop" and key.prefix == raw[:12]
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = db.session.scalar(db.select(ApiKey))
    assert raw not in (stored.key_hash, stored.prefix, stored.label)
    assert audit_actions("api_keys") == ["api_key.created"]


def test_keys_are_different_each_time(app):
    merchant = factories.make_user("merchant")
    raws = {api_keys.create_key(merchant.id, f"k{i}")[1] for i in range(5)}
    assert len(raws) == 5


@pytest.mark.parametrize("label", ["", "   ", "x" * 81])
def test_label_is_required_and_short(app, label):
    merchant = factories.make_user("merchant")
    with pytest.raises(api_keys.InvalidLabel):
        api_keys.create_key(merchant.id, label)


@pytest.mark.parametrize("role", ["affiliate", "admin", "merchant"])
def test_every_role_gets_keys_with_scopes(app, role):
    user = factories.make_user(role)
    read_only, raw = api_keys.create_key(user.id, "sheet", ["read"])
    writer, _raw = api_keys.create_key(user.id, "script", ["write"])
    assert read_only.scope_list == ["read"] and not read_only.allows("write")
    assert writer.scope_list == ["read", "write"] and writer.allows("write")
    assert api_keys.authenticate(raw).user_id == user.id


@pytest.mark.parametrize("scopes", [[], ["admin"], ["read", "delete"], None])
def test_scopes_must_be_read_or_write(app, scopes):
    user = factories.make_user("affiliate")
    with pytest.raises(api_keys.InvalidScopes):
        api_keys.create_key(user.id, "sheet", scopes)


def test_a_disabled_account_makes_no_keys(app):
    user = factories.make_user("affiliate")
    user.is_disabled = True
    db.session.commit()
    with pytest.raises(ServiceError):
        api_keys.create_key(user.id, "nope")


def test_authenticate(app):
    merchant = factories.make_user("merchant")
    key, raw = api_keys.create_key(merchant.id, "shop")
    assert api_keys.authenticate(raw).id == key.id
    for wrong in (None, "", raw[:-1], raw + "x", raw.replace("ak_live_", "ak_test_"), "ak_live_" + "a" * 300):
        assert api_keys.authenticate(wrong) is None


def test_revoked_key_fails_at_once(app):
    merchant = factories.make_user("merchant")
    key, raw = api_keys.create_key(merchant.id, "shop")
    api_keys.revoke(key.id, merchant.id)
    api_keys.revoke(key.id, merchant.id)
    assert api_keys.authenticate(raw) is None
    assert audit_actions("api_keys") == ["api_key.created", "api_key.revoked"]


def test_a_merchant_cannot_revoke_anothers_key(app):
    owner, other = factories.make_user("merchant"), factories.make_user("merchant")
    key, raw = api_keys.create_key(owner.id, "shop")
    with pytest.raises(api_keys.KeyNotFound):
        api_keys.revoke(key.id, other.id)
    assert api_keys.authenticate(raw) is not None


def test_disabled_merchant_key_fails(app):
    merchant = factories.make_user("merchant")
    _key, raw = api_keys.create_key(merchant.id, "shop")
    merchant.is_disabled = True
    db.session.commit()
    assert api_keys.authenticate(raw) is None


def test_last_used_is_written_at_most_once_a_minute(app):
    merchant = factories.make_user("merchant")
    key, raw = api_keys.create_key(merchant.id, "shop")
    assert key.last_used_at is None
    api_keys.authenticate(raw)
    first = db.session.get(ApiKey, key.id).last_used_at
    assert first is not None
    api_keys.authenticate(raw)
    assert db.session.get(ApiKey, key.id).last_used_at == first
    key.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    api_keys.authenticate(raw)
    assert db.session.get(ApiKey, key.id).last_used_at > first - timedelta(seconds=1)
    assert db.session.get(ApiKey, key.id).last_used_at > utcnow() - timedelta(minutes=1)


def test_list_keys_shows_live_keys_first(app):
    merchant = factories.make_user("merchant")
    old, _ = api_keys.create_key(merchant.id, "old")
    new, _ = api_keys.create_key(merchant.id, "new")
    api_keys.revoke(new.id, merchant.id)
    factories.make_user("merchant")
    assert [k.label for k in api_keys.list_keys(merchant.id)] == ["old", "new"]
