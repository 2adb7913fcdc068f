"""``HubLink``: one conversation with the hub over HTTP (aiohttp), in the wire protocol.

Every request carries the protocol version and the device token; every answer is checked
against its pydantic schema before anything is believed, and every failure becomes a
``SyncError`` with a kind (never a raw exception, never a half-parsed answer). Timeouts are
set on connecting and on each read, so a hub that accepts the connection and never answers
costs ``read_timeout`` seconds, not for ever. The hub's clock (``Spoke-Hub-Time``) is noted
on every answer for the skew warning.
"""

from __future__ import annotations

import base64
import hashlib
import ssl
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import aiohttp
from pydantic import BaseModel, ValidationError

from spoke_client.sync import protocol as p
from spoke_client.sync.errors import SyncError

M = TypeVar("M", bound=BaseModel)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def check_hub_url(url: str) -> str:
    """https is required, except for a hub on this machine (a first look, the tests)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(kind="insecure-url", url=url, why="not-a-url")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise SyncError(kind="insecure-url", url=url, why="https-required")
    return url.strip().rstrip("/")


def _ssl_for(ca_bundle: str | None, pinned_sha256: str | None) -> Any:
    if pinned_sha256:
        # The certificate itself is pinned: its SHA-256 fingerprint must match exactly.
        return aiohttp.Fingerprint(bytes.fromhex(pinned_sha256.replace(":", "")))
    if ca_bundle:
        return ssl.create_default_context(cadata=ca_bundle)
    return True  # the system's trusted authorities


def _retry_after(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


class HubLink:
    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        ca_bundle: str | None = None,
        pinned_sha256: str | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        clock: Callable[[], datetime],
    ) -> None:
        self.url = check_hub_url(url)
        self.token = token
        self.clock = clock
        self._ssl = _ssl_for(ca_bundle, pinned_sha256)
        self._read_timeout = read_timeout
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            connect=connect_timeout,
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )
        self._session: aiohttp.ClientSession | None = None
        self.clock_skew_s: float | None = None  # hub clock minus ours, from the last answer

    async def __aenter__(self) -> HubLink:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(ssl=self._ssl, limit=4),
                headers={p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)},
            )
        return self._session

    def absolute(self, location: str) -> str:
        return urljoin(self.url + "/", location)

    # ---- one request --------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; returns (status, headers, body) for 2xx and the tus statuses the
        caller handles (404, 409, 410, 460). Everything else raises ``SyncError``."""
        send = dict(headers or {})
        if auth and self.token:
            send["Authorization"] = f"Bearer {self.token}"
        url = path if path.startswith(("http://", "https://")) else self.url + path
        # The read timeout restarts on every byte; a deadline for the whole request stops a
        # hub that trickles its answer from holding the link (an upload chunk gets time for
        # its bytes at 1 KB/s on top).
        deadline = self._read_timeout * 3 + (len(data) / 1024 if data else 0)
        timeout = aiohttp.ClientTimeout(
            total=deadline,
            connect=self._timeout.connect,
            sock_connect=self._timeout.sock_connect,
            sock_read=self._timeout.sock_read,
        )
        try:
            async with self._http().request(
                method,
                url,
                json=json,
                data=data,
                headers=send,
                allow_redirects=False,
                timeout=timeout,
            ) as reply:
                body = await reply.read()
                status, got = reply.status, {k.lower(): v for k, v in reply.headers.items()}
        except TimeoutError:
            raise SyncError(kind="timeout") from None
        except aiohttp.ClientConnectorCertificateError:
            raise SyncError(kind="tls", why="certificate") from None
        except aiohttp.ServerFingerprintMismatch:
            raise SyncError(kind="tls", why="pinned-certificate-mismatch") from None
        except aiohttp.ClientSSLError:
            raise SyncError(kind="tls", why="handshake") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise SyncError(kind="hub-unreachable", why=type(exc).__name__) from None
        self._note_clock(got.get(p.HUB_TIME_HEADER.lower()))
        if 200 <= status < 300 or status in (404, 409, 410, 460):
            return status, got, body
        raise self._failure(status, got, body)

    def _note_clock(self, value: str | None) -> None:
        if not value:
            return
        try:
            hub_time = datetime.fromisoformat(value)
        except ValueError:
            return
        if hub_time.tzinfo is not None:
            self.clock_skew_s = (hub_time - self.clock()).total_seconds()

    def _failure(self, status: int, headers: dict[str, str], body: bytes) -> SyncError:
        hub_code, message = None, None
        try:
            error = p.ErrorReply.model_validate_json(body).error
            hub_code, message = error.code, error.message
            detail = error.detail
        except ValidationError:
            detail = {}
        if status == 426 or hub_code == p.ErrorCode.PROTOCOL_UNSUPPORTED:
            return SyncError(kind="update-needed", supported=detail.get("supported"))
        if status == 401:
            if hub_code == p.ErrorCode.DEVICE_REVOKED:
                return SyncError(kind="device-revoked")
            return SyncError(kind="not-enrolled")
        if status == 403 and hub_code == p.ErrorCode.ENROL_CODE_INVALID:
            return SyncError(kind="enrol-code-invalid")
        if status == 413:
            return SyncError(kind="too-large")
        if status in (408, 429) or (status == 503 and "retry-after" in headers):
            return SyncError(
                kind="hub-busy", status=status, retry_after=_retry_after(headers.get("retry-after"))
            )
        if status >= 500:
            return SyncError(
                kind="hub-error",
                status=status,
                retry_after=_retry_after(headers.get("retry-after")),
            )
        return SyncError(kind="refused", status=status, hub_code=hub_code, message=message)

    async def call(self, method: str, path: str, model: type[M], **kw: Any) -> M:
        status, _, body = await self.request(method, path, **kw)
        if status == 404:
            raise SyncError(kind="refused", status=404, hub_code="not-found", message=None)
        try:
            return model.model_validate_json(body)
        except ValidationError:
            raise SyncError(kind="bad-reply", what=model.__name__) from None

    # ---- the protocol -------------------------------------------------------------------------
    async def enrol(self, code: str, device_name: str) -> p.EnrolReply:
        body = p.EnrolRequest(code=code, device_name=device_name).model_dump()
        return await self.call("POST", "/v1/enrol", p.EnrolReply, json=body, auth=False)

    async def hello(self) -> p.Hello:
        return await self.call("GET", "/v1/hello", p.Hello)

    async def push(self, ops: list[p.Op]) -> p.PushReply:
        body = p.PushRequest(ops=ops).model_dump(mode="json")
        reply = await self.call("POST", "/v1/push", p.PushReply, json=body)
        sent = [op.op_id for op in ops]
        if [r.op_id for r in reply.results] != sent:
            raise SyncError(kind="bad-reply", what="PushReply.results")
        return reply

    async def pull(self, cursor: int, limit: int = 200) -> p.PullReply:
        return await self.call("GET", f"/v1/pull?cursor={cursor}&limit={limit}", p.PullReply)

    # ---- tus ---------------------------------------------------------------------------------
    _TUS = {"Tus-Resumable": p.TUS_VERSION}

    async def tus_create(self, length: int, metadata: dict[str, str]) -> str:
        encoded = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items()
        )
        status, headers, _ = await self.request(
            "POST",
            "/v1/files",
            headers=self._TUS | {"Upload-Length": str(length), "Upload-Metadata": encoded},
        )
        location = headers.get("location")
        if status != 201 or not location:
            raise SyncError(kind="bad-reply", what="tus-create")
        return self.absolute(location)

    async def tus_offset(self, url: str) -> int | None:
        """How far the hub has the upload; None if it does not know it (gone or expired)."""
        status, headers, _ = await self.request("HEAD", url, headers=dict(self._TUS))
        if status in (404, 410):
            return None
        try:
            return int(headers["upload-offset"])
        except (KeyError, ValueError):
            raise SyncError(kind="bad-reply", what="tus-head") from None

    async def tus_patch(self, url: str, offset: int, chunk: bytes) -> int | None:
        """Send one chunk with its checksum; returns the new offset, or None when the hub
        refused it (wrong offset, bad checksum, upload gone) and the caller must ask again."""
        digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
        headers = self._TUS | {
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": f"sha256 {digest}",
        }
        status, got, _ = await self.request("PATCH", url, data=chunk, headers=headers)
        if status in (404, 409, 410, 460):
            return None
        try:
            return int(got["upload-offset"])
        except (KeyError, ValueError):
            raise SyncError(kind="bad-reply", what="tus-patch") from None
