"""No plaintext: 1,000 patients with distinctive names, phones and ABHA numbers; every file
under a fresh HOME, TMPDIR and data folder is scanned for each of them in UTF-8 and UTF-16,
while the store is open and after it is closed. A wrong PIN opens nothing and changes no
byte of the database, WAL or media files."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from spoke_client.store.errors import WrongPin
from spoke_client.store.store import Store, StorePaths

ROOT = Path(__file__).resolve().parents[2]
WORKLOAD = Path(__file__).with_name("plaintext_workload.py")
PIN = "582046"


def _people(rng: random.Random, n: int) -> list[dict]:
    people, seen = [], set()
    while len(people) < n:
        token = "".join(rng.choice(string.ascii_lowercase) for _ in range(10)).capitalize()
        mobile = rng.choice("6789") + "".join(rng.choice(string.digits) for _ in range(9))
        abha = "".join(rng.choice(string.digits) for _ in range(14))
        if {token, mobile, abha} & seen:
            continue
        seen |= {token, mobile, abha}
        people.append(
            {
                "name": f"{token} Devi",
                "sex": "female",
                "age_years": rng.randrange(18, 80),
                "mobile": mobile,
                "abha_number": abha,
                "village": "Rampur",
                "address": "",
            }
        )
    return people


class Needles:
    """Finds any of many fixed tokens inside files, in UTF-8 and UTF-16 (LE and BE)."""

    def __init__(self, people: list[dict]) -> None:
        self.words = {p["name"].split()[0] for p in people}
        self.words |= {w.lower() for w in self.words}
        self.numbers = {p["mobile"] for p in people} | {p["abha_number"] for p in people}
        self.runs = [
            (re.compile(rb"[A-Za-z]{10,}"), lambda b: b.decode(), self._word_hits),
            (re.compile(rb"[0-9]{10,}"), lambda b: b.decode(), self._number_hits),
            (
                re.compile(rb"(?:[A-Za-z]\x00){10,}"),
                lambda b: b.decode("utf-16-le"),
                self._word_hits,
            ),
            (
                re.compile(rb"(?:[0-9]\x00){10,}"),
                lambda b: b.decode("utf-16-le"),
                self._number_hits,
            ),
            (
                re.compile(rb"(?:\x00[A-Za-z]){10,}"),
                lambda b: b.decode("utf-16-be"),
                self._word_hits,
            ),
            (
                re.compile(rb"(?:\x00[0-9]){10,}"),
                lambda b: b.decode("utf-16-be"),
                self._number_hits,
            ),
        ]

    def _word_hits(self, run: str) -> int:
        return sum(run[i : i + 10] in self.words for i in range(len(run) - 9))

    def _number_hits(self, run: str) -> int:
        return sum(run[i : i + 10] in self.numbers for i in range(len(run) - 9)) + sum(
            run[i : i + 14] in self.numbers for i in range(len(run) - 13)
        )

    def hits_in(self, data: bytes) -> int:
        return sum(
            check(decode(m.group(0)))
            for pattern, decode, check in self.runs
            for m in pattern.finditer(data)
        )


def _scan(folders: list[Path], needles: Needles) -> tuple[int, int, list[str]]:
    files = hits = 0
    where = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                files += 1
                n = needles.hits_in(path.read_bytes())
                if n:
                    hits += n
                    where.append(f"{path} ({n})")
    return files, hits, where


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "keyslots.json"
    }


@pytest.mark.slow
def test_no_patient_data_in_clear_anywhere(tmp_path):
    seed = int(os.environ.get("SPOKE_TEST_SEED", random.randrange(2**32)))
    sys.stderr.write(f"no-plaintext seed: {seed}\n")
    people = _people(random.Random(seed), 1000)
    home, tmp, data = tmp_path / "home", tmp_path / "tmp", tmp_path / "data"
    for d in (home, tmp):
        d.mkdir()
    people_file = tmp_path / "people.json"  # the test's own input, outside the scanned folders
    people_file.write_text(json.dumps(people))
    needles = Needles(people)
    # The scanner finds the needles when they are there (so a 0 below means something).
    assert needles.hits_in(people_file.read_bytes()) >= 3000
    assert needles.hits_in(json.dumps(people).encode("utf-16-le")) >= 3000
    env = {
        **os.environ,
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "SPOKE_DATA_DIR": str(data),
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, str(WORKLOAD), str(data), str(people_file), PIN],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    line = proc.stdout.readline()
    assert line == b"OPEN\n", proc.stderr.read().decode()[-3000:]
    folders = [home, tmp, data]
    files_open, hits_open, where = _scan(folders, needles)
    assert Path(data, "spoke.db-wal").exists()  # scanned while the WAL is live
    proc.stdin.write(b"close\n")
    proc.stdin.flush()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and out == b"CLOSED\n", err.decode()[-3000:]
    files_closed, hits_closed, where_closed = _scan(folders, needles)
    sys.stderr.write(
        f"scanned {files_open} files while open, {files_closed} after close: "
        f"{hits_open} + {hits_closed} hits\n"
    )
    assert files_open >= 4 and len(list((data / "media").iterdir())) == 100
    assert (hits_open, hits_closed) == (0, 0), where + where_closed

    # A wrong PIN opens nothing and changes no byte of the database, WAL or media.
    before = _digest(data)
    with pytest.raises(WrongPin):
        Store.open(StorePaths(data), operator="asha", pin="000000")
    assert _digest(data) == before
