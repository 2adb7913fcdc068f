"""The layer table of DESIGN.md, enforced by import-linter's contracts in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Contracts: 8 kept, 0 broken." in r.stdout, r.stdout


def test_a_broken_contract_is_caught(tmp_path):
    """The check can fail: a domain module importing the store breaks a contract."""
    bad = ROOT / "spoke_client" / "domain" / "_layer_probe.py"
    bad.write_text("from spoke_client.store import errors  # noqa: F401\n")
    try:
        lint = Path(sys.executable).with_name("lint-imports")
        r = subprocess.run(
            [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
        )
    finally:
        bad.unlink()
    assert r.returncode != 0 and "BROKEN" in r.stdout, r.stdout
