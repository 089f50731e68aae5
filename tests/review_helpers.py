"""Setup shared by the conversion review, affiliate activity and query tests."""
from datetime import timedelta

from app.models.common import utcnow
from tests import factories

HX = {"HX-Request": "true"}


def shop(merchant=None, affiliate=None, **campaign_kw):
    """A campaign of `merchant` with an approved `affiliate` and one link: (campaign, affiliate, link)."""
    campaign = factories.make_campaign(merchant, **campaign_kw)
    membership = factories.make_membership(campaign, affiliate)
    link = factories.make_link(campaign, membership.affiliate)
    return campaign, membership.affiliate, link


def sale(link, *, created_at=None, click_kw=None, **kwargs):
    """A conversion on a fresh click of `link`, recorded at `created_at` (default: an hour ago)."""
    created_at = created_at or utcnow() - timedelta(hours=1)
    click = factories.make_click(link, created_at=created_at - timedelta(minutes=5),
                                 **(click_kw or {"ip": "198.51.100.7", "user_agent": "Mozilla/5.0 Firefox/140.0"}))
    return factories.make_conversion(click, created_at=created_at, **kwargs)
