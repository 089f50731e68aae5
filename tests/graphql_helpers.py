"""Asking the GraphQL endpoint in tests, and two tenants side by side to prove neither sees the other."""
from dataclasses import dataclass

from app.extensions import db
from app.models.campaigns import Membership
from app.models.tracking import Link
from app.services.accounts import api_keys
from tests import factories
from tests.conversion_helpers import setup_click

URL = "/graphql"


def key_for(user, scopes=("read", "write")) -> str:
    return api_keys.create_key(user.id, "program", list(scopes))[1]


def ask(client, query, variables=None, *, key=None, **kwargs):
    """POST `query` with `key` (none: the client's session); returns the response."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    headers.update(kwargs.pop("headers", {}))
    return client.post(URL, json={"query": query, "variables": variables or {}}, headers=headers, **kwargs)


def data(client, query, variables=None, *, key=None):
    """The `data` of a query that must succeed."""
    response = ask(client, query, variables, key=key)
    body = response.get_json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


def error(client, query, variables=None, *, key=None) -> dict:
    """The first error's extensions (with its message) of a query that must fail."""
    body = ask(client, query, variables, key=key).get_json()
    assert body.get("errors"), body
    first = body["errors"][0]
    return {**first["extensions"], "message": first["message"]}


@dataclass
class Tenant:
    merchant: object
    affiliate: object
    campaign: object
    membership: object
    link: object
    click: object
    conversion: object


def tenant(**campaign_kw) -> Tenant:
    """A merchant with a campaign, an approved affiliate with a link, a click and a pending conversion."""
    campaign, click = setup_click(**campaign_kw)
    link = db.session.get(Link, click.link_id)
    membership = db.session.scalar(db.select(Membership).where(Membership.campaign_id == campaign.id))
    conversion = factories.make_conversion(click)
    return Tenant(merchant=campaign.merchant, affiliate=link.affiliate, campaign=campaign, membership=membership,
                  link=link, click=click, conversion=conversion)
