"""Payment proofs: accepted by their content only, stored under a name we choose inside UPLOAD_DIR."""
import io
import os
from pathlib import Path

import pytest

from app.services.payouts import proofs

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def stored_file(result) -> Path:
    path = proofs.resolve(result["path"])
    assert path is not None
    return path


@pytest.mark.parametrize("data, content_type, ext", [
    (PNG, "image/png", ".png"), (JPEG, "image/jpeg", ".jpg"), (PDF, "application/pdf", ".pdf"),
])
def test_each_accepted_type_is_stored_with_its_own_extension(app, data, content_type, ext):
    result = proofs.store(io.BytesIO(data), "receipt" + ext)
    assert result["content_type"] == content_type
    path = stored_file(result)
    assert path.suffix == ext and path.read_bytes() == data
    assert path.parent == Path(app.config["UPLOAD_DIR"]).resolve() / "proofs"
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


def test_a_png_named_pdf_is_stored_as_png(app):
    result = proofs.store(io.BytesIO(PNG), "invoice.pdf")
    assert result["content_type"] == "image/png"
    assert stored_file(result).suffix == ".png"
    assert result["filename"] == "invoice.png"


def proof_files(app) -> set:
    return set((Path(app.config["UPLOAD_DIR"]) / "proofs").glob("*"))


def test_text_named_png_is_refused_and_nothing_is_written(app):
    before = proof_files(app)
    with pytest.raises(proofs.ProofWrongType) as caught:
        proofs.store(io.BytesIO(b"just some text, not an image"), "photo.png")
    assert caught.value.field == "proof"
    assert proof_files(app) == before


def test_html_pretending_to_be_an_image_is_refused(app):
    with pytest.raises(proofs.ProofWrongType):
        proofs.store(io.BytesIO(b"<html><script>alert(1)</script>"), "x.jpg")


def test_empty_file_is_refused(app):
    with pytest.raises(proofs.ProofEmpty):
        proofs.store(io.BytesIO(b""), "empty.png")


def test_over_five_megabytes_is_refused_and_exactly_five_is_kept(app):
    with pytest.raises(proofs.ProofTooLarge):
        proofs.store(io.BytesIO(PNG + b"\x00" * (proofs.MAX_PROOF_BYTES - len(PNG) + 1)), "big.png")
    result = proofs.store(io.BytesIO(PNG + b"\x00" * (proofs.MAX_PROOF_BYTES - len(PNG))), "max.png")
    assert stored_file(result).stat().st_size == proofs.MAX_PROOF_BYTES


def test_path_traversal_name_is_never_used_on_disk(app):
    result = proofs.store(io.BytesIO(PNG), "../../etc/passwd.png")
    path = stored_file(result)
    root = Path(app.config["UPLOAD_DIR"]).resolve()
    assert root in path.parents
    assert "passwd" not in path.name and len(path.stem) == 32
    assert result["filename"] == "passwd.png"
    assert not os.path.exists("/etc/passwd.png")


def test_each_upload_gets_a_new_name(app):
    first = proofs.store(io.BytesIO(PNG), "same.png")
    second = proofs.store(io.BytesIO(PNG), "same.png")
    assert first["path"] != second["path"]


@pytest.mark.parametrize("name, content_type, expected", [
    ("Biên lai chuyển khoản.jpeg", "image/jpeg", "Biên lai chuyển khoản.jpeg"),
    ('C:\\Users\\an\\"bill".png', "image/png", "bill.png"),
    ("receipt.2024", "application/pdf", "receipt.2024.pdf"),
    ("line\nbreak\r.png", "image/png", "linebreak.png"),
    ("", "image/png", "proof.png"),
    ("....", "application/pdf", "proof.pdf"),
    ("a" * 400 + ".pdf", "application/pdf", "a" * 120 + ".pdf"),
])
def test_download_names_are_cleaned(name, content_type, expected):
    assert proofs.clean_filename(name, content_type) == expected


@pytest.mark.parametrize("path", [
    None, "", "../../etc/passwd", "proofs/../../etc/passwd", "/etc/passwd", "proofs/notours.png",
    "imports/" + "a" * 32 + ".png", "proofs/" + "a" * 32 + ".exe",
])
def test_resolve_only_accepts_our_own_names(app, path):
    assert proofs.resolve(path) is None


def test_discard_removes_an_unused_proof(app):
    result = proofs.store(io.BytesIO(PDF), "x.pdf")
    path = stored_file(result)
    proofs.discard(result)
    assert not path.exists()
    proofs.discard(result)  # twice is harmless
    proofs.discard(None)
