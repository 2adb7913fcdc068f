"""The district IT commands for the hub link, as real subprocesses with the PIN on standard
input: ``init``, ``provision`` (with --hub/--code and with --file), ``status``, ``sync --once``
against a real hub, the same with the hub stopped, and a wrong PIN. Cases are made in between
by the real engine on the same store (one process at a time on a store)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from spoke_client.store.keyvault import KdfParams
from spoke_client.store.store import Store, StorePaths

from .spoke import PIN, Spoke

ROOT = Path(__file__).resolve().parents[2]


def cli(data: Path, *args: str, stdin: str = f"{PIN}\n") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spoke_client.cli", "--data-dir", str(data), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def init(data: Path, facility: str = "HWC-0042") -> None:
    r = cli(
        data,
        "init",
        "--facility-code",
        facility,
        "--facility-name",
        "Rampur Sub-centre",
        "--operator",
        "asha",
        "--kdf-seconds",
        "0.05",
        stdin=f"{PIN}\n{PIN}\n",
    )
    assert r.returncode == 0, r.stderr


def make_cases(data: Path, count: int, photos: int) -> tuple[list[str], dict, int]:
    """Cases made by the real engine on the CLI's store, then closed. Returns the case ids,
    the photos (id -> sha256) and what waits to be sent (ops + files)."""
    spoke = Spoke(data)  # opens the existing store as operator asha
    try:
        cases = spoke.make_cases(count, photos=photos, photo_bytes=40_000, seed=41)
        waiting = spoke.waiting()
        return cases, dict(spoke.photos), waiting["ops"] + waiting["media"]
    finally:
        spoke.close()


def test_provision_status_and_sync_from_the_command_line(tmp_path, hub):
    data = tmp_path / "data"
    init(data)

    r = cli(data, "sync", "--once")
    assert r.returncode == 1
    assert "not enrolled with a hub yet" in r.stdout
    assert "provision --hub URL --code CODE" in r.stdout

    code = hub.enrol_code("HWC-0042", "Rampur Sub-centre")
    r = cli(data, "provision", "--hub", hub.url, "--code", code, "--device-name", "desk 1")
    assert r.returncode == 0, r.stderr
    enrolled = re.search(
        r"Enrolled with the hub at (\S+) as device (\S+), for Rampur Sub-centre \(HWC-0042\)\.",
        r.stdout,
    )
    assert enrolled and enrolled[1] == hub.url, r.stdout
    assert "Queued work will be sent at the next sync." in r.stdout
    assert code not in r.stdout  # the code (and the token) are never printed
    assert "Note: this desktop was set up as" not in r.stdout  # same centre: no warning
    device = enrolled[2]

    cases, photos, waiting = make_cases(data, 3, photos=1)
    assert waiting == 3 + 3 + 1 + 1  # patients, cases, the photo's record, the photo's file
    r = cli(data, "status")
    assert r.returncode == 0, r.stderr
    assert f"Hub: {hub.url} (device {device}, facility HWC-0042, enrolled " in r.stdout
    assert re.search(rf"^Waiting to send: {waiting} item\(s\), [1-9]\d* KB$", r.stdout, re.M)
    assert "Last successful sync: never" in r.stdout
    # The failed sync before enrolment is not shown as a problem any more.
    assert "Last problem" not in r.stdout
    assert "Refused by the hub: 0 item(s)" in r.stdout

    r = cli(data, "sync", "--once")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (
        "Sync done: 7 change(s) sent, 1 file(s) uploaded, 0 change(s) received from the hub."
        in r.stdout
    )
    assert "Still waiting: 0 item(s), 0 KB." in r.stdout
    facility = hub.stats()["facilities"]["HWC-0042"]
    assert sorted(facility["encounter_ids"]) == sorted(cases)
    assert facility["media"] == photos

    # The hub goes away: sync says so in words, exits 1, and keeps everything queued.
    hub.stop()
    more, _photos, waiting = make_cases(data, 1, photos=0)
    r = cli(data, "sync", "--once")
    assert r.returncode == 1
    assert "Sync FAILED: The hub could not be reached (no network, or the hub is down)." in r.stdout
    assert "Everything stays queued" in r.stdout
    assert f"Still waiting: {waiting} item(s)" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    r = cli(data, "status")
    assert r.returncode == 0
    assert "Last problem: The hub could not be reached" in r.stdout
    assert re.search(r"^Last successful sync: \d{4}-\d\d-\d\dT", r.stdout, re.M), r.stdout
    assert f"Waiting to send: {waiting} item(s)" in r.stdout

    hub.start()
    hub.cli("case", "message", cases[0], "Send the patient's weight, please.")
    r = cli(data, "sync", "--once")
    assert r.returncode == 0, r.stdout
    assert "Sync done: 2 change(s) sent, 0 file(s) uploaded, 1 change(s) received" in r.stdout
    assert "Still waiting: 0 item(s)" in r.stdout
    assert more[0] in hub.stats()["facilities"]["HWC-0042"]["encounter_ids"]


def quick_store(data: Path, facility: str) -> None:
    """A store made in-process with a cheap PIN derivation (the CLI's init is tested above)."""
    store, _ = Store.create(
        StorePaths(data),
        facility_code=facility,
        facility_name="Sonpur Sub-centre",
        operator="asha",
        pin=PIN,
        kdf=KdfParams.light(),
    )
    store.close()


def test_provision_from_a_file_and_a_used_code(tmp_path, hub):
    data, other = tmp_path / "data", tmp_path / "other"
    quick_store(data, "HWC-0099")  # set up with a mistyped centre code
    quick_store(other, "HWC-0043")
    code = hub.enrol_code("HWC-0043", "Sonpur Sub-centre")
    toml = tmp_path / "provision.toml"
    toml.write_text(
        f'[hub]\nurl = "{hub.url}"\nenrol_code = "{code}"\ndevice_name = "Sonpur desk"\n'
    )
    r = cli(data, "provision", "--file", str(toml))
    assert r.returncode == 0, r.stderr
    assert f"Enrolled with the hub at {hub.url}" in r.stdout
    assert "for Sonpur Sub-centre (HWC-0043)" in r.stdout
    # District IT is told the store's centre code and the hub's do not match.
    assert (
        "Note: this desktop was set up as Sonpur Sub-centre (HWC-0099), but the hub enrolled"
        " it for Sonpur Sub-centre (HWC-0043)." in r.stdout
    )

    r = cli(other, "provision", "--file", str(toml))
    assert r.returncode == 1
    assert "That enrolment code is not valid: it was already used" in r.stderr
    assert "Traceback" not in r.stderr
    store = Store.open(StorePaths(other), operator="asha", pin=PIN)
    try:
        assert store.sync.link() is None
    finally:
        store.close()


def test_a_wrong_pin_is_told_plainly(tmp_path):
    data = tmp_path / "data"
    quick_store(data, "HWC-0044")
    r = cli(data, "sync", "--once", stdin="000000\n")
    assert r.returncode == 1
    assert re.search(r"^spoke-client: Wrong PIN for asha\. \d+ tries left", r.stderr), r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    r = cli(data, "status", stdin="")
    assert r.returncode == 1 and "was expected on standard input" in r.stderr
