"""Rows for the list sorting tests: each case seeds three rows that differ in every column its list sorts by.

A seed returns the rows in the order they were made (their ids ascend), each as (marker, values): the
marker is text only that row shows in the list's body, `values` its sort value per key.
"""
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import NamedTuple

from app.extensions import db
from app.models.api_keys import ApiKey
from app.models.common import utcnow
from app.models.invitations import Invitation
from app.models.money import LedgerEntry, PayoutRequest
from app.models.stripe_connect import StripePayoutRun
from app.models.webhooks import WebhookEndpoint
from tests import factories

NOW = utcnow()


def ago(days: float):
    return NOW - timedelta(days=days)


class Grouped(NamedTuple):
    """A sort value whose `group` keeps its order whichever way the list is sorted (live API keys first)."""

    group: int
    value: object


@dataclass
class Case:
    role: str
    url: object  # a path, or a function of what the seed kept, giving one
    seed: object  # function(signed-in user, kept: dict) -> [(marker, {key: value})]
    keys: tuple
    default: str
    descending: bool = True
    # A filter the list takes that every seeded row matches, for the links that must keep it.
    keep: str = ""
    target: str = ""
    kept: dict = field(default_factory=dict)

    def address(self) -> str:
        return self.url(self.kept) if callable(self.url) else self.url


def _campaigns(merchant, kept):
    rows = []
    for name, status, rate, days in (("Kiwi deals", "paused", "12", 3), ("Apple days", "ended", "5", 1),
                                     ("Mango fest", "active", "8", 2)):
        factories.make_campaign(merchant, name=name, status=status, commission_rate=Decimal(rate),
                                created_at=ago(days))
        rows.append((name, {"created": -days, "name": name.lower(), "status": status, "commission": Decimal(rate)}))
    return rows


def _admin_campaigns(admin, kept):
    rows = []
    for company, days in (("Zeta shop", 2), ("Alpha shop", 3), ("Milo shop", 1)):
        merchant = factories.make_user("merchant", company_name=company)
        factories.make_campaign(merchant, name=f"Of {company}", created_at=ago(days))
        rows.append((f"Of {company}", {"merchant": company.lower(), "created": -days}))
    return rows


def _directory(affiliate, kept):
    rows = []
    for name, company, rate, days, window, mode in (
            ("Kiwi deals", "Zeta shop", 12, 3, 60, "review"), ("Apple days", "Milo shop", 4, 1, 7, "open"),
            ("Mango fest", "Alpha shop", 8, 2, 30, "review")):
        merchant = factories.make_user("merchant", company_name=company)
        factories.make_campaign(merchant, name=name, commission_rate=Decimal(rate), created_at=ago(days),
                                attribution_days=window, join_mode=mode)
        rows.append((name, {"created": -days, "name": name.lower(), "merchant": company.lower(),
                            "commission": rate, "terms": window, "joining": mode}))
    return rows


def _members(merchant, kept):
    campaign = kept.setdefault("campaign", factories.make_campaign(merchant))
    rows = []
    for name, days in (("Kim Le", 1), ("Bao Ngo", 3), ("Tam Vo", 2)):
        affiliate = factories.make_user("affiliate", name=name)
        factories.make_membership(campaign, affiliate, decided_at=ago(days))
        rows.append((name, {"recent": -days, "name": name.lower()}))
    return rows


def _links(affiliate, kept):
    rows = []
    for label, days in (("Summer post", 2), ("Banner", 1), ("Newsletter", 3)):
        campaign = factories.make_campaign()
        factories.make_membership(campaign, affiliate)
        factories.make_link(campaign, affiliate, label=label, created_at=ago(days))
        rows.append((f"<strong>{label}</strong>", {"created": -days, "link": label.lower()}))
    return rows


def _payout(affiliate, status, amount, currency, days, method="bank_transfer") -> PayoutRequest:
    made = PayoutRequest(affiliate_id=affiliate.id, amount=amount, currency=currency, status=status, method=method,
                         details={"method": method}, requested_at=ago(days), idempotency_key=secrets.token_hex(16))
    db.session.add(made)
    db.session.commit()
    return made


def _history(affiliate, kept):
    rows = []
    for status, amount, currency, days in (("paid", 900_000, "VND", 2), ("rejected", 50_000, "VND", 3),
                                           ("requested", 200_000, "VND", 1)):
        made = _payout(affiliate, status, amount, currency, days)
        rows.append((f'id="payout-{made.id}"', {"requested": -days, "amount": amount, "status": status}))
    return rows


def _statement(affiliate, kept):
    rows = []
    for amount, currency, kind, days in ((250_000, "VND", "commission", 2), (-1_500, "USD", "payout_reserve", 3),
                                         (40_000, "VND", "commission", 1)):
        made = LedgerEntry(affiliate_id=affiliate.id, currency=currency, amount=amount, kind=kind,
                           idempotency_key=secrets.token_hex(16), created_at=ago(days), available_at=ago(days))
        db.session.add(made)
        db.session.commit()
        rows.append((f'id="entry-{made.id}"', {"created": -days, "amount": amount}))
    return rows


def _queue(admin, kept):
    rows = []
    for index, (name, status, amount, days, method) in enumerate((
            ("Yen Ho", "paid", 700_000, 1, "momo"), ("An Pham", "requested", 300_000, 2, "paypal"),
            ("Minh Do", "requested", 900_000, 3, "bank_transfer"))):
        made = _payout(factories.make_user("affiliate", name=name), status, amount, "VND", days, method)
        rows.append((f'id="payout-{made.id}"', {
            "waiting": (status != "requested", -days), "reference": index, "affiliate": name.lower(),
            "amount": amount, "method": method, "requested": -days, "status": status}))
    return rows


def _users(admin, kept):
    rows = []
    # A merchant goes by its company's name ("Shop n" from the factory).
    for name, role, days, signed_in, disabled in (("Thu Ha", "affiliate", 3, 1, False),
                                                  ("Quang Bui", "merchant", 1, None, True),
                                                  ("Lan Chu", "affiliate", 2, 5, False)):
        user = factories.make_user(role, name=name, email=f"{name.split()[0].lower()}@example.com")
        user.created_at, user.is_disabled = ago(days), disabled
        user.last_login_at = ago(signed_in) if signed_in else None
        rows.append((user.email, {"created": -days, "name": user.display_name.lower(), "email": user.email,
                                  "role": role, "status": disabled,
                                  # never signed in: last either way
                                  "last_sign_in": -signed_in if signed_in else None}))
    db.session.commit()
    return rows


def _runs(admin, kept):
    rows = []
    for index, (status, days, finished) in enumerate((("finished", 2, 1), ("running", 1, None), ("queued", 3, None))):
        run = StripePayoutRun(kind="admin", status=status, requested_by_id=admin.id, created_at=ago(days),
                              finished_at=ago(finished) if finished else None)
        db.session.add(run)
        db.session.commit()
        rows.append((f'/stripe/runs/{run.id}"', {"run": index, "created": -days, "status": status,
                                                  "finished": -finished if finished else None}))
    return rows


def _applications(merchant, kept):
    rows = []
    for name, campaign_name, days in (("Kim Le", "Tea club", 1), ("Bao Ngo", "Rice fair", 3), ("Tam Vo", "Ink bar", 2)):
        campaign = factories.make_campaign(merchant, name=campaign_name, join_mode="review")
        factories.make_membership(campaign, factories.make_user("affiliate", name=name), status="pending",
                                  created_at=ago(days))
        rows.append((f"<strong>{name}</strong>", {"applied": -days, "affiliate": name.lower(),
                                                  "campaign": campaign_name.lower()}))
    return rows


def _invitations(admin, kept):
    rows = []
    for email, role, campaign_name, days in (("vy@example.com", "affiliate", "Tea club", 2),
                                             ("an@example.com", "merchant", None, 1),
                                             ("hoa@example.com", "affiliate", "Ink bar", 3)):
        campaign = factories.make_campaign(name=campaign_name) if campaign_name else None
        db.session.add(Invitation(email=email, role=role, token_hash=secrets.token_hex(32), invited_by_id=admin.id,
                                  campaign_id=campaign.id if campaign else None, created_at=ago(days),
                                  expires_at=ago(days - 7)))
        db.session.commit()
        rows.append((f"<td>{email}</td>", {"sent": -days, "email": email, "role": role,
                                           "campaign": campaign_name.lower() if campaign_name else None}))
    return rows


def _endpoints(admin, kept):
    rows = []
    for url, email, active in (("https://mango.example/hook", "zed@example.com", True),
                               ("https://apple.example/hook", "bo@example.com", False),
                               ("https://kiwi.example/hook", "mai@example.com", True)):
        owner = factories.make_user("merchant", email=email)
        db.session.add(WebhookEndpoint(owner_id=owner.id, url=url, events=["payout.paid"], secret="s" * 40,
                                       is_active=active))
        db.session.commit()
        rows.append((f"<code>{url}</code>", {"added": len(rows), "url": url, "owner": email, "status": active}))
    return rows


def _api_keys(user, kept):
    rows = []
    for label, days, used, revoked in (("Shop sync", 2, None, False), ("Reports", 3, 1, True), ("Mobile", 1, 2, False)):
        db.session.add(ApiKey(user_id=user.id, label=label, prefix=secrets.token_hex(4), key_hash=secrets.token_hex(32),
                              created_at=ago(days), last_used_at=ago(used) if used else None,
                              revoked_at=ago(0) if revoked else None))
        db.session.commit()
        rows.append((f"<td>{label}</td>", {"live": Grouped(int(revoked), -days), "name": label.lower(),
                                           "created": -days, "last_used": -used if used else None,
                                           "status": revoked}))
    return rows


CASES = {
    "merchant campaigns": Case("merchant", "/campaigns/", _campaigns, ("created", "name", "status", "commission"),
                               "created", keep="q=a", target="campaign-table"),
    "admin campaigns": Case("admin", "/campaigns/", _admin_campaigns, ("created", "merchant"), "created",
                            keep="q=shop", target="campaign-table"),
    "campaign directory": Case("affiliate", "/campaigns/directory", _directory,
                               ("created", "name", "merchant", "commission", "terms", "joining"), "created",
                               keep="q=a", target="directory-table"),
    "campaign members": Case("merchant", lambda kept: f"/campaigns/{kept['campaign'].id}/affiliates", _members,
                             ("recent", "name"), "recent", keep="days=90", target="members"),
    "affiliate links": Case("affiliate", "/links/", _links, ("created", "link"), "created", keep="archived=0",
                            target="links-list"),
    "affiliate payouts": Case("affiliate", "/payouts/", _history, ("requested", "amount", "status"), "requested",
                              target="payout-history"),
    "affiliate statement": Case("affiliate", "/payouts/statement", _statement, ("created", "amount"), "created",
                                keep="date_from=2020-01-01", target="statement-table"),
    "payout queue": Case("admin", "/payouts/admin", _queue, ("waiting", "reference", "affiliate", "amount", "method",
                                                             "requested", "status"),
                         "waiting", descending=False, keep="currency=VND", target="payout-queue"),
    "users": Case("admin", "/admin/users", _users, ("created", "name", "email", "role", "last_sign_in", "status"),
                  "created", keep="q=example", target="users-table"),
    "applications": Case("merchant", "/campaigns/applications", _applications, ("applied", "affiliate", "campaign"),
                         "applied", descending=False, target="applications"),
    "invitations": Case("admin", "/invitations", _invitations, ("sent", "email", "role", "campaign"), "sent",
                        target="invitation-list"),
    "webhook endpoints": Case("admin", "/webhooks", _endpoints, ("added", "url", "owner", "status"), "added",
                              descending=False, target="webhook-endpoints"),
    "api keys": Case("merchant", "/settings/api-keys", _api_keys, ("live", "name", "created", "last_used", "status"),
                     "live", target="api-key-list"),
    "stripe runs": Case("admin", "/stripe/runs", _runs, ("run", "created", "finished", "status"), "run",
                        target="stripe-runs"),
}
