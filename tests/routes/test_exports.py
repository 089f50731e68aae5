"""The exports of the lists: each keeps to its reader's rows and to the filters of its list."""
import csv
import io

import pytest

from tests import factories
from tests.payout_admin_helpers import payout_in
from tests.review_helpers import sale, shop


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_merchants_affiliates_page_and_export_keep_to_their_campaigns(client, login_as):
    merchant = factories.make_user("merchant")
    _campaign, mine, link = shop(merchant)
    sale(link, amount=1_000_000)
    theirs = shop()[1]
    sale(factories.make_link(factories.make_campaign(), mine), amount=5_000_000)  # not the merchant's campaign
    login_as(merchant)
    html = client.get("/campaigns/affiliates").get_data(as_text=True)
    assert mine.email in html and theirs.email not in html
    assert 'href="/campaigns/affiliates/export.csv"' in html
    rows = csv_rows(client.get("/campaigns/affiliates/export.csv"))
    assert [row[0] for row in rows[1:]] == [mine.email]
    assert rows[1][7:] == ["1", "1", "VND", "100000"]


def test_the_affiliates_filters_go_to_the_export(client, login_as):
    merchant = factories.make_user("merchant")
    campaign = factories.make_campaign(merchant)
    lan = factories.make_membership(campaign, factories.make_user("affiliate", name="Nguyen Thi Lan")).affiliate
    binh = factories.make_membership(campaign, factories.make_user("affiliate", name="Tran Van Binh"),
                                     status="pending").affiliate
    login_as(merchant)
    html = client.get("/campaigns/affiliates?q=lan&days=7").get_data(as_text=True)
    assert lan.email in html and binh.email not in html
    assert 'href="/campaigns/affiliates/export.csv?q=lan&amp;days=7"' in html
    assert [row[0] for row in csv_rows(client.get("/campaigns/affiliates/export.csv?q=lan"))[1:]] == [lan.email]
    pending = csv_rows(client.get("/campaigns/affiliates/export.csv?status=pending"))
    assert [(row[0], row[2]) for row in pending[1:]] == [(binh.email, "pending")]
    assert csv_rows(client.get("/campaigns/affiliates/export.csv?days=7"))[1][5:7] != \
        csv_rows(client.get("/campaigns/affiliates/export.csv?days=90"))[1][5:7]


def test_the_admins_affiliates_are_every_affiliate_account(client, login_as):
    first, second = shop()[1], shop()[1]
    merchant = factories.make_user("merchant")
    login_as("admin")
    response = client.get("/campaigns/affiliates?sort=name&order=asc", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="affiliates">') and "HX-Request" in response.headers["Vary"]
    assert first.email in html and second.email in html and merchant.email not in html
    assert f'href="/admin/users/{first.id}"' in html
    emails = [row[0] for row in csv_rows(client.get("/campaigns/affiliates/export.csv?status=disabled"))[1:]]
    assert emails == []


@pytest.mark.parametrize("url", ["/campaigns/affiliates", "/campaigns/affiliates/export.csv"])
def test_affiliates_may_not_see_the_affiliates_list(client, login_as, url):
    login_as("affiliate")
    assert client.get(url).status_code == 403


def test_bad_filters_are_ignored_with_an_error_beside_them(client, login_as):
    login_as("merchant")
    response = client.get("/campaigns/affiliates?days=5&status=nonsense&sort=x&order=y")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert client.get("/campaigns/affiliates/export.csv?days=abc").status_code == 200


def test_an_affiliate_exports_their_own_payout_history_only(client, login_as):
    mine = payout_in("rejected")
    payout_in("requested")  # someone else's
    login_as(mine.affiliate)
    html = client.get("/payouts/").get_data(as_text=True)
    assert 'href="/payouts/export.csv"' in html
    rows = csv_rows(client.get("/payouts/export.csv"))
    assert rows[0][:4] == ["reference", "requested_utc", "currency", "amount"]
    assert [(row[0], row[3], row[4], row[-1]) for row in rows[1:]] == [(f"PR-{mine.id}", "500000", "rejected", "Fraud")]
    assert "0123456789" not in "".join(rows[1])  # the account number stays masked
    login_as("merchant")
    assert client.get("/payouts/export.csv").status_code == 403


def test_the_admins_payout_export_follows_the_queues_filters(client, login_as):
    admin = login_as("admin")
    waiting = payout_in("requested", admin=admin)
    rejected = payout_in("rejected", admin=admin)
    usd = payout_in("requested", currency="USD", amount=5_000, admin=admin)
    html = client.get("/payouts/admin?status=requested").get_data(as_text=True)
    assert 'href="/payouts/admin/requests.csv?status=requested"' in html
    every = csv_rows(client.get("/payouts/admin/requests.csv"))
    assert {row[2] for row in every[1:]} == {f"PR-{p.id}" for p in (waiting, rejected, usd)}
    assert every[1][:2] == [usd.affiliate.email, usd.affiliate.name]
    waiting_rows = csv_rows(client.get("/payouts/admin/requests.csv?status=requested&currency=VND"))
    assert [row[2] for row in waiting_rows[1:]] == [f"PR-{waiting.id}"]
    login_as("merchant")
    assert client.get("/payouts/admin/requests.csv").status_code == 403
