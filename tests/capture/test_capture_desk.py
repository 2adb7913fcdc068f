"""Recordings never touch the disk in clear: while a clip and an audio note record through
the engine, no file under the data, HOME or temp folders starts with JPEG, Ogg or WebM
magic bytes; afterwards each item decrypts to a valid file and is queued for upload."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np

from spoke_client.store.store import Store, StorePaths

from .conftest import dominant_frequency
from .media_fixtures import make_pattern_video

ROOT = Path(__file__).resolve().parents[2]
WORKLOAD = Path(__file__).with_name("capture_workload.py")
MAGIC = {"jpeg": b"\xff\xd8\xff", "ogg": b"OggS", "webm": b"\x1a\x45\xdf\xa3"}
# What the scan looks for anywhere in a file: long enough that encrypted bytes never hold it
# by chance (the 3-byte JPEG magic turns up in ~1% of 200 KB of ciphertext). The end of the
# test checks that the real recordings carry these, so the scan can fail.
SCAN = {
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "ogg": b"OggS\x00",
    "webm": b"\x42\x82\x84webm",  # the EBML DocType element
}


def _clear_media(folders: list[Path]) -> list[str]:
    """Files anywhere in ``folders`` holding a JPEG, Ogg or WebM signature."""
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                found += [f"{path}: {name}" for name, magic in SCAN.items() if magic in data]
    return found


def test_recordings_go_straight_into_the_encrypted_vault(tmp_path, tone_player, wait_until):
    video = make_pattern_video(tmp_path / "camera.avi", frames=60, fps=15)
    home, tmp, data = tmp_path / "home", tmp_path / "tmp", tmp_path / "data"
    home.mkdir()
    tmp.mkdir()
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    tone_player.play(1000, 8.0)
    proc = subprocess.Popen(
        [sys.executable, str(WORKLOAD), str(data), str(video)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    line = proc.stdout.readline()
    assert line == b"RECORDING\n", proc.stderr.read().decode()[-3000:]

    def partial_sizes() -> list[int]:
        return sorted(
            p.stat().st_size for p in (data / "media").iterdir() if p.name.startswith(".partial")
        )

    # Both recordings are open in the vault, and the clip has written encrypted segments
    # (the vault writes 64 KiB segments; the audio note's first one is still in memory).
    wait_until(
        lambda: len(partial_sizes()) == 2 and partial_sizes()[-1] > 65_536,
        30,
        "both recordings writing",
    )
    scans = 0
    while partial_sizes()[-1] < 3 * 65_536:  # scan again and again while they record
        assert _clear_media([data, home, tmp]) == []
        scans += 1
    assert scans >= 1
    proc.stdin.write(b"stop\n")
    proc.stdin.flush()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()[-3000:]
    ids = json.loads(out.decode().split("DONE ", 1)[1])
    assert _clear_media([data, home, tmp]) == []

    store = Store.open(StorePaths(data), operator="asha", pin="246810")
    try:
        plain = {k: store.attachments.read(ids[k]) for k in ("clip", "note", "photo")}
        assert SCAN["webm"] in plain["clip"] and SCAN["ogg"] in plain["note"]
        assert SCAN["jpeg"] in plain["photo"]
        clip = av.open(io.BytesIO(plain["clip"]))
        frames = [f for f in clip.decode(video=0)]
        assert frames and (frames[0].width, frames[0].height) == (640, 480)
        assert clip.streams.video[0].codec_context.name == "vp8"
        note = av.open(io.BytesIO(store.attachments.read(ids["note"])))
        assert note.streams.audio[0].codec_context.name == "opus"
        samples = np.concatenate([f.to_ndarray().ravel() for f in note.decode(audio=0)])
        assert abs(dominant_frequency(samples) - 1000) < 30
        photo = store.attachments.read(ids["photo"])
        assert photo.startswith(MAGIC["jpeg"]) and len(photo) < 200_000
        queued = {r["entity_id"]: r["entity"] for r in store.outbox.pending()}
        assert all(queued.get(ids[k]) == "attachment" for k in ("clip", "note", "photo"))
        kinds = {
            a["id"]: (a["kind"], a["mime"])
            for a in store.attachments.for_encounter(ids["encounter"])
        }
        assert kinds[ids["clip"]] == ("video", "video/webm")
        assert kinds[ids["note"]] == ("audio", "audio/ogg")
    finally:
        store.close()
