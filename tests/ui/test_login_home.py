"""Setup, login and home screens on a real store, driven with pytest-qt."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from spoke_client.ui.bridge import Bridge
from spoke_client.ui.common import AppContext
from spoke_client.ui.home import HomeScreen
from spoke_client.ui.login import LoginScreen
from spoke_client.ui.setup import SetupScreen

from .conftest import IST, PIN, Navigation


def type_into_focus(qtbot, text: str, enter: bool = True) -> None:
    # The window becomes active a little later on a busy machine; the app sets the focus.
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)
    widget = QApplication.focusWidget()
    assert widget is not None
    qtbot.keyClicks(widget, text)
    if enter:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def test_first_run_setup_by_keyboard_shows_the_recovery_code_once(qtbot, fresh_host):
    nav = Navigation()
    screen = SetupScreen(AppContext(bridge=Bridge(fresh_host), go=nav, tz=IST))
    qtbot.addWidget(screen)
    screen.show()
    screen.on_show()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is screen.facility_name)
    for text in ("Rampur Sub-centre", "HWC-0042", "asha", PIN, "1234"):
        type_into_focus(qtbot, text)
    qtbot.waitUntil(lambda: screen.error.isVisible())
    assert screen.error.text() == "The two PINs are not the same."
    assert not fresh_host.paths.exists()
    screen.pin_again.clear()
    screen.pin_again.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is screen.pin_again)
    type_into_focus(qtbot, PIN)
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == 1, timeout=20_000)
    assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){4}", screen.code.text())
    assert fresh_host.paths.exists() and fresh_host.engine is not None
    assert not screen.continue_button.isEnabled()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)  # tick "written down"
    assert screen.continue_button.isEnabled()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)  # Continue
    qtbot.waitUntil(lambda: nav.last == ("login", {}))
    assert fresh_host.engine is None  # the new PIN is asked for once, at login


def test_login_refuses_a_wrong_pin_in_words_then_unlocks(qtbot, host):
    host.thread.run(host.lock_store())
    nav = Navigation()
    screen = LoginScreen(AppContext(bridge=Bridge(host), go=nav, tz=IST))
    qtbot.addWidget(screen)
    screen.show()
    screen.on_show()
    qtbot.waitUntil(lambda: screen.operator.count() == 1)
    assert screen.operator.currentText() == "asha"
    type_into_focus(qtbot, "000000")
    qtbot.waitUntil(lambda: screen.error.isVisible())
    assert screen.error.text() == "Wrong PIN. 4 tries left."
    assert host.engine is None
    with qtbot.waitSignal(screen.unlocked, timeout=10_000) as signal:
        screen.pin.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is screen.pin)
        screen.pin.clear()
        type_into_focus(qtbot, PIN)
    assert signal.args == ["asha"] and host.engine is not None


def test_home_shows_cases_drafts_and_the_real_outbox_count(qtbot, ctx, host):
    engine = host.engine
    patient = host.thread.run(
        engine.register_patient(
            dict(
                name="Seeta Devi",
                sex="female",
                age_years=34,
                mobile="9876543210",
                village="Rampur",
                address="",
            )
        )
    )
    draft = host.thread.run(engine.save_draft(None, patient.id, {"pulse": "88"}, "vitals"))
    screen = HomeScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.on_show(operator="asha", after_login=True)
    qtbot.waitUntil(lambda: screen.cases.rowCount() == 1 and screen.drafts.count() == 1)
    assert screen.cases.item(0, 1).text() == "Seeta Devi"
    assert screen.cases.item(0, 3).text() == "Intake not finished"
    # the patient record, waiting for a hub
    qtbot.waitUntil(lambda: "1 item (" in screen.sync_badge.text())
    assert screen.sync_badge.text().startswith("No hub set up yet · 1 item (")
    assert "unfinished intake for Seeta Devi was kept" in screen.banner.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is screen.drafts)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert ctx.go.last == ("intake", {"encounter_id": draft.encounter_id})
