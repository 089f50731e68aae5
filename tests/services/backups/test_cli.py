"""`flask backup create / verify / restore` as an operator uses them."""
import os

from app.demo import load_demo
from app.services.tracking import link_changes


def test_create_verify_and_restore_from_the_command_line(app, tmp_path, restore_url):
    load_demo()
    runner = app.test_cli_runner()
    folder = tmp_path / "backups"

    created = runner.invoke(args=["backup", "create", "--to", str(folder)])
    assert created.exit_code == 0, created.output
    (name,) = os.listdir(folder)
    assert name.startswith("affiliate-backup-") and name in created.output
    path = str(folder / name)

    checked = runner.invoke(args=["backup", "verify", path])
    assert checked.exit_code == 0 and "is intact" in checked.output

    uploads = str(tmp_path / "uploads")
    version_before = link_changes.current_version()
    restored = runner.invoke(args=["backup", "restore", path, "--into", restore_url, "--uploads-dir", uploads])
    assert restored.exit_code == 0, restored.output
    assert "match the manifest" in restored.output and "Ledger OK" in restored.output
    # The web processes are told to read the links again.
    assert link_changes.current_version() != version_before

    again = runner.invoke(args=["backup", "restore", path, "--into", restore_url, "--uploads-dir", uploads])
    assert again.exit_code == 1
    assert "Restore refused, nothing was changed" in again.output and "--force" in again.output


def test_a_damaged_file_is_refused_with_a_clear_message(app, tmp_path, restore_url):
    damaged = tmp_path / "affiliate-backup-20260101T000000Z.tar.gz"
    damaged.write_bytes(b"\x1f\x8b\x08\x00 cut short")
    runner = app.test_cli_runner()
    verified = runner.invoke(args=["backup", "verify", str(damaged)])
    assert verified.exit_code == 1 and "truncated or corrupt" in verified.output
    restored = runner.invoke(args=["backup", "restore", str(damaged), "--into", restore_url])
    assert restored.exit_code == 1 and "nothing was changed" in restored.output
    missing = runner.invoke(args=["backup", "restore", str(tmp_path / "nope.tar.gz"), "--into", restore_url])
    assert missing.exit_code == 1 and "no backup file" in missing.output


def test_keep_removes_older_backups_of_the_app_only(app, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in (1, 2, 3):
        (folder / f"affiliate-backup-2020010{day}T000000Z.tar.gz").write_text("old")
    (folder / "README.txt").write_text("keep me")
    result = app.test_cli_runner().invoke(args=["backup", "create", "--to", str(folder), "--keep", "2"])
    assert result.exit_code == 0, result.output
    names = sorted(os.listdir(folder))
    assert names[0] == "README.txt" and "affiliate-backup-20200103T000000Z.tar.gz" in names and len(names) == 3
    assert result.output.count("Removed old backup") == 2
