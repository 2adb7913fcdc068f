"""GET /v1/pull and the hub-side actions that make changes: moves, prescriptions, messages."""

from __future__ import annotations

import pytest

from spoke_client.domain.prescription import Prescription
from spoke_client.sync.protocol import PullReply
from spoke_hub.model import HubRefused

from .conftest import encounter_record, op, patient_record

RX = {
    "doctor_name": "Dr. Anjali Rao",
    "doctor_registration": "KMC-12345",
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
    "advice": "Fluids and rest",
    "follow_up_days": 5,
}


def sent_case(spoke, state: str = "waiting_for_doctor") -> str:
    p = patient_record()
    e = encounter_record(p["id"], state=state)
    assert [x["status"] for x in spoke.push(op("patient", p), op("encounter", e))] == [
        "applied",
        "applied",
    ]
    return e["id"]


def test_nothing_to_pull_keeps_the_cursor(hub, spoke):
    reply = PullReply.model_validate(spoke.pull(cursor=7))
    assert (reply.cursor, reply.changes, reply.more) == (7, [], False)
    assert reply.epoch == hub.store.epoch and reply.hub_time == "2026-11-23T05:30:00.000Z"


def test_a_consult_arrives_as_changes_in_order(hub, spoke, clock):
    case = sent_case(spoke)
    hub.store.move_case(case, "in_consult")
    clock.advance(60)
    hub.store.message(case, "Please check the temperature again", author="Dr. Rao")
    hub.store.prescribe(case, RX)

    reply = PullReply.model_validate(spoke.pull())
    kinds = [(c.kind.value, c.payload.get("state")) for c in reply.changes]
    assert kinds == [
        ("case_state", "in_consult"),
        ("message", None),
        ("case_state", "prescribed"),
        ("prescription", None),
    ]
    assert all(c.encounter_id == case for c in reply.changes)
    message = reply.changes[1].payload
    assert message["text"] == "Please check the temperature again"
    assert message["author"] == "Dr. Rao" and message["at"] == "2026-11-23T05:31:00.000Z"
    rx = Prescription.from_record(reply.changes[3].payload)
    assert rx.encounter_id == case and rx.items[0].medicine == "Paracetamol"
    assert reply.cursor == reply.changes[-1].seq and not reply.more
    assert hub.store.encounter(case).state == "prescribed"

    again = spoke.pull(cursor=reply.cursor)
    assert again["changes"] == [] and again["cursor"] == reply.cursor


def test_pull_pages_with_the_cursor(hub, spoke):
    case = sent_case(spoke)
    for i in range(7):
        hub.store.message(case, f"note {i}")
    seen, cursor, pages = [], 0, 0
    while True:
        reply = spoke.pull(cursor=cursor, limit=3)
        pages += 1
        seen += [c["payload"]["text"] for c in reply["changes"]]
        cursor = reply["cursor"]
        if not reply["more"]:
            break
    assert seen == [f"note {i}" for i in range(7)] and pages == 3


def test_limit_is_capped_and_checked(hub, spoke):
    case = sent_case(spoke)
    for i in range(3):
        hub.store.message(case, f"note {i}")
    assert len(spoke.pull(limit=5000)["changes"]) == 3  # capped at 1000, not refused
    assert spoke.get("/v1/pull", params={"limit": 0}).status_code == 400


def test_a_facility_pulls_only_its_own_changes(hub, spoke, other_spoke):
    mine = sent_case(spoke)
    theirs = sent_case(other_spoke)
    hub.store.message(mine, "for HWC-0001")
    hub.store.message(theirs, "for HWC-0002")
    assert [c["payload"]["text"] for c in spoke.pull()["changes"]] == ["for HWC-0001"]
    assert [c["payload"]["text"] for c in other_spoke.pull()["changes"]] == ["for HWC-0002"]


def test_the_hub_makes_only_its_own_moves(hub, spoke):
    case = sent_case(spoke, state="ready")
    with pytest.raises(HubRefused) as refused:
        hub.store.move_case(case, "in_consult")  # ready -> in_consult is no move at all
    assert refused.value.code == "illegal-state" and "ready" in refused.value.message
    with pytest.raises(HubRefused, match="belongs to the spoke"):
        hub.store.move_case(case, "sent_for_review")
    with pytest.raises(HubRefused, match="not a case state"):
        hub.store.move_case(case, "teleported")
    with pytest.raises(HubRefused) as missing:
        hub.store.move_case("no-such-case", "in_consult")
    assert missing.value.code == "not-found"
    assert spoke.pull()["changes"] == []


def test_a_prescription_is_checked_before_it_is_issued(hub, spoke):
    case = sent_case(spoke, state="sent_for_review")
    with pytest.raises(HubRefused, match="doctor_registration"):
        hub.store.prescribe(case, RX | {"doctor_registration": ""})
    with pytest.raises(HubRefused, match="another case"):
        hub.store.prescribe(case, RX | {"encounter_id": "other"})
    draft = sent_case(spoke, state="draft")
    with pytest.raises(HubRefused, match="draft"):
        hub.store.prescribe(draft, RX)
    assert spoke.pull()["changes"] == []
    hub.store.prescribe(case, RX | {"id": "rx-1"})
    assert [c["kind"] for c in spoke.pull()["changes"]] == ["case_state", "prescription"]
    with pytest.raises(HubRefused, match="already issued"):
        hub.store.prescribe(case, RX | {"id": "rx-1"})
    hub.store.prescribe(case, RX | {"diagnosis": "Corrected"})  # a second one, no move
    kinds = [c["kind"] for c in spoke.pull()["changes"]]
    assert kinds == ["case_state", "prescription", "prescription"]
