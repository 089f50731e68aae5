"""Campaign status changes and deletes at the same moment, on real Postgres."""
import secrets

from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign
from app.models.tracking import Click
from app.services.campaigns import campaigns
from app.services.campaigns.campaigns import CampaignHasActivity, IllegalStatusChange
from tests import factories
from tests.concurrency import postgres_only, run_at_once

pytestmark = postgres_only("needs Postgres row locks (TEST_DATABASE_URL)")


def test_simultaneous_pauses_change_the_status_once(app):
    campaign_id = factories.make_campaign().id
    results = run_at_once(app, [lambda: campaigns.set_status(campaign_id, "paused", None, None).id] * 6)
    assert results.count(campaign_id) == 1
    assert all(isinstance(r, IllegalStatusChange) for r in results if r != campaign_id)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "campaign.paused")) == 1


def _click(link_id, campaign_id, affiliate_id):
    db.session.add(Click(public_id=secrets.token_urlsafe(16), link_id=link_id, campaign_id=campaign_id,
                         affiliate_id=affiliate_id))
    db.session.commit()
    return "clicked"


def test_delete_and_click_at_once_never_lose_the_click(app):
    for _ in range(5):
        link = factories.make_link()
        campaign_id, link_id, affiliate_id = link.campaign_id, link.id, link.affiliate_id
        deleted, clicked = run_at_once(app, [
            lambda c=campaign_id: campaigns.delete_campaign(c, None, None),
            lambda args=(link_id, campaign_id, affiliate_id): _click(*args),
        ])
        db.session.expire_all()
        campaign = db.session.get(Campaign, campaign_id)
        if clicked == "clicked":
            # The click won: the campaign must have refused to be deleted, and the click is still there.
            assert isinstance(deleted, CampaignHasActivity) and campaign is not None
            assert db.session.scalar(select(func.count()).select_from(Click)
                                     .where(Click.campaign_id == campaign_id)) == 1
        else:
            # The delete won: the click was refused by the database, not silently removed afterwards.
            assert deleted is None and campaign is None
            assert isinstance(clicked, Exception)
