"""A bank's statement export (Vietcombank's layout) imported as the results of bank transfers."""
from app.services.payouts import bank_csv, bank_statement
from app.services.payouts.errors import ImportFileError
from tests.payout_admin_helpers import local_today, payout_in


def vcb_statement(lines: list[str]) -> bytes:
    """A statement as Vietcombank's export saved as CSV: account lines first, a bilingual header, a total."""
    today = local_today().strftime("%d/%m/%Y")
    head = [
        "NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM",
        "SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT",
        "Số tài khoản / Account number:,0071000123456",
        f"Từ ngày / From:,{today},Đến ngày / To:,{today}",
        "STT / No.,Ngày giao dịch / Transaction Date,Số tham chiếu / Reference No.,Số tiền ghi nợ / Debit,"
        "Số tiền ghi có / Credit,Mô tả / Description",
    ]
    body = [line.replace("{today}", today) for line in lines]
    return ("\n".join(head + body + ['Tổng cộng / Total,,,"9,999,999","2,000,000",']) + "\n").encode("utf-8-sig")


def test_money_out_lines_naming_a_request_become_paid_rows(app):
    paid = payout_in("approved", amount=500_000)
    other = payout_in("approved", amount=600_000)
    data = vcb_statement([
        f'1,{{today}} 10:31:22,5213 - 40512,"500,000",,PR-{paid.id} chi tra hoa hong',
        '2,{today},5213 - 40513,,"2,000,000",NHAN TIEN KHACH HANG',
        '3,{today},5213 - 40514,"1,100",,PHI CHUYEN TIEN',
        f'4,{{today}},5213 - 40515,"650,000",,PR{other.id} chi tra hoa hong',
    ])
    preview = bank_csv.parse_results(data, local_today())
    assert [row.reference for row in preview.rows] == [f"PR-{paid.id}", f"PR-{other.id}"]
    (good,) = preview.valid
    assert good.request_id == paid.id and good.status == "paid" and good.transaction_id == "5213 - 40512"
    assert good.paid_on == local_today() and good.line == 6
    (bad,) = preview.invalid
    assert "shows ₫650,000 but the request is for ₫600,000" in " ".join(str(e) for e in bad.errors)


def test_the_header_is_found_in_english_and_with_semicolons(app):
    request = payout_in("approved", amount=250_000)
    today = local_today().isoformat()
    text = (f"Account statement\nTransaction date;Reference no.;Debit;Credit;Transactions in detail\n"
            f"{today};FT2633;250.000;;IBFT PR {request.id} affiliate payout\n")
    preview = bank_csv.parse_results(text.encode(), local_today())
    (row,) = preview.valid
    assert row.request_id == request.id and row.transaction_id == "FT2633"


def test_a_statement_without_our_lines_or_columns_is_refused(app):
    assert not bank_statement.is_statement("a,b,c\n1,2,3\n")
    empty = vcb_statement(['1,{today},5213,"100,000",,TIEN DIEN'])
    try:
        bank_csv.parse_results(empty, local_today())
    except ImportFileError as exc:
        assert "no money-out line" in exc.message
    else:
        raise AssertionError("a statement with no payout line must be refused")


def test_our_own_results_format_still_reads_as_before(app):
    request = payout_in("approved")
    data = f"reference,transaction_id,status\nPR-{request.id},FT1,paid\n".encode()
    (row,) = bank_csv.parse_results(data, local_today()).valid
    assert row.statement_amount is None and row.request_id == request.id
