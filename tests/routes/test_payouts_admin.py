"""The admin payout queue: access, filters and totals, inline and bulk decisions, the detail page."""
import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models.common import utcnow
from app.services.ledger import balances
from app.services.payouts import states
from tests import factories
from tests.payout_admin_helpers import ACCOUNT, fresh, payout_in
from tests.routes.csrf import csrf_token

QUEUE = "/payouts/admin"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def token(client):
    return csrf_token(client, QUEUE)


@pytest.mark.parametrize("role, status", [("merchant", 403), ("affiliate", 403)])
@pytest.mark.parametrize("url", [QUEUE, f"{QUEUE}/1", f"{QUEUE}/1/confirm", f"{QUEUE}/export.csv", f"{QUEUE}/import"])
def test_only_admins_see_the_admin_pages(client, login_as, role, status, url):
    login_as(role)
    assert client.get(url).status_code == status


@pytest.mark.parametrize("url", [f"{QUEUE}/1/approve", f"{QUEUE}/1/reject", f"{QUEUE}/bulk-approve",
                                 f"{QUEUE}/1/fail", f"{QUEUE}/import/apply"])
def test_affiliates_cannot_post_admin_actions(client, login_as, url):
    login_as("affiliate")
    assert client.post(url, data={"csrf_token": csrf_token(client, "/payouts/")}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_queue_lists_requests_with_masked_accounts_and_labels(client, admin):
    request = payout_in("requested", amount=750_000, name="Le Van Binh")
    html = client.get(QUEUE).get_data(as_text=True)
    row = re.search(rf'<tr id="payout-{request.id}".*?</tr>', html, re.S).group(0)
    assert "Le Van Binh" in row and "750,000" in row and "Bank transfer" in row and "Requested" in row
    assert "•••• 6789" in row and ACCOUNT not in html


def test_filters_and_totals(client, admin):
    payout_in("requested", amount=600_000)
    approved = payout_in("approved", amount=700_000)
    payout_in("approved", amount=2500, currency="USD")
    payout_in("approved", amount=800_000, method="momo")
    old = payout_in("paid", amount=900_000)
    old.requested_at = utcnow() - timedelta(days=40)
    db.session.commit()

    def totals(query):
        html = client.get(QUEUE + query, headers=HTMX).get_data(as_text=True)
        count = int(re.search(r"data-total-count>(\d+)<", html).group(1))
        rows = re.findall(r'<tr id="payout-(\d+)"', html)
        return count, html, rows

    count, html, rows = totals("")
    assert count == 5 and len(rows) == 5
    assert 'data-currency="VND"' in html and "3,000,000" in html and "$25.00" in html

    count, html, rows = totals("?status=approved&currency=VND")
    assert count == 2 and "1,500,000" in html
    count, html, rows = totals("?status=approved&method=bank_transfer&currency=VND")
    assert count == 1 and rows == [str(approved.id)] and "700,000" in html
    since = (utcnow() - timedelta(days=10)).date().isoformat()
    count, _html, rows = totals(f"?date_from={since}")
    assert count == 4 and str(old.id) not in rows
    until = (utcnow() - timedelta(days=30)).date().isoformat()
    count, _html, rows = totals(f"?date_to={until}")
    assert rows == [str(old.id)]


def test_bad_filters_are_ignored_and_shown(client, admin):
    payout_in("requested")
    response = client.get(QUEUE + "?status=nonsense&date_from=yesterday&page=abc")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Some filters were ignored" in html and 'data-total-count>1<' in html


@pytest.mark.parametrize("query", ["?date_from=0001-01-01", "?date_to=9999-12-31", "?page=99999999999999999999",
                                   "?date_from=2024-05-02&date_to=2024-05-01", "?currency=XXX&method=<b>"])
def test_absurd_filters_never_break_the_page(client, admin, query):
    payout_in("requested")
    response = client.get(QUEUE + query)
    assert response.status_code == 200 and 'data-total-count>1<' in response.get_data(as_text=True)


def test_queue_answers_htmx_with_the_partial(client, admin):
    response = client.get(QUEUE, headers=HTMX)
    assert response.get_data(as_text=True).lstrip().startswith('<div id="payout-queue">')
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" in client.get(QUEUE).get_data(as_text=True)


def test_queue_is_paginated(client, admin):
    affiliate_requests = [payout_in("requested", amount=100_000 + i) for i in range(26)]
    html = client.get(QUEUE).get_data(as_text=True)
    assert len(re.findall(r'<tr id="payout-', html)) == 25 and "Page 1 of 2" in html
    html = client.get(QUEUE + "?page=2").get_data(as_text=True)
    assert len(re.findall(r'<tr id="payout-', html)) == 1
    assert f'id="payout-{affiliate_requests[-1].id}"' in html  # oldest waiting first


def test_inline_approve_rerenders_the_row(client, admin, outbox):
    request = payout_in("requested")
    response = client.post(f"{QUEUE}/{request.id}/approve", data={"csrf_token": token(client)}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="payout-{request.id}"')
    assert "Approved." in html and response.headers["HX-Trigger"] == "payoutsChanged"
    assert fresh(request.id).status == "approved" and fresh(request.id).decided_by_id == admin.id


def test_approving_twice_shows_the_error_in_the_row(client, admin):
    request = payout_in("requested")
    other_admin = factories.make_user("admin")
    states.approve(request.id, other_admin.id)
    response = client.post(f"{QUEUE}/{request.id}/approve", data={"csrf_token": token(client)}, headers=HTMX)
    assert response.status_code == 200
    assert "already approved" in response.get_data(as_text=True)
    assert "HX-Trigger" not in response.headers
    assert fresh(request.id).decided_by_id == other_admin.id


def test_reject_needs_a_reason(client, admin):
    request = payout_in("requested")
    response = client.post(f"{QUEUE}/{request.id}/reject", data={"csrf_token": token(client), "reason": "  "},
                           headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Give a reason." in html and 'aria-invalid="true"' in html
    assert fresh(request.id).status == "requested"


def test_reject_releases_the_amount(client, admin, outbox):
    request = payout_in("requested")
    available = balances.available(request.affiliate_id, "VND")
    response = client.post(f"{QUEUE}/{request.id}/reject",
                           data={"csrf_token": token(client), "reason": "Duplicate account"}, headers=HTMX)
    assert "Rejected." in response.get_data(as_text=True)
    rejected = fresh(request.id)
    assert rejected.status == "rejected" and rejected.reject_reason == "Duplicate account"
    assert balances.available(request.affiliate_id, "VND") == available + request.amount


def test_reject_without_htmx_flashes_and_returns(client, admin):
    request = payout_in("requested")
    response = client.post(f"{QUEUE}/{request.id}/reject", data={"csrf_token": token(client), "reason": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(QUEUE)
    assert "Give a reason." in client.get(QUEUE).get_data(as_text=True)


def test_unknown_request_is_404(client, admin):
    assert client.post(f"{QUEUE}/999999/approve", data={"csrf_token": token(client)}).status_code == 404
    assert client.get(f"{QUEUE}/999999").status_code == 404
    assert client.get(f"{QUEUE}/99999999999").status_code == 404


def test_bulk_approve_only_touches_waiting_requests(client, admin, outbox):
    first, second = payout_in("requested"), payout_in("requested")
    already = payout_in("rejected")
    response = client.post(f"{QUEUE}/bulk-approve", headers=HTMX, data={
        "csrf_token": token(client), "ids": [str(first.id), str(second.id), str(already.id), "x", "-1"]})
    html = response.get_data(as_text=True)
    assert "2 payout requests approved." in html and "1 was not changed" in html
    assert [fresh(r.id).status for r in (first, second, already)] == ["approved", "approved", "rejected"]


def test_bulk_approve_with_nothing_selected(client, admin):
    response = client.post(f"{QUEUE}/bulk-approve", headers=HTMX, data={"csrf_token": token(client)})
    assert "Select at least one payout request." in response.get_data(as_text=True)


def test_detail_shows_the_full_account_timeline_and_audit(client, admin):
    request = payout_in("failed", name="Pham Thi Cuc")
    html = client.get(f"{QUEUE}/{request.id}").get_data(as_text=True)
    assert ACCOUNT in html and "Vietcombank" in html and "Pham Thi Cuc" in html
    timeline = re.search(r'<ol id="payout-timeline">.*?</ol>', html, re.S).group(0)
    assert [s for s in ("Requested", "Approved", "Failed") if s in timeline] == ["Requested", "Approved", "Failed"]
    assert "Closed account" in timeline
    assert "Payout request approved" in html and "Payout failed" in html
    assert "Confirm manual payment" not in html and "Mark failed</button>" not in html


@pytest.mark.parametrize("status, shown, hidden", [
    ("requested", ["Approve</button>", "Reject</button>"], ["Confirm manual payment", "Mark failed</button>"]),
    ("approved", ["Confirm manual payment", "Mark failed</button>", "Mark as processing"], ["Approve</button>"]),
    ("processing", ["Confirm manual payment", "Mark failed</button>"], ["Mark as processing"]),
    ("paid", ["Correct the payment record", "FT-1"], ["Confirm manual payment", "Mark failed</button>"]),
])
def test_detail_offers_the_actions_of_its_state(client, admin, status, shown, hidden):
    html = client.get(f"{QUEUE}/{payout_in(status).id}").get_data(as_text=True)
    assert all(s in html for s in shown) and not any(h in html for h in hidden)


def test_mark_processing(client, admin):
    request = payout_in("approved")
    response = client.post(f"{QUEUE}/{request.id}/processing", data={"csrf_token": token(client)})
    assert response.status_code == 302 and fresh(request.id).status == "processing"
    response = client.post(f"{QUEUE}/{request.id}/processing", data={"csrf_token": token(client)},
                           follow_redirects=True)
    assert "cannot become processing" in response.get_data(as_text=True)
