"""Generated test media: nothing here is read from a file in the repository.

- :func:`make_pattern_video` writes an MJPG ``.avi`` whose frames show a moving bright square,
  the frame number as text, the frame number as a row of black/white bit blocks that
  :func:`frame_number` reads back (robust to JPEG loss), and a pure red patch in the top right
  corner (:data:`RED_PATCH`) that shows the channel order.
- :func:`pattern_image` and friends make seeded still pictures: detailed (sharp), blurred, dark
  and overexposed versions of the same scene.
- :func:`serve_mjpeg` (also ``python media_fixtures.py serve-mjpeg PORT``) serves an endless
  ``multipart/x-mixed-replace`` MJPEG stream over HTTP on 127.0.0.1, the way IP cameras do; the
  camera tests run it as a subprocess and kill it.
"""

from __future__ import annotations

import http.server
import sys
import time
from pathlib import Path

import cv2
import numpy as np

#: (rows, columns) of the red patch, as slices relative to a frame of width ``w``.
RED_PATCH = (slice(8, 32), slice(-32, -8))
BITS = 16  # frame numbers up to 65535
_BIT_W = 24
_BIT_H = 16
_BIT_TOP = 4


def _draw_frame_number(bgr: np.ndarray, n: int) -> None:
    for bit in range(BITS):
        value = 255 if (n >> bit) & 1 else 0
        x = 4 + bit * _BIT_W
        bgr[_BIT_TOP : _BIT_TOP + _BIT_H, x : x + _BIT_W - 4] = value


def frame_number(image: np.ndarray) -> int:
    """The number drawn by :func:`pattern_frame` (works on RGB or BGR, after JPEG)."""
    grey = image.mean(axis=2) if image.ndim == 3 else image
    n = 0
    for bit in range(BITS):
        x = 4 + bit * _BIT_W
        block = grey[_BIT_TOP + 4 : _BIT_TOP + _BIT_H - 4, x + 4 : x + _BIT_W - 8]
        if float(block.mean()) > 127:
            n |= 1 << bit
    return n


def pattern_frame(n: int, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """Frame ``n`` of the test video, BGR (as OpenCV writes it)."""
    width, height = size
    bgr = np.full((height, width, 3), (60, 90, 40), np.uint8)
    bgr[:, :, 0] = np.linspace(40, 120, width, dtype=np.uint8)[None, :]
    side = max(16, height // 6)
    x = (n * 7) % max(1, width - side)
    y = height // 2 - side // 2 + int((height // 4) * np.sin(n / 10))
    cv2.rectangle(bgr, (x, y), (x + side, y + side), (255, 255, 255), -1)
    cv2.putText(bgr, str(n), (10, height - 20), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (0, 255, 255), 3)
    _draw_frame_number(bgr, n)
    bgr[4:36, width - 36 : width - 4] = (0, 0, 255)  # pure red in BGR: shows channel order
    return bgr


def make_pattern_video(
    path: str | Path, frames: int = 90, fps: float = 30, size: tuple[int, int] = (640, 480)
) -> Path:
    """Write an MJPG ``.avi`` of :func:`pattern_frame` 0..frames-1 and return its path."""
    path = Path(path)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), float(fps), size)
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {path}")
    try:
        for n in range(frames):
            writer.write(pattern_frame(n, size))
    finally:
        writer.release()
    return path


def pattern_image(
    seed: int = 0, size: tuple[int, int] = (1280, 960), grain: float = 3.0
) -> np.ndarray:
    """A detailed, well exposed RGB scene (shaded background, shapes, lines, text, and sensor
    grain of ``grain`` grey levels), different for each seed."""
    rng = np.random.default_rng(seed)
    width, height = size
    base = rng.uniform(110, 170, 3)
    yy, xx = np.ogrid[0:height, 0:width]
    shade = 25 * np.cos(yy / rng.uniform(80, 200)) * np.sin(xx / rng.uniform(80, 200))
    image = np.clip(base[None, None, :] + shade[:, :, None], 0, 255).astype(np.uint8)
    scale = max(width, height) / 1280
    for _ in range(int(rng.integers(25, 45))):
        colour = tuple(int(c) for c in rng.integers(20, 235, 3))
        kind = int(rng.integers(0, 3))
        cx, cy = int(rng.integers(0, width)), int(rng.integers(0, height))
        if kind == 0:
            radius = int(rng.integers(10, 80) * scale)
            cv2.circle(image, (cx, cy), radius, colour, int(rng.choice([-1, 2, 4])))
        elif kind == 1:
            ex, ey = int(rng.integers(0, width)), int(rng.integers(0, height))
            cv2.line(image, (cx, cy), (ex, ey), colour, int(rng.integers(1, 4)))
        else:
            w, h = int(rng.integers(20, 150) * scale), int(rng.integers(20, 150) * scale)
            cv2.rectangle(image, (cx, cy), (cx + w, cy + h), colour, int(rng.choice([-1, 2])))
    for _ in range(6):
        text = "".join(rng.choice(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), 6))
        org = (int(rng.integers(0, max(1, width - 200))), int(rng.integers(0, height) + 20))
        cv2.putText(
            image,
            text,
            org,
            cv2.FONT_HERSHEY_SIMPLEX,
            1.2 * scale,
            (20, 20, 20),
            max(1, int(2 * scale)),
        )
    noise = rng.standard_normal(image.shape, dtype=np.float32) * np.float32(grain)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def sharp_image(seed: int = 0, size: tuple[int, int] = (1280, 960)) -> np.ndarray:
    return pattern_image(seed, size)


def blurred_image(
    seed: int = 0, size: tuple[int, int] = (1280, 960), sigma: float = 5.0
) -> np.ndarray:
    """The sharp scene out of focus (Gaussian blur, ``sigma`` pixels at 1280 wide)."""
    sigma *= max(size) / 1280
    return cv2.GaussianBlur(sharp_image(seed, size), (0, 0), sigma)


def dark_image(
    seed: int = 0, size: tuple[int, int] = (1280, 960), gain: float = 0.15
) -> np.ndarray:
    """The sharp scene badly underexposed."""
    return (sharp_image(seed, size).astype(np.float32) * gain).astype(np.uint8)


def bright_image(seed: int = 0, size: tuple[int, int] = (1280, 960)) -> np.ndarray:
    """The sharp scene overexposed: most of it clipped to white."""
    image = sharp_image(seed, size).astype(np.float32) * 0.6 + 150
    return np.clip(image, 0, 255).astype(np.uint8)


# --- an MJPEG-over-HTTP camera ------------------------------------------------------------


def serve_mjpeg(port: int, fps: float = 15.0, size: tuple[int, int] = (640, 480)) -> None:
    """Serve :func:`pattern_frame` as an endless MJPEG stream on 127.0.0.1:``port`` (0 picks a
    free port); prints ``READY <port>`` once listening. Runs until killed."""
    period = 1.0 / fps

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            n = 0
            due = time.monotonic()
            try:
                while True:
                    ok, jpeg = cv2.imencode(".jpg", pattern_frame(n, size))
                    data = jpeg.tobytes()
                    self.wfile.write(
                        b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                        % len(data)
                        + data
                        + b"\r\n"
                    )
                    self.wfile.flush()
                    n += 1
                    due += period
                    time.sleep(max(0.0, due - time.monotonic()))
            except (BrokenPipeError, ConnectionResetError):
                return

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    sys.stdout.write(f"READY {server.server_address[1]}\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "serve-mjpeg":
        serve_mjpeg(int(sys.argv[2]), *(float(a) for a in sys.argv[3:4]))
    else:
        sys.stderr.write("usage: media_fixtures.py serve-mjpeg PORT [FPS]\n")
        sys.exit(2)
