"""Payout mutations: an affiliate's details and requests, an admin's decisions and payments by hand."""
from datetime import date
from enum import Enum

import strawberry
from strawberry.file_uploads import Upload

from app.blueprints.graphql.common_types import MinorUnits
from app.blueprints.graphql.errors import ApiProblem
from app.blueprints.graphql.money_types import PayoutDetails, PayoutRequestNode, payout_details
from app.services.api import visibility
from app.services.payouts import details, proof_tokens, proofs, requests, states


@strawberry.enum
class PayoutDecision(Enum):
    APPROVE = "approve"
    REJECT = "reject"


@strawberry.input(description="How the affiliate is paid: the chosen method's details are required.")
class PayoutDetailsInput:
    method: str = strawberry.field(description="bank_transfer, momo or paypal")
    bank_code: str | None = None
    bank_name: str | None = strawberry.field(default=None, description="For a bank that is not in the list.")
    bank_account: str | None = None
    account_holder: str | None = None
    momo_phone: str | None = None
    paypal_email: str | None = None


@strawberry.type(description="A proof of payment kept for a later confirmManualPayment.")
class UploadedProof:
    file_id: str = strawberry.field(description="Pass as proofFileId within a day.")
    filename: str
    content_type: str


def _proof(caller, proof: Upload | None, proof_file_id: str | None) -> dict | None:
    """The proof sent with the request, or the one an earlier upload stored; never both."""
    if proof is not None and proof_file_id:
        raise ApiProblem("VALIDATION_FAILED", "Send either a file or a proofFileId, not both.", "proofFileId")
    if proof is not None:
        return proofs.store(proof.stream, proof.filename)
    if proof_file_id:
        return proof_tokens.redeem(proof_file_id, caller.user.id)
    return None


@strawberry.type
class PayoutMutations:
    @strawberry.mutation(description="Save how the affiliate is paid.")
    def save_payout_details(self, info: strawberry.Info, input: PayoutDetailsInput) -> PayoutDetails:
        caller = info.context
        user = caller.require("affiliate", write=True)
        values = {name: getattr(input, name) for name in ("bank_code", "bank_name", "bank_account", "account_holder",
                                                          "momo_phone", "paypal_email")}
        return payout_details(details.update(user.id, input.method, values, ip=caller.ip))

    @strawberry.mutation(description="Ask for part of the available balance to be paid out; it is reserved at once.")
    def request_payout(self, info: strawberry.Info, amount: MinorUnits, currency: str,
                       method: str | None = None) -> PayoutRequestNode:
        caller = info.context
        user = caller.require("affiliate", write=True)
        return requests.request_payout(user.id, amount, currency, method=method, ip=caller.ip)

    @strawberry.mutation(description="Withdraw one's own request while it still waits for approval.")
    def cancel_payout_request(self, info: strawberry.Info, id: int) -> PayoutRequestNode:
        caller = info.context
        user = caller.require("affiliate", write=True)
        return states.cancel(visibility.payout_request(user, id).id, user.id, ip=caller.ip)

    @strawberry.mutation(description="Approve a requested payout, or reject it with a reason (the money goes back).")
    def decide_payout_request(self, info: strawberry.Info, id: int, decision: PayoutDecision,
                              reason: str | None = None) -> PayoutRequestNode:
        caller = info.context
        user = caller.require("admin", write=True)
        request = visibility.payout_request(user, id)
        if decision is PayoutDecision.APPROVE:
            return states.approve(request.id, user.id, ip=caller.ip)
        return states.reject(request.id, user.id, reason or "", ip=caller.ip)

    @strawberry.mutation(description="Keep a proof of payment (PNG, JPEG or PDF) for a later confirmation.")
    def upload_payment_proof(self, info: strawberry.Info, file: Upload) -> UploadedProof:
        caller = info.context
        user = caller.require("admin", write=True)
        stored = proofs.store(file.stream, file.filename)
        return UploadedProof(file_id=proof_tokens.issue(stored, user.id), filename=stored["filename"],
                             content_type=stored["content_type"])

    @strawberry.mutation(description="Record that an approved payout was paid by hand: how, its transaction id, "
                                     "when, with a proof sent in this multipart request or uploaded before.")
    def confirm_manual_payment(self, info: strawberry.Info, id: int, method: str, transaction_id: str,
                               paid_on: date, notes: str | None = None, proof: Upload | None = None,
                               proof_file_id: str | None = None) -> PayoutRequestNode:
        caller = info.context
        user = caller.require("admin", write=True)
        request = visibility.payout_request(user, id)
        stored = _proof(caller, proof, proof_file_id)
        try:
            return states.confirm_paid(request.id, user.id, method=method, transaction_id=transaction_id,
                                       paid_on=paid_on, notes=notes, proof=stored, ip=caller.ip)
        except Exception:
            if proof is not None:
                proofs.discard(stored)
            raise

    @strawberry.mutation(description="Correct the payment record of a paid payout; the audit log keeps the old one.")
    def update_payment_info(self, info: strawberry.Info, id: int, method: str | None = None,
                            transaction_id: str | None = None, notes: str | None = None,
                            proof: Upload | None = None, proof_file_id: str | None = None) -> PayoutRequestNode:
        caller = info.context
        user = caller.require("admin", write=True)
        request = visibility.payout_request(user, id)
        stored = _proof(caller, proof, proof_file_id)
        try:
            return states.correct_payment(request.id, user.id, method=method, transaction_id=transaction_id,
                                          notes=notes, proof=stored, ip=caller.ip)
        except Exception:
            if proof is not None:
                proofs.discard(stored)
            raise
