"""The backup drill: demo data → backup → restore into a new database → the same counts, totals and ledger."""
import json
import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app.demo import load_demo
from app.extensions import db
from app.services.backups import archive
from app.services.backups.create import create_backup
from app.services.backups.errors import RestoreRefused, RestoreVerificationFailed
from app.services.backups.facts import facts_of_url, read_facts
from app.services.backups.restore import restore_backup
from app.services.payouts import proofs


@pytest.fixture
def demo(app):
    counts = load_demo()
    assert counts and counts["users"] > 0
    folder = proofs.private_folder(proofs.PROOF_FOLDER)
    (folder / "0123456789abcdef0123456789abcdef.pdf").write_bytes(b"%PDF-1.4 a payment proof")
    yield counts
    (folder / "0123456789abcdef0123456789abcdef.pdf").unlink(missing_ok=True)


def test_backup_restores_into_a_new_database_with_identical_counts_totals_and_ledger(app, demo, tmp_path,
                                                                                      restore_url):
    created = create_backup(str(tmp_path / "backups"), proofs.upload_root())
    with db.engine.connect() as conn:
        source = read_facts(conn)
    manifest = created.manifest
    assert manifest["row_counts"] == source["row_counts"]
    assert manifest["ledger_totals"] == source["ledger_totals"] and manifest["ledger_totals"]
    assert manifest["schema_revision"] == source["schema_revision"] is not None
    assert manifest["row_counts"]["clicks"] > 0 and manifest["row_counts"]["ledger_entries"] > 0
    assert "uploads/proofs/0123456789abcdef0123456789abcdef.pdf" in manifest["files"]

    uploads = tmp_path / "restored-uploads"
    restored = restore_backup(created.path, restore_url, uploads)

    assert facts_of_url(restore_url) == source
    assert "0 differences" in restored.ledger_summary
    assert (uploads / "proofs" / "0123456789abcdef0123456789abcdef.pdf").read_bytes() == b"%PDF-1.4 a payment proof"


def test_restoring_into_a_database_that_is_not_empty_is_refused_without_force(app, demo, tmp_path, restore_url):
    created = create_backup(str(tmp_path / "backups"), proofs.upload_root())
    restore_backup(created.path, restore_url, tmp_path / "uploads")
    with pytest.raises(RestoreRefused, match="not empty"):
        restore_backup(created.path, restore_url, tmp_path / "uploads")
    restored = restore_backup(created.path, restore_url, tmp_path / "uploads", force=True)
    assert "0 differences" in restored.ledger_summary
    assert facts_of_url(restore_url)["row_counts"] == created.manifest["row_counts"]


def _target_tables(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return conn.scalar(text("SELECT count(*) FROM information_schema.tables "
                                        "WHERE table_schema = 'public'"))
            return conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE type = 'table'"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "not gzip"])
def test_a_damaged_backup_is_refused_and_nothing_is_changed(app, demo, tmp_path, restore_url, damage):
    created = create_backup(str(tmp_path / "backups"), proofs.upload_root())
    data = bytearray(open(created.path, "rb").read())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped byte":
        data[len(data) // 2] ^= 0xFF
    else:
        data = bytearray(b"just some text, not a backup\n")
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(bytes(data))
    uploads = tmp_path / "uploads"

    with pytest.raises(RestoreRefused, match="truncated or corrupt|checksum|damaged"):
        restore_backup(str(damaged), restore_url, uploads)

    assert _target_tables(restore_url) == 0
    assert not uploads.exists()


def _rewrite(path: str, target: str, change_manifest=None, replace: dict | None = None) -> None:
    """Copy a backup, editing its manifest or a member's bytes (checksums left as they were)."""
    import tarfile
    from pathlib import Path

    scratch = Path(target).parent / "rewrite"
    opened = archive.open_verified(path, scratch)
    manifest = opened.manifest
    if change_manifest:
        change_manifest(manifest)
    members = {archive.DATABASE_MEMBERS[manifest["engine"]]: str(opened.database)}
    members.update({f"uploads/{name}": str(file) for name, file in opened.uploads.items()})
    for name, content in (replace or {}).items():
        Path(members[name]).write_bytes(content)
    archive.write(target, manifest, members)
    with tarfile.open(target) as tar:
        assert tar.getnames()[0] == archive.MANIFEST


def test_a_member_that_does_not_match_its_checksum_is_refused(app, demo, tmp_path, restore_url):
    created = create_backup(str(tmp_path / "backups"), proofs.upload_root())
    tampered = str(tmp_path / "tampered.tar.gz")
    _rewrite(created.path, tampered, replace={"uploads/proofs/0123456789abcdef0123456789abcdef.pdf": b"%PDF-other"})
    with pytest.raises(RestoreRefused, match="does not match its checksum"):
        restore_backup(tampered, restore_url, tmp_path / "uploads")
    assert _target_tables(restore_url) == 0


def test_a_restore_that_does_not_match_the_manifest_fails_loudly(app, demo, tmp_path, restore_url):
    created = create_backup(str(tmp_path / "backups"), proofs.upload_root())
    wrong = str(tmp_path / "wrong-counts.tar.gz")

    def claim_more(manifest):
        manifest["row_counts"]["clicks"] += 1
        currency = next(iter(manifest["ledger_totals"]))
        manifest["ledger_totals"][currency]["sum"] += 1

    _rewrite(created.path, wrong, change_manifest=claim_more)
    with pytest.raises(RestoreVerificationFailed) as failed:
        restore_backup(wrong, restore_url, tmp_path / "uploads")
    assert any(p.startswith("table clicks:") for p in failed.value.problems)
    assert any(p.startswith("ledger ") for p in failed.value.problems)


def test_a_backup_is_refused_by_a_database_of_another_engine(app, demo, tmp_path):
    created = create_backup(str(tmp_path / "backups"), proofs.upload_root())
    other = "postgresql+psycopg://nobody@127.0.0.1:1/none" if created.manifest["engine"] == "sqlite" \
        else f"sqlite:///{tmp_path / 'other.db'}"
    with pytest.raises(RestoreRefused, match="cannot be restored into"):
        restore_backup(created.path, other, tmp_path / "uploads")


def test_uploads_that_differ_are_not_overwritten_without_force(app, demo, tmp_path, restore_url):
    created = create_backup(str(tmp_path / "backups"), proofs.upload_root())
    uploads = tmp_path / "uploads"
    (uploads / "proofs").mkdir(parents=True)
    clash = uploads / "proofs" / "0123456789abcdef0123456789abcdef.pdf"
    clash.write_bytes(b"%PDF-1.4 a different file")
    with pytest.raises(RestoreRefused, match="differ from the backup"):
        restore_backup(created.path, restore_url, uploads)
    assert _target_tables(restore_url) == 0
    restore_backup(created.path, restore_url, uploads, force=True)
    assert clash.read_bytes() == b"%PDF-1.4 a payment proof"


def test_the_manifest_is_the_first_member_and_lists_every_file(app, demo, tmp_path):
    import tarfile

    created = create_backup(str(tmp_path / "backups"), proofs.upload_root())
    with tarfile.open(created.path) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile(archive.MANIFEST))
    assert names[0] == archive.MANIFEST
    assert sorted(names[1:]) == sorted(manifest["files"])
    assert oct(os.stat(created.path).st_mode & 0o777) == "0o600"
    assert not [n for n in os.listdir(tmp_path / "backups") if not n.endswith(".tar.gz")]
