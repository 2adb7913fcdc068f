"""The live consult use cases on the real encrypted store: the state checks and moves, sync
paused for the call and resumed after, the devices closed however the call ends, and "send
for review" keeping everything captured. The call and the devices are local stand-ins that
record what the desk asks of them (the call itself is tested in tests/call)."""

from __future__ import annotations

import asyncio
import queue
from typing import Any

import numpy as np
import pytest

from spoke_client.capture.errors import CameraUnavailable, MicrophoneUnavailable
from spoke_client.domain.encounter import CaseState
from spoke_client.domain.refusals import DomainRefused
from spoke_client.engine.consult import (
    CallFailed,
    CallParts,
    ConsultDesk,
    ConsultRefused,
    DoctorJoined,
    Ended,
    Queued,
)
from spoke_client.engine.session import EngineSession
from spoke_client.store.store import Store

from ..conftest import PIN
from .test_engine import IST, SEETA, intake

CALL_SETTINGS = {"relay_only": True, "ice_servers": [{"urls": "turn:turn.example:3478"}]}


class FakeCall:
    """Stands in for ``ConsultCall``: tells the queue and a doctor, then waits to be ended
    (or fails with ``fail`` when set)."""

    made: list[FakeCall] = []

    def __init__(self, **kw: Any) -> None:
        self.kw = kw
        self.ended = asyncio.Event()
        self.muted: list[bool] = []
        self.camera_off: list[bool] = []
        self.fail: str | None = None
        FakeCall.made.append(self)

    async def run(self) -> Ended | CallFailed:
        await self.kw["connect"]()
        self.kw["on_event"](Queued(position=2, waiting=3, doctors_online=1, wait_s=600))
        self.kw["on_event"](DoctorJoined(doctor_name="Dr. Test Doctor", registration="TEST-1"))
        self.kw["on_remote_frame"](np.zeros((48, 64, 3), np.uint8))
        self.kw["on_remote_frame"](np.full((48, 64, 3), 200, np.uint8))
        if self.fail:
            return CallFailed(kind=self.fail)
        await self.ended.wait()
        self.kw["on_event"](Ended(by="spoke", reason="hung-up"))  # the desk tells it once
        return Ended(by="spoke", reason="hung-up")

    async def end(self) -> None:
        self.ended.set()

    def set_muted(self, muted: bool) -> None:
        self.muted.append(muted)

    def set_camera_off(self, off: bool) -> None:
        self.camera_off.append(off)

    def snapshot(self) -> dict:
        return {"state": "connected"}


class FakeDevices:
    """The capture desk's camera and microphone calls, counted."""

    def __init__(self) -> None:
        self.settings: dict = {"audio_devices": {"output_device": "Test speaker"}}
        self.open: set[str] = set()
        self.camera_fails = self.microphone_fails = False

    async def open_camera(self):
        if self.camera_fails:
            raise CameraUnavailable(reason="absent")
        self.open.add("camera")
        return "camera"

    def latest_frame(self, handle):
        return None

    def camera_status(self, handle):
        return None

    async def close_camera(self, handle) -> None:
        self.open.discard("camera")

    async def open_microphone(self):
        if self.microphone_fails:
            raise MicrophoneUnavailable(reason="absent")
        self.open.add("microphone")

        class Mic:
            samplerate = 48000

            @staticmethod
            def read(timeout):
                return None

        handle = type("Handle", (), {})()
        handle.microphone = Mic()
        return handle

    async def close_microphone(self, handle) -> None:
        self.open.discard("microphone")


class FakeSpeaker:
    def __init__(self, devices: FakeDevices, device: str | None) -> None:
        self.devices, self.device = devices, device

    def start(self) -> None:
        self.devices.open.add(f"speaker:{self.device}")

    def close(self) -> None:
        self.devices.open.discard(f"speaker:{self.device}")


@pytest.fixture
def desk(store, paths, clock):
    store.close()
    FakeCall.made.clear()
    s = EngineSession(
        lambda: Store.open(paths, operator="asha", pin=PIN, clock=clock), clock=clock, tz=IST
    )
    with s:
        engine = s.engine
        devices = FakeDevices()
        connects: list[tuple[str, str]] = []

        async def connect(link, encounter_id):
            connects.append((link["hub_url"], encounter_id))

        parts = CallParts(
            make_call=FakeCall,
            connect=connect,
            video_track=lambda latest: ("video", latest),
            audio_track=lambda read, rate: ("audio", rate),
            speaker=lambda device: FakeSpeaker(devices, device),
        )
        engine.capture = devices
        engine.consult = ConsultDesk(engine, parts=lambda: parts, push_timeout_s=10)
        s.devices, s.connects = devices, connects
        yield s


def link(s: EngineSession) -> None:
    row = {
        "hub_url": "http://127.0.0.1:9",  # nothing listens: the push fails fast
        "device_id": "dev-1",
        "token": "t",
        "facility_code": "HWC-0001",
        "facility_name": "Test Sub-centre",
        "hub_id": "hub-1",
        "extra": {"call": CALL_SETTINGS},
    }
    s.worker.call(lambda st: st.sync.save_link(row))


def ready_case(s: EngineSession, attach: bool = False) -> str:
    e = s.engine
    patient = s.run(e.register_patient(SEETA))
    eid = s.run(e.save_draft(None, patient.id, {}, "patient")).encounter_id
    if attach:
        s.run(e.attach_media(eid, [b"\xff\xd8\xff" + b"x" * 2000], kind="photo", mime="image/jpeg"))
    s.run(e.complete_intake(eid, intake()))
    return eid


def start(s: EngineSession, eid: str) -> queue.Queue:
    events: queue.Queue = queue.Queue()
    s.run(s.engine.consult.start_consult(eid, events.put))
    return events


def next_event(events: queue.Queue, kind: type) -> Any:
    while True:
        event = events.get(timeout=15)
        if isinstance(event, kind):
            return event


def state(s: EngineSession, eid: str) -> CaseState:
    return s.worker.call(lambda st: st.encounters.get(eid)).state


def paused(s: EngineSession) -> bool:
    return s.run(s.engine.sync_status()).paused_for_call


def test_a_consult_needs_a_hub_link_and_a_ready_case(desk):
    eid = ready_case(desk)
    with pytest.raises(ConsultRefused) as refused:
        start(desk, eid)
    assert refused.value.kind == "no-hub-link"
    assert state(desk, eid) is CaseState.READY

    link(desk)
    patient = desk.run(desk.engine.register_patient(dict(SEETA, name="Test Patient Two")))
    draft = desk.run(desk.engine.save_draft(None, patient.id, {}, "patient")).encounter_id
    with pytest.raises(ConsultRefused) as refused:
        start(desk, draft)
    assert (refused.value.kind, refused.value.params["state"]) == ("wrong-state", "draft")
    assert desk.run(desk.engine.consult.consult_snapshot()) is None  # the desk is free
    assert not paused(desk) and FakeCall.made == []


def test_a_consult_moves_the_case_pushes_it_pauses_sync_and_resumes_after(desk):
    link(desk)
    eid = ready_case(desk)
    rounds = desk.engine.sync.rounds
    events = start(desk, eid)
    assert state(desk, eid) is CaseState.WAITING_FOR_DOCTOR
    assert next_event(events, Queued).position == 2
    assert next_event(events, DoctorJoined).registration == "TEST-1"
    assert desk.engine.sync.rounds == rounds + 1  # pushed before joining the queue
    assert paused(desk)
    assert desk.devices.open == {"camera", "microphone", "speaker:Test speaker"}
    call = FakeCall.made[0]
    assert desk.connects == [("http://127.0.0.1:9", eid)]
    assert call.kw["relay_only"] is True
    assert call.kw["ice_servers"] == CALL_SETTINGS["ice_servers"]
    assert call.kw["video_source"][0] == "video" and call.kw["audio_source"] == ("audio", 48000)
    frame = desk.engine.consult.remote_frame()
    assert frame.seq == 1 and frame.image[0, 0, 0] == 200  # the latest picture only

    with pytest.raises(ConsultRefused) as refused:  # one call at a time
        start(desk, eid)
    assert refused.value.kind == "call-in-progress"

    assert desk.run(desk.engine.consult.consult_mute(True))
    assert desk.run(desk.engine.consult.consult_camera_off(True))
    assert (call.muted, call.camera_off) == ([True], [True])
    snap = desk.run(desk.engine.consult.consult_snapshot())
    assert snap["phase"] == "with-doctor" and snap["call"] == {"state": "connected"}

    seen_at_end = []
    events_at_end: queue.Queue = queue.Queue()

    def on_end(event):  # what was true when the outcome arrived
        seen_at_end.append((set(desk.devices.open), desk.engine.consult.active_case))
        events_at_end.put(event)

    # the outcome comes through the listener given at the start
    desk.engine.consult._consult.on_event = on_end
    assert desk.run(desk.engine.consult.end_consult())
    assert next_event(events_at_end, Ended) == Ended(by="spoke", reason="hung-up")
    assert events_at_end.empty()  # told once, though the call also said it
    assert seen_at_end == [(set(), None)]  # devices closed and desk free before the outcome
    assert not paused(desk)
    assert state(desk, eid) is CaseState.WAITING_FOR_DOCTOR  # the hub moves it after a call


def test_a_failed_call_closes_the_devices_and_resumes_sync(desk):
    link(desk)
    eid = ready_case(desk)

    original = FakeCall.__init__

    def failing(self, **kw):
        original(self, **kw)
        self.fail = "hub-unreachable"

    FakeCall.__init__ = failing
    try:
        events = start(desk, eid)
        assert next_event(events, CallFailed) == CallFailed(kind="hub-unreachable")
    finally:
        FakeCall.__init__ = original
    assert desk.devices.open == set() and not paused(desk)
    assert desk.engine.consult.active_case is None


def test_no_microphone_fails_the_call_and_no_camera_goes_on_without_video(desk):
    link(desk)
    eid = ready_case(desk)
    desk.devices.microphone_fails = True
    events = start(desk, eid)
    assert next_event(events, CallFailed) == CallFailed(kind="microphone")
    assert desk.devices.open == set() and not paused(desk) and FakeCall.made == []

    desk.devices.microphone_fails, desk.devices.camera_fails = False, True
    events = start(desk, eid)
    next_event(events, DoctorJoined)
    assert FakeCall.made[0].kw["video_source"] is None
    snap = desk.run(desk.engine.consult.consult_snapshot())
    assert snap["camera_problem"] == "absent"
    desk.run(desk.engine.consult.end_consult())
    next_event(events, Ended)


def test_leaving_while_joining_ends_before_any_call_is_made(desk):
    link(desk)
    eid = ready_case(desk)
    gate = asyncio.Event()

    async def slow_sync_now():
        await gate.wait()  # the push is still going when the operator leaves

    desk.engine.sync.sync_now = slow_sync_now
    events = start(desk, eid)
    assert desk.run(desk.engine.consult.end_consult())
    assert next_event(events, Ended) == Ended(by="spoke", reason="left-queue")
    assert FakeCall.made == [] and desk.devices.open == set() and not paused(desk)


def test_send_for_review_ends_the_call_and_keeps_everything_captured(desk):
    link(desk)
    eid = ready_case(desk, attach=True)
    before = desk.run(desk.engine.list_attachments(eid))
    events = start(desk, eid)
    next_event(events, DoctorJoined)
    assert paused(desk)

    moved = desk.run(desk.engine.consult.send_for_review(eid))
    assert moved.state is CaseState.SENT_FOR_REVIEW
    assert next_event(events, Ended).by == "spoke"
    assert desk.engine.consult.active_case is None and not paused(desk)
    assert desk.devices.open == set()
    assert desk.run(desk.engine.list_attachments(eid)) == before and len(before) == 1
    assert moved.vitals is not None and moved.complaints
    ops = desk.worker.call(lambda st: st.outbox.for_entity(eid))
    assert [o["state"] for o in ops].count("pending") >= 1
    assert '"sent_for_review"' in ops[-1]["payload"]
    # again is harmless; a draft cannot go for review
    assert desk.run(desk.engine.consult.send_for_review(eid)).state is CaseState.SENT_FOR_REVIEW
    patient = desk.run(desk.engine.register_patient(dict(SEETA, name="Test Patient Three")))
    draft = desk.run(desk.engine.save_draft(None, patient.id, {}, "patient")).encounter_id
    with pytest.raises(DomainRefused):
        desk.run(desk.engine.consult.send_for_review(draft))


def test_send_for_review_of_a_ready_case_needs_no_call(desk):
    eid = ready_case(desk)  # no hub link needed: it goes when sync can
    assert desk.run(desk.engine.consult.send_for_review(eid)).state is CaseState.SENT_FOR_REVIEW
    assert FakeCall.made == []


def test_a_real_hub_queues_the_case_and_lets_it_leave(tmp_path):
    """The real call (ConsultCall, the call socket, the hub's signalling) joins the queue of a
    real hub process; no doctor is online, so the operator leaves. Camera and microphone are
    the stand-ins (a black picture and silence go out); the speaker too."""
    from dataclasses import replace

    from tests.sync.hubproc import HubProcess
    from tests.sync.spoke import Spoke

    hub = HubProcess(tmp_path / "hub").start()
    spoke = Spoke(tmp_path / "spoke")
    try:
        spoke.provision(hub.url, hub.enrol_code("HWC-0001"))
        engine = spoke.engine
        devices = FakeDevices()
        engine.capture = devices
        real = CallParts.real()
        engine.consult = ConsultDesk(
            engine, parts=lambda: replace(real, speaker=lambda d: QuietSpeaker(devices, d))
        )
        eid = ready_case(spoke.session)
        events: queue.Queue = queue.Queue()
        spoke.run(engine.consult.start_consult(eid, events.put))
        queued = next_event(events, Queued)
        assert (queued.position, queued.doctors_online, queued.wait_s) == (1, 0, None)
        assert spoke.run(engine.sync_status()).paused_for_call
        assert state(spoke.session, eid) is CaseState.WAITING_FOR_DOCTOR

        spoke.run(engine.consult.end_consult())
        assert next_event(events, Ended) == Ended(by="spoke", reason="left-queue")
        assert devices.open == set()
        assert not spoke.run(engine.sync_status()).paused_for_call
    finally:
        spoke.close()
        hub.stop()


class QuietSpeaker(FakeSpeaker):
    def clear(self) -> None:
        pass

    def push(self, frame) -> None:
        pass
