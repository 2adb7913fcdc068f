"""Upload rows and media files: the storage side of tus (the HTTP side is :mod:`.tus`).

An upload's bytes live in ``media/<upload id>``; its row's ``offset`` says how many of them
are safely on disk. The tus layer writes and fsyncs bytes first and only then advances the
offset (:meth:`HubUploads.advance_upload`, a compare-and-set), so a crash can leave extra
bytes past the offset, never an offset past the bytes.

:class:`HubUploads` is a mixin of :class:`spoke_hub.store.HubStore`.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from .clock import Clock, iso
from .db import HubPaths
from .model import Upload

_COLUMNS = (
    'id, facility, media_id, encounter_id, mime, length, "offset", sha256, created_at,'
    " expires_at, completed_at"
)


def _upload(row: sqlite3.Row | None) -> Upload | None:
    return None if row is None else Upload(**dict(row))


def file_sha256(path: Path, length: int | None = None) -> str:
    """Hex sha256 of the first ``length`` bytes of ``path`` (all of it if None)."""
    digest = hashlib.sha256()
    left = length
    with open(path, "rb") as f:
        while left is None or left > 0:
            block = f.read(1 << 20 if left is None else min(1 << 20, left))
            if not block:
                break
            digest.update(block)
            if left is not None:
                left -= len(block)
    return digest.hexdigest()


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


class HubUploads:
    """tus upload bookkeeping (mixed into HubStore, which supplies the attributes below)."""

    clock: Clock
    paths: HubPaths
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _query: Callable[..., list[sqlite3.Row]]

    def media_file(self, upload: Upload | str) -> Path:
        """Where an upload's bytes are kept."""
        upload_id = upload if isinstance(upload, str) else upload.id
        return self.paths.media / upload_id

    def get_upload(self, upload_id: str) -> Upload | None:
        rows = self._query(f"SELECT {_COLUMNS} FROM uploads WHERE id = ?", (upload_id,))
        return _upload(rows[0] if rows else None)

    def find_upload(self, facility: str, media_id: str) -> Upload | None:
        """This facility's upload of ``media_id`` (expired or not), if any."""
        rows = self._query(
            f"SELECT {_COLUMNS} FROM uploads WHERE facility = ? AND media_id = ?",
            (facility, media_id),
        )
        return _upload(rows[0] if rows else None)

    def create_upload(
        self,
        *,
        facility: str,
        media_id: str,
        encounter_id: str,
        mime: str,
        length: int,
        sha256: str,
        expires_at: datetime,
        now: datetime | None = None,
    ) -> tuple[Upload, bool]:
        """A new upload, or this facility's live upload of the same ``media_id`` (then the
        flag is False and nothing changes). An expired, incomplete one is replaced."""
        at = iso(self.clock() if now is None else now)
        stale: str | None = None
        with self.transaction() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM uploads WHERE facility = ? AND media_id = ?",
                (facility, media_id),
            ).fetchone()
            old = _upload(row)
            if old is not None and not old.expired(at):
                return old, False
            if old is not None:
                conn.execute("DELETE FROM uploads WHERE id = ?", (old.id,))
                stale = old.id
            upload_id = secrets.token_hex(16)
            self.media_file(upload_id).touch()
            conn.execute(
                "INSERT INTO uploads(id, facility, media_id, encounter_id, mime, length,"
                ' "offset", sha256, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)',
                (
                    upload_id,
                    facility,
                    media_id,
                    encounter_id,
                    mime,
                    length,
                    sha256,
                    at,
                    iso(expires_at),
                ),
            )
        if stale:
            _unlink(self.media_file(stale))
        created = self.get_upload(upload_id)
        assert created is not None
        return created, True

    def advance_upload(self, upload_id: str, from_offset: int, to_offset: int) -> bool:
        """Move the offset from ``from_offset`` to ``to_offset`` (bytes already fsync'ed);
        False if the offset was no longer ``from_offset`` (or the upload is gone)."""
        with self.transaction() as conn:
            cur = conn.execute(
                'UPDATE uploads SET "offset" = ? WHERE id = ? AND "offset" = ?',
                (to_offset, upload_id, from_offset),
            )
            return cur.rowcount == 1

    def complete_upload(self, upload_id: str, *, now: datetime | None = None) -> None:
        at = iso(self.clock() if now is None else now)
        with self.transaction() as conn:
            conn.execute(
                "UPDATE uploads SET completed_at = ? WHERE id = ? AND completed_at IS NULL",
                (at, upload_id),
            )

    def reset_upload(self, upload_id: str) -> None:
        """Back to offset 0 with an empty file (the whole file did not match its sha256)."""
        with self.transaction() as conn:
            conn.execute('UPDATE uploads SET "offset" = 0 WHERE id = ?', (upload_id,))
        path = self.media_file(upload_id)
        with open(path, "r+b" if path.exists() else "wb") as f:
            f.truncate(0)
            f.flush()
            os.fsync(f.fileno())

    def delete_upload(self, upload_id: str) -> bool:
        """Remove an upload and its file (tus termination); False if there was none."""
        with self.transaction() as conn:
            gone = conn.execute("DELETE FROM uploads WHERE id = ?", (upload_id,)).rowcount == 1
        _unlink(self.media_file(upload_id))
        return gone

    def purge_expired_uploads(self, *, now: datetime | None = None) -> int:
        """Delete every incomplete upload past its expiry, with its file; how many."""
        at = iso(self.clock() if now is None else now)
        with self.transaction() as conn:
            ids = [
                r["id"]
                for r in conn.execute(
                    "SELECT id FROM uploads WHERE completed_at IS NULL AND expires_at <= ?",
                    (at,),
                ).fetchall()
            ]
            conn.executemany("DELETE FROM uploads WHERE id = ?", [(i,) for i in ids])
        for upload_id in ids:
            _unlink(self.media_file(upload_id))
        return len(ids)

    def media_sha256(self, facility: str, media_id: str) -> str | None:
        """The sha256 of the bytes the hub holds for a media (its first ``length`` bytes);
        None if there is no upload or no file."""
        upload = self.find_upload(facility, media_id)
        if upload is None or not self.media_file(upload).exists():
            return None
        return file_sha256(self.media_file(upload), upload.length)

    def completed_media(self, facility: str | None = None) -> dict[str, str]:
        """media_id -> sha256 hex of every completed upload (of one facility, or all)."""
        sql = "SELECT media_id, sha256 FROM uploads WHERE completed_at IS NOT NULL"
        params: tuple[Any, ...] = ()
        if facility is not None:
            sql, params = sql + " AND facility = ?", (facility,)
        return {r["media_id"]: r["sha256"] for r in self._query(sql + " ORDER BY media_id", params)}
