"""POST /v1/push: at most once per op id, in order, one transaction, dependencies retried,
versions never regress, facilities kept apart, hub-set case states kept."""

from __future__ import annotations

import json

import pytest

from spoke_client.sync.protocol import MAX_PUSH_BYTES, MAX_PUSH_OPS, PushReply

from .conftest import attachment_record, encounter_record, op, patient_record


def test_a_patient_is_applied_and_stored(hub, spoke):
    p = patient_record()
    r = spoke.post("/v1/push", json={"ops": [op("patient", p)]})
    assert r.status_code == 200, r.text
    reply = PushReply.model_validate(r.json())
    assert [(x.status, x.replay) for x in reply.results] == [("applied", False)]
    assert reply.epoch == hub.store.epoch and reply.hub_time == "2026-11-23T05:30:00.000Z"
    stored = hub.store.patient(p["id"])
    assert stored.record == p and stored.version == 1 and stored.facility == "HWC-0001"
    assert hub.store.count("patients") == 1


def test_a_replay_gets_the_first_answer_marked_replay(hub, spoke):
    p = patient_record()
    first_op = op("patient", p)
    [first] = spoke.push(first_op)
    [again] = spoke.push(first_op)
    assert again == first | {"replay": True}
    assert hub.store.count("patients") == 1 and hub.store.count("ops") == 1

    # the same op id with other content is a conflict, and changes nothing
    changed = first_op | {"payload": p | {"village": "Sonpur"}, "version": 2}
    [conflict] = spoke.push(changed)
    assert (conflict["status"], conflict["code"]) == ("rejected", "conflict")
    assert hub.store.patient(p["id"]).record["village"] == "Rampur"


def test_a_replayed_rejection_is_the_same_rejection(spoke):
    bad = op("patient", {"id": "p-1", "name": "x"})
    [first] = spoke.push(bad)
    assert (first["status"], first["code"]) == ("rejected", "invalid")
    [again] = spoke.push(bad)
    assert again == first | {"replay": True}


@pytest.mark.parametrize(
    "change",
    [
        {"sex": "dragon"},
        {"name": None},
        {"name": 42},
        {"age_years": "thirty"},
        {"birth_date": "not a date"},
        {"id": "another-id"},
    ],
)
def test_invalid_patients_are_rejected_with_a_short_reason(hub, spoke, change):
    p = patient_record() | change
    record = {k: v for k, v in p.items() if v is not None or k != "name"}
    o = op("patient", record)
    o["entity_id"] = patient_record()["id"] if "id" in change else record["id"]
    [result] = spoke.push(o)
    assert (result["status"], result["code"]) == ("rejected", "invalid"), result
    assert result["detail"] and "dragon" not in result["detail"]
    assert hub.store.count("patients") == 0


def test_an_encounter_before_its_patient_is_retried_then_applied(hub, spoke):
    p = patient_record()
    e = encounter_record(p["id"])
    e_op = op("encounter", e)
    [early] = spoke.push(e_op)
    assert early == {
        "op_id": e_op["op_id"],
        "status": "retry",
        "code": "missing-dependency",
        "detail": f"patient:{p['id']}",
        "replay": False,
    }
    assert hub.store.count("encounters") == 0 and hub.store.count("ops") == 0

    results = spoke.push(op("patient", p), e_op)
    assert [(x["status"], x["replay"]) for x in results] == [("applied", False)] * 2
    assert hub.store.encounter(e["id"]).record == e


def test_an_attachment_before_its_encounter_is_retried(hub, spoke):
    p = patient_record()
    e = encounter_record(p["id"])
    a = attachment_record(e["id"])
    [early] = spoke.push(op("attachment", a))
    assert (early["status"], early["code"]) == ("retry", "missing-dependency")
    assert early["detail"] == f"encounter:{e['id']}"
    results = spoke.push(op("patient", p), op("encounter", e), op("attachment", a))
    assert [x["status"] for x in results] == ["applied"] * 3
    assert hub.store.attachment(a["id"]).record == a


@pytest.mark.parametrize(
    "change", [{"size": -1}, {"size": "5"}, {"sha256": "abc"}, {"created_at": "yesterday"}]
)
def test_invalid_attachments_are_rejected(spoke, change):
    p = patient_record()
    e = encounter_record(p["id"])
    spoke.push(op("patient", p), op("encounter", e))
    [result] = spoke.push(op("attachment", attachment_record(e["id"]) | change))
    assert (result["status"], result["code"]) == ("rejected", "invalid")


def test_versions_never_regress(hub, spoke):
    p = patient_record()
    v3 = op("patient", p | {"village": "Sonpur"}, version=3)
    v2 = op("patient", p | {"village": "Rampur"}, version=2)
    assert [x["status"] for x in spoke.push(v3, v2)] == ["applied", "applied"]
    stored = hub.store.patient(p["id"])
    assert (stored.version, stored.record["village"]) == (3, "Sonpur")
    [later] = spoke.push(op("patient", p | {"village": "Kheri"}, version=4))
    assert later["status"] == "applied"
    assert hub.store.patient(p["id"]).record["village"] == "Kheri"


def test_one_facility_cannot_write_anothers_records(hub, spoke, other_spoke):
    p = patient_record()
    e = encounter_record(p["id"])
    spoke.push(op("patient", p), op("encounter", e))

    [patient_grab] = other_spoke.push(op("patient", p | {"name": "Mallory"}, version=9))
    assert (patient_grab["status"], patient_grab["code"]) == ("rejected", "other-facility")
    [enc_grab] = other_spoke.push(op("encounter", e, version=9))
    assert (enc_grab["status"], enc_grab["code"]) == ("rejected", "other-facility")
    # a new encounter of its own pointing at the other facility's patient
    [borrow] = other_spoke.push(op("encounter", encounter_record(p["id"])))
    assert (borrow["status"], borrow["code"]) == ("rejected", "other-facility")
    [attach] = other_spoke.push(op("attachment", attachment_record(e["id"])))
    assert (attach["status"], attach["code"]) == ("rejected", "other-facility")

    assert hub.store.patient(p["id"]).record["name"] == "Seeta Devi"
    assert hub.store.count("encounters", "HWC-0002") == 0
    assert hub.store.count("attachments") == 0


def test_another_facilitys_op_id_is_not_replayed_to_it(spoke, other_spoke):
    p = patient_record()
    o = op("patient", p)
    spoke.push(o)
    [result] = other_spoke.push(o)
    assert (result["status"], result["code"], result["replay"]) == ("rejected", "conflict", False)


def test_a_hub_set_state_is_kept_against_a_stale_spoke(hub, spoke):
    p = patient_record()
    e = encounter_record(p["id"], state="waiting_for_doctor")
    spoke.push(op("patient", p), op("encounter", e))
    hub.store.move_case(e["id"], "in_consult")

    # the spoke, not yet pulled, edits the case still believing it waits for a doctor
    [stale] = spoke.push(op("encounter", e | {"cancel_reason": None}, version=2))
    assert (stale["status"], stale["detail"]) == ("applied", "state-kept")
    stored = hub.store.encounter(e["id"])
    assert (stored.state, stored.version, stored.record["state"]) == ("in_consult", 2, "in_consult")

    # a legal spoke move from the hub's state is taken
    cancel = e | {"state": "cancelled", "cancel_reason": "patient left"}
    [moved] = spoke.push(op("encounter", cancel, version=3))
    assert (moved["status"], moved["detail"]) == ("applied", None)
    assert hub.store.encounter(e["id"]).state == "cancelled"


def test_a_spoke_state_is_taken_when_the_hub_never_moved_it(hub, spoke):
    p = patient_record()
    e = encounter_record(p["id"], state="ready")
    spoke.push(op("patient", p), op("encounter", e))
    spoke.push(op("encounter", e | {"state": "sent_for_review"}, version=2))
    assert hub.store.encounter(e["id"]).state == "sent_for_review"


def test_too_many_ops_is_413(spoke):
    p = patient_record()
    ops = [op("patient", p, version=i + 1) for i in range(MAX_PUSH_OPS + 1)]
    r = spoke.post("/v1/push", json={"ops": ops})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too-large"


def test_a_too_large_body_is_413_whatever_content_length_says(hub, spoke):
    big = patient_record() | {"address": "x" * MAX_PUSH_BYTES}
    r = spoke.post("/v1/push", json={"ops": [op("patient", big)]})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too-large"

    # a chunked body (no Content-Length) is measured as it arrives
    body = json.dumps({"ops": [op("patient", big)]}).encode()

    def chunks():
        for i in range(0, len(body), 65536):
            yield body[i : i + 65536]

    r = spoke.post("/v1/push", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too-large"
    assert hub.store.count("patients") == 0


def test_a_batch_is_one_transaction(hub, spoke, monkeypatch):
    """If applying fails half-way, nothing of the batch is stored (and the reply is 500)."""
    import spoke_hub.push as push

    real = push._apply_attachment

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(push, "_apply_attachment", explode)
    p = patient_record()
    e = encounter_record(p["id"])
    ops = [op("patient", p), op("encounter", e), op("attachment", attachment_record(e["id"]))]
    r = spoke.post("/v1/push", json={"ops": ops})
    assert r.status_code == 500
    assert hub.store.count("patients") == 0 and hub.store.count("ops") == 0
    monkeypatch.setattr(push, "_apply_attachment", real)
    assert [x["status"] for x in spoke.push(*ops)] == ["applied"] * 3


def test_ids_that_are_not_unicode_or_versions_sqlite_cannot_hold_are_400(hub, spoke):
    p = patient_record()
    for bad in (
        op("encounter", encounter_record(p["id"]) | {"patient_id": "\ud800"}),
        op("attachment", attachment_record("\udfff")),
        op("patient", p, version=2**63),
    ):
        body = json.dumps({"ops": [bad]}).encode()  # \ud800 escapes: valid JSON, not Unicode
        r = spoke.post("/v1/push", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "bad-request"
    assert hub.store.count("ops") == 0


def test_answers_lost_after_the_commit_are_given_again_on_replay(hub, spoke):
    """The hub commits the batch and its answers, then dies before replying: the spoke
    sends the batch again and gets the first answers, marked replay, nothing twice."""
    real = hub.store.apply_push
    committed = []

    def commit_then_die(*args, **kwargs):
        committed.extend(real(*args, **kwargs))
        raise ConnectionResetError("the reply never left")

    hub.store.apply_push = commit_then_die
    p = patient_record()
    e = encounter_record(p["id"])
    ops = [op("patient", p), op("encounter", e), op("patient", {"id": "x"}, op_id="bad-op")]
    assert spoke.post("/v1/push", json={"ops": ops}).status_code == 500
    hub.store.apply_push = real

    again = spoke.push(*ops)
    assert again == [r.model_dump() | {"replay": True} for r in committed]
    assert [r["status"] for r in again] == ["applied", "applied", "rejected"]
    assert hub.store.count("patients") == 1 and hub.store.count("encounters") == 1
