"""The open store: key vault + encrypted database + media vault, for one unlocked operator.

A ``Store`` belongs to the thread that opened it (the store worker); nothing else touches
its connection. ``Store.create`` sets up a new data folder; ``Store.open`` unlocks with an
operator's PIN; ``Store.open_with_recovery`` with district IT's recovery code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import sqlcipher3

from spoke_client.domain.ids import new_id
from spoke_client.store import db as dbmod
from spoke_client.store.diskspace import DiskGuard
from spoke_client.store.errors import StoreExists, StoreMissing
from spoke_client.store.keyvault import RECOVERY_SLOT, KdfParams, KeyVault
from spoke_client.store.media import MediaVault
from spoke_client.store.migrations import migrate
from spoke_client.store.paths import StorePaths
from spoke_client.store.repos import (
    AttachmentRepo,
    AuditLog,
    EncounterRepo,
    Outbox,
    PatientRepo,
    PrescriptionRepo,
)
from spoke_client.store.syncrepo import SyncRepo
from spoke_client.store.timestamps import stamp, utc_now

Clock = Callable[[], datetime]


class Store:
    def __init__(
        self,
        paths: StorePaths,
        conn: sqlcipher3.Connection,
        key: bytes,
        *,
        operator: str,
        clock: Clock,
        disk: DiskGuard,
    ) -> None:
        self.paths = paths
        self.conn = conn
        self.db = dbmod.wrap(conn)
        self.operator = operator
        self.clock = clock
        self.disk = disk
        self.vault = KeyVault(paths.keyslots, clock=lambda: clock().timestamp())
        self.media = MediaVault(paths.media, disk=disk)
        self._key = key
        self.audit = AuditLog(self)
        self.outbox = Outbox(self)
        self.patients = PatientRepo(self)
        self.encounters = EncounterRepo(self)
        self.attachments = AttachmentRepo(self)
        self.prescriptions = PrescriptionRepo(self)
        self.sync = SyncRepo(self)

    # ---- opening ------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        paths: StorePaths,
        *,
        facility_code: str,
        facility_name: str,
        operator: str,
        pin: str,
        kdf: KdfParams,
        clock: Clock = utc_now,
        disk_reserve_bytes: int | None = None,
    ) -> tuple[Store, str]:
        """Set up a new store. Returns the open store and the recovery code (shown once)."""
        if paths.db.exists() or paths.keyslots.exists():
            raise StoreExists(path=str(paths.root))
        paths.root.mkdir(parents=True, exist_ok=True)
        disk = _disk(paths, disk_reserve_bytes)
        disk.check(1024 * 1024)
        vault = KeyVault(paths.keyslots, clock=lambda: clock().timestamp())
        key, recovery = vault.create(operator, pin, kdf=kdf)
        try:
            conn = dbmod.connect(paths.db, key, create=True)
            migrate(conn)
            now = stamp(clock())
            with dbmod.transaction(conn):
                conn.execute(
                    "INSERT INTO facility (id, code, name, created_at) VALUES (?, ?, ?, ?)",
                    (new_id(), facility_code, facility_name, now),
                )
                conn.execute(
                    "INSERT INTO operators (id, name, role, created_at) VALUES (?, ?, ?, ?)",
                    (new_id(), operator, "cho", now),
                )
                conn.execute(
                    "INSERT INTO audit (at, operator, action, detail) VALUES (?, ?, ?, ?)",
                    (now, operator, "store-created", json.dumps({"facility": facility_code})),
                )
        except BaseException:
            for leftover in (paths.keyslots, paths.db, *_sidecars(paths.db)):
                leftover.unlink(missing_ok=True)
            raise
        store = cls(paths, conn, key, operator=operator, clock=clock, disk=disk)
        return store, recovery

    @classmethod
    def open(
        cls,
        paths: StorePaths,
        *,
        operator: str,
        pin: str,
        clock: Clock = utc_now,
        disk_reserve_bytes: int | None = None,
    ) -> Store:
        """Unlock with an operator's PIN. A wrong PIN opens nothing and writes no database byte."""
        if not paths.exists():
            raise StoreMissing(path=str(paths.root))
        vault = KeyVault(paths.keyslots, clock=lambda: clock().timestamp())
        key = vault.unlock(operator, pin)
        return cls._open_with_key(paths, key, operator, clock, disk_reserve_bytes, vault)

    @classmethod
    def open_with_recovery(
        cls,
        paths: StorePaths,
        code: str,
        *,
        clock: Clock = utc_now,
        disk_reserve_bytes: int | None = None,
    ) -> Store:
        if not paths.exists():
            raise StoreMissing(path=str(paths.root))
        vault = KeyVault(paths.keyslots, clock=lambda: clock().timestamp())
        key = vault.unlock_with_recovery(code)
        return cls._open_with_key(paths, key, RECOVERY_SLOT, clock, disk_reserve_bytes, vault)

    @classmethod
    def _open_with_key(
        cls,
        paths: StorePaths,
        key: bytes,
        operator: str,
        clock: Clock,
        disk_reserve_bytes: int | None,
        vault: KeyVault,
    ) -> Store:
        conn = dbmod.connect(paths.db, key)
        try:
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        store = cls(
            paths, conn, key, operator=operator, clock=clock, disk=_disk(paths, disk_reserve_bytes)
        )
        store.media.sweep_partials()  # half-written media from a crash: never published, no key
        # Failed logins happened while the database was locked; they wait in the key-slot file.
        pending = vault.take_pending_audit()
        with store.write(check_disk=False):
            for event in pending:
                store.audit.record(
                    event["action"], operator=event["operator"], at=event["at"], entity="operator"
                )
            store.audit.record("login", entity="operator")
        return store

    def close(self) -> None:
        self.conn.close()
        self._key = b""

    # ---- helpers for repositories -------------------------------------------------------
    def write(self, *, check_disk: bool = True):
        """A write transaction after the disk-space check (a full disk fails before, not during).

        Audit-only writes (a login, a read) skip the check: they are tiny, the reserve is
        there for them, and a full disk must not stop the operator from seeing the records.
        """
        if check_disk:
            self.disk.check(256 * 1024)
        return dbmod.transaction(self.conn)

    def now(self) -> str:
        return stamp(self.clock())

    # ---- operators (key slots need the key, so they go through the open store) ------------
    def add_operator(self, name: str, pin: str, role: str = "cho") -> None:
        self.vault.add_operator(self._key, name, pin)
        with self.write():
            self.conn.execute(
                "INSERT INTO operators (id, name, role, created_at) VALUES (?, ?, ?, ?)",
                (new_id(), name, role, self.now()),
            )
            self.audit.record("operator-added", entity="operator", detail={"name": name})

    def change_pin(self, name: str, new_pin: str) -> None:
        self.vault.change_pin(self._key, name, new_pin)
        with self.write():
            self.audit.record("pin-changed", entity="operator", detail={"name": name})

    def operators(self) -> list[dict]:
        rows = self.db.query("SELECT name, role, active, created_at FROM operators ORDER BY name")
        slots = {s["operator"]: s for s in self.vault.operators()}
        return [{**r, "locked": slots.get(r["name"], {}).get("locked", False)} for r in rows]

    def facility(self) -> dict:
        return next(self.db.query("SELECT code, name, created_at FROM facility"))

    # ---- checks and backup --------------------------------------------------------------
    def integrity(self) -> dict[str, list[str]]:
        """``PRAGMA integrity_check`` and ``PRAGMA cipher_integrity_check`` results (empty = ok)."""
        plain = [r[0] for r in self.conn.execute("PRAGMA integrity_check").fetchall()]
        cipher = [r[0] for r in self.conn.execute("PRAGMA cipher_integrity_check").fetchall()]
        return {
            "integrity_check": [] if plain == ["ok"] else plain,
            "cipher_integrity_check": cipher,
        }

    def backup_database_to(self, target: Path) -> None:
        """A consistent copy through the SQLite backup API, encrypted with the same key."""
        dest = dbmod.connect(target, self._key, create=True)
        try:
            self.conn.backup(dest)
            dest.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dest.close()


def _disk(paths: StorePaths, reserve: int | None) -> DiskGuard:
    return (
        DiskGuard(paths.root) if reserve is None else DiskGuard(paths.root, reserve_bytes=reserve)
    )


def _sidecars(db: Path) -> list[Path]:
    return [db.with_name(db.name + suffix) for suffix in ("-wal", "-shm", "-journal")]
