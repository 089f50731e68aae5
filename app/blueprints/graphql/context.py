"""Who is calling: the user behind an API key or a signed-in browser, and what they may do."""
from dataclasses import dataclass, field
from datetime import date

from flask import current_app

from app.blueprints.graphql.errors import ApiProblem, forbidden
from app.models.api_keys import ApiKey
from app.models.common import utcnow
from app.models.users import User
from app.services.analytics import sql


@dataclass
class Caller:
    user: User
    ip: str | None
    key: ApiKey | None = None
    # Uploaded files of a multipart request, by the name the request's map gives them.
    files: dict = field(default_factory=dict)

    @property
    def scopes(self) -> tuple[str, ...]:
        # A signed-in browser does everything its pages do.
        return tuple(self.key.scope_list) if self.key is not None else ("read", "write")

    @property
    def tz(self) -> str:
        return current_app.config["BABEL_DEFAULT_TIMEZONE"]

    @property
    def today(self) -> date:
        return sql.local_day_of(utcnow(), self.tz)

    def require(self, *roles: str, write: bool = False) -> User:
        """The user, if of one of `roles` (any when none are named) and, for a change, holding "write"."""
        if roles and self.user.role not in roles:
            raise forbidden()
        if write and "write" not in self.scopes:
            raise ApiProblem("INSUFFICIENT_SCOPE", "This API key may only read; make a key with the write scope.")
        return self.user
