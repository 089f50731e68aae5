"""The analytics page of each role: what it shows, to whom, and what it does with bad input."""
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models.common import utcnow
from app.services.analytics import cache, rollup
from tests import factories

PAGE = "/analytics/"
HX = {"HX-Request": "true"}


def _program(merchant=None, affiliate=None, clicks=3, amount=2_000_000):
    """A campaign of `merchant` with `affiliate`'s link, `clicks` clicks two days ago and one order."""
    campaign = factories.make_campaign(merchant, name="Tea club")
    membership = factories.make_membership(campaign, affiliate)
    link = factories.make_link(campaign, membership.affiliate, sub_id="fb-post", label="Facebook post")
    when = utcnow() - timedelta(days=2)
    for n in range(clicks):
        click = factories.make_click(link, created_at=when + timedelta(minutes=n), sub1="fb-post",
                                     referrer="https://www.facebook.com/groups/x")
    factories.make_conversion(click, amount=amount, created_at=when + timedelta(hours=1))
    return campaign, membership.affiliate, link


@pytest.fixture
def program(app):
    merchant = factories.make_user("merchant")
    campaign, affiliate, link = _program(merchant)
    other_campaign, other_affiliate, other_link = _program(clicks=7, amount=9_000_000)
    rollup.rebuild()
    return merchant, campaign, affiliate, link, other_campaign, other_link


@pytest.mark.parametrize("role", ["admin", "merchant", "affiliate"])
def test_every_role_has_an_analytics_page(client, login_as, program, role):
    merchant, campaign, affiliate, *_ = program
    login_as({"admin": "admin", "merchant": merchant, "affiliate": affiliate}[role])
    response = client.get(PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert 'id="funnel"' in html and 'id="trend"' in html and 'id="top-performers"' in html
    assert html.count("<svg") >= 4 and "<desc" in html
    assert ('id="cohorts"' in html) == (role != "affiliate")


def test_a_merchant_sees_only_their_campaigns(client, login_as, program):
    merchant, campaign, _affiliate, _link, other_campaign, _other_link = program
    login_as(merchant)
    html = client.get(PAGE + "?range=30d&top=campaign").get_data(as_text=True)
    assert "Tea club" in html and f'value="{other_campaign.id}"' not in html
    assert "₫2,000,000" in html and "₫9,000,000" not in html


def test_cohorts_load_into_the_page_for_admins_and_merchants(client, login_as, program):
    merchant, _campaign, affiliate, *_ = program
    login_as(merchant)
    html = client.get("/analytics/cohorts?range=30d", headers=HX).get_data(as_text=True)
    assert html.lstrip().startswith('<section id="cohorts"') and 'class="cohorts"' in html
    assert "Back to analytics" in client.get("/analytics/cohorts").get_data(as_text=True)
    login_as(affiliate)
    assert client.get("/analytics/cohorts").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, program):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_htmx_gets_only_the_results(client, login_as, program):
    login_as(program[0])
    html = client.get(PAGE + "?range=7d", headers=HX).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="analytics-results"') and "<html" not in html


@pytest.mark.parametrize("query", [
    "range=custom&date_from=2026-03-10&date_to=2026-03-01",
    "range=custom&date_from=1990-01-01&date_to=2035-01-01",
    "range=custom&date_from=not-a-date",
    "campaign=abc", "campaign=999999", "campaign=99999999999999", "link=nope", "affiliate=nobody@example.com",
    "sub_id=" + "x" * 500, "currency=XXX", "top=secret&sort=drop&order=sideways&rows=100000",
])
def test_bad_input_gets_an_answer_never_an_error(client, login_as, program, query):
    login_as(program[0])
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 200


def test_another_merchants_campaign_is_refused_beside_the_field(client, login_as, program):
    merchant, _campaign, _affiliate, _link, other_campaign, other_link = program
    login_as(merchant)
    html = client.get(f"{PAGE}?campaign={other_campaign.id}&link={other_link.code}").get_data(as_text=True)
    assert "This campaign is not among yours." in html and "No tracking link with this code is among yours." in html
    assert "₫9,000,000" not in html


def test_a_range_of_ten_years_is_clamped_with_a_note(client, login_as, program):
    login_as(program[0])
    html = client.get(f"{PAGE}?range=custom&date_from=2016-01-01&date_to=2026-01-01").get_data(as_text=True)
    assert "Ranges are limited to 366 days" in html


@pytest.mark.parametrize("table", ["funnel", "trend", "top", "cohorts"])
def test_exports_are_csv_with_a_byte_order_mark_and_only_the_readers_figures(client, login_as, program, table):
    merchant, *_ = program
    login_as(merchant)
    response = client.get(f"/analytics/export/{table}.csv?top=campaign")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert body.startswith("\ufeff") and "9000000" not in body
    if table == "top":
        assert "Tea club" in body and "2000000" in body and ",VND" in body


def test_an_affiliate_has_no_cohort_export(client, login_as, program):
    login_as(program[2])
    assert client.get("/analytics/export/cohorts.csv").status_code == 404
    assert client.get("/analytics/export/secrets.csv").status_code == 404


def test_the_affiliate_search_suggests_only_the_merchants_affiliates(client, login_as, program):
    merchant, _campaign, affiliate, *_ = program
    login_as(merchant)
    html = client.get("/analytics/affiliates?affiliate=affiliate", headers=HX).get_data(as_text=True)
    assert html.count("<option") == 1 and affiliate.email in html


def _queries(client, url) -> int:
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    db.session.expire_all()  # the signed-in user is read from the database, as in any fresh request
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("top", ["affiliate", "link", "campaign", "sub_id", "referrer"])
def test_the_page_makes_as_many_queries_for_fifty_rows_as_for_one(client, login_as, app, top):
    admin = factories.make_user("admin")
    _program()
    rollup.rebuild()
    login_as(admin)
    cache.reset()
    app.config["ANALYTICS_CACHE"] = False
    try:
        one = _queries(client, f"{PAGE}?top={top}&rows=100")
        for _n in range(49):
            _program(clicks=1)
        rollup.rebuild()
        fifty = _queries(client, f"{PAGE}?top={top}&rows=100")
    finally:
        app.config["ANALYTICS_CACHE"] = True
    assert fifty == one
