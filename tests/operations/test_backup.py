"""A backup restored into an empty database brings back every row and every file: the test compares the row count
of every table and the checksum of every file. On PostgreSQL the restore goes into a second database,
h_<name>_restore after the test database's name (dropped and created by the test)."""

import json
import shutil
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from operations import backup
from tasks.models import TaskAttachment

from ..tasks.conftest import make_task

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and the SQLite copy see committed rows only
RESTORE_DB = f"{connection.settings_dict['NAME'].removeprefix('test_')}_restore"  # h_<you>_restore


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.MEDIA_ROOT


@pytest.fixture
def with_files(world, media):
    task = make_task(world.sec_a, title="王庄村党支部晋星")
    for number in range(3):
        attachment = TaskAttachment(task=task, name=f"台账{number}.pdf", size=9, uploaded_by=world.users.secretary)
        attachment.file.save(f"f{number}.pdf", ContentFile(f"%PDF-{number}".encode() * 3), save=False)
        attachment.save()
    return world


@pytest.fixture
def empty_target(tmp_path):
    """A DATABASES entry for an empty database of the same kind as the one under test."""
    db = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        db["NAME"] = str(tmp_path / "restored.sqlite3")
        yield db
        return
    import psycopg

    admin = dict(db, NAME="postgres")
    with backup._pg_connect(admin) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {RESTORE_DB}")
        conn.execute(f"CREATE DATABASE {RESTORE_DB}")
    db["NAME"] = RESTORE_DB
    yield db
    with backup._pg_connect(admin) as conn:
        try:
            conn.execute(f"DROP DATABASE IF EXISTS {RESTORE_DB} WITH (FORCE)")
        except psycopg.Error:
            pass


def test_a_backup_restores_into_an_empty_database_with_every_row_and_file(with_files, media, empty_target, tmp_path):
    folder, manifest = backup.create_backup()
    assert folder.name.startswith("backup-") and (folder / "manifest.json").exists()
    assert manifest["tables"]["tasks_taskattachment"] == 3 and len(manifest["media"]) == 3
    assert manifest["tables"]["secretaries_secretary"] == 4

    restored_media = tmp_path / "restored-media"
    report = backup.restore_backup(folder, db=empty_target, media_root=restored_media)
    assert report["differences"] == {}
    assert backup.count_rows(empty_target) == manifest["tables"]
    originals = sorted(p.relative_to(media) for p in media.rglob("*") if p.is_file())
    copies = sorted(p.relative_to(restored_media) for p in restored_media.rglob("*") if p.is_file())
    assert originals == copies and len(copies) == 3
    for path in originals:
        assert (media / path).read_bytes() == (restored_media / path).read_bytes()


def test_a_restore_refuses_a_database_that_is_not_empty(with_files, media, empty_target, tmp_path):
    folder, manifest = backup.create_backup()
    backup.restore_backup(folder, db=empty_target, media_root=tmp_path / "m")
    with pytest.raises(backup.BackupError, match="不是空的"):
        backup.restore_backup(folder, db=empty_target, media_root=tmp_path / "m")
    assert backup.count_rows(empty_target) == manifest["tables"]  # untouched by the refused second restore


def test_a_damaged_backup_is_refused_before_anything_is_written(with_files, media, empty_target, tmp_path):
    folder, manifest = backup.create_backup()
    damaged = folder / "media" / manifest["media"][0]["path"]
    damaged.write_bytes(b"changed")
    with pytest.raises(backup.BackupError, match="校验和不符"):
        backup.restore_backup(folder, db=empty_target, media_root=tmp_path / "m")
    assert backup.database_tables(empty_target) == [] and not (tmp_path / "m").exists()


def test_the_command_writes_a_manifest_and_keeps_the_newest_backups(with_files, media, capsys):
    call_command("backup", keep=2)
    first = sorted(Path(media.parent / "backups").glob("backup-*"))
    assert len(first) == 1
    manifest = json.loads((first[0] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"]["sha256"] == backup.sha256_of(first[0] / manifest["database"]["file"])
    assert "备份完成" in capsys.readouterr().out
    for n in range(3):  # older complete backups beyond --keep are removed
        shutil.copytree(first[0], first[0].parent / f"backup-2000010{n}-000000")
    backup.prune(first[0].parent, 2)
    assert len(list(first[0].parent.glob("backup-*"))) == 2 and first[0].exists()


def test_the_restore_command_refuses_a_folder_that_is_not_a_backup(tmp_path, db):
    with pytest.raises(CommandError, match="不是完整的备份"):
        call_command("restore", str(tmp_path))
