"""The history half of step 3: known conditions, pregnancy (with the last menstrual period),
allergies and current medicines."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from spoke_client.domain.encounter import CONDITIONS, History
from spoke_client.domain.patient import Patient, Sex
from spoke_client.domain.refusals import DomainRefused
from spoke_client.ui import words
from spoke_client.ui.common import error_label, show_message
from spoke_client.ui.intake.base import dict_of, text_of

translate = QCoreApplication.translate
PREGNANCY_AGES = (10, 55)
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")


def pregnancy_applies(patient: Patient | None, today: date) -> bool:
    if patient is None or patient.sex is not Sex.FEMALE:
        return False
    return PREGNANCY_AGES[0] <= patient.age_on(today)[0] <= PREGNANCY_AGES[1]


def lmp_value(raw: str) -> str | None:
    """A typed LMP (DD-MM-YYYY, DD/MM/YYYY or YYYY-MM-DD) as an ISO date; other text is
    passed on as typed, for the domain to refuse."""
    text = raw.strip()
    if not text:
        return None
    match = _DMY.fullmatch(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return text
    return text


def history_for_intake(state: dict[str, Any], pregnancy_possible: bool) -> dict[str, Any]:
    h = dict_of(state, "history")
    pregnant = bool(h.get("pregnant")) and pregnancy_possible
    conditions = h.get("conditions") if isinstance(h.get("conditions"), list) else []
    return {
        "conditions": [str(c) for c in conditions],
        "pregnant": pregnant,
        "lmp": lmp_value(text_of(h, "lmp")) if pregnant else None,
        "allergies": text_of(h, "allergies"),
        "medicines": text_of(h, "medicines"),
    }


def history_lines(state: dict[str, Any], pregnancy_possible: bool) -> list[str]:
    h = history_for_intake(state, pregnancy_possible)
    lines = []
    if h["conditions"]:
        names = ", ".join(words.condition_name(c) for c in h["conditions"])
        lines.append(translate("HistoryPanel", "Known conditions: {names}").format(names=names))
    if h["pregnant"]:
        lines.append(
            translate("HistoryPanel", "Pregnant, last period {lmp}").format(
                lmp=text_of(dict_of(state, "history"), "lmp")
            )
        )
    for field in ("allergies", "medicines"):
        if h[field].strip():
            lines.append(
                translate("HistoryPanel", "{label}: {text}").format(
                    label=words.field_label(field), text=h[field].strip()
                )
            )
    return lines


def refusal_lines(refused: DomainRefused, fields: set[str] | None = None) -> list[str]:
    """ "Field: what is wrong" for each refusal (of ``fields`` only, if given)."""
    out = []
    for r in refused.refusals:
        field = getattr(r, "field", "")
        if fields is None or field in fields:
            out.append(
                translate("HistoryPanel", "{label}: {text}").format(
                    label=words.field_label(field), text=words.refusal(r)
                )
            )
    return out


class HistoryPanel(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.patient: Patient | None = None
        self.today = date.today()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel(objectName="title")
        box.addWidget(self.heading)
        self.conditions_label = QLabel()
        box.addWidget(self.conditions_label)
        grid = QGridLayout()
        self.conditions: dict[str, QCheckBox] = {}
        for i, code in enumerate(CONDITIONS):
            check = QCheckBox(objectName=f"condition_{code}")
            self.conditions[code] = check
            grid.addWidget(check, i // 2, i % 2)
            check.toggled.connect(self._emit)
        box.addLayout(grid)
        self.pregnant = QCheckBox(objectName="pregnant")
        box.addWidget(self.pregnant)
        self.pregnancy_note = QLabel(wordWrap=True)
        box.addWidget(self.pregnancy_note)
        lmp_row = QHBoxLayout()
        self.lmp_label = QLabel()
        self.lmp = QLineEdit(objectName="lmp")
        self.lmp.setMaxLength(10)
        self.lmp.setFixedWidth(130)
        self.lmp_label.setBuddy(self.lmp)
        self.lmp_read = QLabel(textFormat=Qt.TextFormat.PlainText)
        lmp_row.addWidget(self.lmp_label)
        lmp_row.addWidget(self.lmp)
        lmp_row.addWidget(self.lmp_read, 1)
        box.addLayout(lmp_row)
        self.lmp_message = error_label()
        box.addWidget(self.lmp_message)
        self.allergies_label = QLabel()
        self.allergies = QLineEdit(objectName="allergies")
        self.medicines_label = QLabel()
        self.medicines = QLineEdit(objectName="medicines")
        for label, edit in (
            (self.allergies_label, self.allergies),
            (self.medicines_label, self.medicines),
        ):
            edit.setMaxLength(1000)
            label.setBuddy(edit)
            box.addWidget(label)
            box.addWidget(edit)
            edit.textChanged.connect(self._emit)
        box.addStretch()
        self.pregnant.toggled.connect(self.refresh)
        self.pregnant.toggled.connect(self._emit)
        self.lmp.textChanged.connect(self.refresh)
        self.lmp.textChanged.connect(self._emit)

    def _emit(self, *_args: object) -> None:
        self.changed.emit()

    def fields(self) -> list[QWidget]:
        return [*self.conditions.values(), self.pregnant, self.lmp, self.allergies, self.medicines]

    def retranslate(self) -> None:
        self.heading.setText(self.tr("History"))
        self.conditions_label.setText(self.tr("Known conditions:"))
        for code, check in self.conditions.items():
            check.setText(words.condition_name(code))
        self.pregnant.setText(self.tr("Pregnant now"))
        self.pregnancy_note.setText(
            self.tr("Pregnancy applies only to women aged {low} to {high}.").format(
                low=PREGNANCY_AGES[0], high=PREGNANCY_AGES[1]
            )
        )
        self.lmp_label.setText(self.tr("Last period (LMP):"))
        self.lmp.setPlaceholderText(self.tr("DD-MM-YYYY"))
        self.allergies_label.setText(self.tr("Allergies:"))
        self.medicines_label.setText(self.tr("Medicines taken now:"))
        self.refresh()

    def set_context(self, patient: Patient | None, today: date) -> None:
        self.patient, self.today = patient, today
        self.refresh()

    def state(self) -> dict[str, Any]:
        return {
            "conditions": [c for c, check in self.conditions.items() if check.isChecked()],
            "pregnant": self.pregnant.isChecked(),
            "lmp": self.lmp.text(),
            "allergies": self.allergies.text(),
            "medicines": self.medicines.text(),
        }

    def restore(self, history: dict[str, Any]) -> None:
        conditions = history.get("conditions")
        for code, check in self.conditions.items():
            check.setChecked(isinstance(conditions, list) and code in conditions)
        self.pregnant.setChecked(bool(history.get("pregnant")))
        self.lmp.setText(text_of(history, "lmp"))
        self.allergies.setText(text_of(history, "allergies"))
        self.medicines.setText(text_of(history, "medicines"))
        self.refresh()

    def refresh(self, *_args: object) -> None:
        """Pregnancy only where it applies; the LMP checked as typed and read back in words."""
        possible = pregnancy_applies(self.patient, self.today)
        self.pregnant.setEnabled(possible)
        self.pregnancy_note.setVisible(self.patient is not None and not possible)
        asked = possible and self.pregnant.isChecked()
        self.lmp.setEnabled(asked)
        self.lmp_label.setEnabled(asked)
        messages: list[str] = []
        read = ""
        if asked:
            value = lmp_value(self.lmp.text())
            try:
                History.create(today=self.today, pregnant=True, lmp=value)
            except DomainRefused as refused:
                messages = refusal_lines(refused, {"lmp"})
            if value and not messages:
                day = QDate.fromString(value, Qt.DateFormat.ISODate)
                read = self.tr("= {date}").format(
                    date=QLocale().toString(day, QLocale.FormatType.LongFormat)
                )
        self.lmp_read.setText(read)
        show_message(self.lmp_message, "\n".join(messages))
