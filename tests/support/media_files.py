"""Generated media for the call tests, and the measures the tests judge received media by.

Made with numpy into a folder the test gives; nothing is read from the repository.

- :func:`write_y4m` writes the doctor's fake camera for Chromium
  (``--use-file-for-fake-video-capture``): YUV4MPEG2, 4:2:0 (``C420jpeg``), by default
  640x480 at 15 fps for 4 s (Chromium loops it). Each frame (:func:`bar_frame`) shows
  coloured vertical stripes with a white bar sweeping across them and a grey strip whose
  position encodes nothing but changes every frame: bright (mean luma around 130), never
  black, and consecutive frames always differ.
- :func:`write_wav` writes the doctor's fake microphone (``--use-file-for-fake-audio-capture``):
  48 kHz mono 16-bit, a steady tone (660 Hz by default) for 4 s, starting and ending on a
  zero crossing so the loop does not click.
- :func:`make_camera_video` writes the spoke's camera: the capture tests' own pattern video
  (``tests/capture/media_fixtures.make_pattern_video``, an MJPG ``.avi`` with a moving
  square), which OpenCV opens through the same code path as a webcam.

Judging what arrived: :func:`dominant_frequency` (Hz of the strongest spectral peak),
:func:`mean_brightness` (mean luma 0..255 of an RGB/BGR/grey frame), :func:`frames_differ`
(do successive frames of a list change, i.e. is the picture moving).
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tests.capture.media_fixtures import make_pattern_video

WAV_RATE = 48000
TONE_HZ = 660.0
#: RGB colours of the stripes behind the sweeping bar.
STRIPES = (
    (200, 40, 40),
    (40, 180, 60),
    (50, 70, 210),
    (220, 200, 40),
    (170, 60, 190),
    (40, 190, 200),
    (230, 130, 40),
    (120, 120, 120),
)


def bar_frame(n: int, size: tuple[int, int] = (640, 480), frames: int = 60) -> np.ndarray:
    """Frame ``n`` of the doctor's camera, RGB uint8: stripes, a white bar sweeping across
    once per ``frames`` frames, and a dark block stepping along the bottom every frame."""
    width, height = size
    rgb = np.empty((height, width, 3), np.uint8)
    stripe_w = max(1, width // len(STRIPES))
    for i, colour in enumerate(STRIPES):
        rgb[:, i * stripe_w : (i + 1) * stripe_w] = colour
    rgb[:, len(STRIPES) * stripe_w :] = STRIPES[-1]
    bar_w = max(8, width // 10)
    x = int((n % frames) * (width - bar_w) / max(1, frames - 1))
    rgb[:, x : x + bar_w] = 255
    block = max(8, width // 20)
    bx = (n * block) % max(block, width - block)
    rgb[height - 2 * block : height - block, bx : bx + block] = 20
    return rgb


def _rgb_to_i420(rgb: np.ndarray) -> bytes:
    """BT.601 full-range ("jpeg") YCbCr 4:2:0 planes, Y then U then V."""
    f = rgb.astype(np.float32)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = (b - y) * 0.564 + 128
    v = (r - y) * 0.713 + 128
    h, w = y.shape
    u = u.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
    v = v.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
    planes = [np.clip(p + 0.5, 0, 255).astype(np.uint8) for p in (y, u, v)]
    return b"".join(p.tobytes() for p in planes)


def write_y4m(
    folder: str | Path,
    name: str = "doctor.y4m",
    *,
    size: tuple[int, int] = (640, 480),
    fps: int = 15,
    seconds: float = 4.0,
) -> Path:
    """Write the doctor's camera as ``folder/name`` (YUV4MPEG2, 4:2:0) and return its path."""
    width, height = size
    if width % 2 or height % 2:
        raise ValueError("4:2:0 needs an even width and height")
    frames = max(2, int(round(fps * seconds)))
    path = Path(folder) / name
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for n in range(frames):
            out.write(b"FRAME\n")
            out.write(_rgb_to_i420(bar_frame(n, size, frames)))
    return path


def read_y4m(path: str | Path) -> list[np.ndarray]:
    """The luma planes of a file written by :func:`write_y4m` (for checking the writer)."""
    data = Path(path).read_bytes()
    header, _, body = data.partition(b"\n")
    fields = dict((f[:1].decode(), f[1:].decode()) for f in header.split()[1:])
    width, height = int(fields["W"]), int(fields["H"])
    frame_len = width * height * 3 // 2
    lumas = []
    pos = 0
    while pos < len(body):
        if body[pos : pos + 6] != b"FRAME\n":
            raise ValueError(f"no FRAME marker at byte {pos}")
        pos += 6
        y = np.frombuffer(body, np.uint8, width * height, pos).reshape(height, width)
        lumas.append(y)
        pos += frame_len
    return lumas


def tone(
    frequency: float = TONE_HZ, seconds: float = 4.0, rate: int = WAV_RATE, amplitude: float = 0.5
) -> np.ndarray:
    """A sine as int16 samples, cut to a whole number of periods (a seamless loop)."""
    periods = max(1, int(frequency * seconds))
    count = int(round(periods * rate / frequency))
    t = np.arange(count) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)


def write_wav(
    folder: str | Path,
    name: str = "doctor.wav",
    *,
    frequency: float = TONE_HZ,
    seconds: float = 4.0,
    rate: int = WAV_RATE,
) -> Path:
    """Write the doctor's microphone as ``folder/name`` (mono 16-bit PCM) and return its path."""
    path = Path(folder) / name
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(tone(frequency, seconds, rate).tobytes())
    return path


def make_camera_video(
    folder: str | Path,
    name: str = "spoke_camera.avi",
    *,
    frames: int = 90,
    fps: float = 15,
    size: tuple[int, int] = (640, 480),
) -> Path:
    """The spoke's camera: the capture tests' moving-square MJPG ``.avi`` (OpenCV reads it)."""
    return make_pattern_video(Path(folder) / name, frames=frames, fps=fps, size=size)


# ---- judging received media --------------------------------------------------------------------
def dominant_frequency(samples: np.ndarray, rate: int = WAV_RATE) -> float:
    """The frequency (Hz) of the highest peak of the Hann-windowed spectrum of ``samples``
    (any shape: channels are flattened, so pass one channel), refined between bins by a
    parabola through the peak and its neighbours."""
    x = np.asarray(samples, dtype=np.float64).ravel()
    if len(x) < 8:
        raise ValueError("too few samples for a spectrum")
    x = x - x.mean()
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    spectrum[0] = 0.0
    k = int(np.argmax(spectrum))
    offset = 0.0
    if 0 < k < len(spectrum) - 1:
        a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-12)
        denominator = a - 2 * b + c
        if denominator != 0:
            offset = 0.5 * (a - c) / denominator
    return float((k + offset) * rate / len(x))


def mean_brightness(frame: np.ndarray) -> float:
    """Mean luma (0..255) of an RGB or BGR frame (the channel weights are close enough for a
    brightness test either way) or of a grey one."""
    image = np.asarray(frame, dtype=np.float32)
    if image.ndim == 3:
        image = image[..., :3].mean(axis=2)
    return float(image.mean())


def frames_differ(frames: Sequence[np.ndarray], threshold: float = 1.0) -> bool:
    """True when every successive pair of frames differs by more than ``threshold`` (mean
    absolute difference per pixel, 0..255): the picture is moving, not frozen.

    Frames of different sizes (a resolution step) count as different. Needs two frames.
    """
    if len(frames) < 2:
        raise ValueError("need at least two frames to say whether they change")
    for a, b in zip(frames, frames[1:], strict=False):
        a = np.asarray(a, dtype=np.float32)
        b = np.asarray(b, dtype=np.float32)
        if a.shape != b.shape:
            continue
        if float(np.abs(a - b).mean()) <= threshold:
            return False
    return True
