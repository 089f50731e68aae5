"""Every page of the app, per role, found from the URL map over the demo data.

`seed_site()` loads the demo programme (every kind of object, in every role) plus what it lacks (an
API key, a payment proof); `pages_for(client, role)` signs nobody in, it only walks the URL map as
the given client: each GET rule with its id arguments filled from the objects that role can see,
keeping the URLs that answer 200. A rule whose arguments no candidate satisfies is reported, so a
new page cannot silently escape the tests that walk the site.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

from flask import current_app
from sqlalchemy import select

from app.demo import load_demo
from app.extensions import db
from app.models.api_keys import ApiKey
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.conversions import Conversion, TrackingTest
from app.models.invitations import Invitation
from app.models.money import PayoutRequest
from app.models.stripe_connect import StripePayoutRun
from app.models.tracking import Link
from app.models.users import User
from app.models.webhooks import WebhookEndpoint
from app.services.accounts import email_change
from app.services.accounts.accounts import make_reset_token
from app.services.accounts.api_keys import create_key
from app.services.conversions import tracking_tests
from app.services.payouts import proofs, requests, states
from app.services.webhooks.endpoints import new_secret

DEMO_LOGINS = {"admin": "admin@demo.test", "merchant": "merchant1@demo.test", "affiliate": "affiliate5@demo.test"}
DEMO_PASSWORD = "demo-password"
ROLES = ("anonymous", "affiliate", "merchant", "admin")
# Answers that are not pages a person reads: the tracking contract, health checks, the API.
NOT_PAGES = ("static", "health.", "tracking.follow", "tracking.aff_js", "tracking.conversion_pixel", "api.postback",
             "api.get_conversion", "api.create_conversion", "api.create_refund", "api.stripe_webhook",
             "graphql.endpoint")
MODELS = {"campaign_id": Campaign, "membership_id": Membership, "user_id": User, "conversion_id": Conversion,
          "link_id": Link, "request_id": PayoutRequest, "key_id": ApiKey, "run_id": StripePayoutRun,
          "endpoint_id": WebhookEndpoint, "test_id": TrackingTest}
CANDIDATES = 40
# The smallest PNG a proof upload accepts: the signature and an empty image header.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Page:
    endpoint: str
    url: str
    content_type: str
    # A whole HTML document (not a piece htmx swaps in).
    is_document: bool = False

    @property
    def is_html(self) -> bool:
        return self.content_type.startswith("text/html")


def seed_site() -> dict[str, User]:
    """The demo programme plus what it lacks for every page to exist; returns the demo user of each role.

    Added: an API key for the merchant, an approved payout waiting to be confirmed, a paid payout
    with a proof of payment, a finished Stripe payout run and a webhook endpoint for each demo user.
    """
    load_demo()
    users = {role: db.session.scalar(select(User).where(User.email == email))
             for role, email in DEMO_LOGINS.items()}
    create_key(users["merchant"].id, "Shop server")
    admin_id = users["admin"].id
    paid_to = db.session.scalar(select(User).where(User.email == "affiliate1@demo.test"))
    paid = requests.request_payout(paid_to.id, requests.minimum_for("VND"), "VND")
    states.approve(paid.id, admin_id)
    proof = proofs.store(BytesIO(PNG), "receipt.png")
    states.confirm_paid(paid.id, admin_id, method="bank_transfer", transaction_id="FT-SITE-1",
                        paid_on=utcnow().date(), proof=proof)
    waiting = requests.open_request(users["affiliate"].id, "VND")
    states.approve(waiting.id, admin_id)
    db.session.add(StripePayoutRun(kind="admin", status="finished", requested_by_id=admin_id,
                                   started_at=utcnow(), finished_at=utcnow()))
    tracking_tests.start(users["merchant"].id)
    for user in users.values():
        db.session.add(WebhookEndpoint(owner_id=user.id, url=f"https://hooks.example.org/{user.role}",
                                       events=["conversion.created"], secret=new_secret(), is_active=True,
                                       failures_in_row=0, created_at=utcnow()))
    db.session.commit()
    return users


def _invitation_token(inviter: User) -> str:
    """A fresh pending invitation's token (only its hash is stored, so the walk makes its own)."""
    token = secrets.token_urlsafe(16)
    db.session.add(Invitation(email=f"invited-{token[:8].lower()}@example.com", role="affiliate",
                              token_hash=hashlib.sha256(token.encode()).hexdigest(), invited_by_id=inviter.id,
                              expires_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    return token


def candidates(name: str, user: User | None) -> list:
    """Values to try for URL argument `name`: first what `user` owns, then anything."""
    if name == "token":
        someone = user or db.session.scalar(select(User).order_by(User.id))
        return [make_reset_token(someone), email_change.make_token(someone, "new.address@example.com"),
                _invitation_token(someone)]
    if name == "code":
        return list(db.session.scalars(select(Link.code).limit(3)))
    if name == "table":
        return ["funnel", "trend", "top", "cohorts"]
    if name == "kind":
        return ["weekly", "monthly"]
    model = MODELS.get(name)
    if model is None:
        return []
    ids = []
    if user is not None and user.role != "admin" and hasattr(model, "owned_by"):
        ids += db.session.scalars(select(model.id).where(model.owned_by(user)).order_by(model.id).limit(CANDIDATES))
    if user is not None and user.role == "merchant" and model is Membership:
        ids += db.session.scalars(select(Membership.id).join(Campaign, Campaign.id == Membership.campaign_id)
                                  .where(Campaign.merchant_id == user.id).limit(CANDIDATES))
    ids += db.session.scalars(select(model.id).order_by(model.id).limit(CANDIDATES))
    return list(dict.fromkeys(ids))


def get_rules(include_non_pages: bool = False):
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        if not include_non_pages and rule.endpoint.startswith(NOT_PAGES):
            continue
        yield rule


def pages_for(client, user: User | None, *, include_non_pages: bool = False,
              doors: set | None = None) -> tuple[list[Page], list[str]]:
    """(the pages `client` gets 200 for, the endpoints none of whose candidate URLs answered 200).

    Endpoints without arguments that answer with a redirect are added to `doors` if given.
    """
    found, unreached = [], []
    for rule in get_rules(include_non_pages):
        options = _argument_sets(rule, user)
        for values in options:
            url = _build(rule, values)
            response = client.get(url)
            if response.status_code in (301, 302, 303) and not rule.arguments:
                # A door to another page (the dashboard sends each role home), not a page of its own.
                if doors is not None:
                    doors.add(rule.endpoint)
                break
            if response.status_code == 200:
                document = response.content_type.startswith("text/html") and b"<html" in response.data[:500]
                found.append(Page(rule.endpoint, url, response.content_type, document))
                break
        else:
            unreached.append(rule.endpoint)
    return found, unreached


def _argument_sets(rule, user) -> list[dict]:
    names = sorted(rule.arguments)
    if not names:
        return [{}]
    if names == ["campaign_id", "membership_id"]:
        return [{"campaign_id": m.campaign_id, "membership_id": m.id}
                for m in db.session.scalars(select(Membership).limit(CANDIDATES))]
    sets = [{}]
    for name in names:
        sets = [dict(s, **{name: value}) for s in sets for value in candidates(name, user)]
    return sets[:CANDIDATES]


def _build(rule, values: dict) -> str:
    return current_app.url_map.bind("localhost").build(rule.endpoint, values)
