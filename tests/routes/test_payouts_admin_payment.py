"""Paying by hand: the confirm form and its proof upload, marking failed, corrections, proof downloads."""
import io
from datetime import timedelta
from pathlib import Path

import pytest

from app.models.common import utcnow
from app.services.ledger import balances
from app.services.payouts import proofs, states
from tests.payout_admin_helpers import PNG, audit_for, fresh, local_today, payable_affiliate, payout_in
from tests.routes.csrf import csrf_token

QUEUE = "/payouts/admin"


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def confirm(client, request_id, **fields):
    data = {"csrf_token": csrf_token(client, QUEUE), "method": "bank_transfer", "transaction_id": "FT24001",
            "paid_on": local_today().isoformat(), "notes": ""}
    data.update(fields)
    return client.post(f"{QUEUE}/{request_id}/confirm", data=data, content_type="multipart/form-data")


def proof_files(app) -> set:
    return set((Path(app.config["UPLOAD_DIR"]) / "proofs").glob("*"))


def test_confirm_form_defaults_to_today_and_the_requests_method(client, admin):
    request = payout_in("approved", method="momo")
    html = client.get(f"{QUEUE}/{request.id}/confirm").get_data(as_text=True)
    assert 'value="momo" selected' in html or 'selected value="momo"' in html
    assert 'name="paid_on"' in html and 'enctype="multipart/form-data"' in html
    assert "0912345678" in html  # the admin paying sees where to send the money in full


def test_confirm_with_a_png_proof_pays_the_request(app, client, admin, outbox):
    request = payout_in("approved")
    response = confirm(client, request.id, notes="Batch 12", proof=(io.BytesIO(PNG), "biên lai.png"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{QUEUE}/{request.id}")
    paid = fresh(request.id)
    assert (paid.status, paid.transaction_id, paid.paid_method, paid.paid_on, paid.payment_notes) == (
        "paid", "FT24001", "bank_transfer", local_today(), "Batch 12")
    assert paid.proof_content_type == "image/png" and paid.proof_filename == "biên lai.png"
    assert proofs.resolve(paid.proof_path).read_bytes() == PNG
    assert audit_for(request.id)[-1].action == "payout.paid"


def test_a_png_renamed_pdf_is_kept_as_png(client, admin):
    request = payout_in("approved")
    confirm(client, request.id, proof=(io.BytesIO(PNG), "receipt.pdf"))
    paid = fresh(request.id)
    assert paid.proof_content_type == "image/png" and paid.proof_path.endswith(".png")


def test_path_traversal_name_is_stored_under_our_name(app, client, admin):
    request = payout_in("approved")
    confirm(client, request.id, proof=(io.BytesIO(PNG), "../../etc/passwd.png"))
    paid = fresh(request.id)
    stored = proofs.resolve(paid.proof_path)
    assert Path(app.config["UPLOAD_DIR"]).resolve() in stored.parents and "passwd" not in stored.name
    assert paid.proof_filename == "passwd.png"


@pytest.mark.parametrize("data, name, message", [
    (b"hello, I am text", "photo.png", "must be a PNG or JPEG image or a PDF"),
    (PNG + b"\x00" * (5 * 1024 * 1024 + 512 * 1024), "big.png", "larger than 5 MB"),
])
def test_bad_proofs_are_refused_beside_the_field(app, client, admin, data, name, message):
    request = payout_in("approved")
    before = proof_files(app)
    response = confirm(client, request.id, proof=(io.BytesIO(data), name))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert 'id="proof-error"' in html
    assert 'value="FT24001"' in html  # what was typed is kept
    assert fresh(request.id).status == "approved" and proof_files(app) == before


def test_an_upload_over_the_request_limit_gets_the_friendly_413(client, admin):
    request = payout_in("approved")
    response = confirm(client, request.id, proof=(io.BytesIO(PNG + b"\x00" * (7 * 1024 * 1024)), "huge.png"))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "The upload is too large." in html and "<html" in html
    assert fresh(request.id).status == "approved"


@pytest.mark.parametrize("fields, message", [
    ({"transaction_id": "  "}, "Enter the transaction id of the payment."),
    ({"transaction_id": "x" * 121}, "120"),
    ({"paid_on": (utcnow() + timedelta(days=2)).date().isoformat()}, "cannot be in the future"),
    ({"paid_on": "31/02/2024"}, "Not a valid date"),
    ({"paid_on": (utcnow() - timedelta(days=3)).date().isoformat()}, "cannot be before the request was made"),
    ({"paid_on": "0001-01-01"}, "between 2000 and 2100"),
    ({"method": "stripe"}, "Not a valid choice"),
])
def test_confirm_form_validation(client, admin, fields, message):
    request = payout_in("approved")
    response = confirm(client, request.id, **fields)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert fresh(request.id).status == "approved"


def test_confirming_a_request_that_is_no_longer_approved(app, client, admin):
    request = payout_in("approved")
    states.mark_failed(request.id, admin.id, "Bounced")
    before = proof_files(app)
    response = confirm(client, request.id, proof=(io.BytesIO(PNG), "late.png"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{QUEUE}/{request.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Only an approved payout can be confirmed as paid; this one is failed." in html
    assert fresh(request.id).status == "failed" and proof_files(app) == before


def test_a_race_lost_between_form_and_service_keeps_no_file(app, client, admin, monkeypatch):
    request = payout_in("approved")
    real = states.confirm_paid

    def someone_else_first(request_id, *args, **kwargs):
        states.mark_failed(request_id, admin.id, "Bounced")
        return real(request_id, *args, **kwargs)

    monkeypatch.setattr(states, "confirm_paid", someone_else_first)
    before = proof_files(app)
    response = confirm(client, request.id, proof=(io.BytesIO(PNG), "x.png"))
    assert response.status_code == 200 and "cannot become paid" in response.get_data(as_text=True)
    assert proof_files(app) == before and fresh(request.id).status == "failed"


def test_mark_failed_needs_a_reason_and_releases_the_amount(client, admin, outbox):
    request = payout_in("approved")
    available = balances.available(request.affiliate_id, "VND")
    response = client.post(f"{QUEUE}/{request.id}/fail", data={"csrf_token": csrf_token(client, QUEUE), "reason": ""})
    assert response.status_code == 200 and "Give a reason." in response.get_data(as_text=True)
    assert fresh(request.id).status == "approved"
    response = client.post(f"{QUEUE}/{request.id}/fail",
                           data={"csrf_token": csrf_token(client, QUEUE), "reason": "Account closed"},
                           follow_redirects=True)
    assert "back in the affiliate&#39;s available balance" in response.get_data(as_text=True)
    failed = fresh(request.id)
    assert failed.status == "failed" and failed.failed_reason == "Account closed"
    assert balances.available(request.affiliate_id, "VND") == available + request.amount


def test_mark_failed_on_a_paid_request_is_refused(client, admin):
    request = payout_in("paid")
    response = client.post(f"{QUEUE}/{request.id}/fail",
                           data={"csrf_token": csrf_token(client, QUEUE), "reason": "Oops"}, follow_redirects=True)
    assert "cannot become failed" in response.get_data(as_text=True)
    assert fresh(request.id).status == "paid"


def correct(client, request_id, **fields):
    data = {"csrf_token": csrf_token(client, QUEUE), "method": "bank_transfer", "transaction_id": "FT-1",
            "notes": ""}
    data.update(fields)
    return client.post(f"{QUEUE}/{request_id}/correct", data=data, content_type="multipart/form-data")


def test_correction_is_saved_and_audited(client, admin):
    request = payout_in("paid")
    html = client.get(f"{QUEUE}/{request.id}/correct").get_data(as_text=True)
    assert 'value="FT-1"' in html
    response = correct(client, request.id, transaction_id="FT-2", notes="Typo fixed",
                       proof=(io.BytesIO(PNG), "new.png"))
    assert response.status_code == 302
    fixed = fresh(request.id)
    assert fixed.transaction_id == "FT-2" and fixed.payment_notes == "Typo fixed" and fixed.proof_filename == "new.png"
    event = audit_for(request.id)[-1]
    assert event.action == "payout.payment_corrected" and event.actor_id == admin.id
    assert event.before["transaction_id"] == "FT-1" and event.after["transaction_id"] == "FT-2"


def test_correction_without_changes_is_not_audited(client, admin):
    request = payout_in("paid")
    count = len(audit_for(request.id))
    response = correct(client, request.id)
    assert "Nothing was changed." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(audit_for(request.id)) == count


def test_correction_validates_like_the_confirm_form(client, admin):
    request = payout_in("paid")
    response = correct(client, request.id, transaction_id="", proof=(io.BytesIO(b"GIF89a"), "x.png"))
    html = response.get_data(as_text=True)
    assert "Enter the transaction id of the payment." in html and "must be a PNG or JPEG" in html
    assert fresh(request.id).transaction_id == "FT-1"


def test_only_paid_requests_can_be_corrected(client, admin):
    request = payout_in("approved")
    response = client.get(f"{QUEUE}/{request.id}/correct")
    assert response.status_code == 302


def paid_with_proof(client, affiliate=None):
    request = payout_in("approved", affiliate=affiliate)
    confirm(client, request.id, proof=(io.BytesIO(PNG), "receipt.png"))
    return fresh(request.id)


def test_proof_download_headers(client, admin):
    request = paid_with_proof(client)
    response = client.get(f"/payouts/{request.id}/proof")
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "receipt.png" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_proof_download_is_for_the_owner_and_admins_only(app, client, login_as):
    login_as("admin")
    owner = payable_affiliate()
    request = paid_with_proof(client, affiliate=owner)
    url = f"/payouts/{request.id}/proof"
    assert client.get(url).status_code == 200
    login_as(owner)
    assert client.get(url).status_code == 200
    login_as("affiliate")
    assert client.get(url).status_code == 404
    login_as("merchant")
    assert client.get(url).status_code == 403


def test_proof_download_without_a_proof_is_404(client, admin):
    assert client.get(f"/payouts/{payout_in('paid').id}/proof").status_code == 404
    assert client.get("/payouts/999999/proof").status_code == 404


def test_confirm_page_of_a_bank_transfer_shows_a_vietqr_code_and_copy_buttons(client, admin):
    request = payout_in("approved", amount=750_000)
    html = client.get(f"{QUEUE}/{request.id}/confirm").get_data(as_text=True)
    assert '<svg viewBox=' in html and 'class="vietqr"' in html
    for target in ("copy-account", "copy-amount", "copy-note"):
        assert f'data-copy-target="{target}"' in html
    assert 'value="750000"' in html and f'value="PR-{request.id} affiliate payout"' in html


def test_confirm_page_says_why_there_is_no_code(client, admin):
    request = payout_in("approved", amount=1250, currency="USD")
    html = client.get(f"{QUEUE}/{request.id}/confirm").get_data(as_text=True)
    assert 'class="vietqr"' not in html and "dong only" in html and 'data-copy-target="copy-account"' in html
    momo = payout_in("approved", method="momo")
    html = client.get(f"{QUEUE}/{momo.id}/confirm").get_data(as_text=True)
    assert "copy-account" not in html
