"""The demo's traffic: clicks over the last 60 days, the orders some of them led to, and the ledger."""
import secrets
from datetime import datetime, timedelta

from sqlalchemy import insert

from app.demo.people import People
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.conversions import Conversion
from app.models.money import LedgerEntry
from app.models.tracking import Click
from app.money import percent_of

DAYS = 60
# Conversions younger than this are still waiting for the merchant's decision.
UNDECIDED_DAYS = 10
REPEAT_SHARE = 0.15
CONVERSION_RATE = 0.12
REJECT_SHARE = 0.2

USER_AGENTS = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/125.0.0.0 Mobile Safari/537.36 Zalo android/12100",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 [FBAN/FBIOS;FBAV/468.0.0]",
)
REFERRERS = ("https://www.facebook.com/", "https://l.facebook.com/", "https://www.google.com/",
             "https://www.tiktok.com/", "https://zalo.me/", None, None)
# Prefixes of Vietnamese access networks (VNPT, Viettel, FPT).
IP_PREFIXES = ("14.161", "14.187", "27.72", "42.113", "113.161", "113.185", "116.110", "171.224", "183.80")
SOURCES, SOURCE_WEIGHTS = ("api", "pixel", "postback"), (5, 3, 2)
REJECT_REASONS = ("Khách huỷ đơn.", "Khách trả hàng.", "Đơn trùng lặp.", "Đơn thử nghiệm của cửa hàng.")
ORDER_PREFIXES = {"merchant1@demo.test": "SGC", "merchant2@demo.test": "HNB"}


def build_traffic(rng, now: datetime, people: People) -> dict:
    clicks = _clicks(rng, now, people)
    click_ids = db.session.scalars(insert(Click).returning(Click.id, sort_by_parameter_order=True), clicks).all()
    for click_id, click in zip(click_ids, clicks, strict=True):
        click["id"] = click_id
    conversions = _conversions(rng, now, people, clicks)
    if conversions:
        ids = db.session.scalars(insert(Conversion).returning(Conversion.id, sort_by_parameter_order=True),
                                 [{k: v for k, v in c.items() if k != "click"} for c in conversions]).all()
        for conversion_id, conversion in zip(ids, conversions, strict=True):
            conversion["id"] = conversion_id
    ledger = [_commission_entry(c) for c in conversions if c["status"] == "approved"]
    if ledger:
        db.session.execute(insert(LedgerEntry), ledger)
    audit = _audit_trail(conversions)
    if audit:
        db.session.execute(insert(AuditEvent), audit)
    return {"clicks": len(clicks), "conversions": len(conversions), "ledger entries": len(ledger)}


def _commission_entry(c: dict) -> dict:
    """The row the approval would have appended: payable once the hold period is over."""
    return dict(affiliate_id=c["affiliate_id"], currency=c["currency"], amount=c["commission"], kind="commission",
                conversion_id=c["id"], idempotency_key=f"commission:conv:{c['id']}", available_at=c["payable_at"],
                created_at=c["decided_at"], memo=f"Order {c['order_id']}")


def _audit_trail(conversions: list[dict]) -> list[dict]:
    """The events the conversion services would have written: recorded, then the merchant's decision."""
    def event(c, action, actor_id, before, after, when):
        return dict(actor_id=actor_id, action=action, object_type="conversions", object_id=str(c["id"]),
                    before=before, after=after, ip=None, created_at=when)

    rows = [event(c, "conversion.recorded", None, None, {
        "order_id": c["order_id"], "amount": c["amount"], "currency": c["currency"], "commission": c["commission"],
        "source": c["source"], "click": c["click"]["public_id"], "flags": []}, c["created_at"]) for c in conversions]
    rows += [event(c, f"conversion.{c['status']}", c["decided_by_id"], {"status": "pending"},
                   {"status": c["status"], "reason": c["reject_reason"], "commission": c["commission"]},
                   c["decided_at"]) for c in conversions if c["status"] != "pending"]
    return rows


def _visitor(rng) -> dict:
    return dict(ip=f"{rng.choice(IP_PREFIXES)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                user_agent=rng.choice(USER_AGENTS), referrer=rng.choice(REFERRERS))


def _clicks(rng, now: datetime, people: People) -> list[dict]:
    keys = {c.id: key for key, c in people.campaigns.items()}
    rows = []
    for link in people.links:
        key = keys[link.campaign_id]
        start = max(now - timedelta(days=DAYS), link.created_at)
        end = people.traffic_ends[key]
        if end <= start:
            continue
        # Some links are an affiliate's main channel, others barely used.
        count = rng.choice((8, 12, 18, 24, 32, 40))
        previous = None
        for _ in range(count):
            if previous is not None and rng.random() < REPEAT_SHARE:
                # The same visitor again shortly after: recorded, but not counted as unique.
                when = min(previous["created_at"] + timedelta(minutes=rng.randint(1, 180)), end)
                visitor = {k: previous[k] for k in ("ip", "user_agent", "referrer")}
                unique = False
            else:
                # Traffic grows a little towards today.
                when = start + (end - start) * (rng.random() ** 0.8)
                visitor, unique = _visitor(rng), True
            row = dict(public_id=secrets.token_urlsafe(16), link_id=link.id, campaign_id=link.campaign_id,
                       affiliate_id=link.affiliate_id, created_at=when.replace(microsecond=0),
                       sub1=link.sub_id, is_unique=unique, is_attributable=True, **visitor)
            rows.append(row)
            previous = row
    rows.sort(key=lambda r: r["created_at"])
    return rows


def _conversions(rng, now: datetime, people: People, clicks: list[dict]) -> list[dict]:
    campaigns = {c.id: c for c in people.campaigns.values()}
    keys = {c.id: key for key, c in people.campaigns.items()}
    order_numbers = dict.fromkeys(ORDER_PREFIXES, 10_000)
    rows = []
    for click in clicks:
        if not click["is_unique"] or rng.random() >= CONVERSION_RATE:
            continue
        campaign = campaigns[click["campaign_id"]]
        created = click["created_at"] + timedelta(minutes=rng.randint(3, 3 * 24 * 60))
        if created >= now:  # a click from the last few days whose order came in since
            created = click["created_at"] + (now - click["created_at"]) / 2
        created = created.replace(microsecond=0)
        merchant_email = campaign.merchant.email
        order_numbers[merchant_email] += rng.randint(1, 40)
        amount = _order_value(rng, campaign.currency, *people.order_values[keys[campaign.id]])
        if campaign.commission_type == "percent":
            commission = percent_of(amount, campaign.commission_rate)
        else:
            commission = campaign.commission_fixed
        status, decided_at, reason = _decision(rng, now, created)
        rows.append(dict(
            campaign_id=campaign.id, affiliate_id=click["affiliate_id"], click_id=click["id"], click=click,
            click_public_id=click["public_id"], click_created_at=click["created_at"], link_id=click["link_id"],
            click_ip=click["ip"], click_user_agent=click["user_agent"], click_referrer=click["referrer"],
            **{f"click_sub{n}": click.get(f"sub{n}") for n in range(1, 6)},
            order_id=f"{ORDER_PREFIXES[merchant_email]}-{order_numbers[merchant_email]}", amount=amount,
            currency=campaign.currency, commission_type=campaign.commission_type,
            commission_rate=campaign.commission_rate, commission=commission, status=status,
            source=rng.choices(SOURCES, SOURCE_WEIGHTS)[0], attribution_rule="last_click", ip=click["ip"],
            fraud_flags=[], reject_reason=reason, created_at=created,
            payable_at=created + timedelta(days=campaign.hold_days), decided_at=decided_at,
            decided_by_id=campaign.merchant_id if decided_at else None,
        ))
    return rows


def _order_value(rng, currency: str, lowest: int, highest: int) -> int:
    if currency == "VND":
        return rng.randrange(lowest, highest + 1, 1_000)
    # Dollar prices end in .90 or .00, like shop prices do.
    return rng.randrange(lowest, highest + 1, 100) - rng.choice((0, 10))


def _decision(rng, now: datetime, created: datetime):
    age_days = (now - created).total_seconds() / 86400
    if age_days < UNDECIDED_DAYS:
        return "pending", None, None
    decided_at = (created + timedelta(days=rng.uniform(1, UNDECIDED_DAYS - 1))).replace(microsecond=0)
    if rng.random() < REJECT_SHARE:
        return "rejected", decided_at, rng.choice(REJECT_REASONS)
    return "approved", decided_at, None
