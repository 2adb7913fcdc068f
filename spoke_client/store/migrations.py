"""Numbered, forward-only schema migrations. Never destructive: columns and tables are added,
never dropped or rewritten in place. ``PRAGMA user_version`` holds the number reached; each
migration runs in its own transaction together with the bump of that number.

A test builds a database at every earlier version, fills it with data of that version, and
migrates it to the newest (tests/store/test_migrations.py). Add a step here, never edit one.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlcipher3

from spoke_client.domain.patient import name_key
from spoke_client.store.db import transaction
from spoke_client.store.errors import StoreNewerThanApp

V1 = """
CREATE TABLE facility (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE operators (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE patients (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT,
    age_years INTEGER,
    age_months INTEGER,
    age_stated_on TEXT,
    mobile TEXT,
    abha_number TEXT,
    abha_address TEXT,
    village TEXT NOT NULL,
    address TEXT NOT NULL,
    guardian_name TEXT,
    guardian_relation TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX patients_mobile ON patients(mobile);
CREATE INDEX patients_abha ON patients(abha_number);
CREATE TABLE encounters (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    state TEXT NOT NULL,
    specialty TEXT,
    record TEXT NOT NULL,
    draft TEXT,
    draft_page TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX encounters_created ON encounters(created_at);
CREATE INDEX encounters_state ON encounters(state);
CREATE INDEX encounters_patient ON encounters(patient_id);
CREATE TABLE vitals (
    encounter_id TEXT NOT NULL REFERENCES encounters(id),
    kind TEXT NOT NULL,
    value REAL NOT NULL,
    unit TEXT NOT NULL,
    flag TEXT,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (encounter_id, kind)
) WITHOUT ROWID;
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    encounter_id TEXT NOT NULL REFERENCES encounters(id),
    kind TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    media_key BLOB NOT NULL,
    caption TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    removed_at TEXT
);
CREATE INDEX attachments_encounter ON attachments(encounter_id);
CREATE TABLE prescriptions (
    id TEXT PRIMARY KEY,
    encounter_id TEXT NOT NULL REFERENCES encounters(id),
    record TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    op_id TEXT NOT NULL UNIQUE,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    entity_version INTEGER NOT NULL,
    op TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TEXT,
    UNIQUE (entity, entity_id, entity_version)
);
CREATE INDEX outbox_state ON outbox(state, seq);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    operator TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT,
    entity_id TEXT,
    detail TEXT
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def _v1(conn: sqlcipher3.Connection) -> None:
    for statement in V1.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v2(conn: sqlcipher3.Connection) -> None:
    """Forgiving name search: a spelling-folded key per patient, filled in for existing rows."""
    conn.execute("ALTER TABLE patients ADD COLUMN name_key TEXT NOT NULL DEFAULT ''")
    rows = conn.execute("SELECT id, name FROM patients").fetchall()
    conn.executemany(
        "UPDATE patients SET name_key = ? WHERE id = ?", [(name_key(n), i) for i, n in rows]
    )


def _v3(conn: sqlcipher3.Connection) -> None:
    """Media upload bookkeeping for the sync engine: upload URL, hub confirmation, purge."""
    conn.execute("ALTER TABLE attachments ADD COLUMN upload_url TEXT")
    conn.execute("ALTER TABLE attachments ADD COLUMN confirmed_at TEXT")
    conn.execute("ALTER TABLE attachments ADD COLUMN purged_at TEXT")


def _v4(conn: sqlcipher3.Connection) -> None:
    """Photo thumbnails, kept inside the encrypted database next to their attachment."""
    conn.execute("ALTER TABLE attachments ADD COLUMN thumbnail BLOB")


V5 = """
CREATE TABLE hub_link (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    hub_url TEXT NOT NULL,
    device_id TEXT NOT NULL,
    token TEXT NOT NULL,
    facility_code TEXT NOT NULL,
    facility_name TEXT NOT NULL,
    hub_id TEXT NOT NULL,
    ca_bundle TEXT,
    pinned_sha256 TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
    enrolled_at TEXT NOT NULL
);
CREATE TABLE sync_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    encounter_id TEXT NOT NULL,
    record TEXT NOT NULL,
    received_at TEXT NOT NULL
);
ALTER TABLE outbox ADD COLUMN reject_code TEXT;
ALTER TABLE outbox ADD COLUMN acked_epoch TEXT
"""


def _v5(conn: sqlcipher3.Connection) -> None:
    """The hub link: the device credential (kept encrypted here), sync cursor and epoch,
    messages from the hub, and why an outbox row was rejected."""
    for statement in V5.split(";"):
        if statement.strip():
            conn.execute(statement)


MIGRATIONS: tuple[Callable[[sqlcipher3.Connection], None], ...] = (_v1, _v2, _v3, _v4, _v5)
LATEST = len(MIGRATIONS)


def version_of(conn: sqlcipher3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlcipher3.Connection, target: int = LATEST) -> list[int]:
    """Bring the schema up to ``target``; returns the versions applied."""
    current = version_of(conn)
    if current > LATEST:
        raise StoreNewerThanApp(store_version=current, app_version=LATEST)
    applied = []
    for number in range(current + 1, target + 1):
        with transaction(conn):
            MIGRATIONS[number - 1](conn)
            conn.execute(f"PRAGMA user_version = {number}")
        applied.append(number)
    return applied
