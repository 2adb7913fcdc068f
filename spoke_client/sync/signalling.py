"""``CallSocket``: the spoke's end of the hub's live-call WebSocket (``CALL_PATH``).

One socket per case. It speaks the models of ``protocol`` ("live call signalling"): the
spoke sends ``SigOffer``, ``SigEnd`` and ``SigLink``; the hub sends ``SigQueue``,
``SigDoctorJoined``, ``SigAnswer``, ``SigPeerAway``, ``SigEnded`` and ``SigError``. A message
of a type this spoke does not know (a newer hub) is skipped; one it knows but cannot read is
a ``SyncError(kind="bad-reply")``.

The socket reaches the hub exactly as ``HubLink`` does (same URL, device token, protocol
header, CA bundle or pinned certificate). Every way the socket can end becomes a
``SyncError`` whose ``kind`` the UI words: the hub's close codes (``protocol.WsClose``) map to
``unauthorised``, ``revoked``, ``not-found``, ``not-waiting``, ``replaced``,
``update-needed`` and ``bad-request``; a refused upgrade maps the same way by HTTP status;
anything else (refused, reset, cut, silent) is ``hub-unreachable`` (or ``tls``). WebSocket
pings every ``heartbeat_s`` notice a dead TCP connection without waiting for the OS.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
from pydantic import BaseModel, ValidationError

from spoke_client.sync import protocol as p
from spoke_client.sync.errors import SyncError
from spoke_client.sync.hublink import HubLink, _ssl_for, check_hub_url

log = logging.getLogger(__name__)

HubMessage = p.SigQueue | p.SigDoctorJoined | p.SigAnswer | p.SigPeerAway | p.SigEnded | p.SigError

_FROM_HUB: dict[str, type[BaseModel]] = {
    "queue": p.SigQueue,
    "doctor-joined": p.SigDoctorJoined,
    "answer": p.SigAnswer,
    "peer-away": p.SigPeerAway,
    "ended": p.SigEnded,
    "error": p.SigError,
}

#: The hub's close codes, as the kinds the UI words.
CLOSE_KINDS: dict[int, str] = {
    p.WsClose.BAD_MESSAGE: "bad-request",
    p.WsClose.UNAUTHORISED: "unauthorised",
    p.WsClose.REVOKED: "revoked",
    p.WsClose.NOT_FOUND: "not-found",
    p.WsClose.NOT_WAITING: "not-waiting",
    p.WsClose.REPLACED: "replaced",
    p.WsClose.PROTOCOL: "update-needed",
}

#: A refused upgrade (the hub answered HTTP instead of switching), as the same kinds.
STATUS_KINDS: dict[int, str] = {
    400: "bad-request",
    401: "unauthorised",
    403: "revoked",
    404: "not-found",
    409: "not-waiting",
    426: "update-needed",
}

#: Kinds after which opening the socket again is worth it (the rest need someone to act).
RETRYABLE_KINDS = frozenset({"hub-unreachable", "timeout", "tls", "bad-reply"})


def close_kind(code: int | None) -> str:
    """The kind for a WebSocket close code; anything that is not the hub's own is a lost
    connection."""
    return CLOSE_KINDS.get(code or 0, "hub-unreachable")


class CallSocket:
    """An open live-call socket. Use ``open_call_socket`` (or ``CallSocket.open``)."""

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse):
        self._session = session
        self._ws = ws
        self.close_code: int | None = None
        self.skipped = 0  # messages of types this spoke does not know

    @classmethod
    async def open(
        cls,
        url: str,
        token: str | None,
        encounter_id: str,
        *,
        ssl: Any = True,
        connect_timeout: float = 10.0,
        heartbeat_s: float = 10.0,
    ) -> CallSocket:
        """Opens ``CALL_PATH`` for ``encounter_id`` on the hub at ``url``; raises
        ``SyncError`` (see the module doc) if the hub does not take it."""
        target = check_hub_url(url) + p.CALL_PATH.format(encounter_id=encounter_id)
        headers = {p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=ssl, limit=1),
            timeout=aiohttp.ClientTimeout(
                total=None, connect=connect_timeout, sock_connect=connect_timeout
            ),
        )
        try:
            ws = await session.ws_connect(
                target,
                headers=headers,
                heartbeat=heartbeat_s,
                autoping=True,
                max_msg_size=1024 * 1024,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0),
            )
        except BaseException as exc:
            await session.close()
            failure = _open_failure(exc)
            if failure is None:
                raise
            raise failure from None
        return cls(session, ws)

    @property
    def closed(self) -> bool:
        return self._ws.closed

    async def send(self, message: p.SigOffer | p.SigEnd | p.SigLink) -> None:
        """Sends one spoke message; ``SyncError(kind="hub-unreachable")`` if the socket is
        gone."""
        if self._ws.closed:
            raise SyncError(kind=close_kind(self._ws.close_code))
        try:
            await self._ws.send_str(message.model_dump_json())
        except (aiohttp.ClientError, ConnectionError, RuntimeError):
            raise SyncError(kind="hub-unreachable") from None

    async def receive(self) -> HubMessage:
        """The next message from the hub. Raises ``SyncError`` when the socket ends (its kind
        from the close code) or the hub sends something it should not."""
        while True:
            try:
                msg = await self._ws.receive()
            except (aiohttp.ClientError, ConnectionError):
                raise SyncError(kind="hub-unreachable") from None
            if msg.type == aiohttp.WSMsgType.TEXT:
                parsed = self._parse(msg.data)
                if parsed is not None:
                    return parsed
                continue
            if msg.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.CLOSED,
            ):
                self.close_code = self._ws.close_code
                raise SyncError(kind=close_kind(self.close_code), close_code=self.close_code)
            if msg.type == aiohttp.WSMsgType.ERROR:
                raise SyncError(kind="hub-unreachable")
            if msg.type == aiohttp.WSMsgType.BINARY:
                raise SyncError(kind="bad-reply", what="binary")

    def _parse(self, text: str) -> HubMessage | None:
        try:
            data = json.loads(text)
        except ValueError:
            raise SyncError(kind="bad-reply", what="not-json") from None
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise SyncError(kind="bad-reply", what="no-type")
        model = _FROM_HUB.get(data["type"])
        if model is None:
            self.skipped += 1
            log.info("call socket: skipped a message of unknown type")
            return None
        try:
            return model.model_validate(data)  # type: ignore[return-value]
        except ValidationError:
            raise SyncError(kind="bad-reply", what=model.__name__) from None

    async def close(self) -> None:
        """Closes the socket (normal closure) and its HTTP session; safe to call twice."""
        try:
            if not self._ws.closed:
                await self._ws.close()
        except (aiohttp.ClientError, ConnectionError, TimeoutError):
            pass
        finally:
            await self._session.close()

    async def __aenter__(self) -> CallSocket:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _open_failure(exc: BaseException) -> SyncError | None:
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        kind = STATUS_KINDS.get(exc.status, "hub-unreachable")
        return SyncError(kind=kind, status=exc.status)
    if isinstance(exc, TimeoutError):
        return SyncError(kind="timeout")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return SyncError(kind="tls", why="certificate")
    if isinstance(exc, aiohttp.ServerFingerprintMismatch):
        return SyncError(kind="tls", why="pinned-certificate-mismatch")
    if isinstance(exc, aiohttp.ClientSSLError):
        return SyncError(kind="tls", why="handshake")
    if isinstance(exc, aiohttp.ClientError | OSError):
        return SyncError(kind="hub-unreachable", why=type(exc).__name__)
    return None


async def open_call_socket(
    link: HubLink | Mapping[str, Any], encounter_id: str, *, heartbeat_s: float = 10.0
) -> CallSocket:
    """Opens the call socket for ``encounter_id`` with what the caller has: a ``HubLink`` or
    the stored ``hub_link`` row (``hub_url``, ``token``, ``ca_bundle``, ``pinned_sha256``)."""
    if isinstance(link, HubLink):
        url, token, ssl = link.url, link.token, link._ssl
    else:
        url, token = link["hub_url"], link.get("token")
        ssl = _ssl_for(link.get("ca_bundle"), link.get("pinned_sha256"))
    return await CallSocket.open(url, token, encounter_id, ssl=ssl, heartbeat_s=heartbeat_s)
