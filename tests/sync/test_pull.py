"""Hub-side actions reach the spoke: ``spoke-hub case move / prescribe / message`` (the real
hub CLI on the real hub's data) are pulled by ``sync_now`` into the spoke's store: the case
state, the prescription (``store.prescriptions.for_encounter``) and the message. Applying is
idempotent (a replay from cursor 0 changes nothing), the cursor advances to the last change,
and a small ``pull_limit`` pages through the changes.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from spoke_client.domain.encounter import CaseState
from spoke_client.domain.prescription import Prescription
from spoke_client.sync.service import SyncOutcome

from .conftest import wait_until
from .hubproc import HubProcess
from .spoke import FAST, Spoke
from .test_bad_hub import enrol_code

RX = {
    "doctor_name": "Dr Meera Iyer",
    "doctor_registration": "MMC-2011-04567",
    "diagnosis": "Acute febrile illness, likely viral",
    "items": [
        {
            "medicine": "Paracetamol",
            "strength": "500 mg",
            "dose": "1 tablet",
            "frequency": "three times a day",
            "duration_days": 3,
            "instructions": "after food",
        },
        {
            "medicine": "ORS",
            "strength": "",
            "dose": "1 sachet in 1 litre of water",
            "frequency": "sip through the day",
            "duration_days": 2,
            "instructions": "",
        },
    ],
    "advice": "Plenty of fluids. Come back if the fever lasts beyond 3 days.",
    "follow_up_days": 3,
}


def hub_change(hub: HubProcess, *args: str) -> int:
    """Run a ``spoke-hub case ...`` command; the seq of the change it printed."""
    out = hub.cli("case", *args)
    return int(re.search(r"\(change (\d+)\)", out).group(1))


def prescribe(hub: HubProcess, tmp_path: Path, case_id: str, **changes) -> int:
    path = tmp_path / f"rx-{case_id}.json"
    path.write_text(json.dumps(RX | changes), encoding="utf-8")
    return hub_change(hub, "prescribe", case_id, str(path))


def pulled_view(spoke: Spoke, *case_ids: str) -> dict:
    """What the pull wrote: each case's state, its prescriptions and messages (as records),
    and the cursor."""

    def read(s) -> dict:
        return {
            "states": {c: s.encounters.get(c).state for c in case_ids},
            "prescriptions": {
                c: sorted(
                    (p.to_record() for p in s.prescriptions.for_encounter(c)),
                    key=lambda r: r["id"],
                )
                for c in case_ids
            },
            "messages": sorted(
                (r[0], r[1], r[2])
                for r in s.conn.execute("SELECT id, encounter_id, record FROM messages")
            ),
            "cursor": s.sync.state().get("cursor"),
        }

    return spoke.session.worker.call(read)


def sync(spoke: Spoke) -> SyncOutcome:
    outcome = spoke.run(spoke.engine.sync_now())
    assert outcome.ok, outcome.problem
    return outcome


@pytest.fixture
def spoke_with_cases(hub, make_spoke):
    """A synced spoke with three ready cases: one waiting for a doctor, two sent for review."""
    spoke = make_spoke()
    spoke.provision(hub.url, enrol_code(hub, "HWC-0001"))
    cases = spoke.make_cases(3, seed=3)
    spoke.run(spoke.engine.move_case(cases[0], CaseState.WAITING_FOR_DOCTOR))
    for case in cases[1:]:
        spoke.run(spoke.engine.move_case(case, CaseState.SENT_FOR_REVIEW))
    assert sync(spoke).pushed == 9  # 3 patients, 3 cases made ready, 3 moves
    return spoke, cases


def test_hub_moves_prescriptions_and_messages_reach_the_spoke(tmp_path, hub, spoke_with_cases):
    spoke, (live, review, asked) = spoke_with_cases
    hub_change(hub, "move", live, "in_consult")
    last = prescribe(hub, tmp_path, live)  # in_consult -> prescribed, then the prescription
    hub_change(hub, "move", asked, "question_from_doctor", "--reason", "need a detail")
    last = hub_change(hub, "message", asked, "Has the fever come down since yesterday?")
    last = hub_change(hub, "move", review, "awaiting_prescription")

    outcome = sync(spoke)
    assert outcome.pulled == 6 and outcome.pushed == 0
    got = pulled_view(spoke, live, review, asked)
    assert got["states"] == {
        live: CaseState.PRESCRIBED,
        review: CaseState.AWAITING_PRESCRIPTION,
        asked: CaseState.QUESTION_FROM_DOCTOR,
    }
    [rx] = got["prescriptions"][live]
    assert Prescription.from_record(rx).doctor_registration == RX["doctor_registration"]
    assert {k: rx[k] for k in ("diagnosis", "advice", "follow_up_days")} == {
        k: RX[k] for k in ("diagnosis", "advice", "follow_up_days")
    }
    assert [i["medicine"] for i in rx["items"]] == ["Paracetamol", "ORS"]
    assert rx["encounter_id"] == live
    assert got["prescriptions"][review] == got["prescriptions"][asked] == []
    [(_id, on_case, record)] = got["messages"]
    assert on_case == asked
    assert json.loads(record)["text"] == "Has the fever come down since yesterday?"
    assert json.loads(record)["author"] == "hub doctor"
    assert got["cursor"] == last

    # Syncing again brings nothing new and changes nothing.
    assert sync(spoke).pulled == 0
    assert pulled_view(spoke, live, review, asked) == got

    # A replay of every change (the cursor lost, back to 0) lands on the same store: the
    # prescription and the message once each, the same states, the same cursor.
    spoke.session.worker.call(lambda s: s.sync.put_state(cursor=0))
    assert sync(spoke).pulled == 6
    assert pulled_view(spoke, live, review, asked) == got

    # What was pulled is the spoke's to act on: the CHO answers, the patient gets the
    # prescription; both moves reach the hub.
    spoke.run(spoke.engine.move_case(asked, CaseState.SENT_FOR_REVIEW))
    spoke.run(spoke.engine.move_case(live, CaseState.CLOSED))
    assert sync(spoke).pushed == 2
    from spoke_hub.store import HubStore

    with HubStore.open(hub.data) as store:
        assert store.encounter(asked).state == "sent_for_review"
        assert store.encounter(live).state == "closed"


def test_pages_of_two_through_seven_changes(tmp_path, hub, spoke_with_cases):
    spoke, (live, review, _asked) = spoke_with_cases
    spoke.engine.sync.settings = replace(FAST, pull_limit=2)
    seqs = [
        hub_change(hub, "move", live, "in_consult"),
        hub_change(hub, "move", live, "waiting_for_doctor", "--reason", "call dropped"),
        hub_change(hub, "move", live, "in_consult"),
        hub_change(hub, "message", review, "Photo is blurred; please retake."),
        hub_change(hub, "message", review, "Also note the child's weight."),
    ]
    seqs.append(prescribe(hub, tmp_path, live))  # two changes: prescribed, prescription
    assert seqs[-1] == seqs[0] + 6  # seven changes in all

    outcome = sync(spoke)
    assert outcome.pulled == 7
    got = pulled_view(spoke, live, review)
    assert got["cursor"] == seqs[-1]
    assert got["states"][live] == CaseState.PRESCRIBED
    assert len(got["prescriptions"][live]) == 1 and len(got["messages"]) == 2

    def pulls() -> list[str]:
        return [
            m.group(1)
            for line in list(hub.output)
            if (m := re.search(r"GET /v1/pull\?(cursor=\d+&limit=2) ", line))
        ]

    # 2 + 2 + 2 + 1: four pages, each starting where the last one ended.
    first = seqs[0]
    want = [f"cursor={c}&limit=2" for c in (first - 1, first + 1, first + 3, first + 5)]
    wait_until(lambda: len(pulls()) >= 4, 5, what="the hub's access log")
    assert pulls() == want


def test_a_replay_after_a_hub_restore_does_not_undo_the_spokes_later_moves(
    tmp_path, hub, spoke_with_cases
):
    spoke, (live, _review, asked) = spoke_with_cases
    hub_change(hub, "move", live, "in_consult")
    prescribe(hub, tmp_path, live)
    hub_change(hub, "move", asked, "question_from_doctor")
    sync(spoke)
    hub.cli("backup", str(tmp_path / "hub-backup"))
    spoke.run(spoke.engine.move_case(live, CaseState.CLOSED))
    spoke.run(spoke.engine.move_case(asked, CaseState.SENT_FOR_REVIEW))
    sync(spoke)
    hub.stop()
    hub.cli("restore", str(tmp_path / "hub-backup"))  # new epoch: the spoke sends again
    hub.start()
    sync(spoke)
    from spoke_hub.store import HubStore

    with HubStore.open(hub.data) as store:
        at_hub = {c: store.encounter(c).state for c in (live, asked)}
    assert at_hub == {live: "closed", asked: "sent_for_review"}
    assert pulled_view(spoke, live, asked)["states"] == at_hub
