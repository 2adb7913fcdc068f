"""The consult screen in a real call: the app's engine host (encrypted store, capture desk
with a video file as the camera, PortAudio on the null sink) enrolled with a real hub,
Chromium as the doctor. The screen waits in the queue, shows the doctor's moving picture
and the quality in words, and Ctrl+E ends the call on both sides. Its screenshot is kept
(made-up patient)."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from spoke_client.engine.host import EngineHost
from spoke_client.store.keyvault import KdfParams
from spoke_client.store.store import StorePaths
from spoke_client.store.timestamps import utc_now
from spoke_client.ui.bridge import Bridge
from spoke_client.ui.common import STYLE, AppContext
from spoke_client.ui.consult_window import ConsultScreen
from spoke_client.ui.i18n import load_fonts
from tests.engine.test_engine import intake
from tests.ui.screenshots import OUT
from tests.ui.tour import SIZE, clipped_texts

from .conftest import DOCTOR_PASSWORD, DOCTOR_USER, FACILITY

IST = timezone(timedelta(hours=5, minutes=30))
PATIENT = "Test Patient"  # made up: the screenshot is kept


@pytest.fixture
def app_host(tmp_path, media, hub):
    host = EngineHost(StorePaths(tmp_path / "data"), clock=utc_now, tz=IST, kdf=KdfParams.light)
    host.start()
    try:
        host.thread.run(host.set_up(FACILITY, "Test Sub-centre", "asha", "246810"))
        host.settings["camera"] = {"location": str(media.camera)}
        code = hub.enrol_code(FACILITY)
        host.thread.run(host.engine.provision(hub.url, code, device_name="test desk"))
        yield host
    finally:
        host.thread.run(host.engine.consult.end_and_wait(), timeout=60)
        host.stop()


def ready_case(host) -> str:
    engine, run = host.engine, host.thread.run
    patient = run(
        engine.register_patient(
            dict(name=PATIENT, sex="female", age_years=34, village="Testpur", address="")
        )
    )
    eid = run(engine.save_draft(None, patient.id, {}, "patient")).encounter_id
    run(engine.complete_intake(eid, intake()))
    return eid


def test_the_consult_screen_in_a_real_call(qtbot, app_host, hub, doctor, sound_server):
    app = QApplication.instance()
    load_fonts(app)
    app.setStyleSheet(STYLE)
    ctx = AppContext(
        bridge=Bridge(app_host), go=lambda *a, **k: None, tz=IST, settings=app_host.settings
    )
    screen = ConsultScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(*SIZE)
    screen.show()
    qtbot.waitExposed(screen)

    case = ready_case(app_host)
    screen.on_show(encounter_id=case, patient_name=PATIENT)
    qtbot.waitUntil(lambda: screen.phase == "waiting", timeout=30_000)
    doctor.open(hub.url)
    doctor.login(DOCTOR_USER, DOCTOR_PASSWORD)
    doctor.wait_for_case(case, timeout=30)
    qtbot.waitUntil(lambda: "1st" in screen.queue_line.text(), timeout=20_000)

    doctor.accept(case)
    qtbot.waitUntil(lambda: screen.phase == "call", timeout=20_000)
    assert screen.doctor_line.text() == "Dr Meera Test (Reg. no. TEST-REG-0001)"  # one "Dr"
    qtbot.waitUntil(lambda: screen.doctor_view.frames_shown >= 30, timeout=20_000)
    qtbot.waitUntil(lambda: "good" in screen.link_line.text().lower(), timeout=20_000)
    qtbot.waitUntil(lambda: clipped_texts(screen) == [], timeout=2_000)
    folder = OUT / "en"
    folder.mkdir(parents=True, exist_ok=True)
    assert screen.grab().save(str(folder / "consult-real-call.png"))
    doctor.wait_stats(lambda s: s["videoFramesDecoded"] >= 30 and s["notBlack"], 20)

    qtbot.keyClick(
        screen.focusWidget() or screen, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier
    )
    qtbot.waitUntil(lambda: screen.phase == "over", timeout=20_000)
    doctor.wait_state("ended", timeout=15)
    qtbot.waitUntil(lambda: ctx.bridge.in_flight == 0, timeout=10_000)
    screen.close()
