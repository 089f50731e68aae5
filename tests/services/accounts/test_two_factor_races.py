"""One code, many requests at once: a TOTP code or a recovery code signs in once, an invitation makes one account."""
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models.users import User
from app.services.accounts import invitations, two_factor
from tests.concurrency import postgres_only, run_together
from tests.factories import PASSWORD, make_user
from tests.two_factor_helpers import code_at, turn_on

pytestmark = postgres_only("needs real concurrent sessions on Postgres (TEST_DATABASE_URL)")

ATTEMPTS = 6


def _second_factor(user_id, code):
    def attempt(i):
        return two_factor.check_second_factor(db.session.get(User, user_id), code, f"198.51.100.{i + 1}")
    return attempt


def test_a_totp_code_sent_many_times_at_once_signs_in_once(app):
    user = make_user()
    secret, _codes = turn_on(user)
    results = run_together(app, ATTEMPTS, _second_factor(user.id, code_at(secret)))
    assert sum(result is False for result in results) == 1
    assert all(isinstance(r, two_factor.InvalidCode) for r in results if r is not False)


def test_a_recovery_code_sent_many_times_at_once_signs_in_once(app):
    user = make_user()
    _secret, codes = turn_on(user)
    results = run_together(app, ATTEMPTS, _second_factor(user.id, codes[0]))
    assert sum(result is True for result in results) == 1
    assert two_factor.recovery_codes_left(db.session.get(User, user.id)) == 9


def test_an_invitation_accepted_many_times_at_once_makes_one_account(app, outbox):
    invitations.invite(make_user("admin"), "lan@example.com", "affiliate")
    token = re.search(r"/auth/join/(\S+)", outbox[-1]["body"]).group(1)
    results = run_together(app, ATTEMPTS, lambda i: invitations.accept(token, password=PASSWORD, name=f"Lan {i}"))
    assert sum(isinstance(result, User) for result in results) == 1
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "lan@example.com")) == 1
