"""The live consult: waiting in the hub's queue, the video call with the doctor, and how it
ended. Everything goes through the engine's ``consult`` desk by the bridge.

The call's events come from the engine thread as a queued Qt signal (one per event, in
order). Pictures do not: the doctor's and the local camera's latest pictures are polled by
two ``CameraView``s, as the camera preview does, so a slow screen only ever skips pictures.
When the call cannot start or go on, or the link stays lost, "Send for review" is offered
first, with a sentence saying that nothing recorded is lost.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from spoke_client.engine.consult import (
    CallFailed,
    Connected,
    ConsultRefused,
    DoctorJoined,
    Ended,
    LinkLost,
    PeerAway,
    QualityChanged,
    Queued,
    Reconnecting,
)
from spoke_client.engine.errors import CameraUnavailable
from spoke_client.ui import words
from spoke_client.ui.camera_view import CameraView
from spoke_client.ui.common import AppContext, Screen, error_label, show_message

LONG_LOSS_MS = 30_000  # the link lost this long without reconnecting: offer review first


class DoctorView(CameraView):
    """The doctor's picture (polled from the engine: latest only)."""

    def status_words(self) -> str:
        return self.tr("Waiting for the doctor's picture…") if self._image is None else ""


class ConsultScreen(Screen):
    name = "consult"
    event_arrived = Signal(object)  # (generation, CallEvent), emitted on the engine thread
    phase_changed = Signal(str)  # joining | waiting | call | over

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.encounter_id: str | None = None
        self.patient_name = ""
        self.phase = "idle"
        self._generation = 0
        self._queued: Queued | None = None
        self._doctor: DoctorJoined | None = None
        self._quality: str | None = None
        self._peer_away = False
        self._over: tuple[str, Any] | None = None  # ("ended", Ended) | ("failed", …) | …
        self.muted = self.camera_off = False
        self.long_loss = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 12, 24, 12)
        top = QHBoxLayout()
        self.title = QLabel(objectName="title")
        top.addWidget(self.title)
        top.addStretch()
        outer.addLayout(top)
        self.pages = QStackedWidget()
        outer.addWidget(self.pages, 1)
        self.error = error_label()
        outer.addWidget(self.error)

        # -- waiting in the queue (also while joining)
        waiting = QWidget()
        self.pages.addWidget(waiting)
        row = QHBoxLayout(waiting)
        left = QVBoxLayout()
        self.wait_heading = QLabel(objectName="wait_heading", wordWrap=True)
        self.wait_heading.setStyleSheet("font-size: 24px; font-weight: bold;")
        self.queue_line = QLabel(objectName="queue_line", wordWrap=True)
        self.queue_line.setStyleSheet("font-size: 19px;")
        self.doctors_line = QLabel(objectName="doctors_line", wordWrap=True)
        self.wait_hint = QLabel(wordWrap=True)
        self.leave_button = QPushButton(objectName="leave_queue")
        self.wait_review_button = QPushButton(objectName="big")
        for w in (self.wait_heading, self.queue_line, self.doctors_line, self.wait_hint):
            left.addWidget(w)
        left.addSpacing(16)
        buttons = QHBoxLayout()
        buttons.addWidget(self.wait_review_button)
        buttons.addWidget(self.leave_button)
        buttons.addStretch()
        left.addLayout(buttons)
        left.addStretch()
        row.addLayout(left, 3)
        preview_col = QVBoxLayout()
        self.preview_label = QLabel(wordWrap=True)
        self.wait_preview = CameraView()
        self.wait_preview.setMaximumSize(480, 360)
        preview_col.addWidget(self.preview_label)
        preview_col.addWidget(self.wait_preview, 1)
        preview_col.addStretch()
        row.addLayout(preview_col, 2)

        # -- in the call
        call = QWidget()
        self.pages.addWidget(call)
        row = QHBoxLayout(call)
        self.doctor_view = DoctorView()
        row.addWidget(self.doctor_view, 3)
        side = QVBoxLayout()
        self.doctor_line = QLabel(objectName="doctor_line", wordWrap=True)
        self.doctor_line.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.link_line = QLabel(objectName="link_line", wordWrap=True)
        self.link_line.setStyleSheet("font-weight: bold;")
        self.local_view = CameraView()
        self.local_view.setMinimumSize(240, 180)
        self.local_view.setMaximumSize(320, 240)
        self.camera_off_line = QLabel(wordWrap=True, visible=False)
        self.mute_button = QPushButton(objectName="mute")
        self.camera_button = QPushButton(objectName="camera_off")
        self.end_button = QPushButton(objectName="end_call")
        self.end_button.setStyleSheet("QPushButton#end_call { color: #b00020; font-weight: bold; }")
        self.loss_line = QLabel(objectName="loss_line", wordWrap=True, visible=False)
        self.loss_line.setStyleSheet("color: #8a4b00; font-weight: bold;")
        self.call_review_button = QPushButton(objectName="big", visible=False)
        for w in (self.doctor_line, self.link_line, self.local_view, self.camera_off_line):
            side.addWidget(w)
        for w in (self.mute_button, self.camera_button, self.end_button):
            side.addWidget(w)
        side.addWidget(self.loss_line)
        side.addWidget(self.call_review_button)
        side.addStretch()
        row.addLayout(side, 1)

        # -- over: ended, failed or refused
        over = QWidget()
        self.pages.addWidget(over)
        col = QVBoxLayout(over)
        self.over_heading = QLabel(objectName="over_heading", wordWrap=True)
        self.over_heading.setStyleSheet("font-size: 22px; font-weight: bold;")
        self.over_detail = QLabel(objectName="over_detail", wordWrap=True)
        self.over_detail.setStyleSheet("font-size: 18px;")
        self.over_review_button = QPushButton(objectName="big")
        self.again_button = QPushButton(objectName="consult_again")
        self.close_button = QPushButton(objectName="primary")
        col.addWidget(self.over_heading)
        col.addWidget(self.over_detail)
        col.addSpacing(16)
        buttons = QHBoxLayout()
        for b in (self.over_review_button, self.again_button, self.close_button):
            buttons.addWidget(b)
        buttons.addStretch()
        col.addLayout(buttons)
        col.addStretch()

        self.loss_timer = QTimer(self, singleShot=True, interval=LONG_LOSS_MS)
        self.loss_timer.timeout.connect(self._long_loss)
        self.event_arrived.connect(self._on_event, Qt.ConnectionType.QueuedConnection)
        self.leave_button.clicked.connect(self.leave)
        self.end_button.clicked.connect(self.leave)
        self.mute_button.clicked.connect(self.toggle_mute)
        self.camera_button.clicked.connect(self.toggle_camera)
        for b in (self.wait_review_button, self.call_review_button, self.over_review_button):
            b.clicked.connect(self.send_for_review)
        self.again_button.clicked.connect(self.consult_again)
        self.close_button.clicked.connect(self.close_screen)
        self.shortcut("Esc", self._escape)
        self.shortcut("Ctrl+M", self.toggle_mute)
        self.shortcut("Ctrl+O", self.toggle_camera)
        self.shortcut("Ctrl+E", self._end_key)
        self.shortcut("Ctrl+R", self.send_for_review)
        self.retranslate()

    # ---- words ------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(self.tr("Live consult — {patient}").format(patient=self.patient_name))
        self.leave_button.setText(self.tr("Leave the queue (Esc)"))
        for b in (self.wait_review_button, self.call_review_button, self.over_review_button):
            b.setText(self.tr("Send for review (Ctrl+R)"))
        self.preview_label.setText(self.tr("What the doctor will see:"))
        self.mute_button.setText(
            self.tr("Unmute (Ctrl+M)") if self.muted else self.tr("Mute (Ctrl+M)")
        )
        self.camera_button.setText(
            self.tr("Camera on (Ctrl+O)") if self.camera_off else self.tr("Camera off (Ctrl+O)")
        )
        self.camera_off_line.setText(self.tr("Your camera is off: the doctor cannot see you."))
        self.end_button.setText(self.tr("End call (Ctrl+E)"))
        self.again_button.setText(self.tr("Consult live again"))
        self.close_button.setText(self.tr("Close (Esc)"))
        self.loss_line.setText(
            self.tr("The link has been lost for a while.") + " " + words.nothing_lost()
        )
        self._show_waiting()
        self._show_call()
        self._show_over()

    def _show_waiting(self) -> None:
        q = self._queued
        if self.phase == "joining" or q is None:
            self.wait_heading.setText(self.tr("Joining the doctors' queue…"))
            self.queue_line.setText("")
            self.doctors_line.setText("")
        else:
            self.wait_heading.setText(self.tr("Waiting for a doctor"))
            self.queue_line.setText(words.queue_place(q.position, q.wait_s))
            self.doctors_line.setText(words.doctors_online(q.doctors_online))
        self.wait_hint.setText(
            self.tr(
                "Keep this screen open. When a doctor accepts, the call starts by itself. If the wait is too long, send the case for review instead."
            )
        )

    def _show_call(self) -> None:
        d = self._doctor
        self.doctor_line.setText(
            self.tr("Dr {name} (Reg. no. {registration})").format(
                name=_without_title(d.doctor_name), registration=d.registration
            )
            if d
            else ""
        )
        if self._peer_away:
            link = self.tr("The doctor's connection dropped. Waiting for the doctor to come back…")
        elif self._quality is None:
            link = self.tr("Connecting to the doctor…")
        else:
            link = words.call_quality(self._quality)
        self.link_line.setText(link)

    def _show_over(self) -> None:
        if self._over is None:
            return
        what, detail = self._over
        failed = what != "ended" or detail.reason == "dropped"
        if what == "ended":
            heading = self.tr("The call has ended")
            text = words.call_ended(detail.by, detail.reason)
        elif what == "failed":
            heading = self.tr("The call could not go on")
            text = words.call_failed(detail.kind) + " " + words.nothing_lost()
        else:  # refused
            heading = self.tr("The live consult could not start")
            text = detail + " " + words.nothing_lost()
        self.over_heading.setText(heading)
        self.over_detail.setText(text)
        finished = self._doctor_saw_it()
        self.over_review_button.setVisible(not finished)
        self.again_button.setVisible(not finished and what != "refused")
        (self.over_review_button if failed else self.close_button).setFocus()

    def _doctor_saw_it(self) -> bool:
        """The call ended with the doctor having seen the case: a prescription follows."""
        over = self._over
        return bool(over and over[0] == "ended" and over[1].reason in ("finished", "hung-up"))

    # ---- starting ---------------------------------------------------------------------------
    def on_show(self, *, encounter_id: str | None = None, patient_name: str = "", **_: Any) -> None:
        """Join the queue for ``encounter_id`` (a case ready or waiting for a doctor)."""
        if encounter_id is None:
            return
        self.encounter_id, self.patient_name = encounter_id, patient_name
        self.start()
        self.retranslate()

    def start(self) -> None:
        self._generation += 1
        generation = self._generation
        self._queued = self._doctor = self._quality = self._over = None
        self._peer_away = self.long_loss = self.muted = self.camera_off = False
        self.loss_timer.stop()
        show_message(self.error, "")
        self._set_phase("joining")
        desk = self.bridge.engine.consult
        self.wait_preview.start(desk.preview_frame, desk.preview_status)
        self.bridge.call(
            desk.start_consult(
                self.encounter_id, lambda event: self.event_arrived.emit((generation, event))
            ),
            None,
            self._guard(self._refused),
        )

    def _guard(self, fn):
        generation = self._generation
        return lambda value: fn(value) if generation == self._generation else None

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, ConsultRefused):
            said = words.consult_refused(error.kind, error.params.get("state"))
        else:
            said = words.engine_error(error, self.tr("The live consult could not start."))
        self._finish(("refused", said))

    # ---- the call's events ------------------------------------------------------------------
    def _on_event(self, item: tuple[int, Any]) -> None:
        generation, event = item
        if generation != self._generation or self.phase == "over":
            return
        if isinstance(event, Queued):
            self._queued = event
            if self.phase == "joining":
                self._set_phase("waiting")
        elif isinstance(event, DoctorJoined):
            self._doctor = event
            self._set_phase("call")
        elif isinstance(event, Connected):
            self._peer_away = False
            self._quality = self._quality if self._quality not in (None, "lost") else "good"
            self._link_back()
        elif isinstance(event, QualityChanged):
            self._quality = str(event.quality)
            if self._quality != "lost":
                self._link_back()
        elif isinstance(event, LinkLost | Reconnecting):
            self._quality = "lost"
            if not self.loss_timer.isActive() and not self.long_loss:
                self.loss_timer.start()
        elif isinstance(event, PeerAway):
            self._peer_away = True
        elif isinstance(event, Ended):
            self._finish(("ended", event))
            return
        elif isinstance(event, CallFailed):
            self._finish(("failed", event))
            return
        self._show_waiting()
        self._show_call()

    def _link_back(self) -> None:
        self.loss_timer.stop()
        self.long_loss = False
        self.loss_line.setVisible(False)
        self.call_review_button.setVisible(False)

    def _long_loss(self) -> None:
        self.long_loss = True
        self.loss_line.setVisible(True)
        self.call_review_button.setVisible(True)
        self.call_review_button.setFocus()

    def _finish(self, over: tuple[str, Any]) -> None:
        self._over = over
        self.loss_timer.stop()
        self._set_phase("over")
        self._show_over()

    def _set_phase(self, phase: str) -> None:
        self.phase = phase
        page = {"joining": 0, "waiting": 0, "call": 1, "over": 2}[phase]
        self.pages.setCurrentIndex(page)
        desk = self.bridge.engine.consult if self.bridge.engine else None
        if phase == "call" and desk is not None:
            self.wait_preview.stop()
            self.doctor_view.start(desk.remote_frame)
            self.local_view.start(desk.preview_frame, desk.preview_status)
            self.bridge.call(desk.consult_snapshot(), self._guard(self._got_snapshot))
            self.mute_button.setFocus()
        elif phase == "over":
            for view in (self.wait_preview, self.doctor_view, self.local_view):
                view.stop()
        elif phase == "waiting":
            self.wait_review_button.setFocus()
        self._show_call()
        self.phase_changed.emit(phase)

    def _got_snapshot(self, snap: dict | None) -> None:
        if snap and snap.get("camera_problem"):
            self.local_view.show_unavailable(CameraUnavailable(reason=snap["camera_problem"]))

    # ---- the operator's buttons -------------------------------------------------------------
    def leave(self) -> None:
        """Leave the queue, or hang up; the outcome arrives as an event."""
        if self.phase in ("joining", "waiting", "call"):
            self.bridge.call(self.bridge.engine.consult.end_consult(), None, self._failed)

    def toggle_mute(self) -> None:
        if self.phase != "call":
            return
        wanted = not self.muted
        self.bridge.call(
            self.bridge.engine.consult.consult_mute(wanted),
            self._guard(lambda ok: self._set_mute(wanted) if ok else None),
            self._failed,
        )

    def _set_mute(self, muted: bool) -> None:
        self.muted = muted
        self.retranslate()

    def toggle_camera(self) -> None:
        if self.phase != "call":
            return
        wanted = not self.camera_off
        self.bridge.call(
            self.bridge.engine.consult.consult_camera_off(wanted),
            self._guard(lambda ok: self._set_camera_off(wanted) if ok else None),
            self._failed,
        )

    def _set_camera_off(self, off: bool) -> None:
        self.camera_off = off
        self.local_view.setVisible(not off)
        self.camera_off_line.setVisible(off)
        self.retranslate()

    def send_for_review(self) -> None:
        """End any call on this case and send it for review; back home with a message."""
        if self.encounter_id is None or self.phase == "idle":
            return
        if self._doctor_saw_it():
            return
        self.bridge.call(
            self.bridge.engine.consult.send_for_review(self.encounter_id),
            self._guard(self._sent),
            self._failed,
        )

    def _sent(self, _encounter: Any) -> None:
        self._generation += 1  # the call's last event is of no interest now
        self.phase = "idle"
        message = self.tr("Sent for review: {name}").format(name=self.patient_name)
        self.ctx.go("home", message=message)

    def consult_again(self) -> None:
        if self.phase == "over" and self.encounter_id is not None:
            self.start()

    def close_screen(self) -> None:
        if self.phase in ("over", "idle"):
            self.phase = "idle"
            self.ctx.go("home")

    def _escape(self) -> None:
        if self.phase in ("joining", "waiting"):
            self.leave()
        elif self.phase == "over":
            self.close_screen()

    def _end_key(self) -> None:
        if self.phase == "call":
            self.leave()

    def _failed(self, error: BaseException) -> None:
        show_message(self.error, words.engine_error(error, self.tr("That did not work.")))


def _without_title(name: str) -> str:
    """The doctor's name without a leading "Dr"/"Dr."/"Doctor" (the sentence adds its own,
    in the operator's language), as hubs may store it either way."""
    return re.sub(r"^\s*(?:dr\.?|doctor)\s+", "", name, flags=re.IGNORECASE) or name
