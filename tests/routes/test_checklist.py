"""The first-run checklist of each role: its steps follow what the person did, and it can be closed."""
import re

from app.extensions import db
from app.models.tracking import Link
from app.services.accounts import invitations
from app.services.campaigns import links
from app.services.onboarding import checklist
from app.services.payouts import details
from tests.factories import make_campaign, make_click, make_link, make_membership, make_user
from tests.routes.csrf import post_form

HX = {"HX-Request": "true"}


def states(user):
    found = checklist.for_user(user)
    return None if found is None else {step.key: step.state for step in found.steps}


def test_an_affiliate_goes_from_details_to_a_shared_link(app):
    affiliate = make_user("affiliate")
    assert states(affiliate) == {"payout_details": "todo", "join": "todo", "share_link": "todo"}
    details.update(affiliate.id, "momo", {"momo_phone": "0912345678"})
    campaign = make_campaign(join_mode="review")
    membership = make_membership(campaign, affiliate, status="pending")
    assert states(affiliate) == {"payout_details": "done", "join": "waiting", "share_link": "todo"}
    membership.status = "approved"
    link = make_link(campaign, affiliate)
    assert states(affiliate)["share_link"] == "todo" and states(affiliate)["join"] == "done"
    make_click(link)
    assert states(affiliate) is None  # every step done: the checklist is gone


def test_copying_a_link_with_its_button_finishes_the_last_step(app):
    affiliate = make_user("affiliate")
    campaign = make_campaign()
    make_membership(campaign, affiliate, status="approved")
    link = make_link(campaign, affiliate)
    assert states(affiliate)["share_link"] == "todo"
    assert links.mark_copied(link) is True
    found = checklist.for_user(affiliate)
    assert {s.key: s.state for s in found.steps} == {"payout_details": "todo", "join": "done", "share_link": "done"}
    assert "You copied your link" in str(found.steps[2].detail)
    first = db.session.get(Link, link.id).copied_at
    assert links.mark_copied(link) is False and db.session.get(Link, link.id).copied_at == first


def test_a_merchant_checklist_follows_campaigns_tracking_and_applications(app):
    merchant = make_user("merchant")
    assert states(merchant) == {"campaign": "todo", "tracking": "todo", "applications": "waiting"}
    campaign = make_campaign(merchant, join_mode="review")
    make_membership(campaign, status="pending")
    found = checklist.for_user(merchant)
    assert {s.key: s.state for s in found.steps} == {"campaign": "done", "tracking": "todo", "applications": "todo"}
    assert "1 application is waiting" in str(found.steps[2].detail)
    assert found.next_step.key == "tracking"


def test_an_admin_checklist_knows_merchants_and_mail(app):
    admin = make_user("admin")
    app.config["MAIL_SERVER"] = ""
    assert states(admin) == {"merchants": "todo", "mail": "todo"}
    invitations.invite(admin, "shop@example.com", "merchant")
    assert states(admin) == {"merchants": "waiting", "mail": "todo"}
    make_user("merchant")
    app.config["MAIL_SERVER"] = "smtp.example.com"
    try:
        assert states(admin) is None
    finally:
        app.config["MAIL_SERVER"] = ""


def test_the_dashboard_shows_the_checklist_with_the_next_step_as_primary_action(client, login_as):
    login_as("affiliate")
    html = client.get("/home/affiliate").get_data(as_text=True)
    assert 'id="checklist"' in html and "0 of 3 done" in html
    primary = re.findall(r'<a class="button step-action primary" href="([^"]+)"', html)
    assert primary == ["/payouts/details"]


def test_hiding_the_checklist_is_remembered(client, login_as):
    user = login_as("merchant")
    response = post_form(client, "/checklist/dismiss", headers=HX, token_url="/home/merchant")
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    assert checklist.is_dismissed(user.id)
    assert 'id="checklist"' not in client.get("/home/merchant").get_data(as_text=True)
    # Twice is the same as once; without htmx it goes back to the dashboard.
    response = post_form(client, "/checklist/dismiss", token_url="/home/merchant")
    assert response.status_code == 302


def test_the_admin_sends_a_test_email(client, login_as, outbox):
    admin = login_as("admin")
    response = post_form(client, "/checklist/test-email", token_url="/home/admin")
    assert response.status_code == 302
    assert [m["to"] for m in outbox] == [admin.email]


def test_only_admins_send_test_emails(client, login_as):
    login_as("merchant")
    assert post_form(client, "/checklist/test-email", token_url="/home/merchant").status_code == 403
