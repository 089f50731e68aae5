"""Business totals for /metrics: read from the database at most once a minute."""
from app.services.monitoring import business
from tests.factories import make_conversion


def test_totals_are_cached_for_a_minute_and_cover_every_status(app, monkeypatch):
    business.forget()
    first = business.totals()
    assert first["conversions"][("api", "pending")] == 0
    assert set(first["payouts"]) >= {"requested", "approved", "processing", "paid", "failed", "rejected", "cancelled"}
    make_conversion(amount=200_000, source="api")

    assert business.totals() is first  # within the minute: no query

    monkeypatch.setattr(business, "REFRESH_SECONDS", 0)
    fresh = business.totals()
    assert fresh["conversions"][("api", "pending")] == 1
    assert fresh["revenue"][("VND", "pending")] == 200_000
