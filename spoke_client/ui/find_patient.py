"""Find a patient: results as the operator types (name, phone, ABHA or village), Enter on a
result starts a visit; or go on to register a new patient with what was typed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spoke_client.domain.patient import Patient
from spoke_client.ui import words
from spoke_client.ui.common import AppContext, EventFilterFn, Screen, error_label, show_message

translate = QCoreApplication.translate

SEARCH_DELAY_MS = 300
_LIST_KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}


def masked_mobile(mobile: str | None) -> str:
    """Only the last four digits (others in the room may see the screen): ******3210."""
    if not mobile:
        return ""
    return "*" * max(len(mobile) - 4, 0) + mobile[-4:]


def short_age(patient: Patient, today: date) -> str:
    years, months = patient.age_on(today)
    if years:
        return translate("FindPatient", "{years} y").format(years=years)
    return translate("FindPatient", "{months} m").format(months=months)


def patient_line(patient: Patient, today: date) -> str:
    """One line that tells patients apart: name, sex, age, village, masked mobile."""
    parts = [
        patient.name,
        words.sex_name(patient.sex.value),
        short_age(patient, today),
        patient.village,
    ]
    if patient.mobile:
        parts.append(masked_mobile(patient.mobile))
    return " · ".join(parts)


def error_words(error: BaseException) -> str:
    """An engine failure in words: refusals, store errors (codes), anything else."""
    return words.engine_error(
        error,
        translate(
            "FindPatient", "Something went wrong. Nothing you typed is lost: please try again."
        ),
        sep="\n",
    )


def today_in(ctx: AppContext) -> date:
    return datetime.now(ctx.tz).date()


class FindPatientScreen(Screen):
    name = "find"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._seq = 0  # the number of the latest query: older answers are dropped
        self._shown_query = ""
        self._starting = False
        self.today = today_in(ctx)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        self.title = QLabel(objectName="title")
        outer.addWidget(self.title)
        self.search_label = QLabel()
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search_label.setBuddy(self.search)
        outer.addWidget(self.search_label)
        outer.addWidget(self.search)
        self.hint = QLabel(wordWrap=True)
        outer.addWidget(self.hint)
        self.status = QLabel(wordWrap=True)
        self.status.setVisible(False)
        outer.addWidget(self.status)
        self.error = error_label()
        outer.addWidget(self.error)
        self.results = QListWidget()
        self.results.setUniformItemSizes(True)
        self.results.setStyleSheet("QListWidget::item { padding: 8px 4px; }")
        outer.addWidget(self.results, 1)

        buttons = QHBoxLayout()
        self.back_button = QPushButton()
        self.register_button = QPushButton(objectName="primary")
        buttons.addWidget(self.back_button)
        buttons.addStretch()
        buttons.addWidget(self.register_button)
        outer.addLayout(buttons)
        self.setTabOrder(self.search, self.results)
        self.setTabOrder(self.results, self.register_button)
        self.setTabOrder(self.register_button, self.back_button)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.search_now)
        self.search.textChanged.connect(self._typed)
        self.search.returnPressed.connect(self._open_current)
        self._keys = EventFilterFn(self._search_keys, self)
        self.search.installEventFilter(self._keys)
        self.results.itemActivated.connect(self._start_visit)
        self.register_button.clicked.connect(self.register_new)
        self.back_button.clicked.connect(self.back)
        self.shortcut("Ctrl+N", self.register_new)
        self.shortcut("Esc", self.back)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Find patient"))
        self.search_label.setText(self.tr("&Search"))
        self.search.setPlaceholderText(self.tr("Name, phone number, ABHA number or village"))
        self.hint.setText(
            self.tr("Results appear as you type. ↑ ↓ choose a patient, Enter starts the visit.")
        )
        self.register_button.setText(self.tr("Register new patient (Ctrl+N)"))
        self.back_button.setText(self.tr("Back (Esc)"))
        if self.status.isVisible() and not self.results.count() and self._shown_query:
            self.status.setText(self.tr("No patient found"))
        for i in range(self.results.count()):
            item = self.results.item(i)
            item.setText(patient_line(item.data(Qt.ItemDataRole.UserRole), self.today))

    def on_show(self, **params: Any) -> None:
        """Start afresh (the last patient's name is not left on screen), or search ``query``."""
        self.today = today_in(self.ctx)
        self._starting = False
        self._seq += 1
        self.timer.stop()
        query = str(params.get("query") or "").strip()
        self.search.blockSignals(True)
        self.search.setText(query)
        self.search.blockSignals(False)
        self._show(self._seq, "", [])
        show_message(self.error, "")
        if query:
            self.search_now()
        self.search.setFocus()

    # ---- searching --------------------------------------------------------------------------
    def _typed(self, _text: str) -> None:
        self._seq += 1  # any answer still on its way is for an older query now
        show_message(self.error, "")
        self.timer.start()

    def search_now(self) -> None:
        """Search for what is typed now, without waiting for the pause."""
        self.timer.stop()
        query = self.search.text().strip()
        seq = self._seq
        if not query:
            self._show(seq, "", [])
            return
        self.bridge.call(
            self.bridge.engine.search_patients(query),
            lambda found: self._show(seq, query, found),
            lambda error: self._failed(seq, error),
        )

    def _show(self, seq: int, query: str, found: list[Patient]) -> None:
        if seq != self._seq:
            return
        self._shown_query = query
        self.results.clear()
        for patient in found:
            item = QListWidgetItem(patient_line(patient, self.today))
            item.setData(Qt.ItemDataRole.UserRole, patient)
            self.results.addItem(item)
        if found:
            self.results.setCurrentRow(0)
        self.status.setText(self.tr("No patient found") if query and not found else "")
        self.status.setVisible(bool(query) and not found)

    def _failed(self, seq: int, error: BaseException) -> None:
        if seq == self._seq:
            show_message(self.error, error_words(error))

    @property
    def showing(self) -> str:
        """The query whose results are on screen."""
        return self._shown_query

    # ---- keyboard ---------------------------------------------------------------------------
    def _search_keys(self, _watched: QObject, event: QEvent) -> bool:
        """Arrow keys in the search box move through the results; typing stays in the box."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in _LIST_KEYS and self.results.count():
                copy = QKeyEvent(event.type(), event.key(), event.modifiers(), event.text())
                QCoreApplication.sendEvent(self.results, copy)
                return True
        return False

    def _open_current(self) -> None:
        if self.timer.isActive():  # Enter before the pause: search now, let them see it
            self.search_now()
            return
        item = self.results.currentItem()
        if item is not None and self._shown_query == self.search.text().strip():
            self._start_visit(item)

    # ---- actions ----------------------------------------------------------------------------
    def _start_visit(self, item: QListWidgetItem) -> None:
        if self._starting:
            return  # one visit per Enter, however often it is pressed
        patient: Patient = item.data(Qt.ItemDataRole.UserRole)
        self._starting = True
        self.status.setText(self.tr("Starting the visit…"))
        self.status.setVisible(True)
        self.bridge.call(
            self.bridge.engine.save_draft(None, patient.id, {}, "patient"),
            lambda saved: self.ctx.go("intake", encounter_id=saved.encounter_id),
            self._start_failed,
        )

    def _start_failed(self, error: BaseException) -> None:
        self._starting = False
        self.status.setVisible(False)
        show_message(self.error, error_words(error))

    def register_new(self) -> None:
        self.ctx.go("register", query=self.search.text().strip())

    def back(self) -> None:
        self.ctx.go("home")
