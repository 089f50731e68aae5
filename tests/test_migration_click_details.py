"""Conversions recorded before they kept their click's details get them from the click when migrating."""
from datetime import datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import DateTime, text

from app.extensions import db
from tests.migration_helpers import MIGRATIONS, fresh_database, insert

CLICKED = datetime(2025, 3, 1, 10, 30)


def seed_programme(conn) -> dict:
    """A merchant, an affiliate, a campaign, a link and two clicks, as they were stored at revision 0008."""
    ids = {}
    for role in ("merchant", "affiliate"):
        ids[role] = insert(conn, "users", email=f"{role}@example.com", password_hash="x", role=role, name=role,
                           is_disabled=False, session_token=role, created_at=CLICKED)
    ids["campaign"] = insert(
        conn, "campaigns", merchant_id=ids["merchant"], name="Tea", description="", landing_url="https://shop.example/",
        allowed_hosts="shop.example", commission_type="fixed", commission_fixed=50_000, currency="VND",
        attribution_days=30, join_mode="open", hold_days=30, terms="", status="active", auto_approve=False,
        terms_changed_at=CLICKED, created_at=CLICKED, updated_at=CLICKED, pays_for="sale")
    ids["link"] = insert(conn, "links", code="tea1", campaign_id=ids["campaign"], affiliate_id=ids["affiliate"],
                         created_at=CLICKED)
    for number, sub1 in ((1, "spring"), (2, None)):
        ids[f"click{number}"] = insert(
            conn, "clicks", public_id=f"public-{number}", link_id=ids["link"], campaign_id=ids["campaign"],
            affiliate_id=ids["affiliate"], created_at=CLICKED, ip="203.0.113.5", user_agent="Firefox",
            referrer="https://blog.example/post", sub1=sub1, sub3="banner", is_unique=True, is_attributable=True)
    return ids


def seed_conversion(conn, ids, order_id, click_id) -> int:
    return insert(conn, "conversions", campaign_id=ids["campaign"], affiliate_id=ids["affiliate"], click_id=click_id,
                  order_id=order_id, amount=100_000, currency="VND", commission_type="fixed", commission=50_000,
                  refunded_amount=0, commission_reversed=0, status="pending", source="api", fraud_flags=[],
                  created_at=CLICKED, payable_at=CLICKED)


def test_existing_conversions_get_their_click_details(app):
    with fresh_database(app):
        upgrade(directory=MIGRATIONS, revision="0008")
        with db.engine.begin() as conn:
            ids = seed_programme(conn)
            with_click = seed_conversion(conn, ids, "A-1", ids["click1"])
            without_click = seed_conversion(conn, ids, "A-2", None)
        upgrade(directory=MIGRATIONS, revision="0009")
        with db.engine.connect() as conn:
            rows = {row.id: row for row in conn.execute(text(
                "SELECT id, click_id, click_public_id, click_created_at, link_id, click_ip, click_user_agent, "
                "click_referrer, click_sub1, click_sub2, click_sub3 FROM conversions"
            ).columns(click_created_at=DateTime))}
        kept = rows[with_click]
        assert (kept.click_id, kept.click_public_id, kept.click_created_at, kept.link_id) == (
            ids["click1"], "public-1", CLICKED, ids["link"])
        assert (kept.click_ip, kept.click_user_agent, kept.click_referrer) == (
            "203.0.113.5", "Firefox", "https://blog.example/post")
        assert (kept.click_sub1, kept.click_sub2, kept.click_sub3) == ("spring", None, "banner")
        assert rows[without_click].click_public_id is None and rows[without_click].link_id is None
        downgrade(directory=MIGRATIONS, revision="0008")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT click_id FROM conversions ORDER BY id")).scalars().all() == [
                ids["click1"], None]
