"""``AudioSink`` on real PortAudio, through the test session's PulseAudio null sink: what it
plays comes back on the sink's monitor (the default input)."""

from __future__ import annotations

import asyncio
import math
import time

import av
import numpy as np
import pytest

from spoke_client.call.playback import AudioSink
from spoke_client.capture.errors import SpeakerUnavailable
from spoke_client.capture.microphone import Microphone, dbfs
from tests.call.support import opus_like_frames
from tests.capture.conftest import dominant_frequency, rms_dbfs, sound_server  # noqa: F401

RATE = 48000


def test_a_missing_speaker_is_a_speaker_error(sound_server):  # noqa: F811
    sink = AudioSink("no such speaker anywhere")
    with pytest.raises(SpeakerUnavailable) as caught:
        sink.start()
    assert caught.value.params["reason"] == "absent"
    assert not sink.running


async def test_the_sink_plays_a_tone_that_the_monitor_hears(sound_server):  # noqa: F811
    tapped: list[np.ndarray] = []
    frames = opus_like_frames(660, seconds=2.0)
    with Microphone() as mic, AudioSink(tap=tapped.append) as sink:
        assert sink.running
        start = time.monotonic()
        for k, frame in enumerate(frames):  # at the pace a call delivers them
            sink.push(frame)
            await asyncio.sleep(max(0.0, start + (k + 1) * 0.02 - time.monotonic()))
        heard = []
        while (chunk := mic.read(0.5)) is not None:
            heard.append(chunk[:, 0])
            if sum(len(h) for h in heard) > 3 * RATE:
                break
    tap = np.concatenate(tapped)
    assert tap.dtype == np.int16 and len(tap) == 2 * RATE
    assert abs(dominant_frequency(tap) - 660) <= 5
    # Stereo s16 at amplitude 0.4 becomes mono at the same amplitude: RMS -11 dBFS.
    assert -13 < rms_dbfs(tap) < -9
    loud = [h for h in heard if dbfs(h) > -20]
    assert sum(len(h) for h in loud) > RATE, "the monitor did not hear a second of the tone"
    assert abs(dominant_frequency(np.concatenate(loud)) - 660) <= 5
    assert sink.played >= 1.5 * RATE and sink.dropped == 0


async def test_the_buffer_stays_bounded_when_frames_come_too_fast(sound_server):  # noqa: F811
    frames = opus_like_frames(440, seconds=3.0)
    with AudioSink(max_delay=0.2) as sink:
        for frame in frames:  # three seconds at once: a burst after a stall
            sink.push(frame)
            assert sink.buffered_seconds() <= 0.2 + 1e-9
        assert sink.pushed == 3 * RATE
        assert sink.dropped >= 3 * RATE - int(0.2 * RATE) - sink.played
        # What is left plays out within the bound, then the speaker gets silence.
        deadline = time.monotonic() + 5
        while sink.buffered_seconds() > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert sink.buffered_seconds() == 0
        assert sink.played <= int(0.2 * RATE) + 2 * 4800
    assert not sink.running


def test_frames_of_another_rate_and_layout_are_resampled():
    sink = AudioSink(tap=None)  # never started: push works without a device
    t = np.arange(441) / 44100
    tone = (0.5 * 32767 * np.sin(2 * math.pi * 1000 * t)).astype(np.int16)
    for k in range(100):
        frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = 44100
        frame.pts = k * 441
        sink.push(frame)
    assert abs(sink.pushed - RATE) <= 1100  # a second at 48 kHz (the resampler holds a bit)
    assert sink.buffered_seconds() <= 0.2 + 1e-9
