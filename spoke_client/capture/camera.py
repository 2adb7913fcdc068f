"""Camera preview: one reader thread that keeps only the latest frame.

A :class:`Camera` reads a :class:`CameraSource` (a device by index or name, a video file, or a
stream URL) on one thread named ``"camera"``. Nothing queues: each new frame replaces the last,
so a slow consumer (the preview widget, the call track) only ever sees the newest picture.
Frames are RGB ``H×W×3 uint8``, contiguous and read-only, so the UI can wrap the buffer in a
``QImage`` (``Format_RGB888``) without converting or copying.

Failures are codes, never sentences: :meth:`Camera.status` reports ``"stalled"`` with
:class:`CameraUnavailable` (``reason`` "absent", "busy" or "no-frames") when the source cannot be
opened or never sends a picture, and with :class:`CameraStopped` (``seconds`` since the last
frame) when frames stop arriving for longer than ``read_timeout``. Meanwhile the reader releases
the source and tries to open it again every ``reopen_interval``; the state goes back to
``"live"`` as soon as frames return.

Hung drivers. Every OpenCV call for one opened capture (open, settings, reads, release) runs on
a helper thread named ``"camera-io"`` that owns that capture; the ``"camera"`` thread hands it
one call at a time and waits with a timeout. Two reasons: some Windows drivers (DirectShow,
Media Foundation) tie a device to the thread that opened it, and a call stuck inside a driver
cannot be interrupted from Python. A read that has not returned after ``read_timeout`` +
:data:`READ_GRACE` is abandoned: the camera thread stops waiting, reopens the source on a fresh
helper, and the old helper releases its capture and ends whenever the driver lets go. Files and
streams are also opened with OpenCV's own ``CAP_PROP_OPEN_TIMEOUT_MSEC`` and
``CAP_PROP_READ_TIMEOUT_MSEC`` (honoured by the FFmpeg backend), so a dead stream normally ends
its read by itself and no helper is abandoned. :meth:`Camera.stop` wakes every wait, joins the
camera thread and, within ``read_timeout`` + :data:`READ_GRACE`, every helper: afterwards no
thread of this module is left, unless a driver call is stuck for good, in which case its daemon
helper is the only thing left behind and stop() still returns.

Pacing. A video file is read at the file's own frame rate (and looped at its end when
``CameraSource.loop``), so a file behaves like a live camera in demos and tests. Devices and
streams deliver at their own rate; their reads block until the next frame.

Backends. Devices use DirectShow on Windows (Media Foundation is avoided: it takes seconds to
start), V4L2 on Linux, AVFoundation on macOS; files and streams use FFmpeg when this OpenCV has
it. A device ``name`` is resolved to an index with the ``cv2-enumerate-cameras`` package when it
is installed; otherwise a named device is reported "absent".
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import cv2
import numpy as np

from spoke_client.capture.errors import CameraStopped, CameraUnavailable, CaptureError

log = logging.getLogger(__name__)

CameraState = Literal["starting", "live", "stalled", "stopped"]

#: Seconds a file or stream may take to open (FFmpeg's own open timeout).
OPEN_TIMEOUT = 5.0
#: Seconds the camera thread waits beyond OpenCV's own timeouts before it abandons a call
#: stuck inside a driver.
READ_GRACE = 0.5
#: A file reporting a frame rate outside (0, this] is paced at ``CameraSource.fps`` instead.
MAX_FILE_FPS = 240.0


@dataclass(frozen=True)
class CameraSource:
    """Where frames come from: ``location`` (a video file path or stream URL, for demos and
    tests), else a device by ``name``, else a device by ``index`` (0 when nothing is given).

    ``width``/``height``/``fps`` are requested from devices; frames bigger than
    ``width``×``height`` are scaled down to fit (aspect ratio kept). ``loop`` restarts a video
    file at its end; without it the camera keeps the file's last frame and, ``read_timeout``
    later, reports :class:`CameraStopped`. ``loop`` means nothing for devices and streams."""

    index: int | None = None
    name: str | None = None
    location: str | None = None
    width: int = 640
    height: int = 480
    fps: float = 15.0
    loop: bool = True

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or self.fps <= 0:
            raise ValueError("width, height and fps must be positive")
        if self.index is not None and self.index < 0:
            raise ValueError("a device index is not negative")

    @property
    def kind(self) -> Literal["file", "stream", "device"]:
        if self.location is not None:
            return "stream" if "://" in self.location else "file"
        return "device"

    @property
    def label(self) -> str:
        """How errors name this source: ``file:<name>``, ``stream:<url without credentials>``,
        ``device:<name>`` or ``device:<index>``."""
        if self.location is not None:
            if self.kind == "file":
                return f"file:{os.path.basename(self.location)}"
            parts = urlsplit(self.location)
            host = parts.hostname or ""
            if parts.port is not None:
                host = f"{host}:{parts.port}"
            return f"stream:{urlunsplit((parts.scheme, host, parts.path, '', ''))}"
        if self.name is not None:
            return f"device:{self.name}"
        return f"device:{self.index or 0}"


@dataclass(frozen=True, eq=False)
class Frame:
    """One picture: ``image`` is RGB ``H×W×3 uint8`` (contiguous, read-only); ``seq`` counts
    frames of one :class:`Camera` from 0, across restarts; ``at`` is ``time.monotonic()`` when
    it was read."""

    image: np.ndarray
    seq: int
    at: float

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True)
class CameraStatus:
    state: CameraState
    error: CaptureError | None = None


# --- opening a source ---------------------------------------------------------------------


def _device_backend() -> int:
    if sys.platform == "win32":
        return cv2.CAP_DSHOW
    if sys.platform.startswith("linux"):
        return cv2.CAP_V4L2
    if sys.platform == "darwin":
        return cv2.CAP_AVFOUNDATION
    return cv2.CAP_ANY


def resolve_device(source: CameraSource) -> tuple[int, int] | None:
    """``(index, backend)`` for a device source, or None when a named device cannot be found
    (or cannot be looked up because ``cv2-enumerate-cameras`` is not installed)."""
    backend = _device_backend()
    if source.name is None:
        return (source.index or 0, backend)
    try:
        enumerator = importlib.import_module("cv2_enumerate_cameras")
    except ImportError:
        return None
    try:
        cameras = list(enumerator.enumerate_cameras(backend))
    except Exception as exc:  # a driver error while listing devices: treat the name as absent
        log.warning("camera enumeration failed: %s", type(exc).__name__)
        return None
    for camera in cameras:
        if camera.name == source.name:
            return (int(camera.index), int(getattr(camera, "backend", backend)))
    return None


def open_capture(source: CameraSource, *, read_timeout: float = 2.0) -> Any:
    """Open ``source`` with the real ``cv2.VideoCapture`` (the default opener of
    :class:`Camera`). May return a capture that is not opened; never raises for a missing
    device or file."""
    if source.location is not None:
        backend = cv2.CAP_FFMPEG if cv2.videoio_registry.hasBackend(cv2.CAP_FFMPEG) else cv2.CAP_ANY
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(OPEN_TIMEOUT * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(read_timeout * 1000),
        ]
        return cv2.VideoCapture(source.location, backend, params)
    resolved = resolve_device(source)
    if resolved is None:
        return cv2.VideoCapture()  # not opened: reported "absent"
    index, backend = resolved
    capture = cv2.VideoCapture(index, backend)
    if capture.isOpened():
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, source.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, source.height)
        capture.set(cv2.CAP_PROP_FPS, source.fps)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # where supported: fewer stale frames queued
    return capture


def _why_unavailable(source: CameraSource) -> str:
    if source.kind == "file":
        assert source.location is not None
        return "no-frames" if os.path.exists(source.location) else "absent"
    if source.kind == "stream":
        return "absent"
    resolved = resolve_device(source)
    if resolved is None:
        return "absent"
    if sys.platform.startswith("linux"):
        # The device node is there but would not open: another program holds it.
        return "busy" if os.path.exists(f"/dev/video{resolved[0]}") else "absent"
    return "absent"


# --- the helper thread that owns one capture ----------------------------------------------


class _Hung(Exception):
    """A call on the capture thread did not finish in time, or the wait was interrupted."""


class _CaptureWorker:
    """One ``camera-io`` thread owning one capture; see the module docstring."""

    def __init__(self) -> None:
        self.capture: Any = None
        self._cond = threading.Condition()
        self._job: Callable[[_CaptureWorker], Any] | None = None
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None
        self._closing = False
        self._interrupted = False
        self._thread = threading.Thread(target=self._serve, name="camera-io", daemon=True)
        self._thread.start()

    def call(self, job: Callable[[_CaptureWorker], Any], timeout: float) -> Any:
        """Run ``job(self)`` on the capture thread and return its result (or raise what it
        raised); raise :class:`_Hung` if it is not done within ``timeout`` or if interrupted."""
        with self._cond:
            if self._interrupted:
                raise _Hung
            self._job, self._done, self._value, self._error = job, False, None, None
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._done or self._interrupted, timeout)
            if not self._done:
                raise _Hung
            if self._error is not None:
                raise self._error
            return self._value

    def interrupt(self) -> None:
        """Wake a caller waiting in :meth:`call` (it raises :class:`_Hung`)."""
        with self._cond:
            self._interrupted = True
            self._cond.notify_all()

    def close(self) -> None:
        """Ask the thread to release the capture and end (after the call in progress, if any).
        Does not wait: see :meth:`join`."""
        with self._cond:
            self._closing = self._interrupted = True
            self._cond.notify_all()

    def join(self, timeout: float) -> None:
        self._thread.join(max(0.0, timeout))

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _serve(self) -> None:
        try:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._job is not None or self._closing)
                    if self._closing:
                        break
                    job, self._job = self._job, None
                assert job is not None
                value: Any = None
                error: BaseException | None = None
                try:
                    value = job(self)
                except Exception as exc:
                    error = exc
                with self._cond:
                    self._value, self._error, self._done = value, error, True
                    self._cond.notify_all()
        finally:
            capture, self.capture = self.capture, None
            if capture is not None:
                try:
                    capture.release()
                except Exception as exc:
                    log.warning("camera release raised %s", type(exc).__name__)


# --- the camera ---------------------------------------------------------------------------


class Camera:
    """Preview of one :class:`CameraSource`; see the module docstring.

    ``opener(source)`` returns an object with ``cv2.VideoCapture``'s ``isOpened()``, ``read()``,
    ``release()``, ``set()`` and ``get()``; by default the real ``cv2.VideoCapture``
    (:func:`open_capture`)."""

    def __init__(
        self,
        source: CameraSource,
        *,
        read_timeout: float = 2.0,
        reopen_interval: float = 1.0,
        opener: Callable[[CameraSource], Any] | None = None,
    ) -> None:
        if read_timeout <= 0 or reopen_interval <= 0:
            raise ValueError("read_timeout and reopen_interval must be positive")
        self.source = source
        self.read_timeout = read_timeout
        self.reopen_interval = reopen_interval
        self._opener = opener or functools.partial(open_capture, read_timeout=read_timeout)
        self._lock = threading.Lock()
        self._new_frame = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._worker: _CaptureWorker | None = None
        self._latest: Frame | None = None
        self._next_seq = 0
        self._started_at = 0.0
        self._unavailable: str | None = None

    # -- public API --

    def start(self) -> None:
        """Start the reader thread (no-op if it is running)."""
        with self._lock:
            if self._thread is not None:
                return
            self._stop = threading.Event()
            self._latest = None
            self._unavailable = None
            self._started_at = time.monotonic()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), name="camera", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop reading, release the source and join the reader thread (bounded: see the
        module docstring). Safe to call twice."""
        with self._lock:
            thread = self._thread
            if thread is None:
                return
            self._stop.set()
            worker = self._worker
            self._new_frame.notify_all()
        if worker is not None:
            worker.interrupt()
        # The camera thread never blocks in OpenCV itself; it only waits for its helpers,
        # each bounded by read_timeout + READ_GRACE.
        thread.join(self.read_timeout + READ_GRACE + self.reopen_interval + 5.0)
        if thread.is_alive():
            log.error("camera thread did not end")
        with self._lock:
            self._thread = None

    @property
    def is_running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def latest(self) -> Frame | None:
        """The newest frame, or None before the first one."""
        with self._lock:
            return self._latest

    def wait_for_frame(self, after_seq: int = -1, *, timeout: float) -> Frame | None:
        """The newest frame once its ``seq`` is above ``after_seq``; None after ``timeout``
        seconds without one (or when the camera is stopped)."""
        with self._new_frame:
            self._new_frame.wait_for(
                lambda: (
                    (self._latest is not None and self._latest.seq > after_seq)
                    or self._stop.is_set()
                ),
                timeout,
            )
            latest = self._latest
            return latest if latest is not None and latest.seq > after_seq else None

    def status(self) -> CameraStatus:
        with self._lock:
            if self._thread is None:
                return CameraStatus("stopped")
            now = time.monotonic()
            label = self.source.label
            if self._latest is not None:
                age = now - self._latest.at
                if age <= self.read_timeout:
                    return CameraStatus("live")
                return CameraStatus("stalled", CameraStopped(source=label, seconds=round(age, 1)))
            if self._unavailable is not None:
                return CameraStatus(
                    "stalled", CameraUnavailable(source=label, reason=self._unavailable)
                )
            if now - self._started_at > self.read_timeout:
                return CameraStatus("stalled", CameraUnavailable(source=label, reason="no-frames"))
            return CameraStatus("starting")

    # -- the reader thread --

    def _run(self, stop: threading.Event) -> None:
        workers: list[_CaptureWorker] = []  # helpers that may still be alive
        try:
            while not stop.is_set():
                with self._lock:
                    if stop.is_set():
                        break
                    worker = self._worker = _CaptureWorker()
                workers.append(worker)
                try:
                    ended = self._session(worker, stop)
                except Exception:
                    log.exception("camera session failed")
                    ended = False
                worker.close()
                with self._lock:
                    self._worker = None
                if ended:  # a file without loop has ended: keep the last frame until stop()
                    stop.wait()
                    break
                stop.wait(self.reopen_interval)
                workers = [w for w in workers if w.alive]
        finally:
            deadline = time.monotonic() + self.read_timeout + READ_GRACE
            for worker in workers:
                worker.close()
            for worker in workers:
                worker.join(deadline - time.monotonic())

    def _session(self, worker: _CaptureWorker, stop: threading.Event) -> bool:
        """Open the source on ``worker`` and read until it fails or ``stop`` is set; True when
        a non-looping file has ended."""
        source = self.source
        try:
            opened = worker.call(self._open, OPEN_TIMEOUT + READ_GRACE)
        except _Hung:
            return False
        except Exception as exc:
            log.warning("camera open raised %s", type(exc).__name__)
            opened = False
        if not opened:
            reason = _why_unavailable(source)
            with self._lock:
                self._unavailable = reason
            return False
        with self._lock:
            self._unavailable = None

        period = 0.0
        if source.kind == "file":
            try:
                fps = float(worker.call(_get_fps, self.read_timeout + READ_GRACE))
            except _Hung:
                return False
            if not 0 < fps <= MAX_FILE_FPS:
                fps = source.fps
            period = 1.0 / fps
        due = time.monotonic()
        read_in_session = 0
        while not stop.is_set():
            if period:
                delay = due - time.monotonic()
                if delay > 0 and stop.wait(delay):
                    break
            try:
                ok, image = worker.call(_read, self.read_timeout + READ_GRACE)
            except _Hung:
                return False
            except Exception as exc:
                log.warning("camera read raised %s", type(exc).__name__)
                return False
            at = time.monotonic()
            if not ok or image is None:
                if source.kind != "file" or read_in_session == 0:
                    return False
                if not source.loop:
                    return True
                try:
                    if not worker.call(_rewind, self.read_timeout + READ_GRACE):
                        return False
                except Exception:  # _Hung included
                    return False
                read_in_session = 0
                continue
            read_in_session += 1
            self._publish(image, at)
            if period:
                due += period
                if due < at - period:  # fell behind (a slow machine): do not burst to catch up
                    due = at
        return False

    def _open(self, worker: _CaptureWorker) -> bool:
        worker.capture = self._opener(self.source)
        return worker.capture is not None and bool(worker.capture.isOpened())

    def _publish(self, image: np.ndarray, at: float) -> None:
        rgb = _to_rgb(image, self.source.width, self.source.height)
        rgb.flags.writeable = False
        with self._new_frame:
            frame = Frame(image=rgb, seq=self._next_seq, at=at)
            self._next_seq += 1
            self._latest = frame
            self._new_frame.notify_all()


def _get_fps(worker: _CaptureWorker) -> float:
    return float(worker.capture.get(cv2.CAP_PROP_FPS))


def _read(worker: _CaptureWorker) -> tuple[bool, Any]:
    return worker.capture.read()


def _rewind(worker: _CaptureWorker) -> bool:
    return bool(worker.capture.set(cv2.CAP_PROP_POS_FRAMES, 0))


def _to_rgb(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """BGR (or grey, or BGRA) from OpenCV → contiguous RGB, scaled down to fit width×height."""
    h, w = image.shape[:2]
    if w > width or h > height:
        scale = min(width / w, height / h)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
