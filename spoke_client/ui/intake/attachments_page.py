"""Step 4: photos, recordings and files attached to the case.

The list comes from the store (``engine.list_attachments``) through the wizard. The capture
buttons (camera, microphone, file) are the ``CapturePanel`` in ``capture_buttons``; it calls
``reload()`` after each attachment.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from spoke_client.ui.bridge import Bridge
from spoke_client.ui.capture_panel import CapturePanel
from spoke_client.ui.common import error_label, show_message
from spoke_client.ui.intake.base import IntakePage, button, error_words

translate = QCoreApplication.translate


def kind_name(kind: str) -> str:
    return {
        "photo": translate("AttachmentsPage", "Photo"),
        "audio": translate("AttachmentsPage", "Sound recording"),
        "video": translate("AttachmentsPage", "Video"),
        "file": translate("AttachmentsPage", "File"),
        "document": translate("AttachmentsPage", "Document"),
    }.get(kind, kind)


def size_words(size: int) -> str:
    if size >= 1024 * 1024:
        return translate("AttachmentsPage", "{mb} MB").format(mb=f"{size / (1024 * 1024):.1f}")
    return translate("AttachmentsPage", "{kb} KB").format(kb=max(1, round(size / 1024)))


def local_time(stamp: str, tz: tzinfo | None) -> str:
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return ""
    return moment.astimezone(tz).strftime("%H:%M") if tz else moment.strftime("%H:%M")


class AttachmentsPage(IntakePage):
    name = "attachments"
    items_changed = Signal()

    def __init__(self, bridge: Bridge, tz: tzinfo | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.tz = tz
        self.encounter_id: str | None = None
        self.items: list[dict[str, Any]] = []
        outer = QVBoxLayout(self)
        self.heading = QLabel(objectName="title")
        outer.addWidget(self.heading)
        self.hint = QLabel(wordWrap=True)
        outer.addWidget(self.hint)
        # The capture buttons: camera, file, microphone (spoke_client/ui/capture_panel.py).
        self.capture_buttons = QHBoxLayout()
        self.capture_buttons.setObjectName("capture_buttons")
        outer.addLayout(self.capture_buttons)
        self.capture_panel = CapturePanel(bridge, self)
        self.capture_buttons.addWidget(self.capture_panel)
        self.list_label = QLabel()
        outer.addWidget(self.list_label)
        self.list = QListWidget(objectName="attachment_list")
        outer.addWidget(self.list, 1)
        self.empty = QLabel()
        outer.addWidget(self.empty)
        row = QHBoxLayout()
        self.remove_button = button("remove_attachment")
        row.addWidget(self.remove_button)
        row.addStretch()
        outer.addLayout(row)
        self.error = error_label()
        outer.addWidget(self.error)
        # Takes the spare height only while the list is hidden (nothing attached), so the
        # page stays packed at the top instead of spreading its rows over the screen.
        outer.addStretch(0)
        self.list_label.setBuddy(self.list)
        self.watch_enter([self.list])
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.currentRowChanged.connect(self._refresh_buttons)
        self.retranslate()

    def title(self) -> str:
        return self.tr("Attachments")

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Photos, recordings and files"))
        self.hint.setText(
            self.tr(
                "Anything attached here is sent to the doctor with the case. This step can be left empty."
            )
        )
        self.list_label.setText(self.tr("Attached to this case:"))
        self.empty.setText(self.tr("Nothing attached yet."))
        self.remove_button.setText(self.tr("Remove selected"))
        self.set_items(self.items)

    def enter_chain(self) -> list[QWidget]:
        return [self.list]  # Enter on the list goes on to the review

    def tab_chain(self) -> list[QWidget]:
        return [*self.capture_panel.buttons(), self.list, self.remove_button]

    # ---- the list ---------------------------------------------------------------------------
    def open_case(self, encounter_id: str | None) -> None:
        self.encounter_id = encounter_id
        self.set_items([])
        self.show_error("")
        self.reload()

    def reload(self) -> None:
        """Read the list again from the store (the capture screen calls this after adding)."""
        encounter_id = self.encounter_id
        if encounter_id is None:
            return
        self.bridge.call(
            self.bridge.engine.list_attachments(encounter_id),
            lambda items: self._got(encounter_id, items),
            lambda error: self._failed(encounter_id, error),
        )

    def _got(self, encounter_id: str, items: list[dict[str, Any]]) -> None:
        if encounter_id == self.encounter_id:
            self.set_items(items)
            self.show_error("")
            self.items_changed.emit()

    def _failed(self, encounter_id: str, error: BaseException) -> None:
        if encounter_id == self.encounter_id:
            self.show_error(error_words(error))

    def set_items(self, items: list[dict[str, Any]]) -> None:
        """Show the store's list (dicts with id, kind, mime, size, caption, created_at)."""
        current = self.selected_id()
        self.items = list(items)
        self.list.clear()
        for item in self.items:
            text = self.tr("{kind} — {caption} — {size} — added at {time}").format(
                kind=kind_name(item.get("kind", "")),
                caption=item.get("caption") or self.tr("no caption"),
                size=size_words(int(item.get("size") or 0)),
                time=local_time(item.get("created_at", ""), self.tz),
            )
            entry = QListWidgetItem(text)
            entry.setData(Qt.ItemDataRole.UserRole, item["id"])
            self.list.addItem(entry)
            if item["id"] == current:
                self.list.setCurrentItem(entry)
        if self.list.currentRow() < 0 and self.items:
            self.list.setCurrentRow(0)
        self.empty.setVisible(not self.items)
        self.list.setVisible(bool(self.items))
        self._refresh_buttons()

    def selected_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def remove_selected(self) -> None:
        media_id, encounter_id = self.selected_id(), self.encounter_id
        if media_id is None or encounter_id is None:
            return
        self.remove_button.setEnabled(False)
        self.bridge.call(
            self.bridge.engine.remove_attachment(encounter_id, media_id),
            lambda _none: self.reload() if encounter_id == self.encounter_id else None,
            lambda error: self._failed(encounter_id, error),
        )

    def show_error(self, text: str) -> None:
        show_message(self.error, text)
        self._refresh_buttons()

    def _refresh_buttons(self, *_args: object) -> None:
        self.remove_button.setEnabled(self.selected_id() is not None)
        self.remove_button.setVisible(bool(self.items))
