"""The audit log page over HTTP: access, each filter, pages, htmx partials, links, masking and the CSV export."""
import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from flask import url_for

from app.models.common import utcnow
from tests.audit_helpers import event
from tests.factories import make_campaign, make_conversion, make_user

HX = {"HX-Request": "true"}


def rows(html):
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>.*?</tr>", body, re.S)


def rows_text(html):
    return " ".join(rows(html))


def get(client, query="", **kwargs):
    response = client.get("/admin/audit" + query, **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# Access


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit/export"])
@pytest.mark.parametrize("role", ["merchant", "affiliate"])
def test_other_roles_are_refused(client, login_as, path, role):
    login_as(role)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit/export"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/sign-in?next=")


def test_the_admin_navigation_links_to_the_audit_log(client, login_as):
    login_as("admin")
    assert 'href="/admin/audit"' in client.get("/home/admin").get_data(as_text=True)


# Filters


def test_actor_filter(client, login_as):
    login_as("admin", email="boss@example.com")
    lan = make_user("affiliate", email="lan@blog.example")
    event("membership.joined", actor=lan, object_type="memberships", object_id=4)
    event("campaign.updated", object_id=9)
    found = rows_text(get(client, "?actor=LAN@BLOG"))
    assert len(rows(get(client, "?actor=LAN@BLOG"))) == 2  # lan's sign-up and the membership
    assert "membership.joined" in found and "campaign.updated" not in found


def test_action_filter_exact_and_prefix(client, login_as):
    login_as("admin")
    event("payout.approved", object_type="payout_requests", object_id=1)
    event("payout.paid", object_type="payout_requests", object_id=1)
    event("conversion.approved", object_type="conversions", object_id=2)
    html = get(client)
    # The filter names actions in words; the rows keep each code in a tooltip for searching.
    assert '<option value="payout.">Payout requests (all)</option>' in html
    assert '<option value="payout.paid">Payout paid</option>' in html
    assert [a for a in ("payout.approved", "payout.paid", "conversion.approved") if a in rows_text(get(
        client, "?action=payout."))] == ["payout.approved", "payout.paid"]
    only = rows(get(client, "?action=payout.paid"))
    assert len(only) == 1 and "payout.paid" in only[0]


def test_object_type_and_id_filters(client, login_as):
    login_as("admin")
    event(object_type="conversions", object_id=7)
    event(object_type="conversions", object_id=8)
    event(object_type="campaigns", object_id=7)
    assert len(rows(get(client, "?object_type=conversions"))) == 2
    found = rows(get(client, "?object_type=conversions&object_id=7"))
    assert len(found) == 1 and "Conversion #7" in found[0]


def test_date_range_filter(client, login_as):
    login_as("admin")
    event("campaign.paused", object_id=1, at=datetime(2024, 3, 10, 16, 0))  # 23:00 on 10 March in Vietnam
    event("campaign.paused", object_id=2, at=datetime(2024, 3, 10, 18, 0))  # 01:00 on 11 March
    found = rows(get(client, "?action=campaign.paused&date_from=2024-03-11&date_to=2024-03-11"))
    assert len(found) == 1 and "Campaign #2" in found[0]


def test_bad_filters_are_shown_and_ignored_without_an_error_page(client, login_as):
    login_as("admin")
    event(object_id=1)
    html = get(client, "?date_from=2024-03-12&date_to=2024-03-01&action=no.such&page=abc")
    assert "Some filters were ignored" in html and "The end date is before the start date." in html
    assert "Not a valid choice" in html
    assert len(rows(html)) == 2  # the admin's sign-up and the event: nothing filtered out


# Pages and htmx


def test_fifty_a_page_newest_first(client, login_as):
    login_as("admin")
    start = utcnow() - timedelta(days=1)
    for n in range(55):
        event(object_id=n, at=start + timedelta(minutes=n))
    first = get(client, "?action=campaign.updated")
    assert len(rows(first)) == 50 and "Campaign #54" in rows(first)[0]
    older = re.search(r'href="/admin/audit(\?action=campaign.updated&amp;older=[^"]+)"', first).group(1)
    assert "55 events" in first and "Page 1" not in first
    second = get(client, older.replace("&amp;", "&"))
    assert len(rows(second)) == 5 and "Campaign #0" in rows(second)[-1] and 'rel="next"' not in second


def test_htmx_gets_the_table_alone_and_boosted_navigation_the_whole_page(client, login_as):
    login_as("admin")
    partial = client.get("/admin/audit?object_type=users", headers=HX)
    html = partial.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="audit-table">') and "<html" not in html
    assert "HX-Request" in partial.headers["Vary"]
    full = client.get("/admin/audit", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]
    page = get(client)
    assert 'hx-target="#audit-table"' in page and 'hx-push-url="true"' in page


# What a row shows


def test_row_shows_actor_or_system_linked_object_diff_and_ip(client, login_as):
    admin = login_as("admin", name="Ops Lan", email="ops@example.com")
    campaign = make_campaign()
    event("campaign.updated", actor=admin, object_id=campaign.id, ip="10.9.8.7",
          before={"status": "active", "name": "Same"}, after={"status": "paused", "name": "Same"})
    event("membership.removed", object_type="memberships", object_id=3)
    html = get(client)
    (updated,) = [r for r in rows(html) if "campaign.updated" in r]
    assert "Ops Lan" in updated and "ops@example.com" in updated and "10.9.8.7" in updated
    assert f'<a href="/campaigns/{campaign.id}">Campaign #{campaign.id}</a>' in updated
    assert "Status:</span> " in updated and "Active" in updated and "Paused" in updated and "Name:" not in updated
    (removed,) = [r for r in rows(html) if "membership.removed" in r]
    assert "system" in removed and "Membership #3" in removed and "<a href" not in removed.split("</td>")[3]
    assert f'<a href="/admin/users/{admin.id}">User #{admin.id}</a>' in html


def test_secrets_are_masked_on_the_page(client, login_as):
    admin = login_as("admin")
    event("merchant.stripe_secret_set", actor=admin, object_type="users", object_id=admin.id,
          before={"stripe_webhook_secret": None}, after={"stripe_webhook_secret": "whsec_live_abc",
                                                          "bank_account": "0071000123456"})
    html = get(client)
    assert "whsec_live_abc" not in html and "0071000123456" not in html
    assert "••••••" in html and "••••3456" in html


# CSV export


def test_export_is_the_filtered_set_as_csv_with_a_bom_and_masked_secrets(client, login_as):
    admin = login_as("admin", email="ops@example.com")
    event("payout.paid", actor=admin, object_type="payout_requests", object_id=5, ip="10.0.0.9",
          before={"status": "processing"}, after={"status": "paid", "api_token": "tok_secret_value"},
          at=datetime(2024, 6, 1, 2, 3, 4))
    event("conversion.approved", object_type="conversions", object_id=6)
    response = client.get("/admin/audit/export?action=payout.")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "tok_secret_value" not in text
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == ["time_utc", "actor_email", "action", "object_type", "object_id", "before_json",
                         "after_json", "ip"]
    assert parsed[1:] == [["2024-06-01T02:03:04Z", "ops@example.com", "payout.paid", "payout_requests", "5",
                           '{"status": "processing"}', '{"api_token": "••••••", "status": "paid"}', "10.0.0.9"]]


def test_the_export_link_carries_the_filters(client, login_as):
    login_as("admin")
    html = get(client, "?object_type=users&actor=")
    assert 'href="/admin/audit/export?object_type=users"' in html


def test_conversions_and_payouts_link_to_their_pages_when_those_pages_exist(app, client, login_as):
    login_as("admin")
    conversion = make_conversion()
    event("conversion.approved", object_type="conversions", object_id=conversion.id)
    event("payout.paid", object_type="payout_requests", object_id=12)
    html = rows_text(get(client))
    assert f'<a href="/conversions/{conversion.id}">Conversion #{conversion.id}</a>' in html
    with app.test_request_context():
        url = url_for("payouts.admin_detail", request_id=12)
    assert f'<a href="{url}">Payout request #12</a>' in html
