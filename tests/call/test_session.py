"""``ConsultCall`` with real aiortc on both sides: the doctor is a second aiortc peer
connection behind an in-test hub relay (tests/call/support.py), the doctor's voice plays on
the test session's PulseAudio null sink through a real ``AudioSink``.

What is measured: the call connects; the spoke decodes the doctor's moving pattern and
hears the doctor's tone; mute and camera-off reach the doctor; a doctor that stops
answering the heartbeat is reported lost within 5 s and the call reconnects by itself;
ending from either side ends both; refused sockets and a missing speaker fail the call with
a code."""

from __future__ import annotations

import asyncio
import gc
import logging
import time

import numpy as np
import pytest

from spoke_client.call.events import (
    CallFailed,
    Connected,
    DoctorJoined,
    Ended,
    LinkLost,
    PeerAway,
    Quality,
    QualityChanged,
    Queued,
    Reconnecting,
    Step,
)
from spoke_client.call.ladder import Ladder
from spoke_client.call.playback import AudioSink
from spoke_client.call.session import ConsultCall
from spoke_client.call.tuning import CallTuning
from spoke_client.capture.tracks import CameraVideoTrack
from spoke_client.sync import protocol as p
from spoke_client.sync.signalling import open_call_socket
from tests.call.support import (
    Doctor,
    EventLog,
    HubRelay,
    ToneTrack,
    bar_position,
    moving_pattern,
)
from tests.capture.conftest import dominant_frequency, sound_server  # noqa: F401

QUEUE = {
    "type": "queue",
    "specialty": "general",
    "position": 1,
    "waiting": 1,
    "doctors_online": 1,
    "wait_s": 600,
}


class Spoke:
    """One ``ConsultCall`` wired to the relay, with what it showed and played."""

    def __init__(self, relay: HubRelay, *, speaker: AudioSink | None, tuning=None) -> None:
        self.relay = relay
        self.events = EventLog()
        self.frames: list[tuple[float, np.ndarray]] = []
        self.tapped: list[np.ndarray] = []
        link = {"hub_url": relay.url, "token": relay.token}
        self.call = ConsultCall(
            encounter_id=relay.encounter_id,
            connect=lambda: open_call_socket(link, relay.encounter_id),
            video_source=CameraVideoTrack(moving_pattern(640, 480, (40, 200, 250)), fps=15),
            audio_source=ToneTrack(440.0),
            speaker=speaker,
            ice_servers=[],
            relay_only=False,
            tuning=tuning or CallTuning(),
            on_event=self.events,
            on_remote_frame=self._frame,
        )
        self.task: asyncio.Task | None = None

    def _frame(self, image: np.ndarray) -> None:
        self.frames.append((time.monotonic(), image))

    def start(self) -> None:
        self.task = asyncio.ensure_future(self.call.run())
        self.relay.calls.append(self.task)

    async def result(self, timeout: float = 15.0):
        assert self.task is not None
        return await asyncio.wait_for(self.task, timeout)


@pytest.fixture
async def relay():
    hub = HubRelay()
    hub.doctor = Doctor(tone_hz=660.0)
    hub.on_connect = [QUEUE]
    await hub.start()
    hub.calls = []
    yield hub
    for task in hub.calls:  # a test that failed half-way leaves its call running
        task.cancel()
        await asyncio.wait([task], timeout=15)
        assert task.done(), "the call did not shut down when cancelled"
    await hub.doctor.hang_up()
    await hub.stop()


@pytest.fixture
def no_lost_tasks(caplog):
    """After the test: no task left pending and garbage-collected (asyncio logs those)."""
    caplog.set_level(logging.ERROR, logger="asyncio")
    yield
    gc.collect()
    lost = [r.getMessage() for r in caplog.records if "destroyed" in r.getMessage()]
    assert not lost, lost


async def connect(spoke: Spoke, relay: HubRelay, attempt: int = 1) -> float:
    """Starts the call, lets the doctor accept, waits for Connected; returns when the doctor
    joined."""
    spoke.start()
    await spoke.events.wait_for(Queued, 15)
    joined = time.monotonic()
    await relay.doctor_joins()
    _, connected = await spoke.events.wait_for(Connected, 20)
    assert connected.attempt == attempt
    return joined


async def test_a_call_carries_picture_and_voice_both_ways(relay, sound_server, no_lost_tasks):  # noqa: F811
    tapped: list[np.ndarray] = []
    spoke = Spoke(relay, speaker=AudioSink(tap=tapped.append))
    # The ladder's own decisions are another test's subject: here it holds the first step,
    # so what the doctor receives is known.
    spoke.call.ladder = Ladder(spoke.call.tuning, down_samples=10**9)
    doctor = relay.doctor
    joined = await connect(spoke, relay)
    queued = spoke.events.of(Queued)[0]
    assert (queued.position, queued.wait_s) == (1, 600)
    assert spoke.events.of(DoctorJoined) == [DoctorJoined("Dr Test", "MCI-1")]
    offer = await relay.next_from_spoke("offer")
    assert offer["attempt"] == 1 and offer["call_id"] == "call-1"
    assert "maxaveragebitrate" in offer["sdp"]  # the tuned offer went out

    # The doctor's picture: at least 50 decoded frames in which the bar moves.
    async with asyncio.timeout(30):
        while len(spoke.frames) < 60:
            await asyncio.sleep(0.1)
    images = [image for _, image in spoke.frames[-50:]]
    assert all(image.shape == (240, 320, 3) for image in images)
    positions = {bar_position(image) for image in images}
    assert len(positions) >= 10, "the doctor's picture does not move"
    assert spoke.call.accept_to_first_frame_s is not None
    assert 0 < spoke.call.accept_to_first_frame_s < time.monotonic() - joined

    # The doctor's voice: the tone, as played on the speaker.
    async with asyncio.timeout(15):
        while sum(len(t) for t in tapped) < 48000 * 2:
            await asyncio.sleep(0.1)
    voice = np.concatenate(tapped)[-48000:]
    assert abs(dominant_frequency(voice) - 660) <= 5
    assert np.abs(voice).max() > 3000

    # What the doctor gets: our picture (the ladder's first step) and our 440 Hz tone.
    now = time.monotonic()
    await asyncio.sleep(1.5)
    seen = doctor.video_since(now)
    assert len(seen) >= 10 and all((s.width, s.height) == (640, 480) for s in seen)
    assert min(s.level for s in doctor.audio_since(now)) > -20

    spoke.call.set_muted(True)
    spoke.call.set_camera_off(True)
    await asyncio.sleep(1.0)  # what was already on its way
    now = time.monotonic()
    await asyncio.sleep(2.5)
    heard = doctor.audio_since(now)
    assert len(heard) > 50 and max(s.level for s in heard) < -60, "muted, yet the doctor hears"
    pictures = doctor.video_since(now)
    assert pictures, "camera off should still send a black picture a second"
    assert all((s.width, s.height) == (64, 48) and s.brightness < 20 for s in pictures)

    spoke.call.set_muted(False)
    spoke.call.set_camera_off(False)
    await asyncio.sleep(1.5)
    now = time.monotonic()
    await asyncio.sleep(1.5)
    assert min(s.level for s in doctor.audio_since(now)) > -20
    back = doctor.video_since(now)
    assert len(back) >= 10 and all((s.width, s.height) == (640, 480) for s in back)
    assert min(s.brightness for s in back) > 40

    snap = spoke.call.snapshot()
    print(f"accept to first doctor frame {snap['accept_to_first_frame_s']:.2f} s; {snap}")
    assert snap["connected"] and snap["attempt"] == 1
    assert snap["remote_video_frames"] >= 50 and snap["remote_audio_frames"] >= 100
    assert snap["remote_video_size"] == (320, 240) and snap["step"] == "640x480@15"
    assert snap["send_kbps"] > 0 and snap["audio_send_kbps"] > 0

    # The spoke ends: the hub confirms, the doctor hangs up, the call returns.
    await spoke.call.end()
    result = await spoke.result()
    assert result == Ended(by="spoke", reason="hung-up")
    assert spoke.events.events[-1][1] == result
    await asyncio.wait_for(doctor.hung_up.wait(), 5)
    assert (await relay.next_from_spoke("end"))["call_id"] == "call-1"
    assert not spoke.call.connected


async def test_a_silent_link_is_lost_and_the_call_comes_back_by_itself(
    relay,
    sound_server,  # noqa: F811
    no_lost_tasks,
):
    spoke = Spoke(relay, speaker=AudioSink())
    doctor = relay.doctor
    await connect(spoke, relay)
    await asyncio.sleep(1.5)
    assert doctor.pings >= 1
    before = len(spoke.events.events)
    stopped = time.monotonic()
    doctor.ponging = False  # the link goes silent (pictures still flow: only pongs stop)
    lost_at, lost = await spoke.events.wait_for(LinkLost, 10, after=before)
    assert lost_at - stopped < 5.0, "the dead link was noticed too late"
    assert 4.0 <= lost.silent_s < 5.0
    while (await relay.next_from_spoke("link"))["quality"] != "lost":
        pass
    doctor.ponging = True  # the next attempt's fresh connection answers

    back_at, back = await spoke.events.wait_for(Connected, 15, after=before)
    assert back.attempt == 2
    assert Reconnecting(2) in spoke.events.of(Reconnecting)
    assert doctor.answered == [1, 2]
    snap = spoke.call.snapshot()
    print(
        f"link lost {lost_at - stopped:.2f} s after the pongs stopped"
        f" ({lost.silent_s:.2f} s after the last pong); back {back_at - lost_at:.2f} s later"
    )
    assert snap["attempt"] == 2 and snap["connected"]
    assert snap["last_dead_link_detect_s"] == pytest.approx(lost.silent_s)
    assert snap["last_reconnect_s"] == pytest.approx(back_at - lost_at, abs=0.05)
    frames = snap["remote_video_frames"]
    async with asyncio.timeout(10):
        while spoke.call.snapshot()["remote_video_frames"] < frames + 15:
            await asyncio.sleep(0.1)

    # The doctor ends the call: the spoke's call returns by itself.
    await relay.doctor_ends()
    assert await spoke.result() == Ended(by="doctor", reason="finished")
    assert isinstance(spoke.events.events[-1][1], Ended)
    assert not spoke.call.connected


async def test_an_unanswered_attempt_gives_way_to_the_next(relay, no_lost_tasks):
    tuning = CallTuning(attempt_timeout_s=2.0)
    spoke = Spoke(relay, speaker=None, tuning=tuning)
    relay.doctor.answering = False
    spoke.start()
    await spoke.events.wait_for(Queued, 15)
    await relay.doctor_joins()
    await spoke.events.wait_for(DoctorJoined, 5)
    started = time.monotonic()
    at, _ = await spoke.events.wait_for(Reconnecting, 10)
    assert 1.8 <= at - started < 4.0
    relay.doctor.answering = True
    _, connected = await spoke.events.wait_for(Connected, 15)
    assert connected.attempt >= 2 and relay.doctor.answered == [connected.attempt]
    await spoke.call.end()
    assert await spoke.result() == Ended(by="spoke", reason="hung-up")


async def test_a_dropped_socket_is_opened_again_and_the_call_offers_afresh(relay, no_lost_tasks):
    spoke = Spoke(relay, speaker=None)
    await connect(spoke, relay)
    await relay.send(p.SigPeerAway(call_id="call-1"))
    await spoke.events.wait_for(PeerAway, 5)
    # The hub, seeing the spoke's socket come back during the call, says so again.
    relay.on_connect = [
        p.SigDoctorJoined(call_id="call-1", doctor_name="Dr Test", registration="MCI-1").model_dump(
            mode="json"
        )
    ]
    before = len(spoke.events.events)
    await relay.drop_spoke()
    _, back = await spoke.events.wait_for(Connected, 20, after=before)
    assert back.attempt == 2 and len(relay.sockets) == 2
    assert spoke.events.of(DoctorJoined) == [DoctorJoined("Dr Test", "MCI-1")]  # told once
    assert not spoke.events.of(LinkLost)
    await relay.doctor_ends()
    assert await spoke.result() == Ended(by="doctor", reason="finished")


async def test_leaving_the_queue_before_a_doctor_joins(relay, no_lost_tasks):
    spoke = Spoke(relay, speaker=None)
    spoke.start()
    await spoke.events.wait_for(Queued, 15)
    await spoke.call.end()
    assert await spoke.result() == Ended(by="spoke", reason="left-queue")
    assert (await relay.next_from_spoke("end"))["call_id"] is None
    assert spoke.call.attempt == 0


async def test_relay_only_without_a_turn_server_offers_no_candidates(relay, no_lost_tasks):
    tuning = CallTuning(attempt_timeout_s=1.0)
    spoke = Spoke(relay, speaker=None, tuning=tuning)
    spoke.call._relay_only = True
    relay.doctor.answering = False
    spoke.start()
    await spoke.events.wait_for(Queued, 15)
    await relay.doctor_joins()
    offer = await relay.next_from_spoke("offer")
    assert "a=candidate" not in offer["sdp"]
    await spoke.events.wait_for(Reconnecting, 10)
    await spoke.call.end()
    assert isinstance(await spoke.result(), Ended)


@pytest.mark.parametrize(
    "refusal, kind",
    [
        ({"close_with": p.WsClose.NOT_FOUND}, "not-found"),
        ({"close_with": p.WsClose.NOT_WAITING}, "not-waiting"),
        ({"refuse_status": 401}, "unauthorised"),
    ],
)
async def test_a_refused_socket_fails_the_call_with_a_code(relay, refusal, kind, no_lost_tasks):
    for name, value in refusal.items():
        setattr(relay, name, value)
    spoke = Spoke(relay, speaker=None)
    spoke.start()
    assert await spoke.result() == CallFailed(kind=kind)
    assert spoke.events.of(CallFailed) == [CallFailed(kind=kind)]


async def test_no_hub_fails_the_call_as_unreachable(relay, no_lost_tasks):
    spoke = Spoke(relay, speaker=None)
    await relay.stop()
    spoke.start()
    assert await spoke.result() == CallFailed(kind="hub-unreachable")


async def test_a_missing_speaker_fails_the_call_as_speaker(relay, sound_server, no_lost_tasks):  # noqa: F811
    spoke = Spoke(relay, speaker=AudioSink("no such speaker anywhere"))
    spoke.start()
    assert await spoke.result() == CallFailed(kind="speaker")
    assert not relay.headers  # the hub was not even asked


async def test_a_ladder_step_reaches_the_camera_the_hub_and_the_doctor(relay, no_lost_tasks):
    spoke = Spoke(relay, speaker=None)
    # A ladder that finds every sample bad: it steps down every two statistics rounds.
    spoke.call.ladder = Ladder(spoke.call.tuning, down_loss=-1.0)
    doctor = relay.doctor
    await connect(spoke, relay)
    _, first = await spoke.events.wait_for(QualityChanged, 10)
    assert first.step == Step.QVGA_15 and first.quality == Quality.GOOD
    async with asyncio.timeout(15):
        while spoke.call.ladder.step != Step.AUDIO_ONLY:
            await asyncio.sleep(0.1)
    steps = [e.step for e in spoke.events.of(QualityChanged)]
    assert steps == [Step.QVGA_15, Step.QVGA_8, Step.AUDIO_ONLY]
    assert all(e.send_kbps > 0 for e in spoke.events.of(QualityChanged))
    await asyncio.sleep(0.5)
    assert doctor.steps == ["640x480@15", "320x240@15", "320x240@8", "audio-only"]
    qualities = []
    while not relay.from_spoke.empty():
        message = relay.from_spoke.get_nowait()
        if message["type"] == "link":
            qualities.append(message["quality"])
    assert qualities == ["good", "good", "weak", "audio-only"]
    # What the doctor sees follows: quarter size, then the black stand-in.
    now = time.monotonic()
    await asyncio.sleep(2.5)
    assert {(s.width, s.height) for s in doctor.video_since(now)} == {(64, 48)}
    assert spoke.call.snapshot()["step"] == "audio-only"
    assert spoke.call.snapshot()["quality"] == "audio-only"
    await spoke.call.end()
    assert await spoke.result() == Ended(by="spoke", reason="hung-up")
