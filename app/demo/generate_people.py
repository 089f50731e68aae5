"""The generated programme: merchants, affiliates, campaigns, memberships and tracking links.

Everything is described by small records first (`Programme`), then written in bulk. Sizes follow
what a real programme looks like: a few big merchants and many small ones, affiliates joining over
the year and most of them in a handful of campaigns, links piling up on the busiest affiliates.
"""
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from app.demo.bulk import BulkWriter

LINK_CODE_ALPHABET = string.ascii_letters + string.digits
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
          "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Thanh", "Quốc", "Hoàng", "Thu", "Gia", "Đức", "Bảo", "Khánh")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Huy", "Khánh", "Lan",
         "Linh", "Long", "Mai", "Minh", "Nam", "Ngân", "Nhung", "Phúc", "Phương", "Quân", "Quỳnh", "Sơn", "Tâm",
         "Thảo", "Trang", "Trung", "Tú", "Tuấn", "Vy", "Yến")
PLACES = ("Sài Gòn", "Hà Nội", "Đà Nẵng", "Huế", "Mekong", "Hội An", "Sen Vàng", "Phố Cổ", "Tây Hồ", "Bến Thành")
TRADES = (("Coffee", "Cà phê rang xay"), ("Books", "Sách bán chạy"), ("Fashion", "Thời trang"),
          ("Beauty", "Mỹ phẩm"), ("Tech", "Điện thoại và phụ kiện"), ("Travel", "Tour du lịch"),
          ("Home", "Đồ gia dụng"), ("Tea", "Trà đặc sản"), ("Sports", "Dụng cụ thể thao"), ("Kids", "Đồ chơi trẻ em"))
BANKS = (("VCB", "Vietcombank"), ("TCB", "Techcombank"), ("BIDV", "BIDV"), ("CTG", "VietinBank"), ("MB", "MB"),
         ("ACB", "ACB"), ("VPB", "VPBank"), ("TPB", "TPBank"))
# Zipf's exponent over links: with 10,000 links the busiest draws ~10 % of all clicks, half of
# them go to the top ~100 links, and thousands get a click a day or less.
ZIPF_EXPONENT = 1.0
SUB_IDS = ("facebook", "tiktok", "blog", "zalo", "youtube", "email", None, None, None)


@dataclass
class CampaignSpec:
    id: int
    merchant_id: int
    currency: str
    commission_type: str
    commission_rate: Decimal | None
    commission_fixed: int | None
    hold_days: int
    attribution_days: int
    created_at: datetime
    # When clicks stop earning (the campaign was paused or ended), None while it runs.
    earns_until: datetime | None
    order_range: tuple[int, int]
    order_prefix: str
    host: str
    auto_approve: bool
    # How often a visitor of this campaign buys, relative to the others.
    appeal: float


@dataclass
class LinkSpec:
    id: int
    campaign_id: int
    affiliate_id: int
    created_at: datetime
    earns_until: datetime | None
    sub_id: str | None
    weight: float = 0.0


@dataclass
class Programme:
    admin_id: int
    merchants: list[int] = field(default_factory=list)
    affiliates: dict[int, datetime] = field(default_factory=dict)  # id -> joined the programme
    # id -> the payout details a request copies ({"method": …, and that method's fields})
    payout_details: dict[int, dict] = field(default_factory=dict)
    campaigns: dict[int, CampaignSpec] = field(default_factory=dict)
    links: list[LinkSpec] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def person(rng) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def email(role: str, number: int, tag: str) -> str:
    return f"{role}{number:04d}.{tag}@example.test"


def _earliest(created: datetime, *ends: datetime | None) -> datetime | None:
    ends = [e for e in ends if e is not None]
    return max(created, min(ends)) if ends else None


def build_programme(rng, out: BulkWriter, *, affiliates: int, campaigns: int, merchants: int, links: int,
                    start: datetime, now: datetime, tag: str, password_hash: str) -> Programme:
    span = now - start
    users, merchant_rows, affiliate_rows = [], [], []

    def user(role, number, name, created):
        user_id = out.next_id("users")
        users.append(dict(id=user_id, email=email(role, number, tag), password_hash=password_hash, role=role,
                          name=name, is_disabled=False, locale=rng.choice(("vi", "vi", "en")),
                          session_token=secrets.token_urlsafe(24), created_at=created))
        return user_id

    programme = Programme(admin_id=user("admin", 1, person(rng), start - timedelta(days=400)))
    for n in range(1, merchants + 1):
        trade = TRADES[n % len(TRADES)]
        merchant_id = user("merchant", n, person(rng), start - timedelta(days=rng.randint(30, 300)))
        merchant_rows.append(dict(user_id=merchant_id, company_name=f"{rng.choice(PLACES)} {trade[0]} {n}",
                                  website=f"https://shop{n}.{tag}.example", webhook_token=secrets.token_urlsafe(24)))
        programme.merchants.append(merchant_id)
    for n in range(1, affiliates + 1):
        # Four in ten were there before the period; the rest join over it, more towards the end.
        joined = start - timedelta(days=rng.uniform(1, 200)) if rng.random() < 0.4 else \
            start + span * rng.random() ** 0.8
        affiliate_id = user("affiliate", n, person(rng), joined)
        programme.affiliates[affiliate_id] = joined
        profile = _payout_details(rng, affiliate_id, n, tag)
        affiliate_rows.append(profile)
        programme.payout_details[affiliate_id] = {"method": profile["payout_method"], **{
            k: v for k, v in profile.items() if v is not None and k not in ("user_id", "website", "payout_method")}}
    out.write("users", users)
    out.write("merchant_profiles", merchant_rows)
    out.write("affiliate_profiles", affiliate_rows)
    _campaigns(rng, out, programme, campaigns, start, now, tag)
    memberships = _memberships(rng, out, programme, start, now)
    _links(rng, out, programme, memberships, links, now)
    programme.counts = {"users": len(users), "campaigns": len(programme.campaigns),
                        "memberships": len(memberships), "links": len(programme.links)}
    return programme


def _payout_details(rng, affiliate_id: int, number: int, tag: str) -> dict:
    row = dict(user_id=affiliate_id, website=f"https://creator{number}.{tag}.example" if rng.random() < 0.7 else None,
               payout_method=None, bank_code=None, bank_name=None, bank_account=None, account_holder=None,
               momo_phone=None, paypal_email=None)
    method = rng.choices(("bank_transfer", "momo", "paypal"), (85, 10, 5))[0]
    row["payout_method"] = method
    if method == "bank_transfer":
        code, name = rng.choice(BANKS)
        row.update(bank_code=code, bank_name=name, bank_account=str(rng.randrange(10**9, 10**13)),
                   account_holder=f"CREATOR {number}")
    elif method == "momo":
        row["momo_phone"] = f"09{rng.randrange(10**8):08d}"
    else:
        row["paypal_email"] = f"creator{number}.{tag}@paypal.example"
    return row


def _campaigns(rng, out: BulkWriter, programme: Programme, count: int, start, now, tag) -> None:
    rows = []
    for n in range(1, count + 1):
        # A few merchants run many campaigns, most run one or two.
        merchant_id = programme.merchants[min(int(rng.paretovariate(1.2)) - 1, len(programme.merchants) - 1)
                                          if rng.random() < 0.5 else rng.randrange(len(programme.merchants))]
        created = start - timedelta(days=rng.uniform(1, 200)) if rng.random() < 0.6 else \
            start + (now - start) * rng.random() * 0.9
        currency = "USD" if rng.random() < 0.12 else "VND"
        percent = rng.random() < 0.75
        rate = Decimal(rng.randrange(6, 41)) / 2 if percent else None
        vnd = currency == "VND"
        fixed = None if percent else (rng.randrange(4, 41) * 5_000 if vnd else rng.randrange(2, 21) * 100)
        low = rng.choice((100_000, 150_000, 200_000, 300_000) if vnd else (1_000, 1_500, 2_500))
        status = rng.choices(("active", "paused", "ended"), (80, 12, 8))[0]
        stopped = None if status == "active" else created + (now - created) * rng.uniform(0.4, 0.95)
        trade = TRADES[n % len(TRADES)]
        host = f"shop{programme.merchants.index(merchant_id) + 1}.{tag}.example"
        spec = CampaignSpec(id=out.next_id("campaigns"), merchant_id=merchant_id, currency=currency,
                            commission_type="percent" if percent else "fixed", commission_rate=rate,
                            commission_fixed=fixed, hold_days=rng.choice((7, 14, 30, 30, 30, 45)),
                            attribution_days=rng.choice((7, 14, 30, 30, 30, 60, 90)), created_at=created,
                            earns_until=stopped, order_range=(low, low * rng.choice((5, 8, 12))),
                            order_prefix=f"C{n:03d}", host=host, auto_approve=rng.random() < 0.3,
                            appeal=rng.lognormvariate(0, 0.5))
        programme.campaigns[spec.id] = spec
        rows.append(dict(
            id=spec.id, merchant_id=merchant_id, name=f"{trade[1]} {rng.choice(PLACES)} #{n}",
            description=f"{trade[1]}: ưu đãi cho khách đến từ đối tác.", landing_url=f"https://{host}/c/{n}",
            allowed_hosts=f"{host}\nwww.{host}", commission_type=spec.commission_type, commission_rate=rate,
            commission_fixed=fixed, currency=currency, attribution_days=spec.attribution_days,
            join_mode=rng.choice(("open", "open", "open", "review", "review")), max_affiliates=None,
            starts_on=None, ends_on=stopped.date() if status == "ended" else None, hold_days=spec.hold_days,
            terms="", status=status, auto_approve=spec.auto_approve, postback_token=secrets.token_urlsafe(24),
            terms_changed_at=created, created_at=created, updated_at=stopped or created))
    out.write("campaigns", rows)


def _memberships(rng, out: BulkWriter, programme: Programme, start, now) -> list[dict]:
    campaigns = list(programme.campaigns.values())
    popularity = [1 / (rank + 1) ** 0.8 for rank in range(len(campaigns))]
    rows, events = [], []
    for affiliate_id, joined in programme.affiliates.items():
        wanted = min(len(campaigns), 1 + int(rng.expovariate(1 / 3.5)))
        chosen = set()
        while len(chosen) < wanted:
            chosen.add(rng.choices(range(len(campaigns)), popularity)[0])
        for index in chosen:
            campaign = campaigns[index]
            begin = max(joined, campaign.created_at)
            end = campaign.earns_until or now
            if begin >= end:
                continue
            created = begin + (end - begin) * rng.random() ** 2
            review = rng.random() < 0.4
            status = rng.choices(("approved", "pending", "rejected"), (80, 8, 12))[0] if review else "approved"
            decided = None if status == "pending" else created + (timedelta(hours=rng.uniform(1, 72)) if review
                                                                  else timedelta(0))
            if decided is not None and decided > now:
                status, decided = "pending", None
            removed = None
            if status == "approved" and rng.random() < 0.03:
                removed = decided + (now - decided) * rng.random()
                status = "removed"
            row = dict(id=out.next_id("memberships"), campaign_id=campaign.id, affiliate_id=affiliate_id,
                       status=status, note=None, created_at=created, decided_at=removed or decided,
                       decided_by_id=campaign.merchant_id if review or removed else None)
            rows.append(row)
            row["approved_at"], row["removed_at"] = decided if status in ("approved", "removed") else None, removed
            events.append(_event(out, "membership.applied" if review else "membership.joined", affiliate_id,
                                 row["id"], None, {"status": "pending" if review else "approved"}, created))
            if review and decided is not None:
                first = "approved" if status == "removed" else status
                events.append(_event(out, f"membership.{first}", campaign.merchant_id, row["id"],
                                     {"status": "pending"}, {"status": first}, decided))
            if removed is not None:
                events.append(_event(out, "membership.removed", campaign.merchant_id, row["id"],
                                     {"status": "approved"}, {"status": "removed"}, removed))
    out.write("memberships", [{k: v for k, v in r.items() if k not in ("approved_at", "removed_at")} for r in rows])
    out.write("audit_events", events)
    return rows


def _event(out: BulkWriter, action, actor_id, object_id, before, after, when) -> dict:
    return dict(id=out.next_id("audit_events"), actor_id=actor_id, action=action, object_type="memberships",
                object_id=str(object_id), before=before, after=after, ip=None, created_at=when)


def _links(rng, out: BulkWriter, programme: Programme, memberships: list[dict], count: int, now) -> None:
    """`count` links over the approved memberships: one each first, the rest to the busiest affiliates."""
    earning = [m for m in memberships if m["approved_at"] is not None]
    if not earning:
        return
    reach = {a: rng.paretovariate(1.3) for a in programme.affiliates}
    rng.shuffle(earning)
    owners = earning[:count]
    if count > len(earning):
        owners += rng.choices(earning, [reach[m["affiliate_id"]] for m in earning], k=count - len(earning))
    specs, rows = [], []
    for membership in owners:
        campaign = programme.campaigns[membership["campaign_id"]]
        begin = membership["approved_at"]
        # Links are made while the campaign runs and the affiliate is in it, most soon after joining.
        until = min(t for t in (now, campaign.earns_until, membership["removed_at"]) if t is not None)
        created = begin + max(until - begin, timedelta(0)) * rng.random() ** 3
        archived = created + (now - created) * rng.random() if rng.random() < 0.05 else None
        spec = LinkSpec(id=out.next_id("links"), campaign_id=campaign.id, affiliate_id=membership["affiliate_id"],
                        created_at=created, sub_id=rng.choice(SUB_IDS),
                        earns_until=_earliest(created, campaign.earns_until, membership["removed_at"], archived))
        deep = rng.random() < 0.1
        rows.append(dict(id=spec.id, code="".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(10)),
                         campaign_id=spec.campaign_id, affiliate_id=spec.affiliate_id,
                         destination_url=f"https://{campaign.host}/p/{rng.randrange(1, 5000)}" if deep else None,
                         label=f"Bài viết {rng.randrange(1, 999)}" if rng.random() < 0.3 else None,
                         sub_id=spec.sub_id, created_at=created, archived_at=archived))
        specs.append(spec)
    # Zipf over links: rank 1 draws the most; busy affiliates tend to hold the top ranks.
    order = sorted(specs, key=lambda s: reach[s.affiliate_id] * rng.lognormvariate(0, 1.0), reverse=True)
    for rank, spec in enumerate(order, start=1):
        spec.weight = 1 / rank ** ZIPF_EXPONENT
    programme.links = specs
    out.write("links", rows)
