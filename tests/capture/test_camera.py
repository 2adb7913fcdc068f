"""The camera through the real cv2.VideoCapture path: generated video files, and an MJPEG-over-
HTTP stream served by a subprocess that the tests kill (-9) and freeze (SIGSTOP).

Stream transport: OpenCV's FFmpeg backend reads ``multipart/x-mixed-replace`` MJPEG over HTTP
(the way IP cameras serve it), so the killed "camera" is a real process on 127.0.0.1 and the
failure arrives through the real socket and FFmpeg, not through a stand-in.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np
import pytest

from spoke_client.capture.camera import READ_GRACE, Camera, CameraSource, Frame
from spoke_client.capture.errors import CameraStopped, CameraUnavailable
from tests.capture import media_fixtures
from tests.capture.media_fixtures import RED_PATCH, frame_number, make_pattern_video

T = TypeVar("T")
READ_TIMEOUT = 1.0
REOPEN = 0.2
SLACK = 2.0  # generous: a busy machine must not fail these


def eventually(condition: Callable[[], T], timeout: float, what: str) -> T:
    """Poll ``condition`` until it returns something true, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        pause.wait(0.02)


def camera_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("camera")]


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    assert camera_threads() == []
    yield
    assert camera_threads() == []


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return make_pattern_video(tmp_path / "pattern.avi", frames=20, fps=30, size=(640, 480))


def collect(camera: Camera, seconds: float) -> list[Frame]:
    frames: list[Frame] = []
    last = -1
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        frame = camera.wait_for_frame(last, timeout=READ_TIMEOUT + SLACK)
        assert frame is not None, camera.status()
        frames.append(frame)
        last = frame.seq
    return frames


def live_frame_after(camera: Camera, seq: int) -> Frame:
    frame = camera.wait_for_frame(seq, timeout=READ_TIMEOUT + SLACK)
    assert frame is not None, camera.status()
    return frame


# --- a video file as the camera -----------------------------------------------------------


def test_file_frames_arrive_rgb_in_order_paced_and_looped(video: Path) -> None:
    camera = Camera(CameraSource(location=str(video)), read_timeout=READ_TIMEOUT)
    assert camera.status().state == "stopped"
    camera.start()
    try:
        assert camera.is_running
        first = live_frame_after(camera, -1)
        assert camera.status().state == "live"
        frames = collect(camera, 2.0)
    finally:
        camera.stop()
    assert not camera.is_running
    assert camera.status().state == "stopped"

    for frame in [first, *frames]:
        image = frame.image
        assert image.shape == (480, 640, 3) and image.dtype == np.uint8
        assert image.flags["C_CONTIGUOUS"] and not image.flags["WRITEABLE"]
        red = image[RED_PATCH].reshape(-1, 3).mean(axis=0)
        assert red[0] > 200 and red[1] < 60 and red[2] < 60, red  # R, G, B: RGB order

    seqs = [f.seq for f in frames]
    assert all(b > a for a, b in zip(seqs, seqs[1:], strict=False))
    times = [f.at for f in frames]
    assert all(b >= a for a, b in zip(times, times[1:], strict=False))
    # Paced at the file's 30 fps like a live camera (not decoded as fast as possible).
    rate = (seqs[-1] - seqs[0]) / (times[-1] - times[0])
    assert 15 <= rate <= 45, rate
    # The 20-frame file loops: numbers run 0..19 and start again.
    numbers = [frame_number(f.image) for f in frames]
    assert set(numbers) == set(range(20))
    wraps = sum(1 for a, b in zip(numbers, numbers[1:], strict=False) if b < a)
    assert wraps >= 2, numbers


def test_bigger_file_is_scaled_down_to_fit(tmp_path: Path) -> None:
    path = make_pattern_video(tmp_path / "wide.avi", frames=10, fps=30, size=(1280, 720))
    camera = Camera(CameraSource(location=str(path), width=640, height=480))
    camera.start()
    try:
        frame = live_frame_after(camera, -1)
    finally:
        camera.stop()
    assert frame.image.shape == (360, 640, 3)


def test_file_without_loop_stops_at_its_end(tmp_path: Path) -> None:
    path = make_pattern_video(tmp_path / "short.avi", frames=10, fps=30)
    camera = Camera(CameraSource(location=str(path), loop=False), read_timeout=0.5)
    camera.start()
    try:
        status = eventually(
            lambda: (s := camera.status()).state == "stalled" and s,
            0.5 + 10 / 30 + SLACK,
            "stalled after the end of the file",
        )
        assert isinstance(status.error, CameraStopped)
        last = camera.latest()
        assert last is not None and frame_number(last.image) == 9 and last.seq == 9
    finally:
        camera.stop()


# --- sources that cannot be opened --------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        CameraSource(index=57),
        CameraSource(name="No Such Webcam"),
        CameraSource(location="/nonexistent/clip.avi"),
        CameraSource(location="http://127.0.0.1:9/video.mjpg"),  # nothing listens there
    ],
    ids=["device-index", "device-name", "file", "stream"],
)
def test_absent_source_is_reported_quickly(source: CameraSource) -> None:
    camera = Camera(source, read_timeout=READ_TIMEOUT, reopen_interval=REOPEN)
    started = time.monotonic()
    camera.start()
    try:
        status = eventually(
            lambda: (s := camera.status()).state == "stalled" and s, 2.0, "reported absent"
        )
        assert time.monotonic() - started < 2.0
        assert isinstance(status.error, CameraUnavailable)
        assert status.error.params == {"source": source.label, "reason": "absent"}
        assert camera.latest() is None
        assert camera.wait_for_frame(timeout=0.05) is None
    finally:
        camera.stop()
    assert camera_threads() == []


def test_source_labels_name_the_source_without_credentials() -> None:
    assert CameraSource().label == "device:0"
    assert CameraSource(index=2).label == "device:2"
    assert CameraSource(name="HD Webcam").label == "device:HD Webcam"
    assert CameraSource(location="/data/demo/wound.avi").label == "file:wound.avi"
    rtsp = CameraSource(location="rtsp://admin:secret@10.0.0.5:554/live?token=x")
    assert rtsp.kind == "stream" and rtsp.label == "stream:rtsp://10.0.0.5:554/live"
    with pytest.raises(ValueError):
        CameraSource(width=0)


def test_file_that_is_not_a_video_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "notes.avi"
    path.write_bytes(b"this is not a video" * 100)
    camera = Camera(CameraSource(location=str(path)), read_timeout=READ_TIMEOUT)
    camera.start()
    try:
        status = eventually(
            lambda: (s := camera.status()).state == "stalled" and s, READ_TIMEOUT + SLACK, "stall"
        )
    finally:
        camera.stop()
    assert isinstance(status.error, CameraUnavailable)
    assert status.error.params["reason"] == "no-frames"


# --- an MJPEG stream from a subprocess that dies or freezes ------------------------------


class MjpegServer:
    """``media_fixtures.serve_mjpeg`` in a subprocess on 127.0.0.1."""

    def __init__(self, port: int = 0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, media_fixtures.__file__, "serve-mjpeg", str(port), "15"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 20.0)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("READY "):
            self.kill()
            raise AssertionError(f"MJPEG server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}/video.mjpg"

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def servers() -> Iterator[list[MjpegServer]]:
    started: list[MjpegServer] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            os.kill(server.process.pid, signal.SIGCONT)
        server.kill()


def test_stream_killed_mid_preview_stalls_then_recovers(servers: list[MjpegServer]) -> None:
    servers.append(MjpegServer())
    port, url = servers[0].port, servers[0].url
    camera = Camera(CameraSource(location=url), read_timeout=READ_TIMEOUT, reopen_interval=REOPEN)
    camera.start()
    try:
        before = collect(camera, 1.0)
        assert camera.status().state == "live"
        assert before[-1].image.shape == (480, 640, 3)

        servers[0].kill()  # kill -9: the camera vanishes mid-preview
        killed = time.monotonic()
        status = eventually(
            lambda: (s := camera.status()).state == "stalled" and s,
            READ_TIMEOUT + SLACK,
            "stalled after the stream was killed",
        )
        assert time.monotonic() - killed <= READ_TIMEOUT + SLACK
        assert isinstance(status.error, CameraStopped)
        assert status.error.params["source"] == f"stream:http://127.0.0.1:{port}/video.mjpg"
        assert status.error.params["seconds"] >= READ_TIMEOUT
        stalled_seq = camera.latest().seq  # type: ignore[union-attr]

        servers.append(MjpegServer(port))  # the camera comes back on the same address
        after = live_frame_after(camera, stalled_seq)
        assert camera.status().state == "live"
        # Frames from the new server process: its counter started again from 0.
        assert frame_number(after.image) < frame_number(before[-1].image)
        more = collect(camera, 0.5)
        assert more[-1].seq > after.seq
    finally:
        camera.stop()


def test_stream_frozen_mid_read_stalls_then_recovers(servers: list[MjpegServer]) -> None:
    """SIGSTOP keeps the connection open but sends nothing: the read hangs inside FFmpeg until
    its read timeout; the camera must report it and pick up again after SIGCONT."""
    servers.append(MjpegServer())
    pid = servers[0].process.pid
    camera = Camera(
        CameraSource(location=servers[0].url), read_timeout=READ_TIMEOUT, reopen_interval=REOPEN
    )
    camera.start()
    try:
        collect(camera, 0.5)
        os.kill(pid, signal.SIGSTOP)
        status = eventually(
            lambda: (s := camera.status()).state == "stalled" and s,
            READ_TIMEOUT + SLACK,
            "stalled while the stream is frozen",
        )
        assert isinstance(status.error, CameraStopped)
        stalled_seq = camera.latest().seq  # type: ignore[union-attr]
        os.kill(pid, signal.SIGCONT)
        live_frame_after(camera, stalled_seq + 3)  # a timed-out FFmpeg read needs a reopen
        assert camera.status().state == "live"
    finally:
        camera.stop()


# --- drivers that fail or hang (a real capture of the video, wrapped) ---------------------


class DriverFaults:
    """An opener handing out real ``cv2.VideoCapture`` objects of the test video whose
    ``read()`` raises while ``failing`` is set, or blocks (until ``unblock`` is set) on the
    reader with index ``hang_reader``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.failing = threading.Event()
        self.unblock = threading.Event()
        self.hang_reader: int | None = None
        self.hanging = threading.Event()  # set while a read is blocked
        self.opened = 0

    def __call__(self, source: CameraSource) -> Any:
        self.opened += 1
        return _FaultyCapture(self, self.opened, cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG))


class _FaultyCapture:
    def __init__(self, faults: DriverFaults, number: int, capture: cv2.VideoCapture) -> None:
        self._faults, self._number, self._capture = faults, number, capture

    def isOpened(self) -> bool:  # noqa: N802 (cv2's name)
        return self._capture.isOpened()

    def read(self) -> tuple[bool, Any]:
        if self._faults.failing.is_set():
            raise cv2.error("simulated driver error")
        if self._number == self._faults.hang_reader:
            self._faults.hanging.set()
            self._faults.unblock.wait(30)
        return self._capture.read()

    def get(self, prop: int) -> float:
        return self._capture.get(prop)

    def set(self, prop: int, value: float) -> bool:
        return self._capture.set(prop, value)

    def release(self) -> None:
        self._capture.release()


def test_driver_error_on_read_stalls_then_recovers(video: Path) -> None:
    faults = DriverFaults(video)
    camera = Camera(
        CameraSource(location=str(video)),
        read_timeout=READ_TIMEOUT,
        reopen_interval=REOPEN,
        opener=faults,
    )
    camera.start()
    try:
        live_frame_after(camera, -1)
        faults.failing.set()
        status = eventually(
            lambda: (s := camera.status()).state == "stalled" and s,
            READ_TIMEOUT + SLACK,
            "stalled after read errors",
        )
        assert isinstance(status.error, CameraStopped)
        assert status.error.params["source"] == "file:pattern.avi"
        # It keeps trying to reopen meanwhile.
        reopened = faults.opened
        eventually(lambda: faults.opened >= reopened + 2, 5 * REOPEN + SLACK, "reopen attempts")
        stalled_seq = camera.latest().seq  # type: ignore[union-attr]

        faults.failing.clear()
        live_frame_after(camera, stalled_seq)
        assert camera.status().state == "live"
    finally:
        camera.stop()


def test_hung_read_is_abandoned_and_the_camera_reopens(video: Path) -> None:
    faults = DriverFaults(video)
    faults.hang_reader = 1  # the first capture hangs on read; the next ones work
    camera = Camera(
        CameraSource(location=str(video)),
        read_timeout=READ_TIMEOUT,
        reopen_interval=REOPEN,
        opener=faults,
    )
    camera.start()
    try:
        assert faults.hanging.wait(READ_TIMEOUT + SLACK)
        status = eventually(
            lambda: (s := camera.status()).state == "stalled" and s,
            READ_TIMEOUT + SLACK,
            "stalled while the read hangs",
        )
        assert isinstance(status.error, CameraUnavailable)  # no frame ever came
        assert status.error.params["reason"] == "no-frames"
        frame = live_frame_after(camera, -1)  # from the second capture
        assert faults.opened >= 2 and frame.seq == 0
        assert camera.status().state == "live"
        # The abandoned helper is still stuck in the driver call; when the driver lets go it
        # releases its capture and ends.
        assert len([t for t in camera_threads() if t.name == "camera-io"]) == 2
        faults.unblock.set()
        eventually(
            lambda: len([t for t in camera_threads() if t.name == "camera-io"]) == 1,
            SLACK,
            "the abandoned helper ended",
        )
    finally:
        faults.unblock.set()
        camera.stop()


def test_stop_returns_while_a_read_hangs(video: Path) -> None:
    faults = DriverFaults(video)
    faults.hang_reader = 1
    camera = Camera(CameraSource(location=str(video)), read_timeout=READ_TIMEOUT, opener=faults)
    camera.start()
    try:
        assert faults.hanging.wait(READ_TIMEOUT + SLACK)
        started = time.monotonic()
        camera.stop()
        assert time.monotonic() - started <= READ_TIMEOUT + READ_GRACE + SLACK
        assert not camera.is_running
        assert [t.name for t in camera_threads()] == ["camera-io"]  # stuck in the driver
    finally:
        faults.unblock.set()
    eventually(lambda: camera_threads() == [], SLACK, "the stuck helper ended once released")


# --- lifecycle ----------------------------------------------------------------------------


def test_start_stop_leaves_no_thread_and_can_restart(video: Path) -> None:
    camera = Camera(CameraSource(location=str(video)))
    for _ in range(3):
        camera.start()
        camera.start()  # a second start is a no-op
        assert [t.name for t in threading.enumerate()].count("camera") == 1
        frame = live_frame_after(camera, -1 if camera.latest() is None else camera.latest().seq)
        assert frame.image.shape == (480, 640, 3)
        camera.stop()
        camera.stop()
        assert camera_threads() == []
        assert camera.status().state == "stopped"
    # seq keeps counting across restarts, so wait_for_frame(after_seq) stays meaningful.
    camera.start()
    try:
        assert live_frame_after(camera, frame.seq).seq > frame.seq
    finally:
        camera.stop()


def test_wait_for_frame_returns_none_when_stopped(video: Path) -> None:
    camera = Camera(CameraSource(location=str(video)))
    camera.start()
    frame = live_frame_after(camera, -1)
    result: list[Frame | None] = []
    waiter = threading.Thread(
        target=lambda: result.append(camera.wait_for_frame(frame.seq + 10**6, timeout=30))
    )
    waiter.start()
    camera.stop()
    waiter.join(SLACK)
    assert not waiter.is_alive() and result == [None]
