"""After Stripe refused a payout: try it through Stripe again, or pay it by hand instead.

Either way a new request for the same amount is made and approved at once (the refused one stays failed,
its amount already back in the balance): a new request has a new transfer group and idempotency key, so
it can never be confused with the refused attempt.
"""
from app.extensions import db
from app.models.money import PayoutRequest
from app.services.payouts import requests
from app.services.stripe_connect import accounts
from app.services.stripe_connect.errors import NotAStripePayout


def _refused_stripe_payout(request_id: int) -> PayoutRequest:
    original = db.session.get(PayoutRequest, request_id)
    if original is None or original.method != "stripe" or original.status != "failed":
        raise NotAStripePayout()
    return original


def through_stripe(request_id: int, actor_id: int, ip: str | None = None) -> PayoutRequest:
    """A new approved Stripe payout for the same amount, to the affiliate's (ready) Stripe account; commits."""
    original = _refused_stripe_payout(request_id)
    return requests.reissue(request_id, actor_id, accounts.destination(original.affiliate_id, original.currency),
                            ip=ip)


def by_hand(request_id: int, actor_id: int, ip: str | None = None) -> PayoutRequest:
    """A new approved payout for the same amount, to the affiliate's payout details, for an admin to pay; commits."""
    _refused_stripe_payout(request_id)
    return requests.reissue(request_id, actor_id, None, ip=ip)
