"""The whole live consult, end to end: a real hub process, a real spoke (encrypted store,
engine, capture desk with a video file as the camera and PortAudio on the private sound
server, the real ``ConsultCall``) and Debian's Chromium as the doctor, driven by Playwright
on the console page the hub serves. The weak-link and dead-link tests put coturn on loopback
and the test's own UDP proxy between the spoke and it (relay-only ICE on the spoke).
"""

from __future__ import annotations

import queue
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from spoke_client.call.playback import AudioSink
from spoke_client.engine.capture import CaptureDesk
from spoke_client.engine.consult import CallParts, ConsultDesk
from tests.capture.conftest import sound_server  # noqa: F401  (a session fixture)
from tests.support.doctor_browser import DoctorBrowser
from tests.support.media_files import make_camera_video, write_wav, write_y4m
from tests.sync.hubproc import HubProcess
from tests.sync.spoke import Spoke

DOCTOR_USER = "dr.meera"
DOCTOR_PASSWORD = "consult-pass-1"
DOCTOR_NAME = "Dr. Meera Test"
DOCTOR_REG = "TEST-REG-0001"
TONE_HZ = 660.0
FACILITY = "HWC-0001"


@dataclass(frozen=True)
class Media:
    y4m: Path
    wav: Path
    camera: Path


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Media:
    folder = tmp_path_factory.mktemp("call-media")
    return Media(
        y4m=write_y4m(folder, "doctor.y4m"),
        wav=write_wav(folder, "doctor.wav", frequency=TONE_HZ),
        camera=make_camera_video(folder, "spoke_camera.avi"),
    )


def add_doctor(hub: HubProcess) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "spoke_hub.cli",
            "--data",
            str(hub.data),
            "doctor",
            "add",
            "--username",
            DOCTOR_USER,
            "--name",
            DOCTOR_NAME,
            "--registration",
            DOCTOR_REG,
            "--password-stdin",
        ],
        input=DOCTOR_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def hub(tmp_path) -> Iterator[HubProcess]:
    hub = HubProcess(tmp_path / "hub", extra=("--call-grace", "30")).start()
    add_doctor(hub)
    try:
        yield hub
    finally:
        hub.stop()


@dataclass
class CallSpoke:
    """A spoke with a capture desk and a consult desk whose speaker taps what it plays."""

    spoke: Spoke
    events: queue.Queue = field(default_factory=queue.Queue)
    seen: list[Any] = field(default_factory=list)
    frames: int = 0
    first_frame_at: float | None = None  # time.monotonic() of the doctor's first frame
    kept: list[np.ndarray] = field(default_factory=list)  # every 5th doctor frame, small
    heard: list[np.ndarray] = field(default_factory=list)  # what the speaker played

    @property
    def engine(self):
        return self.spoke.engine

    def run(self, coro, timeout: float | None = 60):
        return self.spoke.run(coro, timeout)

    def on_frame(self, image: np.ndarray) -> None:
        if self.first_frame_at is None:
            self.first_frame_at = time.monotonic()
        self.frames += 1
        if self.frames % 5 == 0 and len(self.kept) < 200:
            self.kept.append(np.ascontiguousarray(image[::4, ::4]))

    def start(self, encounter_id: str) -> None:
        self.run(self.engine.consult.start_consult(encounter_id, self.events.put, self.on_frame))

    def wait_for(self, kind: type, timeout: float, where: Callable[[Any], bool] = lambda e: True):
        """The next event of ``kind`` (and matching ``where``); events before it are kept in
        ``seen``. Fails on timeout, or when the call ends first (unless an end is awaited)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind.__name__} within {timeout} s; saw {self.seen}")
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(event)
            if isinstance(event, kind) and where(event):
                return event
            if type(event).__name__ in ("Ended", "CallFailed"):
                raise AssertionError(f"the call ended while waiting for {kind.__name__}: {event}")

    def drain(self) -> None:
        """Move every event received so far to ``seen``."""
        while True:
            try:
                self.seen.append(self.events.get_nowait())
            except queue.Empty:
                return

    def snapshot(self) -> dict[str, Any]:
        """The call's own figures (``ConsultCall.snapshot``), {} when no call is on."""
        return (self.run(self.engine.consult.consult_snapshot()) or {}).get("call") or {}


def make_call_spoke(
    root: Path, hub: HubProcess, media: Media, *, call: dict[str, Any] | None = None
) -> CallSpoke:
    spoke = Spoke(root, facility=FACILITY)
    cs = CallSpoke(spoke)
    spoke.run(
        spoke.engine.provision(
            hub.url, hub.enrol_code(FACILITY), device_name="test spoke", call=call or {}
        )
    )
    engine = spoke.engine
    engine.capture = CaptureDesk(
        spoke.session.worker,
        attach=engine.attach_media,
        settings={"camera": {"location": str(media.camera)}},
    )
    real = CallParts.real()
    engine.consult = ConsultDesk(
        engine,
        parts=lambda: replace(real, speaker=lambda device: AudioSink(device, tap=cs.heard.append)),
    )
    return cs


def close_call_spoke(cs: CallSpoke) -> None:
    try:
        cs.run(cs.engine.consult.end_and_wait(), timeout=60)
    finally:
        cs.spoke.close()


@pytest.fixture
def doctor(media) -> Iterator[DoctorBrowser]:
    with DoctorBrowser(y4m=media.y4m, wav=media.wav, default_timeout=30.0) as browser:
        yield browser


def heard_samples(cs: CallSpoke, seconds: float = 2.0, rate: int = 48000) -> np.ndarray:
    """The last ``seconds`` the spoke's speaker played (int16 mono)."""
    blocks = list(cs.heard)
    if not blocks:
        return np.zeros(0, dtype=np.int16)
    samples = np.concatenate(blocks)
    return samples[-int(seconds * rate) :]
