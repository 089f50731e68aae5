"""Every list page, dashboard and export runs as many SQL statements for 50 rows as for 1 (no query per row).

Each case seeds one row, counts the statements of the page, seeds 49 more and counts again. Rows are
made as varied as the page can show (another campaign, another affiliate, another actor per row), so a
relation loaded row by row would show up as extra statements. The session is emptied before each
count, as a server's fresh request would find it, and each page is asked twice so caches are warm for
both counts alike.
"""
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import event, inspect

from app.extensions import db
from app.models.common import utcnow
from app.models.invitations import Invitation
from app.models.stripe_connect import StripePayoutRun
from app.models.webhooks import WebhookEndpoint
from app.services.conversions import refunds
from app.services.payouts import details, requests
from app.services.payouts import states as payout_states
from tests import factories
from tests.audit_helpers import event as audit_event
from tests.payout_admin_helpers import payout_in
from tests.payout_helpers import BANK, conversion_for, earn
from tests.review_helpers import sale, shop

MANY = 50



@dataclass
class Seeded:
    """What a case made: the signed-in user, and whatever its URL needs."""

    user: object
    extra: dict = field(default_factory=dict)

    def reload(self) -> None:
        """Its rows again in the current session (counting empties the session between requests)."""
        self.user = db.session.get(type(self.user), inspect(self.user).identity)
        for name, row in self.extra.items():
            self.extra[name] = db.session.get(type(row), inspect(row).identity)


def _affiliate_sales(seeded: Seeded, n: int):
    for _ in range(n):
        sale(shop(affiliate=seeded.user)[2])


def _affiliate_clicks(seeded: Seeded, n: int):
    for minute in range(n):
        factories.make_click(shop(affiliate=seeded.user)[2], ip=f"198.51.100.{minute % 200}",
                             created_at=utcnow() - timedelta(minutes=minute))


def _affiliate_links(seeded: Seeded, n: int):
    for _ in range(n):
        shop(affiliate=seeded.user)


def _closed_requests(seeded: Seeded, n: int):
    if "admin" not in seeded.extra:
        details.update(seeded.user.id, "bank_transfer", BANK)
        seeded.extra["admin"] = factories.make_user("admin")
    admin = seeded.extra["admin"]
    minimum = requests.minimum_for("VND")
    for _ in range(n):
        earn(seeded.user, minimum)
        made = requests.request_payout(seeded.user.id, minimum, "VND")
        payout_states.reject(made.id, admin.id, "Account name does not match")


def _earnings(seeded: Seeded, n: int):
    # Approved commission, and conversions still waiting for a decision, each of its own campaign.
    for _ in range(n):
        earn(seeded.user, 10_000)
        conversion_for(seeded.user, 5_000)


def _ledger(seeded: Seeded, n: int):
    # Commission and reversals of it, each of its own order, in two currencies from the first row on (a statement
    # over several currencies merges them, one statement more than over one).
    if "usd" not in seeded.extra:
        seeded.extra["usd"] = earn(seeded.user, 1_000, currency="USD")
    for number in range(n):
        currency = ("VND", "USD")[number % 2]
        conversion = earn(seeded.user, 10_000, currency=currency)
        if number % 3 == 0:
            refunds.refund(conversion.id, conversion.amount)


def _directory(seeded: Seeded, n: int):
    for _ in range(n):
        factories.make_campaign()


def _merchant_sales(seeded: Seeded, n: int):
    for _ in range(n):
        sale(shop(seeded.user)[2])


def _merchant_clicks(seeded: Seeded, n: int):
    for minute in range(n):
        factories.make_click(shop(seeded.user)[2], ip="203.0.113.5", created_at=utcnow() - timedelta(minutes=minute))


def _merchant_campaigns(seeded: Seeded, n: int):
    for _ in range(n):
        factories.make_click(shop(seeded.user)[2])


def _members(seeded: Seeded, n: int, status: str = "approved"):
    campaign = seeded.extra.setdefault("campaign", factories.make_campaign(seeded.user))
    for _ in range(n):
        factories.make_membership(campaign, status=status)


def _applications(seeded: Seeded, n: int):
    _members(seeded, n, status="pending")


def _audit_events(seeded: Seeded, n: int):
    for _ in range(n):
        audit_event(actor=factories.make_user("merchant"), object_id=seeded.user.id)


def _users(seeded: Seeded, n: int):
    # Older than the signed-in admin, who stays on the first page either way.
    for _ in range(n):
        factories.make_user("affiliate").created_at = utcnow() - timedelta(days=1)
    db.session.commit()


def _payout_queue(seeded: Seeded, n: int):
    for _ in range(n):
        payout_in("requested", admin=seeded.user)


def _runs(seeded: Seeded, n: int):
    for _ in range(n):
        db.session.add(StripePayoutRun(kind="admin", status="finished", requested_by_id=seeded.user.id,
                                       started_at=utcnow(), finished_at=utcnow()))
    db.session.commit()


def _invitations(seeded: Seeded, n: int):
    # Each of another campaign and another owner's, as an admin sees them.
    for _ in range(n):
        campaign = factories.make_campaign()
        db.session.add(Invitation(email=f"guest{campaign.id}@example.com", role="affiliate",
                                  token_hash=secrets.token_hex(32), invited_by_id=campaign.merchant_id,
                                  campaign_id=campaign.id, expires_at=utcnow() + timedelta(days=7)))
    db.session.commit()


def _webhook_endpoints(seeded: Seeded, n: int):
    for _ in range(n):
        db.session.add(WebhookEndpoint(owner_id=factories.make_user("merchant").id, url="https://shop.example/hook",
                                       events=["payout.paid"], secret="s" * 40))
    db.session.commit()


def _members_url(seeded: Seeded) -> str:
    return f"/campaigns/{seeded.extra['campaign'].id}/affiliates"


CASES = {
    "affiliate conversions": ("affiliate", "/conversions/mine", _affiliate_sales),
    "affiliate clicks": ("affiliate", "/conversions/clicks", _affiliate_clicks),
    "affiliate clicks export": ("affiliate", "/conversions/clicks/export.csv", _affiliate_clicks),
    "affiliate links": ("affiliate", "/links/", _affiliate_links),
    "affiliate payouts": ("affiliate", "/payouts/", _closed_requests),
    "affiliate payouts export": ("affiliate", "/payouts/export.csv", _closed_requests),
    "affiliate balance": ("affiliate", "/payouts/balance", _earnings),
    "affiliate statement": ("affiliate", "/payouts/statement", _ledger),
    "affiliate statement by amount": ("affiliate", "/payouts/statement?sort=amount&order=asc&kind=commission", _ledger),
    "affiliate statement export": ("affiliate", "/payouts/statement/export.csv", _ledger),
    "affiliate dashboard": ("affiliate", "/home/affiliate", _affiliate_sales),
    "campaign directory": ("affiliate", "/campaigns/directory", _directory),
    "affiliate analytics": ("affiliate", "/analytics/", _affiliate_sales),
    "merchant conversions": ("merchant", "/conversions/", _merchant_sales),
    "merchant clicks": ("merchant", "/conversions/campaign-clicks", _merchant_clicks),
    "merchant campaigns": ("merchant", "/campaigns/", _merchant_campaigns),
    "campaign members": ("merchant", _members_url, _members),
    "campaign members export": ("merchant", lambda seeded: _members_url(seeded) + "/export.csv", _members),
    "applications": ("merchant", "/campaigns/applications", _applications),
    "merchant affiliates": ("merchant", "/campaigns/affiliates", _merchant_sales),
    "merchant affiliates by commission": ("merchant", "/campaigns/affiliates?sort=commission", _merchant_sales),
    "merchant affiliates export": ("merchant", "/campaigns/affiliates/export.csv", _merchant_sales),
    "merchant dashboard": ("merchant", "/home/merchant", _merchant_campaigns),
    "merchant analytics": ("merchant", "/analytics/", _merchant_sales),
    "merchant conversions export": ("merchant", "/conversions/export.csv", _merchant_sales),
    "admin conversions": ("admin", "/conversions/", _merchant_sales),
    "admin clicks": ("admin", "/conversions/campaign-clicks", _merchant_clicks),
    "merchant clicks export": ("merchant", "/conversions/campaign-clicks/export.csv", _merchant_clicks),
    "admin campaigns": ("admin", "/campaigns/", _merchant_campaigns),
    "admin dashboard": ("admin", "/home/admin", _merchant_sales),
    "audit log": ("admin", "/admin/audit", _audit_events),
    "audit export": ("admin", "/admin/audit/export", _audit_events),
    "users": ("admin", "/admin/users", _users),
    "admin affiliates": ("admin", "/campaigns/affiliates", _merchant_sales),
    "admin affiliates export": ("admin", "/campaigns/affiliates/export.csv?sort=clicks", _merchant_sales),
    "payout queue": ("admin", "/payouts/admin", _payout_queue),
    "payout export": ("admin", "/payouts/admin/export.csv", _payout_queue),
    "payout queue export": ("admin", "/payouts/admin/requests.csv", _payout_queue),
    "stripe runs": ("admin", "/stripe/runs", _runs),
    "invitations": ("admin", "/invitations", _invitations),
    "webhook endpoints": ("admin", "/webhooks", _webhook_endpoints),
}


def statements_of(client, url: str) -> list[str]:
    seen = []

    def count(*args):
        seen.append(args[2])

    for counted in (False, True):
        db.session.remove()
        if counted:
            event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get(url)
            response.get_data()  # a streamed export runs its queries while it is read
        finally:
            if counted:
                event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200, url
    return seen


@pytest.mark.parametrize("case", list(CASES))
def test_fifty_rows_take_the_statements_of_one(case, client, login_as):
    role, url, seed = CASES[case]
    merchant_of_admin = factories.make_user("merchant")
    seeded = Seeded(login_as(role))
    # An admin's lists show everyone's rows: they are made under a merchant of their own.
    target = Seeded(merchant_of_admin, seeded.extra) if role == "admin" and seed in (
        _merchant_sales, _merchant_clicks, _merchant_campaigns) else seeded
    seed(target, 1)
    address = url(seeded) if callable(url) else url
    one = statements_of(client, address)
    seeded.reload()
    target.reload()
    seed(target, MANY - 1)
    many = statements_of(client, address)
    extra = "\n".join(statement[:160] for statement in many if statement not in one)
    assert len(many) == len(one), f"{case}: {len(one)} statements for 1 row, {len(many)} for {MANY}:\n{extra}"
