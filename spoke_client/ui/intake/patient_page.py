"""Step 1: who the patient is (read-only; details are changed from registration)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from spoke_client.domain.patient import Patient, format_abha
from spoke_client.ui import words
from spoke_client.ui.intake.base import IntakePage

translate = QCoreApplication.translate


def age_words(patient: Patient, today: date) -> str:
    years, months = patient.age_on(today)
    if years >= 5 or (years and not months):
        return translate("PatientPage", "{years} years").format(years=years)
    if years:
        return translate("PatientPage", "{years} years {months} months").format(
            years=years, months=months
        )
    return translate("PatientPage", "{months} months").format(months=months)


def masked_mobile(mobile: str | None) -> str:
    """The last four digits only: the screen may be seen by others in the room."""
    if not mobile:
        return translate("PatientPage", "Not given")
    return "•" * max(len(mobile) - 4, 0) + mobile[-4:]


def abha_words(patient: Patient) -> str:
    parts = []
    if patient.abha_number:
        try:
            parts.append(format_abha(patient.abha_number))
        except ValueError:
            parts.append(patient.abha_number)
    if patient.abha_address:
        parts.append(patient.abha_address)
    return " · ".join(parts) if parts else translate("PatientPage", "Not given")


def patient_rows(patient: Patient, today: date) -> list[tuple[str, str]]:
    """(label, value) pairs describing the patient, for this page and the review page."""
    rows = [
        (words.field_label("name"), patient.name),
        (words.field_label("sex"), words.sex_name(patient.sex.value)),
        (translate("PatientPage", "Age"), age_words(patient, today)),
        (words.field_label("village"), patient.village),
        (words.field_label("mobile"), masked_mobile(patient.mobile)),
        (translate("PatientPage", "ABHA"), abha_words(patient)),
    ]
    if patient.guardian_name:
        rows.append((words.field_label("guardian_name"), patient.guardian_name))
    return rows


class PatientPage(IntakePage):
    name = "patient"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        self.heading = QLabel(objectName="title")
        outer.addWidget(self.heading)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        outer.addLayout(self.form)
        self.note = QLabel(wordWrap=True)
        outer.addWidget(self.note)
        self.loading = QLabel()
        outer.addWidget(self.loading)
        outer.addStretch()
        self.values: list[QLabel] = []
        self.retranslate()

    def title(self) -> str:
        return self.tr("Patient")

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Patient"))
        self.note.setText(
            self.tr(
                "These details come from registration. To correct them, open the patient from Find patient."
            )
        )
        self.loading.setText(self.tr("Opening the patient's details…"))
        self._show()

    def set_context(self, patient: Patient | None, today: date) -> None:
        super().set_context(patient, today)
        self._show()

    def _show(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.values = []
        self.loading.setVisible(self.patient is None)
        if self.patient is None:
            return
        for label, value in patient_rows(self.patient, self.today):
            shown = QLabel(value, textFormat=Qt.TextFormat.PlainText)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values.append(shown)
            self.form.addRow(self.tr("{label}:").format(label=label), shown)
