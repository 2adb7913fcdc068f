"""The whole app as a CHO uses it, keyboard only: every key goes to
QApplication.focusWidget() and the test never moves the focus itself."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication

from spoke_client.domain.encounter import CaseState
from spoke_client.engine.host import EngineHost
from spoke_client.store.keyvault import KdfParams
from spoke_client.store.store import StorePaths
from spoke_client.store.timestamps import utc_now
from spoke_client.ui.bridge import Bridge
from spoke_client.ui.common import AppContext
from spoke_client.ui.i18n import Languages
from spoke_client.ui.main_window import MainWindow

from .conftest import IST, PIN


def focused():
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def has_focus(qtbot) -> None:
    """The window becomes active a little later on a busy machine: wait for the focus that
    the app itself set (the test never sets it)."""
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)


def keys(qtbot, text: str = "", *, enter: bool = True) -> None:
    has_focus(qtbot)
    if text:
        qtbot.keyClicks(focused(), text)
    if enter:
        qtbot.keyClick(focused(), Qt.Key.Key_Return)


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    has_focus(qtbot)
    qtbot.keyClick(focused(), key, modifier)


@pytest.fixture
def app_window(qtbot, tmp_path):
    host = EngineHost(StorePaths(tmp_path / "data"), clock=utc_now, tz=IST, kdf=KdfParams.light)
    host.start()
    ctx = AppContext(bridge=Bridge(host), go=lambda *_a, **_k: None, tz=IST)
    window = MainWindow(ctx, Languages(QApplication.instance()))
    window.resize(1366, 768)
    window.show()
    window.activateWindow()
    window.start()
    yield window, host
    wizard = window.screens["intake"]
    qtbot.waitUntil(lambda: wizard.is_idle() and ctx.bridge.in_flight == 0, timeout=10_000)
    window.close()
    host.stop()
    # Delete the window now, not while the interpreter shuts down (PySide6 frees Python
    # objects late then, which aborts the process after the tests have passed).
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def on(window, name: str):
    return lambda: window.current_screen().name == name and window.current_screen().isVisible()


def test_setup_login_register_intake_and_send_for_review_by_keyboard(qtbot, app_window):
    window, host = app_window
    qtbot.waitUntil(on(window, "setup"), timeout=5_000)
    for text in ("Rampur Sub-centre", "HWC-0042", "asha", PIN, PIN):
        keys(qtbot, text)
    setup = window.screens["setup"]
    qtbot.waitUntil(lambda: setup.pages.currentIndex() == 1, timeout=20_000)
    press(qtbot, Qt.Key.Key_Space)  # "I have written the recovery code down"
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Space)  # Continue: log in once with the new PIN

    qtbot.waitUntil(on(window, "login"), timeout=5_000)
    qtbot.waitUntil(lambda: window.login.operator.currentText() == "asha")
    keys(qtbot, PIN)
    qtbot.waitUntil(on(window, "home"), timeout=10_000)

    press(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(on(window, "register"))
    keys(qtbot, "Seeta Devi")
    press(qtbot, Qt.Key.Key_Space)  # sex: female, the first choice
    keys(qtbot)
    keys(qtbot, "34")
    keys(qtbot)  # months
    keys(qtbot)  # date of birth
    keys(qtbot, "9876543210")
    keys(qtbot)  # ABHA
    keys(qtbot, "Rampur")
    keys(qtbot)  # address, the last field: saves

    qtbot.waitUntil(on(window, "intake"), timeout=10_000)
    wizard = window.screens["intake"]
    qtbot.waitUntil(lambda: wizard.current_page_name() == "patient" and wizard.patient is not None)
    keys(qtbot)  # Next
    assert wizard.current_page_name() == "vitals"
    vitals = wizard.vitals_page
    # systolic 172 is flagged high; pulse 300 is refused and then corrected to 88.
    for value in ("172", "96", "300"):
        keys(qtbot, value)
    assert "High" in vitals.flags["bp"].text() or "high" in vitals.flags["bp"].text().lower()
    assert vitals.messages["pulse"].isVisible()
    assert "300 is not possible here" in vitals.messages["pulse"].text()
    press(qtbot, Qt.Key.Key_Backtab)  # back to the pulse, still showing 300
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    keys(qtbot, "88")
    assert not vitals.messages["pulse"].isVisible()
    for value in ("38.5", "96", "", "58", "152", "", ""):
        keys(qtbot, value)

    assert wizard.current_page_name() == "complaints"
    keys(qtbot, "fever")  # picks Fever
    keys(qtbot, "3")  # days
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert wizard.current_page_name() == "attachments"
    press(qtbot, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert wizard.current_page_name() == "review"
    press(qtbot, Qt.Key.Key_Down)  # specialty: General Medicine
    keys(qtbot)
    press(qtbot, Qt.Key.Key_Space)  # consent
    keys(qtbot)
    keys(qtbot)  # no accompanying adult
    press(qtbot, Qt.Key.Key_Tab)  # from Consult live to Send for review
    keys(qtbot)

    qtbot.waitUntil(on(window, "home"), timeout=10_000)
    home = window.screens["home"]
    assert home.banner.text() == "Sent for review: Seeta Devi"
    qtbot.waitUntil(lambda: home.cases.rowCount() == 1)
    assert home.cases.item(0, 3).text() == "Sent for review"

    engine = host.engine
    eid = wizard.encounter_id
    encounter, draft, _page = host.thread.run(engine.load_draft(eid))
    assert encounter.state is CaseState.SENT_FOR_REVIEW and draft is None
    readings = encounter.vitals.to_record()
    assert readings["systolic"] == 172 and readings["pulse"] == 88
    assert readings["temperature"] == pytest.approx(38.5) and readings["bmi"] == 25.1
    stored = host.engine.worker.call(
        lambda s: s.conn.execute(
            "SELECT kind, value, flag FROM vitals WHERE encounter_id = ? ORDER BY kind", (eid,)
        ).fetchall()
    )
    assert ("systolic", 172.0, "high") in stored or ("systolic", 172.0, "critical-high") in stored
    assert ("pulse", 88.0, None) in stored
    rows = host.engine.worker.call(lambda s: s.outbox.pending())
    entities = [(r["entity"], json.loads(r["payload"]).get("state")) for r in rows]
    assert entities == [
        ("patient", None),
        ("encounter", "ready"),
        ("encounter", "sent_for_review"),
    ]


def test_idle_auto_lock_keeps_the_open_form_and_the_engine(qtbot, app_window):
    window, host = app_window
    qtbot.waitUntil(on(window, "setup"), timeout=5_000)
    host.thread.run(host.set_up("HWC-1", "Rampur", "asha", PIN))
    window.ctx.settings["idle_minutes"] = 0.02  # 1.2 s
    engine = host.engine
    patient = host.thread.run(
        engine.register_patient(
            dict(name="Laxmi Bai", sex="female", age_years=40, village="Khedi", address="")
        )
    )
    saved = host.thread.run(engine.save_draft(None, patient.id, {}, "vitals"))
    window.go("intake", encounter_id=saved.encounter_id)
    wizard = window.screens["intake"]
    qtbot.waitUntil(lambda: wizard.current_page_name() == "vitals" and wizard.patient is not None)
    keys(qtbot, "118", enter=False)  # typed, not yet moved on
    typed_into = focused()
    qtbot.waitUntil(lambda: window.locked, timeout=10_000)
    assert host.engine is engine  # the engine (and sync, calls) kept running
    keys(qtbot, "000000")
    qtbot.waitUntil(lambda: window.login.error.isVisible())
    keys(qtbot, PIN)
    qtbot.waitUntil(lambda: not window.locked and window.current_screen() is wizard)
    assert wizard.vitals_page.edits["systolic"].text() == "118"
    assert typed_into.text() == "118"
    qtbot.waitUntil(wizard.is_idle, timeout=5_000)
    _e, draft, page = host.thread.run(engine.load_draft(saved.encounter_id))
    assert draft["vitals"]["systolic"] == "118" and page == "vitals"


def test_quitting_saves_what_was_just_typed(qtbot, app_window):
    window, host = app_window
    qtbot.waitUntil(on(window, "setup"), timeout=5_000)
    host.thread.run(host.set_up("HWC-1", "Rampur", "asha", PIN))
    engine = host.engine
    patient = host.thread.run(
        engine.register_patient(
            dict(name="Laxmi Bai", sex="female", age_years=40, village="Khedi", address="")
        )
    )
    saved = host.thread.run(engine.save_draft(None, patient.id, {}, "vitals"))
    window.go("intake", encounter_id=saved.encounter_id)
    wizard = window.screens["intake"]
    qtbot.waitUntil(lambda: wizard.current_page_name() == "vitals" and wizard.is_idle())
    keys(qtbot, "124", enter=False)  # the autosave timer has not fired yet
    assert not wizard.is_idle()
    assert window.finish_pending(timeout_ms=10_000)
    _e, draft, _page = host.thread.run(engine.load_draft(saved.encounter_id))
    assert draft["vitals"]["systolic"] == "124"


def test_the_screen_does_not_lock_while_a_consult_is_on(qtbot, app_window):
    window, host = app_window
    qtbot.waitUntil(on(window, "setup"), timeout=5_000)
    host.thread.run(host.set_up("HWC-1", "Rampur", "asha", PIN))
    window.ctx.settings["idle_minutes"] = 0.02  # 1.2 s
    consult = window.screens["consult"]
    window.stack.setCurrentWidget(consult)
    consult.phase = "call"  # as when the doctor is on screen (no input for minutes)
    window._restart_idle()
    with qtbot.waitSignal(window.idle.timeout, timeout=10_000):
        pass
    assert not window.locked and window.current_screen() is consult
    assert window.idle.isActive()  # it locks after the call, not never
    consult.phase = "over"
    qtbot.waitUntil(lambda: window.locked, timeout=10_000)
