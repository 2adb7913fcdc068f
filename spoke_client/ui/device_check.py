"""Check camera and microphone: before the first consult of the day, the operator sees the
camera's picture, makes the microphone's bar move, and hears a test sound. Each part says
"working" or "not working" in words, and what to try when it is not. The microphone and
speaker chosen here are remembered for this desktop (``choose_devices``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spoke_client.ui.camera_view import CameraView, camera_problem
from spoke_client.ui.common import AppContext, Screen
from spoke_client.ui.photo_dialog import failure_words
from spoke_client.ui.recording_dialog import level_percent

PASS_DBFS = -40.0  # the microphone passes when the level rises above this
FRAMES_TO_PASS = 3
QUIET_HINT_MS = 10_000  # nothing heard for this long: say what to try (and keep listening)


def column(*items: QWidget | QHBoxLayout | int) -> QVBoxLayout:
    """Widgets top to bottom (buttons at their own width), rows, and spacings in pixels."""
    layout = QVBoxLayout()
    for item in items:
        if isinstance(item, int):
            layout.addSpacing(item)
        elif isinstance(item, QHBoxLayout):
            layout.addLayout(item)
        elif isinstance(item, QPushButton):
            layout.addWidget(item, 0, Qt.AlignmentFlag.AlignLeft)
        else:
            layout.addWidget(item)
    return layout


def verdict_style(label: QLabel, passed: bool | None) -> None:
    """Pass/fail in words first; colour only helps."""
    color = {True: "#1b5e20", False: "#b00020", None: "#333"}[passed]
    label.setStyleSheet(f"color: {color}; font-weight: bold;")


class DeviceCheckScreen(Screen):
    name = "device_check"
    camera_checked = Signal(bool)
    microphone_checked = Signal(bool)
    speaker_checked = Signal(bool)
    devices_loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._generation = 0
        self._attempt = 0  # each opening of a device; a stale one is closed on arrival
        self._camera_token: tuple[int, int] | None = None
        self._mic_token: tuple[int, int] | None = None
        self._reopen_on_show = False
        self.camera: Any = None  # the engine's handles while they are open
        self.microphone: Any = None
        # each check: None (not known yet), True (working) or False (not working)
        self.camera_passed = self.mic_passed = self.speaker_passed = None
        self._camera_error: BaseException | None = None
        self._speaker_error: BaseException | None = None
        self._quiet = self._tone_played = False
        self._devices: dict[str, Any] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        top = QHBoxLayout()
        self.title = QLabel(objectName="title")
        top.addWidget(self.title)
        top.addStretch()
        self.back_button = QPushButton(objectName="back")
        top.addWidget(self.back_button)
        outer.addLayout(top)
        self.intro = QLabel(wordWrap=True)
        outer.addWidget(self.intro)
        self.banner = QLabel(objectName="banner", wordWrap=True)  # why we are here, if sent
        self.banner.setVisible(False)
        outer.addWidget(self.banner)

        grid = QGridLayout()
        outer.addLayout(grid, 1)
        self.camera_heading, self.mic_heading, self.speaker_heading = (
            QLabel(objectName="section") for _ in range(3)
        )
        self.camera_view = CameraView()
        self.camera_result = QLabel(objectName="camera_result", wordWrap=True)
        self.camera_retry = QPushButton(objectName="camera_try_again", visible=False)
        self.input_label, self.output_label, self.heard_question = QLabel(), QLabel(), QLabel()
        self.input_choice = QComboBox(objectName="input_choice")
        self.output_choice = QComboBox(objectName="output_choice")
        self.input_label.setBuddy(self.input_choice)
        self.output_label.setBuddy(self.output_choice)
        self.mic_prompt = QLabel(wordWrap=True)
        self.mic_level = QProgressBar(objectName="mic_level", textVisible=False)
        self.mic_result = QLabel(objectName="mic_result", wordWrap=True)
        self.mic_retry = QPushButton(objectName="mic_try_again", visible=False)
        self.tone_button = QPushButton(objectName="play_tone")
        self.heard_yes = QPushButton(objectName="heard_yes")
        self.heard_no = QPushButton(objectName="heard_no")
        self.speaker_result = QLabel(objectName="speaker_result", wordWrap=True)
        heard = QHBoxLayout()
        for w in (self.heard_question, self.heard_yes, self.heard_no):
            heard.addWidget(w)
        heard.addStretch()
        left = column(self.camera_heading, self.camera_view, self.camera_result, self.camera_retry)
        left.setStretchFactor(self.camera_view, 1)
        right = column(
            self.mic_heading, self.input_label, self.input_choice, self.mic_prompt,
            self.mic_level, self.mic_result, self.mic_retry, 16,
            self.speaker_heading, self.output_label, self.output_choice, self.tone_button,
            heard, self.speaker_result,
        )  # fmt: skip
        right.addStretch()
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        for label in (self.camera_heading, self.mic_heading, self.speaker_heading):
            label.setStyleSheet("font-size: 18px; font-weight: bold;")

        self.level_timer = QTimer(self)
        self.level_timer.setInterval(100)
        self.level_timer.timeout.connect(self._show_level)
        self.quiet_timer = QTimer(self)
        self.quiet_timer.setSingleShot(True)
        self.quiet_timer.setInterval(QUIET_HINT_MS)
        self.quiet_timer.timeout.connect(self._nothing_heard)

        self.back_button.clicked.connect(self.back)
        self.camera_view.frame_shown.connect(self._frame_shown)
        self.camera_view.status_changed.connect(self._camera_state)
        self.camera_retry.clicked.connect(self.open_camera)
        self.mic_retry.clicked.connect(self.open_microphone)
        self.tone_button.clicked.connect(self.play_tone)
        self.heard_yes.clicked.connect(lambda: self.heard(True))
        self.heard_no.clicked.connect(lambda: self.heard(False))
        self.input_choice.activated.connect(lambda _i: self._choose(reopen_microphone=True))
        self.output_choice.activated.connect(lambda _i: self._choose(reopen_microphone=False))
        self.shortcut("Esc", self.back)
        self.shortcut("Ctrl+T", self.play_tone)
        self.retranslate()

    # ---- words ------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(self.tr("Check camera and microphone"))
        self.back_button.setText(self.tr("Back (Esc)"))
        self.intro.setText(
            self.tr("Check these before a consult: the doctor needs to see and hear the patient.")
        )
        self.camera_heading.setText(self.tr("Camera"))
        self.camera_retry.setText(self.tr("Try the camera again"))
        self.mic_heading.setText(self.tr("Microphone"))
        self.input_label.setText(self.tr("Microphone to use:"))
        self.mic_prompt.setText(self.tr("Say something: the bar should move."))
        self.mic_retry.setText(self.tr("Try the microphone again"))
        self.speaker_heading.setText(self.tr("Speaker"))
        self.output_label.setText(self.tr("Speaker to use:"))
        self.tone_button.setText(self.tr("Play a test sound (Ctrl+T)"))
        self.heard_question.setText(self.tr("Did you hear it?"))
        self.heard_yes.setText(self.tr("Yes"))
        self.heard_no.setText(self.tr("No"))
        self._fill_choices()
        self._show_camera_result()
        self._show_mic_result()
        self._show_speaker_result()
        self.camera_view.retranslate()

    def _show_camera_result(self) -> None:
        if self.camera_passed:
            text = self.tr("Camera: working. The patient should be clearly seen in the picture.")
        elif self.camera_passed is False:
            advice = self.camera_view.status_words() or camera_problem(self._camera_error)
            text = self.tr("Camera: not working. {advice}").format(advice=advice)
        else:
            text = self.tr("Camera: checking…")
        self.camera_result.setText(text)
        verdict_style(self.camera_result, self.camera_passed)
        self.camera_retry.setVisible(
            self.camera_passed is False and self.camera_view.state != "stalled"
        )

    def _show_mic_result(self) -> None:
        if self.mic_passed:
            text = self.tr("Microphone: working. We heard you.")
        elif self.mic_passed is False:
            text = self.tr(
                "Microphone: not working. Check that it is plugged in and not used by another program, and that the right one is chosen above. Then press “Try the microphone again”."
            )
        elif self._quiet:
            text = self.tr(
                "Nothing heard yet. Check that the microphone is plugged in and not muted, and that the right one is chosen above. Then speak again."
            )
        else:
            text = self.tr("Microphone: listening…")
        self.mic_result.setText(text)
        verdict_style(self.mic_result, self.mic_passed)
        self.mic_retry.setVisible(self.mic_passed is False)

    def _show_speaker_result(self) -> None:
        if self.speaker_passed:
            text = self.tr("Speaker: working.")
        elif self.speaker_passed is False and self._speaker_error is not None:
            text = self.tr("Speaker: not working. {advice}").format(
                advice=failure_words(self._speaker_error)
            )
        elif self.speaker_passed is False:
            text = self.tr(
                "Speaker: not working. Turn the volume up, check that the speakers are plugged in and switched on, and that the right ones are chosen above. Then play the sound again."
            )
        else:
            text = self.tr("Speaker: press “Play a test sound” and listen.")
        self.speaker_result.setText(text)
        verdict_style(self.speaker_result, self.speaker_passed)
        for w in (self.heard_question, self.heard_yes, self.heard_no):
            w.setVisible(self._tone_played)

    def _fill_choices(self) -> None:
        chosen = self._devices.get("chosen") or {}
        for combo, names, current in (
            (self.input_choice, self._devices.get("inputs") or [], chosen.get("input")),
            (self.output_choice, self._devices.get("outputs") or [], chosen.get("output")),
        ):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("The computer's usual one"), None)
            for name in names:
                combo.addItem(name, name)
            if current and current not in names:
                combo.addItem(self.tr("{name} (not found now)").format(name=current), current)
            combo.setCurrentIndex(max(0, combo.findData(current)) if current else 0)
            combo.blockSignals(False)

    # ---- showing and leaving ----------------------------------------------------------------
    def on_show(self, *, message: str | None = None, **_params: Any) -> None:
        self.banner.setText(message or "")
        self.banner.setVisible(bool(message))
        self._reopen_on_show = False
        self._generation += 1
        self.camera_passed = self.mic_passed = self.speaker_passed = None
        self._camera_error = self._speaker_error = None
        self._tone_played = self._quiet = False
        self.retranslate()
        if self.bridge.engine is None:
            return
        self.bridge.call(self.desk.devices(), self._guard(self._got_devices), lambda _e: None)
        self.open_camera()
        self.open_microphone()
        self.back_button.setFocus()

    @property
    def desk(self) -> Any:
        return self.bridge.engine.capture

    def _guard(self, fn: Callable[[Any], None]) -> Callable[[Any], None]:
        generation = self._generation
        return lambda value: fn(value) if generation == self._generation else None

    def back(self) -> None:
        self.ctx.go("home")

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt's name)
        self._generation += 1  # whatever is still on its way is closed on arrival
        self._reopen_on_show = True
        self.close_camera()
        self.close_microphone()
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._reopen_on_show:  # back from the lock screen: the devices were let go
            self.on_show()

    def _token(self) -> tuple[int, int]:
        self._attempt += 1
        return self._generation, self._attempt

    def _got_devices(self, devices: dict[str, Any]) -> None:
        self._devices = devices
        self._fill_choices()
        self.devices_loaded.emit()

    # ---- camera -----------------------------------------------------------------------------
    def open_camera(self) -> None:
        self.close_camera()
        self.camera_passed, self._camera_error = None, None
        self.camera_view.show_starting()
        self._show_camera_result()
        token = self._camera_token = self._token()
        self.bridge.call(
            self.desk.open_camera(),
            lambda handle: self._camera_opened(token, handle),
            lambda error: self._camera_failed(error) if self._camera_token == token else None,
        )

    def _camera_opened(self, token: tuple[int, int], handle: Any) -> None:
        if token != self._camera_token or token[0] != self._generation:
            self.bridge.call(self.desk.close_camera(handle), None, lambda _e: None)
            return
        self.camera = handle
        desk = self.desk
        self.camera_view.start(
            lambda: desk.latest_frame(handle), lambda: desk.camera_status(handle)
        )

    def _camera_failed(self, error: BaseException) -> None:
        self._camera_error = error
        self.camera_view.show_unavailable(error)

    def _frame_shown(self, _seq: int) -> None:
        if self.camera_view.frames_shown >= FRAMES_TO_PASS and not self.camera_passed:
            self._camera_verdict(True)

    def _camera_state(self, state: str) -> None:
        if state in ("stalled", "stopped", "unavailable"):
            self._camera_verdict(False)

    def _camera_verdict(self, passed: bool) -> None:
        self.camera_passed = passed
        self._show_camera_result()
        self.camera_checked.emit(passed)

    def close_camera(self) -> None:
        self.camera_view.stop()
        if self.camera is not None:
            handle, self.camera = self.camera, None
            self.bridge.call(self.desk.close_camera(handle), None, lambda _e: None)

    # ---- microphone -------------------------------------------------------------------------
    def open_microphone(self) -> None:
        self.close_microphone()
        self.mic_passed, self._quiet = None, False
        self._show_mic_result()
        token = self._mic_token = self._token()
        self.bridge.call(
            self.desk.open_microphone(),
            lambda handle: self._mic_opened(token, handle),
            lambda error: self._mic_failed(error) if self._mic_token == token else None,
        )

    def _mic_opened(self, token: tuple[int, int], handle: Any) -> None:
        if token != self._mic_token or token[0] != self._generation:
            self.bridge.call(self.desk.close_microphone(handle), None, lambda _e: None)
            return
        self.microphone = handle
        self.level_timer.start()
        self.quiet_timer.start()

    def _mic_failed(self, _error: BaseException) -> None:
        self.mic_passed = False
        self._show_mic_result()
        self.microphone_checked.emit(False)

    def _show_level(self) -> None:
        if self.microphone is None:
            return
        dbfs = self.desk.microphone_level(self.microphone)
        self.mic_level.setValue(level_percent(dbfs))
        if dbfs > PASS_DBFS and not self.mic_passed:
            self.mic_passed, self._quiet = True, False
            self.quiet_timer.stop()
            self._show_mic_result()
            self.microphone_checked.emit(True)

    def _nothing_heard(self) -> None:
        if not self.mic_passed:
            self._quiet = True
            self._show_mic_result()

    def close_microphone(self) -> None:
        self.level_timer.stop()
        self.quiet_timer.stop()
        self.mic_level.setValue(0)
        if self.microphone is not None:
            handle, self.microphone = self.microphone, None
            self.bridge.call(self.desk.close_microphone(handle), None, lambda _e: None)

    # ---- speaker ----------------------------------------------------------------------------
    def play_tone(self) -> None:
        if self.bridge.engine is None or not self.tone_button.isEnabled():
            return
        self.tone_button.setEnabled(False)
        self.speaker_passed, self._speaker_error = None, None
        self.bridge.call(
            self.desk.play_test_tone(), self._guard(self._tone_done), self._guard(self._tone_failed)
        )

    def _tone_done(self, _none: Any) -> None:
        self.tone_button.setEnabled(True)
        self._tone_played = True
        self._show_speaker_result()
        self.heard_yes.setFocus()

    def _tone_failed(self, error: BaseException) -> None:
        self.tone_button.setEnabled(True)
        self._speaker_error, self._tone_played = error, False
        self.speaker_passed = False
        self._show_speaker_result()
        self.speaker_checked.emit(False)

    def heard(self, yes: bool) -> None:
        self.speaker_passed = yes
        self._tone_played = False
        self._show_speaker_result()
        self.speaker_checked.emit(yes)
        self.tone_button.setFocus()

    # ---- device choice ----------------------------------------------------------------------
    def _choose(self, *, reopen_microphone: bool) -> None:
        if not reopen_microphone:  # another speaker: its test starts again
            self.speaker_passed, self._tone_played = None, False
            self._show_speaker_result()
        chosen_input = self.input_choice.currentData()
        chosen_output = self.output_choice.currentData()
        self._devices.setdefault("chosen", {}).update(input=chosen_input, output=chosen_output)
        # Remembered for this desktop; the microphone is opened again with the new choice.
        after = self._guard(lambda _none: self.open_microphone() if reopen_microphone else None)
        self.bridge.call(self.desk.choose_devices(chosen_input, chosen_output), after, after)
