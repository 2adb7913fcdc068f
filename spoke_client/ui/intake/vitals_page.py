"""Step 2: vital signs. Each value is checked as typed with the pure domain: a value no
patient can have shows what is possible (and stays in the field and the draft); a value
outside the normal range shows its flag in words next to the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from spoke_client.domain.refusals import DomainRefused
from spoke_client.domain.vitals import (
    FAHRENHEIT,
    VITAL_SPECS,
    TempUnit,
    VitalKind,
    VitalReading,
    read_vital,
    read_vitals,
)
from spoke_client.ui import words
from spoke_client.ui.common import EventFilterFn, error_label, show_message
from spoke_client.ui.intake.base import IntakePage, dict_of, text_of

translate = QCoreApplication.translate
K = VitalKind
#: Every kind the operator types (BMI is derived), in reading order.
ENTERED: tuple[VitalKind, ...] = (
    K.SYSTOLIC,
    K.DIASTOLIC,
    K.PULSE,
    K.TEMPERATURE,
    K.SPO2,
    K.RESP_RATE,
    K.WEIGHT,
    K.HEIGHT,
    K.GLUCOSE,
    K.HAEMOGLOBIN,
)
#: The rows of the two columns; "bp" is systolic / diastolic side by side, "bmi" is computed.
LEFT_ROWS = ("bp", K.PULSE.value, K.TEMPERATURE.value, K.SPO2.value, K.RESP_RATE.value)
RIGHT_ROWS = (K.WEIGHT.value, K.HEIGHT.value, "bmi", K.GLUCOSE.value, K.HAEMOGLOBIN.value)


def row_kinds(row: str) -> tuple[VitalKind, ...]:
    return (K.SYSTOLIC, K.DIASTOLIC) if row == "bp" else (K(row),)


def temp_unit_of(state: dict[str, Any]) -> TempUnit:
    return TempUnit.F if text_of(state, "temp_unit") == TempUnit.F.value else TempUnit.C


def check_row(row: str, raws: dict[str, str], temp_unit: TempUnit) -> tuple[list[str], list[str]]:
    """(messages, flags) in words for one row of typed values."""
    kinds = row_kinds(row)
    typed = {k.value: raws.get(k.value, "") for k in kinds if raws.get(k.value, "").strip()}
    if not typed:
        return [], []
    prefix = len(kinds) > 1
    messages: list[str] = []
    flags: list[str] = []
    try:
        readings = read_vitals(typed, temp_unit=temp_unit).readings
    except DomainRefused as refused:
        for r in refused.refusals:
            field = getattr(r, "field", None)
            messages.append(
                _label(field, words.refusal(r)) if prefix and field else words.refusal(r)
            )
        readings = {}
        for k in kinds:  # flags of the readings that were accepted
            if k.value in typed:
                try:
                    readings[k] = read_vital(k, typed[k.value], temp_unit=temp_unit)
                except DomainRefused:
                    pass
    for kind, reading in readings.items():
        if kind in kinds and reading.flag is not None:
            text = words.flag(reading.flag)
            flags.append(_label(kind.value, text) if prefix else text)
    return messages, flags


def bmi_reading(raws: dict[str, str]) -> VitalReading | None:
    """BMI from the typed weight and height, if both are possible values."""
    typed = {k: raws.get(k, "") for k in (K.WEIGHT.value, K.HEIGHT.value)}
    if not all(v.strip() for v in typed.values()):
        return None
    try:
        return read_vitals(typed).readings.get(K.BMI)
    except DomainRefused:
        return None


def vital_lines(state: dict[str, Any]) -> list[str]:
    """The vitals of a wizard state in words, one line per row (for the review page)."""
    raws = {k: text_of(dict_of(state, "vitals"), k) for k in (e.value for e in ENTERED)}
    unit = temp_unit_of(state)
    lines = []
    for row in LEFT_ROWS + RIGHT_ROWS:
        if row == "bmi":
            reading = bmi_reading(raws)
            if reading is not None:
                text = translate("VitalsPage", "{label}: {value} {unit}").format(
                    label=words.vital_label(K.BMI),
                    value=reading.value,
                    unit=words.unit(reading.unit),
                )
                if reading.flag:
                    text = translate("VitalsPage", "{text} — {flag}").format(
                        text=text, flag=words.flag(reading.flag)
                    )
                lines.append(text)
            continue
        kinds = row_kinds(row)
        values = [raws[k.value].strip() for k in kinds]
        if not any(values):
            continue
        symbol = unit_symbol(kinds[0], unit)
        label = (
            translate("VitalsPage", "Blood pressure")
            if row == "bp"
            else words.vital_label(kinds[0])
        )
        text = translate("VitalsPage", "{label}: {value} {unit}").format(
            label=label, value="/".join(v or "?" for v in values), unit=words.unit(symbol)
        )
        messages, flags = check_row(row, raws, unit)
        for extra in messages + flags:
            text = translate("VitalsPage", "{text} — {flag}").format(text=text, flag=extra)
        lines.append(text)
    return lines


def unit_symbol(kind: VitalKind, temp_unit: TempUnit) -> str:
    if kind is K.TEMPERATURE and temp_unit is TempUnit.F:
        return FAHRENHEIT
    return VITAL_SPECS[kind].unit


def _label(field: str, text: str) -> str:
    return translate("VitalsPage", "{label}: {text}").format(
        label=words.vital_label(field), text=text
    )


class VitalsPage(IntakePage):
    name = "vitals"

    def __init__(
        self,
        settings: dict[str, Any] | None = None,
        save_settings: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # The desktop's settings: a new intake starts in the temperature unit used last.
        self.settings = {} if settings is None else settings
        self.save_settings = save_settings or (lambda: None)
        self.edits: dict[VitalKind, QLineEdit] = {}
        self.units: dict[VitalKind, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        self.flags: dict[str, QLabel] = {}
        self.messages: dict[str, QLabel] = {}
        outer = QVBoxLayout(self)
        self.heading = QLabel(objectName="title")
        outer.addWidget(self.heading)
        self.hint = QLabel(wordWrap=True)
        outer.addWidget(self.hint)
        columns = QHBoxLayout()
        outer.addLayout(columns)
        outer.addStretch()
        for rows in (LEFT_ROWS, RIGHT_ROWS):
            grid = QGridLayout()
            grid.setColumnStretch(2, 1)
            grid.setVerticalSpacing(2)
            for i, row in enumerate(rows):
                self._build_row(grid, i * 2, row)
            columns.addLayout(grid, 1)
            columns.addSpacing(24)

        for kind, edit in self.edits.items():
            row = "bp" if kind in (K.SYSTOLIC, K.DIASTOLIC) else kind.value
            edit.textChanged.connect(lambda _text, row=row: self._refresh(row))
            edit.textChanged.connect(self.emit_changed)
        self.temp_f.toggled.connect(lambda _on: self._refresh(K.TEMPERATURE.value))
        self.temp_f.toggled.connect(self._refresh_units)
        self.temp_f.toggled.connect(self.emit_changed)
        self.temp_f.toggled.connect(self._remember_temp_unit)
        self.watch_enter(self.edits.values())
        self._unit_focus = EventFilterFn(self._on_unit_focus, self)
        self.temp_c.installEventFilter(self._unit_focus)
        self.temp_f.installEventFilter(self._unit_focus)
        self.retranslate()

    def _build_row(self, grid: QGridLayout, at: int, row: str) -> None:
        label = QLabel()
        self.labels[row] = label
        grid.addWidget(label, at, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        box = QHBoxLayout()
        box.setSpacing(6)
        if row == "bmi":
            self.bmi_value = QLabel(objectName="bmi", textFormat=Qt.TextFormat.PlainText)
            self.bmi_value.setMinimumWidth(80)
            box.addWidget(self.bmi_value)
        else:
            for n, kind in enumerate(row_kinds(row)):
                if n:
                    box.addWidget(QLabel("/"))
                edit = QLineEdit(objectName=kind.value)
                edit.setMaxLength(8)
                edit.setFixedWidth(72)
                if n == 0:
                    label.setBuddy(edit)
                self.edits[kind] = edit
                box.addWidget(edit)
            if row != K.TEMPERATURE.value:  # the °C / °F choice is the temperature's unit
                unit = QLabel()
                self.units[row_kinds(row)[-1]] = unit
                box.addWidget(unit)
        if row == K.TEMPERATURE.value:
            self.temp_c = QRadioButton("°C")
            self.temp_f = QRadioButton("°F")
            self.temp_group = QButtonGroup(self)
            self.temp_group.addButton(self.temp_c)
            self.temp_group.addButton(self.temp_f)
            self.temp_c.setChecked(True)
            box.addWidget(self.temp_c)
            box.addWidget(self.temp_f)
        box.addStretch()
        grid.addLayout(box, at, 1)
        flag = QLabel(objectName="flag", wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.flags[row] = flag
        grid.addWidget(flag, at, 2)
        message = error_label()
        self.messages[row] = message
        grid.addWidget(message, at + 1, 1, 1, 2)

    # ---- the page contract ------------------------------------------------------------------
    def title(self) -> str:
        return self.tr("Vitals")

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Vitals"))
        self.hint.setText(
            self.tr(
                "Type each reading you took; leave the others empty. Enter goes to the next one."
            )
        )
        for row, label in self.labels.items():
            if row == "bp":
                text = self.tr("Blood pressure")
            else:
                text = words.vital_label(row)
            label.setText(self.tr("{label}:").format(label=text))
        self.temp_c.setText(words.unit("°C"))
        self.temp_f.setText(words.unit("°F"))
        self.temp_c.setToolTip(self.tr("Temperature in degrees Celsius"))
        self.temp_f.setToolTip(self.tr("Temperature in degrees Fahrenheit"))
        self._refresh_units()
        for row in LEFT_ROWS + RIGHT_ROWS:
            self._refresh(row)

    def state(self) -> dict[str, Any]:
        return {
            "vitals": {kind.value: edit.text() for kind, edit in self.edits.items()},
            "temp_unit": self.temp_unit().value,
        }

    def restore(self, state: dict[str, Any]) -> None:
        vitals = dict_of(state, "vitals")
        with self.restoring():
            for kind, edit in self.edits.items():
                edit.setText(text_of(vitals, kind.value))
            unit = temp_unit_of(state if "temp_unit" in state else self.settings)
            (self.temp_f if unit is TempUnit.F else self.temp_c).setChecked(True)
        for row in LEFT_ROWS + RIGHT_ROWS:
            self._refresh(row)

    def enter_chain(self) -> list[QWidget]:
        return [self.edits[k] for k in ENTERED]

    def tab_chain(self) -> list[QWidget]:
        chain: list[QWidget] = []
        for kind in ENTERED:
            chain.append(self.edits[kind])
            if kind is K.TEMPERATURE:
                chain += [self.temp_c, self.temp_f]
        return chain

    def focus_field(self, field: str) -> bool:
        kind = {"bmi": K.WEIGHT.value, "vitals": K.SYSTOLIC.value}.get(field, field)
        edit = self.edits.get(K(kind)) if kind in set(K) else None
        if edit is not None:
            edit.setFocus(Qt.FocusReason.OtherFocusReason)
        return edit is not None

    # ---- reading the fields -----------------------------------------------------------------
    def temp_unit(self) -> TempUnit:
        return TempUnit.F if self.temp_f.isChecked() else TempUnit.C

    def raws(self) -> dict[str, str]:
        return {kind.value: edit.text() for kind, edit in self.edits.items()}

    def _on_unit_focus(self, watched: QObject, event: QEvent) -> bool:
        """Tab into the °C / °F pair lands on the chosen one (arrow keys change it)."""
        if event.type() == QEvent.Type.FocusIn and not watched.isChecked():
            chosen = self.temp_f if watched is self.temp_c else self.temp_c
            if chosen.isChecked():
                chosen.setFocus(event.reason())
        return False

    def _remember_temp_unit(self, fahrenheit: bool) -> None:
        if not self._restoring:
            self.settings["temp_unit"] = TempUnit.F.value if fahrenheit else TempUnit.C.value
            self.save_settings()

    def _refresh_units(self, *_args: object) -> None:
        for kind, label in self.units.items():
            label.setText(words.unit(unit_symbol(kind, self.temp_unit())))

    def _refresh(self, row: str) -> None:
        if row == "bmi":
            reading = bmi_reading(self.raws())
            self.bmi_value.setText(
                self.tr("{value} {unit}").format(value=reading.value, unit=words.unit(reading.unit))
                if reading
                else self.tr("— (from weight and height)")
            )
            self.flags["bmi"].setText(words.flag(reading.flag) if reading and reading.flag else "")
            return
        messages, flags = check_row(row, self.raws(), self.temp_unit())
        show_message(self.messages[row], "\n".join(messages))
        self.flags[row].setText("\n".join(flags))
        if row in (K.WEIGHT.value, K.HEIGHT.value):
            self._refresh("bmi")
