"""Backup and restore: the database (a consistent snapshot) plus the uploaded files, with a manifest of row counts
and SHA-256 checksums, so a restore can prove it brought back what was saved.

A backup is one folder, written under a temporary name and renamed when complete:

    backup-20260630-020000/
        manifest.json        what is inside: when, which database, row counts per table, every file's checksum
        database.dump        PostgreSQL: pg_dump custom format, taken in one snapshot with the row counts
        database.sqlite3     SQLite: a copy made with SQLite's backup API (consistent while the site runs)
        media/...            the uploaded files, as they lie under MEDIA_ROOT

Restore goes into an EMPTY database (and an empty or missing media folder): it never mixes a backup with data.
It works on connection settings, not on Django's connections, so it can restore into a database the running
settings do not name (the tests restore into a second database and compare).
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese."""


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env(db):
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_args(db):
    args = []
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    return args


def _count_tables(cursor, tables, quote):
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_quote(name):
    return '"' + name.replace('"', '""') + '"'


def _sqlite_tables(conn):
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [name for (name,) in rows]


# --- backup ------------------------------------------------------------------------------------------------------

def _dump_postgresql(target):
    """pg_dump inside a REPEATABLE READ transaction whose snapshot it shares: the counts describe the dump."""
    db = connection.settings_dict
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _count_tables(cursor, connection.introspection.table_names(cursor),
                                   connection.ops.quote_name)
            done = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                 f"--file={target}", *_pg_args(db), db["NAME"]],
                env=_pg_env(db), capture_output=True, text=True,
            )
    if done.returncode != 0:
        raise BackupError(f"pg_dump 失败：{done.stderr.strip()}")
    return counts


def _dump_sqlite(target):
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # page by page, consistent even while others write
        counts = _count_tables(copy.cursor(), _sqlite_tables(copy), _sqlite_quote)
    finally:
        copy.close()
    return counts


def _copy_media(source, target):
    files = []
    if not source.exists():
        return files
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = path.relative_to(source)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        files.append({"path": relative.as_posix(), "size": destination.stat().st_size,
                      "sha256": sha256_of(destination)})
    return files


def _git_commit():
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True,
                              timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def create_backup(directory=None, *, keep=None):
    """Write a complete backup folder under `directory` (BACKUP_DIR); return its path and manifest."""
    started = time.monotonic()
    directory = Path(directory or settings.BACKUP_DIR)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    final = directory / f"backup-{stamp}"
    partial = directory / f".backup-{stamp}.partial"
    if final.exists():
        raise BackupError(f"{final} 已存在：同一秒内不能做两次备份。")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        vendor = connection.vendor
        if vendor == "postgresql":
            database_file = "database.dump"
            counts = _dump_postgresql(partial / database_file)
        elif vendor == "sqlite":
            database_file = "database.sqlite3"
            counts = _dump_sqlite(partial / database_file)
        else:
            raise BackupError(f"不支持的数据库类型：{vendor}")
        # After the database: a file uploaded meanwhile is an extra file, never a row without its file.
        media = _copy_media(Path(settings.MEDIA_ROOT), partial / "media")
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "app_commit": _git_commit(),
            "database": {"vendor": vendor, "file": database_file, "size": (partial / database_file).stat().st_size,
                         "sha256": sha256_of(partial / database_file)},
            "migrations": _latest_migrations(),
            "tables": counts,
            "media": media,
            "seconds": round(time.monotonic() - started, 2),
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    prune(directory, keep if keep is not None else settings.BACKUP_KEEP)
    return final, manifest


def _latest_migrations():
    latest = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def prune(directory, keep):
    """Keep the `keep` newest complete backups in `directory`; 0 keeps all."""
    if not keep:
        return []
    backups = sorted(p for p in Path(directory).glob("backup-*") if (p / MANIFEST).exists())
    removed = backups[:-keep]
    for path in removed:
        shutil.rmtree(path)
    return removed


# --- restore -----------------------------------------------------------------------------------------------------

def read_manifest(folder):
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} 不是完整的备份：缺少 {MANIFEST}。")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')} 与本程序（{FORMAT}）不符。")
    return manifest


def verify(folder, manifest):
    """Every file of the backup against its checksum; the list of problems (empty when all is well)."""
    folder = Path(folder)
    problems = []
    database = folder / manifest["database"]["file"]
    if not database.exists() or sha256_of(database) != manifest["database"]["sha256"]:
        problems.append(f"数据库文件 {database.name} 缺失或已损坏（校验和不符）")
    for item in manifest["media"]:
        path = folder / "media" / item["path"]
        if not path.exists() or sha256_of(path) != item["sha256"]:
            problems.append(f"文件 media/{item['path']} 缺失或已损坏（校验和不符）")
    return problems


def _pg_connect(db):
    import psycopg

    return psycopg.connect(dbname=db["NAME"], user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                           host=db.get("HOST") or None, port=db.get("PORT") or None, autocommit=True)


def database_tables(db):
    """The tables in the database `db` (a DATABASES entry) names, read without Django's connections."""
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        if not Path(db["NAME"]).exists():
            return []
        with sqlite3.connect(db["NAME"]) as conn:
            return _sqlite_tables(conn)
    with _pg_connect(db) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()
    return [name for (name,) in rows]


def count_rows(db):
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        with sqlite3.connect(db["NAME"]) as conn:
            return _count_tables(conn.cursor(), _sqlite_tables(conn), _sqlite_quote)
    with _pg_connect(db) as conn:
        tables = [name for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()]
        return _count_tables(conn.cursor(), tables, lambda name: '"' + name.replace('"', '""') + '"')


def restore_backup(folder, *, db, media_root):
    """Restore the backup in `folder` into the empty database `db` and the media folder; return a report dict.

    Refuses, changing nothing, when a checksum does not match, the database is not empty, or a media file would
    overwrite a different one.
    """
    started = time.monotonic()
    folder = Path(folder)
    manifest = read_manifest(folder)
    problems = verify(folder, manifest)
    if problems:
        raise BackupError("备份校验失败，未恢复任何内容：" + "；".join(problems))
    vendor = "sqlite" if db["ENGINE"].endswith("sqlite3") else "postgresql"
    if vendor != manifest["database"]["vendor"]:
        raise BackupError(f"这是 {manifest['database']['vendor']} 数据库的备份，不能恢复到 {vendor} 数据库。")
    if database_tables(db):
        raise BackupError(f"目标数据库 {db['NAME']} 不是空的。恢复只写入空数据库："
                          "请新建一个空库（或删除后重建）再恢复。")
    media_root = Path(media_root)
    clashes = [item["path"] for item in manifest["media"]
               if (media_root / item["path"]).exists() and sha256_of(media_root / item["path"]) != item["sha256"]]
    if clashes:
        raise BackupError(f"上传目录 {media_root} 中已有 {len(clashes)} 个同名但内容不同的文件（如 {clashes[0]}），"
                          "未恢复任何内容。请使用空的上传目录。")

    source = folder / manifest["database"]["file"]
    if vendor == "postgresql":
        done = subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
             *_pg_args(db), f"--dbname={db['NAME']}", str(source)],
            env=_pg_env(db), capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore 失败，数据库未改动：{done.stderr.strip()}")
    else:
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as backup, sqlite3.connect(db["NAME"]) as target:
            backup.backup(target)

    for item in manifest["media"]:
        destination = media_root / item["path"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.exists():
            shutil.copy2(folder / "media" / item["path"], destination)

    counts = count_rows(db)
    differences = {table: (expected, counts.get(table)) for table, expected in manifest["tables"].items()
                   if counts.get(table) != expected}
    return {"tables": len(counts), "rows": sum(counts.values()), "files": len(manifest["media"]),
            "differences": differences, "seconds": round(time.monotonic() - started, 2),
            "created_at": manifest["created_at"]}


def describe_age(manifest):
    created = datetime.datetime.fromisoformat(manifest["created_at"])
    return timezone.localtime(created).strftime("%Y-%m-%d %H:%M")
