"""Must-shows 2 and 3: the call's media forced through a relay (relay-only ICE on the spoke,
coturn on loopback) with the test's own UDP proxy in front of it.

2. At 150 kbit/s with a seeded 5% loss, audio keeps flowing at <= 24 kbit/s, the spoke's
   sending rate stays within the cap, and video steps down (frame size and rate read from
   the doctor's receiving statistics) or goes audio-only; lifting the limit brings it back.
3. The relay stopped: reported within 15 s; back within 30 s of the relay's return, with
   nobody doing anything.

The checks are about what crosses the link, not aiortc's constants: an aiortc upgrade that
drops one of the overrides in spoke_client/call/tuning.py fails them.
"""

from __future__ import annotations

import time

import pytest

from spoke_client.call.events import Connected, LinkLost, QualityChanged, Step
from tests.support.turn import TurnServer
from tests.support.udp_impair import UdpImpairment

from .conftest import close_call_spoke, make_call_spoke
from .test_doctor_call import _wait, join_and_accept

CAP_KBPS = 150
LOSS = 0.05
SEED = 20261204


@pytest.fixture
def relay():
    with TurnServer() as turn, UdpImpairment(("127.0.0.1", turn.port), seed=SEED) as link:
        yield turn, link


def relayed_spoke(tmp_path, hub, media, relay):
    turn, link = relay
    host, port = link.address
    call = {"relay_only": True, "ice_servers": [turn.ice_server_via(host, port)]}
    return make_call_spoke(tmp_path / "spoke", hub, media, call=call)


def audio_kbps(doctor, seconds: float = 8.0) -> tuple[float, int]:
    """The doctor's received audio payload rate over ``seconds``, and packets received."""
    first = doctor.stats()
    t0 = time.monotonic()
    time.sleep(seconds)
    last = doctor.stats()
    took = time.monotonic() - t0
    kbps = (last["audioBytesReceived"] - first["audioBytesReceived"]) * 8 / took / 1000
    return kbps, last["audioPacketsReceived"] - first["audioPacketsReceived"]


def stepped_down(stats: dict) -> bool:
    return 0 < stats["videoWidth"] <= 320 or (0 < (stats["videoFps"] or 0) <= 10)


def test_a_weak_link_steps_down_keeps_audio_within_24_kbps_and_steps_back_up(
    tmp_path, hub, media, doctor, sound_server, relay
):
    turn, link = relay
    cs = relayed_spoke(tmp_path, hub, media, relay)
    try:
        [case] = cs.spoke.make_cases(1)
        join_and_accept(cs, doctor, hub, case)
        assert link.forwarded_bytes() > 0, "the media did not go through the relay"
        doctor.wait_stats(lambda s: s["videoWidth"] == 640 and s["videoFramesDecoded"] > 30, 30)

        link.set_rate(CAP_KBPS)
        link.set_loss(LOSS)
        impaired_at = time.monotonic()
        cs.wait_for(QualityChanged, 45, where=lambda e: e.step is not Step.VGA_15)
        # Read on the doctor's side: smaller pictures, fewer of them, or none (audio only).
        decoded = doctor.stats()["videoFramesDecoded"]

        def down(s: dict) -> bool:
            return stepped_down(s) or cs.snapshot().get("step") == Step.AUDIO_ONLY.value

        stats = doctor.wait_stats(down, timeout=max(5.0, 90 - (time.monotonic() - impaired_at)))
        print("stepped down after", round(time.monotonic() - impaired_at, 1), "s:", stats)
        assert stats["videoFramesDecoded"] >= decoded

        kbps, packets = audio_kbps(doctor)
        print(f"audio under the cap: {kbps:.1f} kbit/s, {packets} packets")
        assert packets >= 8 * 50 * 0.7, "audio stopped flowing on the weak link"
        assert kbps <= 24.0
        sent = []
        for _ in range(8):
            time.sleep(1)
            sent.append(cs.snapshot()["send_kbps"])
        print("spoke sending (kbit/s):", [round(x) for x in sent])
        assert sum(sent) / len(sent) <= CAP_KBPS

        # The doctor's page learned the step (it rides on every ping) and bounds its own video,
        # which crosses the same link: smaller pictures, or none at audio only.
        doctor.wait_stats(lambda s: s["step"] == cs.snapshot()["step"], 15)
        step = cs.snapshot()["step"]
        if step == Step.AUDIO_ONLY.value:
            before = cs.frames
            time.sleep(3)
            assert cs.frames - before <= 3, "the doctor's camera still floods an audio-only link"
        else:
            _wait(lambda: 0 < cs.snapshot()["remote_video_size"][1] <= 240, 15, "small pictures")

        link.set_rate(None)
        link.set_loss(0.0)
        lifted = time.monotonic()
        doctor.wait_stats(lambda s: s["videoWidth"] == 640 and (s["videoFps"] or 0) >= 10, 120)
        print("back to 640x480 after", round(time.monotonic() - lifted, 1), "s")
    finally:
        close_call_spoke(cs)


def test_a_dead_relay_is_reported_and_the_call_comes_back_by_itself(
    tmp_path, hub, media, doctor, sound_server, relay
):
    turn, link = relay
    cs = relayed_spoke(tmp_path, hub, media, relay)
    try:
        [case] = cs.spoke.make_cases(1)
        join_and_accept(cs, doctor, hub, case)
        _wait(lambda: cs.frames >= 20, 20, "doctor frames")

        turn.stop()
        stopped = time.monotonic()
        lost = cs.wait_for(LinkLost, 15)
        print("dead link reported after", round(time.monotonic() - stopped, 1), "s", lost)

        time.sleep(3)
        turn.start()
        back = time.monotonic()
        connected = cs.wait_for(Connected, 30, where=lambda e: e.attempt >= 2)
        print("reconnected", round(time.monotonic() - back, 1), "s after the relay returned")
        frames = cs.frames
        _wait(lambda: cs.frames >= frames + 20, 15, "doctor frames after the reconnect")
        doctor.wait_stats(lambda s: s["attempt"] == connected.attempt and s["notBlack"], 15)
    finally:
        close_call_spoke(cs)
