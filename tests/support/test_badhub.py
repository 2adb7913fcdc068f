"""Self-tests of the bad hub: each mode breaks what it says, as an aiohttp client sees it."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from pydantic import ValidationError

from spoke_client.sync import protocol as p
from tests.support.badhub import BadHub

TUS_CALLS = [
    ("OPTIONS", "/v1/files"),
    ("POST", "/v1/files"),
    ("HEAD", "/v1/files/abc"),
    ("PATCH", "/v1/files/abc"),
]


@pytest.fixture
async def hub():
    async with BadHub() as h:
        yield h


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


async def test_malformed_json(hub, session):
    hub.mode = "malformed-json"
    async with session.post(f"{hub.url}/v1/push", json={"ops": []}) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        with pytest.raises(json.JSONDecodeError):
            await resp.json()
        with pytest.raises(ValidationError):
            p.PushReply.model_validate_json(await resp.read())
        assert p.HUB_TIME_HEADER in resp.headers


async def test_wrong_schema(hub, session):
    hub.mode = "wrong-schema"
    for path, model in [
        ("/v1/push", p.PushReply),
        ("/v1/hello", p.Hello),
        ("/v1/pull", p.PullReply),
        ("/v1/media/m1", p.MediaStatus),
    ]:
        async with session.get(f"{hub.url}{path}") as resp:
            assert resp.status == 200
            assert await resp.json() == {"results": "yes"}
            with pytest.raises(ValidationError):
                model.model_validate_json(await resp.read())


async def test_http_500(hub, session):
    hub.mode = "http-500"
    async with session.get(f"{hub.url}/v1/hello") as resp:
        assert resp.status == 500
        assert resp.content_type == "text/html"
        assert b"<html>" in await resp.read()
        with pytest.raises(aiohttp.ContentTypeError):
            await resp.json()


async def test_http_503_retry_after(hub, session):
    hub.mode = "http-503-retry-after"
    async with session.post(f"{hub.url}/v1/push", data=b"{}") as resp:
        assert resp.status == 503
        assert resp.headers["Retry-After"] == "2"


async def test_unsupported_protocol(hub, session):
    hub.mode = "unsupported-protocol"
    async with session.get(f"{hub.url}/v1/hello") as resp:
        assert resp.status == 426
        error = p.ErrorReply.model_validate_json(await resp.read()).error
    assert error.code == p.ErrorCode.PROTOCOL_UNSUPPORTED
    assert error.detail["supported"] == [p.PROTOCOL_VERSION + 1]


async def test_never_answers_keeps_the_socket_open(hub, session):
    hub.mode = "never-answers"
    timeout = aiohttp.ClientTimeout(sock_read=0.5)
    t0 = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        async with session.post(f"{hub.url}/v1/push", json={"ops": []}, timeout=timeout):
            pass
    assert 0.4 < time.monotonic() - t0 < 3
    assert hub.requests == [("POST", "/v1/push")]  # it did read the request


async def test_slow_drip(session):
    async with BadHub("slow-drip", drip_interval_s=0.3) as hub:
        t0 = time.monotonic()
        async with session.get(f"{hub.url}/v1/pull?cursor=0") as resp:
            assert time.monotonic() - t0 < 0.25  # the headers come before the first byte
            assert resp.status == 200
            total = resp.content_length
            assert total and total > 10
            got = await resp.content.readexactly(3)
            assert len(got) == 3 and time.monotonic() - t0 > 0.85  # one byte per 0.3 s
            with pytest.raises(asyncio.TimeoutError):  # the rest is still far off
                await asyncio.wait_for(resp.content.readexactly(total - 3), 0.5)


async def test_slow_drip_trips_a_read_timeout(session):
    async with BadHub("slow-drip", drip_interval_s=0.5) as hub:
        timeout = aiohttp.ClientTimeout(sock_read=0.2)
        async with session.get(f"{hub.url}/v1/hello", timeout=timeout) as resp:
            assert resp.status == 200
            with pytest.raises(asyncio.TimeoutError):
                await resp.read()


async def test_wrong_content_type(hub, session):
    hub.mode = "wrong-content-type"
    async with session.get(f"{hub.url}/v1/hello") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/plain"
        with pytest.raises(aiohttp.ContentTypeError):
            await resp.json()


async def test_truncated(hub, session):
    hub.mode = "truncated"
    async with session.get(f"{hub.url}/v1/pull?cursor=0") as resp:
        assert resp.status == 200
        assert resp.content_length and resp.content_length > 1000
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()


@pytest.mark.parametrize("mode", ["http-500", "unsupported-protocol", "wrong-schema"])
async def test_every_tus_call_is_answered_and_counted(hub, session, mode):
    hub.mode = mode
    for method, path in TUS_CALLS:
        async with session.request(method, f"{hub.url}{path}", data=b"x" * 10) as resp:
            want = {"http-500": 500, "unsupported-protocol": 426, "wrong-schema": 200}[mode]
            assert resp.status == want, (method, path)
            assert resp.headers["Tus-Resumable"] == p.TUS_VERSION
    assert hub.requests == TUS_CALLS
    assert hub.counts() == {"/v1/files": 2, "/v1/files/abc": 2}


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown BadHub mode"):
        BadHub("sometimes-fine")


def test_thread_mode_from_a_plain_thread():
    async def hello(url: str) -> int:
        async with aiohttp.ClientSession() as s, s.get(f"{url}/v1/hello") as resp:
            return resp.status

    with BadHub("http-503-retry-after") as hub:
        assert asyncio.run(hello(hub.url)) == 503
        hub.mode = "never-answers"  # stop() must not hang on a handler that never returns
        with pytest.raises(asyncio.TimeoutError):
            asyncio.run(asyncio.wait_for(hello(hub.url), 0.3))
        assert hub.counts()["/v1/hello"] == 2
