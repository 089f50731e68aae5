"""The campaign form: every rule at its boundaries, errors beside the field, nothing saved on error."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.campaigns import Campaign
from tests import factories
from tests.routes.csrf import csrf_token


def form(**overrides):
    values = {"name": "Summer sale", "description": "", "landing_url": "https://shop.example/summer",
              "allowed_hosts": "", "commission_type": "percent", "commission_rate": "10", "commission_fixed": "",
              "currency": "VND", "attribution_days": "30", "join_mode": "open", "max_affiliates": "",
              "starts_on": "", "ends_on": "", "hold_days": "30", "terms": ""}
    values.update(overrides)
    return values


def create(client, **overrides):
    data = form(**overrides)
    data["csrf_token"] = csrf_token(client, "/campaigns/new")
    return client.post("/campaigns/new", data=data)


def count():
    return db.session.scalar(select(func.count()).select_from(Campaign))


def saved():
    return db.session.scalars(select(Campaign)).one()


def assert_refused(response, field):
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html, html
    assert count() == 0


@pytest.fixture
def merchant(login_as):
    return login_as("merchant")


def test_valid_form_creates_and_shows_campaign(client, merchant):
    response = create(client, terms="No coupon sites.", auto_approve="y", max_affiliates="1",
                      starts_on="2025-01-01", ends_on="2025-01-01")
    campaign = saved()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert campaign.merchant_id == merchant.id and campaign.auto_approve and campaign.max_affiliates == 1
    assert campaign.postback_token
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Summer sale" in page and campaign.postback_token in page and "Terms last changed" in page


@pytest.mark.parametrize("rate, stored", [("0", Decimal("0")), ("100", Decimal("100")), ("7,5", Decimal("7.5")),
                                          ("12.34", Decimal("12.34"))])
def test_rate_accepted(client, merchant, rate, stored):
    assert create(client, commission_rate=rate).status_code == 302
    assert saved().commission_rate == stored


@pytest.mark.parametrize("rate", ["100.01", "-1", "1.234", "ten", ""])
def test_rate_refused(client, merchant, rate):
    assert_refused(create(client, commission_rate=rate), "commission_rate")


@pytest.mark.parametrize("text, currency, stored", [
    ("0", "VND", 0), ("50.000", "VND", 50_000), ("50,000", "VND", 50_000), ("12.50", "USD", 1250),
])
def test_fixed_amount_accepted(client, merchant, text, currency, stored):
    response = create(client, commission_type="fixed", commission_rate="", commission_fixed=text, currency=currency)
    assert response.status_code == 302
    campaign = saved()
    assert (campaign.commission_fixed, campaign.currency, campaign.commission_rate) == (stored, currency, None)


@pytest.mark.parametrize("text, currency", [("-1", "VND"), ("1.5", "VND"), ("", "VND"), ("abc", "USD"),
                                            ("1.2.3", "USD")])
def test_fixed_amount_refused(client, merchant, text, currency):
    response = create(client, commission_type="fixed", commission_fixed=text, currency=currency)
    assert_refused(response, "commission_fixed")


def test_fixed_type_ignores_a_bad_rate(client, merchant):
    assert create(client, commission_type="fixed", commission_rate="500", commission_fixed="10.000").status_code == 302


@pytest.mark.parametrize("days, ok", [("0", False), ("1", True), ("365", True), ("366", False), ("", False),
                                      ("3.5", False)])
def test_attribution_window_bounds(client, merchant, days, ok):
    response = create(client, attribution_days=days)
    if ok:
        assert response.status_code == 302 and saved().attribution_days == int(days)
    else:
        assert_refused(response, "attribution_days")


@pytest.mark.parametrize("days, ok", [("-1", False), ("0", True), ("180", True), ("181", False)])
def test_hold_period_bounds(client, merchant, days, ok):
    response = create(client, hold_days=days)
    if ok:
        assert response.status_code == 302 and saved().hold_days == int(days)
    else:
        assert_refused(response, "hold_days")


@pytest.mark.parametrize("value, ok", [("0", False), ("1", True), ("", True), ("-3", False)])
def test_max_affiliates_bounds(client, merchant, value, ok):
    response = create(client, max_affiliates=value)
    if ok:
        assert response.status_code == 302 and saved().max_affiliates == (int(value) if value else None)
    else:
        assert_refused(response, "max_affiliates")


def test_end_before_start_refused(client, merchant):
    response = create(client, starts_on="2025-03-02", ends_on="2025-03-01")
    assert_refused(response, "ends_on")
    assert "The end date cannot be before the start date." in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://shop.example/", "shop.example", ""])
def test_landing_url_must_be_http(client, merchant, url):
    assert_refused(create(client, landing_url=url), "landing_url")


def test_allowed_hosts_default_to_landing_host(client, merchant):
    create(client, landing_url="https://Www.Shop.Example/summer")
    assert saved().allowed_hosts == "www.shop.example"


def test_allowed_hosts_one_per_line(client, merchant):
    create(client, allowed_hosts="shop.example\r\nblog.shop.example\r\n")
    assert saved().allowed_host_list == ["shop.example", "blog.shop.example"]


def test_bad_allowed_host_refused(client, merchant):
    assert_refused(create(client, allowed_hosts="https://shop.example/"), "allowed_hosts")


def test_entered_values_are_kept_on_error(client, merchant):
    html = create(client, name="Keep me", hold_days="181").get_data(as_text=True)
    assert 'value="Keep me"' in html and 'value="181"' in html


def test_edit_form_shows_amount_as_typed(client, merchant):
    vnd = factories.make_campaign(merchant, commission_type="fixed", commission_fixed=50_000)
    usd = factories.make_campaign(merchant, commission_type="fixed", commission_fixed=1250, currency="USD")
    assert 'value="50000"' in client.get(f"/campaigns/{vnd.id}/edit").get_data(as_text=True)
    assert 'value="12.50"' in client.get(f"/campaigns/{usd.id}/edit").get_data(as_text=True)


def test_edit_saves_and_invalid_edit_changes_nothing(client, merchant):
    campaign = factories.make_campaign(merchant, name="Before")
    url = f"/campaigns/{campaign.id}/edit"
    bad = form(name="After", commission_rate="101", csrf_token=csrf_token(client, url))
    assert 'id="commission_rate-error"' in client.post(url, data=bad).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).name == "Before"
    good = form(name="After", commission_rate="12", csrf_token=csrf_token(client, url))
    assert client.post(url, data=good).status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).commission_rate == Decimal("12")


def test_admin_creates_for_a_chosen_merchant(client, login_as):
    shop = factories.make_user("merchant", company_name="Chosen Shop")
    login_as("admin")
    assert "Chosen Shop" in client.get("/campaigns/new").get_data(as_text=True)
    assert_refused(create(client), "merchant_id")
    assert create(client, merchant_id=str(shop.id)).status_code == 302
    assert saved().merchant_id == shop.id


def test_a_lead_campaign_pays_a_fixed_amount(client, merchant):
    assert_refused(create(client, pays_for="lead"), "commission_type")
    response = create(client, pays_for="lead", commission_type="fixed", commission_fixed="30.000")
    assert response.status_code == 302
    assert (saved().pays_for, saved().commission_fixed) == ("lead", 30_000)


def test_a_campaign_pays_for_sales_unless_told(client, merchant):
    assert create(client).status_code == 302
    assert saved().pays_for == "sale"
