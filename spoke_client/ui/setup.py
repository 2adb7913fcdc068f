"""First run: the centre's name and code, the first operator and PIN; then the recovery code,
shown once for district IT."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from spoke_client.domain.patient import NAME_MAX
from spoke_client.engine.errors import StoreError
from spoke_client.engine.host import MIN_PIN_DIGITS
from spoke_client.ui import words
from spoke_client.ui.common import AppContext, Screen, error_label, show_message


def pin_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(12)
    field.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
    return field


class SetupScreen(Screen):
    name = "setup"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.pages = QStackedLayout(self)

        form_page = QWidget()
        outer = QVBoxLayout(form_page)
        outer.setContentsMargins(200, 40, 200, 40)
        self.title = QLabel(objectName="title")
        self.intro = QLabel(wordWrap=True)
        outer.addWidget(self.title)
        outer.addWidget(self.intro)
        form = QFormLayout()
        self.facility_name = QLineEdit(maxLength=NAME_MAX)
        self.facility_code = QLineEdit(maxLength=40)
        self.operator = QLineEdit(maxLength=60)
        self.pin = pin_field()
        self.pin_again = pin_field()
        self.labels = [QLabel() for _ in range(5)]
        for label, field in zip(
            self.labels,
            (self.facility_name, self.facility_code, self.operator, self.pin, self.pin_again),
            strict=True,
        ):
            label.setBuddy(field)
            form.addRow(label, field)
            field.returnPressed.connect(self.focusNextChild)
        self.pin_again.returnPressed.disconnect()
        self.pin_again.returnPressed.connect(self.submit)
        outer.addLayout(form)
        self.error = error_label()
        outer.addWidget(self.error)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.progress_label = QLabel()
        self.progress_label.setVisible(False)
        outer.addWidget(self.progress_label)
        outer.addWidget(self.progress)
        row = QHBoxLayout()
        row.addStretch()
        self.submit_button = QPushButton(objectName="primary")
        self.submit_button.clicked.connect(self.submit)
        row.addWidget(self.submit_button)
        outer.addLayout(row)
        outer.addStretch()
        self.pages.addWidget(form_page)

        code_page = QWidget()
        col = QVBoxLayout(code_page)
        col.setContentsMargins(200, 60, 200, 60)
        self.code_title = QLabel(objectName="title")
        self.code_text = QLabel(wordWrap=True)
        self.code = QLabel(objectName="title")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.written = QCheckBox()
        self.continue_button = QPushButton(objectName="primary")
        self.continue_button.setEnabled(False)
        self.written.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.clicked.connect(self._continue)
        for w in (self.code_title, self.code_text, self.code, self.written, self.continue_button):
            col.addWidget(w)
        col.addStretch()
        self.pages.addWidget(code_page)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Set up this computer"))
        self.intro.setText(
            self.tr(
                "This is done once. The patients' records on this computer are encrypted; "
                "only the operators' PINs and the recovery code can open them."
            )
        )
        texts = (
            self.tr("Centre name"),
            self.tr("Centre code"),
            self.tr("Your name (first operator)"),
            self.tr("Choose a PIN ({digits} or more digits)").format(digits=MIN_PIN_DIGITS),
            self.tr("Type the PIN again"),
        )
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.submit_button.setText(self.tr("Set up (Enter)"))
        self.progress_label.setText(
            self.tr("Setting up the encrypted store. This takes a few seconds…")
        )
        self.code_title.setText(self.tr("Recovery code"))
        self.code_text.setText(
            self.tr(
                "Write this code down now and give it to district IT. It is shown only "
                "once. It opens this computer's records if every operator forgets their "
                "PIN or is locked out."
            )
        )
        self.written.setText(self.tr("I have written the recovery code down"))
        self.continue_button.setText(self.tr("Continue"))

    def on_show(self, **params) -> None:
        self.pages.setCurrentIndex(0)
        self.facility_name.setFocus()

    def submit(self) -> None:
        values = [f.text().strip() for f in (self.facility_name, self.facility_code, self.operator)]
        pin, again = self.pin.text(), self.pin_again.text()
        if not all(values):
            show_message(self.error, self.tr("Fill in every field."))
            return
        if not (pin.isdigit() and pin.isascii() and len(pin) >= MIN_PIN_DIGITS):
            show_message(
                self.error,
                self.tr("The PIN must be at least {digits} digits.").format(digits=MIN_PIN_DIGITS),
            )
            return
        if pin != again:
            show_message(self.error, self.tr("The two PINs are not the same."))
            return
        show_message(self.error, "")
        self._busy(True)
        name, code, operator = values
        self.bridge.call(
            self.bridge.host.set_up(code, name, operator, pin), self._done, self._failed
        )

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.progress_label.setVisible(busy)
        self.submit_button.setEnabled(not busy)

    def _done(self, recovery_code: str) -> None:
        self._busy(False)
        self.pin.clear()
        self.pin_again.clear()
        self.code.setText(recovery_code)
        self.pages.setCurrentIndex(1)
        self.written.setFocus()

    def _continue(self) -> None:
        """Close the store again and ask for the new PIN once: proof it was remembered."""
        self.bridge.call(self.bridge.host.lock_store(), lambda _r: self.ctx.go("login"))

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        if isinstance(error, StoreError):
            show_message(self.error, words.store_error(error))
        else:
            raise error
