"""Drives the real app inside its own process for the draft-recovery test.

    python tests/ui/app_driver.py DATA_DIR fill      log in, register, half-fill the vitals
                                                     page, report FILLED <json>, keep running
    python tests/ui/app_driver.py DATA_DIR restore   log in, take the offered draft, report
                                                     RESTORED <json>, quit

Keys go to QApplication.focusWidget(), as a CHO's keyboard would.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from spoke_client.app import build  # noqa: E402

PIN = "246810"
HALF = {"systolic": "134", "diastolic": "88", "pulse": "300", "temperature": "37.9"}


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(condition)
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def keys(text: str = "", enter: bool = True) -> None:
    wait_until(lambda: QApplication.focusWidget() is not None)  # the window may activate late
    if text:
        QTest.keyClicks(QApplication.focusWidget(), text)
    if enter:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def report(tag: str, data: dict) -> None:
    sys.stdout.write(f"{tag} {json.dumps(data, sort_keys=True)}\n")
    sys.stdout.flush()


def main() -> int:
    data_dir, phase = Path(sys.argv[1]), sys.argv[2]
    app = QApplication(sys.argv[:1])
    window, host = build(data_dir, app)
    window.show()
    window.start()
    on = lambda name: lambda: window.current_screen().name == name  # noqa: E731
    wait_until(lambda: on("login")() and window.login.operator.count() > 0)
    wait_until(lambda: QApplication.focusWidget() is window.login.pin)
    keys(PIN)
    wait_until(on("home"))
    home, wizard = window.screens["home"], window.screens["intake"]
    if phase == "fill":
        QTest.keyClick(
            QApplication.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier
        )
        wait_until(on("register"))
        keys("Kamla Devi")
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
        keys()
        for text in ("52", "", "", "9123456780", "", "Sitapur", ""):
            keys(text)
        wait_until(lambda: on("intake")() and wizard.patient is not None)
        keys()  # Next: to the vitals
        wait_until(lambda: wizard.current_page_name() == "vitals")
        for kind in ("systolic", "diastolic", "pulse", "temperature"):
            keys(HALF[kind], enter=kind != "temperature")  # half the page, the cursor in it
        wait_until(wizard.is_idle)
        report("FILLED", {"page": wizard.current_page_name(), "vitals": wizard.state()["vitals"]})
        while True:  # the test kills this process here, mid-intake
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 100)
    wait_until(lambda: home.drafts.count() > 0 and home.banner.isVisible())
    offered = home.banner.text()
    keys()  # Enter on the offered draft
    wait_until(lambda: on("intake")() and wizard.patient is not None and wizard.is_idle())
    edits = wizard.vitals_page.edits
    report(
        "RESTORED",
        {
            "offered": offered,
            "page": wizard.current_page_name(),
            "typed": {kind.value: edit.text() for kind, edit in edits.items()},
            "pulse_message": wizard.vitals_page.messages["pulse"].text(),
        },
    )
    window.close()
    host.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
