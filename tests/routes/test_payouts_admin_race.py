"""Two admins confirming the same payout at the same moment: one payment is recorded, never two."""
import os
import threading

import pytest

from tests import factories
from tests.payout_admin_helpers import audit_for, fresh, local_today, payout_in
from tests.routes.csrf import csrf_token

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"), reason="needs real Postgres row locks")]


def signed_in_client(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def test_concurrent_confirmations_pay_once(app):
    request = payout_in("approved")
    admins = [factories.make_user("admin") for _ in range(4)]
    clients = [signed_in_client(app, admin) for admin in admins]
    tokens = [csrf_token(c, "/payouts/admin") for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses = [None] * len(clients)
    today = local_today().isoformat()

    def pay(i):
        data = {"csrf_token": tokens[i], "method": "bank_transfer", "transaction_id": f"FT-{i}",
                "paid_on": today}
        with app.app_context():
            barrier.wait()
            statuses[i] = clients[i].post(f"/payouts/admin/{request.id}/confirm", data=data).status_code

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 500 not in statuses
    assert statuses.count(302) >= 1  # the winner redirects; the others see the refusal or the paid request
    paid_events = [e for e in audit_for(request.id) if e.action == "payout.paid"]
    assert len(paid_events) == 1
    winner = fresh(request.id)
    assert winner.status == "paid" and winner.transaction_id == paid_events[0].after["transaction_id"]
