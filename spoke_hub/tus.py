"""Resumable media upload: the tus 1.0.0 protocol (https://tus.io/protocols/resumable-upload)
with the creation, checksum (sha1, sha256), expiration and termination extensions.

``POST /v1/files`` creates an upload (``Upload-Length`` and ``Upload-Metadata`` with
``media_id``, ``encounter_id``, ``sha256`` (hex of the whole file) and ``mime``); a
facility that already has a live upload for that media id gets THAT upload's Location, so
a spoke that lost its URL resumes. ``HEAD`` tells the offset, ``PATCH`` appends at it,
``DELETE`` terminates. Every upload is scoped to the facility of the device token: another
facility's upload is 404.

Durability and resume: PATCH bytes are written to ``media/<id>`` at the offset as they
arrive, fsync'ed, and only then is the offset advanced in the database. A PATCH whose body
is cut part-way (the client went away, or sent nothing for ``idle_timeout`` seconds, or a
newer PATCH for the same upload asked it to let go) keeps the bytes that arrived, unless it
carried ``Upload-Checksum``: a partial chunk cannot be checked, so it is discarded. When the
offset reaches the length, the whole file's sha256 is checked against the metadata: a
mismatch answers 460 and resets the upload to offset 0.

One PATCH per upload at a time (a per-upload lock in this process: run one hub process).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from spoke_client.sync.protocol import MAX_MEDIA_BYTES, TUS_VERSION, ErrorCode

from .clock import http_date, iso
from .context import DeviceDep, HubContext
from .errors import ApiError
from .model import Device, Upload
from .uploads import file_sha256

EXTENSIONS = "creation,checksum,expiration,termination"
CHECKSUMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
OFFSET_TYPE = "application/offset+octet-stream"
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_DIGITS = re.compile(r"[0-9]{1,18}")  # ASCII only: "²".isdigit() is True
_ID_MAX = 64
LOCK_WAIT = 30.0


class _Cut(Exception):
    """The PATCH body stopped before its end (``why``: disconnect, idle or released)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass
class _Slot:
    """One upload's PATCH lock, and the event asking its holder to let go."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    users: int = 0  # PATCHes holding or waiting for the lock; the slot goes at 0


def _bad(message: str, **detail: Any) -> ApiError:
    return ApiError(400, ErrorCode.BAD_REQUEST, message, detail)


def _require_tus(request: Request) -> None:
    if request.headers.get("tus-resumable", "").strip() != TUS_VERSION:
        raise ApiError(
            412,
            ErrorCode.BAD_REQUEST,
            f"This hub speaks tus {TUS_VERSION}; send Tus-Resumable: {TUS_VERSION}.",
            {"tus_version": [TUS_VERSION]},
            headers={"Tus-Version": TUS_VERSION},
        )


def _int_header(request: Request, name: str) -> int:
    raw = request.headers.get(name, "").strip()
    if not _DIGITS.fullmatch(raw):
        raise _bad(f"{name} must be a whole number of bytes.", header=name)
    return int(raw)


def parse_metadata(header: str) -> dict[str, str]:
    """tus ``Upload-Metadata``: comma-separated ``key base64value`` pairs (value optional)."""
    out: dict[str, str] = {}
    for pair in header.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        if not key or key in out or " " in value.strip():
            raise _bad("Upload-Metadata is malformed.", header="Upload-Metadata")
        try:
            out[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise _bad("Upload-Metadata values must be base64 of UTF-8 text.", key=key) from None
    return out


def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
    """``Upload-Checksum: sha256 <base64 digest>`` -> (algorithm, digest); 400 if malformed
    or of an algorithm the hub does not support (as tus says)."""
    if header is None:
        return None
    algorithm, _, value = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUMS:
        raise _bad(
            "Upload-Checksum uses an algorithm this hub does not support.",
            supported=sorted(CHECKSUMS),
        )
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise _bad("Upload-Checksum's digest must be base64.") from None
    if len(digest) != CHECKSUMS[algorithm]().digest_size:
        raise _bad("Upload-Checksum's digest has the wrong length.")
    return algorithm, digest


async def _chunks(request: Request, release: asyncio.Event, idle: float) -> AsyncIterator[bytes]:
    """The request body chunk by chunk; raises :class:`_Cut` if it stops early."""
    stream = request.stream().__aiter__()
    while True:
        nxt = asyncio.ensure_future(stream.__anext__())
        let_go = asyncio.ensure_future(release.wait())
        done, _ = await asyncio.wait(
            {nxt, let_go}, timeout=idle, return_when=asyncio.FIRST_COMPLETED
        )
        let_go.cancel()
        if nxt not in done:
            nxt.cancel()
            raise _Cut("released" if let_go in done else "idle")
        try:
            chunk = nxt.result()
        except StopAsyncIteration:
            return
        except ClientDisconnect:
            raise _Cut("disconnect") from None
        if chunk:
            yield chunk


def tus_router(ctx: HubContext) -> APIRouter:
    """The ``/v1/files`` routes over ``ctx``'s store (see the module docstring)."""
    router = APIRouter(prefix="/v1/files", tags=["media (tus 1.0.0)"])
    store = ctx.store
    slots: dict[str, _Slot] = {}

    def options_headers() -> dict[str, str]:
        return {
            "Tus-Resumable": TUS_VERSION,
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": EXTENSIONS,
            "Tus-Checksum-Algorithm": ",".join(CHECKSUMS),
            "Tus-Max-Size": str(MAX_MEDIA_BYTES),
        }

    def live_upload(upload_id: str, device: Device) -> Upload:
        """The device's facility's upload ``upload_id``: 404 if none, 410 if expired."""
        upload = store.get_upload(upload_id)
        if upload is None or upload.facility != device.facility:
            raise ApiError(404, ErrorCode.NOT_FOUND, "No such upload.")
        if upload.expired(iso(ctx.clock())):
            raise ApiError(410, ErrorCode.UPLOAD_EXPIRED, "This upload expired; start again.")
        return upload

    def progress_headers(upload: Upload) -> dict[str, str]:
        headers = {"Upload-Offset": str(upload.offset), "Cache-Control": "no-store"}
        if not upload.complete:
            headers["Upload-Expires"] = http_date(upload.expires())
        return headers

    @router.options("", status_code=204)
    @router.options("/{upload_id}", status_code=204, include_in_schema=False)
    def options() -> Response:
        """What the hub supports (no Spoke-Protocol header or token needed)."""
        return Response(status_code=204, headers=options_headers())

    @router.post("", status_code=201)
    def create(request: Request, device: DeviceDep) -> Response:
        """Create an upload, or answer with this facility's live upload of the media."""
        _require_tus(request)
        if "upload-defer-length" in request.headers and "upload-length" not in request.headers:
            raise _bad("This hub needs Upload-Length (creation-defer-length is not supported).")
        length = _int_header(request, "Upload-Length")
        if length > MAX_MEDIA_BYTES:
            raise ApiError(
                413,
                ErrorCode.TOO_LARGE,
                f"Media are at most {MAX_MEDIA_BYTES} bytes.",
                {"max_bytes": MAX_MEDIA_BYTES},
            )
        meta = parse_metadata(request.headers.get("upload-metadata", ""))
        for key, limit in (("media_id", _ID_MAX), ("encounter_id", _ID_MAX), ("mime", 127)):
            if not 1 <= len(meta.get(key, "")) <= limit:
                raise _bad(f"Upload-Metadata needs {key} (1 to {limit} characters).", key=key)
        if not _HEX64.fullmatch(meta.get("sha256", "")):
            raise _bad("Upload-Metadata needs sha256: the hex sha256 of the whole file.")
        case = store.encounter(meta["encounter_id"])
        if case is not None and case.facility != device.facility:
            raise ApiError(403, ErrorCode.OTHER_FACILITY, "That case belongs to another facility.")
        now = ctx.clock()
        upload, _created = store.create_upload(
            facility=device.facility,
            media_id=meta["media_id"],
            encounter_id=meta["encounter_id"],
            mime=meta["mime"],
            length=length,
            sha256=meta["sha256"].lower(),
            expires_at=now + ctx.upload_expiry,
            now=now,
        )
        headers = {"Location": upload.url, **progress_headers(upload)}
        del headers["Cache-Control"]
        return Response(status_code=201, headers=headers)

    @router.head("/{upload_id}")
    def head(upload_id: str, request: Request, device: DeviceDep) -> Response:
        """How far an upload got: Upload-Offset and Upload-Length."""
        _require_tus(request)
        upload = live_upload(upload_id, device)
        headers = {"Upload-Length": str(upload.length), **progress_headers(upload)}
        return Response(status_code=200, headers=headers)

    @router.delete("/{upload_id}", status_code=204)
    def terminate(upload_id: str, request: Request, device: DeviceDep) -> Response:
        """Termination: the upload and its bytes are removed."""
        _require_tus(request)
        upload = store.get_upload(upload_id)
        if upload is None or upload.facility != device.facility:
            raise ApiError(404, ErrorCode.NOT_FOUND, "No such upload.")
        store.delete_upload(upload_id)
        return Response(status_code=204)

    @router.patch("/{upload_id}", status_code=204)
    async def patch(upload_id: str, request: Request, device: DeviceDep) -> Response:
        """Append the body at Upload-Offset (see the module docstring for what is kept)."""
        _require_tus(request)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != OFFSET_TYPE:
            raise ApiError(
                415, ErrorCode.BAD_REQUEST, f"A PATCH body must be sent as {OFFSET_TYPE}."
            )
        offset = _int_header(request, "Upload-Offset")
        checksum = parse_checksum(request.headers.get("upload-checksum"))
        slot = slots.setdefault(upload_id, _Slot())
        slot.users += 1
        try:
            if slot.lock.locked():
                slot.release.set()  # an older PATCH of this upload is still reading: let go
            try:
                await asyncio.wait_for(slot.lock.acquire(), timeout=LOCK_WAIT)
            except TimeoutError:
                raise ApiError(
                    503,
                    "upload-busy",
                    "This upload is busy; try again.",
                    headers={"Retry-After": "2"},
                ) from None
            try:
                slot.release = asyncio.Event()
                return await _append(upload_id, request, device, offset, checksum, slot.release)
            finally:
                slot.lock.release()
        finally:
            slot.users -= 1
            if slot.users == 0:
                slots.pop(upload_id, None)

    async def _append(
        upload_id: str,
        request: Request,
        device: Device,
        offset: int,
        checksum: tuple[str, bytes] | None,
        release: asyncio.Event,
    ) -> Response:
        upload = await run_in_threadpool(live_upload, upload_id, device)
        path = store.media_file(upload)
        on_disk = path.stat().st_size if path.exists() else -1
        if on_disk < upload.offset:  # bytes the offset promises are gone: start again
            await run_in_threadpool(store.reset_upload, upload_id)
            upload = await run_in_threadpool(live_upload, upload_id, device)
        if offset != upload.offset:
            raise ApiError(
                409,
                ErrorCode.OFFSET_MISMATCH,
                "Upload-Offset is not where the upload stands; HEAD it and resume.",
                {"offset": upload.offset},
                headers={"Upload-Offset": str(upload.offset)},
            )
        room = upload.length - upload.offset
        declared = request.headers.get("content-length", "").strip()
        if _DIGITS.fullmatch(declared) and int(declared) > room:
            raise ApiError(
                413, ErrorCode.TOO_LARGE, "The chunk goes past Upload-Length.", {"room": room}
            )
        hasher = CHECKSUMS[checksum[0]]() if checksum else None
        written, cut, over = 0, None, False
        with open(path, "r+b", buffering=0) as f:
            f.seek(upload.offset)
            try:
                async for chunk in _chunks(request, release, ctx.idle_timeout):
                    if written + len(chunk) > room:
                        over = True
                        break
                    f.write(chunk)
                    written += len(chunk)
                    if hasher:
                        hasher.update(chunk)
            except _Cut as stopped:
                cut = stopped.why
            await run_in_threadpool(os.fsync, f.fileno())
        if over:
            raise ApiError(
                413, ErrorCode.TOO_LARGE, "The chunk goes past Upload-Length.", {"room": room}
            )
        if checksum and cut:
            raise ApiError(400, ErrorCode.BAD_REQUEST, "The checked chunk did not all arrive.")
        if checksum and hasher and hasher.digest() != checksum[1]:
            raise ApiError(
                460,
                ErrorCode.CHECKSUM_MISMATCH,
                "The chunk does not match its Upload-Checksum; it was discarded.",
                {"offset": upload.offset},
            )
        new_offset = upload.offset + written
        if written and not await run_in_threadpool(
            store.advance_upload, upload_id, upload.offset, new_offset
        ):
            raise ApiError(409, ErrorCode.OFFSET_MISMATCH, "The upload moved meanwhile.")
        if new_offset == upload.length and not upload.complete:
            whole = await run_in_threadpool(file_sha256, path, upload.length)
            if whole != upload.sha256:
                await run_in_threadpool(store.reset_upload, upload_id)
                raise ApiError(
                    460,
                    ErrorCode.CHECKSUM_MISMATCH,
                    "The whole file does not match its sha256; the upload starts again.",
                    {"offset": 0, "whole_file": True},
                    headers={"Upload-Offset": "0"},
                )
            await run_in_threadpool(store.complete_upload, upload_id, now=ctx.clock())
        done = await run_in_threadpool(store.get_upload, upload_id)
        assert done is not None
        headers = progress_headers(done)
        del headers["Cache-Control"]
        return Response(status_code=204, headers=headers)

    return router
