"""Intake-save throughput and latency: the encrypted store against plain sqlite3.

Both sides run the same code path, our repositories: ``EncounterRepo.save(encounter,
patient=...)`` writes the patient, the encounter, its vitals, two outbox rows and the audit
rows in one ``BEGIN IMMEDIATE ... COMMIT``. The encrypted side is a real ``Store.create``
(SQLCipher, raw key); the plain side is a stdlib ``sqlite3`` connection with the same pragmas
as ``store.db.connect`` and the same migrations, wrapped in the same ``Store`` class.

Rounds are interleaved (round i: encrypted then plain; round i+1: plain then encrypted) so
that drift in the machine (page cache, other load, thermal state) falls on both sides alike.
The figures reported are medians over rounds. The last line of stdout is one JSON object:
``{"encrypted_vs_plain": <ratio>, "p99_save_ms": <encrypted p99>}``.

Every commit is an fsync of the WAL (synchronous=FULL), so the disk the databases sit on
matters more than anything else here; use ``--dir`` to put them on the terminal's data disk.
All patient data is synthetic.

    python bench/store_bench.py [--saves 300] [--rounds 7] [--dir PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from spoke_client.domain.encounter import Encounter
from spoke_client.domain.ids import new_id
from spoke_client.domain.patient import Patient
from spoke_client.store.db import SYNCHRONOUS_FULL
from spoke_client.store.diskspace import DiskGuard
from spoke_client.store.keyvault import KdfParams
from spoke_client.store.migrations import migrate
from spoke_client.store.store import Store, StorePaths
from spoke_client.store.timestamps import stamp, utc_now

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.store.crash_writer import make_case  # noqa: E402  (the same realistic case)

TARGET_RATIO = 0.8
TARGET_P99_MS = 20.0
MIN_ROUNDS = 5
OPERATOR = "asha"
FACILITY = ("HWC-BENCH", "Bench Sub-centre")
VILLAGES = ("Rampur", "Sonpur", "Kheri", "Chandpur", "Bhojpur")

Case = tuple[Patient, Encounter]


# ---- workload -----------------------------------------------------------------------------
# ---- the two stores -----------------------------------------------------------------------
def open_encrypted(root: Path) -> Store:
    store, _code = Store.create(
        StorePaths(root),
        facility_code=FACILITY[0],
        facility_name=FACILITY[1],
        operator=OPERATOR,
        pin="246810",
        kdf=KdfParams.light(),
    )
    return store


def open_plain(root: Path) -> Store:
    """Stdlib sqlite3 with the pragmas of ``store.db.connect``, our schema and our repositories."""
    paths = StorePaths(root)
    root.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(paths.db), isolation_level=None, check_same_thread=True)
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA busy_timeout = 5000")
    sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    assert str(mode).lower() == "wal", mode
    assert sync == SYNCHRONOUS_FULL, sync
    migrate(conn)
    now = stamp(utc_now())
    # The same three rows Store.create writes.
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO facility (id, code, name, created_at) VALUES (?, ?, ?, ?)",
        (new_id(), *FACILITY, now),
    )
    conn.execute(
        "INSERT INTO operators (id, name, role, created_at) VALUES (?, ?, ?, ?)",
        (new_id(), OPERATOR, "cho", now),
    )
    conn.execute(
        "INSERT INTO audit (at, operator, action, detail) VALUES (?, ?, ?, ?)",
        (now, OPERATOR, "store-created", json.dumps({"facility": FACILITY[0]})),
    )
    conn.execute("COMMIT")
    return Store(paths, conn, b"\0" * 32, operator=OPERATOR, clock=utc_now, disk=DiskGuard(root))


def check_pragmas(store: Store) -> dict[str, object]:
    row = {}
    for name in (
        "journal_mode",
        "synchronous",
        "foreign_keys",
        "temp_store",
        "busy_timeout",
        "page_size",
    ):
        row[name] = store.conn.execute(f"PRAGMA {name}").fetchone()[0]
    return row


# ---- measuring ----------------------------------------------------------------------------
def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def run_saves(store: Store, cases: list[Case]) -> dict[str, float]:
    save = store.encounters.save
    latencies = []
    clock = time.perf_counter
    cpu_start = time.process_time()
    for patient, encounter in cases:
        start = clock()
        save(encounter, patient=patient)
        latencies.append(clock() - start)
    cpu = time.process_time() - cpu_start
    latencies.sort()
    return {
        "tx_per_s": len(latencies) / sum(latencies),
        "cpu_ms": cpu / len(latencies) * 1000,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": latencies[-1] * 1000,
    }


def mount_of(path: Path) -> str:
    """'<mount point> (<fs type>, <device>)' for the file system holding ``path`` (Linux)."""
    try:
        mounts = [line.split()[:3] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "unknown"
    real = os.path.realpath(path)
    best = max(
        (m for m in mounts if real == m[1] or real.startswith(m[1].rstrip("/") + "/")),
        key=lambda m: len(m[1]),
        default=None,
    )
    return "unknown" if best is None else f"{best[1]} ({best[2]}, {best[0]})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300, help="timed saves per side per round")
    parser.add_argument("--rounds", type=int, default=7, help=f"rounds (at least {MIN_ROUNDS})")
    parser.add_argument("--warmup", type=int, default=20, help="untimed saves per side first")
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="put the databases under this folder (default: system temp)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.rounds < MIN_ROUNDS:
        parser.error(f"--rounds must be at least {MIN_ROUNDS}")
    if args.saves < 100:
        parser.error("--saves must be at least 100 (p99 needs the samples)")
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)

    rng = random.Random(args.seed)
    today = date.today()
    # Built before any timing; both sides save the very same cases, in the same order.
    warmup = [make_case(rng, today) for _ in range(args.warmup)]
    rounds_cases = [[make_case(rng, today) for _ in range(args.saves)] for _ in range(args.rounds)]

    with tempfile.TemporaryDirectory(prefix="spoke-bench-", dir=args.dir) as tmp:
        tmp_path = Path(tmp)
        stores = {
            "encrypted": open_encrypted(tmp_path / "encrypted"),
            "plain": open_plain(tmp_path / "plain"),
        }
        try:
            enc = stores["encrypted"].conn
            cipher = enc.execute("PRAGMA cipher_version").fetchone()[0]
            cipher_sqlite = enc.execute("SELECT sqlite_version()").fetchone()[0]
            provider = enc.execute("PRAGMA cipher_provider").fetchone()
            print(
                f"SQLCipher {cipher} on SQLite {cipher_sqlite}"
                f" (crypto provider {provider[0] if provider else '?'});"
                f" plain side: stdlib sqlite3 on SQLite {sqlite3.sqlite_version}"
            )
            print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
            print(f"disk: {tmp_path} on {mount_of(tmp_path)}")
            for side, store in stores.items():
                print(f"  {side:9} pragmas {check_pragmas(store)}")
            print(
                f"workload: {args.rounds} interleaved rounds x {args.saves} saves per side"
                f" (after {args.warmup} untimed warm-up saves per side); one save ="
                " patient + encounter + vitals + outbox + audit in one transaction"
            )
            print(
                "databases: one fresh database per side, created once and kept over all"
                " rounds (so both grow by the same rows, and WAL checkpoints fall inside"
                " the timed saves on both)"
            )
            print("cpu ms = process CPU time per save; wall time above it is mostly fsync wait")

            for side in ("encrypted", "plain"):
                for patient, encounter in warmup:
                    stores[side].encounters.save(encounter, patient=patient)

            results: dict[str, list[dict[str, float]]] = {"encrypted": [], "plain": []}
            ratios = []
            print()
            print(
                f"{'round':>5} {'order':<17} {'side':<9} {'tx/s':>8} {'p50 ms':>8}"
                f" {'p99 ms':>8} {'max ms':>8} {'cpu ms':>8}"
            )
            for i, cases in enumerate(rounds_cases):
                order = ("encrypted", "plain") if i % 2 == 0 else ("plain", "encrypted")
                this_round = {}
                for side in order:
                    this_round[side] = run_saves(stores[side], cases)
                    results[side].append(this_round[side])
                for side in ("encrypted", "plain"):
                    r = this_round[side]
                    print(
                        f"{i + 1:>5} {' then '.join(s[:5] for s in order):<17} {side:<9}"
                        f" {r['tx_per_s']:>8.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}"
                        f" {r['max_ms']:>8.2f} {r['cpu_ms']:>8.2f}"
                    )
                ratios.append(this_round["encrypted"]["tx_per_s"] / this_round["plain"]["tx_per_s"])

            for side, store in stores.items():
                n = store.encounters.count()
                expected = args.warmup + args.rounds * args.saves
                assert n == expected, (side, n, expected)
        finally:
            for store in stores.values():
                store.close()

    keys = ("tx_per_s", "p50_ms", "p99_ms", "cpu_ms")
    med = {
        side: {k: statistics.median(r[k] for r in rows) for k in keys}
        for side, rows in results.items()
    }
    ratio = statistics.median(ratios)
    p99 = med["encrypted"]["p99_ms"]
    print()
    print(f"median over {args.rounds} rounds:")
    for side in ("encrypted", "plain"):
        m = med[side]
        print(
            f"  {side:<9} {m['tx_per_s']:8.1f} tx/s   p50 {m['p50_ms']:6.2f} ms"
            f"   p99 {m['p99_ms']:6.2f} ms   cpu {m['cpu_ms']:5.2f} ms/save"
        )
    print(
        f"  encrypted / plain throughput: {ratio:.3f}"
        f" (median of per-round ratios {min(ratios):.3f}..{max(ratios):.3f})"
    )
    print()
    ok_ratio = ratio >= TARGET_RATIO
    ok_p99 = p99 <= TARGET_P99_MS
    print(
        f"target: encrypted >= {TARGET_RATIO}x plain: {'PASS' if ok_ratio else 'MISS'}"
        f" ({ratio:.3f}x); p99 save <= {TARGET_P99_MS:g} ms: {'PASS' if ok_p99 else 'MISS'}"
        f" ({p99:.2f} ms)"
    )
    print(json.dumps({"encrypted_vs_plain": round(ratio, 3), "p99_save_ms": round(p99, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
