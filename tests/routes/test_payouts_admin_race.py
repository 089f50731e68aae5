"""Two admins confirming the same payout at the same moment: one payment is recorded, never two."""
from tests import factories
from tests.concurrency import postgres_only, run_together
from tests.payout_admin_helpers import audit_for, fresh, local_today, payout_in
from tests.routes.csrf import csrf_token
from tests.sessions import signed_in_client

pytestmark = postgres_only("needs real Postgres row locks")


def test_concurrent_confirmations_pay_once(app):
    request = payout_in("approved")
    admins = [factories.make_user("admin") for _ in range(4)]
    clients = [signed_in_client(app, admin) for admin in admins]
    tokens = [csrf_token(c, "/payouts/admin") for c in clients]
    today = local_today().isoformat()
    url = f"/payouts/admin/{request.id}/confirm"

    def pay(i):
        data = {"csrf_token": tokens[i], "method": "bank_transfer", "transaction_id": f"FT-{i}",
                "paid_on": today}
        return clients[i].post(url, data=data).status_code

    statuses = run_together(app, len(clients), pay)
    assert 500 not in statuses
    assert statuses.count(302) >= 1  # the winner redirects; the others see the refusal or the paid request
    paid_events = [e for e in audit_for(request.id) if e.action == "payout.paid"]
    assert len(paid_events) == 1
    winner = fresh(request.id)
    assert winner.status == "paid" and winner.transaction_id == paid_events[0].after["transaction_id"]
