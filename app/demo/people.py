"""The demo's accounts and programme: users, campaigns, memberships and tracking links."""
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign, Membership
from app.models.tracking import Link
from app.models.users import User
from app.services.accounts import accounts

PASSWORD = "demo-password"
ADMIN_EMAIL = "admin@demo.test"
LINK_CODE_ALPHABET = string.ascii_letters + string.digits

# email, role, name, company, website
ACCOUNTS = (
    (ADMIN_EMAIL, "admin", "Trần Quốc Bảo", None, None),
    ("merchant1@demo.test", "merchant", "Lê Thị Hương", "Sài Gòn Coffee", "https://saigoncoffee.example"),
    ("merchant2@demo.test", "merchant", "Phạm Văn Đức", "Hanoi Books", "https://hanoibooks.example"),
    ("affiliate1@demo.test", "affiliate", "Nguyễn Văn An", None, "https://an-review.example"),
    ("affiliate2@demo.test", "affiliate", "Trần Thị Bình", None, "https://binhdocsach.example"),
    ("affiliate3@demo.test", "affiliate", "Lê Hoàng Cường", None, "https://cuongcafe.example"),
    ("affiliate4@demo.test", "affiliate", "Phạm Thu Dung", None, "https://dungreads.example"),
    ("affiliate5@demo.test", "affiliate", "Võ Minh Giang", None, None),
)

_COFFEE_TERMS = ("Không chạy quảng cáo tìm kiếm bằng tên thương hiệu. "
                 "Đơn bị huỷ hoặc hoàn trả không được tính hoa hồng.")
_BOOK_TERMS = "Không dùng mã giảm giá không do Hanoi Books cấp. Đơn hoàn trả không được tính hoa hồng."

# `orders` is the range of order values (minor units) the generated conversions draw from;
# `paused_days_ago` stops a paused campaign's traffic on the day it was paused.
CAMPAIGNS = (
    dict(key="coffee", merchant="merchant1@demo.test", name="Cà phê rang xay Sài Gòn",
         description="Cà phê Robusta và Arabica rang mộc, giao trong ngày tại TP.HCM.",
         landing_url="https://saigoncoffee.example/ca-phe-rang-xay",
         allowed_hosts="saigoncoffee.example\nwww.saigoncoffee.example",
         commission_type="percent", commission_rate=Decimal("10"), currency="VND", join_mode="open",
         hold_days=30, terms=_COFFEE_TERMS, orders=(150_000, 900_000), days_ago=95),
    dict(key="gifts", merchant="merchant1@demo.test", name="Hộp quà Tết Sài Gòn Coffee",
         description="Hộp quà cà phê và bánh cho dịp Tết, giao toàn quốc.",
         landing_url="https://saigoncoffee.example/qua-tet",
         allowed_hosts="saigoncoffee.example\nwww.saigoncoffee.example",
         commission_type="fixed", commission_fixed=60_000, currency="VND", join_mode="review",
         hold_days=7, terms=_COFFEE_TERMS, orders=(450_000, 2_000_000), days_ago=90),
    dict(key="books", merchant="merchant2@demo.test", name="Sách bán chạy Hanoi Books",
         description="Sách tiếng Việt bán chạy mỗi tuần, miễn phí giao hàng từ 300.000 ₫.",
         landing_url="https://hanoibooks.example/ban-chay",
         allowed_hosts="hanoibooks.example\nwww.hanoibooks.example",
         commission_type="percent", commission_rate=Decimal("8"), currency="VND", join_mode="open",
         hold_days=30, terms=_BOOK_TERMS, orders=(150_000, 650_000), days_ago=92),
    dict(key="imported", merchant="merchant2@demo.test", name="Imported books (USD)",
         description="English-language books shipped from Singapore, priced in US dollars.",
         landing_url="https://hanoibooks.example/en/imported",
         allowed_hosts="hanoibooks.example\nwww.hanoibooks.example",
         commission_type="percent", commission_rate=Decimal("12.5"), currency="USD", join_mode="review",
         hold_days=30, terms=_BOOK_TERMS, orders=(1_500, 12_000), days_ago=88),
    dict(key="summer", merchant="merchant2@demo.test", name="Hè đọc sách 2025",
         description="Chương trình khuyến mãi mùa hè cho sách thiếu nhi (đang tạm dừng).",
         landing_url="https://hanoibooks.example/he-doc-sach",
         allowed_hosts="hanoibooks.example",
         commission_type="fixed", commission_fixed=25_000, currency="VND", join_mode="open",
         hold_days=30, terms=_BOOK_TERMS, orders=(150_000, 500_000), days_ago=100, status="paused",
         paused_days_ago=21),
)

# affiliate number, campaign key, status, joined days ago, the reviewer's note
MEMBERSHIPS = (
    (1, "coffee", "approved", 80, None),
    (1, "gifts", "approved", 75, "Chào mừng bạn! Blog review đồ uống rất phù hợp."),
    (1, "books", "approved", 70, None),
    (1, "imported", "approved", 65, "Welcome aboard."),
    (2, "coffee", "approved", 78, None),
    (2, "books", "approved", 72, None),
    (2, "summer", "approved", 85, None),
    (3, "coffee", "approved", 62, None),
    (3, "books", "approved", 60, None),
    (3, "gifts", "pending", 3, None),
    (4, "books", "approved", 68, None),
    (4, "gifts", "rejected", 40, "Trang bán hàng tổng hợp, chưa phù hợp với hộp quà."),
    (4, "imported", "pending", 2, None),
    (5, "coffee", "approved", 66, None),
    (5, "summer", "approved", 82, None),
)

# Extra deep links: affiliate number, campaign key, destination, label
DEEP_LINKS = (
    (1, "coffee", "https://saigoncoffee.example/ca-phe-rang-xay/arabica-cau-dat", "Arabica Cầu Đất"),
    (1, "books", "https://hanoibooks.example/sach/nha-gia-kim", "Nhà giả kim"),
    (2, "books", "https://www.hanoibooks.example/sach/dac-nhan-tam", "Đắc nhân tâm"),
    (5, "coffee", "https://saigoncoffee.example/dung-cu/phin-nhom", "Phin nhôm"),
)


@dataclass
class People:
    users: dict[str, User] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    # campaign key -> (lowest, highest order value) and campaign key -> when its traffic stops
    order_values: dict[str, tuple[int, int]] = field(default_factory=dict)
    traffic_ends: dict[str, datetime] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def affiliate(self, number: int) -> User:
        return self.users[f"affiliate{number}@demo.test"]


def new_link_code() -> str:
    return "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(10))


def build_people(rng, now: datetime) -> People:
    people = People()
    for email, role, name, company, website in ACCOUNTS:
        user = accounts.create_user(email, PASSWORD, role, name, company_name=company, website=website,
                                    locale="vi", commit=False)
        user.created_at = now - timedelta(days=110 - len(people.users), hours=rng.randint(0, 12))
        people.users[email] = user
    _add_campaigns(people, now)
    _add_memberships(rng, people, now)
    _add_links(rng, people)
    db.session.flush()
    return people


def _add_campaigns(people: People, now: datetime) -> None:
    for spec in CAMPAIGNS:
        values = dict(spec)
        key, merchant = values.pop("key"), people.users[values.pop("merchant")]
        people.order_values[key] = values.pop("orders")
        created = now - timedelta(days=values.pop("days_ago"))
        paused_days_ago = values.pop("paused_days_ago", None)
        changed = now - timedelta(days=paused_days_ago) if paused_days_ago else created
        people.traffic_ends[key] = changed if paused_days_ago else now
        campaign = Campaign(merchant=merchant, attribution_days=30, postback_token=secrets.token_urlsafe(24),
                            created_at=created, terms_changed_at=created, updated_at=changed, **values)
        db.session.add(campaign)
        people.campaigns[key] = campaign
    db.session.flush()


def _add_memberships(rng, people: People, now: datetime) -> None:
    for number, key, status, days_ago, note in MEMBERSHIPS:
        campaign = people.campaigns[key]
        joined = now - timedelta(days=days_ago, hours=rng.randint(0, 20))
        membership = Membership(campaign_id=campaign.id, affiliate_id=people.affiliate(number).id,
                                status=status, note=note, created_at=joined)
        if campaign.join_mode == "open":
            membership.decided_at = joined
        elif status != "pending":
            membership.decided_at = joined + timedelta(hours=rng.randint(3, 40))
            membership.decided_by_id = campaign.merchant_id
        db.session.add(membership)
        people.memberships.append(membership)
    db.session.flush()
    # The trail the membership services would have left: joined or applied, then the review.
    for m in people.memberships:
        first = "approved" if m.campaign.join_mode == "open" else "pending"
        _audit(m, "membership.joined" if first == "approved" else "membership.applied", m.affiliate_id,
               None, {"status": first, "note": None}, m.created_at)
        if m.decided_by_id is not None:
            _audit(m, f"membership.{m.status}", m.decided_by_id, {"status": "pending", "note": None},
                   {"status": m.status, "note": m.note}, m.decided_at)


def _audit(membership, action, actor_id, before, after, when) -> None:
    db.session.add(AuditEvent(actor_id=actor_id, action=action, object_type="memberships",
                              object_id=str(membership.id), before=before, after=after, created_at=when))


def _add_links(rng, people: People) -> None:
    sources = ("blog", "facebook", "tiktok", "zalo", None)
    for membership in people.memberships:
        if membership.status != "approved":
            continue
        people.links.append(Link(code=new_link_code(), campaign_id=membership.campaign_id,
                                 affiliate_id=membership.affiliate_id, sub_id=rng.choice(sources),
                                 created_at=membership.created_at + timedelta(hours=rng.randint(1, 30))))
    joined = {(m.affiliate_id, m.campaign_id): m.created_at for m in people.memberships}
    for number, key, destination, label in DEEP_LINKS:
        campaign, affiliate = people.campaigns[key], people.affiliate(number)
        created = joined[(affiliate.id, campaign.id)] + timedelta(days=rng.randint(5, 20))
        people.links.append(Link(code=new_link_code(), campaign_id=campaign.id, affiliate_id=affiliate.id,
                                 destination_url=destination, label=label, created_at=created))
    db.session.add_all(people.links)
