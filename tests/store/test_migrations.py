"""Migrations: a database made and filled at every earlier version migrates to the newest
with every row intact, and the schema only ever grows."""

from __future__ import annotations

import json
import os

import pytest

from spoke_client.domain.patient import name_key
from spoke_client.store import db as dbmod
from spoke_client.store.errors import StoreNewerThanApp
from spoke_client.store.migrations import LATEST, migrate, version_of

KEY = os.urandom(32)
NOW = "2026-11-23T05:30:00.000+00:00"


def _fill(conn, version: int) -> None:
    """Rows as the app of that version wrote them (only the columns it knew)."""
    rows = {
        "facility": [{"id": "f1", "code": "HWC-1", "name": "Sub-centre", "created_at": NOW}],
        "operators": [{"id": "o1", "name": "asha", "role": "cho", "active": 1, "created_at": NOW}],
        "patients": [
            {
                "id": f"p{i}",
                "version": 1,
                "name": name,
                "sex": "female",
                "birth_date": None,
                "age_years": 30 + i,
                "age_months": None,
                "age_stated_on": "2026-11-01",
                "mobile": f"98765432{i:02d}",
                "abha_number": None,
                "abha_address": None,
                "village": "Rampur",
                "address": "",
                "guardian_name": None,
                "guardian_relation": None,
                "created_at": NOW,
                "updated_at": NOW,
                "created_by": "asha",
            }
            for i, name in enumerate(["Seeta Devi", "Laxmi Bai", "Mohammed Iqbal"])
        ],
        "encounters": [
            {
                "id": "e1",
                "version": 2,
                "patient_id": "p0",
                "state": "ready",
                "specialty": "general_medicine",
                "record": json.dumps({"id": "e1"}),
                "draft": None,
                "draft_page": None,
                "created_at": NOW,
                "updated_at": NOW,
                "created_by": "asha",
            }
        ],
        "vitals": [
            {
                "encounter_id": "e1",
                "kind": "pulse",
                "value": 88.0,
                "unit": "/min",
                "flag": None,
                "recorded_at": NOW,
            }
        ],
        "attachments": [
            {
                "id": "m1",
                "encounter_id": "e1",
                "kind": "photo",
                "mime": "image/jpeg",
                "size": 1234,
                "sha256": "ab" * 32,
                "media_key": b"k" * 32,
                "caption": "",
                "created_at": NOW,
                "created_by": "asha",
                "removed_at": None,
            }
        ],
        "outbox": [
            {
                "seq": 1,
                "op_id": "op1",
                "entity": "patient",
                "entity_id": "p0",
                "entity_version": 1,
                "op": "upsert",
                "payload": "{}",
                "created_at": NOW,
                "state": "pending",
                "attempts": 0,
                "last_error": None,
                "sent_at": None,
            }
        ],
        "audit": [
            {
                "seq": 1,
                "at": NOW,
                "operator": "asha",
                "action": "login",
                "entity": None,
                "entity_id": None,
                "detail": None,
            }
        ],
    }
    if version >= 2:
        for p in rows["patients"]:
            p["name_key"] = name_key(p["name"])
    if version >= 3:
        rows["attachments"][0] |= {
            "upload_url": "/files/abc",
            "confirmed_at": None,
            "purged_at": None,
        }
    if version >= 4:
        rows["attachments"][0] |= {"thumbnail": b"\xff\xd8thumb"}
    if version >= 5:
        rows["sync_state"] = [{"key": "cursor", "value": "41"}]
        rows["messages"] = [{"id": "m1", "encounter_id": "e1", "record": "{}", "received_at": NOW}]
    with dbmod.transaction(conn):
        for table, items in rows.items():
            for item in items:
                cols = ", ".join(item)
                marks = ", ".join("?" for _ in item)
                conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(item.values()))


def _snapshot(conn) -> dict[str, list[dict]]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    out = {}
    for t in tables:
        cur = conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2")
        cols = [d[0] for d in cur.description]
        out[t] = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    return out


def _columns(conn) -> dict[str, set[str]]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: {r[1] for r in conn.execute(f"PRAGMA table_info({t})")} for t in tables}


def test_there_are_at_least_two_versions():
    assert LATEST >= 2


@pytest.mark.parametrize("start", range(1, LATEST))
def test_data_at_every_earlier_version_survives_migration(tmp_path, start):
    conn = dbmod.connect(tmp_path / "old.db", KEY, create=True)
    assert migrate(conn, target=start) == list(range(1, start + 1))
    _fill(conn, start)
    before = _snapshot(conn)
    conn.close()

    conn = dbmod.connect(tmp_path / "old.db", KEY)  # reopened as the new app would
    assert migrate(conn) == list(range(start + 1, LATEST + 1))
    assert version_of(conn) == LATEST
    after = _snapshot(conn)
    for table, rows in before.items():
        assert len(after[table]) == len(rows), table
        for old, new in zip(rows, after[table], strict=True):
            assert {k: new[k] for k in old} == old, table  # every old value intact
    # Version 2 filled the spelling-forgiving search key for patients it found.
    assert all(p["name_key"] == name_key(p["name"]) for p in after["patients"])
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_each_version_only_adds(tmp_path):
    conn = dbmod.connect(tmp_path / "grow.db", KEY, create=True)
    previous: dict[str, set[str]] = {}
    for v in range(1, LATEST + 1):
        migrate(conn, target=v)
        cols = _columns(conn)
        for table, names in previous.items():
            assert table in cols and names <= cols[table], (v, table)
        previous = cols
    conn.close()


def test_a_store_from_a_newer_app_is_refused_not_downgraded(tmp_path):
    conn = dbmod.connect(tmp_path / "new.db", KEY, create=True)
    migrate(conn)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(StoreNewerThanApp) as info:
        migrate(conn)
    assert info.value.params == {"store_version": LATEST + 1, "app_version": LATEST}
    conn.close()


def test_a_failed_migration_leaves_the_previous_version(tmp_path, monkeypatch):
    from spoke_client.store import migrations

    conn = dbmod.connect(tmp_path / "fail.db", KEY, create=True)
    migrate(conn, target=1)

    def broken(c):
        c.execute("ALTER TABLE patients ADD COLUMN half_done TEXT")
        raise RuntimeError("power cut")

    monkeypatch.setattr(migrations, "MIGRATIONS", (migrations.MIGRATIONS[0], broken))
    with pytest.raises(RuntimeError):
        migrations.migrate(conn, target=2)
    assert version_of(conn) == 1
    assert "half_done" not in _columns(conn)["patients"]
    conn.close()
