"""The hub's SQLite file: schema, connection settings and the data folder's layout.

Plain stdlib ``sqlite3`` (the hub holds no key: it runs on a district server, not a
centre's desktop). WAL and ``synchronous=FULL`` so a commit survives a power cut; the
connection is in autocommit mode and every write happens inside an explicit
``BEGIN IMMEDIATE`` ... ``COMMIT`` (see :meth:`spoke_hub.store.HubStore.transaction`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS facilities (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS enrol_codes (
    code_hash  TEXT PRIMARY KEY,          -- sha256 of the normalised code; never the code
    facility   TEXT NOT NULL REFERENCES facilities(code),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    device_id  TEXT
);
CREATE TABLE IF NOT EXISTS devices (
    id           TEXT PRIMARY KEY,
    facility     TEXT NOT NULL REFERENCES facilities(code),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,    -- sha256 of the bearer token; never the token
    enrolled_at  TEXT NOT NULL,
    revoked_at   TEXT,
    last_seen_at TEXT
);
CREATE TABLE IF NOT EXISTS ops (
    op_id          TEXT PRIMARY KEY,      -- the idempotency key: stored once
    device_id      TEXT NOT NULL,
    facility       TEXT NOT NULL,
    entity         TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    version        INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,         -- of the canonical op content (all but op_id)
    result         TEXT NOT NULL,         -- the OpResult JSON answered the first time
    at             TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS patients (
    id         TEXT PRIMARY KEY,
    facility   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    record     TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS encounters (
    id         TEXT PRIMARY KEY,
    facility   TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    version    INTEGER NOT NULL,
    state      TEXT NOT NULL,
    state_by   TEXT NOT NULL,             -- 'spoke' or 'hub': who set the current state
    specialty  TEXT,
    record     TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS encounters_facility ON encounters(facility);
CREATE TABLE IF NOT EXISTS attachments (
    id           TEXT PRIMARY KEY,
    facility     TEXT NOT NULL,
    encounter_id TEXT NOT NULL,
    version      INTEGER NOT NULL,
    record       TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads (
    id           TEXT PRIMARY KEY,        -- the tus upload id (the file name in media/)
    facility     TEXT NOT NULL,
    media_id     TEXT NOT NULL,
    encounter_id TEXT NOT NULL,
    mime         TEXT NOT NULL,
    length       INTEGER NOT NULL,
    "offset"     INTEGER NOT NULL DEFAULT 0,
    sha256       TEXT NOT NULL,           -- hex of the whole file, from Upload-Metadata
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    completed_at TEXT,
    UNIQUE (facility, media_id)
);
CREATE TABLE IF NOT EXISTS changes (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    facility     TEXT NOT NULL,
    encounter_id TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_facility_seq ON changes(facility, seq);
CREATE TABLE IF NOT EXISTS messages (
    id           TEXT PRIMARY KEY,
    facility     TEXT NOT NULL,
    encounter_id TEXT NOT NULL,
    text         TEXT NOT NULL,
    author       TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS prescriptions (
    id           TEXT PRIMARY KEY,
    facility     TEXT NOT NULL,
    encounter_id TEXT NOT NULL,
    record       TEXT NOT NULL,
    issued_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS doctors (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    registration  TEXT NOT NULL,          -- medical registration number
    specialties   TEXT NOT NULL,          -- JSON list of Specialty values; [] = all
    password_hash TEXT NOT NULL,          -- argon2id; never the password
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
);
CREATE TABLE IF NOT EXISTS doctor_sessions (
    token_hash TEXT PRIMARY KEY,          -- sha256 of the cookie's token; never the token
    doctor_id  TEXT NOT NULL REFERENCES doctors(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS case_notes (
    id           TEXT PRIMARY KEY,        -- kept at the hub: never sent to the spoke
    encounter_id TEXT NOT NULL,
    doctor_id    TEXT NOT NULL REFERENCES doctors(id),
    text         TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_notes_encounter ON case_notes(encounter_id, at);
CREATE TABLE IF NOT EXISTS queue_entries (
    encounter_id TEXT PRIMARY KEY,        -- when the hub first saw the case waiting
    since        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS consults (
    call_id      TEXT PRIMARY KEY,        -- one accepted live call
    encounter_id TEXT NOT NULL,
    doctor_id    TEXT NOT NULL,
    specialty    TEXT,
    accepted_at  TEXT NOT NULL,
    ended_at     TEXT,
    seconds      REAL,                    -- accepted -> ended
    ended_by     TEXT,
    reason       TEXT                     -- a CallEndReason
);
CREATE INDEX IF NOT EXISTS consults_ended ON consults(ended_at);
"""


@dataclass(frozen=True)
class HubPaths:
    """Where a hub keeps its data: ``hub.sqlite3``, ``media/`` and the ``serve.lock``."""

    root: Path

    @property
    def db(self) -> Path:
        return self.root / "hub.sqlite3"

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def lock(self) -> Path:
        return self.root / "serve.lock"

    def exists(self) -> bool:
        return self.db.exists()


def connect(path: Path) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode with WAL and ``synchronous=FULL`` (asserted)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=15.0)
    conn.row_factory = sqlite3.Row
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=15000")
    sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    if mode.lower() != "wal" or sync != 2:
        conn.close()
        raise RuntimeError(f"SQLite refused WAL/synchronous=FULL (got {mode}, {sync})")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    """Create any missing table (idempotent) and record the schema version."""
    conn.executescript(SCHEMA)
    conn.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
    )
