"""The live consult screen through its states, on the real engine desk and store: the call is
a scripted stand-in whose events reach the screen from the engine thread exactly as the real
call's would. Screenshots in English and Hindi go to test-output/screenshots/{en,hi}/ (made-up
names only), and no text may be clipped at 1366×768."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from spoke_client.domain.encounter import CaseState
from spoke_client.engine.consult import (
    CallFailed,
    CallParts,
    Connected,
    ConsultDesk,
    DoctorJoined,
    Ended,
    LinkLost,
    Quality,
    QualityChanged,
    Queued,
    Step,
)
from spoke_client.ui.common import STYLE
from spoke_client.ui.consult_window import ConsultScreen
from spoke_client.ui.home import HomeScreen
from spoke_client.ui.i18n import Languages, load_fonts
from tests.engine.test_consult import FakeDevices, FakeSpeaker
from tests.engine.test_engine import intake
from tests.ui.screenshots import OUT
from tests.ui.tour import SIZE, clipped_texts

PATIENT = "Test Patient"  # made up: these screenshots are kept
DOCTOR = DoctorJoined(doctor_name="Test Doctor", registration="TEST-00000")


class ScriptedCall:
    """Stands in for ``ConsultCall``: the test tells it what to emit (from the engine loop)."""

    made: list[ScriptedCall] = []

    def __init__(self, **kw) -> None:
        self.kw = kw
        self.outcome: asyncio.Future | None = None
        self.muted: list[bool] = []
        self.camera_off: list[bool] = []
        self.doctor = False
        ScriptedCall.made.append(self)

    async def run(self):
        self.outcome = asyncio.get_running_loop().create_future()
        return await self.outcome

    async def emit(self, *events) -> None:
        for event in events:
            if isinstance(event, Ended | CallFailed):
                self.outcome.set_result(event)
            else:
                self.doctor = self.doctor or isinstance(event, DoctorJoined)
                self.kw["on_event"](event)

    async def picture(self, value: int) -> None:
        image = np.zeros((240, 320, 3), np.uint8)
        image[:, :, 1] = value  # a flat colour: nobody's face
        image[60:180, 80:240, 2] = 255
        self.kw["on_remote_frame"](image)

    async def end(self) -> None:
        if not self.outcome.done():  # as the hub answers the spoke's SigEnd
            reason = "hung-up" if self.doctor else "left-queue"
            self.outcome.set_result(Ended(by="spoke", reason=reason))

    def set_muted(self, muted: bool) -> None:
        self.muted.append(muted)

    def set_camera_off(self, off: bool) -> None:
        self.camera_off.append(off)

    def snapshot(self) -> dict:
        return {}


class PatternCamera(FakeDevices):
    """A camera whose pictures are a test pattern."""

    def __init__(self) -> None:
        super().__init__()
        self.seq = 0

    def latest_frame(self, handle):
        self.seq += 1
        image = np.zeros((240, 320, 3), np.uint8)
        image[:, : 160 + self.seq % 2] = (200, 120, 40)
        return type("Frame", (), {"image": image, "seq": self.seq})()


@pytest.fixture
def desk(host):
    ScriptedCall.made.clear()
    engine = host.engine
    devices = PatternCamera()

    async def connect(link, encounter_id):
        return None

    parts = CallParts(
        make_call=ScriptedCall,
        connect=connect,
        video_track=lambda latest: ("video", latest),
        audio_track=lambda read, rate: ("audio", rate),
        speaker=lambda device: FakeSpeaker(devices, device),
    )
    engine.capture = devices
    engine.consult = ConsultDesk(engine, parts=lambda: parts, push_timeout_s=5)
    return engine.consult


def link(host) -> None:
    row = {
        "hub_url": "http://127.0.0.1:9",  # nothing listens: the push before the call fails fast
        "device_id": "dev-1",
        "token": "t",
        "facility_code": "HWC-0001",
        "facility_name": "Test Sub-centre",
        "hub_id": "hub-1",
        "extra": {"call": {}},
    }
    host.engine.worker.call(lambda s: s.sync.save_link(row))


def ready_case(host, name: str = PATIENT) -> str:
    engine, run = host.engine, host.thread.run
    patient = run(
        engine.register_patient(
            dict(name=name, sex="female", age_years=34, village="Testpur", address="")
        )
    )
    eid = run(engine.save_draft(None, patient.id, {}, "patient")).encounter_id
    run(engine.attach_media(eid, [b"\xff\xd8\xff" + b"x" * 500], kind="photo", mime="image/jpeg"))
    run(engine.complete_intake(eid, intake()))
    return eid


def case_state(host, eid: str) -> CaseState:
    return host.engine.worker.call(lambda s: s.encounters.get(eid)).state


@pytest.fixture
def screen(qtbot, ctx, desk):
    load_fonts(QApplication.instance())
    QApplication.instance().setStyleSheet(STYLE)
    s = ConsultScreen(ctx)
    qtbot.addWidget(s)
    s.resize(*SIZE)
    s.show()
    qtbot.waitExposed(s)
    s.activateWindow()
    yield s
    qtbot.waitUntil(lambda: ctx.bridge.in_flight == 0, timeout=10_000)
    s.close()


def call_made(qtbot) -> ScriptedCall:
    qtbot.waitUntil(lambda: len(ScriptedCall.made) == 1, timeout=10_000)
    return ScriptedCall.made[0]


def feed(host, coro) -> None:
    host.thread.run(coro, timeout=5)


def snap(screen, qtbot, language: str, name: str) -> None:
    """Save a screenshot of this state; nothing on it may be clipped."""
    qtbot.waitUntil(lambda: clipped_texts(screen) == [], timeout=2_000)
    folder = OUT / language
    folder.mkdir(parents=True, exist_ok=True)
    assert screen.grab().save(str(folder / f"consult-{name}.png"))


def key(qtbot, screen, letter, modifiers=Qt.KeyboardModifier.ControlModifier) -> None:
    qtbot.keyClick(screen.focusWidget() or screen, letter, modifiers)


@pytest.mark.parametrize("language", ["en", "hi"])
def test_waiting_then_the_call_then_the_end(host, ctx, screen, qtbot, language):
    languages = Languages(QApplication.instance())
    languages.switch(language)
    try:
        link(host)
        eid = ready_case(host)
        screen.on_show(encounter_id=eid, patient_name=PATIENT)
        assert screen.phase == "joining"
        call = call_made(qtbot)
        assert case_state(host, eid) is CaseState.WAITING_FOR_DOCTOR

        feed(host, call.emit(Queued(position=2, waiting=3, doctors_online=1, wait_s=600)))
        qtbot.waitUntil(lambda: screen.phase == "waiting")
        qtbot.waitUntil(lambda: screen.wait_preview.frames_shown > 0)
        if language == "en":
            assert screen.wait_heading.text() == "Waiting for a doctor"
            assert screen.queue_line.text() == "You are 2nd in the queue — about 10 minutes"
            assert screen.doctors_line.text() == "1 doctor of this specialty is online."
            assert screen.title.text() == "Live consult — Test Patient"
        else:
            assert screen.queue_line.text() == "कतार में आप 2वें स्थान पर हैं — लगभग 10 मिनट"
        assert screen.wait_review_button.isVisible() and screen.leave_button.isVisible()
        snap(screen, qtbot, language, "1-waiting")

        feed(host, call.emit(DOCTOR, Connected(attempt=1)))
        feed(host, call.emit(QualityChanged(Quality.GOOD, Step.VGA_15, 420.0, 0.0)))
        for value in (40, 90, 140):
            feed(host, call.picture(value))
        qtbot.waitUntil(lambda: screen.phase == "call")
        qtbot.waitUntil(lambda: screen.doctor_view.frames_shown > 0)
        qtbot.waitUntil(lambda: screen.local_view.frames_shown > 0)
        # the latest picture only: whatever the screen missed is not queued up for it
        assert int(screen.doctor_view.current_array()[0, 0, 1]) == 140
        if language == "en":
            assert screen.doctor_line.text() == "Dr Test Doctor (Reg. no. TEST-00000)"
            assert screen.link_line.text() == "Call quality: good"
        snap(screen, qtbot, language, "2-call")

        key(qtbot, screen, Qt.Key.Key_M)
        qtbot.waitUntil(lambda: call.muted == [True] and screen.muted)
        screen.camera_button.click()
        qtbot.waitUntil(lambda: call.camera_off == [True] and screen.camera_off)
        assert screen.camera_off_line.isVisible() and not screen.local_view.isVisible()
        if language == "en":
            assert screen.mute_button.text() == "Unmute (Ctrl+M)"
            assert screen.camera_button.text() == "Camera on (Ctrl+O)"
        key(qtbot, screen, Qt.Key.Key_O)
        qtbot.waitUntil(lambda: call.camera_off == [True, False] and not screen.camera_off)

        feed(host, call.emit(QualityChanged(Quality.AUDIO_ONLY, Step.AUDIO_ONLY, 30.0, 0.1)))
        qtbot.waitUntil(lambda: screen._quality == "audio-only")
        if language == "en":
            assert screen.link_line.text() == (
                "Call quality: audio only — the link is too slow for video"
            )
        screen.loss_timer.setInterval(100)  # the "long" loss, shortened for the test
        feed(host, call.emit(LinkLost(silent_s=4.0)))
        qtbot.waitUntil(lambda: screen.loss_line.isVisible(), timeout=5_000)
        assert screen.call_review_button.isVisible()
        if language == "en":
            assert screen.link_line.text() == "Connection lost — reconnecting…"
            assert "Nothing recorded for this patient is lost" in screen.loss_line.text()
        snap(screen, qtbot, language, "3-link-lost")
        feed(host, call.emit(Connected(attempt=2)))
        qtbot.waitUntil(lambda: not screen.loss_line.isVisible())
        assert not screen.call_review_button.isVisible()

        key(qtbot, screen, Qt.Key.Key_E)  # End call
        qtbot.waitUntil(lambda: screen.phase == "over")
        assert not screen.over_review_button.isVisible()  # the doctor has seen the case
        if language == "en":
            assert screen.over_detail.text() == (
                "You ended the call. The doctor writes the prescription; it will come to this case."
            )
        snap(screen, qtbot, language, "4-ended")
        qtbot.waitUntil(lambda: host.engine.consult.active_case is None)
        assert host.engine.capture.open == set()
        assert not host.thread.run(host.engine.sync_status()).paused_for_call
        key(qtbot, screen, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
        assert ctx.go.last == ("home", {})
    finally:
        languages.switch("en")


@pytest.mark.parametrize("language", ["en", "hi"])
def test_a_failed_call_offers_send_for_review_first(host, ctx, screen, qtbot, language):
    languages = Languages(QApplication.instance())
    languages.switch(language)
    try:
        link(host)
        eid = ready_case(host)
        before = host.thread.run(host.engine.list_attachments(eid))
        screen.on_show(encounter_id=eid, patient_name=PATIENT)
        call = call_made(qtbot)
        feed(host, call.emit(DOCTOR))
        qtbot.waitUntil(lambda: screen.phase == "call")
        feed(host, call.emit(CallFailed(kind="hub-unreachable")))
        qtbot.waitUntil(lambda: screen.phase == "over")
        assert screen.over_review_button.isVisible() and screen.again_button.isVisible()
        assert screen.over_review_button.hasFocus()
        if language == "en":
            assert screen.over_heading.text() == "The call could not go on"
            assert screen.over_detail.text() == (
                "The hub cannot be reached, so the call cannot go on now. Nothing recorded for "
                "this patient is lost. Send the case for review and a doctor will answer it later."
            )
        snap(screen, qtbot, language, "5-failed")

        key(qtbot, screen, Qt.Key.Key_R)
        qtbot.waitUntil(lambda: ctx.go.last is not None and ctx.go.last[0] == "home")
        assert case_state(host, eid) is CaseState.SENT_FOR_REVIEW
        assert host.thread.run(host.engine.list_attachments(eid)) == before
        if language == "en":
            assert ctx.go.last == ("home", {"message": "Sent for review: Test Patient"})
    finally:
        languages.switch("en")


def test_without_a_hub_the_consult_is_refused_and_review_offered(host, ctx, screen, qtbot):
    eid = ready_case(host)
    screen.on_show(encounter_id=eid, patient_name=PATIENT)
    qtbot.waitUntil(lambda: screen.phase == "over")
    assert screen.over_heading.text() == "The live consult could not start"
    assert screen.over_detail.text().startswith(
        "This desktop is not connected to a hub yet, so a live consult cannot start."
    )
    assert screen.over_review_button.isVisible() and not screen.again_button.isVisible()
    assert case_state(host, eid) is CaseState.READY and ScriptedCall.made == []
    screen.over_review_button.click()
    qtbot.waitUntil(lambda: case_state(host, eid) is CaseState.SENT_FOR_REVIEW)


def test_leaving_the_queue_says_the_case_is_kept_and_can_try_again(host, ctx, screen, qtbot):
    link(host)
    eid = ready_case(host)
    screen.on_show(encounter_id=eid, patient_name=PATIENT)
    call = call_made(qtbot)
    feed(host, call.emit(Queued(position=1, waiting=1, doctors_online=0, wait_s=None)))
    qtbot.waitUntil(lambda: screen.phase == "waiting")
    assert screen.queue_line.text() == "You are 1st in the queue."
    assert screen.doctors_line.text().startswith("No doctor of this specialty is online")
    key(qtbot, screen, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)  # leave the queue
    qtbot.waitUntil(lambda: screen.phase == "over")
    assert screen.over_detail.text().startswith("You left the queue. The case is kept")
    assert screen.over_review_button.isVisible() and screen.again_button.isVisible()
    qtbot.waitUntil(lambda: host.engine.consult.active_case is None)
    screen.again_button.click()  # consult live again: a new call for the same case
    qtbot.waitUntil(lambda: len(ScriptedCall.made) == 2, timeout=10_000)
    assert screen.phase == "joining"
    feed(host, ScriptedCall.made[1].emit(CallFailed(kind="not-found")))
    qtbot.waitUntil(lambda: screen.phase == "over")
    assert "has not been sent" in screen.over_detail.text()


@pytest.mark.parametrize("language", ["en", "hi"])
def test_home_offers_consult_live_and_send_for_review_for_a_ready_case(
    host, ctx, qtbot, desk, language
):
    languages = Languages(QApplication.instance())
    languages.switch(language)
    try:
        home_offers(host, ctx, qtbot, language)
    finally:
        languages.switch("en")


def home_offers(host, ctx, qtbot, language):
    load_fonts(QApplication.instance())
    QApplication.instance().setStyleSheet(STYLE)
    eid = ready_case(host)
    other = ready_case(host, name="Test Patient Two")
    home = HomeScreen(ctx)
    qtbot.addWidget(home)
    home.resize(*SIZE)
    home.show()
    home.on_show(operator="Test Operator")
    qtbot.waitUntil(lambda: home.consult_button.isVisible() and home.consult_button.isEnabled())
    qtbot.waitUntil(lambda: ctx.bridge.in_flight == 0)
    snap(home, qtbot, language, "0-home")
    if language == "en":
        assert home.consult_button.text() == "Consult live (Ctrl+K)"
    first = home.selected_case()
    qtbot.keyClick(home.cases, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert ctx.go.last == (
        "consult",
        {"encounter_id": first.encounter_id, "patient_name": first.patient_name},
    )
    home.review_button.click()
    qtbot.waitUntil(lambda: case_state(host, first.encounter_id) is CaseState.SENT_FOR_REVIEW)
    if language == "en":
        qtbot.waitUntil(lambda: home.banner.text() == f"Sent for review: {first.patient_name}")
    left = ({eid, other} - {first.encounter_id}).pop()
    qtbot.waitUntil(lambda: home.selected_case() and home.selected_case().encounter_id == left)
    qtbot.waitUntil(lambda: ctx.bridge.in_flight == 0)


def test_every_reason_the_hub_gives_for_refusing_a_call_is_worded():
    """Each kind the call socket maps a hub refusal to has its own sentence (a generic "could
    not go on" is for the hub's own faults only); test_translations checks the Hindi."""
    from spoke_client.sync.signalling import CLOSE_KINDS, RETRYABLE_KINDS, STATUS_KINDS
    from spoke_client.ui import words

    generic_by_design = {"bad-request", "bad-reply"}
    kinds = (set(CLOSE_KINDS.values()) | set(STATUS_KINDS.values()) | RETRYABLE_KINDS) - (
        generic_by_design
    )
    generic = words.call_failed("no-such-kind")
    for kind in sorted(kinds):
        assert words.call_failed(kind) != generic, kind
