"""`flask user ...` commands."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEvent
from app.services.accounts import accounts
from tests.factories import PASSWORD, make_user


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(args=list(args))
        db.session.expire_all()  # the command committed through its own session
        return result

    return invoke


@pytest.mark.parametrize("role", ["admin", "merchant", "affiliate"])
def test_create_user_of_each_role(run, role):
    result = run("user", "create", "--email", "New@Example.com", "--password", "long enough pw",
                 "--role", role, "--name", "Mai")
    assert result.exit_code == 0, result.output
    assert f"Created {role} new@example.com" in result.output
    user = accounts.find_by_email("new@example.com")
    assert (user.role, user.name) == (role, "Mai")
    assert accounts.authenticate("new@example.com", "long enough pw", "127.0.0.1") == user
    assert (user.merchant_profile is not None) == (role == "merchant")
    assert (user.affiliate_profile is not None) == (role == "affiliate")


def test_name_defaults_to_the_start_of_the_email(run):
    assert run("user", "create", "--email", "boss@example.com", "--password", "long enough pw",
               "--role", "admin").exit_code == 0
    assert accounts.find_by_email("boss@example.com").name == "boss"


def test_merchant_company_and_website(run):
    result = run("user", "create", "--email", "m@example.com", "--password", "long enough pw", "--role",
                 "merchant", "--company", "Shop Co", "--website", "https://shop.example")
    assert result.exit_code == 0, result.output
    profile = accounts.find_by_email("m@example.com").merchant_profile
    assert (profile.company_name, profile.website) == ("Shop Co", "https://shop.example")


def test_duplicate_email_is_an_error(run):
    make_user("admin", email="boss@example.com")
    result = run("user", "create", "--email", "BOSS@example.com", "--password", "long enough pw",
                 "--role", "admin")
    assert result.exit_code != 0
    assert "already exists" in result.output


@pytest.mark.parametrize("password", ["short", "x" * 129])
def test_password_out_of_range_is_an_error(run, password):
    result = run("user", "create", "--email", "a@example.com", "--password", password, "--role", "admin")
    assert result.exit_code != 0
    assert "8 to 128 characters" in result.output
    assert accounts.find_by_email("a@example.com") is None


def test_unknown_role_is_refused(run):
    result = run("user", "create", "--email", "a@example.com", "--password", "long enough pw",
                 "--role", "root")
    assert result.exit_code != 0
    assert accounts.find_by_email("a@example.com") is None


def test_missing_options_are_refused(run):
    assert run("user", "create", "--email", "a@example.com").exit_code != 0
    assert accounts.find_by_email("a@example.com") is None


def test_disable_and_enable(run):
    user = make_user("merchant", email="m@example.com")
    old_session = user.get_id()
    result = run("user", "disable", "M@example.com")
    assert result.exit_code == 0 and "Disabled m@example.com" in result.output
    assert user.is_disabled and user.get_id() != old_session
    with pytest.raises(accounts.InvalidCredentials):
        accounts.authenticate("m@example.com", PASSWORD, "127.0.0.1")

    result = run("user", "enable", "m@example.com")
    assert result.exit_code == 0 and not user.is_disabled
    assert accounts.authenticate("m@example.com", PASSWORD, "127.0.0.1") == user
    # The admin page's door: each change audited with what it was before and after.
    events = db.session.execute(select(AuditEvent.action, AuditEvent.before, AuditEvent.after)
                                .where(AuditEvent.object_id == str(user.id), AuditEvent.action.like("user.%abled"))
                                .order_by(AuditEvent.id)).all()
    assert [tuple(e) for e in events] == [("user.disabled", {"is_disabled": False}, {"is_disabled": True}),
                                          ("user.enabled", {"is_disabled": True}, {"is_disabled": False})]


def test_disable_unknown_email_is_an_error(run):
    result = run("user", "disable", "nobody@example.com")
    assert result.exit_code != 0
    assert "No user with email" in result.output
