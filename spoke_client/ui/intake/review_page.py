"""Step 5: everything on one page, the patient's consent, the specialty, and the two ways
on: Consult live or Send for review. Refusals from the engine are listed here, grouped by
field, each with a way back to the field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from spoke_client.domain.encounter import CaseState, Consent, Encounter, Specialty
from spoke_client.domain.patient import Patient
from spoke_client.domain.refusals import DomainRefused
from spoke_client.domain.vitals import VitalKind
from spoke_client.engine.usecases import Intake
from spoke_client.ui import words
from spoke_client.ui.intake.base import IntakePage, button, dict_of, text_of
from spoke_client.ui.intake.complaints_page import complaint_lines, complaints_for_intake
from spoke_client.ui.intake.history_panel import (
    history_for_intake,
    history_lines,
    pregnancy_applies,
)
from spoke_client.ui.intake.patient_page import patient_rows
from spoke_client.ui.intake.vitals_page import ENTERED, temp_unit_of, vital_lines

translate = QCoreApplication.translate
#: The wizard page where each refused field is edited ("review" fields are on this page).
FIELD_PAGE: dict[str, str] = {
    **{k.value: "vitals" for k in VitalKind},
    "vitals": "vitals",
    **{
        f: "complaints"
        for f in ("complaints", "code", "duration_days", "severity", "note", "lmp")
        + ("allergies", "medicines", "conditions")
    },
    "specialty": "review",
    "consent": "review",
    "accompanying_adult": "review",
}
REVIEW_FIELDS = frozenset({"specialty", "consent", "accompanying_adult"})


def _number(raw: str) -> float | str:
    """A typed reading as a float; text that is not a number goes on as typed (refused)."""
    try:
        return float(raw.strip())
    except ValueError:
        return raw.strip()


def build_intake(state: dict[str, Any], patient: Patient | None, today: date) -> Intake:
    """The engine's Intake from the wizard state (vitals as numbers, in the unit typed)."""
    typed = dict_of(state, "vitals")
    vitals = {
        k.value: _number(text_of(typed, k.value))
        for k in ENTERED
        if text_of(typed, k.value).strip()
    }
    code = text_of(state, "specialty")
    consent = dict_of(state, "consent")
    return Intake(
        vitals=vitals,  # type: ignore[arg-type]
        temp_unit=temp_unit_of(state),
        complaints=complaints_for_intake(state),
        history=history_for_intake(state, pregnancy_applies(patient, today)),
        specialty=Specialty(code) if code in set(Specialty) else None,  # type: ignore[arg-type]
        consent_given=bool(consent.get("given")),
        accompanying_adult=text_of(consent, "accompanying_adult").strip() or None,
    )


def review_refusals(intake: Intake, patient: Patient | None, today: date) -> list[object]:
    """The pure domain's refusals of this page's own fields (specialty, consent, the
    accompanying adult), so that they are listed even when the engine stopped earlier."""
    if patient is None:
        return []
    consent = Consent(
        given=intake.consent_given,
        operator_id="operator",
        at=datetime.now(UTC),
        accompanying_adult=intake.accompanying_adult,
    )
    try:
        Encounter.new(patient.id).complete_intake(
            specialty=intake.specialty, consent=consent, patient_is_minor=patient.is_minor(today)
        )
    except DomainRefused as refused:
        return [r for r in refused.refusals if getattr(r, "field", "") in REVIEW_FIELDS]
    return []


def state_from_encounter(encounter: Encounter) -> dict[str, Any]:
    """A wizard state for a completed intake whose draft is gone (values as stored)."""
    vitals = encounter.vitals.to_record() if encounter.vitals else {}
    history = encounter.history.to_record() if encounter.history else {}
    consent = encounter.consent
    return {
        "vitals": {k: f"{v:g}" for k, v in vitals.items() if k != "bmi"},
        "temp_unit": "C",
        "complaints": [
            {k: "" if v is None else str(v) for k, v in c.to_record().items()}
            for c in encounter.complaints
        ],
        "history": history | {"lmp": history.get("lmp") or ""},
        "specialty": encounter.specialty.value if encounter.specialty else "",
        "consent": {
            "given": bool(consent and consent.given),
            "accompanying_adult": (consent.accompanying_adult or "") if consent else "",
        },
    }


class ReviewPage(IntakePage):
    name = "review"
    edit_requested = Signal(str, str)  # the page to go back to, and the field (or "")
    submit_requested = Signal(str)  # CaseState value: waiting_for_doctor or sent_for_review

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.refused: DomainRefused | None = None
        self._summary_state: dict[str, Any] = {}
        self.attachment_count = 0
        outer = QHBoxLayout(self)
        left_holder = QWidget()
        left = QVBoxLayout(left_holder)
        left.setContentsMargins(0, 0, 8, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(left_holder)
        outer.addWidget(scroll, 3)
        outer.addSpacing(16)
        right = QVBoxLayout()
        outer.addLayout(right, 2)

        self.sections: dict[str, tuple[QLabel, QLabel]] = {}
        self.edit_buttons: dict[str, Any] = {}
        for key, page in (
            ("patient", "patient"),
            ("vitals", "vitals"),
            ("complaints", "complaints"),
            ("history", "complaints"),
            ("attachments", "attachments"),
        ):
            head = QHBoxLayout()
            title = QLabel()
            title.setStyleSheet("font-weight: bold;")
            edit = button(f"edit_{key}")
            edit.clicked.connect(lambda _c=False, page=page: self.edit_requested.emit(page, ""))
            head.addWidget(title)
            head.addStretch()
            head.addWidget(edit)
            body = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
            body.setObjectName(f"summary_{key}")
            left.addLayout(head)
            left.addWidget(body)
            self.sections[key] = (title, body)
            self.edit_buttons[key] = edit
        left.addStretch()

        self.heading = QLabel(objectName="title")
        right.addWidget(self.heading)
        form = QFormLayout()
        self.specialty_label = QLabel()
        self.specialty = QComboBox(objectName="specialty")
        self.specialty.addItem("", "")
        for s in Specialty:
            self.specialty.addItem("", s.value)
        form.addRow(self.specialty_label, self.specialty)
        right.addLayout(form)
        self.consent = QCheckBox(objectName="consent")
        right.addWidget(self.consent)
        self.adult_label = QLabel(wordWrap=True)
        self.adult = QLineEdit(objectName="accompanying_adult")
        self.adult.setMaxLength(100)
        self.adult_label.setBuddy(self.adult)
        right.addWidget(self.adult_label)
        right.addWidget(self.adult)
        self.refusals_holder = QWidget(objectName="refusals")
        self.refusals_box = QVBoxLayout(self.refusals_holder)
        self.refusals_box.setContentsMargins(0, 8, 0, 0)
        refusals_scroll = QScrollArea()
        refusals_scroll.setWidgetResizable(True)
        refusals_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        refusals_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        refusals_scroll.setWidget(self.refusals_holder)
        right.addWidget(refusals_scroll, 1)
        self.refusal_labels: list[QLabel] = []
        self.refusal_buttons: list[Any] = []
        self.busy = QLabel()
        right.addWidget(self.busy)
        actions = QHBoxLayout()
        self.consult_button = button("big")
        self.review_button = button("big")
        actions.addWidget(self.consult_button)
        actions.addWidget(self.review_button)
        right.addLayout(actions)

        self.specialty.currentIndexChanged.connect(self.emit_changed)
        self.consent.toggled.connect(self.emit_changed)
        self.adult.textChanged.connect(self.emit_changed)
        self.consult_button.clicked.connect(
            lambda: self.submit_requested.emit(CaseState.WAITING_FOR_DOCTOR.value)
        )
        self.review_button.clicked.connect(
            lambda: self.submit_requested.emit(CaseState.SENT_FOR_REVIEW.value)
        )
        self.watch_enter([self.specialty, self.consent, self.adult])
        self.past_last_field.connect(lambda: self.consult_button.setFocus())
        self.set_busy(False)
        self.retranslate()

    # ---- the page contract ------------------------------------------------------------------
    def title(self) -> str:
        return self.tr("Review")

    def retranslate(self) -> None:
        titles = {
            "patient": self.tr("Patient"),
            "vitals": self.tr("Vitals"),
            "complaints": self.tr("Complaints"),
            "history": self.tr("History"),
            "attachments": self.tr("Attachments"),
        }
        for key, (title, _body) in self.sections.items():
            title.setText(titles[key])
            self.edit_buttons[key].setText(self.tr("Edit"))
            self.edit_buttons[key].setAccessibleName(
                self.tr("Edit {section}").format(section=titles[key])
            )
        self.heading.setText(self.tr("Consent and sending"))
        self.specialty_label.setText(self.tr("Send to:"))
        self.specialty.setItemText(0, self.tr("Choose a specialty"))
        for i in range(1, self.specialty.count()):
            self.specialty.setItemText(i, words.specialty(self.specialty.itemData(i)))
        self.consent.setText(self.tr("The patient agrees to a teleconsultation"))
        self.consult_button.setText(self.tr("Consult live"))
        self.review_button.setText(self.tr("Send for review"))
        self.consult_button.setToolTip(self.tr("Join the queue for a video call with a doctor"))
        self.review_button.setToolTip(self.tr("The doctor answers later; no call needed"))
        self._refresh_adult()
        self.refresh(self._summary_state, self.attachment_count)
        self.show_refusals(self.refused)

    def set_context(self, patient: Patient | None, today: date) -> None:
        super().set_context(patient, today)
        self._refresh_adult()

    def state(self) -> dict[str, Any]:
        return {
            "specialty": self.specialty.currentData() or "",
            "consent": {"given": self.consent.isChecked(), "accompanying_adult": self.adult.text()},
        }

    def restore(self, state: dict[str, Any]) -> None:
        consent = dict_of(state, "consent")
        with self.restoring():
            self.specialty.setCurrentIndex(
                max(self.specialty.findData(text_of(state, "specialty")), 0)
            )
            self.consent.setChecked(bool(consent.get("given")))
            self.adult.setText(text_of(consent, "accompanying_adult"))
        self.show_refusals(None)

    def enter_chain(self) -> list[QWidget]:
        return [self.specialty, self.consent, self.adult]

    def tab_chain(self) -> list[QWidget]:
        return [
            *self.edit_buttons.values(),
            self.specialty,
            self.consent,
            self.adult,
            *self.refusal_buttons,
            self.consult_button,
            self.review_button,
        ]

    # ---- showing ----------------------------------------------------------------------------
    def refresh(self, state: dict[str, Any], attachment_count: int) -> None:
        """Fill the summary from the whole wizard state."""
        self._summary_state = state
        self.attachment_count = attachment_count
        none = self.tr("Nothing entered")
        patient = (
            [
                " · ".join(
                    self.tr("{label}: {value}").format(label=label, value=value)
                    for label, value in patient_rows(self.patient, self.today)
                )
            ]
            if self.patient
            else []
        )
        possible = pregnancy_applies(self.patient, self.today)
        texts = {
            "patient": patient,
            "vitals": vital_lines(state),
            "complaints": complaint_lines(state),
            "history": history_lines(state, possible),
            "attachments": [
                self.tr("{count} attached").format(count=attachment_count)
                if attachment_count
                else self.tr("Nothing attached")
            ],
        }
        for key, (_title, body) in self.sections.items():
            body.setText("\n".join(texts[key]) or none)

    def show_refusals(self, refused: DomainRefused | None) -> None:
        """List every refusal in words, grouped by field, each with an Edit link."""
        self.refused = refused
        while self.refusals_box.count():
            item = self.refusals_box.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        self.refusal_labels, self.refusal_buttons = [], []
        if refused is not None:
            intro = QLabel(self.tr("Not sent yet. Please correct:"), objectName="error")
            self.refusals_box.addWidget(intro)
            self.refusal_labels.append(intro)
            for field, messages in words.refusals_by_field(refused).items():
                self.refusals_box.addWidget(self._refusal_row(field, messages))
            self.refusals_box.addStretch()
        self.tab_order_changed.emit()

    def _refusal_row(self, field: str, messages: list[str]) -> QWidget:
        row = QWidget(objectName="refusal")
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        text = "\n".join(messages)
        if field:
            text = self.tr("{field}: {messages}").format(
                field=words.field_label(field), messages=text
            )
        label = QLabel(text, objectName="error", wordWrap=True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(label, 1)
        self.refusal_labels.append(label)
        if field in FIELD_PAGE:
            edit = button("refusal_edit")
            edit.setText(self.tr("Edit"))
            edit.setProperty("field", field)
            edit.clicked.connect(lambda _c=False, f=field: self._go_to_field(f))
            box.addWidget(edit)
            self.refusal_buttons.append(edit)
        return row

    def set_busy(self, busy: bool) -> None:
        self.consult_button.setEnabled(not busy)
        self.review_button.setEnabled(not busy)
        self.busy.setText(self.tr("Saving the case…") if busy else "")

    def _go_to_field(self, field: str) -> None:
        page = FIELD_PAGE.get(field, "review")
        if page != "review":
            self.edit_requested.emit(page, field)
            return
        widget = {"specialty": self.specialty, "consent": self.consent}.get(field, self.adult)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _refresh_adult(self) -> None:
        minor = self.patient is not None and self.patient.is_minor(self.today)
        self.adult_label.setText(
            self.tr("Name of the accompanying adult (needed: the patient is a child):")
            if minor
            else self.tr("Name of the accompanying adult (if any):")
        )
