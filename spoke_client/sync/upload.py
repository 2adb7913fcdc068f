"""Resumable media upload over tus: resume from the hub's offset after any cut.

The upload URL is kept in the store as soon as the hub hands it out, so a cut, a crash or
a restart resumes where the hub got to (HEAD), never from the start. Each chunk carries its
SHA-256 (tus checksum extension), so a chunk cut part-way is dropped whole by the hub and
sent again: a cut costs at most one chunk. Chunks are sized to a few seconds of the
throughput measured on the last chunks, so on a 2G link a cut loses seconds, and on
broadband the per-request overhead stays small.

A cut that comes after the hub took a chunk is resumed at once (HEAD, then on): the link
was working a moment ago, and handing the cut to the sync loop would put it through the
loop's backoff, which grows with every failure of the round, so a long upload over a link
cut every few tens of seconds would wait longer and longer between chunks. A failure with
no chunk taken since the last cut (the link is down) goes to the loop and its backoff.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from spoke_client.sync.errors import SyncError
from spoke_client.sync.hublink import HubLink

MIN_CHUNK = 16 * 1024
MAX_CHUNK = 4 * 1024 * 1024
FIRST_CHUNK = 64 * 1024
CUT_KINDS = frozenset({"hub-unreachable", "timeout"})  # the link broke, not the hub refused


@dataclass
class ChunkSizer:
    """Chunk size = ``target_s`` seconds of the smoothed measured throughput."""

    target_s: float = 3.0
    size: int = FIRST_CHUNK
    rate: float | None = None  # bytes per second, smoothed

    def measured(self, nbytes: int, seconds: float) -> None:
        if nbytes <= 0 or seconds <= 0:
            return
        sample = nbytes / seconds
        self.rate = sample if self.rate is None else 0.6 * self.rate + 0.4 * sample
        want = int(self.rate * self.target_s)
        self.size = max(MIN_CHUNK, min(MAX_CHUNK, want))


@dataclass
class UploadItem:
    media_id: str
    encounter_id: str
    mime: str
    size: int
    sha256: str
    upload_url: str | None


ReadChunk = Callable[[str, int, int], Awaitable[bytes]]
SaveUrl = Callable[[str, str | None], Awaitable[None]]
Progress = Callable[[str, int, int], None]


class MediaUploader:
    def __init__(
        self,
        link: HubLink,
        read_chunk: ReadChunk,
        save_url: SaveUrl,
        *,
        sizer: ChunkSizer,
        progress: Progress | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.link = link
        self.read_chunk = read_chunk
        self.save_url = save_url
        self.sizer = sizer
        self.progress = progress or (lambda media_id, done, total: None)
        self.should_stop = should_stop
        self.monotonic = monotonic
        self.bytes_sent = 0  # every byte put on the wire, re-sent ones included

    async def upload(self, item: UploadItem) -> bool:
        """Upload until the hub has every byte. True when complete; False if asked to stop
        (a call started). Raises ``SyncError`` on a failure the sync loop will retry."""
        url, offset = await self._resume(item)
        refusals = 0
        taken = False  # the hub took a chunk since the last cut
        while offset < item.size:
            if self.should_stop():
                return False
            self.progress(item.media_id, offset, item.size)
            chunk = await self.read_chunk(item.media_id, offset, self.sizer.size)
            if not chunk:
                raise SyncError(kind="upload-lost", media_id=item.media_id, why="short-read")
            started = self.monotonic()
            self.bytes_sent += len(chunk)
            try:
                new_offset = await self.link.tus_patch(url, offset, chunk)
            except SyncError as exc:
                if exc.kind not in CUT_KINDS or not taken:
                    raise
                taken = False
                url, offset = await self._resume(item)
                continue
            if new_offset is None or new_offset < offset or new_offset > item.size:
                # Offset out of step, checksum refused, or the upload expired: ask again.
                refusals += 1
                if refusals > 5:
                    raise SyncError(kind="bad-reply", what="tus-refused-chunks")
                url, offset = await self._resume(item)
                continue
            self.sizer.measured(new_offset - offset, self.monotonic() - started)
            taken = taken or new_offset > offset
            offset = new_offset
        self.progress(item.media_id, item.size, item.size)
        return True

    async def _resume(self, item: UploadItem) -> tuple[str, int]:
        if item.upload_url:
            offset = await self.link.tus_offset(item.upload_url)
            if offset is not None:
                return item.upload_url, offset
        url = await self.link.tus_create(
            item.size,
            {
                "media_id": item.media_id,
                "encounter_id": item.encounter_id,
                "sha256": item.sha256,
                "mime": item.mime,
            },
        )
        await self.save_url(item.media_id, url)
        item.upload_url = url
        offset = await self.link.tus_offset(url)
        if offset is None:
            raise SyncError(kind="bad-reply", what="tus-created-upload-missing")
        return url, offset
