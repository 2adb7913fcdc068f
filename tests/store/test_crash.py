"""Crash durability: SIGKILL a writer at >= 200 seeded random moments; nothing committed is
lost, nothing is orphaned or duplicated, and every commit is fsynced before it is reported."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from spoke_client.store.keyvault import KdfParams
from spoke_client.store.store import Store, StorePaths

from ..conftest import PIN

WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = int(os.environ.get("SPOKE_CRASH_KILLS", "200"))
ROOT = Path(__file__).resolve().parents[2]


def _writer(
    data: Path, seed: int, count: int = 0, prefix: list[str] | None = None
) -> subprocess.Popen:
    cmd = [sys.executable, str(WRITER), str(data), "--pin", PIN, "--seed", str(seed)]
    if count:
        cmd += ["--count", str(count)]
    return subprocess.Popen(
        (prefix or []) + cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _create(tmp_path) -> StorePaths:
    paths = StorePaths(tmp_path / "data")
    store, _ = Store.create(
        paths,
        facility_code="HWC-1",
        facility_name="Crash",
        operator="asha",
        pin=PIN,
        kdf=KdfParams.light(),
    )
    store.close()
    return paths


def _audit_store(paths: StorePaths, reported: dict[str, str]) -> dict[str, int]:
    store = Store.open(paths, operator="asha", pin=PIN)
    try:
        check = store.integrity()
        assert check == {"integrity_check": [], "cipher_integrity_check": []}, check
        conn = store.conn
        encounters = dict(conn.execute("SELECT id, version FROM encounters").fetchall())
        patients = dict(conn.execute("SELECT id, version FROM patients").fetchall())
        lost = sum(1 for e, p in reported.items() if e not in encounters or p not in patients)
        outbox = conn.execute(
            "SELECT entity, entity_id, entity_version, count(*) FROM outbox"
            " GROUP BY entity, entity_id, entity_version"
        ).fetchall()
        duplicated = sum(n - 1 for *_k, n in outbox if n > 1)
        keyed = {(e, i, v) for e, i, v, _n in outbox}
        rows = {("patient", i, v) for i, v in patients.items()} | {
            ("encounter", i, v) for i, v in encounters.items()
        }
        orphaned = len(keyed - rows)  # outbox rows whose change is not in the database
        unqueued = len(rows - keyed)  # saved changes without their outbox row
        no_vitals = conn.execute(
            "SELECT count(*) FROM encounters e WHERE (SELECT count(*) FROM vitals v"
            " WHERE v.encounter_id = e.id) < 7"
        ).fetchone()[0]
        return {
            "lost": lost,
            "duplicated": duplicated,
            "orphaned": orphaned + no_vitals,
            "unqueued": unqueued,
            "encounters": len(encounters),
        }
    finally:
        store.close()


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing(tmp_path):
    seed = int(os.environ.get("SPOKE_TEST_SEED", random.randrange(2**32)))
    sys.stderr.write(f"crash test seed: {seed} (set SPOKE_TEST_SEED to repeat)\n")
    rng = random.Random(seed)
    paths = _create(tmp_path)
    totals = {"lost": 0, "duplicated": 0, "orphaned": 0, "unqueued": 0}
    reported: dict[str, str] = {}
    kills = 0
    for run in range(KILLS):
        proc = _writer(paths.root, seed=rng.randrange(2**31))
        first = proc.stdout.readline().decode()  # the store is open and writing
        assert first.startswith("COMMITTED"), (first, proc.stderr.read().decode()[-2000:])
        moment = rng.uniform(0.0, 0.25)
        try:
            proc.wait(timeout=moment)  # the writer never exits by itself: this is the random moment
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
        kills += 1
        out = first + proc.stdout.read().decode()
        for line in out.splitlines():
            m = re.fullmatch(r"COMMITTED (\S+) (\S+)", line)
            if m:  # a line cut by the kill does not count as reported
                reported[m.group(1)] = m.group(2)
        proc.stdout.close()
        proc.stderr.close()
        counts = _audit_store(paths, reported)
        for k in totals:
            totals[k] += counts[k]
        assert counts["lost"] == 0, (run, seed, counts)
    sys.stderr.write(
        f"crash test: {kills} kills, {len(reported)} reported commits, "
        f"{counts['encounters']} encounters stored, totals {totals}\n"
    )
    assert kills >= 200 or KILLS < 200
    assert totals == {"lost": 0, "duplicated": 0, "orphaned": 0, "unqueued": 0}
    assert len(reported) > kills  # the kills really landed among commits


def test_each_commit_fsyncs_the_wal_before_it_is_reported(tmp_path):
    """SIGKILL keeps the page cache, so also show the fsync itself, under strace."""
    strace = shutil.which("strace")
    assert strace, "strace is installed by scripts/setup --test"
    paths = _create(tmp_path)
    trace = tmp_path / "trace.txt"
    proc = _writer(
        paths.root,
        seed=7,
        count=20,
        prefix=[strace, "-f", "-y", "-qq", "-e", "trace=fsync,fdatasync,write", "-o", str(trace)],
    )
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert out.decode().count("COMMITTED") == 20
    synced_since_report = False
    reports = 0
    for line in trace.read_text(errors="replace").splitlines():
        if re.search(r"\b(fsync|fdatasync)\(\d+<[^>]*spoke\.db-wal>\)\s+=\s+0", line):
            synced_since_report = True
        elif re.search(r"\bwrite\(1<[^>]*>, \"COMMITTED ", line):
            assert synced_since_report, f"commit {reports + 1} reported before its WAL fsync"
            synced_since_report = False
            reports += 1
    assert reports == 20
