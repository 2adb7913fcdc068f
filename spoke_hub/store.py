"""HubStore: everything the hub keeps, over one SQLite connection guarded by a lock.

One connection, one ``threading.Lock``: FastAPI runs sync endpoints on worker threads and
SQLite wants one writer at a time anyway. Writes go through :meth:`HubStore.transaction`
(``BEGIN IMMEDIATE`` ... ``COMMIT``); a push batch is one transaction with its answers.
Other processes (the ``spoke-hub`` CLI while ``serve`` runs, a test reading what a client
sent) open their own HubStore on the same file: WAL lets them read and write alongside.

Secrets are stored only as sha256 hashes (enrolment codes, device tokens). Nothing in
this module logs.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from spoke_client.sync.protocol import Change, EnrolReply, ErrorCode, Op, OpResult

from . import push
from .actions import HubActions
from .clock import Clock, iso, utcnow
from .db import HubPaths, connect, create_schema
from .model import Device, HubRefused, StoredRecord
from .uploads import HubUploads

#: Enrolment codes use letters and digits that cannot be misread for one another.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_GROUPS, CODE_GROUP_LEN = 3, 4
DEFAULT_CODE_HOURS = 72
LAST_SEEN_EVERY = timedelta(seconds=60)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_code(code: str) -> str:
    """What a typed enrolment code means: case, spaces and dashes do not matter."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")


class HubStore(HubActions, HubUploads):
    """The hub's database (see the module docstring). Use :meth:`open` for a data folder."""

    def __init__(self, paths: HubPaths, *, clock: Clock = utcnow) -> None:
        self.paths = paths
        self.clock = clock
        paths.root.mkdir(parents=True, exist_ok=True)
        paths.media.mkdir(exist_ok=True)
        self._lock = threading.Lock()
        self._conn = connect(paths.db)
        with self._lock:
            create_schema(self._conn)  # executescript: runs outside BEGIN ... COMMIT
        with self.transaction() as conn:
            for key in ("hub_id", "epoch"):
                conn.execute(
                    "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)",
                    (key, str(uuid.uuid4()) if key == "hub_id" else secrets.token_hex(8)),
                )

    @classmethod
    def open(cls, data_dir: Path | str, *, clock: Clock = utcnow) -> HubStore:
        """The hub in ``data_dir``, created (with a fresh hub id and epoch) if new."""
        return cls(HubPaths(Path(data_dir)), clock=clock)

    @property
    def media_dir(self) -> Path:
        return self.paths.media

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> HubStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- plumbing ---------------------------------------------------------------------------

    def _now(self, now: datetime | None) -> str:
        return iso(self.clock() if now is None else now)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside ``BEGIN IMMEDIATE``; committed on success, else rolled back."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:  # SQLite may have rolled back already
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _meta(self, key: str) -> str:
        return self._query("SELECT value FROM meta WHERE key = ?", (key,))[0]["value"]

    @property
    def hub_id(self) -> str:
        return self._meta("hub_id")

    @property
    def epoch(self) -> str:
        return self._meta("epoch")

    def draw_new_epoch(self) -> str:
        """A new random epoch (after a restore): spokes then reset and re-push."""
        epoch = secrets.token_hex(8)
        with self.transaction() as conn:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'epoch'", (epoch,))
        return epoch

    # ---- facilities, enrolment, devices ------------------------------------------------------

    def ensure_facility(self, code: str, name: str | None = None) -> None:
        """Create facility ``code`` if new; rename it if ``name`` is given."""
        code = code.strip()
        if not code or len(code) > 64:
            raise HubRefused("bad-facility", "A facility code needs 1 to 64 characters.")
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO facilities(code, name, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT(code) DO NOTHING",
                (code, name or code, self._now(None)),
            )
            if name:
                conn.execute("UPDATE facilities SET name = ? WHERE code = ?", (name, code))

    def create_enrol_code(
        self,
        facility: str,
        name: str | None = None,
        *,
        valid_hours: float = DEFAULT_CODE_HOURS,
        now: datetime | None = None,
    ) -> str:
        """A one-time enrolment code for ``facility`` (created if new); only its hash is
        kept, so this is the only time the code can be read."""
        if valid_hours <= 0:
            raise HubRefused("bad-hours", "A code must be valid for some hours (more than 0).")
        self.ensure_facility(facility, name)
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LEN))
        at = self.clock() if now is None else now
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO enrol_codes(code_hash, facility, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (_sha256(raw), facility.strip(), iso(at), iso(at + timedelta(hours=valid_hours))),
            )
        return "-".join(raw[i : i + CODE_GROUP_LEN] for i in range(0, len(raw), CODE_GROUP_LEN))

    def enrol(self, code: str, device_name: str, *, now: datetime | None = None) -> EnrolReply:
        """Exchange a one-time code for a device id and bearer token (HubRefused
        ``enrol-code-invalid`` for an unknown, used or expired code)."""
        at = self._now(now)
        token = secrets.token_urlsafe(32)
        device_id = str(uuid.uuid4())
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT e.facility, f.name FROM enrol_codes e JOIN facilities f"
                " ON f.code = e.facility WHERE e.code_hash = ? AND e.used_at IS NULL"
                " AND e.expires_at > ?",
                (_sha256(normalise_code(code)), at),
            ).fetchone()
            if row is None:
                raise HubRefused(
                    ErrorCode.ENROL_CODE_INVALID,
                    "This enrolment code is unknown, already used or expired.",
                )
            conn.execute(
                "UPDATE enrol_codes SET used_at = ?, device_id = ? WHERE code_hash = ?",
                (at, device_id, _sha256(normalise_code(code))),
            )
            conn.execute(
                "INSERT INTO devices(id, facility, name, token_hash, enrolled_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (device_id, row["facility"], device_name, _sha256(token), at),
            )
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        return EnrolReply(
            device_id=device_id,
            token=token,
            facility_code=row["facility"],
            facility_name=row["name"],
            hub_id=meta["hub_id"],
            epoch=meta["epoch"],
        )

    def invalidate_enrol_codes(self, *, now: datetime | None = None) -> int:
        """Spend every unused code (after a restore, codes used since the backup would
        otherwise work twice). Returns how many there were."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE enrol_codes SET used_at = ? WHERE used_at IS NULL", (self._now(now),)
            )
            return cur.rowcount

    _DEVICE_SQL = (
        "SELECT d.id, d.facility, f.name AS facility_name, d.name, d.enrolled_at,"
        " d.revoked_at, d.last_seen_at FROM devices d JOIN facilities f ON f.code = d.facility"
    )

    def authenticate(self, token: str, *, now: datetime | None = None) -> Device:
        """The device holding ``token``; HubRefused ``unauthenticated`` or ``device-revoked``."""
        rows = self._query(self._DEVICE_SQL + " WHERE d.token_hash = ?", (_sha256(token),))
        if not rows:
            raise HubRefused(ErrorCode.UNAUTHENTICATED, "Unknown device token.")
        device = Device(**dict(rows[0]))
        if device.revoked_at is not None:
            raise HubRefused(ErrorCode.DEVICE_REVOKED, "This device has been revoked.")
        at = self.clock() if now is None else now
        if device.last_seen_at is None or device.last_seen_at < iso(at - LAST_SEEN_EVERY):
            with self.transaction() as conn:
                conn.execute(
                    "UPDATE devices SET last_seen_at = ? WHERE id = ?", (iso(at), device.id)
                )
        return device

    def devices(self) -> list[Device]:
        rows = self._query(self._DEVICE_SQL + " ORDER BY d.facility, d.enrolled_at")
        return [Device(**dict(r)) for r in rows]

    def revoke_device(self, device_id: str, *, now: datetime | None = None) -> Device:
        """Revoke a device's token for good (HubRefused ``not-found`` if unknown)."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                (self._now(now), device_id),
            )
            if cur.rowcount == 0:
                raise HubRefused(ErrorCode.NOT_FOUND, f"No device has the id {device_id}.")
        return next(d for d in self.devices() if d.id == device_id)

    # ---- push and pull -----------------------------------------------------------------------

    def apply_push(
        self, device: Device, ops: list[Op], *, now: datetime | None = None
    ) -> list[OpResult]:
        """Apply a push batch in one transaction (semantics: :mod:`spoke_hub.push`)."""
        at = self._now(now)
        with self.transaction() as conn:
            return push.apply_ops(
                conn, facility=device.facility, device_id=device.id, ops=ops, now=at
            )

    def pull(self, facility: str, cursor: int, limit: int) -> tuple[list[Change], int, bool]:
        """``facility``'s changes after ``cursor`` (at most ``limit``): the changes, the new
        cursor (the last seq returned, or ``cursor`` if none) and whether more wait."""
        rows = self._query(
            "SELECT seq, kind, encounter_id, payload, at FROM changes"
            " WHERE facility = ? AND seq > ? ORDER BY seq LIMIT ?",
            (facility, cursor, limit + 1),
        )
        more = len(rows) > limit
        changes = [
            Change(
                seq=r["seq"],
                kind=r["kind"],
                encounter_id=r["encounter_id"],
                payload=json.loads(r["payload"]),
                at=r["at"],
            )
            for r in rows[:limit]
        ]
        return changes, (changes[-1].seq if changes else cursor), more

    # ---- what the hub holds (for stats, the CLI and tests) ------------------------------------

    def _record(self, table: str, entity_id: str) -> StoredRecord | None:
        rows = self._query(f"SELECT * FROM {table} WHERE id = ?", (entity_id,))
        if not rows:
            return None
        r = dict(rows[0])
        return StoredRecord(
            id=r["id"],
            facility=r["facility"],
            version=r["version"],
            record=json.loads(r["record"]),
            state=r.get("state"),
            state_by=r.get("state_by"),
        )

    def patient(self, patient_id: str) -> StoredRecord | None:
        return self._record("patients", patient_id)

    def encounter(self, encounter_id: str) -> StoredRecord | None:
        return self._record("encounters", encounter_id)

    def attachment(self, attachment_id: str) -> StoredRecord | None:
        return self._record("attachments", attachment_id)

    _COUNTABLE = ("patients", "encounters", "attachments", "devices", "ops", "changes")

    def count(self, table: str, facility: str | None = None) -> int:
        """Rows in ``table`` (patients, encounters, attachments, devices, ops, changes),
        for one facility or all."""
        if table not in self._COUNTABLE:
            raise ValueError(f"cannot count {table!r}")
        sql, params = f"SELECT COUNT(*) FROM {table}", ()
        if facility is not None:
            sql, params = sql + " WHERE facility = ?", (facility,)
        return self._query(sql, params)[0][0]

    def facilities(self) -> dict[str, str]:
        """Facility code -> name."""
        return {r["code"]: r["name"] for r in self._query("SELECT code, name FROM facilities")}

    def encounter_ids(self, facility: str) -> list[str]:
        """Every encounter id the hub holds for ``facility``, sorted."""
        rows = self._query("SELECT id FROM encounters WHERE facility = ? ORDER BY id", (facility,))
        return [r["id"] for r in rows]

    def stats(self, *, verify: bool = False) -> dict[str, Any]:
        """Per facility (for ``spoke-hub stats``): counts (``ops``: op ids stored, each
        once), its encounter ids and each completed media's sha256. With ``verify`` the
        sha256 is recomputed from the bytes on disk (slow on a big hub) instead of the one
        checked when the upload completed."""
        out: dict[str, Any] = {"hub_id": self.hub_id, "epoch": self.epoch, "facilities": {}}
        devices = self.devices()
        for code, name in sorted(self.facilities().items()):
            media = self.completed_media(code)
            if verify:
                media = {
                    media_id: self.media_sha256(code, media_id) or "missing" for media_id in media
                }
            out["facilities"][code] = {
                "name": name,
                "devices": sum(1 for d in devices if d.facility == code and not d.revoked_at),
                "revoked_devices": sum(1 for d in devices if d.facility == code and d.revoked_at),
                "patients": self.count("patients", code),
                "encounters": self.count("encounters", code),
                "attachments": self.count("attachments", code),
                "ops": self.count("ops", code),
                "uploads_in_progress": len(
                    self._query(
                        "SELECT 1 FROM uploads WHERE facility = ? AND completed_at IS NULL",
                        (code,),
                    )
                ),
                "media": media,
                "encounter_ids": self.encounter_ids(code),
            }
        return out
