"""Capture benchmark: camera preview cost and frame-to-widget latency through a real Qt path.

A generated 640×480, 30 fps MJPG video is the camera (read through the real cv2.VideoCapture
path and paced at its frame rate by :class:`spoke_client.capture.camera.Camera`). Two phases,
measured in the same run:

1. camera only: the reader thread decoding and converting frames, nobody looking;
2. preview: the same plus a QLabel (offscreen platform) updated by a QTimer that takes
   ``camera.latest()``, wraps the RGB buffer in a QImage without copying
   (``QImage(array, w, h, bytesPerLine, Format_RGB888)``, which keeps a reference to the
   array), converts it to a QPixmap and sets it on the label.

For each phase: process CPU time per second of wall time (fraction of one core, from
``time.process_time`` deltas). For the preview: the frame-to-widget latency, from ``Frame.at``
(when the frame was read) to the moment its pixmap is set on the label, median and p95.

Ends with one JSON line: {"preview_cpu_fraction": …, "frame_latency_ms": …} (latency median).
Targets: ≤ 0.15 core, ≤ 50 ms. Not part of the pass/fail suite; always exits 0.

    .venv/bin/python bench/capture_bench.py [--seconds 10] [--timer-ms 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtGui import QImage, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

from spoke_client.capture.camera import Camera, CameraSource, Frame  # noqa: E402
from tests.capture.media_fixtures import make_pattern_video  # noqa: E402

CPU_TARGET = 0.15
LATENCY_TARGET_MS = 50.0


def run_for(app: QApplication, seconds: float) -> tuple[float, float]:
    """Run the Qt event loop for ``seconds``; return (wall seconds, CPU seconds)."""
    wall0, cpu0 = time.monotonic(), time.process_time()
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    return time.monotonic() - wall0, time.process_time() - cpu0


class Preview:
    """The preview path the UI uses: poll latest(), wrap without copying, set a pixmap."""

    def __init__(self, camera: Camera, label: QLabel, interval_ms: int) -> None:
        self.camera = camera
        self.label = label
        self.last_seq = -1
        self.latencies: list[float] = []
        self.shown = 0
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)

    def tick(self) -> None:
        frame: Frame | None = self.camera.latest()
        if frame is None or frame.seq == self.last_seq:
            return
        self.last_seq = frame.seq
        image = frame.image
        height, width = image.shape[:2]
        qimage = QImage(image, width, height, image.strides[0], QImage.Format.Format_RGB888)
        self.label.setPixmap(QPixmap.fromImage(qimage))
        self.latencies.append(time.monotonic() - frame.at)
        self.shown += 1


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--timer-ms", type=int, default=10, help="preview QTimer interval")
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        video = make_pattern_video(Path(folder) / "camera.avi", frames=300, fps=30)
        camera = Camera(CameraSource(location=str(video), width=640, height=480, fps=30))
        camera.start()
        try:
            if camera.wait_for_frame(timeout=10) is None:
                raise SystemExit(f"no frames: {camera.status()}")
            run_for(app, 1.0)  # warm-up

            first = camera.latest()
            wall, cpu = run_for(app, args.seconds)
            last = camera.latest()
            assert first is not None and last is not None
            camera_fps = (last.seq - first.seq) / wall
            camera_cpu = cpu / wall

            label = QLabel()
            label.resize(640, 480)
            label.show()
            preview = Preview(camera, label, args.timer_ms)
            preview.timer.start()
            run_for(app, 1.0)  # warm-up
            preview.latencies.clear()
            preview.shown = 0
            wall, cpu = run_for(app, args.seconds)
            preview.timer.stop()
            preview_cpu = cpu / wall
            shown_fps = preview.shown / wall
        finally:
            camera.stop()

    latencies_ms = [1000 * x for x in preview.latencies]
    median = statistics.median(latencies_ms)
    p95 = percentile(latencies_ms, 0.95)
    print(f"source: generated 640x480 MJPG at 30 fps; {args.seconds:.0f} s per phase")
    print(f"camera only:   {camera_cpu:.3f} core, {camera_fps:.1f} frames/s read")
    print(
        f"with preview:  {preview_cpu:.3f} core, {shown_fps:.1f} frames/s shown "
        f"(QTimer every {args.timer_ms} ms); preview/camera-only CPU "
        f"{preview_cpu / camera_cpu:.2f}x"
    )
    print(f"frame-to-widget latency: median {median:.1f} ms, p95 {p95:.1f} ms")
    verdict_cpu = "PASS" if preview_cpu <= CPU_TARGET else "MISS"
    verdict_latency = "PASS" if median <= LATENCY_TARGET_MS else "MISS"
    print(f"{verdict_cpu} preview CPU {preview_cpu:.3f} core (target <= {CPU_TARGET})")
    print(f"{verdict_latency} latency {median:.1f} ms (target <= {LATENCY_TARGET_MS:.0f})")
    print(
        json.dumps(
            {"preview_cpu_fraction": round(preview_cpu, 4), "frame_latency_ms": round(median, 2)}
        )
    )


if __name__ == "__main__":
    main()
