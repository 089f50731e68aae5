"""aff.js and the conversion pixel: the pixel answers the same GIF whatever it is sent."""
import struct

import pytest

from app.extensions import db
from app.jobs import queue
from app.models.conversions import Conversion
from app.services.conversions import record
from tests import factories
from tests.conversion_helpers import logged_warnings, setup_click

PIXEL = "/t/conversion.gif"


def count_conversions() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Conversion))


def assert_gif(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/gif"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert len(body) == 43 and body.startswith(b"GIF89a") and body.endswith(b";")
    assert struct.unpack("<HH", body[6:10]) == (1, 1)
    # Graphic control extension with the transparency flag set, for palette entry 0.
    assert body[19:27] == b"!\xf9\x04\x01\x00\x00\x00\x00"


@pytest.fixture
def order(app):
    campaign, click = setup_click()
    params = {"campaign": str(campaign.id), "order_id": "P-1001", "amount": "250000", "currency": "VND",
              "click_id": click.public_id}
    return campaign, click, params


def test_a_valid_pixel_records_a_pixel_conversion(client, order):
    campaign, click, params = order
    assert_gif(client.get(PIXEL, query_string=params))
    conversion = db.session.scalar(db.select(Conversion))
    assert (conversion.campaign_id, conversion.click_id, conversion.order_id, conversion.amount,
            conversion.currency, conversion.source) == (campaign.id, click.id, "P-1001", 250000, "VND", "pixel")
    assert conversion.commission == 25000


def test_the_same_pixel_twice_records_one_conversion(client, order):
    _campaign, _click, params = order
    assert_gif(client.get(PIXEL, query_string=params))
    assert_gif(client.get(PIXEL, query_string=params))
    assert count_conversions() == 1


def test_the_cookie_stands_in_for_a_missing_click_id(client, order):
    _campaign, click, params = order
    del params["click_id"]
    client.set_cookie("aff_click_id", click.public_id)
    assert_gif(client.get(PIXEL, query_string=params))
    assert db.session.scalar(db.select(Conversion.click_id)) == click.id


def test_without_redis_the_pixel_records_in_the_request(app, client, order, monkeypatch):
    monkeypatch.setitem(app.extensions, "redis", None)
    assert_gif(client.get(PIXEL, query_string=order[2]))
    assert count_conversions() == 1


def test_a_queue_that_fails_falls_back_to_recording_in_the_request(client, order, monkeypatch):
    def broken_enqueue(*args, **kwargs):
        raise ConnectionError("redis is away")

    monkeypatch.setattr(queue, "enqueue", broken_enqueue)
    assert_gif(client.get(PIXEL, query_string=order[2]))
    assert count_conversions() == 1


def test_head_answers_the_gif_without_recording(client, order):
    response = client.head(PIXEL, query_string=order[2])
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/gif"
    assert count_conversions() == 0


@pytest.mark.parametrize("missing", ["campaign", "order_id", "amount", "currency", "click_id"])
def test_a_missing_field_still_answers_the_gif(client, order, missing):
    params = dict(order[2])
    del params[missing]
    with logged_warnings() as warnings:
        assert_gif(client.get(PIXEL, query_string=params))
    assert count_conversions() == 0
    assert any("code=required" in w and f"field={missing}" in w for w in warnings)


@pytest.mark.parametrize("amount", ["12.50", "abc", "-5", "1e3", "", " ", "99999999999999999999999", "١٢٣"])
def test_a_garbage_amount_still_answers_the_gif(client, order, amount):
    params = dict(order[2], amount=amount)
    assert_gif(client.get(PIXEL, query_string=params))
    assert count_conversions() == 0


@pytest.mark.parametrize("campaign", ["abc", "0", "99999999999", "-1", "1.5"])
def test_a_garbage_campaign_still_answers_the_gif(client, order, campaign):
    assert_gif(client.get(PIXEL, query_string=dict(order[2], campaign=campaign)))
    assert count_conversions() == 0


def test_a_campaign_the_click_is_not_from_records_nothing(client, order):
    other = factories.make_campaign()
    with logged_warnings() as warnings:
        assert_gif(client.get(PIXEL, query_string=dict(order[2], campaign=str(other.id))))
    assert count_conversions() == 0
    assert any("P-1001" in w and "unknown_click" in w for w in warnings)


def test_an_unknown_campaign_records_nothing(client, order):
    assert_gif(client.get(PIXEL, query_string=dict(order[2], campaign="424242")))
    assert count_conversions() == 0


@pytest.mark.parametrize("click_id", ["no-such-click", "x" * 65, "bad\x00id", "é" * 10])
def test_an_unknown_click_records_nothing(client, order, click_id):
    with logged_warnings() as warnings:
        assert_gif(client.get(PIXEL, query_string=dict(order[2], click_id=click_id)))
    assert count_conversions() == 0
    assert any("unknown_click" in w for w in warnings)


def test_a_conflicting_repeat_keeps_the_first_conversion(client, order):
    assert_gif(client.get(PIXEL, query_string=order[2]))
    with logged_warnings() as warnings:
        assert_gif(client.get(PIXEL, query_string=dict(order[2], amount="1")))
    assert db.session.scalar(db.select(Conversion.amount)) == 250000
    assert any("P-1001" in w and "order_conflict" in w for w in warnings)


def test_bad_currency_and_long_order_ids_record_nothing(client, order):
    assert_gif(client.get(PIXEL, query_string=dict(order[2], currency="XXX")))
    assert_gif(client.get(PIXEL, query_string=dict(order[2], currency="USD")))
    assert_gif(client.get(PIXEL, query_string=dict(order[2], order_id="x" * 300)))
    assert count_conversions() == 0


@pytest.mark.parametrize("redis", [True, False])
def test_a_service_that_raises_still_answers_the_gif(app, client, order, monkeypatch, redis):
    def boom(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(record, "record_conversion", boom)
    if not redis:
        monkeypatch.setitem(app.extensions, "redis", None)
    with logged_warnings() as warnings:
        assert_gif(client.get(PIXEL, query_string=order[2]))
    assert count_conversions() == 0
    assert any("P-1001" in w and "RuntimeError" in w for w in warnings)
    assert not any("database on fire" in w for w in warnings)


def test_no_query_at_all(client):
    assert_gif(client.get(PIXEL))


def test_a_post_is_not_the_pixel(client):
    assert client.post(PIXEL).status_code == 405


def test_aff_js_is_a_cacheable_script(client):
    response = client.get("/t/aff.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    cache = response.cache_control
    assert cache.public and cache.max_age == 3600
    script = response.get_data(as_text=True)
    response.close()
    for needle in ('"aff_click_id"', "document.currentScript", "/t/conversion.gif", "data-days", "SameSite=Lax",
                   "max-age=", "path=/", "window.affiliate"):
        assert needle in script
