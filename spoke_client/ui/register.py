"""Register a new patient: one keyboard-first form, checked as it is typed; before saving,
patients who may be the same person are offered, so nobody is registered twice."""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from spoke_client.domain.matching import SAME_ABHA, SAME_MOBILE, SIMILAR_NAME_AGE_VILLAGE, Match
from spoke_client.domain.patient import ADULT_AGE_YEARS, Patient, Sex, months_between
from spoke_client.domain.refusals import DomainRefused, FieldRefused
from spoke_client.ui import words
from spoke_client.ui.common import AppContext, EventFilterFn, Screen, error_label, show_message
from spoke_client.ui.find_patient import error_words, patient_line, today_in

MAX_MATCHES_SHOWN = 3
_DMY = re.compile(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})")
_ENTER = {Qt.Key.Key_Return, Qt.Key.Key_Enter}
_ARROWS = {Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1}
# Where each refused field's message is shown.
_SLOT = dict.fromkeys(("age_years", "age_months", "age_stated_on"), "age")
_SLOT |= dict.fromkeys(("abha_number", "abha_address"), "abha")


def read_birth_date(text: str) -> date | None:
    """DD-MM-YYYY (or with / . or space), or YYYY-MM-DD; ValueError if it is not a date."""
    text = text.strip()
    if m := _DMY.fullmatch(text):
        return date(int(m[3]), int(m[2]), int(m[1]))
    return date.fromisoformat(text)


def _row(*widgets: QWidget) -> QWidget:
    """Widgets side by side, as one field."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        row.addWidget(w)
    row.addStretch()
    return box


class RegisterScreen(Screen):
    name = "register"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._seq = 0  # bumped by every edit: a duplicate check for older fields is dropped
        self._busy = False
        self._checked_once = False
        self._registered: Patient | None = None  # saved, but its visit did not start yet
        self.today = today_in(ctx)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 12, 24, 12)
        self.title = QLabel(objectName="title")
        outer.addWidget(self.title)
        body = QHBoxLayout()
        body.setSpacing(24)
        outer.addLayout(body, 1)

        self.name_edit = QLineEdit()
        self.sex_group = QButtonGroup(self)
        self.sex_buttons: dict[Sex, QRadioButton] = {sex: QRadioButton() for sex in Sex}
        for button in self.sex_buttons.values():
            self.sex_group.addButton(button)
        self.years_edit, self.months_edit = QLineEdit(maxLength=3), QLineEdit(maxLength=2)
        self.years_edit.setFixedWidth(70)
        self.months_edit.setFixedWidth(60)
        self.years_unit, self.months_unit = QLabel(), QLabel()
        self.birth_edit, self.mobile_edit, self.abha_edit = QLineEdit(), QLineEdit(), QLineEdit()
        self.village_edit, self.address_edit = QLineEdit(), QLineEdit()
        self.guardian_edit, self.relation_edit = QLineEdit(), QLineEdit()
        age = (self.years_edit, self.years_unit, self.months_edit, self.months_unit)

        # slot -> (label, field, message under it); the left column is read before the right
        self.slots: dict[str, tuple[QLabel, QWidget, QLabel]] = {}
        columns = (
            [
                ("name", self.name_edit),
                ("sex", _row(*self.sex_buttons.values())),
                ("age", _row(*age)),
                ("birth_date", self.birth_edit),
                ("mobile", self.mobile_edit),
            ],
            [
                ("abha", self.abha_edit),
                ("village", self.village_edit),
                ("address", self.address_edit),
                ("guardian_name", self.guardian_edit),
                ("guardian_relation", self.relation_edit),
            ],
        )
        for slots in columns:
            column = QVBoxLayout()
            column.setSpacing(10)
            for slot, widget in slots:
                label, error = QLabel(buddy=widget), error_label()
                cell = QVBoxLayout()
                cell.setSpacing(3)
                for w in (label, widget, error):
                    cell.addWidget(w)
                column.addLayout(cell)
                self.slots[slot] = (label, widget, error)
            column.addStretch()
            body.addLayout(column, 3)
        self.form_error = error_label()
        outer.addWidget(self.form_error)

        self.matches_panel = QFrame(objectName="matches", frameShape=QFrame.Shape.StyledPanel)
        self.matches_panel.setMinimumWidth(400)
        self.matches_panel.setMaximumWidth(460)
        self.matches_title = QLabel(objectName="flag", wordWrap=True)
        self.matches_hint, self.more_matches = QLabel(wordWrap=True), QLabel(wordWrap=True)
        self.match_rows = QVBoxLayout()
        self.save_anyway_button = QPushButton()
        panel = QVBoxLayout(self.matches_panel)
        panel.addWidget(self.matches_title)
        panel.addWidget(self.matches_hint)
        panel.addLayout(self.match_rows)
        panel.addWidget(self.more_matches)
        panel.addWidget(self.save_anyway_button)
        panel.addStretch()
        self.matches_panel.setVisible(False)
        body.addWidget(self.matches_panel, 2)
        self.matches: list[Match] = []
        self.same_person_buttons: list[QPushButton] = []

        buttons = QHBoxLayout()
        self.back_button = QPushButton()
        self.save_button = QPushButton(objectName="primary")
        buttons.addWidget(self.back_button)
        buttons.addStretch()
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)

        lines = (self.years_edit, self.months_edit, self.birth_edit, self.mobile_edit)
        lines += (self.abha_edit, self.village_edit, self.address_edit)
        lines += (self.guardian_edit, self.relation_edit)
        self.inputs: list[QWidget] = [self.name_edit, *self.sex_buttons.values(), *lines]
        for first, second in pairwise([*self.inputs, self.save_button, self.back_button]):
            self.setTabOrder(first, second)
        self._enter = EventFilterFn(self._on_key, self)
        for w in [*self.inputs, self.save_button, self.back_button, self.save_anyway_button]:
            w.installEventFilter(self._enter)
        for w in (self.name_edit, *lines):
            w.textChanged.connect(self._edited)
        self.sex_group.buttonToggled.connect(self._edited)
        self.save_button.clicked.connect(self.save)
        self.back_button.clicked.connect(self.back)
        self.save_anyway_button.clicked.connect(self.save_anyway)
        self.shortcut("Ctrl+S", self.save)
        self.shortcut("Esc", self.back)
        self._show_guardian()
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Register new patient"))
        own_labels = {
            "age": self.tr("Age"),
            "birth_date": self.tr("Or date of birth, if known"),
            "abha": self.tr("ABHA number or ABHA address"),
        }
        for slot, (label, _widget, _error) in self.slots.items():
            label.setText(own_labels.get(slot) or words.field_label(slot))
        for sex, button in self.sex_buttons.items():
            button.setText(words.sex_name(sex.value))
        self.years_unit.setText(self.tr("years"))
        self.months_unit.setText(self.tr("months (for a baby)"))
        self.birth_edit.setPlaceholderText(self.tr("DD-MM-YYYY"))
        self.mobile_edit.setPlaceholderText(self.tr("10 digits, e.g. 98765 43210"))
        self.abha_edit.setPlaceholderText(self.tr("14 digits, or name@abdm"))
        self.relation_edit.setPlaceholderText(self.tr("e.g. mother, father, grandmother"))
        if self.matches:
            self._show_matches(self.matches)
        self.matches_title.setText(self.tr("This patient may already be registered"))
        self.matches_hint.setText(
            self.tr("Check with the patient. Open the existing record if it is the same person.")
        )
        self.save_anyway_button.setText(self.tr("New patient — save anyway"))
        self.save_button.setText(self.tr("Save (Ctrl+S)"))
        self.back_button.setText(self.tr("Back (Esc)"))
        if self._checked_once:
            self.check()

    def on_show(self, **params: Any) -> None:
        self.today = today_in(self.ctx)
        self._seq += 1
        self._busy = self._checked_once = False
        self._registered = None
        for w in self.inputs:
            if isinstance(w, QLineEdit):
                w.clear()
        self.sex_group.setExclusive(False)
        for button in self.sex_buttons.values():
            button.setChecked(False)
        self.sex_group.setExclusive(True)
        self._show_errors({})
        self._show_matches([])
        self.save_button.setEnabled(True)
        query = str(params.get("query") or "").strip()
        compact = re.sub(r"[\s+\-()]", "", query)
        if "@" in query or (compact.isdigit() and len(compact) == 14):
            self.abha_edit.setText(query)
        elif compact.isdigit():
            self.mobile_edit.setText(query)
        elif query and all(c.isalpha() or c in " .'-" for c in query):
            self.name_edit.setText(query)
        target = self.sex_buttons[Sex.FEMALE] if self.name_edit.text() else self.name_edit
        target.setFocus()

    # ---- the form ---------------------------------------------------------------------------
    def fields(self) -> tuple[dict[str, Any], list[FieldRefused]]:
        """What was typed, as ``Patient.create`` takes it, and refusals of the screen's own
        reading (a date of birth that is not a date)."""
        checked = self.sex_group.checkedButton()
        sex = next((s.value for s, b in self.sex_buttons.items() if b is checked), None)
        abha = self.abha_edit.text().strip()
        fields: dict[str, Any] = {
            "name": self.name_edit.text(),
            "sex": sex,
            "age_years": self.years_edit.text().strip() or None,
            "age_months": self.months_edit.text().strip() or None,
            "mobile": self.mobile_edit.text(),
            "abha_number" if "@" not in abha else "abha_address": abha,
            "village": self.village_edit.text(),
            "address": self.address_edit.text(),
        }
        own: list[FieldRefused] = []
        if self.birth_edit.text().strip():
            try:
                fields["birth_date"] = read_birth_date(self.birth_edit.text())
            except ValueError:
                own.append(FieldRefused("birth_date", "bad-format", value=self.birth_edit.text()))
        if self._is_minor():
            fields["guardian_name"] = self.guardian_edit.text()
            fields["guardian_relation"] = self.relation_edit.text()
        return fields, own

    def check(self) -> dict[str, Any] | None:
        """Check the form here (the rules are pure); show every message. The fields if valid."""
        self._checked_once = True
        fields, refusals = self.fields()
        try:
            Patient.create(today=self.today, **fields)
        except DomainRefused as exc:  # an unreadable birth date already has its message
            refusals += [r for r in exc.refusals if not (refusals and r.field == "birth_date")]
        self._show_errors(self._messages(refusals))
        return None if refusals else fields

    def _messages(self, refusals: list) -> dict[str, list[str]]:
        messages: dict[str, list[str]] = {}
        for r in refusals:
            slot = _SLOT.get(getattr(r, "field", ""), getattr(r, "field", ""))
            if slot == "birth_date" and r.reason == "required":
                slot, text = "age", self.tr("Enter the age, or the date of birth")
            else:
                text = words.refusal(r)
            messages.setdefault(slot if slot in self.slots else "", []).append(text)
        return messages

    def _show_errors(self, messages: dict[str, list[str]]) -> None:
        for slot, (_label, _widget, error) in self.slots.items():
            show_message(error, "\n".join(messages.get(slot, [])))
        show_message(self.form_error, "\n".join(messages.get("", [])))

    def _is_minor(self) -> bool:
        """As typed so far: whether the guardian's fields are needed."""
        try:
            if self.birth_edit.text().strip():
                months = months_between(read_birth_date(self.birth_edit.text()), self.today)
                return months < ADULT_AGE_YEARS * 12
            if self.years_edit.text().strip():
                return int(self.years_edit.text()) < ADULT_AGE_YEARS
            return bool(self.months_edit.text().strip())
        except ValueError:
            return False

    def _show_guardian(self) -> None:
        minor = self._is_minor()
        for slot in ("guardian_name", "guardian_relation"):
            label, widget, error = self.slots[slot]
            label.setVisible(minor)
            widget.setVisible(minor)
            if not minor:
                error.setVisible(False)

    def _edited(self, *_args: Any) -> None:
        self._seq += 1
        self._show_guardian()
        self._show_matches([])
        show_message(self.form_error, "")
        if self._checked_once:
            self.check()

    def _on_key(self, watched: QObject, event: QEvent) -> bool:
        """Enter moves to the next field, saves on the last one, and presses a button; arrow
        keys choose the sex (the choice follows the arrow, as in Windows' own forms)."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        sexes = list(self.sex_buttons.values())
        if watched in sexes and event.key() in _ARROWS:
            step = _ARROWS[Qt.Key(event.key())]
            chosen = sexes[(sexes.index(watched) + step) % len(sexes)]
            chosen.setChecked(True)
            chosen.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        if event.key() not in _ENTER or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if isinstance(watched, QPushButton):
            watched.click()
            return True
        # the fields in reading order, the sex choice as one stop
        stops = [w for w in self.inputs if w.isVisible() and w not in sexes[1:]]
        stops[stops.index(sexes[0])] = self._sex_focus()
        here = self._sex_focus() if watched in sexes else watched
        if here in stops and here is not stops[-1]:
            stops[stops.index(here) + 1].setFocus(Qt.FocusReason.TabFocusReason)
        else:
            self.save()
        return True

    def _sex_focus(self) -> QWidget:
        return self.sex_group.checkedButton() or self.sex_buttons[Sex.FEMALE]

    # ---- saving -----------------------------------------------------------------------------
    def save(self) -> None:
        """Check the form, then look for the same person before registering a new one."""
        if self._busy:
            return
        if self._registered is not None:
            self._start_visit(self._registered)  # registered already; only the visit failed
            return
        fields = self.check()
        if fields is None:
            self._focus_first_error()
            return
        self._run(
            self.bridge.engine.find_duplicates(fields),
            lambda matches: self._checked_for_duplicates(fields, matches),
            drop_if_edited=True,
        )

    def _checked_for_duplicates(self, fields: dict[str, Any], matches: list[Match]) -> None:
        if matches:
            self._busy = False
            self.save_button.setEnabled(True)
            self._show_matches(matches)
            self.same_person_buttons[0].setFocus()
        else:
            self._register(fields)

    def save_anyway(self) -> None:
        """The operator checked: none of the offered patients is this one."""
        fields = self.check()
        if fields is not None and not self._busy:
            self._register(fields)

    def _register(self, fields: dict[str, Any]) -> None:
        def registered(patient: Patient) -> None:
            self._registered = patient
            self._busy = False
            self._start_visit(patient)

        self._run(self.bridge.engine.register_patient(fields), registered)

    def open_existing(self, patient: Patient) -> None:
        """Same person: start the visit on the record that is already there."""
        if not self._busy:
            self._start_visit(patient)

    def _start_visit(self, patient: Patient) -> None:
        self._run(
            self.bridge.engine.save_draft(None, patient.id, {}, "patient"),
            lambda saved: self.ctx.go("intake", encounter_id=saved.encounter_id),
        )

    def _run(self, coro: Any, on_ok: Any, *, drop_if_edited: bool = False) -> None:
        """One engine call at a time. A duplicate check whose answer comes after the form
        was edited is dropped (Save asks again); a save always goes on to its visit."""
        seq = self._seq
        self._busy = True
        self.save_button.setEnabled(False)

        def ok(result: Any) -> None:
            if drop_if_edited and seq != self._seq:
                self._busy = False
                self.save_button.setEnabled(True)
            else:
                on_ok(result)

        self.bridge.call(coro, ok, self._failed)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        if isinstance(error, DomainRefused):
            self._show_errors(self._messages(list(error.refusals)))
            self._focus_first_error()
        else:
            show_message(self.form_error, error_words(error))

    def _focus_first_error(self) -> None:
        targets = {"sex": self._sex_focus(), "age": self.years_edit}
        for slot, (_label, widget, error) in self.slots.items():
            if not error.isHidden():
                targets.get(slot, widget).setFocus()
                return

    # ---- possible duplicates ----------------------------------------------------------------
    def _show_matches(self, matches: list[Match]) -> None:
        while self.match_rows.count():
            item = self.match_rows.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.matches = matches
        self.same_person_buttons = []
        for match in matches[:MAX_MATCHES_SHOWN]:
            row = QFrame()
            box = QVBoxLayout(row)
            box.setContentsMargins(0, 6, 0, 6)
            who = QLabel(patient_line(match.patient, self.today), wordWrap=True)
            why = QLabel(self._reasons(match), objectName="flag", wordWrap=True)
            button = QPushButton(self.tr("Same person — open this record"))
            button.clicked.connect(lambda _=False, p=match.patient: self.open_existing(p))
            button.installEventFilter(self._enter)
            for w in (who, why, button):
                box.addWidget(w)
            self.match_rows.addWidget(row)
            self.same_person_buttons.append(button)
        hidden = len(matches) - MAX_MATCHES_SHOWN
        self.more_matches.setText(self.tr("and {count} more").format(count=hidden))
        self.more_matches.setVisible(hidden > 0)
        self.matches_panel.setVisible(bool(matches))

    def _reasons(self, match: Match) -> str:
        texts = {
            SAME_MOBILE: self.tr("Same mobile number"),
            SAME_ABHA: self.tr("Same ABHA number or address"),
            SIMILAR_NAME_AGE_VILLAGE: self.tr("Similar name, age and village"),
        }
        return "; ".join(texts.get(r, r) for r in match.reasons)

    def back(self) -> None:
        self.ctx.go("find")
