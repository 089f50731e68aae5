"""Keeping the newest N backups: only this app's backup files are ever deleted."""
from app.services.backups.create import prune


def test_prune_keeps_the_newest_backups_and_leaves_other_files_alone(tmp_path):
    names = [f"affiliate-backup-2026010{day}T030000Z.tar.gz" for day in range(1, 6)]
    others = ["notes.txt", "affiliate-backup-latest.tar.gz", "affiliate-backup-20260109T030000Z.tar.gz.partial"]
    for name in [*names, *others]:
        (tmp_path / name).write_text("x")

    removed = prune(str(tmp_path), keep=2)

    assert sorted(p.rsplit("/", 1)[1] for p in removed) == names[:3]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([*names[3:], *others])


def test_prune_with_fewer_backups_than_kept_removes_nothing(tmp_path):
    (tmp_path / "affiliate-backup-20260101T030000Z.tar.gz").write_text("x")
    assert prune(str(tmp_path), keep=14) == []
