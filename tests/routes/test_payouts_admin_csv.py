"""The bank files through the pages: exporting approved transfers, previewing and applying results."""
import csv
import io
import re

import pytest

from tests.payout_admin_helpers import ACCOUNT, fresh, local_today, payout_in
from tests.routes.csrf import csrf_token
from tests.workbook_helpers import vcb_workbook

QUEUE = "/payouts/admin"


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def test_export_downloads_the_bank_file(client, admin):
    bank = payout_in("approved", amount=1_500_000, name="Đỗ Minh Châu")
    momo = payout_in("approved", method="momo")
    payout_in("requested")
    payout_in("paid")
    response = client.get(f"{QUEUE}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    # The date is today's in the display timezone.
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="payouts-\d{4}-\d{2}-\d{2}\.csv"', disposition)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:6] == ["reference", "bank_code", "bank_name", "account_number", "account_holder", "amount"]
    assert rows[1:] == [[f"PR-{bank.id}", "VCB", "Vietcombank", ACCOUNT, "Đỗ Minh Châu", "1500000", "VND",
                         f"PR-{bank.id} affiliate payout"]]
    queue = client.get(QUEUE).get_data(as_text=True)
    note = re.search(r'<p class="muted" id="export-note"[^>]*>.*?</p>', queue, re.S).group(0)
    assert "1 approved bank transfer is ready" in note and f"PR-{momo.id}" in note


def upload(client, content: bytes, name="results.csv"):
    return client.post(f"{QUEUE}/import", content_type="multipart/form-data",
                       data={"csrf_token": csrf_token(client, QUEUE), "file": (io.BytesIO(content), name)})


def apply(client, token):
    return client.post(f"{QUEUE}/import/apply", data={"csrf_token": csrf_token(client, QUEUE), "token": token})


def token_of(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


def test_preview_then_confirm_applies_only_valid_rows(client, admin, outbox):
    good = payout_in("approved")
    bounced = payout_in("approved")
    waiting = payout_in("requested")
    content = (f"reference,transaction_id,status,paid_date,reason\r\n"
               f"PR-{good.id},FT-900,paid,,\r\n"
               f"PR-{bounced.id},,failed,,Wrong account number\r\n"
               f"PR-{waiting.id},FT-901,paid,,\r\n"
               f"PR-424242,FT-902,paid,,\r\n").encode()
    response = upload(client, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nothing has been saved yet." in html
    assert 'data-line="2" data-ok="yes"' in html and 'data-line="3" data-ok="yes"' in html
    assert 'data-line="4" data-ok="no"' in html and "not approved" in html
    assert 'data-line="5" data-ok="no"' in html and "Unknown reference" in html
    assert fresh(good.id).status == "approved"

    response = apply(client, token_of(html))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 of 4 rows applied." in html
    assert html.count('data-applied="yes"') == 2 and html.count('data-applied="no"') == 2
    assert fresh(good.id).status == "paid" and fresh(good.id).transaction_id == "FT-900"
    assert fresh(bounced.id).status == "failed" and fresh(bounced.id).failed_reason == "Wrong account number"
    assert fresh(waiting.id).status == "requested"


def test_file_errors_are_shown_beside_the_field(client, admin):
    html = upload(client, b"reference;status\nPR-1;paid\n").get_data(as_text=True)
    assert 'id="file-error"' in html and "missing: transaction_id" in html
    html = upload(client, "x".encode("utf-16")).get_data(as_text=True)
    assert "not UTF-8" in html
    html = upload(client, b"a" * (1024 * 1024 + 1)).get_data(as_text=True)
    assert "larger than 1 MB" in html
    response = client.post(f"{QUEUE}/import", data={"csrf_token": csrf_token(client, QUEUE)})
    assert "Choose the CSV or Excel file to import." in response.get_data(as_text=True)


def test_a_file_with_only_errors_offers_no_confirm(client, admin):
    html = upload(client, b"reference,transaction_id,status\r\nPR-77,FT,paid\r\n").get_data(as_text=True)
    assert "Confirm import" not in html and "No row can be applied" in html


def test_tampered_token_is_refused_and_changes_nothing(client, admin):
    request = payout_in("approved")
    html = upload(client, f"reference,transaction_id,status\r\nPR-{request.id},FT-1,paid\r\n".encode()).get_data(
        as_text=True)
    token = token_of(html)
    for bad in (token[:-3] + "abc", token.replace(".", "x", 1), "{}"):
        response = apply(client, bad)
        assert response.status_code == 400 and "no longer valid" in response.get_data(as_text=True)
    assert fresh(request.id).status == "approved"
    assert apply(client, token).status_code == 200
    assert fresh(request.id).status == "paid"
    assert apply(client, token).status_code == 400  # the same preview cannot be applied twice


def test_another_admins_token_is_refused(client, login_as):
    login_as("admin")
    request = payout_in("approved")
    html = upload(client, f"reference,transaction_id,status\r\nPR-{request.id},FT-1,paid\r\n".encode()).get_data(
        as_text=True)
    token = token_of(html)
    login_as("admin")
    assert apply(client, token).status_code == 400
    assert fresh(request.id).status == "approved"


def test_a_bank_statement_workbook_previews_and_confirms_like_the_csv(client, admin):
    today = local_today()
    request = payout_in("approved", amount=1_500_000)
    data = vcb_workbook([[1, today, "5213 - 40512", "1.500.000", None, f"PR-{request.id} chi tra hoa hong"]], today)
    html = upload(client, data, name="SaoKe_0071000123456.xlsx").get_data(as_text=True)
    assert "Nothing has been saved yet." in html and 'data-line="7" data-ok="yes"' in html
    assert 'accept=".csv,.xlsx' in html
    response = apply(client, token_of(html))
    assert response.status_code == 200 and "1 of 1 rows applied." in response.get_data(as_text=True)
    assert fresh(request.id).status == "paid" and fresh(request.id).transaction_id == "5213 - 40512"


@pytest.mark.parametrize("content, fragment", [
    (b"reference,transaction_id,status\r\nPR-1,FT,paid\r\n", "not a valid Excel workbook"),
    (b"PK\x03\x04" + b"\x00" * 100, "not a valid Excel workbook"),
])
def test_a_file_named_xlsx_that_is_no_workbook_is_refused_beside_the_field(client, admin, content, fragment):
    response = upload(client, content, name="statement.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="file-error"' in html and fragment in html
    assert "Confirm import" not in html
