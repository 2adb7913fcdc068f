"""Autosave of the intake draft: every change is saved within a second, one save in flight
at a time, and changes made during a save are saved right after it. A failed save keeps
what is on screen (nothing here touches the fields) and is tried again a little later."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from spoke_client.domain.encounter import CaseState, EncounterLocked
from spoke_client.domain.refusals import DomainRefused
from spoke_client.ui import words
from spoke_client.ui.bridge import Bridge
from spoke_client.ui.intake.base import error_words

SAVE_DELAY_MS = 400
RETRY_MS = 5000

#: What to save: (encounter_id, patient_id, state, page), read when the save starts.
Snapshot = Callable[[], tuple[str, str, dict[str, Any], str]]


class DraftAutosave(QObject):
    saved = Signal()  # a save reached the store
    failed = Signal(object)  # the error
    status_changed = Signal(str, object)  # "saving" | "saved" | "error", error or None

    def __init__(self, bridge: Bridge, snapshot: Snapshot, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.snapshot = snapshot
        self.enabled = False  # on once a draft is open; off for good once the intake is done
        self._dirty = False
        self._in_flight = False
        self._held: Callable[[], None] | None = None
        self._holding = False
        self._generation = 0
        self._timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)
        self._retry = QTimer(self, singleShot=True, interval=RETRY_MS)
        self._retry.timeout.connect(self.save_now)

    def reset(self) -> None:
        """Forget the previous case (its save in flight, if any, lands unattended)."""
        self._generation += 1
        self.enabled = self._dirty = self._in_flight = self._holding = False
        self._held = None
        self._timer.stop()
        self._retry.stop()

    def changed(self) -> None:
        """Something on screen changed: save it within SAVE_DELAY_MS (not restarted by more
        typing, so a fast typist is saved too)."""
        if not self.enabled:
            return
        self._dirty = True
        if self._holding:
            return
        self.status_changed.emit("saving", None)
        if not self._timer.isActive() and not self._in_flight:
            self._timer.start()

    def save_now(self) -> None:
        self._timer.stop()
        self._retry.stop()
        if self._in_flight or not self._dirty or not self.enabled:
            return
        self._dirty, self._in_flight = False, True
        self.status_changed.emit("saving", None)
        encounter_id, patient_id, state, page = self.snapshot()
        generation = self._generation
        self.bridge.call(
            self.bridge.engine.save_draft(encounter_id, patient_id, state, page),
            lambda _saved: self._done(generation, None),
            lambda error: self._done(generation, error),
        )

    def _done(self, generation: int, error: BaseException | None) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # the screen is gone, or another case was opened since
        self._in_flight = False
        if error is None:
            if not self._dirty:
                self.status_changed.emit("saved", None)
            self.saved.emit()
        else:
            if isinstance(error, DomainRefused):
                self.enabled = False  # the case is no longer a draft: saving cannot help
            else:
                self._dirty = True
                self._retry.start()
            self.status_changed.emit("error", error)
            self.failed.emit(error)
        if self._held is not None:
            callback, self._held = self._held, None
            callback()
        elif self._dirty and self.enabled and not self._holding and not self._retry.isActive():
            self._timer.start()

    def hold(self, then: Callable[[], None]) -> None:
        """Pause saving and call ``then`` once no save is in flight (at once if none)."""
        self._holding = True
        self._timer.stop()
        self._retry.stop()
        if self._in_flight:
            self._held = then
        else:
            then()

    def release(self) -> None:
        """Saving goes on; changes made while held are saved now."""
        self._holding = False
        if self._dirty and self.enabled:
            self.status_changed.emit("saving", None)
            self._timer.start()

    def drop_pending(self) -> None:
        """What is on screen no longer needs saving (the intake was completed)."""
        self._dirty = False
        self.enabled = False

    @property
    def dirty(self) -> bool:
        return self._dirty

    def is_idle(self) -> bool:
        return not (self._dirty or self._in_flight or self._timer.isActive())


class SaveStatus(QLabel):
    """What the operator is told about saving: "Saving…", "Saved", or why it failed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="save_status")
        self.kind = ""
        self.error: BaseException | None = None

    def show_status(self, kind: str, error: BaseException | None = None) -> None:
        """kind: "" | "opening" | "saving" | "saved" | "locked" | "error" (with the error)."""
        self.kind, self.error = kind, error
        self.retranslate()

    def retranslate(self) -> None:
        texts = {
            "opening": self.tr("Opening…"),
            "saving": self.tr("Saving…"),
            "saved": self.tr("Saved"),
            "locked": words.refusal(EncounterLocked(CaseState.READY)),
        }
        failed = self.kind == "error" and self.error is not None
        if failed:
            self.setText(self.tr("Not saved: {reason}").format(reason=error_words(self.error)))
        else:
            self.setText(texts.get(self.kind, ""))
        self.setObjectName("error" if failed else "save_status")
        self.setWordWrap(failed)
        self.style().unpolish(self)
        self.style().polish(self)
