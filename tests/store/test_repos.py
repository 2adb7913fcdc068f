"""Repositories over the real SQLCipher file: pragmas, outbox in the same transaction,
audit of reads and writes, drafts, search, prescriptions, and a full disk."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from spoke_client.domain.complaints import ComplaintEntry, Severity
from spoke_client.domain.encounter import CaseState, Consent, Encounter, History, Side, Specialty
from spoke_client.domain.patient import Patient, Sex
from spoke_client.domain.prescription import Prescription
from spoke_client.domain.vitals import read_vitals
from spoke_client.store import db as dbmod
from spoke_client.store.errors import DiskFull, NotFound, StoreUnreadable
from spoke_client.store.store import Store

from ..conftest import PIN

TODAY = date(2026, 11, 23)


def patient(name="Seeta Devi", **extra) -> Patient:
    fields = dict(
        name=name,
        sex=Sex.FEMALE,
        age_years=34,
        mobile="+91 98765 43210",
        abha_number="12-3456-7890-1234",
        village="Rampur",
        address="Ward 3",
    )
    return Patient.create(today=TODAY, **(fields | extra))


def ready_encounter(p: Patient) -> Encounter:
    e = replace(
        Encounter.new(p.id),
        vitals=read_vitals(
            {"systolic": 150, "diastolic": 95, "pulse": 88, "weight": 60, "height": 155}
        ),
        complaints=(
            ComplaintEntry.create(
                code="FEVER", duration_days=3, severity=Severity.MODERATE, note=""
            ),
        ),
        history=History.create(
            today=TODAY,
            conditions=("hypertension",),
            pregnant=False,
            lmp=None,
            allergies="",
            medicines="",
        ),
    )
    consent = Consent(
        given=True,
        operator_id="asha",
        at=datetime(2026, 11, 23, tzinfo=UTC),
        accompanying_adult=None,
    )
    return e.complete_intake(
        specialty=Specialty.GENERAL_MEDICINE, consent=consent, patient_is_minor=False
    )


def test_every_connection_has_wal_and_synchronous_full(store, paths):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert store.conn.execute("PRAGMA cipher_version").fetchone()[0].startswith("4.")
    with pytest.raises(StoreUnreadable):
        dbmod.connect(paths.db, os.urandom(32))


def test_the_database_file_is_not_sqlite_in_clear(store, paths):
    assert not paths.db.read_bytes().startswith(b"SQLite format 3")


def test_saving_a_patient_writes_one_outbox_row_and_an_audit_row(store):
    p = patient()
    assert store.patients.save(p) == 1
    assert store.patients.save(replace(p, village="Sitapur")) == 2
    rows = store.outbox.for_entity(p.id)
    assert [(r["entity"], r["entity_version"]) for r in rows] == [("patient", 1), ("patient", 2)]
    assert store.outbox.pending_count() == 2
    actions = [(a["action"], a["entity_id"]) for a in store.audit.entries(entity_id=p.id)]
    assert actions.count(("write", p.id)) == 2
    assert store.patients.get(p.id).village == "Sitapur"
    assert ("read", p.id) in [
        (a["action"], a["entity_id"]) for a in store.audit.entries(entity_id=p.id)
    ]


def test_a_failure_inside_the_transaction_keeps_neither_change_nor_outbox(store, monkeypatch):
    p = patient()

    def fail(*_a, **_k):
        raise RuntimeError("power cut between the writes")

    monkeypatch.setattr(store.audit, "record", fail)
    with pytest.raises(RuntimeError):
        store.patients.save(p)
    monkeypatch.undo()
    assert store.patients.count() == 0
    assert store.outbox.pending_count() == 0


def test_drafts_stay_local_and_come_back_exactly(store):
    p = patient()
    store.patients.save(p)
    draft = {"pulse": "8", "temp_unit": "F", "note": "चक्कर आना"}
    eid, version = store.encounters.save_draft(None, p.id, draft, "vitals")
    assert store.encounters.save_draft(eid, p.id, draft | {"pulse": "88"}, "complaints") == (eid, 2)
    loaded, got, page = store.encounters.get_with_draft(eid)
    e = Encounter.new(p.id, id=eid)
    assert version == 1 and loaded == e and got == draft | {"pulse": "88"} and page == "complaints"
    assert store.outbox.for_entity(e.id) == []
    assert [d["id"] for d in store.encounters.drafts()] == [e.id]


def test_a_completed_encounter_and_its_patient_commit_together_with_outbox_rows(store):
    p = patient()
    e = ready_encounter(p)
    store.encounters.save(e, patient=p)
    assert store.encounters.get(e.id) == e
    vitals = dict(
        store.conn.execute("SELECT kind, flag FROM vitals WHERE encounter_id = ?", (e.id,))
    )
    assert vitals["systolic"] in ("high", "critical-high") and "bmi" in vitals
    entities = [(r["entity"], r["entity_id"]) for r in store.outbox.pending()]
    assert entities == [("patient", p.id), ("encounter", e.id)]


def test_case_moves_are_saved_with_their_outbox_rows(store):
    p = patient()
    e = ready_encounter(p)
    store.encounters.save(e, patient=p)
    waiting = e.move(CaseState.WAITING_FOR_DOCTOR, Side.SPOKE)
    assert store.encounters.save(waiting) == 2
    assert store.encounters.get(e.id).state is CaseState.WAITING_FOR_DOCTOR
    assert [r["entity_version"] for r in store.outbox.for_entity(e.id)] == [1, 2]


def test_search_by_name_variant_phone_abha_and_village(store):
    seeta = patient("Seeta Devi")
    laxmi = patient("Laxmi Bai", mobile="9123456780", abha_number=None, village="Khedi")
    store.patients.save(seeta)
    store.patients.save(laxmi)
    assert [p.id for p in store.patients.search("sita")] == [seeta.id]
    assert [p.id for p in store.patients.search("Lakshmi")] == [laxmi.id]
    assert [p.id for p in store.patients.search("91234 56780")] == [laxmi.id]
    assert [p.id for p in store.patients.search("12-3456-7890-1234")] == [seeta.id]
    assert [p.id for p in store.patients.search("Khedi")] == [laxmi.id]
    assert store.patients.search("Gita") == []
    assert any(a["action"] == "search" for a in store.audit.entries())


def test_todays_cases(store, clock):
    from datetime import timedelta, timezone

    ist = timezone(timedelta(hours=5, minutes=30))
    p = patient()
    e = ready_encounter(p)
    store.encounters.save(e, patient=p)
    today = clock().astimezone(ist).date()
    assert [r["id"] for r in store.encounters.list_for_day(today, ist)] == [e.id]
    assert store.encounters.list_for_day(today - timedelta(days=1), ist) == []


def test_prescriptions_are_stored_as_received(store):
    p = patient()
    e = ready_encounter(p)
    store.encounters.save(e, patient=p)
    rx = Prescription.from_record(
        {
            "id": "rx-1",
            "encounter_id": e.id,
            "doctor_name": "Dr. Meera Rao",
            "doctor_registration": "KMC-12345",
            "issued_at": "2026-11-23T06:00:00+00:00",
            "diagnosis": "Viral fever",
            "advice": "Fluids",
            "follow_up_days": 3,
            "items": [
                {
                    "medicine": "Paracetamol",
                    "strength": "500 mg",
                    "dose": "1 tablet",
                    "frequency": "three times a day",
                    "duration_days": 3,
                    "instructions": "after food",
                }
            ],
        }
    )
    store.prescriptions.apply(rx)
    store.prescriptions.apply(rx)  # a replayed pull does not duplicate it
    assert store.prescriptions.for_encounter(e.id) == [rx]


def test_a_full_disk_is_reported_before_the_save_and_nothing_is_written(paths, clock, store):
    store.close()
    free = __import__("shutil").disk_usage(paths.root).free
    full = Store.open(paths, operator="asha", pin=PIN, clock=clock, disk_reserve_bytes=free + 1)
    try:
        with pytest.raises(DiskFull) as info:
            full.patients.save(patient())
        assert info.value.params["free_bytes"] <= free + 10**8
        assert full.patients.count() == 0 and full.outbox.pending_count() == 0
    finally:
        full.close()


def test_unknown_records_are_not_found(store):
    with pytest.raises(NotFound):
        store.patients.get("0192f000-0000-7000-8000-000000000000")
    with pytest.raises(NotFound):
        store.encounters.get("0192f000-0000-7000-8000-000000000000")
