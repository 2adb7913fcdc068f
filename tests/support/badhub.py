"""``BadHub``: a hub that answers every request wrongly, in one switchable way (``mode``).

It answers every path and method (``/v1/hello``, ``/v1/push``, the tus ``/v1/files`` calls,
anything) on ``127.0.0.1`` at an ephemeral port (``.port``, ``.url``), and keeps
``requests`` (a list of ``(method, path)``) so a test can count what the spoke sent.

Modes (``BadHub.MODES``; change ``hub.mode`` at any time):

``malformed-json``        200, ``Content-Type: application/json``, a body cut off mid-JSON.
``wrong-schema``          200, valid JSON of the wrong shape (``{"results": "yes"}``: no epoch,
                          no hub_time, results not a list; no model in the protocol accepts it).
``http-500``              500 with an HTML body.
``http-503-retry-after``  503 with ``Retry-After: <retry_after_s>`` (2) and a text body.
``unsupported-protocol``  426 with an ``ErrorReply`` (code ``protocol-unsupported``,
                          ``detail.supported`` = ``supported_versions``).
``never-answers``         reads the request, then never answers; the socket stays open.
``slow-drip``             200 headers at once (with the full Content-Length), then the body one
                          byte every ``drip_interval_s`` (5) seconds.
``wrong-content-type``    200 ``text/plain`` (a captive portal's kind of answer).
``truncated``             200 with a Content-Length larger than the body sent, then closes.

From a thread: ``hub = BadHub("http-500").start_in_thread(); ...; hub.stop()`` (or ``with``).
From asyncio: ``async with BadHub("slow-drip", drip_interval_s=0.2) as hub: ...``.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from spoke_client.sync import protocol as p
from tests.support.netfault import LoopThread, ThreadedService

MODES = (
    "malformed-json",
    "wrong-schema",
    "http-500",
    "http-503-retry-after",
    "unsupported-protocol",
    "never-answers",
    "slow-drip",
    "wrong-content-type",
    "truncated",
)

# A well-formed PushReply-shaped document: what slow-drip and truncated send (or begin to).
_GOOD_LOOKING = json.dumps(
    {"results": [], "epoch": "bad-hub-epoch", "hub_time": "2026-11-23T05:30:00+00:00"}
).encode()
MALFORMED_BODY = b'{"results": [{"op_id": "op-1", "status": "appl'
WRONG_SCHEMA_BODY = b'{"results": "yes"}'
HTML_500_BODY = b"<html><body><h1>500 Internal Server Error</h1><p>nginx</p></body></html>"


class BadHub(ThreadedService):
    """A misbehaving hub on loopback; ``mode`` picks how it misbehaves (see the module doc)."""

    MODES = MODES

    def __init__(
        self,
        mode: str = "http-500",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        retry_after_s: int = 2,
        drip_interval_s: float = 5.0,
        supported_versions: tuple[int, ...] = (p.PROTOCOL_VERSION + 1,),
    ) -> None:
        self.mode = mode
        self.host = host
        self.port = port
        self.retry_after_s = retry_after_s
        self.drip_interval_s = drip_interval_s
        self.supported_versions = supported_versions
        self.requests: list[tuple[str, str]] = []
        self._handlers: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._thread: LoopThread | None = None

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"unknown BadHub mode {value!r}; one of {', '.join(MODES)}")
        self._mode = value

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def counts(self) -> Counter[str]:
        """Requests per path so far."""
        return Counter(path for _method, path in list(self.requests))

    # ---- life cycle ----------------------------------------------------------------------------
    async def start(self) -> BadHub:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        if self._runner is None:
            return
        for task in list(self._handlers):
            task.cancel()
        await self._runner.cleanup()
        self._runner = None

    def _thread_name(self) -> str:
        return f"BadHub:{self.mode}"

    # ---- answers -------------------------------------------------------------------------------
    def _headers(self, request: web.Request) -> dict[str, str]:
        """What a real hub stamps on every answer (so only the mode's fault is a fault)."""
        headers = {p.HUB_TIME_HEADER: datetime.now(UTC).isoformat()}
        if request.path == "/v1/files" or request.path.startswith("/v1/files/"):
            headers["Tus-Resumable"] = p.TUS_VERSION
        return headers

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            mode = self.mode
            await request.read()
            return await getattr(self, "_" + mode.replace("-", "_"))(request)
        finally:
            self._handlers.discard(task)

    def _json(self, request: web.Request, body: bytes, status: int = 200) -> web.Response:
        return web.Response(
            status=status,
            body=body,
            content_type="application/json",
            headers=self._headers(request),
        )

    async def _malformed_json(self, request: web.Request) -> web.StreamResponse:
        return self._json(request, MALFORMED_BODY)

    async def _wrong_schema(self, request: web.Request) -> web.StreamResponse:
        return self._json(request, WRONG_SCHEMA_BODY)

    async def _http_500(self, request: web.Request) -> web.StreamResponse:
        return web.Response(
            status=500, body=HTML_500_BODY, content_type="text/html", headers=self._headers(request)
        )

    async def _http_503_retry_after(self, request: web.Request) -> web.StreamResponse:
        headers = self._headers(request) | {"Retry-After": str(self.retry_after_s)}
        return web.Response(status=503, text="Service Unavailable\n", headers=headers)

    async def _unsupported_protocol(self, request: web.Request) -> web.StreamResponse:
        reply = p.ErrorReply(
            error=p.ErrorBody(
                code=p.ErrorCode.PROTOCOL_UNSUPPORTED,
                message="This hub does not speak your protocol version.",
                detail={"supported": list(self.supported_versions)},
            )
        )
        return self._json(request, reply.model_dump_json().encode(), status=426)

    async def _never_answers(self, request: web.Request) -> web.StreamResponse:
        await asyncio.Event().wait()  # until the client goes or the hub closes
        raise AssertionError("unreachable")

    async def _slow_drip(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(status=200, headers=self._headers(request))
        resp.content_type = "application/json"
        resp.content_length = len(_GOOD_LOOKING)
        await resp.prepare(request)
        for i in range(len(_GOOD_LOOKING)):
            await asyncio.sleep(self.drip_interval_s)
            await resp.write(_GOOD_LOOKING[i : i + 1])
        await resp.write_eof()
        return resp

    async def _wrong_content_type(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=200, text="All systems go.\n", headers=self._headers(request))

    async def _truncated(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(status=200, headers=self._headers(request))
        resp.content_type = "application/json"
        resp.content_length = len(_GOOD_LOOKING) + 1000
        await resp.prepare(request)
        await resp.write(_GOOD_LOOKING)
        transport = request.transport
        if transport is not None:
            transport.close()  # flushes what was written, then closes: the body stays short
        return resp
