"""Encrypted media vault: photos, audio and documents, never written in clear.

Every file gets its own random 256-bit key. The vault never stores keys: :class:`SealedMedia`
hands the key to the caller, who keeps it in the encrypted database.

File format, version 1 (``<root>/<media-id>.enc``; all integers big-endian)::

    header   magic "SPKMEDIA" (8) | version 0x01 (1) | segment size S (4) | nonce prefix P (7)
    segment  AES-256-GCM(key, nonce = P || counter (4) || last (1), aad = header || media id)
             -> ciphertext || 16-byte tag; counter counts segments from 0
    body     n >= 0 full segments (S bytes of plaintext, last = 0x00), then exactly one final
             segment of 0..S-1 plaintext bytes (last = 0x01) - it may be empty, never full

The counter in the nonce makes reordered segments fail authentication; the last flag makes a
file cut at a segment boundary, or extended past its final segment, fail; the header in the
associated data binds the segment size and prefix; the media id in it makes a file copied or
renamed to another id fail. A stored file is therefore exactly
``20 + (size // S) * (S + 16) + size % S + 16`` bytes long, which the reader checks first.

Writing streams: at most one segment of plaintext is buffered in memory; each full segment is
encrypted and written at once to ``<root>/.partial-<media-id>-<random>``; closing seals the final
segment, fsyncs, atomically renames to the published name and fsyncs the directory.

Reading streams too: every segment is authenticated before it is yielded, so no unauthenticated
byte ever reaches the caller. A file truncated inside its body may still yield its first,
authentic, segments before :class:`MediaCorrupt` is raised: a consumer that needs all or nothing
must treat the data as valid only once the iterator is exhausted (``read_all``, ``verify``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shutil
import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from spoke_client.store.diskspace import DiskGuard
from spoke_client.store.errors import DiskFull, MediaCorrupt, MediaMissing

MAGIC = b"SPKMEDIA"
FORMAT_VERSION = 1
NONCE_PREFIX_LEN = 7
_HEADER = struct.Struct(">8sBI7s")
HEADER_LEN = _HEADER.size  # 20
TAG_LEN = 16
KEY_LEN = 32
DEFAULT_SEGMENT_SIZE = 64 * 1024
MIN_SEGMENT_SIZE = 1
MAX_SEGMENT_SIZE = 16 * 1024 * 1024
MAX_SEGMENTS = 2**32  # the counter is four bytes
SUFFIX = ".enc"
PARTIAL_PREFIX = ".partial-"

_NOT_LAST = b"\x00"
_LAST = b"\x01"
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_OPEN_FLAGS |= getattr(os, "O_CLOEXEC", 0)


def stored_size(plain_size: int, segment_size: int) -> int:
    """Exact size on disk of a ``plain_size``-byte file sealed with ``segment_size``."""
    full, rest = divmod(plain_size, segment_size)
    return HEADER_LEN + full * (segment_size + TAG_LEN) + rest + TAG_LEN


def _check_media_id(media_id: str) -> str:
    """Only canonical UUID strings (lower case, hyphenated): one id, one file name."""
    if not isinstance(media_id, str):
        raise ValueError("media-id-invalid")
    try:
        canonical = str(uuid.UUID(media_id))
    except ValueError:
        raise ValueError("media-id-invalid") from None
    if canonical != media_id:
        raise ValueError("media-id-invalid")
    return media_id


def _check_segment_size(segment_size: int) -> int:
    if not MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE:
        raise ValueError("segment-size-invalid", segment_size)
    return segment_size


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (_LAST if last else _NOT_LAST)


def _aad(header: bytes, media_id: str) -> bytes:
    return header + media_id.encode("ascii")


def _fsync_dir(path: Path) -> None:
    """Make a rename or unlink in ``path`` durable (where the platform can open directories)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class SealedMedia:
    """What the caller must keep (in the encrypted database) to read the media back."""

    media_id: str
    key: bytes = field(repr=False)
    size: int
    sha256: str
    stored_size: int


class MediaWriter:
    """Streams plaintext into one encrypted media file; see the module docstring.

    ``with vault.writer(media_id) as w: w.write(...)`` publishes on a normal exit and aborts on
    an exception; ``w.sealed`` then holds the :class:`SealedMedia`. Any failure inside
    ``write`` or ``close`` aborts the writer (removes its partial file) before propagating.
    """

    def __init__(self, vault: MediaVault, media_id: str, expected_size: int | None) -> None:
        if expected_size is not None and expected_size < 0:
            raise ValueError("expected-size-negative", expected_size)
        self.media_id = media_id
        self.sealed: SealedMedia | None = None
        self._vault = vault
        self._segment_size = vault.segment_size
        self._planned = (
            None if expected_size is None else stored_size(expected_size, self._segment_size)
        )
        self._key = AESGCM.generate_key(bit_length=256)
        self._aead = AESGCM(self._key)
        self._prefix = os.urandom(NONCE_PREFIX_LEN)
        self._header = _HEADER.pack(MAGIC, FORMAT_VERSION, self._segment_size, self._prefix)
        self._aad = _aad(self._header, media_id)
        self._buffer = bytearray()
        self._hash = hashlib.sha256()
        self._size = 0
        self._written = 0
        self._counter = 0
        self._state = "open"
        self._fd: int | None = None
        self._final = vault.path_of(media_id)

        # Before anything exists on disk: room for the whole file, or else for one segment.
        first = self._planned
        if first is None:
            first = HEADER_LEN + self._segment_size + TAG_LEN
        self._check_disk(first)
        self._tmp = vault.root / f"{PARTIAL_PREFIX}{media_id}-{secrets.token_hex(8)}"
        self._fd = os.open(self._tmp, _OPEN_FLAGS, 0o600)
        vault._active_partials.add(self._tmp)
        try:
            self._emit(self._header)
        except BaseException:
            self._discard()
            raise

    # -- public -------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        self._require_open()
        try:
            view = memoryview(data).cast("B")
            self._hash.update(view)
            self._size += len(view)
            seg = self._segment_size
            pos = 0
            if self._buffer:
                pos = min(seg - len(self._buffer), len(view))
                self._buffer += view[:pos]
                if len(self._buffer) == seg:
                    self._seal(self._buffer, last=False)
                    self._buffer.clear()
            while len(view) - pos >= seg:
                self._seal(view[pos : pos + seg], last=False)
                pos += seg
            if pos < len(view):
                self._buffer += view[pos:]
        except BaseException:
            self._discard()
            raise

    def close(self) -> SealedMedia:
        """Seal the final segment and publish atomically. Idempotent once published."""
        if self._state == "closed" and self.sealed is not None:
            return self.sealed
        self._require_open()
        assert self._fd is not None
        try:
            self._seal(self._buffer, last=True)
            self._buffer.clear()
            with self._disk_full_on_enospc(0):
                os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
            os.replace(self._tmp, self._final)
        except BaseException:
            self._discard()
            raise
        self._vault._active_partials.discard(self._tmp)
        self._state = "closed"
        try:
            _fsync_dir(self._vault.root)
        except BaseException:
            # The caller will not record the key, so the file could never be read: drop it.
            with contextlib.suppress(OSError):
                self._final.unlink()
            raise
        self.sealed = SealedMedia(
            media_id=self.media_id,
            key=self._key,
            size=self._size,
            sha256=self._hash.hexdigest(),
            stored_size=self._written,
        )
        return self.sealed

    def abort(self) -> None:
        """Remove the partial file. A no-op once aborted or published."""
        if self._state == "open":
            self._discard()

    def __enter__(self) -> MediaWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # -- internals ----------------------------------------------------------------------------

    def _require_open(self) -> None:
        if self._state != "open":
            raise ValueError("writer-closed", self._state)

    def _seal(self, plain: bytes | bytearray | memoryview, *, last: bool) -> None:
        if self._counter >= MAX_SEGMENTS:
            raise ValueError("media-too-large")
        nonce = _nonce(self._prefix, self._counter, last)
        self._emit(self._aead.encrypt(nonce, plain, self._aad))
        self._counter += 1

    def _check_disk(self, needed: int) -> None:
        disk = self._vault.disk
        if disk is not None:
            disk.check(needed)

    def _emit(self, blob: bytes) -> None:
        """Write ciphertext (or the header), after asking the disk guard for room."""
        assert self._fd is not None
        needed = len(blob)
        if self._planned is not None:
            needed = max(needed, self._planned - self._written)
        self._check_disk(needed)
        view = memoryview(blob)
        with self._disk_full_on_enospc(len(blob)):
            while view:
                view = view[os.write(self._fd, view) :]
        self._written += len(blob)

    @contextlib.contextmanager
    def _disk_full_on_enospc(self, needed: int) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            disk = self._vault.disk
            try:
                free = disk.free() if disk is not None else shutil.disk_usage(self._vault.root).free
            except OSError:
                free = 0
            reserve = disk.reserve_bytes if disk is not None else 0
            raise DiskFull(free_bytes=free, needed_bytes=needed, reserve_bytes=reserve) from exc

    def _discard(self) -> None:
        self._state = "aborted"
        self._buffer.clear()
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        with contextlib.suppress(OSError):
            self._tmp.unlink()  # whatever is left, sweep_partials removes later
        self._vault._active_partials.discard(self._tmp)


class MediaVault:
    """A directory of encrypted media files named ``<media-id>.enc``."""

    def __init__(
        self,
        root: Path,
        *,
        disk: DiskGuard | None = None,
        segment_size: int = DEFAULT_SEGMENT_SIZE,
    ) -> None:
        self.root = Path(root)
        self.disk = disk
        self.segment_size = _check_segment_size(segment_size)
        self._active_partials: set[Path] = set()
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def path_of(self, media_id: str) -> Path:
        return self.root / f"{_check_media_id(media_id)}{SUFFIX}"

    def writer(self, media_id: str, expected_size: int | None = None) -> MediaWriter:
        """Start writing; raises :class:`DiskFull` (leaving nothing behind) if there is no room."""
        return MediaWriter(self, _check_media_id(media_id), expected_size)

    def reader(self, media_id: str, key: bytes) -> Iterator[bytes]:
        """Plaintext, segment by segment, each authenticated before it is yielded.

        Raises :class:`MediaMissing` at once if there is no such file, and
        :class:`MediaCorrupt` (``segment`` = index, or None for header and length) while
        iterating on any tampering, truncation, extension, wrong key or wrong id.
        """
        path = self.path_of(media_id)
        if len(key) != KEY_LEN:
            raise ValueError("key-invalid")
        if not path.is_file():
            raise MediaMissing(media_id=media_id)
        return self._read(path, media_id, bytes(key))

    def read_range(self, media_id: str, key: bytes, offset: int, length: int) -> bytes:
        """``length`` plaintext bytes from ``offset`` (fewer at the end of the file), reading
        and authenticating only the segments that hold them: how a resumed upload reads its
        next chunk without decrypting the file from the start."""
        if offset < 0 or length < 0:
            raise ValueError("range-invalid")
        path = self.path_of(media_id)
        if len(key) != KEY_LEN:
            raise ValueError("key-invalid")
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise MediaMissing(media_id=media_id) from None
        with handle:
            header = handle.read(HEADER_LEN)
            if len(header) < HEADER_LEN:
                raise MediaCorrupt(media_id=media_id, segment=None, reason="truncated-header")
            magic, version, segment_size, prefix = _HEADER.unpack(header)
            if (
                magic != MAGIC
                or version != FORMAT_VERSION
                or not (MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE)
            ):
                raise MediaCorrupt(media_id=media_id, segment=None, reason="bad-header")
            chunk = segment_size + TAG_LEN
            full, rest = divmod(os.fstat(handle.fileno()).st_size - HEADER_LEN, chunk)
            if rest < TAG_LEN:
                raise MediaCorrupt(media_id=media_id, segment=None, reason="bad-length")
            aead = AESGCM(bytes(key))
            aad = _aad(header, media_id)
            out = bytearray()
            index = offset // segment_size
            skip = offset - index * segment_size
            while len(out) < length and index <= full:
                last = index == full
                handle.seek(HEADER_LEN + index * chunk)
                want = rest if last else chunk
                sealed = handle.read(want)
                if len(sealed) != want:
                    raise MediaCorrupt(media_id=media_id, segment=index, reason="truncated")
                try:
                    plain = aead.decrypt(_nonce(prefix, index, last), sealed, aad)
                except InvalidTag:
                    bad = MediaCorrupt(media_id=media_id, segment=index, reason="auth-failed")
                    raise bad from None
                out += plain[skip : skip + (length - len(out))]
                skip = 0
                index += 1
            return bytes(out)

    def read_all(self, media_id: str, key: bytes) -> bytes:
        return b"".join(self.reader(media_id, key))

    def verify(self, media_id: str, key: bytes) -> str:
        """Authenticate the whole file; return the sha256 hex of its plaintext."""
        digest = hashlib.sha256()
        for chunk in self.reader(media_id, key):
            digest.update(chunk)
        return digest.hexdigest()

    def exists(self, media_id: str) -> bool:
        return self.path_of(media_id).is_file()

    def delete(self, media_id: str) -> None:
        """Remove a published file; deleting what is not there is not an error."""
        try:
            self.path_of(media_id).unlink()
        except FileNotFoundError:
            return
        _fsync_dir(self.root)

    def media_ids(self) -> set[str]:
        """Ids of the published files (partials and foreign files are ignored)."""
        ids = set()
        for entry in self.root.iterdir():
            name = entry.name
            if not name.endswith(SUFFIX) or not entry.is_file():
                continue
            try:
                ids.add(_check_media_id(name[: -len(SUFFIX)]))
            except ValueError:
                continue
        return ids

    def sweep_partials(self) -> int:
        """Remove partial files left by a crash (not those of this vault's open writers)."""
        removed = 0
        for entry in self.root.iterdir():
            if not entry.name.startswith(PARTIAL_PREFIX) or entry in self._active_partials:
                continue
            if not entry.is_file() or entry.is_symlink():
                continue
            try:
                entry.unlink()
            except FileNotFoundError:
                continue
            removed += 1
        if removed:
            _fsync_dir(self.root)
        return removed

    def _read(self, path: Path, media_id: str, key: bytes) -> Iterator[bytes]:
        def corrupt(reason: str, segment: int | None = None) -> MediaCorrupt:
            return MediaCorrupt(media_id=media_id, segment=segment, reason=reason)

        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise MediaMissing(media_id=media_id) from None
        with handle:
            header = handle.read(HEADER_LEN)
            if len(header) < HEADER_LEN:
                raise corrupt("truncated-header")
            magic, version, segment_size, prefix = _HEADER.unpack(header)
            if magic != MAGIC:
                raise corrupt("bad-magic")
            if version != FORMAT_VERSION:
                raise corrupt("unsupported-version")
            if not MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE:
                raise corrupt("bad-segment-size")
            chunk = segment_size + TAG_LEN
            full, rest = divmod(os.fstat(handle.fileno()).st_size - HEADER_LEN, chunk)
            if rest < TAG_LEN or full >= MAX_SEGMENTS:
                raise corrupt("bad-length")

            aead = AESGCM(key)
            aad = _aad(header, media_id)
            for index in range(full + 1):
                last = index == full
                want = rest if last else chunk
                sealed = handle.read(want)
                if len(sealed) != want:
                    raise corrupt("truncated", index)  # the file shrank while we read it
                try:
                    plain = aead.decrypt(_nonce(prefix, index, last), sealed, aad)
                except InvalidTag:
                    raise corrupt("auth-failed", index) from None
                if plain:
                    yield plain
            if handle.read(1):
                raise corrupt("trailing-data", full + 1)  # the file grew while we read it
