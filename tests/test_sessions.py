"""The session serializer is built once per secret key, and a changed key is honoured at once."""
from app.sessions import CachedSerializerSessionInterface


def test_serializer_is_reused_while_the_key_stays(app):
    interface = CachedSerializerSessionInterface()
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first


def test_a_new_secret_key_gets_a_new_serializer(app):
    interface = CachedSerializerSessionInterface()
    first = interface.get_signing_serializer(app)
    old = app.secret_key
    app.secret_key = "another-test-secret-key"
    try:
        second = interface.get_signing_serializer(app)
        assert second is not first
        assert first.loads(first.dumps({"a": 1})) == {"a": 1}
        token = first.dumps({"a": 1})
        try:
            second.loads(token)
        except Exception:  # a cookie signed with the old key is refused
            pass
        else:
            raise AssertionError("a cookie signed with the old key was accepted")
    finally:
        app.secret_key = old


def test_the_app_uses_it(app):
    assert isinstance(app.session_interface, CachedSerializerSessionInterface)
