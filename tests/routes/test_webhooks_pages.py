"""The webhook pages: each role's own endpoints, errors beside the fields, test event and resend."""
import pytest
from sqlalchemy import func, select

from app import audit_labels
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.webhooks import WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.routes.csrf import post_form
from tests.webhook_helpers import Receiver, make_endpoint, verify


@pytest.fixture
def local_hosts(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_HOSTS", True)


def endpoint_count():
    return db.session.scalar(select(func.count()).select_from(WebhookEndpoint))


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get("/webhooks").status_code == 302


@pytest.mark.parametrize("role", ["merchant", "affiliate", "admin"])
def test_every_role_has_the_page(client, login_as, role):
    login_as(role)
    page = client.get("/webhooks")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert ('value="membership.requested"' in html) == (role in ("merchant", "admin"))
    assert ('value="payout.paid"' in html) == (role in ("affiliate", "admin"))


def test_another_persons_endpoint_is_not_found(client, login_as):
    stranger = make_endpoint(factories.make_user("merchant"), "https://hooks.example.org/x")
    login_as("merchant")
    assert client.get(f"/webhooks/{stranger.id}").status_code == 404
    assert post_form(client, f"/webhooks/{stranger.id}/delete", {}).status_code == 404
    assert post_form(client, f"/webhooks/{stranger.id}/test", {}).status_code == 404
    assert endpoint_count() == 1


def test_an_admin_sees_every_endpoint(client, login_as):
    stranger = make_endpoint(factories.make_user("merchant"), "https://hooks.example.org/x")
    login_as("admin")
    assert stranger.url in client.get("/webhooks").get_data(as_text=True)
    assert client.get(f"/webhooks/{stranger.id}").status_code == 200


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:9/hook", "private, local or reserved network"),
    ("http://169.254.169.254/latest", "private, local or reserved network"),
    ("ftp://shop.example/x", "Only http:// and https://"),
    ("", "Enter the address that receives the events."),
])
def test_a_refused_address_is_explained_beside_the_field(client, login_as, url, message):
    login_as("merchant")
    page = post_form(client, "/webhooks", {"url": url, "events": ["conversion.created"]})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="url-error"' in html and message in html
    assert endpoint_count() == 0


def test_an_affiliate_cannot_subscribe_to_applications(client, login_as):
    login_as("affiliate")
    page = post_form(client, "/webhooks", {"url": "https://93.184.216.34/hook", "events": ["membership.requested"]})
    assert 'id="events-error"' in page.get_data(as_text=True)
    assert endpoint_count() == 0


def test_register_send_a_test_event_and_resend_it(client, login_as, local_hosts):
    merchant = login_as("merchant")
    with Receiver() as receiver:
        created = post_form(client, "/webhooks", {"url": receiver.url, "description": "Shop server",
                                                 "events": ["conversion.created", "conversion.approved"]})
        endpoint = db.session.scalar(select(WebhookEndpoint))
        assert created.status_code == 302 and created.headers["Location"].endswith(f"/webhooks/{endpoint.id}")
        assert (endpoint.owner_id, endpoint.events) == (merchant.id, ["conversion.created", "conversion.approved"])
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "webhook_endpoints"))
        assert (audit.action, audit.actor_id) == ("webhook_endpoint.created", merchant.id)
        assert audit_labels.action_label(audit.action) == "Webhook endpoint added"
        assert post_form(client, f"/webhooks/{endpoint.id}/test", {}).status_code == 302
        sent = db.session.scalar(select(WebhookDelivery))
        assert post_form(client, f"/webhooks/{endpoint.id}/deliveries/{sent.id}/resend", {}).status_code == 302
        page = client.get(f"/webhooks/{endpoint.id}").get_data(as_text=True)
    assert [body["type"] for body in receiver.bodies()] == ["webhook.test", "webhook.test"]
    assert all(verify(endpoint.secret, headers["x-webhook-signature"], body) for headers, body in receiver.received)
    assert endpoint.secret in page and "webhook.test" in page and "<code>200</code>" in page


def test_turn_off_and_on_and_delete(client, login_as):
    merchant = login_as("merchant")
    endpoint = make_endpoint(merchant, "https://hooks.example.org/x")
    post_form(client, f"/webhooks/{endpoint.id}/disable", {})
    db.session.expire_all()
    assert not db.session.get(WebhookEndpoint, endpoint.id).is_active
    post_form(client, f"/webhooks/{endpoint.id}/enable", {})
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).is_active
    old_secret = endpoint.secret
    post_form(client, f"/webhooks/{endpoint.id}/secret", {})
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).secret != old_secret
    assert post_form(client, f"/webhooks/{endpoint.id}/delete", {}).status_code == 302
    assert endpoint_count() == 0
