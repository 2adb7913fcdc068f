"""Clinical photos: quality check, JPEG encoding for 2G/3G links, thumbnails, decoding.

Pure numpy/OpenCV; images are RGB ``H×W×3 uint8`` as :class:`~spoke_client.capture.camera.Frame`
carries them.

Quality (:func:`assess`) is measured on a grey copy scaled so its longest side is
:data:`ASSESS_SIDE` pixels, so the numbers mean the same for a 640×480 webcam frame and a
4000×3000 phone photo:

- ``sharpness``: variance of the Laplacian. Focused pictures of skin, wounds or eyes with
  visible texture and edges score in the hundreds to thousands; an out-of-focus or
  motion-blurred one falls well below :data:`BLUR_THRESHOLD`. The Laplacian also scales with
  contrast, so an underexposed picture scores low whatever its focus: "blurred" is therefore
  judged only when exposure is acceptable (retake in better light first, then judge focus).
- ``brightness``: mean grey level 0–255.
- ``dark_fraction`` / ``bright_fraction``: share of pixels at or below :data:`DARK_LEVEL`
  (crushed shadows) and at or above :data:`BRIGHT_LEVEL` (clipped highlights, e.g. flash glare).

Problem codes: "too-dark", "too-bright", "blurred" (in that order). The UI words them.

JPEG (:func:`encode_jpeg`): scaled so the longest side is at most 1600 px, then the highest
quality (between :data:`MIN_QUALITY` and :data:`MAX_QUALITY`) whose file fits the byte target,
found by a short binary search (at most about 6 encodes). OpenCV writes a bare JFIF file: no
EXIF, no GPS, no camera serial, nothing identifying beyond the pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from spoke_client.capture.errors import FileRefused

#: Longest side (pixels) of the grey copy quality is measured on.
ASSESS_SIDE = 800
#: Below this Laplacian variance a picture is "blurred". A focused 640×480 webcam frame of
#: skin texture scores ≥ 150 at this scale; a Gaussian blur of sigma ≥ 3 px (at 1280 wide)
#: brings detailed scenes under 40.
BLUR_THRESHOLD = 60.0
#: Grey level at or below which a pixel counts as dark.
DARK_LEVEL = 35
#: Grey level at or above which a pixel counts as clipped.
BRIGHT_LEVEL = 245
#: "too-dark" when the mean is below this …
DARK_MEAN = 55.0
#: … or when more than this share of the picture is dark.
DARK_SHARE = 0.6
#: "too-bright" when the mean is above this …
BRIGHT_MEAN = 215.0
#: … or when more than this share of the picture is clipped.
BRIGHT_SHARE = 0.3

MIN_QUALITY = 40
MAX_QUALITY = 92
THUMBNAIL_QUALITY = 80


@dataclass(frozen=True)
class PhotoQuality:
    sharpness: float
    brightness: float
    dark_fraction: float
    bright_fraction: float
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_rgb(image: np.ndarray) -> None:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("expected an RGB H×W×3 uint8 image")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError("empty image")


def _fit(image: np.ndarray, longest_side: int) -> np.ndarray:
    """Scaled down (INTER_AREA) so the longest side is at most ``longest_side``."""
    h, w = image.shape[:2]
    longest = max(h, w)
    if longest <= longest_side:
        return image
    scale = longest_side / longest
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def assess(image_rgb: np.ndarray) -> PhotoQuality:
    """Measure focus and exposure; see the module docstring for the rules."""
    _check_rgb(image_rgb)
    grey = cv2.cvtColor(_fit(image_rgb, ASSESS_SIDE), cv2.COLOR_RGB2GRAY)
    sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    brightness = float(grey.mean())
    pixels = grey.size
    dark_fraction = float(np.count_nonzero(grey <= DARK_LEVEL)) / pixels
    bright_fraction = float(np.count_nonzero(grey >= BRIGHT_LEVEL)) / pixels
    problems: list[str] = []
    if brightness < DARK_MEAN or dark_fraction > DARK_SHARE:
        problems.append("too-dark")
    if brightness > BRIGHT_MEAN or bright_fraction > BRIGHT_SHARE:
        problems.append("too-bright")
    if not problems and sharpness < BLUR_THRESHOLD:
        problems.append("blurred")
    return PhotoQuality(
        sharpness=sharpness,
        brightness=brightness,
        dark_fraction=dark_fraction,
        bright_fraction=bright_fraction,
        problems=tuple(problems),
    )


def _jpeg(bgr: np.ndarray, quality: int) -> bytes:
    ok, data = cv2.imencode(
        ".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1]
    )
    if not ok:
        raise ValueError("JPEG encoding failed")
    return data.tobytes()


def encode_jpeg(
    image_rgb: np.ndarray, *, longest_side: int = 1600, target_bytes: int = 200_000
) -> bytes:
    """JPEG of ``image_rgb`` scaled to ``longest_side`` at most, at the best quality that fits
    ``target_bytes``; a picture that does not fit even at :data:`MIN_QUALITY` is returned at
    that quality (over the target) rather than degraded further."""
    _check_rgb(image_rgb)
    if longest_side <= 0 or target_bytes <= 0:
        raise ValueError("longest_side and target_bytes must be positive")
    bgr = cv2.cvtColor(_fit(image_rgb, longest_side), cv2.COLOR_RGB2BGR)
    best = _jpeg(bgr, MAX_QUALITY)
    if len(best) <= target_bytes:
        return best
    low, high = MIN_QUALITY, MAX_QUALITY - 1
    best = _jpeg(bgr, low)
    if len(best) > target_bytes:
        return best
    # Invariant: quality `low` fits; find the highest quality in (low, high] that fits too.
    while low < high:
        middle = (low + high + 1) // 2
        data = _jpeg(bgr, middle)
        if len(data) <= target_bytes:
            low, best = middle, data
        else:
            high = middle - 1
    return best


def thumbnail_jpeg(image_rgb: np.ndarray, size: int = 160) -> bytes:
    """A small JPEG whose longest side is ``size`` pixels (never enlarged)."""
    _check_rgb(image_rgb)
    if size <= 0:
        raise ValueError("size must be positive")
    bgr = cv2.cvtColor(_fit(image_rgb, size), cv2.COLOR_RGB2BGR)
    return _jpeg(bgr, THUMBNAIL_QUALITY)


def decode_image(data: bytes) -> np.ndarray:
    """RGB ``H×W×3 uint8`` of an attached JPEG or PNG (or any format OpenCV reads; EXIF
    orientation applied, alpha dropped, grey expanded, 16-bit reduced to 8-bit).

    Raises :class:`FileRefused` (reason "unreadable") when the bytes are not a picture."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    image = None
    if buffer.size:
        try:
            image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
        except cv2.error:
            image = None
    if image is None or image.size == 0:
        raise FileRefused(reason="unreadable", size=len(data))
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
