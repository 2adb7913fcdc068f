"""Audio notes and clips are encoded straight into a write-only sink and decode back to what
was recorded: a tone heard through real PortAudio, and numbered pictures."""

from __future__ import annotations

import io
import os
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest

from spoke_client.capture.camera import Frame
from spoke_client.capture.microphone import Microphone
from spoke_client.capture.recording import AudioNoteRecorder, ClipRecorder
from tests.capture.conftest import RATE, NoSeekSink, dominant_frequency, rms_dbfs, sine
from tests.capture.test_audio import first_chunk, read_until_loud

W, H = 640, 480
BITS = 6
BLOCK = 80


# ---- helpers ------------------------------------------------------------------------------------
def decode_audio(data: bytes) -> tuple[np.ndarray, av.container.InputContainer]:
    container = av.open(io.BytesIO(data))
    samples = np.concatenate(
        [frame.to_ndarray().reshape(-1) for frame in container.decode(audio=0)]
    )
    return samples, container


def decode_video(data: bytes) -> tuple[list[np.ndarray], av.container.InputContainer]:
    container = av.open(io.BytesIO(data))
    frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    return frames, container


def numbered(n: int, width: int = W, height: int = H) -> np.ndarray:
    """Picture ``n``: red left half, blue right half, a green bar at x = 20·n below the
    middle, and ``n`` in binary as white/black blocks along the top."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:, : width // 2] = (200, 30, 30)
    image[:, width // 2 :] = (30, 30, 200)
    image[height // 2 :, 20 * n : 20 * n + 20] = (30, 220, 30)
    for bit in range(BITS):
        value = 255 if (n >> bit) & 1 else 0
        image[:BLOCK, bit * BLOCK : (bit + 1) * BLOCK] = value
    return image


def number_of(image: np.ndarray) -> int:
    grey = image.mean(axis=2)
    n = 0
    for bit in range(BITS):
        block = grey[10 : BLOCK - 10, bit * BLOCK + 10 : (bit + 1) * BLOCK - 10]
        if block.mean() > 127:
            n |= 1 << bit
    return n


def bar_x(image: np.ndarray) -> int:
    """Left edge of the green bar, from the lower half of the picture."""
    lower = image[H // 2 + 20 :].astype(np.int32)
    greenness = (lower[:, :, 1] - (lower[:, :, 0] + lower[:, :, 2]) // 2).mean(axis=0)
    return int(np.argmax(greenness > 100))


# ---- audio notes --------------------------------------------------------------------------------
def test_an_audio_note_of_a_tone_heard_by_the_microphone(sound_server, tone_player):
    sink = NoSeekSink()
    with Microphone() as mic:
        first_chunk(mic)
        tone_player.play(1000, seconds=5)
        read_until_loud(mic)
        recorder = AudioNoteRecorder(sink)
        recorded = recorder.record_from(mic, threading.Event(), 2.0)
        seconds = recorder.close()
    assert recorded == seconds == pytest.approx(2.0)
    assert not recorder.full
    assert not sink.closed_by_someone  # its owner seals it
    assert recorder.bytes_written == len(sink.data()) > 0

    samples, container = decode_audio(sink.data())
    stream = container.streams.audio[0]
    assert container.format.name == "ogg"
    assert stream.codec_context.name == "opus"
    assert stream.codec_context.sample_rate == RATE and stream.codec_context.channels == 1
    assert abs(len(samples) - 2 * RATE) <= 0.02 * RATE
    # The encoder starts from nothing: judge the tone past its first 100 ms.
    steady = samples[RATE // 10 :]
    frequency = dominant_frequency(steady)
    level = rms_dbfs(steady)
    print(f"audio note: {frequency:.1f} Hz at {level:.1f} dBFS, {len(sink.data())} bytes in 2 s")
    assert abs(frequency - 1000) <= 20
    assert level > -15  # the tone (-9 dBFS), far above silence
    assert len(sink.data()) * 8 / 2 < 40_000  # about 24 kbps, Ogg pages included


def test_an_audio_note_stops_when_asked(sound_server):
    stop = threading.Event()
    sink = NoSeekSink()
    with Microphone() as mic:
        first_chunk(mic)
        recorder = AudioNoteRecorder(sink)
        timer = threading.Timer(0.5, stop.set)
        timer.start()
        started = time.monotonic()
        recorded = recorder.record_from(mic, stop)
        took = time.monotonic() - started
        timer.join()
    recorder.close()
    assert 0.3 <= recorded <= took + 0.2
    assert took < 5.0  # it stopped when asked (0.5 s), not at its 120 s limit


def test_an_audio_note_ends_when_the_microphone_goes(sound_server):
    stop = threading.Event()
    mic = Microphone()
    mic.start()
    first_chunk(mic)
    recorder = AudioNoteRecorder(NoSeekSink())
    unplug = threading.Timer(0.5, mic.stop)
    unplug.start()
    started = time.monotonic()
    recorded = recorder.record_from(mic, stop)
    unplug.join()
    assert time.monotonic() - started < 5.0 and not stop.is_set()
    assert recorder.close() == recorded > 0.3  # what was recorded is kept


def test_an_audio_note_stops_at_its_limit():
    sink = NoSeekSink()
    recorder = AudioNoteRecorder(sink, max_seconds=1.0)
    tone = sine(440, 1.5).reshape(-1, 1)
    for start in range(0, len(tone), 960):
        recorder.feed(tone[start : start + 960])
    assert recorder.full
    assert recorder.close() == pytest.approx(1.0)
    assert recorder.close() == pytest.approx(1.0)  # closing twice is harmless
    samples, _ = decode_audio(sink.data())
    assert abs(len(samples) - RATE) <= 0.02 * RATE
    assert abs(dominant_frequency(samples) - 440) <= 20
    with pytest.raises(ValueError):
        recorder.feed(tone[:960])


def test_an_audio_note_takes_only_int16_blocks():
    recorder = AudioNoteRecorder(NoSeekSink())
    with pytest.raises(TypeError):
        recorder.feed(np.zeros((960, 1), np.float32))
    stereo = np.repeat(sine(440, 0.5).reshape(-1, 1), 2, axis=1)
    recorder.feed(stereo)  # mixed down to mono
    assert recorder.close() == pytest.approx(0.5)


# ---- clips --------------------------------------------------------------------------------------
def test_a_clip_of_numbered_pictures():
    sink = NoSeekSink()
    recorder = ClipRecorder(sink)
    for n in range(30):
        recorder.add_frame(numbered(n), at=100.0 + n / 15)
    written = recorder.close()
    assert written == 30
    assert not sink.closed_by_someone
    frames, container = decode_video(sink.data())
    stream = container.streams.video[0]
    print(f"clip: {len(frames)} frames decoded, {len(sink.data())} bytes for 2 s")
    assert "webm" in container.format.name
    assert stream.codec_context.name == "vp8"
    assert abs(len(frames) - 30) <= 3
    assert all(frame.shape == (H, W, 3) for frame in frames)
    for n in (0, 7, 15, 29):
        frame = frames[n]
        assert number_of(frame) == n
        assert abs(bar_x(frame) - 20 * n) <= 4
        # Columns the bar never reaches in these pictures: red left half, blue right half.
        left = frame[H // 2 :, 230:290].reshape(-1, 3).mean(axis=0)
        right = frame[H // 2 :, 440:520].reshape(-1, 3).mean(axis=0)
        assert left[0] > 150 and left[2] < 80
        assert right[2] > 150 and right[0] < 80
    # 2 s for a 2G link (~400 kbps); the first picture is a keyframe, so allow headroom.
    assert len(sink.data()) * 8 / 2 < 800_000


def test_a_clip_keeps_its_frame_rate():
    sink = NoSeekSink()
    recorder = ClipRecorder(sink)
    recorder.add_frame(numbered(1), at=0.0)
    recorder.add_frame(numbered(2), at=0.01)  # same slot: the latest picture wins
    recorder.add_frame(numbered(3), at=0.2)  # slot 3: slots 1 and 2 repeat picture 2
    recorder.add_frame(numbered(4), at=0.27)  # slot 4
    assert recorder.close() == 5
    frames, _ = decode_video(sink.data())
    assert [number_of(frame) for frame in frames] == [2, 2, 2, 3, 4]


def test_a_clip_stops_at_its_limit():
    sink = NoSeekSink()
    recorder = ClipRecorder(sink, max_seconds=1.0)
    for n in range(40):
        recorder.add_frame(numbered(n), at=n / 15)
    assert recorder.full
    assert recorder.close() == 15
    frames, _ = decode_video(sink.data())
    assert len(frames) == 15
    assert number_of(frames[-1]) == 14


def test_a_wide_picture_is_fitted_not_stretched():
    sink = NoSeekSink()
    recorder = ClipRecorder(sink)
    wide = np.full((720, 1280, 3), 200, np.uint8)
    recorder.add_frame(wide, at=0.0)
    recorder.close()
    (frame,), _ = decode_video(sink.data())
    assert frame.shape == (H, W, 3)
    # 1280×720 scales to 640×360, centred: black bands of 60 rows above and below.
    assert frame[:50].mean() < 20 and frame[-50:].mean() < 20
    assert abs(frame[70:410].mean() - 200) < 10


def test_a_clip_samples_the_camera_at_its_frame_rate():
    shown = {"n": 0}
    started = time.monotonic()

    def latest() -> Frame:
        n = int((time.monotonic() - started) * 15)  # a camera showing picture n at n/15 s
        shown["n"] = n
        return Frame(numbered(n % 32), seq=n, at=time.monotonic())

    sink = NoSeekSink()
    recorder = ClipRecorder(sink, max_seconds=30.0)
    began = time.monotonic()
    frames = recorder.record_from(latest, threading.Event(), 1.0)
    took = time.monotonic() - began
    assert recorder.close() == frames
    assert 0.9 <= took <= 5.0  # generous: a loaded machine encodes slowly
    assert 14 <= frames <= 16  # the clip still lasts one second
    decoded, _ = decode_video(sink.data())
    assert len(decoded) == frames
    numbers = [number_of(frame) for frame in decoded]
    assert numbers == sorted(numbers)  # in order, as the camera showed them


def test_a_clip_stops_when_asked_and_without_a_camera():
    stop = threading.Event()
    recorder = ClipRecorder(NoSeekSink())
    timer = threading.Timer(0.3, stop.set)
    timer.start()
    began = time.monotonic()
    assert recorder.record_from(lambda: None, stop, 10.0) == 0
    assert time.monotonic() - began < 5.0  # asked at 0.3 s, not at the 10 s limit
    timer.join()
    assert recorder.close() == 0


# ---- nothing in clear on disk -------------------------------------------------------------------
_watch: dict = {"installed": False, "armed": False, "events": []}


def _audit(event: str, args: tuple) -> None:
    if not _watch["armed"]:
        return
    if event == "open":
        path, mode, flags = args
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        )
        if writes:
            _watch["events"].append((event, path))
    elif event in ("os.mkdir", "os.rename", "os.link", "tempfile.mkstemp", "tempfile.mkdtemp"):
        _watch["events"].append((event, args))


def watch_python_writes() -> None:
    """Records every file Python code opens for writing (or creates) while armed; audit
    hooks cannot be removed, so it is installed once and disarmed between uses."""
    if not _watch["installed"]:
        sys.addaudithook(_audit)
        _watch["installed"] = True


def writable_files() -> set[str]:
    """Regular files this process holds open for writing (C code included)."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            if not stat.S_ISREG(os.stat(f"/proc/self/fd/{fd}").st_mode):
                continue
            target = os.readlink(f"/proc/self/fd/{fd}")
            flags = next(
                int(line.split()[1], 8)
                for line in Path(f"/proc/self/fdinfo/{fd}").read_text().splitlines()
                if line.startswith("flags:")
            )
        except (FileNotFoundError, StopIteration):
            continue
        if flags & (os.O_WRONLY | os.O_RDWR):
            found.add(target)
    return found


class WatchedSink(NoSeekSink):
    """Looks at the open files every time the encoder hands over bytes."""

    def __init__(self) -> None:
        super().__init__()
        self.open_for_writing: set[str] = set()

    def write(self, data) -> int:
        self.open_for_writing |= writable_files()
        return super().write(data)


def test_recording_writes_nothing_but_the_sinks(sound_server, tone_player, tmp_path, monkeypatch):
    watch_python_writes()
    # The watchers see a file being written (so their silence below means something).
    control = tmp_path / "control"
    _watch["armed"] = True
    with control.open("wb") as fh:
        assert str(control) in writable_files()
        fh.write(b"x")
    _watch["armed"] = False
    assert ("open", str(control)) in _watch["events"]

    empty_tmp = tmp_path / "tmp"
    empty_cwd = tmp_path / "cwd"
    empty_tmp.mkdir()
    empty_cwd.mkdir()
    monkeypatch.setenv("TMPDIR", str(empty_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(empty_tmp))
    monkeypatch.chdir(empty_cwd)
    before = writable_files()
    audio_sink, clip_sink = WatchedSink(), WatchedSink()
    image = numbered(5)

    with Microphone() as mic:
        first_chunk(mic)
        tone_player.play(1000, seconds=3)
        read_until_loud(mic)
        _watch["events"].clear()
        _watch["armed"] = True
        try:
            audio = AudioNoteRecorder(audio_sink)
            clip = ClipRecorder(clip_sink)
            stop = threading.Event()
            filming = threading.Thread(
                target=clip.record_from,
                args=(lambda: Frame(image, seq=0, at=time.monotonic()), stop, 1.0),
            )
            filming.start()
            audio.record_from(mic, stop, 1.0)
            filming.join(timeout=15)
            audio.close()
            clip.close()
        finally:
            _watch["armed"] = False

    assert _watch["events"] == []
    assert list(empty_tmp.iterdir()) == [] and list(empty_cwd.iterdir()) == []
    assert audio_sink.open_for_writing <= before and clip_sink.open_for_writing <= before
    assert audio_sink.writes > 0 and clip_sink.writes > 0
    samples, _ = decode_audio(audio_sink.data())
    assert abs(dominant_frequency(samples[RATE // 10 :]) - 1000) <= 20
    frames, _ = decode_video(clip_sink.data())
    assert 14 <= len(frames) <= 16 and number_of(frames[0]) == 5


def test_recordings_stopped_before_anything_came_are_empty():
    # Nothing to keep: the caller sees 0 seconds / 0 frames and discards the media.
    audio_sink, clip_sink = NoSeekSink(), NoSeekSink()
    assert AudioNoteRecorder(audio_sink).close() == 0.0
    assert ClipRecorder(clip_sink).close() == 0
    assert audio_sink.data() == b"" and clip_sink.data() == b""
    with pytest.raises(ValueError):
        AudioNoteRecorder(NoSeekSink(), samplerate=44100)  # not an Opus rate
