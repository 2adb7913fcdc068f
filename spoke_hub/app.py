"""The hub's HTTP API: :func:`create_app` wires a :class:`~spoke_hub.store.HubStore` into a
FastAPI app speaking :mod:`spoke_client.sync.protocol`.

Routes: ``POST /v1/enrol``, ``GET /v1/hello``, ``POST /v1/push``, ``GET /v1/pull``,
``GET /v1/media/{media_id}``, the tus ``/v1/files`` resource (:mod:`spoke_hub.tus`),
``GET /healthz`` and FastAPI's ``GET /openapi.json``; the spoke's live-call socket
``/v1/call/{encounter_id}`` (:mod:`spoke_hub.signalling`), and the doctor console under
``/console`` (:mod:`spoke_hub.console`, a separate app: browsers speak no Spoke protocol).
A device sees and writes only its own facility's data: every query is scoped by the
facility of the token's device.

The clock is a boundary (``clock=``): the ``Spoke-Hub-Time`` header, ``hub_time`` fields,
enrolment-code and upload expiry all read it. Store calls are blocking, so they run on
worker threads (FastAPI does that for ``def`` endpoints and dependencies).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query

from spoke_client import __version__
from spoke_client.sync.protocol import (
    CALL_GRACE_S,
    MAX_PUSH_BYTES,
    PROTOCOL_VERSION,
    EnrolReply,
    EnrolRequest,
    ErrorCode,
    Hello,
    MediaStatus,
    PullReply,
    PushReply,
    PushRequest,
)

from .clock import Clock, iso
from .console import CaseDesk, ConsoleDispatch, create_console_app
from .context import DeviceDep, HubContext
from .doctors import Doctors
from .errors import ApiError, install_handlers
from .middleware import BodyLimit, ProtocolGate
from .model import HubRefused
from .signalling import QUEUE_EVERY_S, CallHub, call_router
from .store import HubStore
from .tus import tus_router

log = logging.getLogger("spoke_hub")

ENROL_MAX_BYTES = 16 * 1024
PULL_DEFAULT, PULL_MAX = 200, 1000
MAX_SQL_INT = 2**62
DEFAULT_UPLOAD_EXPIRY = timedelta(days=7)


def _check_text(value: Any) -> None:
    """400 for text that cannot be stored (lone surrogates from ``\\ud800`` escapes)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ApiError(
                    400, ErrorCode.BAD_REQUEST, "The request carries text that is not Unicode."
                ) from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def create_app(
    store: HubStore,
    *,
    media_dir: Path | str | None = None,
    clock: Clock | None = None,
    upload_expiry: timedelta = DEFAULT_UPLOAD_EXPIRY,
    cleanup_every: float = 3600.0,
    idle_timeout: float = 60.0,
    call_grace_s: float = CALL_GRACE_S,
    queue_every: float = QUEUE_EVERY_S,
    ice_servers: list[dict[str, Any]] | None = None,
) -> FastAPI:
    """The hub's FastAPI app over ``store``.

    ``media_dir`` is where upload bytes go; it is the store's media folder (the store
    truncates and deletes those files), so it may be omitted. ``clock`` defaults to the
    store's. ``upload_expiry`` is how long an incomplete upload lives; expired ones are
    refused (410) at once and deleted every ``cleanup_every`` seconds while the app runs.
    A PATCH whose body stops arriving for ``idle_timeout`` seconds keeps what arrived.

    Live calls: a call whose spoke or doctor socket stays away ``call_grace_s`` seconds
    is dropped; waiting spokes and open consoles get the queue at least every
    ``queue_every`` seconds; ``ice_servers`` (RTCIceServer dicts) go to the console page.
    """
    if media_dir is not None and Path(media_dir).resolve() != store.media_dir.resolve():
        raise ValueError("media_dir must be the store's media folder (HubStore.media_dir)")
    ctx = HubContext(
        store=store,
        clock=clock or store.clock,
        upload_expiry=upload_expiry,
        idle_timeout=idle_timeout,
    )
    doctors = Doctors(store)
    desk = CaseDesk(store, ctx.clock)
    calls = CallHub(store, doctors, desk, ctx.clock, grace_s=call_grace_s, queue_every=queue_every)
    console = create_console_app(
        store=store,
        doctors=doctors,
        desk=desk,
        calls=calls,
        clock=ctx.clock,
        ice_servers=list(ice_servers or []),
        console_ws=calls.console_socket,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_cleanup_loop(ctx, cleanup_every))
        calls.start()
        try:
            yield
        finally:
            await calls.stop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        title="Spoke hub",
        version=__version__,
        description="The reference hub for Spoke clients (wire contract: "
        "spoke_client/sync/protocol.py).",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.hub = ctx
    app.state.calls = calls
    app.state.console = console
    install_handlers(app)
    app.add_middleware(BodyLimit, limits={"/v1/push": MAX_PUSH_BYTES, "/v1/enrol": ENROL_MAX_BYTES})
    app.add_middleware(ProtocolGate, clock=ctx.clock)
    app.add_middleware(ConsoleDispatch, console=console)  # added last: the outermost

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/v1/enrol", response_model=EnrolReply)
    def enrol(body: EnrolRequest) -> EnrolReply:
        """Exchange a one-time enrolment code for a device id and token (403 if the code
        is unknown, used or expired)."""
        _check_text([body.code, body.device_name])
        try:
            return store.enrol(body.code, body.device_name, now=ctx.clock())
        except HubRefused as refused:
            raise ApiError(403, refused.code, refused.message) from None

    @app.get("/v1/hello", response_model=Hello)
    def hello(device: DeviceDep) -> Hello:
        return Hello(
            protocol=PROTOCOL_VERSION,
            hub_id=store.hub_id,
            epoch=store.epoch,
            hub_time=iso(ctx.clock()),
            device_id=device.id,
            facility_code=device.facility,
        )

    @app.post("/v1/push", response_model=PushReply)
    def push(body: PushRequest, device: DeviceDep) -> PushReply:
        """Apply ops in order, at most once each, in one transaction (see spoke_hub.push)."""
        _check_text([[op.op_id, op.entity_id, op.created_at, op.payload] for op in body.ops])
        too_big = [i for i, op in enumerate(body.ops) if op.version > MAX_SQL_INT]
        if too_big:
            raise ApiError(
                400, ErrorCode.BAD_REQUEST, "An op's version is out of range.", {"ops": too_big}
            )
        results = store.apply_push(device, list(body.ops), now=ctx.clock())
        return PushReply(results=results, epoch=store.epoch, hub_time=iso(ctx.clock()))

    @app.get("/v1/pull", response_model=PullReply)
    def pull(
        device: DeviceDep,
        cursor: Annotated[int, Query(ge=0, le=MAX_SQL_INT)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_SQL_INT)] = PULL_DEFAULT,
    ) -> PullReply:
        """This facility's hub-side changes after ``cursor`` (``limit`` capped at 1000)."""
        changes, new_cursor, more = store.pull(device.facility, cursor, min(limit, PULL_MAX))
        return PullReply(
            epoch=store.epoch,
            cursor=new_cursor,
            changes=changes,
            more=more,
            hub_time=iso(ctx.clock()),
        )

    @app.get("/v1/media/{media_id}", response_model=MediaStatus)
    def media(media_id: str, device: DeviceDep) -> MediaStatus:
        """How far this facility's upload of ``media_id`` got (404 if the hub has none)."""
        upload = store.find_upload(device.facility, media_id)
        if upload is None or upload.expired(iso(ctx.clock())):
            raise ApiError(404, ErrorCode.NOT_FOUND, "The hub has no upload of this media.")
        return MediaStatus(
            media_id=upload.media_id,
            size=upload.length,
            offset=upload.offset,
            sha256=upload.sha256,
            complete=upload.complete,
            upload_url=upload.url,
        )

    app.include_router(tus_router(ctx))
    app.include_router(call_router(calls))
    return app


async def _cleanup_loop(ctx: HubContext, every: float) -> None:
    """Delete expired incomplete uploads now and then every ``every`` seconds."""
    while True:
        try:
            gone = await asyncio.to_thread(ctx.store.purge_expired_uploads, now=ctx.clock())
            if gone:
                log.info("removed %d expired incomplete upload(s)", gone)
        except Exception as exc:  # keep the loop alive; never log contents
            log.warning("upload clean-up failed: %s", type(exc).__name__)
        await asyncio.sleep(every)
