from __future__ import annotations

import errno
import hashlib
import os
import stat
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spoke_client.store import media as media_module
from spoke_client.store.diskspace import DiskGuard
from spoke_client.store.errors import DiskFull, MediaCorrupt, MediaMissing
from spoke_client.store.media import (
    DEFAULT_SEGMENT_SIZE,
    HEADER_LEN,
    MAGIC,
    MAX_SEGMENT_SIZE,
    TAG_LEN,
    MediaVault,
    SealedMedia,
    stored_size,
)

SEG = 64
MB = 1024 * 1024


def new_id() -> str:
    return str(uuid.uuid4())


def seal(
    vault: MediaVault, data: bytes, media_id: str | None = None, piece: int = 0
) -> SealedMedia:
    """Write ``data`` (in pieces of ``piece`` bytes when given) and return the sealed result."""
    with vault.writer(media_id or new_id()) as w:
        if piece:
            for start in range(0, len(data), piece):
                w.write(data[start : start + piece])
        else:
            w.write(data)
    assert w.sealed is not None
    return w.sealed


def segments_of(data: bytes, segment_size: int) -> list[bytes]:
    return [data[i : i + segment_size] for i in range(0, len(data), segment_size)]


def expect_corrupt(vault: MediaVault, sealed: SealedMedia, data: bytes) -> MediaCorrupt:
    """Reading must fail, and whatever was yielded before must be authentic, in order."""
    got: list[bytes] = []
    with pytest.raises(MediaCorrupt) as caught:
        for chunk in vault.reader(sealed.media_id, sealed.key):
            got.append(chunk)
    assert got == segments_of(data, vault.segment_size)[: len(got)]
    assert caught.value.code == "media-corrupt"
    assert caught.value.params["media_id"] == sealed.media_id
    assert set(caught.value.params) == {"media_id", "segment", "reason"}
    return caught.value


def entries(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


@pytest.fixture
def small(tmp_path: Path) -> MediaVault:
    return MediaVault(tmp_path / "media", segment_size=SEG)


@pytest.fixture
def small_file(small: MediaVault) -> tuple[SealedMedia, bytes, bytes]:
    """300 bytes in 64-byte segments: 4 full segments + a 44-byte final one; 400 bytes stored."""
    data = os.urandom(300)
    sealed = seal(small, data)
    blob = small.path_of(sealed.media_id).read_bytes()
    assert len(blob) == HEADER_LEN + 4 * (SEG + TAG_LEN) + 44 + TAG_LEN == 400
    return sealed, data, blob


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, SEG - 1, SEG, SEG + 1, 2 * SEG, 5 * SEG + 7])
@pytest.mark.parametrize("piece", [0, 1, 7, SEG, SEG + 3])
def test_round_trip_small_segments(small: MediaVault, size: int, piece: int) -> None:
    data = os.urandom(size)
    sealed = seal(small, data, piece=piece)
    digest = hashlib.sha256(data).hexdigest()
    assert sealed.size == size
    assert sealed.sha256 == digest
    assert len(sealed.key) == 32
    path = small.path_of(sealed.media_id)
    assert sealed.stored_size == path.stat().st_size == stored_size(size, SEG)
    chunks = list(small.reader(sealed.media_id, sealed.key))
    assert chunks == segments_of(data, SEG)
    assert small.read_all(sealed.media_id, sealed.key) == data
    assert small.verify(sealed.media_id, sealed.key) == digest


@pytest.mark.parametrize(
    "size",
    [0, 1, DEFAULT_SEGMENT_SIZE - 1, DEFAULT_SEGMENT_SIZE, DEFAULT_SEGMENT_SIZE + 1, 5 * MB + 123],
)
def test_round_trip_default_segment_size(tmp_path: Path, size: int) -> None:
    vault = MediaVault(tmp_path)
    assert vault.segment_size == DEFAULT_SEGMENT_SIZE == 64 * 1024
    data = os.urandom(size)
    sealed = seal(vault, data, piece=100_000)
    back = vault.read_all(sealed.media_id, sealed.key)
    assert hashlib.sha256(back).hexdigest() == hashlib.sha256(data).hexdigest() == sealed.sha256
    assert back == data
    assert sealed.stored_size == vault.path_of(sealed.media_id).stat().st_size
    assert sealed.stored_size == stored_size(size, DEFAULT_SEGMENT_SIZE)


def test_file_format_header(small: MediaVault) -> None:
    sealed = seal(small, b"x" * 100)
    blob = small.path_of(sealed.media_id).read_bytes()
    assert blob[:8] == MAGIC == b"SPKMEDIA"
    assert blob[8] == 1
    assert int.from_bytes(blob[9:13], "big") == SEG
    assert HEADER_LEN == 20


def test_every_file_gets_its_own_key_and_nonce_prefix(small: MediaVault) -> None:
    data = b"same content" * 20
    a, b = seal(small, data), seal(small, data)
    assert a.key != b.key
    blob_a = small.path_of(a.media_id).read_bytes()
    blob_b = small.path_of(b.media_id).read_bytes()
    assert blob_a[13:20] != blob_b[13:20]
    assert blob_a[HEADER_LEN:] != blob_b[HEADER_LEN:]
    assert a.sha256 == b.sha256


def test_reader_uses_the_segment_size_in_the_header(tmp_path: Path) -> None:
    data = os.urandom(1000)
    sealed = seal(MediaVault(tmp_path, segment_size=100), data)
    other = MediaVault(tmp_path, segment_size=SEG)
    assert other.read_all(sealed.media_id, sealed.key) == data


def test_sealed_media_repr_does_not_show_the_key(small: MediaVault) -> None:
    sealed = seal(small, b"abc")
    assert sealed.key.hex() not in repr(sealed)
    assert repr(sealed.key) not in repr(sealed)
    with pytest.raises(AttributeError):
        sealed.size = 4  # type: ignore[misc]


# -- tampering --------------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_one_flipped_byte_anywhere_is_detected(
    small: MediaVault, small_file: tuple[SealedMedia, bytes, bytes], mask: int
) -> None:
    sealed, data, blob = small_file
    path = small.path_of(sealed.media_id)
    for pos in range(len(blob)):
        tampered = bytearray(blob)
        tampered[pos] ^= mask
        path.write_bytes(tampered)
        err = expect_corrupt(small, sealed, data)
        if pos < 8:
            assert err.params["reason"] == "bad-magic"
        elif pos == 8:
            assert err.params["reason"] == "unsupported-version"
        elif pos < 13:
            assert err.params["reason"] in {"bad-segment-size", "bad-length", "auth-failed"}
        elif pos < HEADER_LEN:
            assert (err.params["segment"], err.params["reason"]) == (0, "auth-failed")
        else:
            assert err.params["reason"] == "auth-failed"
            assert err.params["segment"] == (pos - HEADER_LEN) // (SEG + TAG_LEN)
    path.write_bytes(blob)
    assert small.read_all(sealed.media_id, sealed.key) == data


def test_truncation_at_every_length_is_detected(
    small: MediaVault, small_file: tuple[SealedMedia, bytes, bytes]
) -> None:
    sealed, data, blob = small_file
    path = small.path_of(sealed.media_id)
    reasons = set()
    for length in range(len(blob)):
        path.write_bytes(blob[:length])
        reasons.add(expect_corrupt(small, sealed, data).params["reason"])
    assert reasons == {"truncated-header", "bad-length", "auth-failed"}


def test_truncation_at_a_segment_boundary_is_detected(
    small: MediaVault, small_file: tuple[SealedMedia, bytes, bytes]
) -> None:
    sealed, data, blob = small_file
    path = small.path_of(sealed.media_id)
    for kept_segments in range(5):
        path.write_bytes(blob[: HEADER_LEN + kept_segments * (SEG + TAG_LEN)])
        err = expect_corrupt(small, sealed, data)
        assert err.params["reason"] == "bad-length"


def test_data_that_is_an_exact_number_of_segments_cannot_lose_its_final_segment(
    small: MediaVault,
) -> None:
    data = os.urandom(3 * SEG)
    sealed = seal(small, data)
    path = small.path_of(sealed.media_id)
    blob = path.read_bytes()
    assert len(blob) == HEADER_LEN + 3 * (SEG + TAG_LEN) + TAG_LEN  # an empty final segment
    path.write_bytes(blob[:-TAG_LEN])
    expect_corrupt(small, sealed, data)
    # Dropping the empty final segment *and* a full one still leaves the wrong last flag.
    path.write_bytes(blob[: -TAG_LEN - (SEG + TAG_LEN)] + blob[-TAG_LEN:])
    expect_corrupt(small, sealed, data)


@pytest.mark.parametrize("extra_kind", ["zero", "tag", "random-segment", "copy-first", "copy-last"])
def test_appended_bytes_are_detected(
    small: MediaVault, small_file: tuple[SealedMedia, bytes, bytes], extra_kind: str
) -> None:
    sealed, data, blob = small_file
    first = blob[HEADER_LEN : HEADER_LEN + SEG + TAG_LEN]
    last = blob[HEADER_LEN + 4 * (SEG + TAG_LEN) :]
    extra = {
        "zero": b"\x00",
        "tag": os.urandom(TAG_LEN),
        "random-segment": os.urandom(SEG + TAG_LEN),
        "copy-first": first,
        "copy-last": last,
    }[extra_kind]
    small.path_of(sealed.media_id).write_bytes(blob + extra)
    expect_corrupt(small, sealed, data)


def test_swapped_dropped_and_duplicated_segments_are_detected(
    small: MediaVault, small_file: tuple[SealedMedia, bytes, bytes]
) -> None:
    sealed, data, blob = small_file
    path = small.path_of(sealed.media_id)
    header = blob[:HEADER_LEN]
    chunk = SEG + TAG_LEN
    segs = [blob[HEADER_LEN + i * chunk : HEADER_LEN + (i + 1) * chunk] for i in range(4)]
    final = blob[HEADER_LEN + 4 * chunk :]

    path.write_bytes(header + segs[0] + segs[2] + segs[1] + segs[3] + final)
    assert expect_corrupt(small, sealed, data).params["segment"] == 1

    path.write_bytes(header + segs[0] + segs[1] + segs[3] + final)  # one dropped
    assert expect_corrupt(small, sealed, data).params["segment"] == 2

    path.write_bytes(header + segs[0] + segs[1] + segs[1] + segs[3] + final)  # duplicated
    assert expect_corrupt(small, sealed, data).params["segment"] == 2

    path.write_bytes(header + segs[1] + segs[0] + segs[2] + segs[3] + final)
    assert expect_corrupt(small, sealed, data).params["segment"] == 0


def test_segments_spliced_from_another_file_are_detected(small: MediaVault) -> None:
    data_a, data_b = os.urandom(300), os.urandom(300)
    a, b = seal(small, data_a), seal(small, data_b)
    blob_a = small.path_of(a.media_id).read_bytes()
    blob_b = small.path_of(b.media_id).read_bytes()
    path = small.path_of(a.media_id)
    path.write_bytes(blob_b[:HEADER_LEN] + blob_a[HEADER_LEN:])  # someone else's header
    assert expect_corrupt(small, a, data_a).params["segment"] == 0
    start = HEADER_LEN + 2 * (SEG + TAG_LEN)
    path.write_bytes(blob_a[:start] + blob_b[start:])  # someone else's tail
    assert expect_corrupt(small, a, data_a).params["segment"] == 2


@pytest.mark.parametrize("size", [0, 10, 300])
def test_wrong_key_is_detected_even_for_an_empty_file(small: MediaVault, size: int) -> None:
    data = os.urandom(size)
    sealed = seal(small, data)
    other = SealedMedia(sealed.media_id, os.urandom(32), size, sealed.sha256, sealed.stored_size)
    err = expect_corrupt(small, other, data)
    assert err.params == {"media_id": sealed.media_id, "segment": 0, "reason": "auth-failed"}
    with pytest.raises(MediaCorrupt):
        small.verify(sealed.media_id, other.key)


def test_a_file_renamed_to_another_id_is_detected(small: MediaVault) -> None:
    data = os.urandom(300)
    sealed = seal(small, data)
    moved_id = new_id()
    os.replace(small.path_of(sealed.media_id), small.path_of(moved_id))
    assert small.media_ids() == {moved_id}
    with pytest.raises(MediaCorrupt) as caught:
        small.read_all(moved_id, sealed.key)
    assert caught.value.params == {"media_id": moved_id, "segment": 0, "reason": "auth-failed"}


def test_key_of_the_wrong_length_is_a_programming_error(small: MediaVault) -> None:
    sealed = seal(small, b"abc")
    with pytest.raises(ValueError):
        small.reader(sealed.media_id, sealed.key[:16])


# -- nothing in clear -------------------------------------------------------------------------


MARKER = "PATIENT=Ramesh Kumar|DOB=1961-04-02|DX=HIV+|"


def windows(marker: str, width: int = 8) -> set[bytes]:
    found = set()
    for encoded in (marker.encode("ascii"), marker.encode("utf-16-le")):
        found |= {encoded[i : i + width] for i in range(len(encoded) - width + 1)}
    return found


def clear_hits(blob: bytes) -> list[bytes]:
    return [w for w in windows(MARKER) if w in blob]


def test_no_plaintext_run_in_the_partial_or_published_file(tmp_path: Path) -> None:
    vault = MediaVault(tmp_path / "vault")
    ascii_part = MARKER.encode("ascii") * 12_000
    utf16_part = MARKER.encode("utf-16-le") * 6_000
    assert clear_hits(ascii_part) and clear_hits(utf16_part)  # the scanner does find clear text
    media_id = new_id()
    with vault.writer(media_id) as w:
        w.write(ascii_part)
        w.write(utf16_part[: len(utf16_part) // 2])
        partials = [p for p in vault.root.iterdir() if p.name.startswith(".partial-")]
        assert len(partials) == 1
        partial_blob = partials[0].read_bytes()
        # Every full segment is already on disk, encrypted; at most one is held in memory.
        assert len(partial_blob) >= len(ascii_part) + len(utf16_part) // 2 - DEFAULT_SEGMENT_SIZE
        assert clear_hits(partial_blob) == []
        w.write(utf16_part[len(utf16_part) // 2 :])
    assert entries(vault.root) == [f"{media_id}.enc"]
    blob = vault.path_of(media_id).read_bytes()
    assert len(blob) > len(ascii_part) + len(utf16_part)
    assert clear_hits(blob) == []
    assert vault.read_all(media_id, w.sealed.key) == ascii_part + utf16_part


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_files_are_private_to_the_user(tmp_path: Path) -> None:
    vault = MediaVault(tmp_path / "new-root")
    assert stat.S_IMODE(vault.root.stat().st_mode) & 0o077 == 0
    with vault.writer(new_id()) as w:
        w.write(b"abc")
        (partial,) = [p for p in vault.root.iterdir() if p.name.startswith(".partial-")]
        assert stat.S_IMODE(partial.stat().st_mode) == 0o600
    assert stat.S_IMODE(vault.path_of(w.sealed.media_id).stat().st_mode) == 0o600


# -- publishing, aborting, sweeping -----------------------------------------------------------


def test_exception_in_the_with_block_leaves_nothing(small: MediaVault) -> None:
    media_id = new_id()
    with pytest.raises(RuntimeError, match="camera unplugged"):
        with small.writer(media_id) as w:
            w.write(os.urandom(10 * SEG))
            assert any(p.name.startswith(".partial-") for p in small.root.iterdir())
            assert not small.exists(media_id)
            raise RuntimeError("camera unplugged")
    assert w.sealed is None
    assert entries(small.root) == []
    assert not small.exists(media_id)
    with pytest.raises(ValueError):
        w.write(b"more")
    with pytest.raises(ValueError):
        w.close()


def test_nothing_is_published_until_close(small: MediaVault) -> None:
    media_id = new_id()
    w = small.writer(media_id)
    w.write(os.urandom(5 * SEG))
    assert not small.exists(media_id)
    assert small.media_ids() == set()
    sealed = w.close()
    assert small.media_ids() == {media_id}
    assert w.close() is sealed  # idempotent
    w.abort()  # no-op once published
    assert small.exists(media_id)
    assert [p for p in small.root.iterdir() if p.name.startswith(".partial-")] == []


def test_explicit_abort_removes_the_partial(small: MediaVault) -> None:
    w = small.writer(new_id())
    w.write(os.urandom(3 * SEG))
    w.abort()
    w.abort()
    assert entries(small.root) == []


def test_sweep_partials_removes_leftovers_of_a_crash(tmp_path: Path) -> None:
    root = tmp_path / "media"
    before_crash = MediaVault(root, segment_size=SEG)
    kept = seal(before_crash, b"keep me" * 40)
    crashed = before_crash.writer(new_id())
    crashed.write(os.urandom(4 * SEG))
    (root / ".partial-leftover-from-older-run").write_bytes(os.urandom(100))
    (root / "notes.txt").write_bytes(b"not ours")

    after_restart = MediaVault(root, segment_size=SEG)
    assert after_restart.sweep_partials() == 2
    assert after_restart.sweep_partials() == 0
    assert entries(root) == sorted([f"{kept.media_id}.enc", "notes.txt"])
    assert after_restart.media_ids() == {kept.media_id}
    assert after_restart.read_all(kept.media_id, kept.key) == b"keep me" * 40
    crashed.abort()  # its file is already gone; aborting must not fail


def test_sweep_partials_spares_the_vaults_own_open_writers(small: MediaVault) -> None:
    data = os.urandom(5 * SEG)
    with small.writer(new_id()) as w:
        w.write(data[:SEG])
        assert small.sweep_partials() == 0
        w.write(data[SEG:])
    assert small.read_all(w.sealed.media_id, w.sealed.key) == data


# -- disk guard -------------------------------------------------------------------------------


def test_writer_refuses_to_start_when_the_guard_says_full(tmp_path: Path) -> None:
    root = tmp_path / "media"
    guard = DiskGuard(root, reserve_bytes=64 * MB, free_bytes=lambda _p: 10 * MB)
    vault = MediaVault(root, disk=guard)
    with pytest.raises(DiskFull) as caught:
        vault.writer(new_id())
    assert caught.value.params["free_bytes"] == 10 * MB
    assert caught.value.params["reserve_bytes"] == 64 * MB
    assert entries(root) == []


def test_writer_refuses_to_start_on_the_real_disk_with_a_huge_reserve(tmp_path: Path) -> None:
    root = tmp_path / "media"
    real = DiskGuard(root).free()
    vault = MediaVault(root, disk=DiskGuard(root, reserve_bytes=real + 1024**4))
    with pytest.raises(DiskFull):
        vault.writer(new_id(), expected_size=1)
    assert entries(root) == []


def test_expected_size_is_checked_up_front(tmp_path: Path) -> None:
    reserve = 1000
    guard = DiskGuard(tmp_path, reserve_bytes=reserve, free_bytes=lambda _p: reserve + 5000)
    vault = MediaVault(tmp_path / "media", disk=guard, segment_size=SEG)
    with pytest.raises(DiskFull) as caught:
        vault.writer(new_id(), expected_size=6000)
    assert caught.value.params["needed_bytes"] == stored_size(6000, SEG)
    assert entries(vault.root) == []
    sealed = seal(vault, os.urandom(3000))
    assert sealed.size == 3000
    with pytest.raises(ValueError):
        vault.writer(new_id(), expected_size=-1)


def test_guard_is_consulted_as_the_file_grows(tmp_path: Path) -> None:
    root = tmp_path / "media"
    reserve, budget = 10_000, 2_000

    def free(_path: Path) -> int:  # a disk that really fills up as the vault writes
        used = sum(p.stat().st_size for p in root.iterdir()) if root.exists() else 0
        return reserve + budget - used

    vault = MediaVault(
        root, disk=DiskGuard(root, reserve_bytes=reserve, free_bytes=free), segment_size=SEG
    )
    fits = seal(vault, os.urandom(500))
    media_id = new_id()
    with pytest.raises(DiskFull) as caught:
        with vault.writer(media_id) as w:
            for _ in range(100):
                w.write(os.urandom(SEG))
    assert caught.value.params["reserve_bytes"] == reserve
    assert caught.value.params["free_bytes"] - caught.value.params["needed_bytes"] < reserve
    assert w.sealed is None
    assert entries(root) == [f"{fits.media_id}.enc"]


def test_guard_sees_every_segment_and_the_remaining_plan(tmp_path: Path) -> None:
    asked: list[int] = []

    class Recorder(DiskGuard):
        def check(self, needed_bytes: int = 0) -> None:
            asked.append(needed_bytes)
            super().check(needed_bytes)

    guard = Recorder(tmp_path, reserve_bytes=0, free_bytes=lambda _p: 10**12)
    vault = MediaVault(tmp_path / "media", disk=guard, segment_size=SEG)
    size = 10 * SEG + 5
    seal(vault, os.urandom(size), piece=SEG)
    # header + 10 full segments + final segment, and one check before anything is written.
    assert len(asked) == 1 + 1 + 10 + 1
    assert asked[0] == SEG + HEADER_LEN + TAG_LEN
    asked.clear()
    total = stored_size(size, SEG)
    seal(vault, os.urandom(size), piece=SEG)
    with vault.writer(new_id(), expected_size=size) as w:
        w.write(os.urandom(size))
    assert asked[-13] == total  # up front: the whole file
    assert asked[-12] == total  # header: the whole plan still ahead
    assert asked[-1] == 5 + TAG_LEN  # final segment: only itself is left


def test_enospc_while_writing_becomes_disk_full_and_cleans_up(
    small: MediaVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    media_id = new_id()
    w = small.writer(media_id)
    (partial,) = [p for p in small.root.iterdir() if p.name.startswith(".partial-")]
    inode = partial.stat().st_ino
    real_write = os.write

    def failing_write(fd: int, data: bytes) -> int:
        if os.fstat(fd).st_ino == inode:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(media_module.os, "write", failing_write)
    with pytest.raises(DiskFull) as caught:
        w.write(os.urandom(2 * SEG))
    monkeypatch.undo()
    assert isinstance(caught.value.__cause__, OSError)
    assert caught.value.params["needed_bytes"] == SEG + TAG_LEN
    assert entries(small.root) == []
    with pytest.raises(ValueError):
        w.write(b"x")


# -- ids, lookups, deletion -------------------------------------------------------------------


BAD_IDS = [
    "",
    "abc",
    "../etc/passwd",
    "a/b",
    "a\\b",
    str(uuid.uuid4()) + "/../x",
    "../" + str(uuid.uuid4()),
    str(uuid.uuid4()).upper(),
    "{" + str(uuid.uuid4()) + "}",
    "urn:uuid:" + str(uuid.uuid4()),
    uuid.uuid4().hex,
    str(uuid.uuid4()) + "\x00",
    " " + str(uuid.uuid4()),
]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_media_ids_must_be_canonical_uuids(small: MediaVault, bad: str) -> None:
    key = os.urandom(32)
    for call in (
        lambda: small.writer(bad),
        lambda: small.reader(bad, key),
        lambda: small.read_all(bad, key),
        lambda: small.verify(bad, key),
        lambda: small.path_of(bad),
        lambda: small.exists(bad),
        lambda: small.delete(bad),
    ):
        with pytest.raises(ValueError):
            call()
    assert entries(small.root) == []


def test_missing_media(small: MediaVault) -> None:
    media_id = new_id()
    key = os.urandom(32)
    with pytest.raises(MediaMissing) as caught:
        small.reader(media_id, key)  # at once, before iterating
    assert caught.value.code == "media-missing"
    assert caught.value.params == {"media_id": media_id}
    with pytest.raises(MediaMissing):
        small.read_all(media_id, key)
    with pytest.raises(MediaMissing):
        small.verify(media_id, key)
    assert not small.exists(media_id)


def test_exists_delete_and_listing(small: MediaVault) -> None:
    a, b = seal(small, b"a" * 70), seal(small, b"")
    assert small.media_ids() == {a.media_id, b.media_id}
    assert small.exists(a.media_id)
    assert small.path_of(a.media_id) == small.root / f"{a.media_id}.enc"
    small.delete(a.media_id)
    small.delete(a.media_id)  # idempotent
    assert not small.exists(a.media_id)
    assert small.media_ids() == {b.media_id}
    with pytest.raises(MediaMissing):
        small.read_all(a.media_id, a.key)
    assert small.read_all(b.media_id, b.key) == b""


def test_writing_an_existing_id_replaces_it(small: MediaVault) -> None:
    media_id = new_id()
    old = seal(small, b"old" * 50, media_id)
    new = seal(small, b"new" * 50, media_id)
    assert small.read_all(media_id, new.key) == b"new" * 50
    with pytest.raises(MediaCorrupt):
        small.read_all(media_id, old.key)


@pytest.mark.parametrize("bad", [0, -1, MAX_SEGMENT_SIZE + 1])
def test_segment_size_is_validated(tmp_path: Path, bad: int) -> None:
    with pytest.raises(ValueError):
        MediaVault(tmp_path, segment_size=bad)


def test_root_is_created(tmp_path: Path) -> None:
    root = tmp_path / "a" / "b" / "media"
    MediaVault(root)
    assert root.is_dir()


# -- properties -------------------------------------------------------------------------------


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=3000),
    segment_size=st.integers(min_value=1, max_value=400),
    pieces=st.lists(st.integers(min_value=0, max_value=700), max_size=10),
)
def test_property_round_trip(
    tmp_path: Path, data: bytes, segment_size: int, pieces: list[int]
) -> None:
    vault = MediaVault(tmp_path / f"s{segment_size}", segment_size=segment_size)
    with vault.writer(new_id(), expected_size=len(data)) as w:
        pos = 0
        for piece in pieces:
            w.write(data[pos : pos + piece])
            pos += piece
        w.write(data[pos:])
    sealed = w.sealed
    assert sealed.size == len(data)
    assert sealed.stored_size == stored_size(len(data), segment_size)
    assert vault.path_of(sealed.media_id).stat().st_size == sealed.stored_size
    assert list(vault.reader(sealed.media_id, sealed.key)) == segments_of(data, segment_size)
    assert vault.verify(sealed.media_id, sealed.key) == hashlib.sha256(data).hexdigest()
    vault.delete(sealed.media_id)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=1500),
    segment_size=st.integers(min_value=1, max_value=300),
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
    mask=st.integers(min_value=1, max_value=255),
    cut=st.booleans(),
)
def test_property_any_flip_or_cut_is_detected(
    tmp_path: Path, data: bytes, segment_size: int, where: float, mask: int, cut: bool
) -> None:
    vault = MediaVault(tmp_path / f"t{segment_size}", segment_size=segment_size)
    sealed = seal(vault, data)
    path = vault.path_of(sealed.media_id)
    blob = bytearray(path.read_bytes())
    pos = int(where * len(blob))
    if cut:
        del blob[pos:]
    else:
        blob[pos] ^= mask
    path.write_bytes(blob)
    expect_corrupt(vault, sealed, data)
    vault.delete(sealed.media_id)


# -- ranges (a resumed upload reads its next chunk from the middle) ------------------------------


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    size=st.integers(0, 5 * SEG + 9), offset=st.integers(0, 6 * SEG), length=st.integers(0, 7 * SEG)
)
def test_read_range_matches_the_plaintext_slice(small: MediaVault, size, offset, length) -> None:
    data = bytes(range(256)) * 2
    data = (data * (size // len(data) + 1))[:size]
    sealed = seal(small, data)
    assert (
        small.read_range(sealed.media_id, sealed.key, offset, length)
        == data[offset : offset + length]
    )


def test_read_range_authenticates_the_segments_it_reads(small, small_file) -> None:
    sealed, data, blob = small_file
    path = small.path_of(sealed.media_id)
    damaged = bytearray(blob)
    damaged[HEADER_LEN + 2 * (SEG + TAG_LEN) + 5] ^= 1  # inside segment 2
    path.write_bytes(bytes(damaged))
    assert small.read_range(sealed.media_id, sealed.key, 0, 2 * SEG) == data[: 2 * SEG]
    with pytest.raises(MediaCorrupt) as caught:
        small.read_range(sealed.media_id, sealed.key, 2 * SEG + 1, 10)
    assert caught.value.params["segment"] == 2
