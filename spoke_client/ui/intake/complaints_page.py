"""Step 3: presenting complaints (a searchable picker, one row per complaint) and, beside
them, the history panel (history_panel.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from spoke_client.domain.complaints import COMPLAINTS, OTHER, ComplaintEntry, Severity
from spoke_client.domain.patient import Patient
from spoke_client.domain.refusals import DomainRefused
from spoke_client.ui import words
from spoke_client.ui.common import EventFilterFn, error_label, show_message
from spoke_client.ui.intake.base import IntakePage, button, dict_of, text_of
from spoke_client.ui.intake.history_panel import HistoryPanel, refusal_lines

translate = QCoreApplication.translate
_ENGLISH = {c.code: c.name for c in COMPLAINTS} | {OTHER: "Other"}


def complaints_for_intake(state: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for row in state.get("complaints") or []:
        if isinstance(row, dict) and text_of(row, "code"):
            out.append(
                {
                    "code": text_of(row, "code"),
                    "duration_days": text_of(row, "duration_days").strip() or None,
                    "severity": text_of(row, "severity") or None,
                    "note": text_of(row, "note"),
                }
            )
    return out


def complaint_lines(state: dict[str, Any]) -> list[str]:
    lines = []
    for c in complaints_for_intake(state):
        parts = [words.complaint_name(c["code"])]
        if c["duration_days"]:
            parts.append(translate("ComplaintsPage", "{days} days").format(days=c["duration_days"]))
        if c["severity"]:
            parts.append(words.severity_name(c["severity"]))
        if c["note"].strip():
            parts.append(c["note"].strip())
        lines.append(" — ".join(parts))
    return lines


class ComplaintRow(QWidget):
    """One complaint: duration in days, severity, note, and a Remove button."""

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = code
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 2, 0, 2)
        grid.setVerticalSpacing(0)
        self.name = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.name.setFixedWidth(180)
        self.duration = QLineEdit(objectName="duration")
        self.duration.setMaxLength(4)
        self.duration.setFixedWidth(56)
        self.severity = QComboBox(objectName="severity")
        self.severity.setFixedWidth(120)
        for value in ("", *(s.value for s in Severity)):
            self.severity.addItem("", value)
        self.note = QLineEdit(objectName="note")
        self.note.setMaxLength(500)
        self.remove = button("remove")
        self.message = error_label()
        for col, w in enumerate((self.name, self.duration, self.severity, self.note, self.remove)):
            grid.addWidget(w, 0, col)
        grid.setColumnStretch(3, 1)
        grid.addWidget(self.message, 1, 1, 1, 4)
        self.duration.textChanged.connect(self._edited)
        self.severity.currentIndexChanged.connect(self._edited)
        self.note.textChanged.connect(self._edited)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        self.retranslate()

    def fields(self) -> list[QWidget]:
        return [self.duration, self.severity, self.note]

    def retranslate(self) -> None:
        self.name.setText(words.complaint_name(self.code))
        self.duration.setPlaceholderText(self.tr("days"))
        self.duration.setToolTip(self.tr("For how many days"))
        for i in range(self.severity.count()):
            value = self.severity.itemData(i)
            self.severity.setItemText(i, words.severity_name(value) if value else "—")
        self.note.setPlaceholderText(
            self.tr("Describe the complaint (needed)") if self.code == OTHER else self.tr("Note")
        )
        self.remove.setText(self.tr("Remove"))
        self.remove.setAccessibleName(
            self.tr("Remove {complaint}").format(complaint=words.complaint_name(self.code))
        )
        self.check()

    def state(self) -> dict[str, str]:
        return {
            "code": self.code,
            "duration_days": self.duration.text(),
            "severity": self.severity.currentData() or "",
            "note": self.note.text(),
        }

    def restore(self, row: dict[str, Any]) -> None:
        self.duration.setText(text_of(row, "duration_days"))
        index = self.severity.findData(text_of(row, "severity"))
        self.severity.setCurrentIndex(max(index, 0))
        self.note.setText(text_of(row, "note"))
        self.check()

    def check(self) -> None:
        c = complaints_for_intake({"complaints": [self.state()]})[0]
        try:
            ComplaintEntry.create(**c)
        except DomainRefused as refused:
            show_message(self.message, "\n".join(refusal_lines(refused)))
        else:
            show_message(self.message, "")

    def _edited(self, *_args: object) -> None:
        self.check()
        self.changed.emit()


class ComplaintsPage(IntakePage):
    name = "complaints"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ComplaintRow] = []
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        right = QVBoxLayout()
        outer.addLayout(left, 3)
        outer.addSpacing(16)
        outer.addLayout(right, 2)

        self.heading = QLabel(objectName="title")
        left.addWidget(self.heading)
        find = QHBoxLayout()
        self.search = QLineEdit(objectName="complaint_search")
        self.search.setClearButtonEnabled(True)
        self.add_button = button("add_complaint")
        find.addWidget(self.search, 1)
        find.addWidget(self.add_button)
        left.addLayout(find)
        self.matches = QListWidget(objectName="complaint_matches")
        self.matches.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.matches.setMaximumHeight(140)
        left.addWidget(self.matches)
        self.none_yet = QLabel()
        left.addWidget(self.none_yet)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the rows' fields
        holder = QWidget()
        self.rows_box = QVBoxLayout(holder)
        self.rows_box.setContentsMargins(0, 0, 0, 0)
        self.rows_box.addStretch()
        self.scroll.setWidget(holder)
        left.addWidget(self.scroll, 1)

        self.history = HistoryPanel()
        self.history.changed.connect(self.emit_changed)
        right.addWidget(self.history)

        self.search.textChanged.connect(self._filter)
        self.add_button.clicked.connect(self.add_highlighted)
        self.matches.itemActivated.connect(lambda _item: self.add_highlighted())
        self.matches.itemDoubleClicked.connect(lambda _item: self.add_highlighted())
        self._search_keys = EventFilterFn(self._on_search_key, self)
        self.search.installEventFilter(self._search_keys)
        self.watch_enter(self.history.fields())
        self.retranslate()

    # ---- the page contract ------------------------------------------------------------------
    def title(self) -> str:
        return self.tr("Complaints & history")

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Complaints"))
        self.search.setPlaceholderText(self.tr("Type to find a complaint, then press Enter"))
        self.add_button.setText(self.tr("Add (Enter)"))
        self.none_yet.setText(self.tr("No complaint added yet."))
        self.history.retranslate()
        for row in self.rows:
            row.retranslate()
        self._filter()

    def set_context(self, patient: Patient | None, today: date) -> None:
        super().set_context(patient, today)
        self.history.set_context(patient, today)

    def state(self) -> dict[str, Any]:
        return {
            "complaints": [row.state() for row in self.rows],
            "history": self.history.state(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        with self.restoring():
            for row in list(self.rows):
                self._drop(row)
            for saved in state.get("complaints") or []:
                if isinstance(saved, dict) and text_of(saved, "code"):
                    self._add_row(text_of(saved, "code")).restore(saved)
            self.history.restore(dict_of(state, "history"))
            self.search.clear()
        self._filter()
        self.tab_order_changed.emit()

    def enter_chain(self) -> list[QWidget]:
        chain: list[QWidget] = [self.search]
        for row in self.rows:
            chain += row.fields()
        return chain + self.history.fields()

    def tab_chain(self) -> list[QWidget]:
        chain: list[QWidget] = [self.search, self.add_button]
        for row in self.rows:
            chain += [*row.fields(), row.remove]
        return chain + self.history.fields()

    def focus_field(self, field: str) -> bool:
        history = self.history
        target: QWidget | None = {
            "lmp": history.lmp,
            "allergies": history.allergies,
            "medicines": history.medicines,
            "conditions": next(iter(history.conditions.values())),
            "complaints": self.search,
            "code": self.search,
        }.get(field)
        if field in ("duration_days", "severity", "note"):
            wrong = [r for r in self.rows if not r.message.isHidden()] or self.rows
            if wrong:
                target = getattr(wrong[0], "duration" if field == "duration_days" else field)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        return target is not None

    # ---- complaints -------------------------------------------------------------------------
    def add_complaint(self, code: str) -> ComplaintRow:
        """Add a row for ``code`` (or go to its row if it is already there) and focus it."""
        existing = next((r for r in self.rows if r.code == code and code != OTHER), None)
        row = existing or self._add_row(code)
        self.search.clear()
        row.duration.setFocus(Qt.FocusReason.OtherFocusReason)
        QTimer.singleShot(0, lambda: self.scroll.ensureWidgetVisible(row))
        if existing is None:
            self.tab_order_changed.emit()
            self.emit_changed()
        return row

    def add_highlighted(self) -> None:
        item = self.matches.currentItem()
        if item is not None and self.matches.currentRow() >= 0:
            self.add_complaint(item.data(Qt.ItemDataRole.UserRole))

    def remove_complaint(self, row: ComplaintRow) -> None:
        index = self.rows.index(row)
        self._drop(row)
        if self.rows:
            self.rows[min(index, len(self.rows) - 1)].duration.setFocus()
        else:
            self.search.setFocus()
        self._filter()
        self.tab_order_changed.emit()
        self.emit_changed()

    def _add_row(self, code: str) -> ComplaintRow:
        row = ComplaintRow(code)
        self.rows_box.insertWidget(self.rows_box.count() - 1, row)
        row.show()
        self.rows.append(row)
        row.changed.connect(self.emit_changed)
        row.remove_requested.connect(self.remove_complaint)
        self.watch_enter(row.fields())
        self.none_yet.setVisible(False)
        self._filter()
        return row

    def _drop(self, row: ComplaintRow) -> None:
        self.rows.remove(row)
        self.rows_box.removeWidget(row)
        row.hide()
        row.deleteLater()
        self.none_yet.setVisible(not self.rows)

    def _filter(self, *_args: object) -> None:
        query = self.search.text()
        tokens = query.casefold().split()
        taken = {r.code for r in self.rows if r.code != OTHER}
        self.matches.clear()
        for code, name in words.complaint_names().items():
            if code in taken:
                continue
            haystack = f"{name} {_ENGLISH.get(code, '')} {code.replace('_', ' ')}".casefold()
            if all(t in haystack for t in tokens):
                item = QListWidgetItem(name)
                item.setData(Qt.ItemDataRole.UserRole, code)
                self.matches.addItem(item)
        self.matches.setCurrentRow(0 if tokens and self.matches.count() else -1)

    def _on_search_key(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return False
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step = 1 if key == Qt.Key.Key_Down else -1
            row = max(0, min(self.matches.currentRow() + step, self.matches.count() - 1))
            self.matches.setCurrentRow(row)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            if self.matches.currentRow() >= 0:
                self.add_highlighted()
            elif not self.search.text().strip():
                self.advance_from(self.search)
            return True
        return False
