"""The attachments step's capture buttons: take a photo (with a quality check and a retake
prompt), attach a file, record an audio note or a short clip. After each success the
attachments page reads its list again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from spoke_client.ui.bridge import Bridge
from spoke_client.ui.common import error_label, show_message
from spoke_client.ui.photo_dialog import CaptureDialog, PhotoDialog, failure_words, say
from spoke_client.ui.recording_dialog import RecordingDialog

if TYPE_CHECKING:
    from spoke_client.ui.intake.attachments_page import AttachmentsPage


class CapturePanel(QWidget):
    """The four buttons on the attachments page, and what they open."""

    attached = Signal(str)  # media id: something was added to the case

    def __init__(self, bridge: Bridge, page: AttachmentsPage, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("capture_panel")
        self.bridge = bridge
        self.page = page
        self.use_native_dialog = True  # tests turn this off: Qt's own file dialog
        self.dialog: CaptureDialog | None = None
        self.file_dialog: QFileDialog | None = None
        self._attaching = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.photo_button = QPushButton(objectName="take_photo")
        self.file_button = QPushButton(objectName="attach_file")
        self.audio_button = QPushButton(objectName="record_audio")
        self.clip_button = QPushButton(objectName="record_clip")
        actions = (
            (self.photo_button, self.take_photo, "Ctrl+P"),
            (self.file_button, self.attach_file, "Ctrl+O"),
            (self.audio_button, self.record_audio, "Ctrl+M"),
            (self.clip_button, self.record_clip, "Ctrl+K"),
        )
        for b, action, keys in actions:
            b.setAutoDefault(True)
            b.clicked.connect(action)
            row.addWidget(b)
            shortcut = QShortcut(QKeySequence(keys), self)  # only while this page is shown
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(action)
        row.addStretch()
        outer.addLayout(row)
        self.message = error_label()
        outer.addWidget(self.message)
        page.items_changed.connect(self.refresh)
        self.attached.connect(lambda _id: page.reload())
        self.retranslate()
        self.refresh()

    def buttons(self) -> list[QPushButton]:
        return [self.photo_button, self.file_button, self.audio_button, self.clip_button]

    def retranslate(self) -> None:
        self.photo_button.setText(self.tr("Take photo (Ctrl+P)"))
        self.file_button.setText(self.tr("Attach a file (Ctrl+O)"))
        self.audio_button.setText(self.tr("Record audio note (Ctrl+M)"))
        self.clip_button.setText(self.tr("Record clip (Ctrl+K)"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            if self.dialog is not None:
                self.dialog.retranslate()
        super().changeEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.refresh()
        super().showEvent(event)

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # Leaving the page (the auto-lock, another screen): no camera picture stays up over
        # the lock screen; a recording is stopped and kept.
        if self.dialog is not None:
            self.dialog.abandon()
        if self.file_dialog is not None:
            self.file_dialog.reject()
        super().hideEvent(event)

    def refresh(self) -> None:
        ready = self.page.encounter_id is not None and self.bridge.engine is not None
        for b in self.buttons():
            b.setEnabled(ready)
        self.file_button.setEnabled(ready and not self._attaching)

    def _ready(self) -> str | None:
        self.refresh()
        if not self.isVisible() or not self.photo_button.isEnabled():
            return None
        if self.dialog is not None and self.dialog.isVisible():
            return None
        show_message(self.message, "")
        return self.page.encounter_id

    # ---- photo and recordings ---------------------------------------------------------------
    def take_photo(self) -> None:
        if (encounter_id := self._ready()) is not None:
            self._open(PhotoDialog(self.bridge, encounter_id, self))

    def record_audio(self) -> None:
        if (encounter_id := self._ready()) is not None:
            self._open(RecordingDialog(self.bridge, encounter_id, "audio", self))

    def record_clip(self) -> None:
        if (encounter_id := self._ready()) is not None:
            self._open(RecordingDialog(self.bridge, encounter_id, "video", self))

    def _open(self, dialog: CaptureDialog) -> None:
        self.dialog = dialog
        dialog.attached.connect(self.attached)
        dialog.finished.connect(lambda _r, d=dialog: self._dialog_closed(d))
        dialog.open()

    def _dialog_closed(self, dialog: CaptureDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        self.photo_button.setFocus()

    # ---- files ------------------------------------------------------------------------------
    def attach_file(self) -> None:
        if (self._ready()) is None or self._attaching:
            return
        dialog = QFileDialog(self, self.tr("Choose a file to attach"))
        dialog.setObjectName("attach_file_dialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(
            [self.tr("Reports and photos (*.pdf *.jpg *.jpeg *.png)"), self.tr("All files (*)")]
        )
        if not self.use_native_dialog:
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.fileSelected.connect(self._file_chosen)
        dialog.finished.connect(lambda _r: self._file_dialog_closed(dialog))
        self.file_dialog = dialog
        dialog.open()

    def _file_dialog_closed(self, dialog: QFileDialog) -> None:
        if self.file_dialog is dialog:
            self.file_dialog = None
        dialog.deleteLater()

    def _file_chosen(self, path: str) -> None:
        encounter_id = self.page.encounter_id
        if not path or encounter_id is None:
            return
        self._attaching = True
        self.refresh()
        say(self.message, self.tr("Attaching {name}…").format(name=Path(path).name))
        self.bridge.call(
            self.bridge.engine.capture.attach_file(encounter_id, path),
            self._file_attached,
            self._file_failed,
        )

    def _file_attached(self, media_id: str) -> None:
        self._attaching = False
        show_message(self.message, "")
        self.refresh()
        self.attached.emit(media_id)

    def _file_failed(self, error: BaseException) -> None:
        self._attaching = False
        self.refresh()
        say(self.message, failure_words(error), error=True)
