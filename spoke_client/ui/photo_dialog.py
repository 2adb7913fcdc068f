"""The capture dialogs' common ground, and the photo dialog: live picture → Take photo →
quality check → kept, or a retake prompt in words ("The photo looks blurred…") with
"Retake" and "Keep it anyway".

Everything goes through the engine's capture desk (``bridge.engine.capture``) with
``bridge.call``; the GUI thread only polls the desk's thread-safe, non-blocking getters.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from spoke_client.ui.bridge import Bridge
from spoke_client.ui.camera_view import CameraView, capture_error
from spoke_client.ui.common import show_message
from spoke_client.ui.intake.base import error_words

translate = QCoreApplication.translate


def problem_words(problems: tuple[str, ...]) -> str:
    """What is wrong with a photo, and how to take a better one."""
    said = []
    for problem in problems:
        if problem == "blurred":
            said.append(
                translate(
                    "Capture", "The photo looks blurred. Hold the camera still and take it again."
                )
            )
        elif problem == "too-dark":
            said.append(
                translate(
                    "Capture",
                    "The photo is too dark. Turn on a light or move near a window, then take it again.",
                )
            )
        elif problem == "too-bright":
            said.append(
                translate(
                    "Capture",
                    "The photo is too bright. Move out of direct sunlight or away from the lamp, then take it again.",
                )
            )
        else:
            said.append(translate("Capture", "The photo may not be clear enough. Take it again."))
    return " ".join(said)


def say(label: QLabel, text: str, *, error: bool = False) -> None:
    """A message line: an error in red (and in words), progress in plain text."""
    name = "error" if error else "info"
    if label.objectName() != name:
        label.setObjectName(name)
        label.style().unpolish(label)
        label.style().polish(label)
    show_message(label, text)


def failure_words(error: BaseException) -> str:
    return capture_error(error) or error_words(error)


class CaptureDialog(QDialog):
    """Shared by the photo and recording dialogs: engine calls that are dropped once the
    dialog is closed, the camera opened and closed with it, and a message line."""

    attached = Signal(str)  # media id
    camera_live = Signal()

    def __init__(self, bridge: Bridge, encounter_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModal(True)
        self.bridge = bridge
        self.desk = bridge.engine.capture
        self.encounter_id = encounter_id
        self.camera: Any = None
        self.view: CameraView | None = None
        self.busy = False  # something is being saved: closing waits for it
        self._closed = False
        self._pending = 0
        self.message = QLabel(objectName="info", wordWrap=True)
        self.message.setVisible(False)
        self.try_again_button = QPushButton(objectName="try_again")
        self.try_again_button.setAutoDefault(True)
        self.try_again_button.setVisible(False)
        self.try_again_button.clicked.connect(self.try_again)

    def call(
        self, coro: Coroutine, on_ok: Callable[[Any], None], on_err=None, *, always: bool = False
    ) -> None:
        """bridge.call whose callbacks are dropped after the dialog closed (``always``: the
        result is still taken, e.g. a camera to close or a media id to announce)."""
        self._pending += 1

        def ok(value: Any) -> None:
            self._pending -= 1
            if always or not self._closed:
                on_ok(value)
            self._collect()

        def err(error: BaseException) -> None:
            self._pending -= 1
            if not self._closed:
                (on_err or self.failed)(error)
            self._collect()

        self.bridge.call(coro, ok, err)

    # ---- the camera -------------------------------------------------------------------------
    def open_camera(self) -> None:
        assert self.view is not None
        self.view.show_starting()
        self.call(self.desk.open_camera(), self._camera_opened, self._camera_failed, always=True)

    def _camera_opened(self, handle: Any) -> None:
        self.camera = handle
        if not self._closed:  # else _collect closes it
            self.show_camera()

    def show_camera(self) -> None:
        handle, desk = self.camera, self.desk
        self.view.start(lambda: desk.latest_frame(handle), lambda: desk.camera_status(handle))

    def _camera_failed(self, error: BaseException) -> None:
        self.view.show_unavailable(error)

    def _on_camera_state(self, state: str) -> None:
        broken = state in ("unavailable", "stopped")
        self.try_again_button.setVisible(broken)
        if broken:
            self.try_again_button.setDefault(True)
            self.try_again_button.setFocus()
        if state == "live":
            self.camera_live.emit()

    def try_again(self) -> None:
        """Open the camera again (after it was plugged in, or the other program closed)."""
        if self.busy or self._closed:
            return
        if self.camera is not None:
            camera, self.camera = self.camera, None
            self._pending += 1
            self.bridge.call(self.desk.close_camera(camera), self._closed_one, self._closed_one)
        self.try_again_button.setVisible(False)
        self.open_camera()

    def failed(self, error: BaseException) -> None:
        self.busy = False
        say(self.message, failure_words(error), error=True)

    def announce(self, media_id: str) -> None:
        """Saved: tell the panel (even if the dialog was closed meanwhile), then close."""
        self.busy = False
        self.attached.emit(media_id)
        if not self._closed:
            self.accept()

    def abandon(self) -> None:
        """Close now, whatever is going on (the screen is leaving: lock, another screen)."""
        self.busy = False
        if not self._closed:
            self.done(QDialog.DialogCode.Rejected)

    # ---- closing ----------------------------------------------------------------------------
    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def done(self, result: int) -> None:
        if not self._closed:
            self._closed = True
            self.finish()
        super().done(result)
        self._collect()

    def finish(self) -> None:
        """The dialog is closing: stop what it started (subclasses add to this)."""
        if self.view is not None:
            self.view.stop()
        if self.camera is not None:
            camera, self.camera = self.camera, None
            self._pending += 1
            self.bridge.call(self.desk.close_camera(camera), self._closed_one, self._closed_one)

    def _closed_one(self, _value: Any) -> None:
        self._pending -= 1
        self._collect()

    def _collect(self) -> None:
        if not self._closed:
            return
        if self.camera is not None:  # opened after the dialog was closed
            self.finish()
        if self._pending == 0:
            self.deleteLater()


class PhotoDialog(CaptureDialog):
    """Live picture → Take photo → quality check → kept, or a retake prompt in words."""

    checked = Signal(object)  # the PhotoCheck

    def __init__(self, bridge: Bridge, encounter_id: str, parent: QWidget | None = None) -> None:
        super().__init__(bridge, encounter_id, parent)
        self.setObjectName("photo_dialog")
        self.image: Any = None  # the still being checked or kept
        self.check: Any = None
        outer = QVBoxLayout(self)
        self.view = CameraView()
        self.view.status_changed.connect(self._on_camera_state)
        outer.addWidget(self.view, 1)
        self.prompt = QLabel(objectName="photo_prompt", wordWrap=True)
        self.prompt.setStyleSheet("font-weight: bold; color: #8a4b00;")
        self.prompt.setVisible(False)
        outer.addWidget(self.prompt)
        outer.addWidget(self.message)
        row = QHBoxLayout()
        self.take_button = QPushButton(objectName="primary")
        self.retake_button = QPushButton(objectName="retake")
        self.keep_button = QPushButton(objectName="keep_anyway")
        self.close_button = QPushButton(objectName="close")
        for b in (self.take_button, self.retake_button, self.keep_button):
            b.setAutoDefault(True)
            row.addWidget(b)
        row.addWidget(self.try_again_button)
        row.addStretch()
        row.addWidget(self.close_button)
        outer.addLayout(row)
        self.take_button.clicked.connect(self.take)
        self.retake_button.clicked.connect(self.retake)
        self.keep_button.clicked.connect(self.keep)
        self.close_button.clicked.connect(self.reject)
        self.camera_live.connect(self._refresh)
        self.view.status_changed.connect(self._refresh)
        self.retranslate()
        self._set_prompt("")
        self.resize(760, 600)
        self.open_camera()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Take a photo"))
        self.try_again_button.setText(self.tr("Try again"))
        self.take_button.setText(self.tr("Take photo (Enter)"))
        self.retake_button.setText(self.tr("Retake"))
        self.keep_button.setText(self.tr("Keep it anyway"))
        self.close_button.setText(self.tr("Close (Esc)"))
        if self.check is not None and self.check.problems:
            self.prompt.setText(problem_words(self.check.problems))
        self.view.retranslate()

    def _refresh(self, *_args: object) -> None:
        asking = self.prompt.isVisible()
        self.take_button.setVisible(not asking)
        self.take_button.setEnabled(self.view.is_live and not self.busy)
        self.retake_button.setVisible(asking)
        self.keep_button.setVisible(asking)
        for b in (self.retake_button, self.keep_button, self.close_button):
            b.setEnabled(not self.busy)
        if self.take_button.isEnabled() and not asking:
            self.take_button.setDefault(True)
            self.take_button.setFocus()

    def _set_prompt(self, text: str) -> None:
        self.prompt.setText(text)
        self.prompt.setVisible(bool(text))
        self._refresh()

    @property
    def asking_retake(self) -> bool:
        return self.prompt.isVisible()

    def take(self) -> None:
        image = self.view.current_array()
        if image is None or self.busy:
            return
        self.view.stop()  # the still stays on screen while it is checked
        self.image, self.check, self.busy = image, None, True
        say(self.message, self.tr("Checking the photo…"))
        self._refresh()
        self.call(self.desk.check_photo(image), self._checked, self._check_failed)

    def _checked(self, check: Any) -> None:
        self.check = check
        self.checked.emit(check)
        if check.problems:
            self.busy = False
            show_message(self.message, "")
            self._set_prompt(problem_words(check.problems))
            self.retake_button.setDefault(True)
            self.retake_button.setFocus()
        else:
            self.keep()

    def _check_failed(self, _error: BaseException) -> None:
        self.keep()  # the check only advises: the photo is kept without it

    def retake(self) -> None:
        if self.busy or self.camera is None:
            return
        self.image = self.check = None
        show_message(self.message, "")
        self._set_prompt("")
        self.show_camera()

    def keep(self) -> None:
        if self.image is None:
            return
        self.busy = True
        say(self.message, self.tr("Saving the photo…"))
        self._refresh()
        self.call(self.desk.attach_photo(self.encounter_id, self.image), self.announce, always=True)

    def failed(self, error: BaseException) -> None:
        super().failed(error)
        if self.image is not None:  # not saved: keep it (try again) or take another
            self._set_prompt(self.tr("The photo was not saved."))
        self._refresh()
