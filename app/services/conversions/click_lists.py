"""Reading clicks for people: an affiliate's own, a reviewer's campaigns', and their fraud signals.

Clicks are the largest table, so these lists are read by keyset (`common/keyset.py`) through the
`(owner, time)` indexes and never counted in full; the signals of a window of clicks take one query.
"""
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.tracking import Click, Link
from app.services.common.keyset import NEWEST, Cursor, Order, Window, window
from app.services.conversions.flags import BOT_USER_AGENT, CLICK_FLOOD, FLOOD_CLICKS, FLOOD_WINDOW, is_bot_user_agent

PER_PAGE = 25
# The lists count a click's neighbours from the same address up to this many ("100+").
IP_COUNT_CAP = 100
# Clicks sort only by time (either way): no other order has an index, and millions of rows cannot be sorted.
SORT_COLUMNS = {"created": "created_at"}


def affiliate_clicks(affiliate_id: int, cursor: Cursor | None = None, campaign_id: int | None = None,
                     per_page: int = PER_PAGE, order: Order = NEWEST) -> Window:
    """The affiliate's own clicks by time (newest first unless `order` says); in one campaign, read link by link."""
    query = select(Click).where(Click.affiliate_id == affiliate_id)
    split = None
    if campaign_id:
        query = query.where(Click.campaign_id == campaign_id)
        links = db.session.scalars(select(Link.id).where(Link.affiliate_id == affiliate_id,
                                                         Link.campaign_id == campaign_id)).all()
        split = (Click.link_id, links)
    return window(Click, query, cursor, per_page, order=order, split=split,
                  options=(selectinload(Click.link).selectinload(Link.campaign),))


def campaign_clicks(user, cursor: Cursor | None = None, campaign_id: int | None = None,
                    per_page: int = PER_PAGE, order: Order = NEWEST) -> Window:
    """Clicks on the reviewer's campaigns (an admin's: all) by time, read campaign by campaign."""
    query = select(Click)
    split = None
    if campaign_id:
        query = query.where(Click.campaign_id == campaign_id)
    if user.role != "admin":
        owned = db.session.scalars(select(Campaign.id).where(Campaign.merchant_id == user.id)).all()
        split = (Click.campaign_id, [c for c in owned if not campaign_id or c == campaign_id])
    return window(Click, query, cursor, per_page, order=order, split=split,
                  options=(selectinload(Click.link).selectinload(Link.campaign),
                           selectinload(Click.link).selectinload(Link.affiliate)))


def ip_click_counts(clicks, cap: int | None = None) -> dict[int, int]:
    """For each click with an IP: clicks from that IP on its campaign in the hour up to it (itself included),
    counted up to `cap` when one is given (a count of `cap` then means "that many or more").

    One query for the whole window; each click's own hour is looked up through the campaign's
    `(campaign, time)` index. A list of 25 clicks during a flood from one address would otherwise
    count the whole flood 25 times over (15,000 rows each at 4 clicks a second).
    """
    probes = [select(literal(click.id).label("click_id"), literal(click.campaign_id).label("campaign_id"),
                     literal(click.ip).label("ip"), literal(click.created_at - FLOOD_WINDOW).label("since"),
                     literal(click.created_at).label("until"))
              for click in clicks if click is not None and click.ip]
    if not probes:
        return {}
    probe = union_all(*probes).subquery()
    same_ip = (Click.campaign_id == probe.c.campaign_id, Click.created_at >= probe.c.since,
               Click.created_at <= probe.c.until, Click.ip == probe.c.ip)
    # A correlated count per probe: each runs through the index, never one join over every click.
    if cap is None:
        within = select(func.count()).select_from(Click).where(*same_ip).correlate(probe).scalar_subquery()
    else:
        first = select(Click.id).where(*same_ip).limit(cap).correlate(probe).subquery()
        within = select(func.count()).select_from(first).correlate(probe).scalar_subquery()
    return dict(db.session.execute(select(probe.c.click_id, within)).all())


def click_signals(click: Click, ip_clicks: int | None) -> list[str]:
    """Flag codes that describe a click (same codes and labels as the conversion flags)."""
    signals = []
    if is_bot_user_agent(click.user_agent):
        signals.append(BOT_USER_AGENT)
    if ip_clicks is not None and ip_clicks >= FLOOD_CLICKS:
        signals.append(CLICK_FLOOD)
    return signals
