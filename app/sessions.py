"""Flask's signed-cookie session, with its signing serializer built once instead of on every request.

Flask builds the serializer (key derivation included) twice per request; the click redirect answers
thousands of requests a second, so this is worth a few lines.
"""
from flask.sessions import SecureCookieSessionInterface


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._cache: tuple | None = None

    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, super().get_signing_serializer(app))
        return self._cache[1]
