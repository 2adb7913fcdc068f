"""The store's side of sync, on a real encrypted store: what is due, in what order, what the
hub's answers change, epochs, pulled changes with their cursor, purging."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from spoke_client.domain.encounter import CaseState, Encounter
from spoke_client.domain.patient import Patient
from spoke_client.store.timestamps import stamp

LINK = {
    "hub_url": "http://127.0.0.1:9",
    "device_id": "d1",
    "token": "secret-token",
    "facility_code": "HWC-0001",
    "facility_name": "Test",
    "hub_id": "h1",
}


def patient(name="Seeta Devi") -> Patient:
    return Patient.create(
        today=datetime(2026, 11, 23).date(),
        name=name,
        sex="female",
        age_years=34,
        village="Rampur",
        address="",
    )


def photo(store, encounter_id: str, data: bytes = b"\xff\xd8photo" * 100) -> str:
    import uuid

    media_id = str(uuid.uuid4())
    with store.media.writer(media_id) as w:
        w.write(data)
    store.attachments.add(encounter_id, w.sealed, kind="photo", mime="image/jpeg")
    return media_id


def ready_case(store, p: Patient) -> Encounter:
    draft = Encounter.new(p.id)
    store.encounters.save(draft)
    ready = Encounter.from_record(draft.to_record() | {"state": "ready", "specialty": None})
    store.encounters.save(ready)
    return ready


def test_link_is_kept_only_inside_the_encrypted_store(store, paths):
    assert store.sync.link() is None
    store.sync.save_link(LINK)
    assert store.sync.link()["token"] == "secret-token"
    for f in paths.root.rglob("*"):
        if f.is_file():
            assert b"secret-token" not in f.read_bytes(), f


def test_due_ops_put_dependencies_first_and_hold_back_draft_attachments(store):
    p = patient()
    store.patients.save(p)
    draft = Encounter.new(p.id)
    store.encounters.save(draft)  # a draft: no outbox row
    media_id = photo(store, draft.id)
    due = store.sync.due_ops(100)
    assert [r["entity"] for r in due] == ["patient"]  # the photo waits for its case
    assert store.sync.media_due() == []
    ready = Encounter.from_record(draft.to_record() | {"state": "ready"})
    store.encounters.save(ready)
    due = store.sync.due_ops(100)
    assert [r["entity"] for r in due] == ["patient", "encounter", "attachment"]
    assert [r["seq"] for r in due] != sorted(r["seq"] for r in due)  # photo written first
    assert [m["id"] for m in store.sync.media_due()] == [media_id]
    assert store.sync.due_ops(100, after_seq=max(r["seq"] for r in due)) == []


def test_answers_move_rows_in_one_go_and_retry_keeps_them(store):
    p = patient()
    store.patients.save(p)
    e = ready_case(store, p)
    ops = {r["entity"]: r["op_id"] for r in store.sync.due_ops(10)}
    store.sync.apply_results(
        [
            (ops["patient"], "applied", None, None),
            (ops["encounter"], "retry", "missing-dependency", "patient:x"),
        ],
        epoch="E1",
    )
    left = store.sync.due_ops(10)
    assert [r["op_id"] for r in left] == [ops["encounter"]]
    assert left[0]["attempts"] == 1
    store.sync.apply_results([(ops["encounter"], "rejected", "invalid", "bad")], epoch="E1")
    assert store.sync.due_ops(10) == []
    rejected = store.sync.rejected()
    assert [(r["entity_id"], r["reject_code"], r["label"]) for r in rejected] == [
        (e.id, "invalid", "Seeta Devi")
    ]
    assert store.sync.waiting()["rejected"] == 1
    assert store.sync.requeue_rejected() == 1
    assert [r["op_id"] for r in store.sync.due_ops(10)] == [ops["encounter"]]


def test_a_new_epoch_sends_everything_again_and_pulls_from_the_start(store):
    p = patient()
    store.patients.save(p)
    e = ready_case(store, p)
    media_id = photo(store, e.id)
    rows = store.sync.due_ops(10)
    store.sync.apply_results([(r["op_id"], "applied", None, None) for r in rows], epoch="E1")
    store.sync.confirm_media(media_id)
    store.sync.put_state(epoch="E1", cursor=17)
    assert store.sync.waiting()["ops"] == 0 and store.sync.media_due() == []
    assert store.sync.new_epoch("E2") == 3
    assert len(store.sync.due_ops(10)) == 3
    assert [m["id"] for m in store.sync.media_due()] == [media_id]
    assert store.sync.state()["cursor"] == 0 and store.sync.state()["epoch"] == "E2"


def test_pulled_changes_and_their_cursor_land_together(store, clock):
    p = patient()
    store.patients.save(p)
    e = ready_case(store, p)
    rx = {
        "id": "rx1",
        "encounter_id": e.id,
        "doctor_name": "Dr. Rao",
        "doctor_registration": "KMC-1234",
        "issued_at": "2026-11-23T06:00:00+00:00",
        "diagnosis": "Viral fever",
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
        "advice": "Fluids",
        "follow_up_days": None,
    }
    changes = [
        {
            "seq": 1,
            "kind": "case_state",
            "encounter_id": e.id,
            "payload": {"state": "prescribed"},
            "at": "x",
        },
        {"seq": 2, "kind": "prescription", "encounter_id": e.id, "payload": rx, "at": "x"},
        {
            "seq": 3,
            "kind": "prescription",
            "encounter_id": e.id,
            "payload": {"id": "bad"},
            "at": "x",
        },
        {
            "seq": 4,
            "kind": "message",
            "encounter_id": e.id,
            "payload": {"id": "m1", "text": "ok"},
            "at": "x",
        },
        {
            "seq": 5,
            "kind": "case_state",
            "encounter_id": "unknown",
            "payload": {"state": "x"},
            "at": "x",
        },
    ]
    pending_before = store.outbox.pending_count()
    counts = store.sync.apply_changes(changes, cursor=5, epoch="E1")
    assert counts == {"case_state": 1, "prescription": 1, "message": 1, "refused": 2}
    assert store.encounters.get(e.id).state is CaseState.PRESCRIBED
    assert [x.id for x in store.prescriptions.for_encounter(e.id)] == ["rx1"]
    assert store.sync.state()["cursor"] == 5
    assert store.outbox.pending_count() == pending_before  # hub-owned: nothing to send back
    # Applying the same batch again (a replayed pull after a cut) changes nothing more.
    store.sync.apply_changes(changes[1:4], cursor=5, epoch="E1")
    assert len(store.prescriptions.for_encounter(e.id)) == 1


def test_a_failed_pull_batch_leaves_the_cursor_where_it_was(store, monkeypatch):
    p = patient()
    store.patients.save(p)
    e = ready_case(store, p)
    store.sync.put_state(cursor=3)
    change = {"seq": 4, "kind": "message", "encounter_id": e.id, "payload": {"id": "m"}, "at": "x"}
    real = store.audit.record

    def failing(action, **kw):
        if action == "hub-change":
            raise OSError("disk went away")
        return real(action, **kw)

    monkeypatch.setattr(store.audit, "record", failing)
    with pytest.raises(OSError):
        store.sync.apply_changes([change], cursor=4, epoch="E1")
    assert store.sync.state()["cursor"] == 3
    assert store.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 0


def test_confirmed_media_are_purged_after_the_set_days(store, clock):
    p = patient()
    store.patients.save(p)
    e = ready_case(store, p)
    old, new = photo(store, e.id), photo(store, e.id)
    store.sync.confirm_media(old)
    clock.advance(10 * 86400)
    store.sync.confirm_media(new)
    purged = store.sync.purge_confirmed(stamp(clock() - timedelta(days=5)))
    assert purged == 1
    assert not store.media.exists(old) and store.media.exists(new)
    assert store.sync.media_due() == []
    purged_at = {r["id"]: r["purged_at"] for r in store.attachments.all()}
    assert purged_at[old] is not None and purged_at[new] is None
