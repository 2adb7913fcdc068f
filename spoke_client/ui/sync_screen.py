"""Sending to the hub: where this desktop sends to, what waits, what went wrong in words,
"Sync now", and the items the hub refused for good with what to do about each.

The status is read again every second while the screen is shown; "Sync now" never says
"sent" when the round failed (the engine's outcome says ``ok`` False and the problem).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from spoke_client.ui import words
from spoke_client.ui.common import AppContext, Screen, error_label, show_message

if TYPE_CHECKING:
    from spoke_client.engine.usecases import SyncOutcome, SyncStatus

POLL_MS = 1000
_CALM = ("hub-unreachable", "timeout", "hub-busy", "not-provisioned")  # the link, not a fault


def status_level(status: SyncStatus) -> str:
    """ok / warn / error: the colour that goes with the words (never instead of them)."""
    problem = (status.last_error or {}).get("kind")
    if status.rejected_items or status.update_needed or (problem and problem not in _CALM):
        return "error"
    if not status.provisioned or status.online is not True or problem or status.skew_warning:
        return "warn"
    return "ok"


def set_level(widget: QWidget, level: str) -> None:
    if widget.property("level") != level:
        widget.setProperty("level", level)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


LEVEL_STYLE = """
QLabel[level="ok"] { color: #1b5e20; font-weight: bold; }
QLabel[level="warn"] { color: #8a4b00; font-weight: bold; }
QLabel[level="error"] { color: #b00020; font-weight: bold; }
QLabel[level="neutral"] { color: #333; font-weight: normal; }
QLabel#section { font-size: 18px; font-weight: bold; }
"""


class SyncScreen(Screen):
    name = "sync"
    sync_started = Signal()  # the button is off and "Syncing…" shown
    sync_finished = Signal()  # the outcome is on screen

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.status: SyncStatus | None = None
        self.link: dict[str, Any] | None = None
        self.link_known = False
        self.rejected: list[dict[str, Any]] = []
        self.outcome: SyncOutcome | None = None
        self._note = ""  # a note in place of the outcome (after "Send again")
        self._failure: BaseException | None = None
        self.syncing_now = False
        self._polling = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        top = QHBoxLayout()
        self.title = QLabel(objectName="title")
        top.addWidget(self.title)
        top.addStretch()
        self.back_button = QPushButton(objectName="back")
        top.addWidget(self.back_button)
        outer.addLayout(top)
        self.hub = QLabel(objectName="hub", wordWrap=True)
        self.hub.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.hub)
        outer.addSpacing(12)

        grid = QGridLayout()
        grid.setHorizontalSpacing(32)
        outer.addLayout(grid, 1)
        left, right = QVBoxLayout(), QVBoxLayout()
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)

        self.status_heading = QLabel(objectName="section")
        self.connection = QLabel(objectName="connection", wordWrap=True)
        self.waiting = QLabel(objectName="waiting", wordWrap=True)
        self.refused_count = QLabel(objectName="refused_count", wordWrap=True)
        self.last_sent = QLabel(objectName="last_sent", wordWrap=True)
        self.problem = QLabel(objectName="problem", wordWrap=True)
        self.notes = QLabel(objectName="flag", wordWrap=True)
        self.upload_label = QLabel(wordWrap=True)
        self.upload_bar = QProgressBar(objectName="upload", textVisible=False)
        self.upload_bar.setRange(0, 1000)
        self.sync_button = QPushButton(objectName="primary")
        self.outcome_label = QLabel(objectName="outcome", wordWrap=True)
        for w in (
            self.status_heading, self.connection, self.waiting, self.refused_count,
            self.last_sent, self.problem, self.notes, self.upload_label, self.upload_bar,
        ):  # fmt: skip
            left.addWidget(w)
        left.setSpacing(4)
        left.addSpacing(12)
        left.addWidget(self.sync_button, 0, Qt.AlignmentFlag.AlignLeft)
        left.addWidget(self.outcome_label)
        left.addStretch()

        self.rejected_heading = QLabel(objectName="section")
        self.rejected_intro = QLabel(wordWrap=True)
        self.table = QTableWidget(0, 3, objectName="rejected")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.advice = QLabel(objectName="advice", wordWrap=True)
        self.hub_note = QLabel(objectName="hub_note", wordWrap=True)
        self.hub_note.setStyleSheet("color: #555;")
        self.resend_button = QPushButton(objectName="resend")
        for w in (self.rejected_heading, self.rejected_intro, self.table, self.advice):
            right.addWidget(w)
        right.addWidget(self.hub_note)
        right.addWidget(self.resend_button, 0, Qt.AlignmentFlag.AlignLeft)
        right.addStretch()
        self.table.setMaximumHeight(260)
        self.error = error_label()
        outer.addWidget(self.error)
        self.setStyleSheet(LEVEL_STYLE)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.back_button.clicked.connect(self.back)
        self.sync_button.clicked.connect(self.sync_now)
        self.resend_button.clicked.connect(self.resend)
        self.table.itemSelectionChanged.connect(self._show_advice)
        self.shortcut("Esc", self.back)
        self.shortcut("Ctrl+S", self.sync_now)
        self.shortcut("Ctrl+E", self.resend)
        self.retranslate()

    # ---- words ------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(self.tr("Sending to the hub"))
        self.back_button.setText(self.tr("Back (Esc)"))
        self.status_heading.setText(self.tr("Status"))
        self.sync_button.setText(self.tr("Sync now (Ctrl+S)"))
        self.rejected_heading.setText(self.tr("Refused by the hub"))
        self.resend_button.setText(self.tr("Send again (Ctrl+E)"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Patient"), self.tr("What it is"), self.tr("Why it was refused")]
        )
        self._show_link()
        self._show_status()
        self._show_outcome()
        self._show_rejected()

    def _show_link(self) -> None:
        if not self.link_known:
            self.hub.setText("")
        elif self.link is None:
            self.hub.setText(
                self.tr(
                    "No hub is set up on this computer yet, so nothing can be sent; everything is kept here. District IT enrols this desktop with “spoke-client provision” or a provision.toml file."
                )
            )
        else:
            self.hub.setText(
                self.tr("Hub: {url}\nThis centre: {facility} ({code})").format(
                    url=self.link.get("hub_url") or "",
                    facility=self.link.get("facility_name") or "",
                    code=self.link.get("facility_code") or "",
                )
            )

    def _show_status(self) -> None:
        s = self.status
        parts = (self.connection, self.waiting, self.refused_count, self.last_sent)
        for label in (*parts, self.problem, self.notes):
            label.setVisible(s is not None)
        self.upload_label.setVisible(bool(s and s.upload))
        self.upload_bar.setVisible(bool(s and s.upload))
        if s is None:
            return
        online = {True: "ok", False: "warn", None: "neutral"}[s.online]
        set_level(self.connection, online if s.provisioned else "warn")
        self.connection.setText(words.sync_connection(s))
        self.waiting.setText(words.sync_waiting(s.waiting_items, s.waiting_bytes))
        self.refused_count.setText(words.sync_rejected(s.rejected_items))
        self.refused_count.setVisible(s.rejected_items > 0)
        set_level(self.refused_count, "error")
        self.last_sent.setText(words.sync_last_sent(s.last_success, self.ctx.tz))
        kind = (s.last_error or {}).get("kind")
        shown = s.last_error if kind and (s.provisioned or kind != "not-provisioned") else None
        said = self.outcome.problem if self.outcome and not self.outcome.ok else None
        if shown and said and said.get("kind") == kind:
            shown = None  # "Sync now" just said it, right below
        self.problem.setText(
            self.tr("Last problem: {problem}").format(problem=words.sync_problem(shown))
            if shown
            else ""
        )
        self.problem.setVisible(bool(shown))
        set_level(self.problem, "warn" if kind in _CALM else "error")
        notes = words.sync_notes(s)
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        if s.upload:
            done, total = int(s.upload.get("done") or 0), int(s.upload.get("total") or 0)
            self.upload_label.setText(
                self.tr("Sending a photo or file: {done} of {total}").format(
                    done=words.data_size(done), total=words.data_size(total)
                )
            )
            self.upload_bar.setValue(round(1000 * done / total) if total else 0)
        self.sync_button.setEnabled(not self.syncing_now)

    def _show_outcome(self) -> None:
        if self.syncing_now:
            text, level = self.tr("Syncing…"), "neutral"
        elif self._failure is not None:
            text = words.engine_error(
                self._failure,
                self.tr("Sending did not work. Everything is kept here; try again later."),
            )
            level = "error"
        elif self.outcome is not None:
            text = words.sync_outcome(self.outcome)
            level = "ok" if self.outcome.ok and not self.outcome.rejected else "error"
            if not self.outcome.ok and (self.outcome.problem or {}).get("kind") in _CALM:
                level = "warn"
        else:
            text, level = self._note, "neutral"
        self.outcome_label.setText(text)
        self.outcome_label.setVisible(bool(text))
        set_level(self.outcome_label, level)

    def _show_rejected(self) -> None:
        chosen = self.selected_op()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.rejected))
        for row, item in enumerate(self.rejected):
            reason, _todo = words.reject_reason(item.get("reject_code"))
            cells = (item.get("label") or "", words.sync_item_kind(item.get("entity", "")), reason)
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, item["op_id"])
                self.table.setItem(row, col, cell)
        self.table.resizeRowsToContents()
        ops = [item["op_id"] for item in self.rejected]
        if ops:
            self.table.selectRow(ops.index(chosen) if chosen in ops else 0)
        self.table.blockSignals(False)
        self.rejected_intro.setText(
            self.tr(
                "The hub refused these for good. They are kept on this computer. Choose one to see what to do."
            )
            if ops
            else self.tr("Nothing was refused by the hub.")
        )
        self.table.setVisible(bool(ops))
        self._show_advice()

    def _show_advice(self) -> None:
        item = self.selected_item()
        self.resend_button.setVisible(item is not None)
        self.resend_button.setEnabled(item is not None)
        self.advice.setVisible(item is not None)
        self.hub_note.setVisible(bool(item and item.get("last_error")))
        if item is None:
            return
        _reason, todo = words.reject_reason(item.get("reject_code"))
        self.advice.setText(self.tr("What to do: {advice}").format(advice=todo))
        self.hub_note.setText(
            self.tr("The hub's note, for district IT: {note}").format(note=item.get("last_error"))
        )

    def selected_op(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.table.item(rows[0].row(), 0) is None:
            return None
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def selected_item(self) -> dict[str, Any] | None:
        op = self.selected_op()
        return next((i for i in self.rejected if i["op_id"] == op), None)

    # ---- showing and leaving ----------------------------------------------------------------
    def on_show(self, **_params: Any) -> None:
        self.outcome, self._failure, self._note = None, None, ""
        self.error.setVisible(False)
        self._show_outcome()
        self.load()
        self.sync_button.setFocus()

    def load(self) -> None:
        """The hub link, the refused items and the status, read again."""
        engine = self.bridge.engine
        if engine is None:
            return
        self.bridge.call(engine.hub_link(), self._got_link, self._failed)
        self.bridge.call(engine.rejected_items(), self._got_rejected, self._failed)
        self.poll()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt's name)
        self.timer.stop()
        super().hideEvent(event)

    def back(self) -> None:
        self.ctx.go("home")

    def poll(self) -> None:
        engine = self.bridge.engine
        if engine is None or self._polling:
            return
        self._polling = True
        self.bridge.call(engine.sync_status(), self._got_status, self._poll_failed)

    def _got_status(self, status: SyncStatus) -> None:
        self._polling = False
        before, self.status = self.status, status
        self._show_status()
        engine = self.bridge.engine
        if before and before.rejected_items != status.rejected_items and engine is not None:
            # the background sync had items refused (or another screen sent them again)
            self.bridge.call(engine.rejected_items(), self._got_rejected, self._failed)

    def _poll_failed(self, error: BaseException) -> None:
        self._polling = False
        self._failed(error)

    def _got_link(self, link: dict[str, Any] | None) -> None:
        self.link, self.link_known = link, True
        self._show_link()

    def _got_rejected(self, items: list[dict[str, Any]]) -> None:
        self.rejected = items
        self._show_rejected()

    def _failed(self, error: BaseException) -> None:
        show_message(
            self.error,
            words.engine_error(
                error, self.tr("Something went wrong. Nothing is lost: please try again.")
            ),
        )

    # ---- actions ----------------------------------------------------------------------------
    def sync_now(self) -> None:
        engine = self.bridge.engine
        if engine is None or self.syncing_now:
            return
        self.syncing_now, self.outcome, self._failure = True, None, None
        self.sync_button.setEnabled(False)
        self._show_outcome()
        self.sync_started.emit()
        self.bridge.call(engine.sync_now(), self._synced, self._sync_failed)

    def _synced(self, outcome: SyncOutcome) -> None:
        self.syncing_now, self.outcome = False, outcome
        self._after_sync()

    def _sync_failed(self, error: BaseException) -> None:
        self.syncing_now, self._failure = False, error
        self._after_sync()

    def _after_sync(self) -> None:
        self.sync_button.setEnabled(True)
        self._show_outcome()
        self._show_status()
        self.load()
        self.sync_finished.emit()

    def resend(self) -> None:
        engine, item = self.bridge.engine, self.selected_item()
        if engine is None or item is None:
            return
        self.resend_button.setEnabled(False)
        note = self.tr("{patient} — {what}: will be sent again with the next sync.").format(
            patient=item.get("label") or "", what=words.sync_item_kind(item.get("entity", ""))
        )

        def done(_count: int) -> None:
            self.outcome, self._failure, self._note = None, None, note
            self._show_outcome()
            self.load()

        self.bridge.call(engine.resend_rejected(item["op_id"]), done, self._failed)
