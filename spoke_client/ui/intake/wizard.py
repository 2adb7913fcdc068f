"""The intake wizard: Patient → Vitals → Complaints & history → Attachments → Review.

Every change is saved as typed (valid or not) within a second: one save in flight at a
time, changes made meanwhile saved right after it. A failed save keeps what is on screen
and says why in words. "Consult live" / "Send for review" complete the intake through the
engine (which records the consent) and move the case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from spoke_client.domain.encounter import CaseState, Encounter
from spoke_client.domain.patient import Patient
from spoke_client.domain.refusals import DomainRefused
from spoke_client.ui.common import AppContext, Screen, error_label, show_message
from spoke_client.ui.intake.attachments_page import AttachmentsPage
from spoke_client.ui.intake.autosave import DraftAutosave, SaveStatus
from spoke_client.ui.intake.base import (
    IntakePage,
    StepIndicator,
    button,
    error_words,
    set_tab_order,
)
from spoke_client.ui.intake.complaints_page import ComplaintsPage
from spoke_client.ui.intake.patient_page import PatientPage
from spoke_client.ui.intake.review_page import (
    ReviewPage,
    build_intake,
    review_refusals,
    state_from_encounter,
)
from spoke_client.ui.intake.vitals_page import VitalsPage

FORM_VERSION = 1


class IntakeWizard(Screen):
    name = "intake"
    saved = Signal()  # a save of the draft reached the store
    save_failed = Signal(object)  # the error (the screen keeps what was typed)
    loaded = Signal()  # the case is on screen after on_show
    case_moved = Signal(str)  # the intake is complete and the case moved to this state

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.encounter_id: str | None = None
        self.patient_id: str | None = None
        self.patient: Patient | None = None
        self.encounter: Encounter | None = None
        self._generation = 0
        self._loading = False
        self._locked = False  # the intake is complete: nothing more to save as a draft
        self._ready = False  # complete_intake succeeded; only the move is left
        self._submitting = False
        self._close_requested = False
        self._local_refusals: list[object] = []
        self.autosave = DraftAutosave(ctx.bridge, self._snapshot, self)
        self.autosave.status_changed.connect(
            lambda kind, error: self.status.show_status(kind, error)
        )
        self.autosave.saved.connect(self.saved)
        self.autosave.saved.connect(self._after_save)
        self.autosave.failed.connect(self.save_failed)
        self.autosave.failed.connect(self._save_failed)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 10, 24, 10)
        top = QHBoxLayout()
        self.heading = QLabel(objectName="title")
        top.addWidget(self.heading)
        top.addStretch()
        self.status = SaveStatus()
        top.addWidget(self.status)
        outer.addLayout(top)
        self.step_indicator = StepIndicator(5)
        self.steps = self.step_indicator.steps
        self.step_title = self.step_indicator.title
        outer.addWidget(self.step_indicator)
        self.error = error_label()
        outer.addWidget(self.error)

        self.patient_page = PatientPage()
        self.vitals_page = VitalsPage(ctx.settings, ctx.save_settings)
        self.complaints_page = ComplaintsPage()
        self.attachments_page = AttachmentsPage(ctx.bridge, tz=ctx.tz)
        self.review_page = ReviewPage()
        self.pages: list[IntakePage] = [
            self.patient_page,
            self.vitals_page,
            self.complaints_page,
            self.attachments_page,
            self.review_page,
        ]
        self.stack = QStackedWidget()
        for page in self.pages:
            self.stack.addWidget(page)
            page.changed.connect(self._changed)
            page.tab_order_changed.connect(self._apply_tab_order)
            if page is not self.review_page:
                page.past_last_field.connect(self.next_page)
        outer.addWidget(self.stack, 1)

        nav = QHBoxLayout()
        self.back_button = button("back")
        self.close_button = button("save_and_close")
        self.next_button = button("primary")
        nav.addWidget(self.back_button)
        nav.addStretch()
        nav.addWidget(self.close_button)
        nav.addWidget(self.next_button)
        outer.addLayout(nav)

        self.back_button.clicked.connect(self.prev_page)
        self.next_button.clicked.connect(self.next_page)
        self.close_button.clicked.connect(self.save_and_close)
        self.review_page.edit_requested.connect(self.edit)
        self.review_page.submit_requested.connect(self.submit)
        self.attachments_page.items_changed.connect(self._attachments_changed)
        for keys in ("Alt+Left", "Ctrl+PgUp"):
            self.shortcut(keys, self.prev_page)
        for keys in ("Alt+Right", "Ctrl+PgDown"):
            self.shortcut(keys, self.next_page)

        self._apply_tab_order()
        self.retranslate()

    # ---- words ------------------------------------------------------------------------------
    def retranslate(self) -> None:
        for page in self.pages:
            page.retranslate()
        self.back_button.setText(self.tr("Back (Alt+←)"))
        self.next_button.setText(self.tr("Next (Alt+→)"))
        self.close_button.setText(self.tr("Save and close"))
        self._show_heading()
        self._refresh_steps()
        self.status.retranslate()

    def _show_heading(self) -> None:
        self.heading.setText(
            self.tr("Intake — {patient}").format(patient=self.patient.name)
            if self.patient
            else self.tr("Intake")
        )

    # ---- showing a case ---------------------------------------------------------------------
    def on_show(
        self, encounter_id: str | None = None, patient_id: str | None = None, **_: Any
    ) -> None:
        """Open a draft (``encounter_id``) or start one for ``patient_id``."""
        self.flush()  # whatever the previous case had pending
        self._generation += 1
        self.encounter_id, self.encounter, self.patient = None, None, None
        self.patient_id = patient_id
        self.autosave.reset()
        self._loading = True
        self._locked = self._ready = self._submitting = self._close_requested = False
        for page in self.pages:
            page.set_context(None, self.today())
        self.attachments_page.open_case(None)
        self.review_page.set_busy(False)
        self.restore({}, "patient")
        self.stack.setEnabled(False)
        show_message(self.error, "")
        self._show_heading()
        self.status.show_status("opening")
        engine = self.bridge.engine
        if encounter_id is None and patient_id:
            self.bridge.call(
                engine.save_draft(None, patient_id, self.state(), "patient"),
                self._guard(lambda saved: self._load(saved.encounter_id)),
                self._guard(self._load_failed),
            )
        elif encounter_id:
            self._load(encounter_id)

    def _load(self, encounter_id: str) -> None:
        self.encounter_id = encounter_id
        engine = self.bridge.engine
        self.bridge.call(
            engine.load_draft(encounter_id),
            self._guard(self._got_draft),
            self._guard(self._load_failed),
        )
        self.attachments_page.open_case(encounter_id)

    def _got_draft(self, loaded: tuple[Encounter, dict | None, str | None]) -> None:
        encounter, draft, page = loaded
        self.encounter, self.patient_id = encounter, encounter.patient_id
        self._ready = encounter.state is CaseState.READY
        self._locked = encounter.state is not CaseState.DRAFT
        if draft is None and encounter.state is not CaseState.DRAFT:
            draft, page = state_from_encounter(encounter), "review"
        self.restore(draft or {}, page or "patient")
        self.bridge.call(
            self.bridge.engine.get_patient(encounter.patient_id),
            self._guard(self._got_patient),
            self._guard(self._load_failed),
        )

    def _got_patient(self, patient: Patient) -> None:
        self.patient = patient
        for page in self.pages:
            page.set_context(patient, self.today())
        self._loading = False
        self.autosave.enabled = not self._locked
        self.stack.setEnabled(True)
        self._show_heading()
        finished = self._locked and not self._ready  # already sent: nothing left to do here
        self.status.show_status("locked" if finished else "")
        self.review_page.consult_button.setEnabled(not finished)
        self.review_page.review_button.setEnabled(not finished)
        self.go_to(self.current_page_name(), save=False)
        self.loaded.emit()

    def _load_failed(self, error: BaseException) -> None:
        self._loading = False  # nothing to save: the screen stays disabled with the reason
        self.status.show_status("")
        show_message(self.error, error_words(error))

    def _guard(self, fn: Callable[[Any], None]) -> Callable[[Any], None]:
        """A callback that is dropped if another case was opened since it was made."""
        generation = self._generation
        return lambda value: fn(value) if generation == self._generation else None

    def today(self) -> date:
        return datetime.now(self.ctx.tz).date() if self.ctx.tz else date.today()

    # ---- state ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The whole wizard as typed, JSON-safe (what the draft stores)."""
        state: dict[str, Any] = {"form": FORM_VERSION}
        for page in self.pages:
            state.update(page.state())
        return state

    def restore(self, state: dict[str, Any], page: str) -> None:
        """Put a saved state back on screen exactly and open ``page`` (no save is made)."""
        for p in self.pages:
            p.restore(state)
        self.go_to(page if page in self.page_names() else "patient", save=False)

    def page_names(self) -> list[str]:
        return [p.name for p in self.pages]

    def current_page(self) -> IntakePage:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def current_page_name(self) -> str:
        return self.current_page().name

    # ---- moving between pages ---------------------------------------------------------------
    def go_to(self, name: str, *, save: bool = True) -> None:
        page = self.pages[self.page_names().index(name)]
        if page is not self.review_page:
            self.review_page.show_refusals(None)  # going to fix something: the list is stale
        self.stack.setCurrentWidget(page)
        if page is self.review_page:
            self.review_page.refresh(self.state(), len(self.attachments))
        self._refresh_steps()
        if not page.focus_first():
            last = not self.next_button.isVisibleTo(self)
            (self.back_button if last else self.next_button).setFocus()
        if save:
            self._changed()

    def edit(self, page: str, field: str = "") -> None:
        """Go back to ``page`` (from the review), with the cursor in ``field`` if given."""
        self.go_to(page)
        if field:
            self.pages[self.page_names().index(page)].focus_field(field)

    def next_page(self) -> None:
        index = self.stack.currentIndex()
        if index + 1 < len(self.pages) and self.stack.isEnabled():
            self.go_to(self.pages[index + 1].name)

    def prev_page(self) -> None:
        index = self.stack.currentIndex()
        if index > 0 and self.stack.isEnabled():
            self.go_to(self.pages[index - 1].name)

    def _refresh_steps(self) -> None:
        index = self.stack.currentIndex()
        self.step_indicator.show_step([p.title() for p in self.pages], index)
        self.back_button.setEnabled(index > 0)
        self.next_button.setVisible(index + 1 < len(self.pages))

    def _apply_tab_order(self) -> None:
        chain: list[QWidget] = []
        for page in self.pages:
            chain += page.tab_chain()
        set_tab_order([*chain, self.back_button, self.close_button, self.next_button])

    # ---- autosave ---------------------------------------------------------------------------
    def _snapshot(self) -> tuple[str, str, dict[str, Any], str]:
        return self.encounter_id, self.patient_id, self.state(), self.current_page_name()

    def _changed(self) -> None:
        if not self._loading:
            self.autosave.changed()

    def _after_save(self) -> None:
        if self._close_requested and self.is_idle():
            self.ctx.go("home")

    def _save_failed(self, error: BaseException) -> None:
        self._close_requested = False
        if isinstance(error, DomainRefused):
            self._locked = True

    def flush(self) -> None:
        """Save now what is pending (quitting, leaving the screen)."""
        self.autosave.save_now()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt's name)
        self.flush()  # leaving the screen (another screen, the lock screen): save what is typed
        super().hideEvent(event)

    def is_idle(self) -> bool:
        """True when everything on screen is in the store and nothing is on its way."""
        return not (self._loading or self._submitting) and self.autosave.is_idle()

    def save_and_close(self) -> None:
        self._close_requested = True
        self.autosave.save_now()
        if self.is_idle() or self.encounter_id is None or not self.autosave.enabled:
            self.ctx.go("home")

    # ---- attachments ------------------------------------------------------------------------
    @property
    def attachments(self) -> list[dict[str, Any]]:
        return self.attachments_page.items

    def reload_attachments(self) -> None:
        """Read the attachment list again (the capture screen calls this after adding)."""
        self.attachments_page.reload()

    def _attachments_changed(self) -> None:
        if self.current_page() is self.review_page:
            self.review_page.refresh(self.state(), len(self.attachments))

    # ---- consult live / send for review -----------------------------------------------------
    def consult_live(self) -> None:
        self.submit(CaseState.WAITING_FOR_DOCTOR.value)

    def send_for_review(self) -> None:
        self.submit(CaseState.SENT_FOR_REVIEW.value)

    def submit(self, target: str) -> None:
        if self._submitting or self.patient is None or self.encounter_id is None:
            return
        self._submitting = True
        self.review_page.set_busy(True)
        self.autosave.hold(lambda: self._do_submit(CaseState(target)))

    def _do_submit(self, target: CaseState) -> None:
        if self._ready:
            self._move(target)
            return
        intake = build_intake(self.state(), self.patient, self.today())
        self._local_refusals = review_refusals(intake, self.patient, self.today())
        self.bridge.call(
            self.bridge.engine.complete_intake(self.encounter_id, intake),
            self._guard(lambda _encounter: self._completed(target)),
            self._guard(self._submit_failed),
        )

    def _completed(self, target: CaseState) -> None:
        self._ready = self._locked = True
        self.autosave.drop_pending()
        self._move(target)

    def _move(self, target: CaseState) -> None:
        self.bridge.call(
            self.bridge.engine.move_case(self.encounter_id, target),
            self._guard(self._moved),
            self._guard(self._submit_failed),
        )

    def _moved(self, encounter: Encounter) -> None:
        self._submitting = False
        self.encounter = encounter
        name = self.patient.name if self.patient else ""
        self.case_moved.emit(encounter.state.value)
        if encounter.state is CaseState.SENT_FOR_REVIEW:
            self.ctx.go("home", message=self.tr("Sent for review: {name}").format(name=name))
        else:  # a live consult: join the hub's queue and wait there for a doctor
            self.ctx.go("consult", encounter_id=encounter.id, patient_name=name)

    def _submit_failed(self, error: BaseException) -> None:
        self._submitting = False
        self.review_page.set_busy(False)
        if isinstance(error, DomainRefused):
            extra = [r for r in self._local_refusals if r not in error.refusals]
            self.review_page.show_refusals(DomainRefused([*error.refusals, *extra]))
            if self.review_page.refusal_buttons:
                self.review_page.refusal_buttons[0].setFocus()
        else:
            self.review_page.busy.setText(error_words(error))
        self.autosave.release()
