"""UI benchmark: GUI event-loop stalls under engine load, and start-up against a bare window.

1. Stall: the real window, logged in on a real encrypted store holding 10,000 patients.
   A 5 ms QTimer ticks on the GUI thread while 1,000 drafts are saved (back to back, one
   in flight at a time as the wizard's autosave does) and a patient search over the 10,000
   runs through the bridge; the longest gap between ticks beyond 5 ms is the stall.
2. Start-up: process start to the login screen shown, against a bare PySide6 window
   started the same way (same interpreter, same platform plugin), interleaved, median of
   several runs each; and the app's resident memory at login.

Ends with one JSON line: {"max_gui_stall_ms": …, "login_vs_bare": …, "rss_mb": …}.
Targets: stall ≤ 50 ms, login ≤ 2× bare, RSS ≤ 150 MB. Not part of the pass/fail suite.

    .venv/bin/python bench/ui_bench.py [--patients 10000] [--drafts 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PIN = "246810"

# The app, started the same way as the bare window: a -c script, nothing else imported.
APP = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from spoke_client.app import build
app = QApplication(sys.argv)
window, host = build(Path(sys.argv[1]), app)
window.start()
window.show()
def poll():
    if window.current_screen().name == "login" and window.login.operator.count():
        rss = [l for l in open("/proc/self/status") if l.startswith("VmRSS:")][0].split()[1]
        sys.stdout.write(f"SHOWN {int(rss) / 1024:.1f}\\n"); sys.stdout.flush(); app.quit()
    else:
        QTimer.singleShot(1, poll)
QTimer.singleShot(0, poll)
app.exec()
host.stop()
"""

BARE = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv)
w = QLabel("Spoke")
w.resize(1366, 768)
w.show()
def shown():
    sys.stdout.write("SHOWN\\n"); sys.stdout.flush(); app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


def time_to_shown(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    took = time.perf_counter() - start
    proc.wait(timeout=60)
    if not line.startswith("SHOWN"):
        raise RuntimeError(f"child did not report: {line!r}")
    return took, line


def make_store(root: Path, patients: int) -> Path:
    from spoke_client.domain.patient import Patient
    from spoke_client.store.keyvault import KdfParams
    from spoke_client.store.store import Store, StorePaths

    paths = StorePaths(root / "data")
    store, _ = Store.create(
        paths,
        facility_code="B-1",
        facility_name="Bench",
        operator="asha",
        pin=PIN,
        kdf=KdfParams.light(),
    )
    rng = random.Random(7)
    first = ["Sita", "Gita", "Ram", "Mohan", "Lakshmi", "Asha", "Ravi", "Meena", "Kiran", "Anil"]
    last = ["Devi", "Kumar", "Yadav", "Patel", "Singh", "Sharma", "Bai", "Khan", "Das", "Rao"]
    villages = ["Rampur", "Sitapur", "Khedi", "Bhanpur", "Kalyanpur"]
    with store.write():
        for i in range(patients):
            p = Patient.create(
                today=date.today(),
                name=f"{rng.choice(first)} {rng.choice(last)}",
                sex=rng.choice(["female", "male"]),
                age_years=rng.randrange(1, 90),
                guardian_name="Ramesh",
                mobile=f"9{i:09d}",
                village=rng.choice(villages),
                address="",
            )
            store.patients.write_in_transaction(p)
    store.close()
    return paths.root


def stall_run(data_dir: Path, drafts: int) -> dict:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from spoke_client.app import build

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window, host = build(data_dir, app)
    window.show()
    host.thread.run(host.unlock("asha", PIN))
    engine = host.engine
    bridge = window.ctx.bridge
    patient = host.thread.run(engine.search_patients("9000000001"))[0]
    eid = host.thread.run(engine.save_draft(None, patient.id, {}, "vitals")).encounter_id

    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]
    gaps: list[int] = []
    done = {"drafts": 0, "search": None, "saved_all": False}

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    ticker = QTimer()
    ticker.setInterval(5)
    ticker.timeout.connect(tick)
    ticker.start()

    def save_next(_r=None) -> None:
        # As the wizard's autosave does: one save in flight, the next when it lands.
        if done["drafts"] < drafts:
            draft = {"pulse": str(60 + done["drafts"] % 40)}
            done["drafts"] += 1
            bridge.call(engine.save_draft(eid, patient.id, draft, "vitals"), save_next)
        else:
            done["saved_all"] = True

    start = time.perf_counter()
    save_next()
    bridge.call(engine.search_patients("Devi"), lambda r: done.__setitem__("search", len(r)))
    while not done["saved_all"] or done["search"] is None:
        app.processEvents()
    took = time.perf_counter() - start
    ticker.stop()
    window.close()
    host.stop()
    stall = max(gaps) - 5 if gaps else 0
    return {
        "stall_ms": stall,
        "seconds": took,
        "search_results": done["search"],
        "ticks": len(gaps),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--drafts", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        sys.stdout.write(f"making a store with {args.patients} patients…\n")
        data_dir = make_store(Path(tmp), args.patients)
        stall = stall_run(data_dir, args.drafts)
        sys.stdout.write(
            f"GUI stall: {stall['stall_ms']} ms longest extra gap over {stall['ticks']} ticks "
            f"while {args.drafts} drafts saved and a search returned {stall['search_results']} "
            f"patients ({stall['seconds']:.1f} s)\n"
        )
        bare_times, app_times, rss = [], [], []
        for _ in range(args.runs):
            bare_times.append(time_to_shown([sys.executable, "-c", BARE])[0])
            took, line = time_to_shown([sys.executable, "-c", APP, str(data_dir)])
            app_times.append(took)
            rss.append(float(line.split()[1]))
    bare, login = statistics.median(bare_times), statistics.median(app_times)
    ratio = login / bare
    sys.stdout.write(
        f"start-up to shown (median of {args.runs}): bare window {bare * 1000:.0f} ms, "
        f"login screen {login * 1000:.0f} ms → {ratio:.2f}× bare; RSS at login "
        f"{statistics.median(rss):.0f} MB\n"
    )
    verdict = lambda ok: "PASS" if ok else "MISS"  # noqa: E731
    sys.stdout.write(
        f"targets: stall ≤ 50 ms {verdict(stall['stall_ms'] <= 50)}; login ≤ 2× bare "
        f"{verdict(ratio <= 2)}; RSS ≤ 150 MB {verdict(statistics.median(rss) <= 150)}\n"
    )
    sys.stdout.write(
        json.dumps(
            {
                "max_gui_stall_ms": stall["stall_ms"],
                "login_vs_bare": round(ratio, 2),
                "rss_mb": round(statistics.median(rss), 1),
            }
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
