"""Backups of kabot's database: online, consistent, verified; restored only into an empty place.

``VACUUM INTO`` copies the database as one transaction sees it, while the bot goes on writing
(WAL lets a reader and the writer work side by side); the copy is then opened on its own and
checked with ``PRAGMA integrity_check`` before it counts. Each backup is a folder: the copy
(``kabot.db``), the photos and documents kabot keeps (``files/``, named by their sha256),
and a ``manifest.json`` saying when, from which schema version, how many rows each table
holds and how many files there are, so a restore can be checked against it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

DATABASE = "kabot.db"
MANIFEST = "manifest.json"
FILES = "files"  # the photos and documents kabot keeps, named by sha256, beside the database
DAILY_PREFIX = "daily-"


class BackupError(Exception):
    """A backup could not be made or restored; the message is the one line to show."""


@dataclass(frozen=True, slots=True)
class Backup:
    folder: Path
    made_at: str
    schema: int
    rows: dict[str, int]
    files: int = 0


def _rows(conn: sqlite3.Connection) -> dict[str, int]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    return {t: int(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in tables}


def check(path: Path) -> tuple[int, dict[str, int]]:
    """Open a database file on its own and check it: (schema version, rows per table)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"{path}: integrity check failed: {verdict}")
            return int(conn.execute("PRAGMA user_version").fetchone()[0]), _rows(conn)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: not a readable kabot database: {exc}") from exc


def make(db_path: Path, folder: Path, now: datetime, earlier: Path | None = None) -> Backup:
    """Copy the live database and its files into ``folder`` (new or empty) and verify the
    copy; files an ``earlier`` backup holds are linked, not copied again. Blocking: call it
    off the event loop."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give a new folder for the backup")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / DATABASE
    try:
        with contextlib.closing(sqlite3.connect(db_path)) as conn:
            conn.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.Error as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise BackupError(f"cannot back up {db_path}: {exc}") from exc
    schema, rows = check(target)
    # The files after the database: every file the copy names was written before it.
    kept = _copy_files(
        db_path.parent / FILES, folder / FILES, earlier / FILES if earlier else None
    )
    backup = Backup(folder, now.isoformat(timespec="seconds"), schema, rows, kept)
    manifest: dict[str, Any] = {
        "made_at": backup.made_at,
        "schema": schema,
        "rows": rows,
        "files": kept,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return backup


def files_only(files: Path, folder: Path, now: datetime) -> Backup:
    """On a server, whose data its operator backs up (pg_dump): the kept files alone, into
    ``folder`` (new or empty), with a manifest that says so."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give a new folder for the backup")
    folder.mkdir(parents=True, exist_ok=True)
    kept = _copy_files(files, folder / FILES, None)
    backup = Backup(folder, now.isoformat(timespec="seconds"), 0, {}, kept)
    manifest = {"made_at": backup.made_at, "database": "postgresql: pg_dump", "files": kept}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return backup


def read(folder: Path) -> Backup:
    """A backup folder, checked: the copy is intact and holds what its manifest says."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder}: no readable {MANIFEST}: is it a kabot backup?") from exc
    schema, rows = check(folder / DATABASE)
    if rows != manifest.get("rows") or schema != manifest.get("schema"):
        raise BackupError(f"{folder}: the copy does not hold what its manifest says")
    files = _check_files(folder / FILES)
    if files != manifest.get("files", 0):
        raise BackupError(f"{folder}: {files} files, the manifest says {manifest.get('files')}")
    return Backup(folder, str(manifest.get("made_at")), schema, rows, files)


def restore(folder: Path, db_path: Path) -> Backup:
    """Put a checked backup in place of a database that does not exist yet."""
    backup = read(folder)
    for part in (db_path, db_path.with_name(db_path.name + "-wal")):
        if part.exists() and part.stat().st_size > 0:
            raise BackupError(
                f"{db_path} exists: restore goes into an empty place (move the old one away)"
            )
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(folder / DATABASE, partial)
    partial.chmod(0o600)
    _copy_files(folder / FILES, db_path.parent / FILES)
    partial.replace(db_path)
    return backup


def _kept_files(folder: Path) -> list[Path]:
    """The files of a content-addressed folder (``ab/abcdef…``), half-written ones left out."""
    if not folder.is_dir():
        return []
    return [p for p in folder.glob("*/*") if p.is_file() and not p.name.startswith(".")]


def _copy_files(source: Path, target: Path, earlier: Path | None = None) -> int:
    """Copy a content-addressed folder (a file's name is its sha256: one already there is
    the same file); how many files it holds. A file an ``earlier`` backup already copied is
    hard-linked to that copy — never to the live file, so a backup stays a copy of its own."""
    count = 0
    for path in _kept_files(source):
        copy = target / path.parent.name / path.name
        if not copy.exists():
            copy.parent.mkdir(parents=True, exist_ok=True)
            before = earlier / path.parent.name / path.name if earlier else None
            try:
                if before is None or not before.is_file():
                    raise FileNotFoundError
                os.link(before, copy)
            except OSError:
                shutil.copy2(path, copy)
        count += 1
    return count


def _check_files(folder: Path) -> int:
    """Every kept file still is what its name says (a bit flipped on the way is caught)."""
    count = 0
    for path in _kept_files(folder):
        if hashlib.sha256(path.read_bytes()).hexdigest() != path.name:
            raise BackupError(f"{path}: damaged (its content no longer matches its name)")
        count += 1
    return count


def daily(db_path: Path, into: Path, now: datetime, keep_days: int) -> Backup | None:
    """Today's backup if there is none yet, and those older than ``keep_days`` removed."""
    today = into / f"{DAILY_PREFIX}{now:%Y-%m-%d}"
    earlier = max((p for p in into.glob(f"{DAILY_PREFIX}*") if p.is_dir()), default=None)
    made = None if today.exists() else make(db_path, today, now, earlier)
    cutoff = f"{DAILY_PREFIX}{now.date() - timedelta(days=keep_days):%Y-%m-%d}"
    for old in into.glob(f"{DAILY_PREFIX}*"):
        if old.is_dir() and old.name < cutoff:
            shutil.rmtree(old)
    return made
