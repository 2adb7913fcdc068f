"""Draft recovery across a killed process: the app half-fills the vitals page, is SIGKILLed,
and the next login offers the draft and puts back every typed value on the vitals page."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from spoke_client.store.keyvault import KdfParams
from spoke_client.store.store import Store, StorePaths

from .app_driver import HALF, PIN

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("app_driver.py")


def _driver(data: Path, phase: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, str(DRIVER), str(data), phase],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _line(proc: subprocess.Popen, tag: str) -> dict:
    for line in proc.stdout:
        if line.startswith(tag + " "):
            return json.loads(line[len(tag) + 1 :])
    proc.wait(timeout=30)
    raise AssertionError(f"no {tag} line; stderr: {proc.stderr.read()[-3000:]}")


def test_a_killed_intake_is_offered_and_restored_exactly(tmp_path):
    data = tmp_path / "data"
    store, _code = Store.create(
        StorePaths(data),
        facility_code="HWC-7",
        facility_name="Sitapur",
        operator="asha",
        pin=PIN,
        kdf=KdfParams.light(),
    )
    store.close()

    filling = _driver(data, "fill")
    filled = _line(filling, "FILLED")
    assert filled["page"] == "vitals" and filled["vitals"] | HALF == filled["vitals"]
    filling.send_signal(signal.SIGKILL)
    filling.wait(timeout=30)
    assert filling.returncode == -signal.SIGKILL

    restoring = _driver(data, "restore")
    restored = _line(restoring, "RESTORED")
    assert restoring.wait(timeout=60) == 0, restoring.stderr.read()[-3000:]
    assert "unfinished intake for Kamla Devi was kept" in restored["offered"]
    assert restored["page"] == "vitals"
    typed = {k: v for k, v in restored["typed"].items() if v}
    assert typed == HALF  # every value as typed, the refused pulse included
    assert "300 is not possible here" in restored["pulse_message"]
