"""A tour of every screen of the real app at 1366×768, with synthetic data, in a language.

Used by the text-fit test (tests/ui/test_screens_fit.py) and by the screenshot command
(scripts/screenshots). Each stop yields a name and the window showing that state.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from spoke_client.app import build
from spoke_client.store.keyvault import KdfParams
from spoke_client.ui.main_window import MainWindow
from tests.capture.media_fixtures import make_pattern_video

PIN = "246810"
SIZE = (1366, 768)


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(getattr(condition, "__name__", "condition"))
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def settle() -> None:
    for _ in range(5):
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)


def tour(data_dir: Path, language: str) -> Iterator[tuple[str, MainWindow]]:
    app = QApplication.instance()
    window, host = build(data_dir, app)
    host._kdf = KdfParams.light  # the tour sets up a throwaway store
    window.resize(*SIZE)
    window.show()
    window.start()
    try:
        on = lambda name: lambda: window.current_screen().name == name  # noqa: E731
        wait_until(on("setup"))
        window.set_language(language)
        setup = window.screens["setup"]
        for field, text in zip(
            (setup.facility_name, setup.facility_code, setup.operator, setup.pin, setup.pin_again),
            ("Rampur Sub-centre", "HWC-0042", "Asha Kumari", PIN, PIN),
            strict=True,
        ):
            field.setText(text)
        settle()
        yield "01-setup", window
        setup.submit()
        wait_until(lambda: setup.pages.currentIndex() == 1)
        settle()
        yield "02-recovery-code", window

        engine = host.engine
        seeta = host.thread.run(
            engine.register_patient(
                dict(
                    name="Seeta Devi",
                    sex="female",
                    age_years=34,
                    mobile="9876543210",
                    village="Rampur",
                    address="Ward 3, near the school",
                )
            )
        )
        ramu = host.thread.run(
            engine.register_patient(
                dict(
                    name="Ramu Yadav",
                    sex="male",
                    age_years=6,
                    village="Khedi",
                    address="",
                    guardian_name="Sunita Yadav",
                    guardian_relation="mother",
                )
            )
        )
        draft = host.thread.run(
            engine.save_draft(None, seeta.id, {"form": 1, "vitals": {}}, "patient")
        )
        host.thread.run(engine.save_draft(None, ramu.id, {"form": 1, "vitals": {}}, "vitals"))
        host.thread.run(host.lock_store())

        window.go("login")
        wait_until(lambda: window.login.operator.count() > 0)
        settle()
        yield "03-login", window
        window.login.pin.setText(PIN)
        window.login.submit()
        wait_until(lambda: on("home")() and window.screens["home"].drafts.count() == 2)
        settle()
        yield "04-home", window

        window.go("find")
        find = window.screens["find"]
        QTest.keyClicks(find.search, "sita")
        wait_until(lambda: find.results.count() > 0)
        settle()
        yield "05-find", window

        window.go("register")
        register = window.screens["register"]
        register.name_edit.setText("Sita Devi")
        register.sex_buttons["female"].setChecked(True)
        register.years_edit.setText("35")
        register.mobile_edit.setText("12345")
        register.village_edit.setText("Rampur")
        register.save()
        settle()
        yield "06-register-errors", window
        register.mobile_edit.setText("")
        register.save()
        wait_until(lambda: register.matches_panel.isVisible())
        settle()
        yield "07-register-duplicate", window

        window.go("intake", encounter_id=draft.encounter_id)
        wizard = window.screens["intake"]
        wait_until(lambda: wizard.patient is not None and wizard.is_idle())
        settle()
        yield "08-intake-patient", window
        wizard.go_to("vitals")
        edits = wizard.vitals_page.edits
        for kind, text in (
            ("systolic", "172"),
            ("diastolic", "96"),
            ("pulse", "300"),
            ("temperature", "38.4"),
            ("spo2", "93"),
            ("weight", "58"),
            ("height", "152"),
        ):
            edits[kind].setText(text)
        settle()
        yield "09-intake-vitals", window
        edits["pulse"].setText("88")
        wizard.go_to("complaints")
        page = wizard.complaints_page
        for query in ("fever", "cough"):
            page.search.setText(query)
            settle()
            QTest.keyClick(page.search, Qt.Key.Key_Return)
        page.rows[0].duration.setText("3")
        page.history.conditions["hypertension"].setChecked(True)
        page.history.allergies.setText("Sulfa drugs")
        settle()
        yield "10-intake-complaints", window
        wizard.go_to("attachments")
        settle()
        yield "11-intake-attachments", window
        wizard.go_to("review")
        settle()
        yield "12-intake-review", window
        wizard.review_page.review_button.click()
        wait_until(lambda: wizard.review_page.refused or on("home")())
        settle()
        yield "13-intake-review-refused", window

        host.settings["camera"] = {
            "location": str(make_pattern_video(data_dir.parent / "camera.avi", frames=30, fps=15))
        }
        window.go("device_check")
        check = window.screens["device_check"]
        wait_until(lambda: check.camera_passed is not None)
        settle()
        yield "14-device-check", window
        window.go("home")

        # Enrolled with a hub that is down, and one record the hub refused.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        link = {
            "hub_url": f"http://127.0.0.1:{port}",
            "device_id": "d1",
            "token": "t",
            "facility_code": "HWC-0042",
            "facility_name": "Rampur Sub-centre",
            "hub_id": "h",
        }

        def enrol_and_refuse(s) -> None:
            s.sync.save_link(link)
            op_id = s.outbox.for_entity(ramu.id)[0]["op_id"]
            s.sync.apply_results([(op_id, "rejected", "invalid", "guardian_name: required")], "e")

        host.engine.worker.call(enrol_and_refuse)
        window.go("sync")
        sync = window.screens["sync"]
        wait_until(lambda: sync.link_known and sync.table.rowCount() == 1)
        sync.sync_now()
        wait_until(lambda: sync.outcome is not None and sync.status and sync.status.online is False)
        settle()
        yield "15-sync", window
        window.go("home")
        home = window.screens["home"]
        wait_until(lambda: "refused" in home.sync_badge.text() or "मना" in home.sync_badge.text())
        settle()
        yield "16-home-sync-offline", window

        window.go("lock")
        settle()
        yield "17-locked", window
        wait_until(wizard.is_idle)
    finally:
        window.set_language("en", save=False)  # the translator is process-wide
        window.close()
        host.stop()
        window.deleteLater()
        settle()


def clipped_texts(window: QWidget) -> list[str]:
    """Every visible label, button, field or list whose text is wider than its widget."""
    problems = []
    if window.width() > SIZE[0] or window.height() > SIZE[1]:
        problems.append(f"window grew to {window.width()}×{window.height()}")
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.width() <= 0:
            continue
        fm = widget.fontMetrics()
        if isinstance(widget, QLabel) and widget.text() and not widget.wordWrap():
            if widget.textFormat() != Qt.TextFormat.RichText and "<" not in widget.text():
                needed = max(fm.horizontalAdvance(line) for line in widget.text().split("\n"))
                room = widget.contentsRect().width() - 2 * widget.margin() - widget.indent()
                if needed > room + 1:
                    problems.append(f"label {widget.text()!r}: {needed}px in {room}px")
        elif isinstance(widget, QAbstractButton) and widget.text():
            if widget.width() < widget.sizeHint().width() - 1:
                problems.append(
                    f"button {widget.text()!r}: {widget.sizeHint().width()}px in {widget.width()}px"
                )
        elif isinstance(widget, QLineEdit):
            text = widget.text() or widget.placeholderText()
            room = widget.contentsRect().width() - 8
            if text and widget.echoMode() == QLineEdit.EchoMode.Normal:
                if fm.horizontalAdvance(text) > room:
                    problems.append(f"field {text!r}: {fm.horizontalAdvance(text)}px in {room}px")
        elif isinstance(widget, QComboBox) and widget.currentText():
            room = widget.width() - 30  # the arrow and frame
            if fm.horizontalAdvance(widget.currentText()) > room:
                problems.append(f"choice {widget.currentText()!r} in {widget.width()}px")
    return problems
