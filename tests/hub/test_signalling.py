"""Live-call signalling through the real app (FastAPI TestClient WebSockets): who may open a
call socket, the queue and its wait estimate, accept, the SDP relay, ending, the grace for a
dropped side, and malformed messages."""

from __future__ import annotations

import time

import pytest

from spoke_client.sync.protocol import (
    CallEndReason,
    SigAnswer,
    SigDoctorJoined,
    SigEnded,
    SigQueue,
    WsClose,
)

from .conftest import PROTO
from .consult_support import (
    CallHubUnderTest,
    add_doctor,
    call_headers,
    close_code,
    login,
    open_call,
    open_console,
    queue_until,
    until,
    waiting_case,
)

OFFER_SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
ANSWER_SDP = "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


@pytest.fixture
def fast_hub(tmp_path, clock):
    """A hub whose calls drop after 0.4 s away and whose queue ticks every 0.3 s."""
    h = CallHubUnderTest(tmp_path, clock, call_grace_s=0.4, queue_every=0.3)
    with h.client:
        yield h
    h.store.close()


def case_state(hub, case_id: str) -> str:
    return hub.store.encounter(case_id).state


def pulled_states(spoke, case_id: str) -> list[str]:
    return [
        c["payload"]["state"]
        for c in spoke.pull()["changes"]
        if c["encounter_id"] == case_id and c["kind"] == "case_state"
    ]


# ---- who may open a call socket ------------------------------------------------------------


def test_a_device_cannot_open_another_facilitys_case_nor_read_it(hub, spoke, other_spoke):
    """Authorisation: another facility's case and an unknown case close alike."""
    case_id = waiting_case(spoke)
    closes = []
    for case in (case_id, "no-such-case"):
        with open_call(hub, other_spoke, case) as ws:
            closes.append(close_code(ws))
    assert closes == [WsClose.NOT_FOUND, WsClose.NOT_FOUND]
    # Nor through the sync API: its pull and media status show nothing of the case.
    assert all(c["encounter_id"] != case_id for c in other_spoke.pull()["changes"])
    assert other_spoke.get(f"/v1/media/{case_id}").status_code == 404
    # The console is not theirs either: a device token is no doctor session.
    r = hub.client.get(f"/console/api/cases/{case_id}", headers=other_spoke.headers)
    assert r.status_code == 401
    # Its own device gets in.
    with open_call(hub, spoke, case_id) as ws:
        assert SigQueue.model_validate(until(ws, "queue")).position == 1


def test_bad_headers_revoked_devices_and_cases_not_waiting_are_refused(hub, spoke):
    case_id = waiting_case(spoke)
    no_protocol = {"Authorization": f"Bearer {spoke.token}"}
    with hub.client.websocket_connect(f"/v1/call/{case_id}", headers=no_protocol) as ws:
        assert close_code(ws) == WsClose.PROTOCOL
    with hub.client.websocket_connect(f"/v1/call/{case_id}", headers=PROTO) as ws:
        assert close_code(ws) == WsClose.UNAUTHORISED
    bad_token = PROTO | {"Authorization": "Bearer not-a-token"}
    with hub.client.websocket_connect(f"/v1/call/{case_id}", headers=bad_token) as ws:
        assert close_code(ws) == WsClose.UNAUTHORISED

    hub.store.move_case(case_id, "in_consult")
    hub.store.move_case(case_id, "awaiting_prescription")
    with open_call(hub, spoke, case_id) as ws:
        assert close_code(ws) == WsClose.NOT_WAITING

    hub.store.revoke_device(spoke.device_id)
    with hub.client.websocket_connect(f"/v1/call/{case_id}", headers=call_headers(spoke)) as ws:
        assert close_code(ws) == WsClose.REVOKED


def test_a_second_socket_for_the_same_case_replaces_the_first(hub, spoke):
    case_id = waiting_case(spoke)
    with open_call(hub, spoke, case_id) as first:
        until(first, "queue")
        with open_call(hub, spoke, case_id) as second:
            assert close_code(first) == WsClose.REPLACED
            assert SigQueue.model_validate(until(second, "queue")).position == 1


# ---- the queue -----------------------------------------------------------------------------


def test_queue_positions_and_the_wait_estimate(hub, spoke, other_spoke):
    first = waiting_case(spoke, "Seeta Devi")
    hub.clock.advance(30)
    second = waiting_case(other_spoke, "Ramesh Kumar")
    skin = waiting_case(spoke, "Kamla Bai", specialty="dermatology")
    add_doctor(hub.store, "gp1", specialties=("general_medicine",))
    add_doctor(hub.store, "gp2", name="Dr. Two", specialties=("general_medicine",))
    gp1, gp2 = login(hub.client, "gp1"), login(hub.client, "gp2")

    with (
        open_call(hub, other_spoke, second) as b,
        open_call(hub, spoke, first) as a,
        open_call(hub, spoke, skin) as c,
    ):
        # No doctor online: places are known, the wait is not.
        qa = queue_until(a, lambda q: q.waiting == 2)
        assert (qa.position, qa.waiting, qa.doctors_online, qa.wait_s) == (1, 2, 0, None)
        qb = queue_until(b, lambda q: q.waiting == 2)
        assert (qb.position, qb.specialty) == (2, "general_medicine")
        qc = queue_until(c, lambda q: True)
        assert (qc.position, qc.waiting, qc.specialty) == (1, 1, "dermatology")

        with open_console(hub, gp1) as console:
            queue = until(console, "queue")
            assert [i["case_id"] for i in queue["live"]] == [first, second]  # oldest first
            assert all(i["spoke_online"] for i in queue["live"])
            assert queue["live"][0]["patient_name"] == "Seeta Devi"
            assert queue["live"][0]["age"] == "34 y" and queue["live"][0]["sex"] == "female"
            # One doctor, no consults yet: 600 s per place.
            q = queue_until(b, lambda q: q.doctors_online == 1)
            assert q.wait_s == 1200
            assert queue_until(a, lambda q: q.doctors_online == 1).wait_s == 600
            # The dermatology case has no doctor of its own yet.
            assert queue_until(c, lambda q: True).doctors_online == 0

            with open_console(hub, gp2) as console2:
                until(console2, "queue")
                q = queue_until(b, lambda q: q.doctors_online == 2)
                assert q.wait_s == 600  # 2 x 600 / 2


def test_the_wait_uses_the_mean_length_of_recent_consults(hub, spoke):
    add_doctor(hub.store)
    token = login(hub.client)
    for minutes in (4, 8):  # two consults, 4 and 8 minutes
        case_id = waiting_case(spoke)
        with open_call(hub, spoke, case_id) as call, open_console(hub, token) as console:
            until(call, "queue")
            console.send_json({"type": "accept", "case_id": case_id})
            accepted = until(console, "accepted")
            hub.clock.advance(minutes * 60)
            console.send_json({"type": "end", "case_id": case_id, "call_id": accepted["call_id"]})
            until(console, "ended")
    one, two = waiting_case(spoke), waiting_case(spoke)
    with open_call(hub, spoke, one), open_call(hub, spoke, two) as second:
        with open_console(hub, token) as console:
            until(console, "queue")
            q = queue_until(second, lambda q: q.doctors_online == 1 and q.waiting == 2)
            assert (q.position, q.wait_s) == (2, 720)  # 2 x mean(240, 480) / 1


def test_the_queue_is_resent_at_least_every_tick(fast_hub):
    spoke = fast_hub.enrol("HWC-0001")
    case_id = waiting_case(spoke)
    with open_call(fast_hub, spoke, case_id) as ws:
        until(ws, "queue")
        started = time.monotonic()
        for _ in range(3):
            until(ws, "queue")  # nothing changes: these come from the ticker
        assert time.monotonic() - started < 5


def test_a_doctor_sees_only_their_specialties_and_review_cases_apart(hub, spoke):
    general = waiting_case(spoke)
    skin = waiting_case(spoke, "Kamla Bai", specialty="dermatology")
    review = waiting_case(spoke, "Gita", state="sent_for_review")
    add_doctor(hub.store, "derm", specialties=("dermatology",))
    add_doctor(hub.store, "any", name="Dr. Any")
    for username, live, reviews in (
        ("derm", [skin], []),
        ("any", [general, skin], [review]),
    ):
        token = login(hub.client, username)
        r = hub.client.get("/console/api/queue", headers={"Cookie": f"spoke_doctor={token}"})
        assert r.status_code == 200
        body = r.json()
        assert body["type"] == "queue"
        assert [i["case_id"] for i in body["live"]] == live
        assert [i["case_id"] for i in body["review"]] == reviews
        assert not any(i["spoke_online"] for i in body["live"])  # no call socket open


# ---- accept, relay, end --------------------------------------------------------------------


def test_accept_relay_and_the_doctor_ends(hub, spoke):
    case_id = waiting_case(spoke)
    add_doctor(hub.store)
    token = login(hub.client)
    with open_call(hub, spoke, case_id) as call, open_console(hub, token) as console:
        until(call, "queue")
        until(console, "queue")
        console.send_json({"type": "accept", "case_id": case_id})
        accepted = until(console, "accepted")
        call_id = accepted["call_id"]
        assert accepted["case_id"] == case_id
        joined = SigDoctorJoined.model_validate(until(call, "doctor-joined"))
        assert joined == SigDoctorJoined(
            call_id=call_id, doctor_name="Dr. Asha Rao", registration="KMC-12345"
        )
        # The hub's move reaches the spoke on its next pull.
        assert case_state(hub, case_id) == "in_consult"
        assert pulled_states(spoke, case_id) == ["in_consult"]

        call.send_json({"type": "offer", "call_id": call_id, "attempt": 1, "sdp": OFFER_SDP})
        offer = until(console, "offer")
        assert offer == {
            "type": "offer",
            "case_id": case_id,
            "call_id": call_id,
            "attempt": 1,
            "sdp": OFFER_SDP,
        }
        console.send_json(
            {
                "type": "answer",
                "case_id": case_id,
                "call_id": call_id,
                "attempt": 1,
                "sdp": ANSWER_SDP,
            }
        )
        answer = SigAnswer.model_validate(until(call, "answer"))
        assert (answer.call_id, answer.attempt, answer.sdp) == (call_id, 1, ANSWER_SDP)

        call.send_json({"type": "link", "call_id": call_id, "quality": "weak"})
        assert until(console, "link") == {"type": "link", "case_id": case_id, "quality": "weak"}

        console.send_json({"type": "end", "case_id": case_id, "call_id": call_id})
        ended = SigEnded.model_validate(until(call, "ended"))
        assert (ended.call_id, ended.by, ended.reason) == (call_id, "doctor", "finished")
        assert close_code(call) == 1000
        doctor_ended = until(console, "ended")
        assert doctor_ended["reason"] == "finished" and doctor_ended["by"] == "doctor"
    assert case_state(hub, case_id) == "awaiting_prescription"
    assert pulled_states(spoke, case_id) == ["in_consult", "awaiting_prescription"]


def test_the_spoke_hangs_up(hub, spoke):
    case_id = waiting_case(spoke)
    add_doctor(hub.store)
    token = login(hub.client)
    with open_call(hub, spoke, case_id) as call, open_console(hub, token) as console:
        until(call, "queue")
        console.send_json({"type": "accept", "case_id": case_id})
        call_id = until(console, "accepted")["call_id"]
        until(call, "doctor-joined")
        call.send_json({"type": "end", "call_id": call_id})
        ended = until(console, "ended")
        assert (ended["by"], ended["reason"]) == ("spoke", CallEndReason.HUNG_UP)
        assert SigEnded.model_validate(until(call, "ended")).reason == "hung-up"
        # The doctor's console stays open for the next case.
        console.send_json({"type": "end", "case_id": case_id, "call_id": call_id})
        assert until(console, "error")["code"] == "no-call"
    assert case_state(hub, case_id) == "awaiting_prescription"


def test_leaving_the_queue_keeps_the_case_waiting(hub, spoke):
    case_id = waiting_case(spoke)
    with open_call(hub, spoke, case_id) as call:
        until(call, "queue")
        call.send_json({"type": "end", "call_id": None})
        ended = SigEnded.model_validate(until(call, "ended"))
        assert (ended.by, ended.reason, ended.call_id) == ("spoke", "left-queue", None)
        assert close_code(call) == 1000
    assert case_state(hub, case_id) == "waiting_for_doctor"


def test_accept_needs_a_connected_waiting_case_and_a_free_doctor(hub, spoke):
    online, offline = waiting_case(spoke), waiting_case(spoke, "Offline Patient")
    skin = waiting_case(spoke, "Kamla Bai", specialty="dermatology")
    add_doctor(hub.store, specialties=("general_medicine",))
    add_doctor(hub.store, "ravi", name="Dr. Ravi")
    token, ravi = login(hub.client), login(hub.client, "ravi")
    with open_call(hub, spoke, online) as call, open_call(hub, spoke, skin):
        until(call, "queue")
        with open_console(hub, token) as console, open_console(hub, ravi) as other:
            for case, code in (
                (offline, "spoke-offline"),
                (skin, "not-found"),
                ("nope", "not-found"),
            ):
                console.send_json({"type": "accept", "case_id": case})
                assert until(console, "error")["code"] == code
            console.send_json({"type": "accept", "case_id": online})
            until(console, "accepted")
            other.send_json({"type": "accept", "case_id": online})
            assert until(other, "error")["code"] == "not-waiting"  # taken already
            console.send_json({"type": "accept", "case_id": skin})
            assert until(console, "error")["code"] == "busy"
            # Someone else's call cannot be answered or ended.
            call_id = until(call, "doctor-joined")["call_id"]
            other.send_json({"type": "end", "case_id": online, "call_id": call_id})
            assert until(other, "error")["code"] == "no-call"
    assert case_state(hub, offline) == "waiting_for_doctor"


# ---- a side away: grace, dropped, back ------------------------------------------------------


def test_a_spoke_back_within_the_grace_offers_afresh_on_the_same_call(tmp_path, clock):
    hub = CallHubUnderTest(tmp_path, clock, call_grace_s=30)
    with hub.client:
        spoke = hub.enrol()
        case_id = waiting_case(spoke)
        add_doctor(hub.store)
        token = login(hub.client)
        with open_console(hub, token) as console:
            with open_call(hub, spoke, case_id) as call:
                until(call, "queue")
                console.send_json({"type": "accept", "case_id": case_id})
                call_id = until(console, "accepted")["call_id"]
                until(call, "doctor-joined")
            away = until(console, "peer-away")
            assert away == {"type": "peer-away", "case_id": case_id, "call_id": call_id}
            with open_call(hub, spoke, case_id) as call:
                assert until(call, "doctor-joined")["call_id"] == call_id
                call.send_json({"type": "offer", "call_id": call_id, "attempt": 2, "sdp": "x"})
                assert until(console, "offer")["attempt"] == 2
            assert case_state(hub, case_id) == "in_consult"
    hub.store.close()


def test_a_doctor_back_within_the_grace_gets_accepted_again(tmp_path, clock):
    hub = CallHubUnderTest(tmp_path, clock, call_grace_s=30)
    with hub.client:
        spoke = hub.enrol()
        case_id = waiting_case(spoke)
        add_doctor(hub.store)
        token = login(hub.client)
        with open_call(hub, spoke, case_id) as call:
            until(call, "queue")
            with open_console(hub, token) as console:
                console.send_json({"type": "accept", "case_id": case_id})
                call_id = until(console, "accepted")["call_id"]
                until(call, "doctor-joined")
            assert until(call, "peer-away")["call_id"] == call_id
            with open_console(hub, token) as console:
                again = until(console, "accepted")
                assert again == {"type": "accepted", "case_id": case_id, "call_id": call_id}
                assert until(call, "doctor-joined")["call_id"] == call_id  # offer afresh
    hub.store.close()


def test_a_spoke_away_past_the_grace_drops_the_call_back_to_the_queue(fast_hub):
    spoke = fast_hub.enrol()
    case_id = waiting_case(spoke)
    add_doctor(fast_hub.store)
    token = login(fast_hub.client)
    with open_console(fast_hub, token) as console:
        with open_call(fast_hub, spoke, case_id) as call:
            until(call, "queue")
            console.send_json({"type": "accept", "case_id": case_id})
            call_id = until(console, "accepted")["call_id"]
        until(console, "peer-away")
        ended = until(console, "ended")  # after 0.4 s
        assert (ended["call_id"], ended["by"], ended["reason"]) == (call_id, "hub", "dropped")
        assert case_state(fast_hub, case_id) == "waiting_for_doctor"
        assert pulled_states(spoke, case_id) == ["in_consult", "waiting_for_doctor"]
        with open_call(fast_hub, spoke, case_id) as call:  # back in the queue, first
            assert SigQueue.model_validate(until(call, "queue")).position == 1


def test_a_doctor_away_past_the_grace_drops_the_call(fast_hub):
    spoke = fast_hub.enrol()
    case_id = waiting_case(spoke)
    add_doctor(fast_hub.store)
    token = login(fast_hub.client)
    with open_call(fast_hub, spoke, case_id) as call:
        until(call, "queue")
        with open_console(fast_hub, token) as console:
            console.send_json({"type": "accept", "case_id": case_id})
            until(console, "accepted")
        until(call, "peer-away")
        ended = SigEnded.model_validate(until(call, "ended"))
        assert (ended.by, ended.reason) == ("hub", "dropped")
        q = SigQueue.model_validate(until(call, "queue"))  # waiting again, socket kept
        assert q.position == 1 and q.doctors_online == 0
    assert case_state(fast_hub, case_id) == "waiting_for_doctor"


def test_a_case_left_in_consult_by_a_restart_goes_back_to_the_queue(hub, spoke):
    case_id = waiting_case(spoke)
    hub.store.move_case(case_id, "in_consult")  # as if the hub died mid-call
    with open_call(hub, spoke, case_id) as call:
        assert SigQueue.model_validate(until(call, "queue")).position == 1
    assert case_state(hub, case_id) == "waiting_for_doctor"


# ---- malformed messages --------------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        '{"type": "dance"}',
        '{"type": "offer", "call_id": "c"}',
        '{"type": "offer", "call_id": "c", "attempt": 0, "sdp": "x"}',
        '{"type": "end", "call_id": null, "extra": 1}',
        "[1, 2]",
        b"\x00\x01binary",
    ],
)
def test_malformed_spoke_messages_close_with_bad_message(hub, spoke, frame):
    case_id = waiting_case(spoke)
    with open_call(hub, spoke, case_id) as call:
        until(call, "queue")
        if isinstance(frame, bytes):
            call.send_bytes(frame)
        else:
            call.send_text(frame)
        assert close_code(call) == WsClose.BAD_MESSAGE
    assert hub.client.get("/healthz").status_code == 200
    with open_call(hub, spoke, case_id) as call:  # the hub is still up and the case waits
        assert SigQueue.model_validate(until(call, "queue")).position == 1


@pytest.mark.parametrize(
    "frame",
    [
        "{",
        '{"type": "accept"}',
        '{"type": "answer", "case_id": "x", "call_id": "y", "attempt": 1}',
        '{"type": "accept", "case_id": "' + "x" * 100 + '"}',
        '"accept"',
    ],
)
def test_malformed_console_messages_close_with_bad_message(hub, frame):
    add_doctor(hub.store)
    token = login(hub.client)
    with open_console(hub, token) as console:
        until(console, "queue")
        console.send_text(frame)
        assert close_code(console) == WsClose.BAD_MESSAGE
    with open_console(hub, token) as console:
        assert until(console, "queue")["live"] == []
