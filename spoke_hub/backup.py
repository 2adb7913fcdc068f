"""Backup and restore of a hub's data folder, and the lock that says a hub is serving it.

A backup is a folder: ``hub.sqlite3`` (a consistent copy made with SQLite's backup API,
safe while the hub runs) plus ``media/`` (the files of the uploads in that copy) and
``backup.json`` (what it is). Restoring replaces a stopped hub's data with a backup and
draws a NEW epoch: spokes that see it reset their pull cursor and re-push everything
(replays are free), so work done after the backup comes back. Unused enrolment codes are
spent on restore (one used after the backup would otherwise work twice); devices
enrolled after the backup must enrol again.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import IO, Any

from .clock import iso, utcnow
from .db import HubPaths
from .model import HubRefused
from .store import HubStore

MANIFEST = "backup.json"


class RunLock:
    """An exclusive lock on ``serve.lock`` held while ``spoke-hub serve`` runs (released by
    the OS if the process dies); restore refuses to run while someone holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False if another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = open(self.path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            if sys.platform == "win32":
                import msvcrt

                f.seek(0)
                msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            return False
        self._file = f
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops flock / msvcrt locks
            self._file = None


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _copy_db(src: Path, dest: Path) -> None:
    """A consistent copy of the database at ``src`` (live or not) into ``dest``."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        target.close()
        source.close()
    _fsync_file(dest)


def _upload_ids(db: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM uploads")]
    finally:
        conn.close()


def _copy_media(ids: list[str], src: Path, dest: Path) -> int:
    dest.mkdir(parents=True, exist_ok=True)
    copied = 0
    for upload_id in ids:
        if (src / upload_id).exists():
            shutil.copyfile(src / upload_id, dest / upload_id)
            _fsync_file(dest / upload_id)
            copied += 1
    return copied


def _read_meta(db: Path) -> dict[str, str]:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return dict(conn.execute("SELECT key, value FROM meta").fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


def backup(data: HubPaths, dest: Path) -> dict[str, Any]:
    """Copy the hub in ``data`` to the new or empty folder ``dest``; the manifest."""
    if not data.exists():
        raise HubRefused("no-hub", f"There is no hub data in {data.root}.")
    if dest.exists() and any(dest.iterdir()):
        raise HubRefused("not-empty", f"{dest} is not empty; back up into a new folder.")
    dest.mkdir(parents=True, exist_ok=True)
    _copy_db(data.db, dest / "hub.sqlite3")
    ids = _upload_ids(dest / "hub.sqlite3")  # the uploads of the copy, not of now
    media = _copy_media(ids, data.media, dest / "media")
    meta = _read_meta(dest / "hub.sqlite3")
    manifest = {
        "kind": "spoke-hub-backup",
        "hub_id": meta.get("hub_id"),
        "epoch": meta.get("epoch"),
        "at": iso(utcnow()),
        "media_files": media,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    _fsync_file(dest / MANIFEST)
    return manifest


def restore(src: Path, data: HubPaths) -> str:
    """Replace the (stopped) hub in ``data`` with the backup in ``src``; the new epoch."""
    if not (src / "hub.sqlite3").exists() or "hub_id" not in _read_meta(src / "hub.sqlite3"):
        raise HubRefused("not-a-backup", f"{src} does not hold a spoke-hub backup.")
    lock = RunLock(data.lock)
    if not lock.acquire():
        raise HubRefused("hub-running", f"A hub is serving {data.root}; stop it before restoring.")
    try:
        data.root.mkdir(parents=True, exist_ok=True)
        staging = data.root / "restore.staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        _copy_db(src / "hub.sqlite3", staging / "hub.sqlite3")
        _copy_media(_upload_ids(staging / "hub.sqlite3"), src / "media", staging / "media")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{data.db}{suffix}").unlink(missing_ok=True)
        old_media = data.root / "media.old"
        shutil.rmtree(old_media, ignore_errors=True)
        if data.media.exists():
            data.media.rename(old_media)
        (staging / "media").rename(data.media)
        (staging / "hub.sqlite3").rename(data.db)
        shutil.rmtree(old_media, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
        with HubStore(data) as store:
            store.invalidate_enrol_codes()
            return store.draw_new_epoch()
    finally:
        lock.release()
