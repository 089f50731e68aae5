"""The negative-balance policy as people see it: the affiliate's "owed", the admin's list and write-off."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEvent
from app.services.ledger import owed
from tests import factories
from tests.payout_helpers import OWED_COMMISSION as COMMISSION
from tests.payout_helpers import affiliate_with_details, paid_then_refunded
from tests.routes.csrf import post_form
from tests.sessions import sign_in


@pytest.fixture
def debt(app):
    admin = factories.make_user("admin")
    affiliate = affiliate_with_details()
    conversion = paid_then_refunded(affiliate, admin)
    return {"admin": admin, "affiliate": affiliate, "conversion": conversion}


def test_the_affiliate_sees_what_is_owed_and_the_refunded_order(client, debt):
    sign_in(client, debt["affiliate"])
    page = client.get("/payouts/").get_data(as_text=True)
    assert "You owe ₫60,000" in page
    details = client.get("/payouts/balance").get_data(as_text=True)
    assert "Owed: ₫60,000" in details and debt["conversion"].order_id in details


def test_a_payout_request_is_refused_beside_the_amount_while_money_is_owed(client, debt):
    sign_in(client, debt["affiliate"])
    response = post_form(client, "/payouts/request", {"currency": "VND", "amount": "100000"},
                         token_url="/payouts/request")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="amount-error"' in html and "You owe ₫60,000" in html


def test_the_admin_lists_negative_balances_and_writes_one_off_with_a_reason(client, debt):
    sign_in(client, debt["admin"])
    page = client.get("/payouts/admin/negative-balances").get_data(as_text=True)
    assert debt["affiliate"].name in page and debt["conversion"].order_id in page
    url = f"/payouts/admin/negative-balances/{debt['affiliate'].id}/VND/write-off"
    prefix = f"write-off-{debt['affiliate'].id}-VND-"
    refused = post_form(client, url, {prefix + "amount": "70.000", prefix + "reason": ""},
                        token_url="/payouts/admin/negative-balances")
    html = refused.get_data(as_text=True)
    assert f'id="{prefix}reason-error"' in html
    assert owed.owed(debt["affiliate"].id, "VND") == COMMISSION
    too_much = post_form(client, url, {prefix + "amount": "70.000", prefix + "reason": "Goodwill"},
                         token_url="/payouts/admin/negative-balances")
    assert f'id="{prefix}amount-error"' in too_much.get_data(as_text=True)
    done = post_form(client, url, {prefix + "amount": "60.000", prefix + "reason": "Goodwill"},
                     token_url="/payouts/admin/negative-balances")
    assert done.status_code == 302
    assert owed.owed(debt["affiliate"].id, "VND") == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ledger.written_off"))
    assert event.after["reason"] == "Goodwill" and event.actor_id == debt["admin"].id


@pytest.mark.parametrize("role", ["affiliate", "merchant"])
def test_only_admins_see_negative_balances(client, login_as, debt, role):
    login_as(role)
    assert client.get("/payouts/admin/negative-balances").status_code == 403
    url = f"/payouts/admin/negative-balances/{debt['affiliate'].id}/VND/write-off"
    assert post_form(client, url, {}).status_code == 403


def test_a_write_off_for_an_unknown_affiliate_or_currency_is_404(client, debt):
    sign_in(client, debt["admin"])
    for url in (f"/payouts/admin/negative-balances/{debt['admin'].id}/VND/write-off",
                f"/payouts/admin/negative-balances/{debt['affiliate'].id}/XXX/write-off"):
        assert post_form(client, url, {}, token_url="/payouts/admin/negative-balances").status_code == 404
