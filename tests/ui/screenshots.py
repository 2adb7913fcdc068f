"""Screenshots of every screen at 1366×768 in English and Hindi (synthetic data only).

scripts/screenshots            → test-output/screenshots/{en,hi}/NN-screen.png
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.ui.tour import clipped_texts, tour  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def main() -> int:
    app = QApplication(sys.argv[:1])
    problems = 0
    for language in ("en", "hi"):
        folder = OUT / language
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            for name, window in tour(Path(tmp) / "data", language):
                path = folder / f"{name}.png"
                window.grab().save(str(path))
                clipped = clipped_texts(window)
                problems += len(clipped)
                note = "" if not clipped else f"  CLIPPED: {clipped}"
                sys.stdout.write(f"{path.relative_to(OUT.parent.parent)}{note}\n")
    app.quit()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
