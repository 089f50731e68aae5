"""Every email is written in its reader's saved language, whoever or whatever sends it."""
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from app.services.accounts.accounts import find_by_email
from app.services.campaigns import memberships
from tests.factories import PASSWORD, make_campaign, make_membership, make_user
from tests.language_helpers import vietnamese_app
from tests.routes.csrf import post_form


@pytest.fixture
def vi_app(app, tmp_path):
    # `app` first: it empties the database after the test, whatever this second app wrote.
    with vietnamese_app(app, tmp_path) as served, served.app_context():
        served.extensions["mail_outbox"] = []
        yield served


def in_vietnamese(text, **values):
    with force_locale("vi"):
        translated = _(text, **values)
    assert translated != text % values  # the catalog has it, so the test can tell the languages apart
    return translated


def test_an_email_to_a_vietnamese_speaking_user_is_in_vietnamese(vi_app):
    """She signed up on a Vietnamese browser and never touched the picker; an English merchant decides."""
    client = vi_app.test_client()
    post_form(client, "/auth/sign-up", {"role": "affiliate", "name": "Lan", "email": "lan@example.com",
                                        "password": PASSWORD, "confirm": PASSWORD},
              headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})
    lan = find_by_email("lan@example.com")
    merchant = make_user("merchant", locale="en")
    campaign = make_campaign(merchant, name="Tết Sale", join_mode="review")
    membership = make_membership(campaign, lan, status="pending")
    outbox = vi_app.extensions["mail_outbox"]

    with vi_app.test_request_context(headers={"Accept-Language": "en"}):  # the merchant's English request
        memberships.decide(membership.id, True, merchant.id)

    [message] = [m for m in outbox if m["to"] == "lan@example.com"]
    assert message["subject"] == in_vietnamese("Your application to %(campaign)s was approved", campaign="Tết Sale")
    assert in_vietnamese("Welcome to %(campaign)s!", campaign="Tết Sale") in message["body"]


def test_an_email_sent_by_a_job_uses_the_saved_language(vi_app):
    """No request at all (a worker): the reader's language still decides."""
    affiliate = make_user("affiliate", locale="vi")
    campaign = make_campaign(make_user("merchant", locale="en"), name="Hè", join_mode="review")
    membership = make_membership(campaign, affiliate, status="pending")
    memberships.decide(membership.id, False, campaign.merchant_id)
    [message] = [m for m in vi_app.extensions["mail_outbox"] if m["to"] == affiliate.email]
    assert message["subject"] == in_vietnamese("Your application to %(campaign)s was not accepted", campaign="Hè")


def test_the_password_reset_email_follows_the_account_not_the_browser(vi_app):
    make_user(email="lan@example.com", locale="vi")
    client = vi_app.test_client()
    post_form(client, "/auth/forgot", {"email": "lan@example.com"}, headers={"Accept-Language": "en"})
    [message] = vi_app.extensions["mail_outbox"]
    assert message["subject"] == in_vietnamese("Reset your password")


def test_an_account_without_a_language_reads_the_installs_default(app, tmp_path):
    with vietnamese_app(app, tmp_path, BABEL_DEFAULT_LOCALE="vi") as served, served.app_context():
        served.extensions["mail_outbox"] = []
        affiliate = make_user("affiliate")
        assert affiliate.locale is None
        campaign = make_campaign(make_user("merchant"), name="Hè", join_mode="review")
        memberships.decide(make_membership(campaign, affiliate, status="pending").id, True, campaign.merchant_id)
        [message] = [m for m in served.extensions["mail_outbox"] if m["to"] == affiliate.email]
        assert message["subject"] == in_vietnamese("Your application to %(campaign)s was approved", campaign="Hè")
