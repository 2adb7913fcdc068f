"""Microphone and speaker on real PortAudio, through PulseAudio's null sink: tones played
into the sink by another process come back on the default input (the sink's monitor)."""

from __future__ import annotations

import dataclasses
import math
import threading
import time

import numpy as np
import pytest

from spoke_client.capture.errors import MicrophoneUnavailable, SpeakerUnavailable
from spoke_client.capture.microphone import (
    AudioDevice,
    DeviceChoice,
    Microphone,
    dbfs,
    list_devices,
    play_test_tone,
)
from tests.capture.conftest import RATE, dominant_frequency, rms_dbfs

LOUD = -20.0  # dBFS: a played tone is far above this, the idle monitor is digital silence


def first_chunk(mic: Microphone, timeout: float = 15.0) -> np.ndarray:
    chunk = mic.read(timeout)
    assert chunk is not None, "no audio block arrived from PortAudio"
    return chunk


def read_until_loud(mic: Microphone, timeout: float = 15.0) -> np.ndarray:
    """Reads (and discards) blocks until one carries sound; returns that block."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunk = mic.read(0.5)
        if chunk is not None and dbfs(chunk) > LOUD:
            return chunk
    raise AssertionError("the microphone never heard the tone")


def read_seconds(mic: Microphone, seconds: float, timeout: float = 15.0) -> np.ndarray:
    chunks, total = [], 0
    deadline = time.monotonic() + timeout
    while total < seconds * mic.samplerate:
        assert time.monotonic() < deadline, "the microphone stopped delivering"
        chunk = mic.read(0.5)
        if chunk is not None:
            chunks.append(chunk)
            total += len(chunk)
    return np.concatenate(chunks)


def test_the_sound_servers_devices_are_listed(sound_server):
    devices = list_devices()
    names = [d.name for d in devices]
    assert "pulse" in names and "default" in names
    assert sum(d.is_default_input for d in devices) == 1
    assert sum(d.is_default_output for d in devices) == 1
    default_in = next(d for d in devices if d.is_default_input)
    assert default_in.max_input_channels > 0 and default_in.default_samplerate > 0
    assert all(isinstance(d, AudioDevice) for d in devices)
    with pytest.raises(dataclasses.FrozenInstanceError):
        devices[0].name = "other"  # type: ignore[misc]


def test_the_microphone_hears_a_tone_played_into_the_sink(sound_server, tone_player):
    with Microphone() as mic:
        chunk = first_chunk(mic)
        assert chunk.dtype == np.int16 and chunk.shape == (960, 1)
        tone_player.play(1000, seconds=4)
        read_until_loud(mic)
        heard = read_seconds(mic, 1.0)
        level = mic.level()
    assert abs(dominant_frequency(heard) - 1000) <= 20
    # A sine of amplitude 0.5 has an RMS of 0.354: -9 dBFS.
    assert -13 < rms_dbfs(heard) < -6
    assert -13 < level < -6


def test_an_idle_monitor_is_silence(sound_server):
    with Microphone("pulse") as mic:  # by its exact name, as DeviceChoice remembers it
        first_chunk(mic)
        chunk = read_seconds(mic, 0.2)
        assert not chunk.any()
        assert mic.level() == -math.inf
    assert dbfs(np.full((960, 1), 32767, np.int16)) == pytest.approx(0.0, abs=0.01)


def test_a_slow_consumer_loses_the_oldest_blocks_not_memory(sound_server, tone_player, wait_until):
    mic = Microphone(queue_chunks=5)
    mic.start()
    try:
        # Nobody reads: the silent blocks fill the queue and the oldest are dropped.
        wait_until(lambda: mic.chunks >= 15, 15, "15 audio blocks")
        assert mic.queued() == 5
        assert mic.dropped >= 10
        tone_player.play(1000, seconds=4)
        wait_until(lambda: mic.level() > LOUD, 15, "the tone")
        loud_from = mic.chunks
        wait_until(lambda: mic.chunks >= loud_from + 10, 15, "10 more blocks")
    finally:
        mic.stop()
    assert mic.queued() == 5
    assert mic.dropped == mic.chunks - 5
    kept = [mic.read(0) for _ in range(5)]
    assert mic.read(0) is None
    # The five kept are the newest: all carry the tone, none of the early silence.
    assert all(chunk is not None and dbfs(chunk) > LOUD for chunk in kept)


def test_the_test_tone_plays_and_the_monitor_hears_it(sound_server):
    with Microphone() as mic:
        first_chunk(mic)
        played: dict[str, float] = {}

        def play() -> None:
            started = time.monotonic()
            play_test_tone(frequency=440.0, seconds=1.0)
            played["seconds"] = time.monotonic() - started

        player = threading.Thread(target=play, name="test-tone")
        player.start()
        chunks = [read_until_loud(mic)]
        deadline = time.monotonic() + 15
        while player.is_alive() or (chunks and dbfs(chunks[-1]) > LOUD):
            assert time.monotonic() < deadline, "the tone never ended"
            chunk = mic.read(0.5)
            if chunk is not None:
                chunks.append(chunk)
        player.join(timeout=15)
    heard = np.concatenate([c for c in chunks if dbfs(c) > LOUD])
    assert abs(dominant_frequency(heard) - 440) <= 20
    assert 0.8 * RATE <= len(heard) <= 1.3 * RATE  # about the one second played
    assert played["seconds"] >= 0.9  # it returns once the tone has been played


def test_a_speaker_by_name(sound_server):
    play_test_tone("pulse", frequency=1000.0, seconds=0.1)


def test_a_missing_microphone_is_a_code(sound_server):
    with pytest.raises(MicrophoneUnavailable) as caught:
        Microphone("no such microphone").start()
    assert caught.value.params["reason"] == "absent"
    assert caught.value.params["device"] == "no such microphone"

    with pytest.raises(MicrophoneUnavailable) as caught:
        Microphone(9999).start()
    assert caught.value.params["reason"] == "absent"

    with pytest.raises(MicrophoneUnavailable) as caught:
        Microphone(channels=64).start()
    assert caught.value.params["reason"] == "unsupported-channels"


def test_a_missing_speaker_is_a_code(sound_server):
    with pytest.raises(SpeakerUnavailable) as caught:
        play_test_tone("no such speaker")
    assert caught.value.params == {
        "device": "no such speaker",
        "reason": "absent",
        "detail": caught.value.params["detail"],
    }


def test_a_stopped_microphone_can_start_again(sound_server):
    mic = Microphone()
    mic.start()
    first_chunk(mic)
    mic.stop()
    mic.stop()  # twice is harmless
    assert not mic.running
    mic.start()
    try:
        assert mic.running
        first_chunk(mic)
    finally:
        mic.stop()


def test_the_device_choice_survives_the_settings_file():
    choice = DeviceChoice(input_device="USB Audio Device", output_device=None)
    assert DeviceChoice.from_dict(choice.to_dict()) == choice
    assert choice.to_dict() == {"input_device": "USB Audio Device", "output_device": None}
    assert DeviceChoice.from_dict(None) == DeviceChoice()
    assert DeviceChoice.from_dict({"input_device": 3, "output_device": ""}) == DeviceChoice()
