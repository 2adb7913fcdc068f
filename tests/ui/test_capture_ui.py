"""Capture in the intake wizard and the device check, on a real engine host, a real SQLCipher
store and a video file as the camera: the retake prompt for a blurred photo, a sharp one kept
without a word, a refused file in words, and the camera passing the device check."""

from __future__ import annotations

import importlib

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from spoke_client.ui.camera_view import CameraView
from spoke_client.ui.common import STYLE
from spoke_client.ui.device_check import DeviceCheckScreen
from spoke_client.ui.home import HomeScreen
from spoke_client.ui.intake.wizard import IntakeWizard
from spoke_client.ui.main_window import SCREENS
from tests.capture import conftest as capture
from tests.capture.media_fixtures import blurred_image, make_pattern_video, sharp_image

# The capture tests' private PulseAudio sound server with a null sink (session-wide): what is
# played into the sink, the default microphone hears.
sound_server = capture.sound_server

SEETA = dict(name="Seeta Devi", sex="female", age_years=34, village="Rampur", address="")
BLURRED_PROMPT = "The photo looks blurred. Hold the camera still and take it again."


def run(host, coro):
    return host.thread.run(coro, timeout=30)


def ctrl(qtbot, widget, key) -> None:
    """A Ctrl+key shortcut, pressed where the keyboard focus is."""
    qtbot.keyClick(QApplication.focusWidget() or widget, key, Qt.KeyboardModifier.ControlModifier)


@pytest.fixture
def tones(request):
    """Plays tones into the sound server's sink, as if someone spoke near the microphone."""
    player = capture.TonePlayer(request.getfixturevalue("sound_server"))
    yield player
    player.stop_all()


def write_video(path, make_image, frames: int = 30) -> str:
    """An MJPG video of generated stills (the camera reads it as a live source, looped)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15.0, (640, 480))
    assert writer.isOpened()
    try:
        for n in range(frames):
            writer.write(cv2.cvtColor(make_image(n % 3, (640, 480)), cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    return str(path)


@pytest.fixture
def use_camera(ctx):
    """Point the desktop's camera setting at a video file."""

    def use(location: str) -> None:
        ctx.settings["camera"] = {"location": location}

    return use


@pytest.fixture
def case(host):
    patient = run(host, host.engine.register_patient(dict(SEETA)))
    return run(host, host.engine.save_draft(None, patient.id, {}, "patient")).encounter_id


@pytest.fixture
def attachments(qtbot, ctx, case):
    """The wizard open on the case's attachments page, at the desktops' screen size."""
    wizard = IntakeWizard(ctx)
    wizard.setStyleSheet(STYLE)
    wizard.resize(1366, 700)
    wizard.show()
    qtbot.waitExposed(wizard)
    wizard.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard)
    with qtbot.waitSignal(wizard.loaded, timeout=10_000):
        wizard.on_show(encounter_id=case)
    wizard.go_to("attachments")
    panel = wizard.attachments_page.capture_panel
    qtbot.waitUntil(panel.photo_button.isEnabled, timeout=10_000)
    yield wizard
    if panel.dialog is not None:
        panel.dialog.abandon()
    qtbot.waitUntil(wizard.is_idle, timeout=10_000)
    qtbot.waitUntil(lambda: ctx.bridge.in_flight == 0, timeout=15_000)
    wizard.close()
    wizard.deleteLater()


def stored(host, encounter_id):
    return run(host, host.engine.list_attachments(encounter_id))


def open_photo_dialog(qtbot, wizard):
    """Ctrl+P on the attachments page, then wait for a live picture."""
    panel = wizard.attachments_page.capture_panel
    ctrl(qtbot, wizard, Qt.Key.Key_P)
    assert panel.dialog is not None, "Ctrl+P opens the photo dialog"
    dialog = panel.dialog
    qtbot.waitUntil(dialog.take_button.isEnabled, timeout=15_000)
    assert dialog.view.frames_shown > 0
    return dialog


def test_the_attachments_page_shows_the_capture_buttons(attachments):
    page = attachments.attachments_page
    panel = page.capture_panel
    assert page.capture_buttons.indexOf(panel) >= 0
    assert [b.text() for b in panel.buttons()] == [
        "Take photo (Ctrl+P)",
        "Attach a file (Ctrl+O)",
        "Record audio note (Ctrl+M)",
        "Record clip (Ctrl+K)",
    ]
    for b in panel.buttons():
        assert b.isVisible() and b.isEnabled()


def test_a_blurred_photo_gets_the_retake_prompt_and_can_be_kept_anyway(
    attachments, qtbot, host, case, use_camera, tmp_path
):
    use_camera(write_video(tmp_path / "blurred.avi", blurred_image))
    dialog = open_photo_dialog(qtbot, attachments)

    with qtbot.waitSignal(dialog.checked, timeout=15_000) as checked:
        qtbot.keyClick(dialog.take_button, Qt.Key.Key_Return)
    assert checked.args[0].problems == ("blurred",)
    # the wizard shows the retake prompt for a blurred one, in words, and keeps nothing yet
    assert dialog.asking_retake
    assert dialog.prompt.isVisible() and dialog.prompt.text() == BLURRED_PROMPT
    assert dialog.retake_button.isVisible() and dialog.retake_button.text() == "Retake"
    assert dialog.keep_button.isVisible() and dialog.keep_button.text() == "Keep it anyway"
    assert not dialog.take_button.isVisible()
    assert stored(host, case) == []

    # Retake: the live picture comes back; the same blurred scene asks again
    qtbot.mouseClick(dialog.retake_button, Qt.MouseButton.LeftButton)
    assert not dialog.asking_retake
    qtbot.waitUntil(dialog.take_button.isEnabled, timeout=10_000)
    with qtbot.waitSignal(dialog.checked, timeout=15_000):
        qtbot.mouseClick(dialog.take_button, Qt.MouseButton.LeftButton)
    assert dialog.asking_retake

    page = attachments.attachments_page
    with qtbot.waitSignal(page.items_changed, timeout=15_000):
        qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
    items = stored(host, case)
    assert [(i["kind"], i["mime"]) for i in items] == [("photo", "image/jpeg")]
    assert page.list.count() == 1 and page.list.item(0).text().startswith("Photo — ")
    assert page.capture_panel.dialog is None  # closed (and soon deleted)


def test_a_sharp_photo_is_kept_without_a_prompt(
    attachments, qtbot, host, case, use_camera, tmp_path
):
    use_camera(write_video(tmp_path / "sharp.avi", sharp_image))
    dialog = open_photo_dialog(qtbot, attachments)
    page = attachments.attachments_page
    with qtbot.waitSignal(page.items_changed, timeout=15_000):
        with qtbot.waitSignal(dialog.checked, timeout=15_000) as checked:
            qtbot.mouseClick(dialog.take_button, Qt.MouseButton.LeftButton)
        assert checked.args[0].problems == ()
        assert not dialog.asking_retake
    assert [i["kind"] for i in stored(host, case)] == ["photo"]
    assert page.list.count() == 1
    assert page.capture_panel.dialog is None


def test_a_too_large_file_is_refused_in_words_and_nothing_is_stored(
    attachments, qtbot, host, case, tmp_path
):
    big = tmp_path / "scan.pdf"
    with big.open("wb") as fh:
        fh.write(b"%PDF-1.4\n")
        fh.truncate(11 * 1024 * 1024)  # over the 10 MB limit
    panel = attachments.attachments_page.capture_panel
    panel.use_native_dialog = False
    ctrl(qtbot, attachments, Qt.Key.Key_O)
    dialog = panel.file_dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    dialog.selectFile(str(big))
    dialog.accept()
    qtbot.waitUntil(lambda: panel.message.isVisible() and "too large" in panel.message.text())
    assert panel.message.text() == (
        "This file is too large (11.0 MB). Files up to 10.0 MB can be attached. "
        "Choose a smaller file, or take a photo of the page instead."
    )
    qtbot.waitUntil(lambda: ctx_idle(attachments))
    assert stored(host, case) == []
    assert attachments.attachments_page.list.count() == 0
    assert panel.file_button.isEnabled()


def ctx_idle(wizard) -> bool:
    return wizard.ctx.bridge.in_flight == 0


def test_a_pdf_file_is_attached_and_listed(attachments, qtbot, host, case, tmp_path):
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4\n% a lab report\n%%EOF\n")
    panel = attachments.attachments_page.capture_panel
    panel.use_native_dialog = False
    page = attachments.attachments_page
    with qtbot.waitSignal(page.items_changed, timeout=15_000):
        panel.attach_file()
        panel.file_dialog.selectFile(str(report))
        panel.file_dialog.accept()
    assert [i["kind"] for i in stored(host, case)] == ["document"]
    assert not panel.message.isVisible()


@pytest.fixture
def device_check(qtbot, ctx):
    screens: list[DeviceCheckScreen] = []

    def show() -> DeviceCheckScreen:
        screen = DeviceCheckScreen(ctx)
        screen.setStyleSheet(STYLE)
        screen.resize(1366, 740)
        screens.append(screen)
        screen.on_show()
        screen.show()
        qtbot.waitExposed(screen)
        return screen

    yield show
    for screen in screens:
        screen.hide()  # lets go of the camera and the microphone
        qtbot.waitUntil(lambda: ctx.bridge.in_flight == 0, timeout=15_000)
        screen.close()
        screen.deleteLater()


def test_the_device_check_shows_the_camera_working(device_check, qtbot, ctx, use_camera, tmp_path):
    use_camera(str(make_pattern_video(tmp_path / "pattern.avi", frames=60, fps=15)))
    screen = device_check()
    assert screen.camera_result.text() == "Camera: checking…"
    qtbot.waitUntil(lambda: screen.camera_passed is not None, timeout=15_000)
    assert screen.camera_passed is True
    view = screen.camera_view
    assert view.is_live and view.frames_shown >= 3
    # the picture is the camera's RGB buffer as it is: the pattern's red patch shows red
    red = view.image.pixelColor(view.image.width() - 20, 20)
    assert (red.red(), red.green() < 60, red.blue() < 60) >= (200, True, True)
    assert screen.camera_result.text().startswith("Camera: working.")
    assert not screen.camera_retry.isVisible()
    qtbot.keyClick(screen.back_button, Qt.Key.Key_Escape)
    assert ctx.go.last == ("home", {})


def test_the_device_check_says_what_to_try_when_the_camera_gives_no_picture(
    device_check, qtbot, use_camera, tmp_path
):
    use_camera(str(tmp_path / "no-such-camera.avi"))
    screen = device_check()
    qtbot.waitUntil(lambda: screen.camera_passed is not None, timeout=20_000)
    assert screen.camera_passed is False
    text = screen.camera_result.text()
    assert text.startswith("Camera: not working. ")
    assert "Then wait: it reconnects by itself." in text


def test_the_camera_view_wraps_the_frame_without_copying(qtbot):
    view = CameraView()
    qtbot.addWidget(view)
    image = np.zeros((48, 64, 3), np.uint8)

    class Frame:  # what the engine's latest_frame returns: .image, .seq
        def __init__(self, seq):
            self.image, self.seq = image, seq

    frames = [Frame(1)]
    with qtbot.waitSignal(view.frame_shown):
        view.start(lambda: frames[-1])
    assert view.current_array() is image
    image[0, 0] = (255, 0, 0)  # the QImage shows the array's own memory
    assert view.image.pixelColor(0, 0).name() == "#ff0000"
    view.stop()
    assert not view.timer.isActive()


def test_a_clip_is_recorded_from_the_live_picture_and_listed(
    attachments, qtbot, host, case, use_camera, tmp_path
):
    use_camera(str(make_pattern_video(tmp_path / "pattern.avi", frames=60, fps=15)))
    panel = attachments.attachments_page.capture_panel
    ctrl(qtbot, attachments, Qt.Key.Key_K)
    dialog = panel.dialog
    assert dialog is not None and dialog.kind == "video"
    qtbot.waitUntil(dialog.start_button.isEnabled, timeout=15_000)
    with qtbot.waitSignal(dialog.started, timeout=15_000):
        qtbot.keyClick(dialog.start_button, Qt.Key.Key_Return)
    assert dialog.stop_button.isVisible() and not dialog.close_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.elapsed_seconds >= 1.0, timeout=10_000)
    assert (
        dialog.elapsed.text().startswith("Recording 0:0")
        and "(at most 0:30)" in dialog.elapsed.text()
    )
    page = attachments.attachments_page
    with qtbot.waitSignal(page.items_changed, timeout=20_000):
        qtbot.keyClick(dialog.stop_button, Qt.Key.Key_Return)
    assert [(i["kind"], i["mime"]) for i in stored(host, case)] == [("video", "video/webm")]
    assert page.list.count() == 1 and page.list.item(0).text().startswith("Video — ")


def test_the_device_check_hears_the_microphone_and_asks_about_the_speaker(
    device_check, qtbot, use_camera, tmp_path, tones
):
    use_camera(str(make_pattern_video(tmp_path / "pattern.avi", frames=60, fps=15)))
    screen = device_check()
    assert screen.mic_prompt.text() == "Say something: the bar should move."
    qtbot.waitUntil(lambda: screen.microphone is not None, timeout=15_000)
    assert screen.mic_passed is None and screen.mic_result.text() == "Microphone: listening…"
    qtbot.waitUntil(lambda: screen.input_choice.count() > 1, timeout=15_000)
    assert screen.input_choice.itemText(0) == "The computer's usual one"

    tones.play(440, 3.0)  # someone speaks
    qtbot.waitUntil(lambda: screen.mic_passed is not None, timeout=15_000)
    assert screen.mic_passed is True and screen.mic_level.value() > 0
    assert screen.mic_result.text() == "Microphone: working. We heard you."

    assert not screen.heard_yes.isVisible()
    qtbot.mouseClick(screen.tone_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(screen.heard_yes.isVisible, timeout=15_000)
    assert screen.heard_question.text() == "Did you hear it?"
    qtbot.mouseClick(screen.heard_no, Qt.MouseButton.LeftButton)
    assert screen.speaker_passed is False
    assert screen.speaker_result.text().startswith("Speaker: not working. Turn the volume up")
    qtbot.mouseClick(screen.tone_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(screen.heard_yes.isVisible, timeout=15_000)
    qtbot.mouseClick(screen.heard_yes, Qt.MouseButton.LeftButton)
    assert screen.speaker_passed is True and screen.speaker_result.text() == "Speaker: working."


def test_the_chosen_microphone_is_remembered_for_this_desktop(
    device_check, qtbot, ctx, use_camera, tmp_path, tones
):
    use_camera(str(make_pattern_video(tmp_path / "pattern.avi", frames=60, fps=15)))
    screen = device_check()
    qtbot.waitUntil(lambda: screen.input_choice.findData("pulse") > 0, timeout=15_000)
    screen.input_choice.setCurrentIndex(screen.input_choice.findData("pulse"))
    screen.input_choice.activated.emit(screen.input_choice.currentIndex())
    host = ctx.bridge.host

    def saved() -> dict:
        return host.thread.run(host.load_ui_settings()).get("audio_devices") or {}

    qtbot.waitUntil(lambda: saved().get("input_device") == "pulse", timeout=15_000)
    assert ctx.settings["audio_devices"]["input_device"] == "pulse"
    qtbot.waitUntil(lambda: screen.microphone is not None, timeout=15_000)  # opened again


def test_an_audio_note_is_recorded_with_a_level_meter_and_listed(
    attachments, qtbot, host, case, tones
):
    panel = attachments.attachments_page.capture_panel
    ctrl(qtbot, attachments, Qt.Key.Key_M)
    dialog = panel.dialog
    assert dialog is not None and dialog.kind == "audio"
    qtbot.waitUntil(lambda: dialog.recording is not None, timeout=15_000)
    assert dialog.stop_button.isVisible() and dialog.level.isVisible()
    tones.play(440, 3.0)
    qtbot.waitUntil(lambda: dialog.level.value() > 30, timeout=15_000)
    qtbot.waitUntil(lambda: dialog.elapsed_seconds >= 1.0, timeout=10_000)
    assert "(at most 2:00)" in dialog.elapsed.text()
    page = attachments.attachments_page
    with qtbot.waitSignal(page.items_changed, timeout=20_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc while recording stops and keeps it
    assert [(i["kind"], i["mime"]) for i in stored(host, case)] == [("audio", "audio/ogg")]
    assert page.list.item(0).text().startswith("Sound recording — ")


def test_home_opens_the_device_check_with_ctrl_d(qtbot, ctx):
    module, cls = SCREENS["device_check"]
    assert getattr(importlib.import_module(module), cls) is DeviceCheckScreen
    home = HomeScreen(ctx)
    qtbot.addWidget(home)
    home.show()
    home.on_show(operator="asha")
    qtbot.waitUntil(lambda: ctx.bridge.in_flight == 0)
    assert home.device_check_button.text() == "Check camera and microphone (Ctrl+D)"
    qtbot.keyClick(home.new_button, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert ctx.go.last == ("device_check", {})


def test_leaving_the_device_check_stops_every_camera_thread(
    device_check, qtbot, ctx, use_camera, tmp_path
):
    import threading

    def camera_threads() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name.startswith("camera")]

    assert camera_threads() == []
    use_camera(str(make_pattern_video(tmp_path / "pattern.avi", frames=30, fps=15)))
    screen = device_check()
    qtbot.waitUntil(lambda: screen.camera_passed is True, timeout=15_000)
    assert camera_threads() != []
    screen.hide()  # the screen closes: home, or the auto-lock
    qtbot.waitUntil(lambda: camera_threads() == [] and ctx.bridge.in_flight == 0, timeout=10_000)
