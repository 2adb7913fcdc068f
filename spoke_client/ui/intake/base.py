"""What every intake page shares: its slice of the wizard state, a "changed" signal for
autosave, and keyboard flow (Enter moves to the next field; Enter on the last field asks the
wizard for the next page)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from spoke_client.domain.patient import Patient
from spoke_client.ui import words
from spoke_client.ui.common import EventFilterFn

_ENTER_KEYS = {Qt.Key.Key_Return, Qt.Key.Key_Enter}
_PLAIN = {Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier}


class IntakePage(QWidget):
    """One step of the intake wizard. Subclasses set ``name`` and build their widgets."""

    name = "page"
    changed = Signal()  # the operator changed something that belongs in the draft
    past_last_field = Signal()  # Enter on the last field: the wizard goes to the next page
    tab_order_changed = Signal()  # rows were added or removed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{self.name}_page")
        self._restoring = False
        self._enter_filter = EventFilterFn(self._on_key, self)
        self.patient: Patient | None = None
        self.today: date = date.today()

    # ---- the contract the wizard uses -----------------------------------------------------
    def title(self) -> str:
        """The step's name in words (for the step indicator)."""
        return self.name

    def state(self) -> dict[str, Any]:
        """This page's part of the draft: JSON-safe, exactly as typed."""
        return {}

    def restore(self, state: dict[str, Any]) -> None:
        """Put this page's part of ``state`` (the whole wizard state) back on screen."""

    def retranslate(self) -> None:
        """Set every visible text again (language switch)."""

    def set_context(self, patient: Patient | None, today: date) -> None:
        """The patient of the case and today's date in the centre's time zone."""
        self.patient = patient
        self.today = today

    def on_enter(self) -> None:
        """The page is about to be shown."""

    def enter_chain(self) -> list[QWidget]:
        """Fields in reading order that Enter walks through."""
        return []

    def tab_chain(self) -> list[QWidget]:
        """Every focusable widget in reading order (fields and buttons)."""
        return self.enter_chain()

    def focus_field(self, field: str) -> bool:
        """Put the cursor in the field a refusal names (False if not on this page)."""
        return False

    def focus_first(self) -> bool:
        for w in self.enter_chain():
            if w.isEnabled() and w.isVisibleTo(self):
                w.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
        return False

    # ---- helpers for subclasses -------------------------------------------------------------
    def emit_changed(self, *_args: object) -> None:
        if not self._restoring:
            self.changed.emit()

    def restoring(self) -> _Restoring:
        """``with self.restoring():`` programmatic changes do not count as the operator's."""
        return _Restoring(self)

    def watch_enter(self, widgets: Iterable[QWidget]) -> None:
        for w in widgets:
            w.installEventFilter(self._enter_filter)

    def advance_from(self, widget: QWidget) -> None:
        chain = [w for w in self.enter_chain() if w.isEnabled() and w.isVisibleTo(self)]
        if widget in chain:
            index = chain.index(widget)
            if index + 1 < len(chain):
                chain[index + 1].setFocus(Qt.FocusReason.TabFocusReason)
                return
        self.past_last_field.emit()

    def _on_key(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and event.key() in _ENTER_KEYS
            and event.modifiers() in _PLAIN
            and isinstance(watched, QWidget)
        ):
            self.advance_from(watched)
            return True
        return False


class _Restoring:
    def __init__(self, page: IntakePage) -> None:
        self.page = page

    def __enter__(self) -> None:
        self.page._restoring = True

    def __exit__(self, *_exc: object) -> None:
        self.page._restoring = False


def error_words(error: BaseException) -> str:
    """An engine error in words (see words.engine_error)."""
    return words.engine_error(
        error,
        QCoreApplication.translate(
            "IntakePage", "Something went wrong. What you typed is still on the screen."
        ),
    )


def button(object_name: str = "", parent: QWidget | None = None) -> QPushButton:
    """A push button that Enter presses when it has the focus (as Space does)."""
    b = QPushButton(parent)
    if object_name:
        b.setObjectName(object_name)
    b.setAutoDefault(True)
    return b


def text_of(state: dict[str, Any], key: str) -> str:
    """A string from a restored draft, whatever was stored there."""
    value = state.get(key) if isinstance(state, dict) else None
    return "" if value is None else str(value)


def dict_of(state: dict[str, Any], key: str) -> dict[str, Any]:
    value = state.get(key) if isinstance(state, dict) else None
    return value if isinstance(value, dict) else {}


def set_tab_order(widgets: Iterable[QWidget]) -> None:
    chain = [w for w in widgets if w.focusPolicy() != Qt.FocusPolicy.NoFocus]
    for first, second in zip(chain, chain[1:], strict=False):
        QWidget.setTabOrder(first, second)


class StepIndicator(QWidget):
    """ "1 Patient › 2 Vitals › …" with the current step in bold, and "Step 2 of 5: Vitals"."""

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.steps: list[QLabel] = []
        for i in range(count):
            if i:
                row.addWidget(QLabel("›"))
            label = QLabel(objectName=f"step_{i + 1}")
            self.steps.append(label)
            row.addWidget(label)
        row.addStretch()
        self.title = QLabel(objectName="step_title")
        row.addWidget(self.title)

    def show_step(self, titles: list[str], index: int) -> None:
        for i, (label, title) in enumerate(zip(self.steps, titles, strict=True)):
            label.setText(self.tr("{number} {step}").format(number=i + 1, step=title))
            label.setProperty("current", i == index)
            label.setStyleSheet(
                "font-weight: bold; text-decoration: underline;" if i == index else "color: #555;"
            )
        self.title.setText(
            self.tr("Step {number} of {total}: {step}").format(
                number=index + 1, total=len(titles), step=titles[index]
            )
        )
