"""The engine thread and the store worker, driven as the UI and CLI drive them (no Qt)."""

from __future__ import annotations

import threading
from datetime import timedelta, timezone

import pytest

from spoke_client.domain.encounter import CaseState, Specialty
from spoke_client.domain.refusals import DomainRefused
from spoke_client.domain.vitals import TempUnit, VitalRefused
from spoke_client.engine.session import EngineSession
from spoke_client.engine.usecases import Intake
from spoke_client.store.errors import WrongPin
from spoke_client.store.store import Store

from ..conftest import PIN

IST = timezone(timedelta(hours=5, minutes=30))
SEETA = dict(
    name="Seeta Devi", sex="female", age_years=34, mobile="9876543210", village="Rampur", address=""
)


@pytest.fixture
def session(store, paths, clock):
    store.close()
    s = EngineSession(
        lambda: Store.open(paths, operator="asha", pin=PIN, clock=clock), clock=clock, tz=IST
    )
    with s:
        yield s


def intake(**changes) -> Intake:
    base = dict(
        vitals={
            "systolic": 128,
            "diastolic": 84,
            "pulse": 80,
            "temperature": 100.4,
            "spo2": 97,
            "weight": 52,
            "height": 150,
        },
        temp_unit=TempUnit.F,
        complaints=[{"code": "FEVER", "duration_days": 2, "severity": "moderate", "note": ""}],
        history={
            "conditions": (),
            "pregnant": False,
            "lmp": None,
            "allergies": "",
            "medicines": "",
        },
        specialty=Specialty.GENERAL_MEDICINE,
        consent_given=True,
    )
    return Intake(**(base | changes))


def test_store_work_runs_on_the_worker_and_use_cases_on_the_engine_thread(session):
    seen = {}

    async def where():
        seen["engine"] = threading.current_thread().name
        seen["store"] = await session.worker.run(lambda s: threading.current_thread().name)

    session.run(where())
    assert seen == {"engine": "engine", "store": "store-worker"}
    # The connection belongs to the worker: touching it from here is refused by SQLite.
    store = session.worker.call(lambda s: s)
    with pytest.raises(Exception, match="thread"):
        store.conn.execute("SELECT 1")


def test_a_wrong_pin_stops_the_session_from_starting(store, paths, clock):
    store.close()
    s = EngineSession(
        lambda: Store.open(paths, operator="asha", pin="000000", clock=clock), clock=clock, tz=IST
    )
    with pytest.raises(WrongPin):
        s.start()
    assert not s.worker.running and not s.thread.running


def test_register_draft_complete_and_list_today(session):
    run, engine = session.run, session.engine
    patient = run(engine.register_patient(SEETA))
    saved = run(engine.save_draft(None, patient.id, {"pulse": "8"}, "vitals"))
    saved = run(engine.save_draft(saved.encounter_id, patient.id, {"pulse": "80"}, "complaints"))
    encounter, draft, page = run(engine.load_draft(saved.encounter_id))
    assert (draft, page, encounter.state) == ({"pulse": "80"}, "complaints", CaseState.DRAFT)
    assert [d["id"] for d in run(engine.unfinished_drafts())] == [saved.encounter_id]

    ready = run(engine.complete_intake(saved.encounter_id, intake()))
    assert ready.state is CaseState.READY
    assert ready.vitals.readings["temperature"].value == pytest.approx(38.0)
    assert run(engine.outbox_pending()) == 2  # the patient, then the ready encounter
    with pytest.raises(DomainRefused) as locked:  # a late autosave cannot reopen the intake
        run(engine.save_draft(ready.id, patient.id, {"pulse": "99"}, "vitals"))
    assert locked.value.codes == ("encounter-locked",)
    waiting = run(engine.move_case(ready.id, CaseState.WAITING_FOR_DOCTOR))
    assert waiting.state is CaseState.WAITING_FOR_DOCTOR
    today = run(engine.list_today())
    assert [(c.encounter_id, c.state, c.patient_name) for c in today] == [
        (ready.id, CaseState.WAITING_FOR_DOCTOR, "Seeta Devi")
    ]
    assert [p.id for p in run(engine.search_patients("Sita"))] == [patient.id]


def test_refused_vitals_come_back_as_codes_and_keep_the_draft(session):
    run, engine = session.run, session.engine
    patient = run(engine.register_patient(SEETA))
    saved = run(engine.save_draft(None, patient.id, {"pulse": "300"}, "vitals"))
    bad = intake(vitals={"pulse": 300, "systolic": 80, "diastolic": 90}, temp_unit=TempUnit.C)
    with pytest.raises(DomainRefused) as info:
        run(engine.complete_intake(saved.encounter_id, bad))
    pulse = [r for r in info.value.refusals if isinstance(r, VitalRefused)]
    assert [(r.field, r.value) for r in pulse] == [("pulse", 300)]
    assert pulse[0].low < 300 and pulse[0].high < 300
    assert "bp-systolic-not-above-diastolic" in info.value.codes
    encounter, draft, _ = run(engine.load_draft(saved.encounter_id))
    assert encounter.state is CaseState.DRAFT and draft == {"pulse": "300"}


def test_illegal_moves_are_refused(session):
    run, engine = session.run, session.engine
    patient = run(engine.register_patient(SEETA))
    saved = run(engine.save_draft(None, patient.id, {}, "patient"))
    with pytest.raises(DomainRefused) as info:
        run(engine.move_case(saved.encounter_id, CaseState.PRESCRIBED))
    assert info.value.codes == ("illegal-move",)
    with pytest.raises(DomainRefused):
        run(engine.move_case(saved.encounter_id, CaseState.CANCELLED))  # needs a reason
    cancelled = run(engine.move_case(saved.encounter_id, CaseState.CANCELLED, reason="left"))
    assert cancelled.state is CaseState.CANCELLED
    # An abandoned draft never reached the hub, so its cancellation is not sent either.
    assert session.worker.call(lambda s: s.outbox.for_entity(saved.encounter_id)) == []


def test_attached_media_round_trip_and_queue_for_upload(session):
    run, engine = session.run, session.engine
    patient = run(engine.register_patient(SEETA))
    saved = run(engine.save_draft(None, patient.id, {}, "attachments"))
    photo = bytes(range(256)) * 800
    media_id = run(
        engine.attach_media(
            saved.encounter_id, [photo[:1000], photo[1000:]], kind="photo", mime="image/jpeg"
        )
    )
    assert session.worker.call(lambda s: s.attachments.read(media_id)) == photo
    assert session.worker.call(lambda s: [r["entity"] for r in s.outbox.for_entity(media_id)]) == [
        "attachment"
    ]
