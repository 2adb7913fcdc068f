"""spoke-client as district IT uses it: real subprocesses, PINs on standard input."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spoke_client.store.errors import OperatorLocked, WrongPin
from spoke_client.store.keyvault import KeyVault
from spoke_client.store.store import Store, StorePaths
from tests.store.test_repos import patient, ready_encounter

ROOT = Path(__file__).resolve().parents[2]
PIN = "246810"


def cli(*args: str, stdin: str = "", data: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "spoke_client.cli"]
    if data is not None:
        cmd += ["--data-dir", str(data)]
    return subprocess.run(
        cmd + list(args),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def init(data: Path) -> str:
    r = cli(
        "init",
        "--facility-code",
        "HWC-0042",
        "--facility-name",
        "Rampur Sub-centre",
        "--operator",
        "asha",
        "--kdf-seconds",
        "0.05",
        stdin=f"{PIN}\n{PIN}\n",
        data=data,
    )
    assert r.returncode == 0, r.stderr
    code = re.search(r"^\s+([0-9A-Z]{5}(?:-[0-9A-Z]{5}){4})\s*$", r.stdout, re.M)
    assert code, r.stdout
    return code.group(1)


def test_help_explains_each_command():
    r = cli("--help")
    assert r.returncode == 0
    for command in ("init", "operator", "doctor", "export", "restore"):
        assert re.search(rf"^\s+{command}\s+\S", r.stdout, re.M), command
    assert "reset-pin" in cli("operator", "--help").stdout


def test_init_then_operators_and_a_locked_out_operator(tmp_path):
    data = tmp_path / "data"
    code = init(data)
    again = cli(
        "init",
        "--facility-code",
        "X",
        "--facility-name",
        "Y",
        "--operator",
        "z",
        data=data,
        stdin=f"{PIN}\n{PIN}\n",
    )
    assert again.returncode == 1 and "already exists" in again.stderr
    r = cli(
        "--operator", "asha", "operator", "add", "ravi", stdin=f"{PIN}\n135799\n135799\n", data=data
    )
    assert r.returncode == 0, r.stderr
    r = cli("operator", "add", "x", stdin=f"{PIN}\n", data=data)
    assert r.returncode == 1 and "--operator" in r.stderr  # two operators now: say which
    r = cli("--operator", "ravi", "operator", "add", "meena", stdin="135799\n12\n12\n", data=data)
    assert r.returncode == 1 and "at least 6 digits" in r.stderr
    r = cli("--operator", "ravi", "doctor", stdin="000000\n", data=data)
    assert r.returncode == 1 and "Wrong PIN for ravi. 4 tries left" in r.stdout
    r = cli("--operator", "ravi", "doctor", stdin="000001\n", data=data)
    assert "3 tries left" in r.stdout
    r = cli("--operator", "ravi", "doctor", stdin="135799\n", data=data)
    assert re.search(r"wait \d+ seconds before trying again", r.stdout), r.stdout
    # The rest of the way to a lock-out, on a clock the test moves (the CLI waits for real).
    later = [time.time() + 3600]
    vault = KeyVault(StorePaths(data).keyslots, clock=lambda: later[0])
    for _ in range(3):
        later[0] += 60
        with pytest.raises((WrongPin, OperatorLocked)):
            vault.unlock("ravi", "000000")
    r = cli("--operator", "ravi", "doctor", stdin="135799\n", data=data)
    assert "ravi is locked out" in r.stdout and "reset-pin ravi" in r.stdout
    listing = cli("operator", "list", data=data).stdout
    assert re.search(r"^ravi: LOCKED", listing, re.M) and re.search(r"^asha: ok", listing, re.M)
    r = cli("operator", "reset-pin", "ravi", stdin=f"{code.lower()}\n975311\n975311\n", data=data)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^ravi: ok", cli("operator", "list", data=data).stdout, re.M)
    r = cli("--operator", "ravi", "doctor", stdin="975311\n", data=data)
    assert r.returncode == 0 and "All checks passed" in r.stdout, r.stdout + r.stderr


def test_doctor_finds_a_damaged_media_file(tmp_path):
    data = tmp_path / "data"
    init(data)
    store = Store.open(StorePaths(data), operator="asha", pin=PIN)
    p = patient()
    e = ready_encounter(p)
    store.encounters.save(e, patient=p)
    with store.media.writer("0192f000-0000-7000-8000-00000000abcd") as w:
        w.write(b"\xff\xd8" + os.urandom(5000))
    store.attachments.add(e.id, w.sealed, kind="photo", mime="image/jpeg")
    store.close()
    r = cli("doctor", stdin=f"{PIN}\n", data=data)
    assert r.returncode == 0, r.stdout
    assert "integrity_check and cipher_integrity_check clean" in r.stdout
    target = data / "media" / "0192f000-0000-7000-8000-00000000abcd.enc"
    raw = bytearray(target.read_bytes())
    raw[100] ^= 0x01
    target.write_bytes(bytes(raw))
    r = cli("doctor", stdin=f"{PIN}\n", data=data)
    assert r.returncode == 1
    assert "[PROBLEM] Media files: 1 of 1 file(s) missing or damaged" in r.stdout
    assert "What to do:" in r.stdout


def test_export_then_restore_brings_back_everything(tmp_path):
    data, backup, fresh = tmp_path / "data", tmp_path / "usb" / "backup", tmp_path / "new-desktop"
    code = init(data)
    store = Store.open(StorePaths(data), operator="asha", pin=PIN)
    media_sha = {}
    for i in range(30):
        p = patient(
            name=f"Patient {'abcdefghijklmnopqrstuvwxyz'[i % 26]}devi",
            mobile=f"98765{i:05d}",
            abha_number=None,
        )
        if i % 2:
            store.patients.save(p)
            continue
        e = ready_encounter(p)
        store.encounters.save(e, patient=p)
        if i % 3 == 0:
            photo = os.urandom(150_000)
            media_id = f"0192f000-0000-7000-8000-{i:012d}"
            with store.media.writer(media_id) as w:
                w.write(photo)
            store.attachments.add(e.id, w.sealed, kind="photo", mime="image/jpeg")
            media_sha[media_id] = hashlib.sha256(photo).hexdigest()
    before = {
        "patients": store.conn.execute("SELECT * FROM patients ORDER BY id").fetchall(),
        "encounters": store.conn.execute("SELECT * FROM encounters ORDER BY id").fetchall(),
        "vitals": store.conn.execute("SELECT * FROM vitals ORDER BY encounter_id, kind").fetchall(),
    }
    store.close()

    r = cli("export", str(backup), stdin=f"{PIN}\n", data=data)
    assert r.returncode == 0, r.stderr
    assert "30 patients, 15 encounters, 5 media files" in r.stdout
    assert not (backup / "spoke.db").read_bytes().startswith(b"SQLite format 3")

    r = cli("restore", str(backup), stdin="00000-00000-00000-00000-00000\n", data=fresh)
    assert r.returncode == 1 and "recovery code is not right" in r.stderr
    assert not fresh.exists() or not any(fresh.iterdir())
    r = cli("restore", str(backup), stdin=f"{code}\n", data=fresh)
    assert r.returncode == 0, r.stderr
    r = cli("restore", str(backup), stdin=f"{code}\n", data=fresh)
    assert r.returncode == 1 and "not empty" in r.stderr

    restored = Store.open_with_recovery(StorePaths(fresh), code)
    try:
        after = {
            "patients": restored.conn.execute("SELECT * FROM patients ORDER BY id").fetchall(),
            "encounters": restored.conn.execute("SELECT * FROM encounters ORDER BY id").fetchall(),
            "vitals": restored.conn.execute(
                "SELECT * FROM vitals ORDER BY encounter_id, kind"
            ).fetchall(),
        }
        assert after == before
        got = {m: hashlib.sha256(restored.attachments.read(m)).hexdigest() for m in media_sha}
        assert got == media_sha
    finally:
        restored.close()
    # Operators' PINs work on the restored copy too.
    assert cli("doctor", stdin=f"{PIN}\n", data=fresh).returncode == 0


def test_a_damaged_backup_is_refused_and_restores_nothing(tmp_path):
    data, backup, fresh = tmp_path / "data", tmp_path / "b", tmp_path / "fresh"
    code = init(data)
    assert cli("export", str(backup), stdin=f"{PIN}\n", data=data).returncode == 0
    db = backup / "spoke.db"
    raw = bytearray(db.read_bytes())
    raw[5000] ^= 0xFF
    db.write_bytes(bytes(raw))
    r = cli("restore", str(backup), stdin=f"{code}\n", data=fresh)
    assert r.returncode == 1 and "damaged or incomplete" in r.stderr
    assert not fresh.exists() or not any(fresh.iterdir())


@pytest.mark.parametrize("args", [["doctor"], ["export", "x"], ["operator", "list"]])
def test_commands_without_a_store_say_how_to_make_one(tmp_path, args):
    r = cli(*args, data=tmp_path / "nothing", stdin="")
    out = r.stdout + r.stderr
    assert r.returncode == 1 and ("init" in out or "no Spoke store" in out), out


def test_no_command_without_a_screen_says_so_in_words(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    r = subprocess.run(
        [sys.executable, "-m", "spoke_client.cli", "--data-dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
    )
    assert r.returncode == 1 and "no screen to show the app on" in r.stderr
