"""The same order sent through GraphQL at the same instant is recorded once (Postgres only)."""
from app.extensions import db
from app.models.conversions import Conversion
from tests.concurrency import postgres_only, run_together
from tests.conversion_helpers import ledger_rows, setup_click
from tests.graphql_helpers import ask, key_for

pytestmark = postgres_only()

RECORD = """mutation($input: ConversionInput!) { recordConversion(input: $input) { created conversion { id } } }"""


def test_concurrent_identical_orders_record_one_conversion(app):
    campaign, click = setup_click()
    key = key_for(campaign.merchant)
    order = {"clickId": click.public_id, "orderId": "RACE-1", "amount": 300000, "currency": "VND"}

    def send(_i):
        return ask(app.test_client(), RECORD, {"input": order}, key=key).get_json()

    answers = run_together(app, 6, send)
    recorded = [answer["data"]["recordConversion"] for answer in answers]
    assert sum(r["created"] for r in recorded) == 1
    assert len({r["conversion"]["id"] for r in recorded}) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Conversion)) == 1
    assert ledger_rows() == []
