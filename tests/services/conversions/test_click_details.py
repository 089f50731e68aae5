"""A conversion keeps what attribution needs of its click: the details outlive the raw click."""
from sqlalchemy import delete

from app.blueprints.api.serialize import conversion_json
from app.extensions import db
from app.models.conversions import Conversion
from app.models.tracking import Click
from app.services.analytics import rollup
from app.services.campaigns import links
from app.services.conversions import record as conversions
from tests import factories
from tests.analytics_helpers import raw_figures, rollup_figures
from tests.conversion_helpers import setup_click

DIMS = ("campaign_id", "affiliate_id", "link_id", "sub_id", "referrer", "currency")


def _recorded(**click_values):
    campaign, click = setup_click()
    for name, value in click_values.items():
        setattr(click, name, value)
    db.session.commit()
    conversion, _ = conversions.record_conversion(
        merchant_id=campaign.merchant_id, campaign_id=None, click_public_id=click.public_id, order_id="A-1",
        amount=400_000, currency=campaign.currency, source="api", ip="198.51.100.20")
    return campaign, click, conversion


def _drop_raw_clicks() -> None:
    db.session.execute(delete(Click))
    db.session.commit()
    db.session.expire_all()


def test_recording_copies_the_click_details(app):
    _, click, conversion = _recorded(referrer="https://www.blog.example/post", sub1="spring", sub4="banner")
    assert (conversion.click_id, conversion.click_public_id, conversion.click_created_at, conversion.link_id) == (
        click.id, click.public_id, click.created_at, click.link_id)
    assert (conversion.click_ip, conversion.click_user_agent, conversion.click_referrer) == (
        "203.0.113.9", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "https://www.blog.example/post")
    assert conversion.click_subs == [(1, "spring"), (4, "banner")]


def test_details_survive_the_raw_click(app):
    _, click, conversion = _recorded(referrer="https://www.blog.example/post", sub1="spring")
    public_id, link_id = click.public_id, click.link_id
    _drop_raw_clicks()
    kept = db.session.get(Conversion, conversion.id)
    assert kept.click is None
    assert (kept.click_public_id, kept.link_id, kept.click_sub1) == (public_id, link_id, "spring")
    body = conversion_json(kept)
    assert body["click_id"] == public_id and body["attribution"]["click_id"] == public_id


def test_a_repeat_of_the_order_still_answers_the_same_while_the_click_is_kept(app):
    campaign, click, conversion = _recorded()
    again, created = conversions.record_conversion(
        merchant_id=campaign.merchant_id, campaign_id=None, click_public_id=click.public_id, order_id="A-1",
        amount=400_000, currency=campaign.currency, source="api")
    assert (again.id, created) == (conversion.id, False)
    assert conversion_json(again) == conversion_json(conversion)


def test_figures_by_link_sub_id_and_referrer_do_not_change_when_the_clicks_go(app):
    _, click, conversion = _recorded(referrer="https://www.blog.example/post", sub1="spring")
    factories.make_conversion(factories.make_click(click.link, sub1="autumn", referrer="https://news.example/"),
                              status="approved")
    rollup.run()
    before = raw_figures(DIMS, measures=("conversions", "revenue", "commission", "commission_approved"))
    assert {key[2:5] for key in before} == {(click.link_id, "spring", "blog.example"),
                                            (click.link_id, "autumn", "news.example")}
    _drop_raw_clicks()
    measures = ("conversions", "revenue", "commission", "commission_approved")
    assert raw_figures(DIMS, measures=measures) == before
    assert rollup_figures(DIMS, measures=measures) == before
    rollup.rebuild()
    assert rollup_figures(DIMS, measures=measures) == before


def test_link_figures_count_conversions_whose_click_is_gone(app):
    _, click, _ = _recorded()
    link = click.link
    _drop_raw_clicks()
    (row,) = links.link_rows([link], "Asia/Ho_Chi_Minh")
    assert (row.conversions, row.earnings) == (1, {"VND": 40_000})


def test_the_review_page_shows_the_kept_details(client, login_as, app):
    campaign, click, conversion = _recorded(referrer="https://www.blog.example/post", sub2="spring")
    merchant = db.session.get(type(campaign.merchant), campaign.merchant_id)
    code = click.link.code
    _drop_raw_clicks()
    login_as(merchant)
    html = client.get(f"/conversions/{conversion.id}").get_data(as_text=True)
    for text in ("https://www.blog.example/post", "sub2=spring", "203.0.113.9", "Firefox/140.0", code,
                 "The raw click was removed after the retention period"):
        assert text in html, text
