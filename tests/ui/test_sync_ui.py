"""The sync badge on home and the sync screen, on a real engine and store: a hub that is
down, an item the hub refused, a desktop with no hub, and the screen in Hindi."""

from __future__ import annotations

import re
import socket

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from spoke_client.ui import words
from spoke_client.ui.home import HomeScreen
from spoke_client.ui.i18n import Languages
from spoke_client.ui.sync_screen import SyncScreen

DEVANAGARI = re.compile(r"[\u0900-\u097F]")
PATIENT = dict(
    name="Seeta Devi", sex="female", age_years=34, mobile="9876543210", village="Rampur", address=""
)


def closed_port() -> int:
    """A loopback port nobody listens on: bound, then let go."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def enrol_with_a_dead_hub(host) -> None:
    link = {
        "hub_url": f"http://127.0.0.1:{closed_port()}",
        "device_id": "d1",
        "token": "t",
        "facility_code": "HWC-0001",
        "facility_name": "Rampur Sub-centre",
        "hub_id": "h",
    }
    host.engine.worker.call(lambda s: s.sync.save_link(link))


def status(host):
    return host.thread.run(host.engine.sync_status())


def register(host):
    return host.thread.run(host.engine.register_patient(dict(PATIENT)))


def reject(host, entity_id: str, code: str = "invalid") -> str:
    def work(s):
        op_id = s.outbox.for_entity(entity_id)[0]["op_id"]
        s.sync.apply_results([(op_id, "rejected", code, "name: required")], epoch="e")
        return op_id

    return host.engine.worker.call(work)


@pytest.fixture
def show(qtbot, ctx):
    """Build, show and open a screen the way the window does; let its calls land after."""
    shown = []

    def make(cls, **params):
        screen = cls(ctx)
        qtbot.addWidget(screen)
        screen.resize(1366, 768)
        screen.show()
        screen.on_show(**params)
        shown.append(screen)
        return screen

    yield make
    for screen in shown:
        screen.hide()  # stops the status polling
    qtbot.waitUntil(lambda: ctx.bridge.in_flight == 0, timeout=10_000)


def press(qtbot, window, focus, key) -> None:
    """Ctrl+key as the operator presses it: to the widget the screen gave the focus."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is focus, timeout=5_000)
    qtbot.keyClick(focus, key, Qt.KeyboardModifier.ControlModifier)


def wait_status(qtbot, screen: SyncScreen, condition) -> None:
    qtbot.waitUntil(lambda: screen.status is not None and condition(screen.status), timeout=10_000)


def test_sync_now_with_the_hub_down_says_so_and_keeps_everything(qtbot, host, ctx, show):
    enrol_with_a_dead_hub(host)
    register(host)
    waiting_before = status(host).waiting_items
    assert waiting_before > 0

    screen = show(SyncScreen)
    qtbot.waitUntil(lambda: screen.link_known, timeout=10_000)
    assert "127.0.0.1" in screen.hub.text() and "Rampur Sub-centre (HWC-0001)" in screen.hub.text()
    while_syncing = []
    screen.sync_started.connect(
        lambda: while_syncing.append((screen.sync_button.isEnabled(), screen.outcome_label.text()))
    )
    with qtbot.waitSignal(screen.sync_finished, timeout=30_000):
        qtbot.mouseClick(screen.sync_button, Qt.MouseButton.LeftButton)
    assert while_syncing == [(False, "Syncing…")]
    assert screen.outcome is not None and screen.outcome.ok is False
    said = screen.outcome_label.text()
    assert said == words.sync_problem({"kind": "hub-unreachable"})
    assert "Could not reach the hub" in said
    assert not said.startswith(("Sent", "Done"))  # never success words for a failed sync
    assert screen.sync_button.isEnabled()
    assert status(host).waiting_items == waiting_before  # nothing marked sent, nothing lost
    wait_status(qtbot, screen, lambda s: s.online is False)
    assert screen.connection.text() == "Offline"
    assert screen.waiting.text().startswith("1 item (")
    assert screen.last_sent.text() == "Never sent yet"
    assert not screen.problem.isVisible()  # the outcome just said it; not twice
    screen.on_show()  # opened again later: the last problem is in the status
    qtbot.waitUntil(lambda: screen.problem.isVisible(), timeout=10_000)
    assert screen.problem.text() == "Last problem: " + words.sync_problem(
        {"kind": "hub-unreachable"}
    )
    assert not screen.outcome_label.isVisible()

    home = show(HomeScreen, operator="asha")
    qtbot.waitUntil(lambda: "Offline" in home.sync_badge.text(), timeout=10_000)
    badge = home.sync_badge.text().split("\n")
    assert badge[0] == "Offline · " + words.sync_waiting(1, status(host).waiting_bytes)
    assert "Never sent yet" in badge[1]
    assert words.sync_problem({"kind": "hub-unreachable"}) in badge
    assert home.sync_badge.property("level") == "warn"
    qtbot.mouseClick(home.sync_badge.open_button, Qt.MouseButton.LeftButton)
    assert ctx.go.last == ("sync", {})


def test_a_refused_item_is_listed_with_its_reason_and_can_be_sent_again(qtbot, host, show):
    patient = register(host)
    reject(host, patient.id, "invalid")
    assert status(host).rejected_items == 1

    screen = show(SyncScreen)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 1, timeout=10_000)
    reason, todo = words.reject_reason("invalid")
    assert [screen.table.item(0, c).text() for c in range(3)] == [
        "Seeta Devi",
        "Patient details",
        reason,
    ]
    assert screen.advice.text() == f"What to do: {todo}"
    assert "Check the record" in todo and "district IT" in todo
    assert "name: required" in screen.hub_note.text()
    wait_status(qtbot, screen, lambda s: s.rejected_items == 1)
    assert screen.refused_count.text() == "1 item refused by the hub"

    home = show(HomeScreen, operator="asha")
    qtbot.waitUntil(lambda: "1 item refused by the hub" in home.sync_badge.text(), timeout=10_000)
    assert home.sync_badge.property("level") == "error"

    assert screen.resend_button.isVisible() and screen.resend_button.isEnabled()
    qtbot.mouseClick(screen.resend_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 0, timeout=10_000)
    assert "will be sent again" in screen.outcome_label.text()
    assert screen.rejected_intro.text() == "Nothing was refused by the hub."
    assert not screen.resend_button.isVisible()
    now = status(host)
    assert now.rejected_items == 0 and now.waiting_items == 1
    wait_status(qtbot, screen, lambda s: s.rejected_items == 0 and s.waiting_items == 1)
    assert not screen.refused_count.isVisible()


def test_with_no_hub_the_badge_says_so_and_sync_now_says_what_to_do(qtbot, host, ctx, show):
    register(host)
    home = show(HomeScreen, operator="asha")
    qtbot.waitUntil(lambda: home.sync_badge.text() != "", timeout=10_000)
    assert (
        home.sync_badge.text().startswith("No hub set up yet · 1 item (")
        and "waiting to be sent" in home.sync_badge.text()
    )
    assert "Never sent yet" in home.sync_badge.text()
    press(qtbot, home, home.new_button, Qt.Key.Key_Y)
    assert ctx.go.last == ("sync", {})
    home.hide()

    screen = show(SyncScreen)
    qtbot.waitUntil(lambda: screen.link_known, timeout=10_000)
    assert "No hub is set up" in screen.hub.text() and "provision.toml" in screen.hub.text()
    with qtbot.waitSignal(screen.sync_finished, timeout=30_000):
        press(qtbot, screen, screen.sync_button, Qt.Key.Key_S)
    assert screen.outcome.ok is False
    assert screen.outcome_label.text() == words.sync_problem({"kind": "not-provisioned"})
    wait_status(qtbot, screen, lambda s: not s.provisioned)
    assert screen.connection.text() == "No hub set up yet"
    assert status(host).waiting_items == 1


def test_every_sync_problem_and_refusal_has_its_own_plain_words(qapp):
    kinds = (
        "not-provisioned insecure-url hub-unreachable timeout tls hub-error hub-busy bad-reply "
        "update-needed device-revoked not-enrolled enrol-code-invalid refused too-large "
        "upload-lost provisioning-file other-facility"
    ).split()
    fallback = words.sync_problem({"kind": "no-such-kind"})
    texts = [words.sync_problem({"kind": k, "status": 503, "hub_code": "x"}) for k in kinds]
    assert fallback not in texts and len(set(texts)) == len(kinds)
    for text in texts:
        assert "{" not in text and "HTTP" not in text
        assert not re.search(r"\b[45]\d\d\b", text.split("(")[0])  # no status in the sentence
    reasons = {words.reject_reason(c) for c in ("invalid", "other-facility", "too-large")}
    assert len(reasons) == 3
    assert "bad-request" in words.reject_reason("bad-request")[0]
    assert words.reject_reason("too-large")[0] == "This file is too large for the hub."


def test_the_sync_screen_in_hindi(qtbot, qapp, host, show):
    enrol_with_a_dead_hub(host)
    patient = register(host)
    reject(host, patient.id, "other-facility")
    languages = Languages(qapp)
    assert languages.switch("hi")
    try:
        screen = show(SyncScreen)
        qtbot.waitUntil(lambda: screen.table.rowCount() == 1 and screen.link_known, timeout=10_000)
        with qtbot.waitSignal(screen.sync_finished, timeout=30_000):
            screen.sync_now()
        wait_status(qtbot, screen, lambda s: s.online is False)
        texts = [
            w.text()
            for w in [*screen.findChildren(QLabel), *screen.findChildren(QPushButton)]
            if w.isVisible() and w.text() and w is not screen.hub_note
        ]
        texts += [screen.table.item(0, c).text() for c in (1, 2)]
        texts += [
            screen.table.horizontalHeaderItem(c).text() for c in range(screen.table.columnCount())
        ]
        english = [t for t in texts if not DEVANAGARI.search(t)]
        assert english == []
        assert screen.outcome_label.text() == words.sync_problem({"kind": "hub-unreachable"})

        home = show(HomeScreen, operator="asha")
        qtbot.waitUntil(lambda: home.sync_badge.text() != "", timeout=10_000)
        for line in [*home.sync_badge.text().split("\n"), home.sync_badge.open_button.text()]:
            assert DEVANAGARI.search(line), line
    finally:
        languages.switch("en")
    QApplication.processEvents()
    assert screen.title.text() == "Sending to the hub"


def test_upload_progress_warnings_and_outcomes_in_words(qtbot, host, ctx, show):
    from spoke_client.engine.usecases import SyncOutcome, SyncStatus

    busy = SyncStatus(
        provisioned=True,
        hub_url="https://hub.example",
        online=True,
        syncing=True,
        waiting_items=12,
        waiting_bytes=1_400_000,
        rejected_items=0,
        last_success="2025-03-12T05:12:00.000+00:00",
        last_error=None,
        clock_skew_s=-600.0,
        skew_warning=True,
        upload={"media_id": "m1", "done": 500_000, "total": 1_000_000},
        paused_for_call=True,
        update_needed=True,
    )
    screen = show(SyncScreen)
    screen.timer.stop()  # this test shows a status of its own
    qtbot.waitUntil(lambda: ctx.bridge.in_flight == 0, timeout=10_000)
    screen.status = busy
    screen._show_status()
    assert screen.upload_bar.isVisible() and screen.upload_bar.value() == 500
    assert screen.upload_label.text() == "Sending a photo or file: 500 KB of 1.0 MB"
    assert screen.waiting.text() == "12 items (1.4 MB) waiting to be sent"
    assert screen.last_sent.text() == "Last sent 12/03/2025 10:42"  # the centre's time (IST)
    assert screen.notes.text().split("\n") == [
        "Syncing…",
        "Paused for a call",
        "Update needed: call district IT",
        "This computer's clock is off by 10 minutes: check the date and time",
    ]
    home = show(HomeScreen, operator="asha")
    home.status_timer.stop()
    qtbot.waitUntil(lambda: ctx.bridge.in_flight == 0, timeout=10_000)
    home._got_status(busy)
    assert home.sync_badge.text().split("\n")[:2] == [
        "Online · 12 items (1.4 MB) waiting to be sent",
        "Last sent 12/03/2025 10:42",
    ]
    assert home.sync_badge.property("level") == "error"  # update needed

    sent = SyncOutcome(ok=True, pushed=3, uploaded=1, pulled=2)
    assert words.sync_outcome(sent) == "Sent 3 changes and 1 file; received 2 updates from the hub."
    failed = SyncOutcome(ok=False, pushed=3, problem={"kind": "timeout"})
    assert words.sync_outcome(failed) == words.sync_problem({"kind": "timeout"})
    assert not words.sync_outcome(failed).startswith("Sent")
