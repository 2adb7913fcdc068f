"""Recording an audio note (it starts at once, with a level meter) or a short clip (live
picture, then Start): elapsed time against the limit, and Stop, which keeps it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from spoke_client.ui.bridge import Bridge
from spoke_client.ui.camera_view import CameraView
from spoke_client.ui.common import show_message
from spoke_client.ui.photo_dialog import CaptureDialog, say

AUDIO_NOTE_SECONDS = 120  # the engine's limits (it stops the recording there by itself)
CLIP_SECONDS = 30
FLOOR_DBFS = -60.0  # the level meter's empty end


def clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def level_percent(dbfs: float) -> int:
    """dBFS (−∞…0) onto the meter's 0…100."""
    if dbfs != dbfs or dbfs <= FLOOR_DBFS:  # NaN or silence
        return 0
    return min(100, round((dbfs - FLOOR_DBFS) * 100 / -FLOOR_DBFS))


class RecordingDialog(CaptureDialog):
    """An audio note (starts at once, with a level meter) or a clip (live picture, then
    Start): elapsed time against the limit, and Stop, which keeps the recording."""

    started = Signal()

    def __init__(
        self, bridge: Bridge, encounter_id: str, kind: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(bridge, encounter_id, parent)
        self.kind = kind  # "audio" | "video"
        self.setObjectName(f"record_{kind}_dialog")
        self.limit = AUDIO_NOTE_SECONDS if kind == "audio" else CLIP_SECONDS
        self.recording: Any = None
        self.elapsed_seconds = 0.0
        outer = QVBoxLayout(self)
        self.prompt = QLabel(objectName="record_prompt", wordWrap=True)
        outer.addWidget(self.prompt)
        if kind == "video":
            self.view = CameraView()
            self.view.status_changed.connect(self._on_camera_state)
            self.view.status_changed.connect(self._refresh)
            outer.addWidget(self.view, 1)
        self.elapsed = QLabel(objectName="elapsed")
        self.elapsed.setStyleSheet("font-size: 22px; font-weight: bold;")
        outer.addWidget(self.elapsed)
        self.level_label = QLabel()
        self.level = QProgressBar(objectName="level_meter")
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        level_row = QHBoxLayout()
        level_row.addWidget(self.level_label)
        level_row.addWidget(self.level, 1)
        outer.addLayout(level_row)
        for w in (self.level_label, self.level):
            w.setVisible(kind == "audio")
        outer.addWidget(self.message)
        row = QHBoxLayout()
        self.start_button = QPushButton(objectName="primary")
        self.stop_button = QPushButton(objectName="stop")
        self.close_button = QPushButton(objectName="close")
        for b in (self.start_button, self.stop_button):
            b.setAutoDefault(True)
            row.addWidget(b)
        row.addWidget(self.try_again_button)
        row.addStretch()
        row.addWidget(self.close_button)
        outer.addLayout(row)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.close_button.clicked.connect(self.reject)
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._tick)
        self.retranslate()
        self.resize(760, 600 if kind == "video" else 260)
        if kind == "video":
            self.open_camera()
        else:
            self.start()
        self._refresh()

    def retranslate(self) -> None:
        audio = self.kind == "audio"
        self.setWindowTitle(self.tr("Record an audio note") if audio else self.tr("Record a clip"))
        self.prompt.setText(
            self.tr(
                "Speak near the microphone: the bar moves when it hears you. A note can be up to {minutes} minutes long."
            ).format(minutes=self.limit // 60)
            if audio
            else self.tr(
                "Point the camera at what the doctor should see, then press “Start recording”. A clip can be up to {seconds} seconds long."
            ).format(seconds=self.limit)
        )
        self.level_label.setText(self.tr("Sound level"))
        self.start_button.setText(self.tr("Start recording (Enter)"))
        self.stop_button.setText(self.tr("Stop and keep (Enter)"))
        self.close_button.setText(self.tr("Close (Esc)"))
        self.try_again_button.setText(self.tr("Try again"))
        self._show_elapsed()
        if self.view is not None:
            self.view.retranslate()

    def _show_elapsed(self) -> None:
        if self.recording is None and not self.busy:
            self.elapsed.setText(self.tr("Not recording"))
            return
        self.elapsed.setText(
            self.tr("Recording {elapsed} (at most {limit})").format(
                elapsed=clock(self.elapsed_seconds), limit=clock(self.limit)
            )
        )

    def _refresh(self, *_args: object) -> None:
        recording = self.recording is not None
        can_start = not recording and not self.busy and (self.kind == "audio" or self.view.is_live)
        self.start_button.setVisible(not recording)
        self.start_button.setEnabled(can_start)
        self.stop_button.setVisible(recording)
        self.stop_button.setEnabled(recording and not self.busy)
        self.close_button.setEnabled(not recording and not self.busy)
        focus = self.stop_button if recording else self.start_button
        if focus.isEnabled() and focus.isVisible():
            focus.setDefault(True)
            focus.setFocus()

    def start(self) -> None:
        if self.recording is not None or self.busy:
            return
        self.busy = True
        if self.kind == "audio":
            coro = self.desk.start_audio_note(self.encounter_id)
        elif self.camera is not None:
            coro = self.desk.start_clip(self.encounter_id, self.camera)
        else:
            self.busy = False
            return
        self.call(coro, self._started, always=True)
        self._refresh()

    def _started(self, handle: Any) -> None:
        self.recording, self.busy = handle, False
        if self._closed:  # closed while it was starting: keep what there is
            self.finish()
            return
        self.elapsed_seconds = 0.0
        show_message(self.message, "")
        self.timer.start()
        self._show_elapsed()
        self._refresh()
        self.started.emit()

    def _tick(self) -> None:
        if self.recording is None:
            return
        self.elapsed_seconds = self.desk.recording_seconds(self.recording)
        if self.kind == "audio":
            self.level.setValue(level_percent(self.desk.microphone_level(self.recording)))
        self._show_elapsed()
        done = getattr(self.desk, "recording_done", None)
        if self.elapsed_seconds >= self.limit or (done is not None and done(self.recording)):
            self.stop()  # the limit: keep what was recorded

    def stop(self) -> None:
        if self.recording is None or self.busy:
            return
        handle, self.recording = self.recording, None
        self.timer.stop()
        self.busy = True
        say(self.message, self.tr("Saving the recording…"))
        self._refresh()
        self.call(self.desk.stop_recording(handle), self.announce, always=True)

    def failed(self, error: BaseException) -> None:
        super().failed(error)
        self.level.setValue(0)
        self._show_elapsed()
        self._refresh()

    def reject(self) -> None:
        if self.recording is not None:
            self.stop()  # Esc while recording stops and keeps it: nothing recorded is lost
            return
        super().reject()

    def finish(self) -> None:
        self.timer.stop()
        if self.recording is not None:  # leaving while recording: stop and keep it
            handle, self.recording = self.recording, None
            camera, self.camera = self.camera, None  # closed once the clip is finished

            def after(result: Any) -> None:
                self._pending -= 1
                if isinstance(result, str):
                    self.attached.emit(result)
                self.camera = camera
                self._collect()

            self._pending += 1
            self.bridge.call(self.desk.stop_recording(handle), after, after)
        super().finish()
