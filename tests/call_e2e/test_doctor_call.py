"""Must-show 1: a case waits in the hub's queue, a doctor in real headless Chromium accepts
it on the console, and the call carries the doctor's moving pattern and tone to the spoke
and the spoke's camera and microphone to the doctor; ending on either side ends both."""

from __future__ import annotations

import numpy as np

from spoke_client.call.events import Connected, DoctorJoined, Ended, Queued
from tests.capture.conftest import dominant_frequency
from tests.support.media_files import frames_differ, mean_brightness

from .conftest import (
    DOCTOR_NAME,
    DOCTOR_PASSWORD,
    DOCTOR_REG,
    DOCTOR_USER,
    TONE_HZ,
    close_call_spoke,
    heard_samples,
    make_call_spoke,
)


def _wait(condition, timeout: float, what: str) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def join_and_accept(cs, doctor, hub, encounter_id: str) -> Connected:
    cs.start(encounter_id)
    queued = cs.wait_for(Queued, 30)
    assert queued.position == 1
    doctor.open(hub.url)
    doctor.login(DOCTOR_USER, DOCTOR_PASSWORD)
    doctor.wait_for_case(encounter_id, timeout=30)
    doctor.accept(encounter_id)
    joined = cs.wait_for(DoctorJoined, 15)
    assert (joined.doctor_name, joined.registration) == (DOCTOR_NAME, DOCTOR_REG)
    connected = cs.wait_for(Connected, 15)
    doctor.wait_state("connected", timeout=15)
    return connected


def test_a_doctor_in_chromium_sees_and_hears_the_spoke_and_is_seen_and_heard(
    tmp_path, hub, media, doctor, sound_server
):
    cs = make_call_spoke(tmp_path / "spoke", hub, media)
    try:
        [case] = cs.spoke.make_cases(1)
        assert join_and_accept(cs, doctor, hub, case).attempt == 1
        assert cs.run(cs.engine.sync_status()).paused_for_call

        # The spoke: >= 50 doctor frames showing the moving pattern, and the tone.
        _wait(lambda: cs.frames >= 50 and len(cs.kept) >= 10, 20, "50 doctor frames")
        frames = cs.kept[-10:]
        assert min(mean_brightness(f) for f in frames) > 40, "the doctor's picture is dark"
        assert frames_differ(frames), "the doctor's picture does not move"
        _wait(lambda: len(heard_samples(cs, 1.0)) >= 48000, 15, "a second of the doctor's voice")
        heard = heard_samples(cs, 1.0).astype(np.float64)
        assert np.sqrt(np.mean(heard**2)) > 100, "the doctor's voice is silent"
        assert abs(dominant_frequency(heard, 48000) - TONE_HZ) < 15

        # The doctor: the spoke's video decoded, counted in the page, not black; and audio.
        stats = doctor.wait_stats(
            lambda s: (
                s["videoFramesDecoded"] >= 50 and s["notBlack"] and s["audioPacketsReceived"] >= 100
            ),
            timeout=20,
        )
        assert stats["videoWidth"] > 0 and stats["videoHeight"] > 0
        doctor.screenshot(tmp_path / "doctor-in-call.png")

        # The spoke ends: both sides end; the case leaves the doctor's hands.
        cs.run(cs.engine.consult.end_consult())
        ended = cs.wait_for(Ended, 15)
        assert (ended.by, ended.reason) == ("spoke", "hung-up")
        doctor.wait_state("ended", timeout=15)
        _wait(lambda: not cs.run(cs.engine.sync_status()).paused_for_call, 10, "sync resumed")
    finally:
        close_call_spoke(cs)


def test_the_doctor_ending_the_call_ends_it_on_the_spoke(
    tmp_path, hub, media, doctor, sound_server
):
    cs = make_call_spoke(tmp_path / "spoke", hub, media)
    try:
        [case] = cs.spoke.make_cases(1)
        join_and_accept(cs, doctor, hub, case)
        _wait(lambda: cs.frames >= 10, 20, "doctor frames")
        doctor.end()
        ended = cs.wait_for(Ended, 15)
        assert (ended.by, ended.reason) == ("doctor", "finished")
        doctor.wait_state("ended", timeout=15)
        # The hub moved the case; the spoke learns it on its next pull.
        cs.run(cs.engine.sync_now())
        state = cs.spoke.session.worker.call(lambda s: s.encounters.get(case).state.value)
        assert state == "awaiting_prescription"
    finally:
        close_call_spoke(cs)
