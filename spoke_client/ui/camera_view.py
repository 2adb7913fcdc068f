"""A live camera picture, and the camera's troubles in words.

``CameraView`` polls a ``latest()`` callable (the engine's thread-safe, non-blocking
``latest_frame``) from a GUI-thread timer at about 15 frames a second. A frame's RGB numpy
buffer is shown as it is: the ``QImage`` wraps the array's memory (no copy) and the array is
kept alive as long as that image is; painting scales it into the label. When the camera
stalls or stops, the picture gives way to what happened and what to try, in words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from spoke_client.engine.errors import (
    CameraStopped,
    CameraUnavailable,
    CaptureError,
    FileRefused,
    MicrophoneUnavailable,
    SpeakerUnavailable,
)

translate = QCoreApplication.translate

FPS = 15


def camera_problem(error: BaseException | None) -> str:
    """Why there is no picture, and what to try."""
    if isinstance(error, CameraUnavailable):
        reason = error.params.get("reason")
        if reason == "absent":
            return translate("Capture", "No camera was found. Check that it is plugged in.")
        if reason == "busy":
            return translate(
                "Capture",
                "The camera is being used by another program. Close that program (a video call, for example).",
            )
        return translate("Capture", "The camera gives no picture. Unplug it and plug it in again.")
    if isinstance(error, CameraStopped):
        return stalled_words()
    return translate(
        "Capture", "The camera could not be started. Check that it is plugged in, then try again."
    )


def stalled_words(error: BaseException | None = None) -> str:
    """The camera is open but no picture comes: what to try while it reconnects by itself."""
    if isinstance(error, CameraUnavailable):
        return translate("Capture", "{problem} Then wait: it reconnects by itself.").format(
            problem=camera_problem(error)
        )
    return translate(
        "Capture",
        "No picture from the camera. Check the cable, then wait: it reconnects by itself.",
    )


def microphone_problem() -> str:
    return translate(
        "Capture",
        "The microphone could not be used. Check that it is plugged in and not used by another program, and that the right one is chosen in “Check camera and microphone”.",
    )


def speaker_problem() -> str:
    return translate(
        "Capture",
        "The sound could not be played. Check that the speakers are plugged in and switched on, and that the right ones are chosen.",
    )


def megabytes(size: Any) -> str:
    try:
        mb = float(size) / (1024 * 1024)
    except (TypeError, ValueError):
        return "?"
    return translate("Capture", "{mb} MB").format(mb=f"{mb:.1f}")


def file_refused(error: FileRefused) -> str:
    reason = error.params.get("reason")
    if reason == "too-large":
        return translate(
            "Capture",
            "This file is too large ({size}). Files up to {limit} can be attached. Choose a smaller file, or take a photo of the page instead.",
        ).format(
            size=megabytes(error.params.get("size")), limit=megabytes(error.params.get("limit"))
        )
    if reason == "unsupported-type":
        return translate(
            "Capture", "This kind of file cannot be attached. Choose a PDF, JPEG or PNG file."
        )
    return translate(
        "Capture",
        "This file could not be read. Check that the pen drive is still in and the file is not open in another program, then try again.",
    )


def capture_error(error: BaseException) -> str | None:
    """A capture failure in words, or None when it is not one (the caller words it)."""
    if isinstance(error, FileRefused):
        return file_refused(error)
    if isinstance(error, CameraUnavailable | CameraStopped):
        return camera_problem(error)
    if isinstance(error, MicrophoneUnavailable):
        return microphone_problem()
    if isinstance(error, SpeakerUnavailable):
        return speaker_problem()
    if isinstance(error, CaptureError):
        return translate("Capture", "The device did not work. Check its cable, then try again.")
    return None


class CameraView(QLabel):
    """The camera's picture, scaled into the label; its trouble in words when there is none."""

    frame_shown = Signal(int)  # the frame's sequence number
    status_changed = Signal(str)  # "starting" | "live" | "stalled" | "stopped" | "unavailable"

    def __init__(self, parent: QWidget | None = None, fps: int = FPS) -> None:
        super().__init__(parent)
        self.setObjectName("camera_view")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setStyleSheet("QLabel#camera_view { background: #222; color: white; padding: 12px; }")
        self._latest: Callable[[], Any] | None = None
        self._status: Callable[[], Any] | None = None
        self._array: Any = None  # the frame's buffer: alive as long as _image points into it
        self._image: QImage | None = None
        self._seq: int | None = None
        self.state = "stopped"
        self._error: BaseException | None = None
        self.frames_shown = 0
        self.timer = QTimer(self)
        self.timer.setInterval(1000 // fps)
        self.timer.timeout.connect(self.poll)
        self.retranslate()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(480, 360)

    # ---- feeding ----------------------------------------------------------------------------
    def start(self, latest: Callable[[], Any], status: Callable[[], Any] | None = None) -> None:
        """Show what ``latest()`` returns (a frame with .image, .seq, or None) from now on."""
        self._latest, self._status = latest, status
        self._seq, self._error = None, None
        self._set_state("starting")
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        """Stop polling and let go of the camera's callables (the picture stays on screen)."""
        self.timer.stop()
        self._latest = self._status = None

    def show_starting(self) -> None:
        self._clear()
        self._error = None
        self._set_state("starting")

    def show_unavailable(self, error: BaseException | None) -> None:
        """The camera could not be opened at all: say why, and what to try."""
        self.stop()
        self._clear()
        self._error = error
        self._set_state("unavailable")

    @property
    def is_live(self) -> bool:
        return self.state == "live" and self._image is not None and self.timer.isActive()

    @property
    def image(self) -> QImage | None:
        """The picture now on screen (it points into ``current_array()``)."""
        return self._image

    def current_array(self) -> Any:
        """The RGB array now on screen (None when there is no picture)."""
        return self._array if self._image is not None else None

    def poll(self) -> None:
        if self._latest is None:
            return
        status = self._status() if self._status is not None else None
        state = getattr(status, "state", None) or "live"
        if state in ("stalled", "stopped"):
            self._clear()
            self._error = getattr(status, "error", None)
            self._set_state(state)
            return
        frame = self._latest()
        if frame is None or frame.seq == self._seq:
            if state == "starting":
                self._set_state("starting")
            return
        self._show(frame)
        self._set_state("live")

    def _show(self, frame: Any) -> None:
        array = frame.image
        if not array.flags["C_CONTIGUOUS"]:
            return  # the capture layer hands out packed RGB; anything else is not shown
        height, width = array.shape[:2]
        # The QImage points into the array's memory: keep the array for as long as the image.
        image = QImage(array.data, width, height, width * 3, QImage.Format.Format_RGB888)
        self._image, self._array, self._seq = image, array, frame.seq
        self.frames_shown += 1
        self.update()
        self.frame_shown.emit(frame.seq)

    def _clear(self) -> None:
        self._image = None
        self._array = None
        self.update()

    # ---- words ------------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        changed = state != self.state
        self.state = state
        self._show_words()
        if changed:
            self.status_changed.emit(state)

    def retranslate(self) -> None:
        self._show_words()

    def status_words(self) -> str:
        if self.state == "starting":
            return self.tr("Starting the camera…")
        if self.state == "stalled":
            return stalled_words(self._error)
        if self.state == "stopped" and self._latest is None and self._error is None:
            return self.tr("The camera is off.")
        if self.state in ("stopped", "unavailable"):
            return camera_problem(self._error)
        return ""

    def _show_words(self) -> None:
        self.setText("" if self._image is not None else self.status_words())

    # ---- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        if self._image is None:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(self.rect().center())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)
        painter.end()
