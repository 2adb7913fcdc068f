"""Login: pick the operator, type the PIN (works offline); choose the language and text size.

The same screen serves the auto-lock: then the store stays open, the operator is fixed, and
a correct PIN returns to exactly the screen and form that were open.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spoke_client.engine.errors import StoreError
from spoke_client.ui import words
from spoke_client.ui.common import AppContext, Screen, error_label, show_message
from spoke_client.ui.i18n import LANGUAGES
from spoke_client.ui.setup import pin_field


class LoginScreen(Screen):
    name = "login"
    language_chosen = Signal(str)
    large_text_chosen = Signal(bool)
    unlocked = Signal(str)  # operator

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.locked_mode = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(360, 60, 360, 60)
        self.title = QLabel(objectName="title")
        self.subtitle = QLabel(wordWrap=True)
        outer.addWidget(self.title)
        outer.addWidget(self.subtitle)
        form = QFormLayout()
        self.operator_label, self.pin_label, self.language_label = QLabel(), QLabel(), QLabel()
        self.operator = QComboBox()
        self.pin = pin_field()
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.large_text = QCheckBox()
        for label, field in (
            (self.operator_label, self.operator),
            (self.pin_label, self.pin),
            (self.language_label, self.language),
        ):
            label.setBuddy(field)
            form.addRow(label, field)
        form.addRow(QLabel(), self.large_text)
        outer.addLayout(form)
        self.error = error_label()
        outer.addWidget(self.error)
        row = QHBoxLayout()
        self.switch_user = QPushButton()
        self.switch_user.setVisible(False)
        row.addWidget(self.switch_user)
        row.addStretch()
        self.login_button = QPushButton(objectName="primary")
        row.addWidget(self.login_button)
        outer.addLayout(row)
        outer.addStretch()

        self.pin.returnPressed.connect(self.submit)
        self.login_button.clicked.connect(self.submit)
        self.language.currentIndexChanged.connect(
            lambda _i: self.language_chosen.emit(self.language.currentData())
        )
        self.large_text.toggled.connect(self.large_text_chosen.emit)
        self.switch_user.clicked.connect(self._switch_user)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Locked") if self.locked_mode else self.tr("Log in"))
        self.subtitle.setText(
            self.tr("Your work is kept. Type your PIN to go on.")
            if self.locked_mode
            else self.tr("Works without internet.")
        )
        self.operator_label.setText(self.tr("Operator"))
        self.pin_label.setText(self.tr("PIN"))
        self.language_label.setText(self.tr("Language"))
        self.large_text.setText(self.tr("Larger text"))
        self.login_button.setText(
            self.tr("Unlock (Enter)") if self.locked_mode else self.tr("Log in (Enter)")
        )
        self.switch_user.setText(self.tr("Log in as someone else"))

    def on_show(
        self, *, locked_operator: str | None = None, operators: list | None = None, **params
    ) -> None:
        self.locked_mode = locked_operator is not None
        self.switch_user.setVisible(self.locked_mode)
        self.operator.setEnabled(not self.locked_mode)
        self.pin.clear()
        show_message(self.error, "")
        self.retranslate()
        if self.locked_mode:
            self.operator.clear()
            self.operator.addItem(locked_operator, locked_operator)
        elif operators is not None:
            self._fill_operators(operators)  # read with the start-up settings, in one trip
        else:
            self.bridge.call(self.bridge.host.operators(), self._fill_operators, self._failed)
        self.pin.setFocus()

    def set_choices(self, language: str, large_text: bool) -> None:
        """Reflect the saved choices without re-emitting them."""
        self.language.blockSignals(True)
        self.large_text.blockSignals(True)
        index = self.language.findData(language)
        self.language.setCurrentIndex(max(index, 0))
        self.large_text.setChecked(large_text)
        self.language.blockSignals(False)
        self.large_text.blockSignals(False)

    def _fill_operators(self, operators: list[dict]) -> None:
        current = self.operator.currentData()
        self.operator.clear()
        for op in operators:
            self.operator.addItem(op["operator"], op["operator"])
        index = self.operator.findData(current or self.ctx.settings.get("last_operator"))
        self.operator.setCurrentIndex(max(index, 0))

    def submit(self) -> None:
        operator, pin = self.operator.currentData(), self.pin.text()
        if not operator:
            return
        if not pin:
            show_message(self.error, self.tr("Type your PIN."))
            return
        self.login_button.setEnabled(False)
        host = self.bridge.host
        call = host.verify_pin(operator, pin) if self.locked_mode else host.unlock(operator, pin)
        self.bridge.call(call, lambda _r: self._ok(operator), self._failed)

    def _ok(self, operator: str) -> None:
        self.login_button.setEnabled(True)
        self.pin.clear()
        self.unlocked.emit(operator)

    def _failed(self, error: BaseException) -> None:
        self.login_button.setEnabled(True)
        self.pin.clear()
        self.pin.setFocus()
        if not isinstance(error, StoreError):
            raise error
        show_message(self.error, words.store_error(error))

    def _switch_user(self) -> None:
        self.bridge.call(self.bridge.host.lock_store(), lambda _r: self.on_show())

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape and self.locked_mode:
            return  # Esc must not get past the lock
        super().keyPressEvent(event)
