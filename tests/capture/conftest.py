"""Real PortAudio on a PulseAudio null sink.

``sound_server`` (session) starts the private sound server with ``scripts/sound-server``
(idempotent: a server left by an earlier run is reused, and it is left running for the
next), then gives this test session a null sink of its own, so two test runs at once never
hear each other's tones. ``PULSE_SERVER``/``PULSE_SINK``/``PULSE_SOURCE`` point libpulse,
and through the ALSA ``pulse``/``default`` devices PortAudio, at that sink and its monitor:
whatever is played into the sink, the default input hears. PortAudio is re-initialised
afterwards, because it lists devices once, when it starts.

A null sink with no client renders in blocks of up to 2 s, so the first stream opened on
an idle sink waits that long for its first block. A ``pacat`` reading the monitor with a
20 ms latency keeps the sink rendering in small blocks for the whole session, and the
fixture waits for one block through PortAudio before the first test.

``tone_player`` plays a sine into the session's sink from a separate process (``pacat``).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import sounddevice as sd

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "sound-server"
RATE = 48000


@dataclass(frozen=True)
class SoundServer:
    address: str
    sink: str

    @property
    def monitor(self) -> str:
        return f"{self.sink}.monitor"

    def pactl(self, *args: str) -> str:
        done = subprocess.run(
            ["pactl", f"--server={self.address}", *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return done.stdout


def _wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        threading.Event().wait(0.02)


@pytest.fixture(scope="session")
def sound_server() -> Iterator[SoundServer]:
    with open_sound_server() as server:
        yield server


@contextlib.contextmanager
def open_sound_server() -> Iterator[SoundServer]:
    """The fixture's body, for the benches too: see the module docstring."""
    missing = [tool for tool in ("pulseaudio", "pactl", "pacat") if shutil.which(tool) is None]
    assert not missing, f"missing {missing}: apt packages pulseaudio pulseaudio-utils"
    started = subprocess.run(
        [str(SCRIPT), "start"], capture_output=True, text=True, timeout=60, check=False
    )
    assert started.returncode == 0, f"scripts/sound-server start failed:\n{started.stderr}"
    address = started.stdout.strip().splitlines()[-1]
    server = SoundServer(address, f"spoke_test_{os.getpid()}")
    module = server.pactl(
        "load-module",
        "module-null-sink",
        f"sink_name={server.sink}",
        f"rate={RATE}",
        "channels=1",
    ).strip()
    keep_awake = subprocess.Popen(
        [
            "pacat",
            f"--server={address}",
            "--record",
            f"--device={server.monitor}",
            "--latency-msec=20",
            "--raw",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    names = ("PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(PULSE_SERVER=address, PULSE_SINK=server.sink, PULSE_SOURCE=server.monitor)
    sd._terminate()
    sd._initialize()
    # Wait for the sink's current long block to end: from then on it renders in 20 ms steps.
    first_block = threading.Event()
    with sd.InputStream(
        samplerate=RATE, channels=1, dtype="int16", callback=lambda *_: first_block.set()
    ):
        assert first_block.wait(15), "PortAudio got no audio from the sound server"
    try:
        yield server
    finally:
        keep_awake.terminate()
        keep_awake.wait(timeout=10)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        # The server may be shared with another run on this machine: a sink that is already
        # gone is not a failure of these tests.
        subprocess.run(
            ["pactl", f"--server={address}", "unload-module", module],
            capture_output=True,
            timeout=30,
            check=False,
        )
        sd._terminate()
        sd._initialize()


def sine(frequency: float, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * 32767 * np.sin(2 * math.pi * frequency * t)).astype(np.int16)


class TonePlayer:
    """Plays tones into the session's sink, each from its own ``pacat`` process."""

    def __init__(self, server: SoundServer) -> None:
        self.server = server
        self._playing: list[tuple[subprocess.Popen, threading.Thread]] = []

    def play(self, frequency: float, seconds: float, amplitude: float = 0.5) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                "pacat",
                f"--server={self.server.address}",
                "--playback",
                f"--device={self.server.sink}",
                "--raw",
                "--format=s16le",
                f"--rate={RATE}",
                "--channels=1",
                "--latency-msec=50",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        data = sine(frequency, seconds, amplitude).tobytes()

        def feed() -> None:
            try:
                process.stdin.write(data)
                process.stdin.close()
            except (BrokenPipeError, ValueError):
                pass  # stopped early

        writer = threading.Thread(target=feed, name="tone-feed", daemon=True)
        writer.start()
        self._playing.append((process, writer))
        return process

    def stop_all(self) -> None:
        for process, writer in self._playing:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            writer.join(timeout=10)
        self._playing.clear()


@pytest.fixture
def tone_player(sound_server: SoundServer) -> Iterator[TonePlayer]:
    player = TonePlayer(sound_server)
    try:
        yield player
    finally:
        player.stop_all()


@pytest.fixture
def wait_until() -> Callable[[Callable[[], bool], float, str], None]:
    return _wait_until


def dominant_frequency(samples: np.ndarray, samplerate: int = RATE) -> float:
    """The frequency (Hz) of the highest peak of the windowed spectrum."""
    x = np.asarray(samples, dtype=np.float64).ravel()
    x = x - x.mean()
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    spectrum[0] = 0.0
    return float(np.argmax(spectrum)) * samplerate / len(x)


def rms_dbfs(samples: np.ndarray) -> float:
    """RMS level in dBFS of int16 samples (or floats in -1..1)."""
    x = np.asarray(samples, dtype=np.float64).ravel()
    if np.issubdtype(np.asarray(samples).dtype, np.integer):
        x = x / 32768.0
    rms = math.sqrt(float(np.mean(x * x))) if len(x) else 0.0
    return 20 * math.log10(rms) if rms > 0 else -math.inf


class NoSeekSink(io.BytesIO):
    """An in-memory sink that, like the vault's encrypting writer, can only be written:
    any seek or tell fails the test, and it remembers whether anyone closed it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.closed_by_someone = False

    def write(self, data) -> int:  # type: ignore[override]
        self.writes += 1
        return super().write(data)

    def seekable(self) -> bool:
        return False

    def seek(self, *args, **kwargs):  # type: ignore[override]
        raise AssertionError("the sink was asked to seek")

    def tell(self, *args, **kwargs):  # type: ignore[override]
        raise AssertionError("the sink was asked where it is")

    def close(self) -> None:
        self.closed_by_someone = True

    def data(self) -> bytes:
        return self.getvalue()
