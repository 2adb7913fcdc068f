"""Home: today's cases with their state in words, the sync badge, unfinished drafts, and the
two big actions."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QMouseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from spoke_client.domain.encounter import CaseState
from spoke_client.engine.errors import StoreError
from spoke_client.ui import words
from spoke_client.ui.common import AppContext, Screen, error_label, show_message
from spoke_client.ui.sync_screen import set_level, status_level

STATUS_POLL_MS = 2000
# A case in one of these states can still go to a doctor: live, or for review.
TO_A_DOCTOR = (CaseState.READY, CaseState.WAITING_FOR_DOCTOR)


class HomeScreen(Screen):
    name = "home"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._cases: list = []
        self._drafts: list[dict] = []
        self._status = None  # the engine's SyncStatus, read every 2 s while shown
        self._polling = False
        self._offer_draft = False
        self.operator = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        top = QHBoxLayout()
        self.title = QLabel(objectName="title")
        top.addWidget(self.title)
        top.addStretch()
        self.sync_badge = SyncBadge()
        top.addWidget(self.sync_badge)
        self.lock_button = QPushButton()
        top.addWidget(self.lock_button)
        outer.addLayout(top)
        self.banner = QLabel(objectName="banner", wordWrap=True)
        self.banner.setVisible(False)
        outer.addWidget(self.banner)

        actions = QHBoxLayout()
        self.new_button = QPushButton(objectName="big")
        self.find_button = QPushButton(objectName="big")
        actions.addWidget(self.new_button)
        actions.addWidget(self.find_button)
        actions.addStretch()
        self.device_check_button = QPushButton(objectName="device_check")
        actions.addWidget(self.device_check_button)
        outer.addLayout(actions)

        self.drafts_label = QLabel()
        self.drafts = QListWidget()
        self.drafts.setMaximumHeight(130)
        outer.addWidget(self.drafts_label)
        outer.addWidget(self.drafts)
        self.resume_button = QPushButton()
        row = QHBoxLayout()
        row.addWidget(self.resume_button)
        row.addStretch()
        outer.addLayout(row)

        self.cases_label = QLabel()
        self.cases = QTableWidget(0, 4)
        self.cases.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cases.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cases.verticalHeader().setVisible(False)
        self.cases.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        outer.addWidget(self.cases_label)
        outer.addWidget(self.cases, 1)
        send = QHBoxLayout()
        self.consult_button = QPushButton(objectName="consult_live")
        self.review_button = QPushButton(objectName="send_for_review")
        send.addWidget(self.consult_button)
        send.addWidget(self.review_button)
        send.addStretch()
        outer.addLayout(send)
        self.error = error_label()
        outer.addWidget(self.error)
        self.status_timer = QTimer(self)
        self.status_timer.setInterval(STATUS_POLL_MS)
        self.status_timer.timeout.connect(self.poll_sync)

        self.new_button.clicked.connect(lambda: self.ctx.go("register"))
        self.find_button.clicked.connect(lambda: self.ctx.go("find"))
        self.resume_button.clicked.connect(self.resume)
        self.drafts.itemActivated.connect(lambda _i: self.resume())
        self.lock_button.clicked.connect(lambda: self.ctx.go("lock"))
        self.device_check_button.clicked.connect(lambda: self.ctx.go("device_check"))
        self.sync_badge.clicked.connect(lambda: self.ctx.go("sync"))
        self.cases.itemSelectionChanged.connect(self._show_case_actions)
        self.consult_button.clicked.connect(self.consult_live)
        self.review_button.clicked.connect(self.send_for_review)
        self.shortcut("Ctrl+N", lambda: self.ctx.go("register"))
        self.shortcut("Ctrl+F", lambda: self.ctx.go("find"))
        self.shortcut("Ctrl+R", self.resume)
        self.shortcut("Ctrl+L", lambda: self.ctx.go("lock"))
        self.shortcut("Ctrl+D", lambda: self.ctx.go("device_check"))
        self.shortcut("Ctrl+Y", lambda: self.ctx.go("sync"))
        self.shortcut("Ctrl+K", self.consult_live)
        self.shortcut("Ctrl+Shift+R", self.send_for_review)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(
            self.tr("Today's cases — {operator}").format(operator=self.operator)
            if self.operator
            else self.tr("Today's cases")
        )
        self.new_button.setText(self.tr("New patient (Ctrl+N)"))
        self.find_button.setText(self.tr("Find patient (Ctrl+F)"))
        self.resume_button.setText(self.tr("Resume intake (Ctrl+R)"))
        self.lock_button.setText(self.tr("Lock (Ctrl+L)"))
        self.device_check_button.setText(self.tr("Check camera and microphone (Ctrl+D)"))
        self.consult_button.setText(self.tr("Consult live (Ctrl+K)"))
        self.review_button.setText(self.tr("Send for review (Ctrl+Shift+R)"))
        self.drafts_label.setText(self.tr("Unfinished intakes"))
        self.cases_label.setText(self.tr("Cases started today"))
        self.cases.setHorizontalHeaderLabels(
            [self.tr("Time"), self.tr("Patient"), self.tr("Village"), self.tr("Status")]
        )
        self.sync_badge.retranslate()
        self._show_sync()
        self._show_drafts()
        self._show_cases()

    def on_show(
        self,
        *,
        message: str | None = None,
        operator: str | None = None,
        after_login: bool = False,
        **p,
    ) -> None:
        if operator:
            self.operator = operator
            self.retranslate()
        self._offer_draft = after_login
        self.banner.setText(message or "")
        self.banner.setVisible(bool(message))
        self.refresh()
        self.status_timer.start()
        self.new_button.setFocus()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.status_timer.start()  # also when shown again after the lock screen

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt's name)
        self.status_timer.stop()
        super().hideEvent(event)

    def refresh(self) -> None:
        engine = self.bridge.engine
        if engine is None:
            return
        self.bridge.call(engine.list_today(), self._got_cases, self._failed)
        self.bridge.call(engine.unfinished_drafts(), self._got_drafts, self._failed)
        self.poll_sync()

    def poll_sync(self) -> None:
        engine = self.bridge.engine
        if engine is None or self._polling:
            return
        self._polling = True
        self.bridge.call(engine.sync_status(), self._got_status, self._status_failed)

    def _got_cases(self, cases: list) -> None:
        self._cases = cases
        self._show_cases()

    def _got_drafts(self, drafts: list[dict]) -> None:
        self._drafts = drafts
        self._show_drafts()
        if self._offer_draft and drafts:
            # After a login (say, after a power cut) offer the newest unfinished intake.
            self._offer_draft = False
            self.banner.setText(
                self.tr(
                    "The unfinished intake for {patient} was kept. Press Enter or Ctrl+R to resume it."
                ).format(patient=drafts[0]["patient_name"])
            )
            self.banner.setVisible(True)
            self.drafts.setFocus()

    def _got_status(self, status) -> None:
        self._polling = False
        self._status = status
        self._show_sync()

    def _status_failed(self, error: BaseException) -> None:
        self._polling = False
        # In the badge, not the error line: the next reading (2 s later) replaces it.
        said = words.engine_error(error, self.tr("Sync status could not be read."))
        self.sync_badge.show_status(None, "error", [said])

    def _show_sync(self) -> None:
        s = self._status
        if s is None:
            self.sync_badge.show_status(None, "warn", [])
            return
        # The headline: the link and what waits; then when it last went, what went wrong.
        headline = (
            words.sync_connection(s) + " · " + words.sync_waiting(s.waiting_items, s.waiting_bytes)
        )
        second = [words.sync_last_sent(s.last_success, self.ctx.tz)]
        if s.rejected_items:
            second.append(words.sync_rejected(s.rejected_items))
        lines = [" · ".join(second)]
        kind = (s.last_error or {}).get("kind")
        if kind and kind != "not-provisioned":
            lines.append(words.sync_problem(s.last_error))
        lines += words.sync_notes(s)
        self.sync_badge.show_status(headline, status_level(s), lines)

    def _show_drafts(self) -> None:
        self.drafts.clear()
        for d in self._drafts:
            when = _local_time(d["updated_at"], self.ctx.tz)
            item = QListWidgetItem(
                self.tr("{patient} — last saved {when}").format(
                    patient=d["patient_name"], when=when
                )
            )
            item.setData(Qt.ItemDataRole.UserRole, d["id"])
            self.drafts.addItem(item)
        if self._drafts:
            self.drafts.setCurrentRow(0)
        self.resume_button.setEnabled(bool(self._drafts))
        self.drafts_label.setVisible(bool(self._drafts))
        self.drafts.setVisible(bool(self._drafts))
        self.resume_button.setVisible(bool(self._drafts))

    def _show_cases(self) -> None:
        was = self.cases.item(self.cases.currentRow(), 0)
        was_id = was.data(Qt.ItemDataRole.UserRole) if was is not None else None
        self.cases.setRowCount(len(self._cases))
        for row, case in enumerate(self._cases):
            cells = (
                _local_time(case.created_at, self.ctx.tz),
                case.patient_name,
                case.village,
                words.case_state(case.state),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, case.encounter_id)
                self.cases.setItem(row, col, item)
        # The same case stays chosen while it can still go to a doctor; else the first that can.
        rows = [i for i, c in enumerate(self._cases) if c.state in TO_A_DOCTOR]
        same = [i for i in rows if self._cases[i].encounter_id == was_id]
        if same or rows:
            self.cases.selectRow((same or rows)[0])
        else:
            self.cases.clearSelection()
        self._show_case_actions()

    # ---- a ready case: live consult or review -----------------------------------------------
    def selected_case(self):
        row = self.cases.currentRow()
        selected = self.cases.selectionModel().selectedRows()
        if not selected or not 0 <= row < len(self._cases):
            return None
        return self._cases[row]

    def _show_case_actions(self) -> None:
        any_to_send = any(c.state in TO_A_DOCTOR for c in self._cases)
        case = self.selected_case()
        can = case is not None and case.state in TO_A_DOCTOR
        for b in (self.consult_button, self.review_button):
            b.setVisible(any_to_send)
            b.setEnabled(can)

    def consult_live(self) -> None:
        case = self.selected_case()
        if case is not None and case.state in TO_A_DOCTOR:
            self.ctx.go("consult", encounter_id=case.encounter_id, patient_name=case.patient_name)

    def send_for_review(self) -> None:
        case = self.selected_case()
        engine = self.bridge.engine
        if case is None or case.state not in TO_A_DOCTOR or engine is None:
            return
        self.bridge.call(
            engine.consult.send_for_review(case.encounter_id),
            lambda _e: self._sent(case.patient_name),
            self._send_failed,
        )

    def _sent(self, name: str) -> None:
        self.banner.setText(self.tr("Sent for review: {name}").format(name=name))
        self.banner.setVisible(True)
        self.refresh()

    def _send_failed(self, error: BaseException) -> None:
        show_message(self.error, words.engine_error(error, self.tr("The case was not sent.")))

    def resume(self) -> None:
        item = self.drafts.currentItem()
        if item is not None:
            self.ctx.go("intake", encounter_id=item.data(Qt.ItemDataRole.UserRole))

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, StoreError):
            raise error
        show_message(self.error, words.store_error(error))


class OneLine(QLabel):
    """One line of words shortened with "…" to the room it has; the whole text is its
    tooltip (and the sync screen shows it in full)."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.full_text = ""

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = self.contentsRect().width()
        self.setText(
            self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, room)
        )

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(
            self.fontMetrics().horizontalAdvance(self.full_text) + 4, super().sizeHint().height()
        )

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(40, super().minimumSizeHint().height())


class SyncBadge(QFrame):
    """The sync status at the top of home, in words (colour only helps); a click, its button
    or Ctrl+Y opens the sync screen."""

    clicked = Signal()
    MAX_LINES = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="sync_badge")
        self.setMaximumWidth(620)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(BADGE_STYLE)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 6, 4)
        text = QVBoxLayout()
        text.setSpacing(0)
        self.headline = OneLine(objectName="sync_headline")
        self.lines = [OneLine() for _ in range(self.MAX_LINES)]
        text.addWidget(self.headline)
        for line in self.lines:
            text.addWidget(line)
        row.addLayout(text, 1)
        self.open_button = QPushButton(objectName="open_sync")
        self.open_button.clicked.connect(self.clicked)
        row.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.show_status(None, "warn", [])

    def retranslate(self) -> None:
        self.open_button.setText(self.tr("Sync… (Ctrl+Y)"))

    def show_status(self, headline: str | None, level: str, lines: list[str]) -> None:
        self.headline.set_full_text(headline or "")
        self.headline.setVisible(bool(headline))
        for label, text in zip(self.lines, lines + [""] * self.MAX_LINES, strict=False):
            label.set_full_text(text)
            label.setVisible(bool(text))
        set_level(self, level)
        set_level(self.headline, level)
        self.setAccessibleName(self.text())

    def text(self) -> str:
        """Everything the badge says, in full, one line each."""
        shown = [self.headline, *self.lines]
        return "\n".join(w.full_text for w in shown if w.full_text)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


BADGE_STYLE = """
QFrame#sync_badge { border: 1px solid #888; border-radius: 6px; background: #f4f4f4; }
QFrame#sync_badge[level="ok"] { border-color: #1b5e20; background: #e8f5e9; }
QFrame#sync_badge[level="warn"] { border-color: #8a4b00; background: #fff4e0; }
QFrame#sync_badge[level="error"] { border-color: #b00020; background: #fdecea; }
QLabel { border: none; background: transparent; }
QLabel#sync_headline { font-weight: bold; }
QLabel#sync_headline[level="ok"] { color: #1b5e20; }
QLabel#sync_headline[level="warn"] { color: #8a4b00; }
QLabel#sync_headline[level="error"] { color: #b00020; }
"""


def _local_time(stamp: str, tz) -> str:
    moment = datetime.fromisoformat(stamp)
    return moment.astimezone(tz).strftime("%d %b %H:%M") if tz else stamp[:16]
