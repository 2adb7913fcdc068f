"""The composition root: data folder → engine host (key vault, store, engine) → window.

Nothing else builds these objects; every screen gets what it needs from here.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta, timezone
from pathlib import Path

from PySide6.QtWidgets import QApplication

from spoke_client.engine.host import EngineHost
from spoke_client.store.paths import StorePaths
from spoke_client.store.timestamps import utc_now
from spoke_client.ui.bridge import Bridge
from spoke_client.ui.common import AppContext
from spoke_client.ui.i18n import Languages, load_fonts
from spoke_client.ui.main_window import MainWindow

# India has one time zone and no daylight saving; a fixed offset needs no tz database.
IST = timezone(timedelta(hours=5, minutes=30), "IST")
SCREEN = (1366, 768)


def build(data_dir: Path, app: QApplication) -> tuple[MainWindow, EngineHost]:
    """Wire everything for one data folder. Returns the (not yet shown) window and host."""
    load_fonts(app)
    host = EngineHost(StorePaths(data_dir), clock=utc_now, tz=IST)
    host.start()
    ctx = AppContext(bridge=Bridge(host), go=lambda *_a, **_k: None, tz=IST, settings=host.settings)
    window = MainWindow(ctx, Languages(app))
    window.resize(*SCREEN)
    return window, host


def main(data_dir: Path, argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication([sys.argv[0], *(argv or [])])
    app.setApplicationName("Spoke")
    window, host = build(data_dir, app)
    try:
        window.start()
        if os.environ.get("SPOKE_FULLSCREEN") == "1":
            window.showFullScreen()
        else:
            window.show()
        code = app.exec()
        window.finish_pending(timeout_ms=10_000)  # what was typed last reaches the store
        return code
    finally:
        host.stop()  # quitting forgets the key


def run_from_cli(args: argparse.Namespace) -> int:
    return main(Path(args.data_dir))
