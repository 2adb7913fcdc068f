"""Repositories: patients, encounters (with vitals), attachments, prescriptions, outbox, audit.

Every method runs on the store worker's thread. Each change that must reach the hub writes
its outbox row inside the same transaction as the change, keyed by (entity, id, version),
so a committed change has exactly one outbox row and a rolled-back one has none. Reads and
writes of patient data leave an audit row.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from spoke_client.domain.encounter import CaseState, Encounter, EncounterLocked
from spoke_client.domain.ids import new_id
from spoke_client.domain.patient import Patient, name_key
from spoke_client.domain.prescription import Prescription
from spoke_client.domain.refusals import DomainRefused
from spoke_client.domain.vitals import VitalSet
from spoke_client.store.errors import NotFound
from spoke_client.store.timestamps import stamp

if TYPE_CHECKING:
    from spoke_client.store.media import SealedMedia
    from spoke_client.store.store import Store


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class AuditLog:
    """Who did what to which record, when. Lives in the encrypted database."""

    def __init__(self, store: Store) -> None:
        self.s = store

    def record(
        self,
        action: str,
        *,
        entity: str | None = None,
        entity_id: str | None = None,
        detail: dict | None = None,
        operator: str | None = None,
        at: str | None = None,
    ) -> None:
        self.s.conn.execute(
            "INSERT INTO audit (at, operator, action, entity, entity_id, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                at or self.s.now(),
                operator or self.s.operator,
                action,
                entity,
                entity_id,
                _json(detail) if detail else None,
            ),
        )

    def entries(self, *, entity_id: str | None = None, limit: int = 1000) -> list[dict]:
        if entity_id:
            sql = "SELECT * FROM audit WHERE entity_id = ? ORDER BY seq DESC LIMIT ?"
            return list(self.s.db.query(sql, [entity_id, limit]))
        return list(self.s.db.query("SELECT * FROM audit ORDER BY seq DESC LIMIT ?", [limit]))


class Outbox:
    """Changes waiting to reach the hub, in the order they were written."""

    def __init__(self, store: Store) -> None:
        self.s = store

    def add(self, entity: str, entity_id: str, version: int, payload: dict) -> str:
        """Write one outbox row. Must be called inside the change's own transaction."""
        if not self.s.conn.in_transaction:
            raise RuntimeError("outbox rows are written inside the change's transaction")
        op_id = new_id()
        self.s.conn.execute(
            "INSERT INTO outbox (op_id, entity, entity_id, entity_version, op, payload, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (op_id, entity, entity_id, version, "upsert", _json(payload), self.s.now()),
        )
        return op_id

    def pending(self, limit: int = 100) -> list[dict]:
        sql = "SELECT * FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?"
        return list(self.s.db.query(sql, [limit]))

    def pending_count(self) -> int:
        return self.s.conn.execute(
            "SELECT count(*) FROM outbox WHERE state = 'pending'"
        ).fetchone()[0]

    def for_entity(self, entity_id: str) -> list[dict]:
        sql = "SELECT * FROM outbox WHERE entity_id = ? ORDER BY seq"
        return list(self.s.db.query(sql, [entity_id]))


class PatientRepo:
    def __init__(self, store: Store) -> None:
        self.s = store

    def save(self, patient: Patient) -> int:
        """Insert or update; returns the new version. One outbox row per saved version."""
        with self.s.write():
            return self.write_in_transaction(patient)

    def write_in_transaction(self, patient: Patient) -> int:
        """The body of ``save``, for callers that already hold the write transaction."""
        row = self.s.conn.execute(
            "SELECT version FROM patients WHERE id = ?", (patient.id,)
        ).fetchone()
        version = 1 if row is None else row[0] + 1
        now = self.s.now()
        record = patient.to_record()
        values = {
            **record,
            "version": version,
            "name_key": name_key(patient.name),
            "updated_at": now,
        }
        if row is None:
            self.s.db["patients"].insert(
                values | {"created_at": now, "created_by": self.s.operator}
            )
        else:
            self.s.db["patients"].update(patient.id, values)
        self.s.outbox.add("patient", patient.id, version, record)
        self.s.audit.record("write", entity="patient", entity_id=patient.id, detail={"v": version})
        return version

    def get(self, patient_id: str) -> Patient:
        rows = list(self.s.db.query("SELECT * FROM patients WHERE id = ?", [patient_id]))
        if not rows:
            raise NotFound(entity="patient", id=patient_id)
        with self.s.write(check_disk=False):
            self.s.audit.record("read", entity="patient", entity_id=patient_id)
        return _patient(rows[0])

    def search(self, query: str, limit: int = 50) -> list[Patient]:
        """By name (spelling-forgiving), phone, ABHA number or address, or village."""
        text = query.strip()
        if not text:
            return []
        compact = text.replace(" ", "").replace("-", "").removeprefix("+")
        if compact.isdigit() and len(compact) >= 4:
            digits = compact[-10:] if len(compact) in (11, 12) else compact  # 0/91 prefixes
            sql = (
                "SELECT * FROM patients WHERE mobile LIKE ? OR abha_number LIKE ?"
                " ORDER BY updated_at DESC LIMIT ?"
            )
            rows = self.s.db.query(sql, [f"%{digits}%", f"%{compact}%", limit])
        elif "@" in text:
            sql = "SELECT * FROM patients WHERE abha_address = ? ORDER BY updated_at DESC LIMIT ?"
            rows = self.s.db.query(sql, [text.lower(), limit])
        else:
            key = name_key(text)
            sql = (
                "SELECT * FROM patients WHERE name_key LIKE ? OR village LIKE ?"
                " ORDER BY updated_at DESC LIMIT ?"
            )
            rows = self.s.db.query(sql, [f"%{key}%", f"%{text}%", limit])
        found = [_patient(r) for r in rows]
        with self.s.write(check_disk=False):
            self.s.audit.record(
                "search", entity="patient", detail={"results": [p.id for p in found]}
            )
        return found

    def duplicate_candidates(
        self,
        *,
        name: str,
        village: str,
        mobile: str | None = None,
        abha_number: str | None = None,
        abha_address: str | None = None,
        limit: int = 2000,
    ) -> list[Patient]:
        """Patients who might be this person, in one query, for the duplicate check to rank:
        the same mobile, ABHA number or ABHA address; or the same village (case and spaces
        ignored) with a name starting like one of this name's words; or a name whose first
        word has the same name key (any village spelling). Audited as one read.
        """
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("mobile", mobile),
            ("abha_number", abha_number),
            ("abha_address", abha_address),
        ):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        words = name_key(name).split()
        if words:
            clauses.append("name_key = ? OR name_key LIKE ?")
            params += [words[0], f"{words[0]} %"]
        initials = sorted({w[0] for w in words})
        folded_village = "".join(village.lower().split())
        if folded_village and initials:
            marks = ", ".join("?" for _ in initials)
            clauses.append(
                f"(replace(lower(village), ' ', '') = ? AND substr(name_key, 1, 1) IN ({marks}))"
            )
            params += [folded_village, *initials]
        if not clauses:
            return []
        sql = (
            f"SELECT * FROM patients WHERE {' OR '.join(clauses)} ORDER BY updated_at DESC LIMIT ?"
        )
        found = [_patient(r) for r in self.s.db.query(sql, [*params, limit])]
        with self.s.write(check_disk=False):
            self.s.audit.record(
                "duplicate-check", entity="patient", detail={"results": [p.id for p in found]}
            )
        return found

    def count(self) -> int:
        return self.s.conn.execute("SELECT count(*) FROM patients").fetchone()[0]


def _patient(row: dict) -> Patient:
    fields = Patient.__dataclass_fields__
    return Patient.from_record({k: v for k, v in row.items() if k in fields})


class EncounterRepo:
    def __init__(self, store: Store) -> None:
        self.s = store

    def _current_version(self, encounter_id: str) -> int | None:
        row = self.s.conn.execute(
            "SELECT version FROM encounters WHERE id = ?", (encounter_id,)
        ).fetchone()
        return None if row is None else row[0]

    def save_draft(
        self, encounter_id: str | None, patient_id: str, draft: dict, page: str
    ) -> tuple[str, int]:
        """Autosave of the intake wizard: the whole form as typed and the page it is on, in
        one transaction. ``encounter_id`` None starts a new draft. Returns (id, version).

        Drafts stay on this desktop (no outbox row): the hub sees the case once intake is
        complete (docs/decisions/0002-drafts-stay-local.md).
        """
        with self.s.write():
            if encounter_id is None:
                encounter = Encounter.new(patient_id)
            else:
                row = self.s.conn.execute(
                    "SELECT state, record FROM encounters WHERE id = ?", (encounter_id,)
                ).fetchone()
                if row is None:
                    raise NotFound(entity="encounter", id=encounter_id)
                if row[0] != CaseState.DRAFT.value:
                    raise DomainRefused((EncounterLocked(CaseState(row[0])),))
                encounter = Encounter.from_record(json.loads(row[1]) | {"vitals": None})
            version = self._upsert(encounter, draft=draft, page=page)
            self.s.audit.record(
                "draft-saved", entity="encounter", entity_id=encounter.id, detail={"page": page}
            )
        return encounter.id, version

    def save(self, encounter: Encounter, *, patient: Patient | None = None) -> int:
        """Save an encounter past draft (and, if given, its patient) in one transaction, each
        with its outbox row. Returns the encounter's new version."""
        with self.s.write():
            if patient is not None:
                self.s.patients.write_in_transaction(patient)
            row = self.s.conn.execute(
                "SELECT state FROM encounters WHERE id = ?", (encounter.id,)
            ).fetchone()
            local_only = row is None or row[0] == CaseState.DRAFT.value
            version = self._upsert(encounter, draft=None, page=None)
            # A draft abandoned before it was complete never goes to the hub (decision 0002).
            if encounter.state is not CaseState.DRAFT and not (
                local_only and encounter.state is CaseState.CANCELLED
            ):
                payload = encounter.to_record()
                self.s.outbox.add("encounter", encounter.id, version, payload)
            self.s.audit.record(
                "write",
                entity="encounter",
                entity_id=encounter.id,
                detail={"v": version, "state": encounter.state.value},
            )
        return version

    def _upsert(self, encounter: Encounter, *, draft: dict | None, page: str | None) -> int:
        current = self._current_version(encounter.id)
        version = 1 if current is None else current + 1
        now = self.s.now()
        record = encounter.to_record()
        record.pop("vitals", None)  # vitals live in their own table
        values = {
            "version": version,
            "patient_id": encounter.patient_id,
            "state": encounter.state.value,
            "specialty": encounter.specialty.value if encounter.specialty else None,
            "record": _json(record),
            "draft": _json(draft) if draft is not None else None,
            "draft_page": page,
            "updated_at": now,
        }
        if current is None:
            values |= {"id": encounter.id, "created_at": now, "created_by": self.s.operator}
            self.s.db["encounters"].insert(values)
        else:
            self.s.db["encounters"].update(encounter.id, values)
        self.s.conn.execute("DELETE FROM vitals WHERE encounter_id = ?", (encounter.id,))
        if encounter.vitals is not None:
            for reading in encounter.vitals.readings.values():
                self.s.conn.execute(
                    "INSERT INTO vitals (encounter_id, kind, value, unit, flag, recorded_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        encounter.id,
                        reading.kind.value,
                        reading.value,
                        reading.unit,
                        reading.flag.level.value if reading.flag else None,
                        now,
                    ),
                )
        return version

    def get(self, encounter_id: str) -> Encounter:
        return self.get_with_draft(encounter_id)[0]

    def get_with_draft(self, encounter_id: str) -> tuple[Encounter, dict | None, str | None]:
        rows = list(self.s.db.query("SELECT * FROM encounters WHERE id = ?", [encounter_id]))
        if not rows:
            raise NotFound(entity="encounter", id=encounter_id)
        row = rows[0]
        with self.s.write(check_disk=False):
            self.s.audit.record("read", entity="encounter", entity_id=encounter_id)
        draft = json.loads(row["draft"]) if row["draft"] else None
        return self._encounter(row), draft, row["draft_page"]

    def _encounter(self, row: dict) -> Encounter:
        record = json.loads(row["record"])
        vitals = {
            r["kind"]: r["value"]
            for r in self.s.db.query(
                "SELECT kind, value FROM vitals WHERE encounter_id = ?", [row["id"]]
            )
        }
        record["vitals"] = VitalSet.from_record(vitals).to_record() if vitals else None
        return Encounter.from_record(record)

    def list_for_day(self, day: date, tz) -> list[dict]:
        """Cases created on ``day`` in the centre's time zone ``tz``, newest first."""
        start = datetime.combine(day, time.min, tzinfo=tz)
        end = start + timedelta(days=1)
        sql = (
            "SELECT e.id, e.state, e.specialty, e.created_at, e.updated_at, e.draft_page,"
            " p.id AS patient_id, p.name AS patient_name, p.village AS patient_village"
            " FROM encounters e JOIN patients p ON p.id = e.patient_id"
            " WHERE e.created_at >= ? AND e.created_at < ? ORDER BY e.created_at DESC"
        )
        rows = list(self.s.db.query(sql, [stamp(start), stamp(end)]))
        with self.s.write(check_disk=False):
            self.s.audit.record(
                "list", entity="encounter", detail={"day": day.isoformat(), "n": len(rows)}
            )
        return rows

    def drafts(self) -> list[dict]:
        sql = (
            "SELECT e.id, e.updated_at, e.draft_page, p.id AS patient_id, p.name AS patient_name"
            " FROM encounters e JOIN patients p ON p.id = e.patient_id"
            " WHERE e.state = 'draft' ORDER BY e.updated_at DESC"
        )
        return list(self.s.db.query(sql))

    def count(self) -> int:
        return self.s.conn.execute("SELECT count(*) FROM encounters").fetchone()[0]


class AttachmentRepo:
    def __init__(self, store: Store) -> None:
        self.s = store

    def add(
        self,
        encounter_id: str,
        sealed: SealedMedia,
        *,
        kind: str,
        mime: str,
        caption: str = "",
        thumbnail: bytes | None = None,
    ) -> None:
        """Link a published media file to its encounter, with its outbox row."""
        with self.s.write():
            values = {
                "id": sealed.media_id,
                "encounter_id": encounter_id,
                "kind": kind,
                "mime": mime,
                "size": sealed.size,
                "sha256": sealed.sha256,
                "media_key": sealed.key,
                "caption": caption,
                "created_at": self.s.now(),
                "created_by": self.s.operator,
            }
            self.s.db["attachments"].insert(values | {"thumbnail": thumbnail})
            payload = {k: v for k, v in values.items() if k != "media_key"}
            self.s.outbox.add("attachment", sealed.media_id, 1, payload)
            self.s.audit.record("write", entity="attachment", entity_id=sealed.media_id)

    def key_of(self, media_id: str) -> bytes:
        row = self.s.conn.execute(
            "SELECT media_key FROM attachments WHERE id = ?", (media_id,)
        ).fetchone()
        if row is None:
            raise NotFound(entity="attachment", id=media_id)
        return bytes(row[0])

    def for_encounter(self, encounter_id: str) -> list[dict]:
        sql = (
            "SELECT id, kind, mime, size, sha256, caption, created_at FROM attachments"
            " WHERE encounter_id = ? AND removed_at IS NULL ORDER BY created_at"
        )
        return list(self.s.db.query(sql, [encounter_id]))

    def all(self) -> list[dict]:
        return list(self.s.db.query("SELECT id, sha256, size, purged_at FROM attachments"))

    def remove(self, encounter_id: str, media_id: str) -> None:
        """Take an attachment off a draft's list (the row and file stay; ``removed_at`` marks
        it), with its outbox row and an audit row, in one transaction."""
        with self.s.write():
            row = self.s.conn.execute(
                "SELECT e.state FROM attachments a JOIN encounters e ON e.id = a.encounter_id"
                " WHERE a.id = ? AND a.encounter_id = ? AND a.removed_at IS NULL",
                (media_id, encounter_id),
            ).fetchone()
            if row is None:
                raise NotFound(entity="attachment", id=media_id)
            if row[0] != CaseState.DRAFT.value:
                raise DomainRefused((EncounterLocked(CaseState(row[0])),))
            self.s.conn.execute(
                "UPDATE attachments SET removed_at = ? WHERE id = ?", (self.s.now(), media_id)
            )
            payload = next(
                self.s.db.query(
                    "SELECT id, encounter_id, kind, mime, size, sha256, caption, created_at,"
                    " created_by, removed_at FROM attachments WHERE id = ?",
                    [media_id],
                )
            )
            version = self.s.conn.execute(
                "SELECT COALESCE(MAX(entity_version), 0) + 1 FROM outbox"
                " WHERE entity = 'attachment' AND entity_id = ?",
                (media_id,),
            ).fetchone()[0]
            self.s.outbox.add("attachment", media_id, version, payload)
            self.s.audit.record("remove", entity="attachment", entity_id=media_id)

    def read(self, media_id: str) -> bytes:
        data = self.s.media.read_all(media_id, self.key_of(media_id))
        with self.s.write(check_disk=False):
            self.s.audit.record("read", entity="attachment", entity_id=media_id)
        return data


class PrescriptionRepo:
    """Prescriptions are hub-owned: they arrive by sync and are stored as received."""

    def __init__(self, store: Store) -> None:
        self.s = store

    def apply(self, prescription: Prescription) -> None:
        with self.s.write():
            self.s.db["prescriptions"].upsert(
                {
                    "id": prescription.id,
                    "encounter_id": prescription.encounter_id,
                    "record": _json(prescription.to_record()),
                    "received_at": self.s.now(),
                },
                pk="id",
            )
            self.s.audit.record("write", entity="prescription", entity_id=prescription.id)

    def for_encounter(self, encounter_id: str) -> list[Prescription]:
        rows = self.s.db.query(
            "SELECT record FROM prescriptions WHERE encounter_id = ?", [encounter_id]
        )
        found = [Prescription.from_record(json.loads(r["record"])) for r in rows]
        with self.s.write(check_disk=False):
            self.s.audit.record("read", entity="prescription", entity_id=encounter_id)
        return found
