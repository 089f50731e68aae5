"""Join and leave buttons, the review panel and the members page over HTTP, with and without htmx."""
import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Membership
from app.models.common import utcnow
from tests.factories import make_campaign, make_click, make_link, make_membership, make_user
from tests.routes.csrf import post_form

HX = {"HX-Request": "true"}


def status_of(membership_id):
    db.session.expire_all()
    return db.session.get(Membership, membership_id).status


def flashes(client):
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


# Joining and leaving


def test_joining_with_htmx_swaps_the_actions_partial(client, login_as, outbox):
    campaign = make_campaign(name="Summer sale")
    affiliate = login_as("affiliate")
    response = post_form(client, f"/campaigns/{campaign.id}/join", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert f'id="membership-actions-{campaign.id}"' in html and "You joined Summer sale" in html
    assert f'hx-post="/campaigns/{campaign.id}/leave"' in html and 'hx-swap="outerHTML"' in html
    assert "HX-Request" in response.headers["Vary"]
    membership = db.session.scalar(select(Membership).where(Membership.affiliate_id == affiliate.id))
    assert membership.status == "approved"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.joined"))
    assert event.ip == "127.0.0.1"
    assert len(outbox) == 2


def test_joining_without_htmx_redirects_back_with_a_message(client, login_as):
    campaign = make_campaign(join_mode="review")
    login_as("affiliate")
    response = post_form(client, f"/campaigns/{campaign.id}/join")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}/view")
    assert any("application" in message for message in flashes(client))
    page = client.get(f"/campaigns/{campaign.id}/view").get_data(as_text=True)
    assert "waiting for the merchant" in page and "Withdraw application" in page


@pytest.mark.parametrize(("values", "text"), [
    ({"status": "paused"}, "paused"),
    ({"status": "ended"}, "ended"),
    ({"max_affiliates": 1}, "maximum number of affiliates"),
])
def test_a_refused_join_says_why(client, login_as, values, text):
    campaign = make_campaign(**values)
    if "max_affiliates" in values:
        make_membership(campaign, status="approved")
    login_as("affiliate")
    response = post_form(client, f"/campaigns/{campaign.id}/join", headers=HX)
    html = response.get_data(as_text=True)
    assert f'id="membership-actions-{campaign.id}"' in html and text in html
    assert "flash-error" in html
    response = post_form(client, f"/campaigns/{campaign.id}/join")
    assert response.status_code == 302 and any(text in m for m in flashes(client))
    assert db.session.scalar(select(Membership).where(Membership.status == "pending")) is None


def test_a_not_started_campaign_shows_why_instead_of_a_button(client, login_as):
    campaign = make_campaign(starts_on=utcnow().date() + timedelta(days=3))
    login_as("affiliate")
    html = client.get(f"/campaigns/{campaign.id}/view").get_data(as_text=True)
    assert f'id="membership-actions-{campaign.id}"' in html and "has not started yet" in html
    assert f'/campaigns/{campaign.id}/join"' not in html
    html = post_form(client, f"/campaigns/{campaign.id}/join", headers=HX).get_data(as_text=True)
    assert "has not started yet" in html


def test_leaving_and_joining_again(client, login_as):
    campaign = make_campaign()
    affiliate = login_as("affiliate")
    member = make_membership(campaign, affiliate)
    html = post_form(client, f"/campaigns/{campaign.id}/leave", headers=HX).get_data(as_text=True)
    assert "You left" in html and f'hx-post="/campaigns/{campaign.id}/join"' in html
    assert status_of(member.id) == "removed"
    html = post_form(client, f"/campaigns/{campaign.id}/join", headers=HX).get_data(as_text=True)
    assert "You joined" in html and status_of(member.id) == "approved"


def test_removed_affiliates_are_told_they_cannot_rejoin(client, login_as):
    campaign = make_campaign()
    affiliate = login_as("affiliate")
    make_membership(campaign, affiliate, status="removed", decided_by_id=campaign.merchant_id)
    html = post_form(client, f"/campaigns/{campaign.id}/join", headers=HX).get_data(as_text=True)
    assert "removed you from this campaign" in html


def test_leaving_without_membership_is_refused_politely(client, login_as):
    campaign = make_campaign()
    login_as("affiliate")
    html = post_form(client, f"/campaigns/{campaign.id}/leave", headers=HX).get_data(as_text=True)
    assert "You are not in this campaign" in html


@pytest.mark.parametrize("role", ["merchant", "admin"])
def test_only_affiliates_join_or_leave(client, login_as, role):
    campaign = make_campaign()
    login_as(role)
    for action in ("join", "leave"):
        assert post_form(client, f"/campaigns/{campaign.id}/{action}").status_code == 403


def test_joining_needs_sign_in_a_token_and_a_real_campaign(client, login_as):
    campaign = make_campaign()
    assert client.post(f"/campaigns/{campaign.id}/join").status_code in (302, 400)
    login_as("affiliate")
    assert client.post(f"/campaigns/{campaign.id}/join").status_code == 400  # no CSRF token
    assert post_form(client, f"/campaigns/{campaign.id + 99}/join").status_code == 404


# Reviewing applications


def review_setup():
    merchant = make_user("merchant")
    campaign = make_campaign(merchant, join_mode="review", name="Green tea")
    affiliate = make_user("affiliate", name="Lan Nguyen", website="https://lan.example")
    waiting = make_membership(campaign, affiliate, status="pending")
    make_membership(make_campaign(), affiliate, status="approved")
    foreign = make_membership(make_campaign(join_mode="review", name="Other shop"), status="pending")
    return merchant, campaign, waiting, foreign


def test_the_review_panel_lists_own_pending_applications(client, login_as):
    merchant, campaign, waiting, foreign = review_setup()
    login_as(merchant)
    response = client.get("/campaigns/applications")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    for text in ("Lan Nguyen", waiting.affiliate.email, "https://lan.example", "Green tea", "1 pending"):
        assert text in html
    assert foreign.affiliate.email not in html and "Other shop" not in html
    row = re.search(rf'<tr id="application-{waiting.id}">.*?</tr>', html, re.S).group(0)
    assert '<td class="num">1</td>' in row  # approved in one other campaign
    assert 'hx-trigger="applicationsChanged from:body"' in html and 'id="select-all"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_the_review_panel_answers_a_partial_to_htmx_and_filters(client, login_as):
    merchant, campaign, waiting, _ = review_setup()
    other = make_membership(make_campaign(merchant, join_mode="review", name="Black tea"), status="pending")
    login_as(merchant)
    html = client.get(f"/campaigns/applications?campaign={campaign.id}", headers=HX).get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="applications">')
    assert 'id="select-all"' in html and f"application-{waiting.id}" in html
    assert f"application-{other.id}" not in html
    boosted = client.get("/campaigns/applications", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)
    assert client.get("/campaigns/applications?campaign=abc").status_code == 200


def test_admins_see_every_application_and_affiliates_none(client, login_as):
    _, _, waiting, foreign = review_setup()
    login_as("admin")
    html = client.get("/campaigns/applications").get_data(as_text=True)
    assert f"application-{waiting.id}" in html and f"application-{foreign.id}" in html
    login_as("affiliate")
    assert client.get("/campaigns/applications").status_code == 403
    assert client.get("/campaigns/applications/count").status_code == 403


def test_approving_inline_replaces_the_row_and_updates_the_count(client, login_as, outbox):
    merchant, _, waiting, _ = review_setup()
    login_as(merchant)
    response = post_form(client, f"/campaigns/applications/{waiting.id}/decide",
                         {"decision": "approve", "note": "Welcome"}, headers=HX,
                         token_url="/campaigns/applications")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="application-{waiting.id}">')
    assert "badge-approved" in html and "Welcome" in html and "decide" not in html
    assert response.headers["HX-Trigger"] == "applicationsChanged"
    assert status_of(waiting.id) == "approved"
    assert any("approved" in m["subject"] and "Welcome" in m["body"] for m in outbox)
    count = client.get("/campaigns/applications/count").get_data(as_text=True)
    assert 'id="pending-count"' in count and "0 pending" in count


def test_rejecting_without_htmx_redirects_with_a_flash(client, login_as):
    merchant, _, waiting, _ = review_setup()
    login_as(merchant)
    response = post_form(client, f"/campaigns/applications/{waiting.id}/decide", {"decision": "reject"},
                         token_url="/campaigns/applications")
    assert response.status_code == 302 and response.headers["Location"].endswith("/campaigns/applications")
    assert status_of(waiting.id) == "rejected" and flashes(client) == ["Rejected."]


def test_a_decision_that_cannot_happen_says_why_in_the_row(client, login_as):
    merchant = make_user("merchant")
    campaign = make_campaign(merchant, join_mode="review", max_affiliates=1)
    make_membership(campaign, status="approved")
    waiting = make_membership(campaign, status="pending")
    login_as(merchant)
    url = f"/campaigns/applications/{waiting.id}/decide"
    html = post_form(client, url, {"decision": "approve"}, headers=HX,
                     token_url="/campaigns/applications").get_data(as_text=True)
    assert "maximum number of affiliates" in html and status_of(waiting.id) == "pending"
    html = post_form(client, url, {"decision": "maybe"}, headers=HX,
                     token_url="/campaigns/applications").get_data(as_text=True)
    assert "Not a valid choice" in html and status_of(waiting.id) == "pending"
    post_form(client, url, {"decision": "reject"}, headers=HX, token_url="/campaigns/applications")
    html = post_form(client, url, {"decision": "approve"}, headers=HX,
                     token_url="/campaigns/applications").get_data(as_text=True)
    assert "already been decided" in html and status_of(waiting.id) == "rejected"


def test_another_merchants_application_is_not_found(client, login_as):
    _, _, waiting, foreign = review_setup()
    login_as("merchant")
    for membership in (waiting, foreign):
        response = post_form(client, f"/campaigns/applications/{membership.id}/decide", {"decision": "approve"},
                             headers=HX, token_url="/campaigns/applications")
        assert response.status_code == 404 and status_of(membership.id) == "pending"
    assert post_form(client, "/campaigns/applications/99999/decide", {"decision": "approve"},
                     token_url="/campaigns/applications").status_code == 404


def test_bulk_approval_changes_only_own_and_reports_the_count(client, login_as, outbox):
    merchant, campaign, waiting, foreign = review_setup()
    second = make_membership(campaign, status="pending")
    login_as(merchant)
    response = post_form(client, "/campaigns/applications/bulk",
                         {"decision": "approve", "ids": [str(waiting.id), str(second.id), str(foreign.id), "x"]},
                         headers=HX, token_url="/campaigns/applications")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="applications">')
    assert "2 applications approved." in html and "1 could not be changed" in html
    assert response.headers["HX-Trigger"] == "applicationsChanged"
    assert [status_of(m.id) for m in (waiting, second, foreign)] == ["approved", "approved", "pending"]
    assert "No applications are waiting." in html
    assert len([m for m in outbox if "approved" in m["subject"]]) == 2


def test_bulk_rejection_without_htmx_and_with_nothing_selected(client, login_as):
    merchant, campaign, waiting, _ = review_setup()
    login_as(merchant)
    response = post_form(client, f"/campaigns/applications/bulk?campaign={campaign.id}", {"decision": "reject"},
                         token_url="/campaigns/applications")
    assert response.status_code == 302 and f"campaign={campaign.id}" in response.headers["Location"]
    assert flashes(client) == ["Select at least one application."] and status_of(waiting.id) == "pending"
    post_form(client, "/campaigns/applications/bulk", {"decision": "reject", "ids": [str(waiting.id)]},
              token_url="/campaigns/applications")
    assert status_of(waiting.id) == "rejected" and flashes(client) == ["1 application rejected."]


# The members page


def members_setup():
    merchant = make_user("merchant")
    campaign = make_campaign(merchant, name="Tea")
    member = make_membership(campaign, make_user("affiliate", name="Minh Tran"), status="approved")
    gone = make_membership(campaign, make_user("affiliate", name="Gone Person"), status="removed")
    return merchant, campaign, member, gone


def test_members_page_lists_approved_affiliates_with_status_tabs(client, login_as):
    merchant, campaign, member, gone = members_setup()
    login_as(merchant)
    response = client.get(f"/campaigns/{campaign.id}/affiliates")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Minh Tran" in html and "Gone Person" not in html
    assert "Approved (1)" in html and "Removed (1)" in html
    assert "HX-Request" in response.headers["Vary"]
    html = client.get(f"/campaigns/{campaign.id}/affiliates?status=removed", headers=HX).get_data(as_text=True)
    assert "<html" not in html and "Gone Person" in html and "Minh Tran" not in html
    assert client.get(f"/campaigns/{campaign.id}/affiliates?status=bogus").status_code == 200


def test_members_page_leads_back_to_a_campaign_page_its_reader_may_open(client, login_as):
    merchant, campaign, _, _ = members_setup()
    login_as(merchant)
    html = client.get(f"/campaigns/{campaign.id}/affiliates").get_data(as_text=True)
    back = re.search(r'<a href="([^"]+)">Back to the campaign</a>', html).group(1)
    assert client.get(back).status_code == 200


def test_members_page_access(client, login_as):
    _, campaign, _, _ = members_setup()
    login_as("merchant")
    assert client.get(f"/campaigns/{campaign.id}/affiliates").status_code == 404
    login_as("admin")
    assert client.get(f"/campaigns/{campaign.id}/affiliates").status_code == 200
    login_as("affiliate")
    assert client.get(f"/campaigns/{campaign.id}/affiliates").status_code == 403


def test_removing_a_member_inline(client, login_as, outbox):
    merchant, campaign, member, _ = members_setup()
    login_as(merchant)
    url, page = f"/campaigns/{campaign.id}/affiliates/{member.id}/remove", f"/campaigns/{campaign.id}/affiliates"
    response = post_form(client, url, {"note": "Fake traffic"}, headers=HX, token_url=page)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="member-{member.id}">') and "badge-removed" in html
    assert 'id="members-tabs"' in html and 'hx-swap-oob="true"' in html and "Removed (2)" in html
    assert response.headers["HX-Trigger"] == "membersChanged"
    assert status_of(member.id) == "removed"
    assert outbox[-1]["subject"] == "You were removed from Tea" and "Fake traffic" in outbox[-1]["body"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.removed"))
    assert event.actor_id == merchant.id and event.after["note"] == "Fake traffic"
    html = post_form(client, url, headers=HX, token_url=page).get_data(as_text=True)
    assert "Only approved affiliates can be removed" in html


def test_removing_needs_the_right_campaign_and_owner(client, login_as):
    merchant, campaign, member, _ = members_setup()
    own_other = make_campaign(merchant)
    login_as(merchant)
    token_url = f"/campaigns/{campaign.id}/affiliates"
    assert post_form(client, f"/campaigns/{own_other.id}/affiliates/{member.id}/remove",
                     token_url=token_url).status_code == 404
    login_as("merchant")
    assert post_form(client, f"/campaigns/{campaign.id}/affiliates/{member.id}/remove",
                     token_url="/campaigns/applications").status_code == 404
    assert status_of(member.id) == "approved"
    login_as("admin")
    response = post_form(client, f"/campaigns/{campaign.id}/affiliates/{member.id}/remove", token_url=token_url)
    assert response.status_code == 302 and status_of(member.id) == "removed"


def test_out_of_range_ids_are_harmless(client, login_as):
    merchant, campaign, waiting, _ = review_setup()
    login_as(merchant)
    huge = "9" * 30
    response = post_form(client, "/campaigns/applications/bulk",
                         {"decision": "approve", "ids": ["99999999999", "²", "-1", huge]},
                         headers=HX, token_url="/campaigns/applications")
    assert response.status_code == 200 and "Select at least one application." in response.get_data(as_text=True)
    for url in (f"/campaigns/applications/{huge}/decide", f"/campaigns/{campaign.id}/affiliates/{huge}/remove",
                f"/campaigns/{huge}/affiliates/1/remove"):
        assert post_form(client, url, {"decision": "approve"}, token_url="/campaigns/applications").status_code == 404
    assert client.get(f"/campaigns/{huge}/affiliates").status_code == 404
    assert client.get(f"/campaigns/applications?campaign={huge}").status_code == 200
    assert status_of(waiting.id) == "pending"


@pytest.mark.parametrize(("referrer", "expected"), [
    ("http://localhost/campaigns/directory?q=tea", "/campaigns/directory?q=tea"),
    ("https://evil.example/campaigns/directory", "/campaigns/{id}/view"),
    ("http://localhost//evil.example/x", "/campaigns/{id}/view"),
    ("http://localhost/\\evil.example", "/campaigns/{id}/view"),
])
def test_without_htmx_joining_returns_only_to_a_page_of_this_site(client, login_as, referrer, expected):
    campaign = make_campaign()
    login_as("affiliate")
    response = post_form(client, f"/campaigns/{campaign.id}/join", headers={"Referer": referrer})
    assert response.status_code == 302
    assert response.headers["Location"] == expected.format(id=campaign.id)


def test_members_page_shows_figures_for_a_period_sorted_by_any_column(client, login_as):
    merchant, campaign, member, _ = members_setup()
    busy = make_membership(campaign, make_user("affiliate", name="Busy Bee"))
    link = make_link(campaign, busy.affiliate)
    for _ in range(3):
        make_click(link)
    login_as(merchant)
    html = client.get(f"/campaigns/{campaign.id}/affiliates?sort=clicks").get_data(as_text=True)
    assert html.index("Busy Bee") < html.index("Minh Tran") and '<td class="num">3</td>' in html
    assert 'aria-sort="descending"' in html and f"/campaigns/{campaign.id}/affiliates?sort=clicks&amp;order=asc" in html
    ascending = client.get(f"/campaigns/{campaign.id}/affiliates?sort=clicks&order=asc", headers=HX)
    html = ascending.get_data(as_text=True)
    assert html.index("Minh Tran") < html.index("Busy Bee") and 'aria-sort="ascending"' in html
    html = client.get(f"/campaigns/{campaign.id}/affiliates?days=7&sort=bogus&page=x").get_data(as_text=True)
    assert 'aria-current="true">7 days' in html and "Busy Bee" in html
    assert client.get(f"/campaigns/{campaign.id}/affiliates?days=12345").status_code == 200


def test_members_export_has_each_affiliate_with_the_period_figures(client, login_as):
    merchant, campaign, member, gone = members_setup()
    link = make_link(campaign, member.affiliate)
    make_click(link)
    make_click(link, created_at=utcnow() - timedelta(days=20))
    login_as(merchant)
    html = client.get(f"/campaigns/{campaign.id}/affiliates?days=7").get_data(as_text=True)
    assert f'href="/campaigns/{campaign.id}/affiliates/export.csv?days=7&amp;status=approved"' in html
    response = client.get(f"/campaigns/{campaign.id}/affiliates/export.csv?days=7")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["affiliate_email", "affiliate_name", "status"] and len(rows) == 2
    assert rows[1][0] == member.affiliate.email and rows[1][6:8] == ["1", "0"]
    thirty = client.get(f"/campaigns/{campaign.id}/affiliates/export.csv").get_data(as_text=True)
    assert "Gone Person" not in thirty and f"{member.affiliate.email}" in thirty
    removed = client.get(f"/campaigns/{campaign.id}/affiliates/export.csv?status=removed").get_data(as_text=True)
    assert "Gone Person" in removed
    login_as("merchant")
    assert client.get(f"/campaigns/{campaign.id}/affiliates/export.csv").status_code == 404
