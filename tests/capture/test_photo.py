"""Photo quality, JPEG encoding and decoding on generated, seeded pictures."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from spoke_client.capture import photo
from spoke_client.capture.errors import FileRefused
from tests.capture.media_fixtures import (
    blurred_image,
    bright_image,
    dark_image,
    pattern_image,
    sharp_image,
)

SEEDS = range(6)
SIZES = [(640, 480), (1280, 960), (3000, 2000)]


def _cases() -> list[tuple[str, str, int, tuple[int, int], float]]:
    """(kind, seed, size, strength) for a seeded variety of pictures of each kind."""
    rng = np.random.default_rng(2026)
    cases = []
    for seed in SEEDS:
        size = SIZES[seed % len(SIZES)]
        cases.append(("sharp", seed, size, 0.0))
        cases.append(("blurred", seed, size, round(float(rng.uniform(3.0, 8.0)), 1)))
        cases.append(("dark", seed, size, round(float(rng.uniform(0.08, 0.3)), 2)))
        cases.append(("bright", seed, size, 0.0))
    return [(f"{k}-{seed}-{w}x{h}-{x}", k, seed, (w, h), x) for k, seed, (w, h), x in cases]


EXPECTED = {"sharp": (), "blurred": ("blurred",), "dark": ("too-dark",), "bright": ("too-bright",)}


def _picture(kind: str, seed: int, size: tuple[int, int], strength: float) -> np.ndarray:
    if kind == "blurred":
        return blurred_image(seed, size, sigma=strength)
    if kind == "dark":
        return dark_image(seed, size, gain=strength)
    return {"sharp": sharp_image, "bright": bright_image}[kind](seed, size)


CASES = _cases()


@pytest.mark.parametrize(
    ("name", "kind", "seed", "size", "strength"), CASES, ids=[c[0] for c in CASES]
)
def test_assess_sorts_every_picture(
    name: str, kind: str, seed: int, size: tuple[int, int], strength: float
) -> None:
    quality = photo.assess(_picture(kind, seed, size, strength))
    assert quality.problems == EXPECTED[kind], quality
    assert quality.ok == (kind == "sharp")
    assert 0 <= quality.brightness <= 255
    assert 0 <= quality.dark_fraction <= 1 and 0 <= quality.bright_fraction <= 1


def test_assess_measures_consistently() -> None:
    sharp = photo.assess(sharp_image(3))
    blurred = photo.assess(blurred_image(3))
    assert sharp.sharpness > photo.BLUR_THRESHOLD > blurred.sharpness
    assert photo.assess(dark_image(3)).brightness < photo.DARK_MEAN
    assert photo.assess(bright_image(3)).brightness > sharp.brightness
    # Measured at ~800 px: a large picture scores as its scaled-down copy does.
    big = sharp_image(4, (1600, 1200))
    small = cv2.resize(big, (800, 600), interpolation=cv2.INTER_AREA)
    assert photo.assess(big).sharpness == pytest.approx(photo.assess(small).sharpness, rel=0.01)
    # A black frame (lens cap) and a white one (glare) are exposure problems, not blur.
    assert photo.assess(np.zeros((480, 640, 3), np.uint8)).problems == ("too-dark",)
    assert photo.assess(np.full((480, 640, 3), 255, np.uint8)).problems == ("too-bright",)


def test_assess_rejects_what_is_not_an_rgb_image() -> None:
    with pytest.raises(ValueError):
        photo.assess(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError):
        photo.assess(np.zeros((10, 10, 3), np.float32))


def test_encode_jpeg_fits_a_detailed_photo_into_the_target() -> None:
    image = pattern_image(11, (3000, 2000), grain=16)
    data = photo.encode_jpeg(image)
    assert len(data) <= 200_000
    assert data[:2] == b"\xff\xd8"
    assert b"Exif" not in data[:4096]  # nothing but pixels: no EXIF block
    decoded = photo.decode_image(data)
    assert decoded.shape == (1067, 1600, 3)
    # Still the same picture: close to the original scaled down the same way.
    reference = cv2.resize(image, (1600, 1067), interpolation=cv2.INTER_AREA)
    error = np.abs(decoded.astype(np.int16) - reference.astype(np.int16)).mean()
    assert error < 12, error
    # The best quality that fits was chosen: a much larger target gives a larger file.
    assert len(photo.encode_jpeg(image, target_bytes=2_000_000)) > len(data)


def test_encode_jpeg_keeps_small_pictures_and_never_goes_below_quality_40() -> None:
    small = sharp_image(1, (640, 480))
    data = photo.encode_jpeg(small)
    assert photo.decode_image(data).shape == (480, 640, 3)
    # An impossible target: the result is the quality-40 file, over the target.
    tiny = photo.encode_jpeg(small, target_bytes=1_000)
    bgr = cv2.cvtColor(small, cv2.COLOR_RGB2BGR)
    floor = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 40, cv2.IMWRITE_JPEG_OPTIMIZE, 1])[
        1
    ]
    assert len(tiny) == len(floor.tobytes()) > 1_000


def test_encode_jpeg_keeps_portrait_orientation() -> None:
    portrait = sharp_image(2, (1200, 2400))
    assert photo.decode_image(photo.encode_jpeg(portrait)).shape == (1600, 800, 3)


def test_thumbnail_size() -> None:
    thumb = photo.decode_image(photo.thumbnail_jpeg(sharp_image(5, (1280, 960))))
    assert thumb.shape == (120, 160, 3)
    tall = photo.decode_image(photo.thumbnail_jpeg(sharp_image(5, (300, 600)), size=100))
    assert tall.shape == (100, 50, 3)
    tiny = photo.decode_image(photo.thumbnail_jpeg(sharp_image(5, (64, 48))))
    assert tiny.shape == (48, 64, 3)  # never enlarged


def test_decode_image_reads_png_and_jpeg_in_rgb_order() -> None:
    image = np.zeros((40, 60, 3), np.uint8)
    image[:, :, 0] = 255  # pure red, RGB
    png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))[1].tobytes()
    assert np.array_equal(photo.decode_image(png), image)
    jpeg = photo.encode_jpeg(image)
    red = photo.decode_image(jpeg).reshape(-1, 3).mean(axis=0)
    assert red[0] > 240 and red[1] < 15 and red[2] < 15


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a picture at all",
        b"\xff\xd8\xff\xe0" + bytes(200),
        b"\x89PNG\r\n\x1a\n" + bytes(50),
    ],
    ids=["empty", "text", "broken-jpeg", "broken-png"],
)
def test_decode_image_refuses_garbage(data: bytes) -> None:
    with pytest.raises(FileRefused) as refused:
        photo.decode_image(data)
    assert refused.value.params == {"reason": "unreadable", "size": len(data)}
    assert refused.value.code == "file-refused"
