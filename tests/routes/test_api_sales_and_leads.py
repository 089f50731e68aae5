"""What a campaign pays for: a sale needs an amount above zero; a lead needs none and earns the fixed commission."""
from app.extensions import db
from app.models.conversions import Conversion
from tests.conversion_helpers import make_key, setup_click

URL = "/api/v1/conversions"


def post(client, key, payload):
    return client.post(URL, json=payload, headers={"Authorization": f"Bearer {key}"})


def test_a_sale_of_zero_is_refused_even_with_a_fixed_commission(client):
    merchant, key = make_key()
    _campaign, click = setup_click(merchant, commission_type="fixed", commission_fixed=50_000)
    response = post(client, key, {"click_id": click.public_id, "order_id": "A-1", "amount": 0, "currency": "VND"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["field"], error["code"]) == ("amount", "out_of_range")
    assert "sale" in error["message"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Conversion)) == 0


def test_a_sale_without_an_amount_is_refused(client):
    merchant, key = make_key()
    _campaign, click = setup_click(merchant)
    response = post(client, key, {"click_id": click.public_id, "order_id": "A-1", "currency": "VND"})
    assert response.status_code in (400, 422)
    assert response.get_json()["error"]["field"] == "amount"


def test_a_lead_needs_no_amount_and_earns_the_fixed_commission(client):
    merchant, key = make_key()
    _campaign, click = setup_click(merchant, pays_for="lead", commission_type="fixed", commission_fixed=30_000)
    response = post(client, key, {"click_id": click.public_id, "order_id": "signup-7", "currency": "VND"})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert (data["amount"], data["commission"], data["commission_type"]) == (0, 30_000, "fixed")


def test_a_lead_with_an_amount_still_earns_only_the_fixed_commission(client):
    merchant, key = make_key()
    _campaign, click = setup_click(merchant, pays_for="lead", commission_type="fixed", commission_fixed=30_000)
    response = post(client, key, {"click_id": click.public_id, "order_id": "signup-8", "amount": 990_000,
                                  "currency": "VND"})
    assert response.status_code == 201
    assert response.get_json()["commission"] == 30_000


def test_the_pixel_records_a_lead_without_an_amount_and_refuses_a_zero_sale(client):
    _merchant, _key = make_key()
    lead, lead_click = setup_click(pays_for="lead", commission_type="fixed", commission_fixed=10_000)
    sale, sale_click = setup_click()
    client.get(f"/t/conversion.gif?campaign={lead.id}&order_id=L1&currency=VND&click_id={lead_click.public_id}")
    client.get(f"/t/conversion.gif?campaign={sale.id}&order_id=S1&amount=0&currency=VND"
               f"&click_id={sale_click.public_id}")
    recorded = {c.order_id: c for c in db.session.scalars(db.select(Conversion))}
    assert set(recorded) == {"L1"}
    assert recorded["L1"].commission == 10_000
