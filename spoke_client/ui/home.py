"""Home: today's cases with their state in words, the sync badge, unfinished drafts, and the
two big actions."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
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

from spoke_client.engine.errors import StoreError
from spoke_client.ui import words
from spoke_client.ui.common import AppContext, Screen, error_label, show_message


class HomeScreen(Screen):
    name = "home"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._cases: list = []
        self._drafts: list[dict] = []
        self._pending: int | None = None
        self._offer_draft = False
        self.operator = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        top = QHBoxLayout()
        self.title = QLabel(objectName="title")
        top.addWidget(self.title)
        top.addStretch()
        self.sync_badge = QLabel(objectName="sync")
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
        self.error = error_label()
        outer.addWidget(self.error)

        self.new_button.clicked.connect(lambda: self.ctx.go("register"))
        self.find_button.clicked.connect(lambda: self.ctx.go("find"))
        self.resume_button.clicked.connect(self.resume)
        self.drafts.itemActivated.connect(lambda _i: self.resume())
        self.lock_button.clicked.connect(lambda: self.ctx.go("lock"))
        self.device_check_button.clicked.connect(lambda: self.ctx.go("device_check"))
        self.shortcut("Ctrl+N", lambda: self.ctx.go("register"))
        self.shortcut("Ctrl+F", lambda: self.ctx.go("find"))
        self.shortcut("Ctrl+R", self.resume)
        self.shortcut("Ctrl+L", lambda: self.ctx.go("lock"))
        self.shortcut("Ctrl+D", lambda: self.ctx.go("device_check"))
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
        self.drafts_label.setText(self.tr("Unfinished intakes"))
        self.cases_label.setText(self.tr("Cases started today"))
        self.cases.setHorizontalHeaderLabels(
            [self.tr("Time"), self.tr("Patient"), self.tr("Village"), self.tr("Status")]
        )
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
        self.new_button.setFocus()

    def refresh(self) -> None:
        engine = self.bridge.engine
        if engine is None:
            return
        self.bridge.call(engine.list_today(), self._got_cases, self._failed)
        self.bridge.call(engine.unfinished_drafts(), self._got_drafts, self._failed)
        self.bridge.call(engine.outbox_pending(), self._got_pending, self._failed)

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

    def _got_pending(self, pending: int) -> None:
        self._pending = pending
        self._show_sync()

    def _show_sync(self) -> None:
        if self._pending is None:
            self.sync_badge.setText("")
            return
        self.sync_badge.setText(
            self.tr("No hub set up yet · {count} item(s) waiting to be sent").format(
                count=self._pending
            )
        )

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
        self.cases.setRowCount(len(self._cases))
        for row, case in enumerate(self._cases):
            cells = (
                _local_time(case.created_at, self.ctx.tz),
                case.patient_name,
                case.village,
                words.case_state(case.state),
            )
            for col, text in enumerate(cells):
                self.cases.setItem(row, col, QTableWidgetItem(text))

    def resume(self) -> None:
        item = self.drafts.currentItem()
        if item is not None:
            self.ctx.go("intake", encounter_id=item.data(Qt.ItemDataRole.UserRole))

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, StoreError):
            raise error
        show_message(self.error, words.store_error(error))


def _local_time(stamp: str, tz) -> str:
    moment = datetime.fromisoformat(stamp)
    return moment.astimezone(tz).strftime("%d %b %H:%M") if tz else stamp[:16]
