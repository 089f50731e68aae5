"""Payout mutations through /graphql: details, requests, decisions and payments by hand, with proofs."""
import json
from io import BytesIO

import pytest

from app.extensions import db
from app.models.money import PayoutRequest
from app.services.payouts import proofs
from tests import factories
from tests.graphql_helpers import URL, data, error, key_for
from tests.payout_helpers import affiliate_with_details, earn, ledger_sum
from tests.site_map import PNG

REQUEST = "mutation($a: MinorUnits!) { requestPayout(amount: $a, currency: \"VND\") { id status amount destination } }"
CONFIRM = """mutation($id: Int!, $proof: Upload, $file: String) { confirmManualPayment(id: $id, method: "bank_transfer",
  transactionId: "FT-778", paidOn: "2026-11-30", proof: $proof, proofFileId: $file) { status paidOn transactionId
  hasProof } }"""


@pytest.fixture
def earner(app):
    affiliate = affiliate_with_details()
    earn(affiliate, 500_000)
    return affiliate


def multipart(client, key, query, variables, files):
    """A GraphQL multipart request: files travel beside the operation and are mapped into its variables."""
    form = {"operations": json.dumps({"query": query, "variables": variables}),
            "map": json.dumps({name: [f"variables.{name}"] for name in files})}
    form.update({name: (BytesIO(content), filename) for name, (content, filename) in files.items()})
    return client.post(URL, data=form, content_type="multipart/form-data",
                       headers={"Authorization": f"Bearer {key}"})


def test_details_are_saved_and_shown_masked(client):
    affiliate = factories.make_user("affiliate")
    save = """mutation($m: String!, $acct: String) { savePayoutDetails(input: {method: $m, bankCode: "VCB",
      bankAccount: $acct, accountHolder: "Nguyen Van A"}) { method bankAccount accountHolder } }"""
    saved = data(client, save, {"m": "bank_transfer", "acct": "0123456789"}, key=key_for(affiliate))
    assert saved["savePayoutDetails"]["method"] == "bank_transfer"
    assert saved["savePayoutDetails"]["bankAccount"].endswith("6789") and "0123" not in \
        saved["savePayoutDetails"]["bankAccount"]
    refused = error(client, save, {"m": "bank_transfer", "acct": "12"}, key=key_for(affiliate))
    assert refused["code"] == "INVALID_PAYOUT_DETAILS" and refused["field"] == "bankAccount"
    assert error(client, save, {"m": "carrier pigeon"}, key=key_for(affiliate))["field"] == "method"
    assert error(client, save, {"m": "bank_transfer", "acct": "0123456789"},
                 key=key_for(factories.make_user("merchant")))["code"] == "FORBIDDEN"


def test_request_and_cancel_a_payout(client, earner):
    key = key_for(earner)
    made = data(client, REQUEST, {"a": 200_000}, key=key)["requestPayout"]
    assert made["status"] == "requested" and "6789" in made["destination"]
    assert ledger_sum(earner.id) == 300_000
    assert error(client, REQUEST, {"a": 100_000}, key=key)["code"] == "PAYOUT_ALREADY_OPEN"
    cancel = "mutation($id: Int!) { cancelPayoutRequest(id: $id) { status } }"
    assert error(client, cancel, {"id": made["id"]}, key=key_for(affiliate_with_details()))["code"] == "NOT_FOUND"
    assert data(client, cancel, {"id": made["id"]}, key=key)["cancelPayoutRequest"] == {"status": "cancelled"}
    assert ledger_sum(earner.id) == 500_000


@pytest.mark.parametrize(("amount", "code"), [(10, "PAYOUT_BELOW_MINIMUM"), (900_000, "PAYOUT_ABOVE_AVAILABLE"),
                                              (0, "INVALID_PAYOUT_AMOUNT")])
def test_requests_the_pages_would_refuse_are_refused(client, earner, amount, code):
    assert error(client, REQUEST, {"a": amount}, key=key_for(earner))["code"] == code
    assert db.session.scalar(db.select(db.func.count()).select_from(PayoutRequest)) == 0


def test_admins_decide_and_others_cannot(client, earner):
    made = data(client, REQUEST, {"a": 200_000}, key=key_for(earner))["requestPayout"]
    decide = "mutation($id: Int!, $d: PayoutDecision!, $r: String) { decidePayoutRequest(id: $id, decision: $d, " \
             "reason: $r) { status rejectReason } }"
    assert error(client, decide, {"id": made["id"], "d": "APPROVE"}, key=key_for(earner))["code"] == "FORBIDDEN"
    admin_key = key_for(factories.make_user("admin"))
    assert error(client, decide, {"id": made["id"], "d": "REJECT"}, key=admin_key)["code"] == "REASON_REQUIRED"
    assert error(client, decide, {"id": 999_999, "d": "APPROVE"}, key=admin_key)["code"] == "NOT_FOUND"
    assert data(client, decide, {"id": made["id"], "d": "REJECT", "r": "Details do not match"},
                key=admin_key)["decidePayoutRequest"] == {"status": "rejected", "rejectReason": "Details do not match"}
    assert ledger_sum(earner.id) == 500_000


def test_confirm_a_payment_with_a_proof_in_the_same_multipart_request(client, earner):
    made = data(client, REQUEST, {"a": 200_000}, key=key_for(earner))["requestPayout"]
    admin_key = key_for(factories.make_user("admin"))
    data(client, 'mutation($id: Int!) { decidePayoutRequest(id: $id, decision: APPROVE) { status } }',
         {"id": made["id"]}, key=admin_key)
    response = multipart(client, admin_key, CONFIRM, {"id": made["id"], "proof": None, "file": None},
                         {"proof": (PNG, "receipt.png")})
    body = response.get_json()
    assert response.status_code == 200 and "errors" not in body, body
    assert body["data"]["confirmManualPayment"] == {"status": "paid", "paidOn": "2026-11-30",
                                                    "transactionId": "FT-778", "hasProof": True}
    assert proofs.resolve(db.session.get(PayoutRequest, made["id"]).proof_path) is not None


def test_confirm_with_a_proof_uploaded_before_and_a_wrong_file_refused(client, earner):
    admin = factories.make_user("admin")
    admin_key = key_for(admin)
    made = data(client, REQUEST, {"a": 200_000}, key=key_for(earner))["requestPayout"]
    upload = "mutation($file: Upload!) { uploadPaymentProof(file: $file) { fileId filename contentType } }"
    not_a_proof = multipart(client, admin_key, upload, {"file": None}, {"file": (b"MZ not an image", "x.exe")})
    assert not_a_proof.get_json()["errors"][0]["extensions"]["code"] == "PROOF_WRONG_TYPE"
    stored = multipart(client, admin_key, upload, {"file": None}, {"file": (PNG, "receipt.png")}).get_json()
    file_id = stored["data"]["uploadPaymentProof"]["fileId"]
    assert stored["data"]["uploadPaymentProof"]["contentType"] == "image/png"
    # Not yet approved: the door refuses, and the uploaded file stays usable for the retry.
    assert error(client, CONFIRM, {"id": made["id"], "file": file_id}, key=admin_key)["code"] == \
        "INVALID_PAYOUT_TRANSITION"
    data(client, 'mutation($id: Int!) { decidePayoutRequest(id: $id, decision: APPROVE) { status } }',
         {"id": made["id"]}, key=admin_key)
    other_admin = key_for(factories.make_user("admin"))
    assert error(client, CONFIRM, {"id": made["id"], "file": file_id}, key=other_admin)["field"] == "proofFileId"
    assert error(client, CONFIRM, {"id": made["id"], "file": file_id + "x"}, key=admin_key)["code"] == \
        "INVALID_PROOF_FILE"
    paid = data(client, CONFIRM, {"id": made["id"], "file": file_id}, key=admin_key)["confirmManualPayment"]
    assert paid["status"] == "paid" and paid["hasProof"] is True


def test_update_payment_info_of_a_paid_payout(client, earner):
    admin_key = key_for(factories.make_user("admin"))
    made = data(client, REQUEST, {"a": 200_000}, key=key_for(earner))["requestPayout"]
    data(client, 'mutation($id: Int!) { decidePayoutRequest(id: $id, decision: APPROVE) { status } }',
         {"id": made["id"]}, key=admin_key)
    update = 'mutation($id: Int!) { updatePaymentInfo(id: $id, transactionId: "FT-779", notes: "Typo") ' \
             '{ transactionId paymentNotes } }'
    assert error(client, update, {"id": made["id"]}, key=admin_key)["code"] == "NOT_PAID"
    data(client, CONFIRM, {"id": made["id"]}, key=admin_key)
    assert data(client, update, {"id": made["id"]}, key=admin_key)["updatePaymentInfo"] == \
        {"transactionId": "FT-779", "paymentNotes": "Typo"}
    assert error(client, update, {"id": made["id"]}, key=key_for(earner))["code"] == "FORBIDDEN"
