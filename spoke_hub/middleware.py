"""Pure ASGI middleware (no body buffering except where a limit needs it, so tus PATCH
streams straight to disk).

- :class:`ProtocolGate` answers 426 ``protocol-unsupported`` to a request without a
  supported ``Spoke-Protocol`` header, honours tus's ``X-HTTP-Method-Override`` on
  ``/v1/files``, stamps ``Spoke-Hub-Time`` on every response (and ``Tus-Resumable`` on
  every ``/v1/files`` response, errors included), and turns any escaped
  exception into a 500 ``internal`` reply (logged by type and code location only).
- :class:`BodyLimit` reads the body of the few JSON POSTs up to their limit before the
  app sees it, answering 413 ``too-large`` when the real body (not only its
  ``Content-Length``) is bigger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from spoke_client.sync.protocol import (
    HUB_TIME_HEADER,
    PROTOCOL_HEADER,
    SUPPORTED_VERSIONS,
    TUS_VERSION,
    ErrorCode,
)

from .clock import Clock, iso
from .errors import error_body, log_internal

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: (method, path) pairs that need no Spoke-Protocol header.
EXEMPT = {("GET", "/openapi.json"), ("GET", "/healthz"), ("HEAD", "/healthz")}
TUS_PREFIX = "/v1/files"


async def send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    """Answer with a JSON body straight from middleware."""
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _supported(value: str | None) -> bool:
    try:
        return value is not None and int(value.strip()) in SUPPORTED_VERSIONS
    except ValueError:
        return False


def _exempt(method: str, path: str) -> bool:
    if (method, path) in EXEMPT:
        return True
    return method == "OPTIONS" and (path == TUS_PREFIX or path.startswith(TUS_PREFIX + "/"))


class ProtocolGate:
    """Protocol header check, method override, hub time, last-resort 500 (see module)."""

    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app, self.clock = app, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        path: str = scope["path"]
        override = headers.get("x-http-method-override", "").strip().upper()
        if scope["method"] == "POST" and path.startswith(TUS_PREFIX) and override:
            scope = dict(scope, method=override)
        started = False
        tus = path == TUS_PREFIX or path.startswith(TUS_PREFIX + "/")

        async def send_stamped(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw = [h for h in message.get("headers", []) if h[0].lower() != b"spoke-hub-time"]
                raw.append((HUB_TIME_HEADER.lower().encode(), iso(self.clock()).encode()))
                if tus and not any(h[0].lower() == b"tus-resumable" for h in raw):
                    raw.append((b"tus-resumable", TUS_VERSION.encode()))
                message = dict(message, headers=raw)
            await send(message)

        if not _exempt(scope["method"], path) and not _supported(
            headers.get(PROTOCOL_HEADER.lower())
        ):
            versions = ", ".join(map(str, SUPPORTED_VERSIONS))
            await send_json(
                send_stamped,
                426,
                error_body(
                    ErrorCode.PROTOCOL_UNSUPPORTED,
                    f"This hub speaks Spoke protocol {versions}; send the {PROTOCOL_HEADER}"
                    " header with one of them.",
                    {"supported": list(SUPPORTED_VERSIONS)},
                ),
            )
            return
        try:
            await self.app(scope, receive, send_stamped)
        except Exception as exc:
            log_internal(scope["method"], path, exc)
            if not started:
                await send_json(
                    send_stamped,
                    500,
                    error_body(ErrorCode.INTERNAL, "The hub failed; it has been logged."),
                )


class BodyLimit:
    """Read a POST body to ``limits[path]`` bytes at most before the app sees it (413)."""

    def __init__(self, app: ASGIApp, limits: dict[str, int]) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.get(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        too_large = error_body(
            ErrorCode.TOO_LARGE,
            f"The request body is larger than {limit} bytes; send smaller batches.",
            {"max_bytes": limit},
        )
        declared = _headers(scope).get("content-length", "").strip()
        if re.fullmatch(r"[0-9]{1,18}", declared) and int(declared) > limit:
            await send_json(send, 413, too_large)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before its body arrived: nothing to answer
            messages.append(message)
            size += len(message.get("body", b""))
            if size > limit:
                await send_json(send, 413, too_large)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()  # after the body: waits for http.disconnect

        await self.app(scope, replay, send)
