"""Demo payouts: payout details for three affiliates, one payout paid and one waiting for the admin.

They go through the payout services, so the ledger, the audit trail and the balances are exactly
what the app itself would have written.
"""
from app.models.common import utcnow
from app.models.users import User
from app.services.ledger import balances
from app.services.payouts import details, requests, states

DETAILS = {
    "affiliate1@demo.test": ("bank_transfer", {"bank_code": "VCB", "bank_account": "0071000123456",
                                               "account_holder": "NGUYEN VAN AN"}),
    "affiliate3@demo.test": ("momo", {"momo_phone": "0901234567"}),
    "affiliate5@demo.test": ("bank_transfer", {"bank_code": "TCB", "bank_account": "19033445566017",
                                               "account_holder": "VO MINH GIANG"}),
}
PAID_EMAIL = "affiliate5@demo.test"
PAID_AMOUNT = 100_000


def build_payouts(affiliates: list[User], admin: User) -> dict:
    """affiliate1 keeps its balance to try a request; affiliate5 was paid once and asks again."""
    by_email = {a.email: a for a in affiliates}
    for email, (method, values) in DETAILS.items():
        if email in by_email:
            details.update(by_email[email].id, method, values)
    paid_to = by_email.get(PAID_EMAIL)
    if paid_to is None or balances.available(paid_to.id, "VND") < PAID_AMOUNT + requests.minimum_for("VND"):
        return {"payout_requests": 0}
    first = requests.request_payout(paid_to.id, PAID_AMOUNT, "VND")
    states.approve(first.id, admin.id)
    states.confirm_paid(first.id, admin.id, method="bank_transfer", transaction_id="FT2611240001",
                         paid_on=utcnow().date(), notes="Chuyển khoản Techcombank")
    requests.request_payout(paid_to.id, balances.available(paid_to.id, "VND"), "VND")
    return {"payout_requests": 2}
