"""Applying a push: the semantics of ``POST /v1/push`` on one open transaction.

:func:`apply_ops` is called by :meth:`spoke_hub.store.HubStore.apply_push` inside ONE
``BEGIN IMMEDIATE`` transaction, so a batch is stored whole or not at all, and its answers
are stored with it: a hub killed after the commit but before the reply answers the replay
with the very same results.

Per op, in the order given:

- an ``op_id`` already stored for this facility with the same content is answered with the
  stored result marked ``replay``; different content, or another facility's op id, is
  ``rejected``/``conflict`` (and nothing is stored: the id is taken);
- the payload is validated with the domain's ``from_record`` (``rejected``/``invalid``);
- ids owned by another facility are ``rejected``/``other-facility``;
- a missing dependency (an encounter's patient, an attachment's encounter) is ``retry``
  with code ``missing-dependency`` and detail ``patient:<id>``; a retry is NOT stored, so
  the same op sent again after its dependency arrives is applied;
- a record is written only if its version is newer than the stored one; an older version
  (or the same one again) is still ``applied`` (detail ``not-newer``) and nothing regresses;
- case state: if the hub set the current state and the spoke's state is not a legal
  spoke move from it, the hub's state is kept and the rest stored (``applied``, detail
  ``state-kept``).

Nothing here logs: payloads are patient data.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from datetime import datetime
from typing import Any

from spoke_client.domain.encounter import CaseState, Encounter, Side, allowed_moves
from spoke_client.domain.patient import Patient
from spoke_client.sync.protocol import ChangeKind, Entity, Op, OpResult, OpStatus, RejectCode
from spoke_hub.actions import add_change

MISSING_DEPENDENCY = "missing-dependency"
STATE_KEPT = "state-kept"
OLDER_VERSION = "not-newer"

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


class _Refused(Exception):
    """An op that cannot be applied: carries the status, code and short detail."""

    def __init__(self, status: OpStatus, code: str, detail: str | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.detail = status, code, detail


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces and ASCII only (lone surrogates survive as escapes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def op_content_sha256(op: Op) -> str:
    """The sha256 of everything in ``op`` but its id: what a replay must match."""
    content = op.model_dump(mode="json", exclude={"op_id"})
    return hashlib.sha256(canonical_json(content).encode("ascii")).hexdigest()


def apply_ops(
    conn: sqlite3.Connection, *, facility: str, device_id: str, ops: list[Op], now: str
) -> list[OpResult]:
    """Apply ``ops`` in order on ``conn`` (inside the caller's transaction); the results."""
    results = []
    for op in ops:
        results.append(_apply_one(conn, facility=facility, device_id=device_id, op=op, now=now))
    return results


def _apply_one(
    conn: sqlite3.Connection, *, facility: str, device_id: str, op: Op, now: str
) -> OpResult:
    content_sha = op_content_sha256(op)
    stored = conn.execute(
        "SELECT facility, content_sha256, result FROM ops WHERE op_id = ?", (op.op_id,)
    ).fetchone()
    if stored is not None:
        if stored["facility"] == facility and stored["content_sha256"] == content_sha:
            first = OpResult.model_validate_json(stored["result"])
            return first.model_copy(update={"replay": True})
        return OpResult(
            op_id=op.op_id,
            status=OpStatus.REJECTED,
            code=RejectCode.CONFLICT,
            detail="op id already used for other content",
        )

    apply = {
        Entity.PATIENT: _apply_patient,
        Entity.ENCOUNTER: _apply_encounter,
        Entity.ATTACHMENT: _apply_attachment,
    }[op.entity]
    try:
        detail = apply(conn, facility, op, now)
        result = OpResult(op_id=op.op_id, status=OpStatus.APPLIED, detail=detail)
    except _Refused as refused:
        result = OpResult(
            op_id=op.op_id, status=refused.status, code=refused.code, detail=refused.detail
        )
        if refused.status is OpStatus.RETRY:
            return result  # not stored: the op is tried afresh when it comes again
    conn.execute(
        "INSERT INTO ops(op_id, device_id, facility, entity, entity_id, version,"
        " content_sha256, result, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            op.op_id,
            device_id,
            facility,
            op.entity.value,
            op.entity_id,
            op.version,
            content_sha,
            result.model_dump_json(),
            now,
        ),
    )
    return result


# ---- validation ----------------------------------------------------------------------------


def _invalid(detail: str) -> _Refused:
    return _Refused(OpStatus.REJECTED, RejectCode.INVALID, detail)


def _need(payload: dict[str, Any], field: str, kinds: tuple[type, ...], *, optional=False) -> Any:
    """``payload[field]`` if it has one of ``kinds`` (bool is never an int here)."""
    if field not in payload or payload[field] is None:
        if optional:
            return None
        raise _invalid(f"{field}: required")
    value = payload[field]
    if isinstance(value, bool) and bool not in kinds:
        raise _invalid(f"{field}: wrong type")
    if not isinstance(value, kinds):
        raise _invalid(f"{field}: wrong type")
    return value


def _check_id(payload: dict[str, Any], op: Op) -> None:
    if _need(payload, "id", (str,)) != op.entity_id:
        raise _invalid("id: does not match entity_id")


def _from_record(factory: Any, payload: dict[str, Any]) -> Any:
    """Run a domain ``from_record``; any failure is ``invalid`` with the field it tripped on
    (the exception's text is not used: it may quote what the operator typed)."""
    try:
        return factory(payload)
    except KeyError as exc:
        raise _invalid(f"{exc.args[0] if exc.args else 'field'}: required") from None
    except Exception as exc:  # ValueError, TypeError, AttributeError from a malformed record
        raise _invalid(f"malformed record ({type(exc).__name__})") from None


def _owner(conn: sqlite3.Connection, table: str, entity_id: str) -> sqlite3.Row | None:
    return conn.execute(f"SELECT * FROM {table} WHERE id = ?", (entity_id,)).fetchone()


def _check_not_foreign(row: sqlite3.Row | None, facility: str) -> None:
    if row is not None and row["facility"] != facility:
        raise _Refused(OpStatus.REJECTED, RejectCode.OTHER_FACILITY, None)


# ---- entities ------------------------------------------------------------------------------


def _apply_patient(conn: sqlite3.Connection, facility: str, op: Op, now: str) -> str | None:
    payload = op.payload
    _check_id(payload, op)
    for field in ("name", "sex", "village"):
        _need(payload, field, (str,))
    for field in ("mobile", "abha_number", "abha_address", "guardian_name", "guardian_relation"):
        _need(payload, field, (str,), optional=True)
    for field in ("age_years", "age_months"):
        _need(payload, field, (int,), optional=True)
    _from_record(Patient.from_record, payload)
    row = _owner(conn, "patients", op.entity_id)
    _check_not_foreign(row, facility)
    if row is not None and row["version"] >= op.version:
        return OLDER_VERSION
    conn.execute(
        "INSERT INTO patients(id, facility, version, record, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET version = excluded.version, record = excluded.record,"
        " updated_at = excluded.updated_at",
        (op.entity_id, facility, op.version, canonical_json(payload), now),
    )
    return None


def _apply_encounter(conn: sqlite3.Connection, facility: str, op: Op, now: str) -> str | None:
    payload = op.payload
    _check_id(payload, op)
    patient_id = _need(payload, "patient_id", (str,))
    _need(payload, "state", (str,))
    _need(payload, "specialty", (str,), optional=True)
    encounter = _from_record(Encounter.from_record, payload)
    row = _owner(conn, "encounters", op.entity_id)
    _check_not_foreign(row, facility)
    patient = _owner(conn, "patients", patient_id)
    if patient is None:
        raise _Refused(OpStatus.RETRY, MISSING_DEPENDENCY, f"patient:{patient_id}")
    _check_not_foreign(patient, facility)
    if row is not None and row["version"] >= op.version:
        return OLDER_VERSION

    state, state_by, detail = encounter.state.value, Side.SPOKE.value, None
    if row is not None and row["state_by"] == Side.HUB.value and state != row["state"]:
        hub_state = CaseState(row["state"])
        if encounter.state not in allowed_moves(hub_state, Side.SPOKE):
            state, state_by, detail = hub_state.value, Side.HUB.value, STATE_KEPT
    elif row is not None and state == row["state"]:
        state_by = row["state_by"]  # the spoke repeats what it learned: still the hub's move
    record = dict(payload, state=state)
    conn.execute(
        "INSERT INTO encounters(id, facility, patient_id, version, state, state_by, specialty,"
        " record, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET patient_id = excluded.patient_id,"
        " version = excluded.version, state = excluded.state, state_by = excluded.state_by,"
        " specialty = excluded.specialty, record = excluded.record,"
        " updated_at = excluded.updated_at",
        (
            op.entity_id,
            facility,
            patient_id,
            op.version,
            state,
            state_by,
            None if encounter.specialty is None else encounter.specialty.value,
            canonical_json(record),
            now,
        ),
    )
    if row is not None and state != row["state"] and state_by == Side.SPOKE.value:
        _log_spoke_move(conn, facility, op.entity_id, state, now)
    return detail


def _log_spoke_move(
    conn: sqlite3.Connection, facility: str, encounter_id: str, state: str, now: str
) -> None:
    """A spoke's move of a case the hub has already moved goes into the change log too, so
    the log's last state is the case's state: a spoke that pulls from 0 again (after a hub
    restore) ends where the hub is, not at an older hub move."""
    seen = conn.execute(
        "SELECT 1 FROM changes WHERE encounter_id = ? AND kind = ? LIMIT 1",
        (encounter_id, ChangeKind.CASE_STATE.value),
    ).fetchone()
    if seen:
        add_change(
            conn,
            facility=facility,
            encounter_id=encounter_id,
            kind=ChangeKind.CASE_STATE,
            payload={"state": state, "by": Side.SPOKE.value},
            at=now,
        )


def _check_time(payload: dict[str, Any], field: str, *, optional: bool = False) -> None:
    text = _need(payload, field, (str,), optional=optional)
    if text is None:
        return
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(f"{field}: bad-format") from None


def _apply_attachment(conn: sqlite3.Connection, facility: str, op: Op, now: str) -> str | None:
    payload = op.payload
    _check_id(payload, op)
    encounter_id = _need(payload, "encounter_id", (str,))
    for field in ("kind", "mime"):
        _need(payload, field, (str,))
    for field in ("caption", "created_by"):
        _need(payload, field, (str,), optional=True)
    size = _need(payload, "size", (int,))
    if size < 0:
        raise _invalid("size: out-of-range")
    if not _HEX64.fullmatch(_need(payload, "sha256", (str,))):
        raise _invalid("sha256: bad-format")
    _check_time(payload, "created_at")
    _check_time(payload, "removed_at", optional=True)
    row = _owner(conn, "attachments", op.entity_id)
    _check_not_foreign(row, facility)
    encounter = _owner(conn, "encounters", encounter_id)
    if encounter is None:
        raise _Refused(OpStatus.RETRY, MISSING_DEPENDENCY, f"encounter:{encounter_id}")
    _check_not_foreign(encounter, facility)
    if row is not None and row["version"] >= op.version:
        return OLDER_VERSION
    conn.execute(
        "INSERT INTO attachments(id, facility, encounter_id, version, record, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
        " encounter_id = excluded.encounter_id, version = excluded.version,"
        " record = excluded.record, updated_at = excluded.updated_at",
        (op.entity_id, facility, encounter_id, op.version, canonical_json(payload), now),
    )
    return None
