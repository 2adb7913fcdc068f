"""Self-tests of the fault proxy against tiny local upstreams (echo, sink, aiohttp)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import time

import aiohttp
import pytest
from aiohttp import web

from tests.support.netfault import (
    Cut,
    FaultProxy,
    RandomCuts,
    replay_http,
    split_http_requests,
)


# ---- upstreams ---------------------------------------------------------------------------------
class Sink:
    """Reads each connection to its end and keeps what arrived; optionally sends ``greeting``."""

    def __init__(self, greeting: bytes = b"", read_after_s: float = 0.0) -> None:
        self.greeting = greeting
        self.read_after_s = read_after_s
        self.received: list[bytearray] = []
        self.ended: list[str] = []  # "eof" or "reset" per connection, in order of ending
        self.changed = asyncio.Event()
        self.server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buf = bytearray()
        self.received.append(buf)
        how = "eof"
        try:
            if self.greeting:
                writer.write(self.greeting)
                await writer.drain()
            await asyncio.sleep(self.read_after_s)
            while data := await reader.read(65536):
                buf += data
        except (ConnectionError, OSError):
            how = "reset"
        self.ended.append(how)
        self.changed.set()
        writer.close()

    async def start(self) -> tuple[str, int]:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[:2]

    async def wait_ended(self, n: int, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.ended) < n:
                self.changed.clear()
                await self.changed.wait()

    def close(self) -> None:
        assert self.server is not None
        self.server.close()


async def start_echo(tag: bytes = b"") -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if tag:
                writer.write(tag)
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
            writer.write_eof()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def addr(server: asyncio.Server) -> tuple[str, int]:
    return server.sockets[0].getsockname()[:2]


@pytest.fixture
async def sink():
    s = Sink()
    await s.start()
    yield s
    s.close()


@pytest.fixture
async def echo():
    server = await start_echo()
    yield server
    server.close()


async def read_to_end(reader: asyncio.StreamReader) -> tuple[bytes, str]:
    buf = bytearray()
    try:
        while data := await reader.read(65536):
            buf += data
    except (ConnectionError, OSError):
        return bytes(buf), "reset"
    return bytes(buf), "eof"


# ---- pass-through and cuts ---------------------------------------------------------------------
async def test_bytes_pass_through_unchanged(echo):
    payload = os.urandom(1_000_000)
    async with FaultProxy(addr(echo)) as proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(payload)
        writer.write_eof()
        got, how = await asyncio.wait_for(read_to_end(reader), 10)
        writer.close()
    assert how == "eof"
    assert got == payload
    assert proxy.bytes_up == proxy.bytes_down == len(payload)
    assert proxy.cuts == []


@pytest.mark.parametrize("offset", [1, 1000, 65535, 65537, 200_001])
async def test_cut_up_delivers_exactly_offset_bytes(sink, offset):
    payload = os.urandom(300_000)
    async with FaultProxy(("127.0.0.1", 0)) as proxy:
        proxy.upstream = sink.server.sockets[0].getsockname()[:2]
        proxy.cut_plan = lambda no: Cut(offset, "up")
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(payload)  # one large write: the cut falls inside it
        _, how = await asyncio.wait_for(read_to_end(reader), 5)
        assert how == "reset"  # the client sees a reset, not a clean end
        writer.close()
        await sink.wait_ended(1)
    assert len(sink.received[0]) == offset
    assert bytes(sink.received[0]) == payload[:offset]
    assert sink.ended == ["reset"]
    [cut] = proxy.cuts
    assert (cut.conn_no, cut.direction, cut.offset, cut.reason) == (0, "up", offset, "plan")
    assert cut.bytes_up == offset


async def test_cut_is_exact_when_the_upstream_reads_late():
    """The bytes before the offset are still queued here when the cut comes; none are lost."""
    upstream = Sink(read_after_s=0.5)
    payload = os.urandom(8_000_000)
    offset = 6_000_001
    async with FaultProxy(await upstream.start(), cut_plan=lambda no: Cut(offset)) as proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(payload)
        _, how = await asyncio.wait_for(read_to_end(reader), 10)
        assert how == "reset"
        writer.close()
        await upstream.wait_ended(1, timeout=10)
    upstream.close()
    assert len(upstream.received[0]) == offset
    assert upstream.received[0] == payload[:offset]


@pytest.mark.parametrize("offset", [1, 4097, 100_000])
async def test_cut_down_delivers_exactly_offset_bytes(offset):
    greeting = os.urandom(250_000)
    upstream = Sink(greeting)
    async with FaultProxy(await upstream.start(), cut_plan=lambda no: Cut(offset, "down")) as p:
        reader, writer = await asyncio.open_connection("127.0.0.1", p.port)
        got, how = await asyncio.wait_for(read_to_end(reader), 5)
        writer.close()
        await upstream.wait_ended(1)
    upstream.close()
    assert got == greeting[:offset]
    assert how == "reset"
    assert upstream.ended == ["reset"]
    assert [(c.direction, c.offset) for c in p.cuts] == [("down", offset)]


async def test_cut_both_counts_the_two_directions_together(echo):
    async with FaultProxy(addr(echo), cut_plan=iter([Cut(1500, "both")])) as proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"x" * 1000)
        got, how = await asyncio.wait_for(read_to_end(reader), 5)
        writer.close()
        # the iterator is spent: the next connection passes through
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"y" * 1000)
        writer.write_eof()
        got2, how2 = await asyncio.wait_for(read_to_end(reader), 5)
        writer.close()
    assert (len(got), how) == (500, "reset")
    assert (got2, how2) == (b"y" * 1000, "eof")
    assert proxy.bytes_up == 2000
    assert proxy.bytes_down == 1500


async def test_random_cuts_are_seeded_and_exactly_count(sink, capsys):
    seed = 1234
    plan = RandomCuts(seed, count=3, max_offset=5000)
    assert f"seed={seed}" in capsys.readouterr().out
    rng = random.Random(seed)
    draws = [rng.randint(1, 5000) for _ in range(4)]
    assert draws[0] > 10  # so the first, short connection passes and hands its turn back
    sizes = [10, 10_000, 10_000, 10_000, 10_000, 10_000]
    async with FaultProxy(addr(sink.server), cut_plan=plan) as proxy:
        for i, size in enumerate(sizes):
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(b"z" * size)
            writer.write_eof()
            await asyncio.wait_for(read_to_end(reader), 5)
            writer.close()
            await sink.wait_ended(i + 1)  # one at a time, so the draws go in order
    assert plan.done and plan.fired == 3
    assert plan.drawn == list(zip(range(4), draws, strict=True))
    assert [len(r) for r in sink.received] == [10, *draws[1:], 10_000, 10_000]
    assert sink.ended == ["eof", "reset", "reset", "reset", "eof", "eof"]
    assert [(c.conn_no, c.direction, c.offset, c.reason) for c in proxy.cuts] == [
        (1, "up", draws[1], "plan"),
        (2, "up", draws[2], "plan"),
        (3, "up", draws[3], "plan"),
    ]


# ---- rate limit --------------------------------------------------------------------------------
async def test_rate_limit_is_shared_by_connections_and_separate_per_direction(echo):
    rate = 512_000  # bit/s = 64 000 B/s
    each = 96_000  # two connections: 192 000 B each way, about 3 s at the set rate
    async with FaultProxy(addr(echo), rate_bps=rate) as proxy:

        async def one() -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(b"r" * each)
            writer.write_eof()
            got, _ = await read_to_end(reader)
            writer.close()
            return got

        t0 = time.monotonic()
        results = await asyncio.wait_for(asyncio.gather(one(), one()), 15)
        elapsed = time.monotonic() - t0
    assert [len(r) for r in results] == [each, each]
    expected = 2 * each * 8 / rate  # shared by both connections; up and down run in parallel
    measured_bps = 2 * each * 8 / elapsed
    print(f"rate set {rate} bit/s, measured {measured_bps:.0f} bit/s over {elapsed:.2f} s")
    assert abs(elapsed - expected) / expected < 0.05
    assert proxy.bytes_up == proxy.bytes_down == 2 * each


# ---- kill on the first reply byte --------------------------------------------------------------
async def test_kill_hook_fires_before_the_first_reply_byte():
    handled: list[str] = []

    async def push(request: web.Request) -> web.Response:
        await request.read()
        handled.append("push")
        return web.json_response({"results": [], "epoch": "e", "hub_time": "t"})

    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"hello": True})

    app = web.Application()
    app.router.add_post("/v1/push", push)
    app.router.add_get("/v1/hello", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hub_port = runner.addresses[0][1]

    client_bytes: list[int] = []
    seen: list[tuple[list[str], int]] = []

    def kill(info) -> None:
        seen.append((list(handled), sum(client_bytes)))

    proxy = FaultProxy(
        ("127.0.0.1", hub_port), on_first_reply_byte=kill, request_startswith=b"POST /v1/push"
    )
    await proxy.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        # keep-alive: a hello (not matched) and then a push (matched) on the same connection
        writer.write(b"GET /v1/hello HTTP/1.1\r\nHost: hub\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 200")
        await reader.readexactly(int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0]))
        body = b'{"ops": []}'
        writer.write(
            b"POST /v1/push HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        got, how = await asyncio.wait_for(read_to_end(reader), 5)
        client_bytes.append(len(got))
        writer.close()
        assert (got, how) == (b"", "reset")  # not one byte of the reply got through
        assert seen == [(["push"], 0)]  # the hub had committed; the client had nothing yet
        [info] = proxy.kills
        assert info.request.startswith(b"POST /v1/push") and info.conn_no == 0
        assert [c.reason for c in proxy.cuts] == ["first-reply-byte"]
        assert proxy.kill_budget == 0

        # one-shot: the next push passes (with an aiohttp client this time)
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{proxy.url}/v1/push", json={"ops": []}) as resp:
                assert resp.status == 200
                assert (await resp.json())["epoch"] == "e"
        assert len(seen) == 1 and handled == ["push", "push"]
    finally:
        await proxy.close()
        await runner.cleanup()


# ---- recording and replay ----------------------------------------------------------------------
@pytest.fixture
async def http_upstream():
    calls: list[tuple[str, str, bytes]] = []

    async def echo_body(request: web.Request) -> web.Response:
        body = await request.read()
        calls.append((request.method, request.path, body))
        return web.json_response({"len": len(body), "sum": sum(body) % 65521})

    async def chunked(request: web.Request) -> web.StreamResponse:
        calls.append((request.method, request.path, b""))
        resp = web.StreamResponse()
        resp.enable_chunked_encoding()
        resp.content_type = "text/plain"
        await resp.prepare(request)
        for i in range(5):
            await resp.write(f"part {i};".encode())
        await resp.write_eof()
        return resp

    async def head(request: web.Request) -> web.Response:
        calls.append((request.method, request.path, b""))
        return web.Response(headers={"Upload-Offset": "42", "Content-Length": "99"})

    app = web.Application()
    app.router.add_route("POST", "/echo", echo_body)
    app.router.add_route("PATCH", "/echo", echo_body)
    app.router.add_get("/chunked", chunked)
    app.router.add_route("HEAD", "/files/1", head)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield runner.addresses[0][:2], calls
    await runner.cleanup()


async def test_record_split_and_replay_round_trip(http_upstream):
    (host, port), calls = http_upstream

    async def chunked_body():
        for i in range(3):
            yield f"chunk-{i}-".encode() * 100

    originals = []
    async with FaultProxy((host, port), record=True) as proxy:
        async with aiohttp.ClientSession() as session:  # one keep-alive connection
            async with session.post(f"{proxy.url}/echo", json={"a": 1}) as r:
                originals.append((r.status, await r.read()))
            async with session.get(f"{proxy.url}/chunked") as r:
                originals.append((r.status, await r.read()))
            async with session.post(f"{proxy.url}/echo", data=chunked_body()) as r:
                originals.append((r.status, await r.read()))
            async with session.patch(f"{proxy.url}/echo", data=os.urandom(70_000)) as r:
                originals.append((r.status, await r.read()))
            async with session.head(f"{proxy.url}/files/1") as r:
                originals.append((r.status, await r.read()))
    [stream] = proxy.recorded
    requests = split_http_requests(stream)
    assert [r.split(b" ", 2)[:2] for r in requests] == [
        [b"POST", b"/echo"],
        [b"GET", b"/chunked"],
        [b"POST", b"/echo"],
        [b"PATCH", b"/echo"],
        [b"HEAD", b"/files/1"],
    ]
    assert b"".join(requests) == stream
    assert b"Transfer-Encoding: chunked" in requests[2]
    assert originals[1] == (200, b"part 0;part 1;part 2;part 3;part 4;")
    assert json.loads(originals[2][1]) == {"len": 2400, "sum": json.loads(originals[2][1])["sum"]}

    first_calls = list(calls)
    order = [i for i in range(len(requests)) for _ in range(3)]
    random.Random(99).shuffle(order)
    for i in order:
        status, headers, body = await replay_http(host, port, requests[i], timeout=5)
        assert (status, body) == originals[i]
        if i == 1:
            assert headers["transfer-encoding"] == "chunked"
        if i == 4:
            assert headers["upload-offset"] == "42"
    replayed = calls[len(first_calls) :]
    assert sorted(replayed) == sorted(first_calls[i] for i in order)


def test_split_drops_an_incomplete_last_request():
    full = b"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
    chunked = b"POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n"
    partial = b"POST /c HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"
    assert split_http_requests(full + chunked + partial) == [full, chunked]
    assert split_http_requests(full + chunked + partial, include_partial=True) == [
        full,
        chunked,
        partial,
    ]
    assert split_http_requests(chunked[:-2]) == []


async def test_replay_rewrites_connection_and_host(http_upstream):
    (host, port), calls = http_upstream
    raw = (
        b"POST /echo HTTP/1.1\r\nHost: old:1\r\nConnection: keep-alive\r\n"
        b"Content-Length: 2\r\n\r\nhi"
    )
    status, headers, body = await replay_http(host, port, raw, host_header=f"{host}:{port}")
    assert status == 200 and json.loads(body)["len"] == 2
    assert headers["connection"] == "close"


# ---- black hole, refuse, pause, periodic cuts, upstream switch ----------------------------------
async def test_blackhole_accepts_and_never_answers(sink):
    async with FaultProxy(addr(sink.server), blackhole=True, record=True) as proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"GET /v1/hello HTTP/1.1\r\nHost: hub\r\n\r\n")
        await writer.drain()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.read(1), 0.5)
        assert proxy.recorded == [b"GET /v1/hello HTTP/1.1\r\nHost: hub\r\n\r\n"]
        assert proxy.open_connections == 1
        writer.close()
    assert sink.received == []  # nothing reached the upstream


async def test_refuse_stops_listening_and_resumes_on_the_same_port(echo):
    async with FaultProxy(addr(echo), refuse=True) as proxy:
        port = proxy.port
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)
        proxy.refuse = False
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"ping")
        assert await asyncio.wait_for(reader.readexactly(4), 5) == b"ping"
        proxy.refuse = True  # the open connection is left alone
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"pong")
        assert await asyncio.wait_for(reader.readexactly(4), 5) == b"pong"
        writer.close()
        assert proxy.port == port


async def test_pause_holds_traffic_until_resume(sink):
    async with FaultProxy(addr(sink.server)) as proxy:
        proxy.pause()
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"held")
        await asyncio.sleep(0.3)
        assert proxy.bytes_up == 0 and sink.received == []
        proxy.resume()
        writer.write_eof()
        await sink.wait_ended(1)
        writer.close()
    assert sink.received == [bytearray(b"held")]


async def test_cut_every_resets_open_connections_periodically(echo):
    async with FaultProxy(addr(echo), cut_every_s=0.3) as proxy:
        t0 = time.monotonic()
        outcomes = []
        for _ in range(2):
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(b"alive")
            got, how = await asyncio.wait_for(read_to_end(reader), 3)
            outcomes.append((got, how, time.monotonic() - t0))
            writer.close()
        proxy.cut_every_s = None
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"x")
        with pytest.raises(TimeoutError):  # no more cuts
            await asyncio.wait_for(read_to_end(reader), 0.7)
        writer.close()
    assert [(g, h) for g, h, _ in outcomes] == [(b"alive", "reset")] * 2
    first, second = outcomes[0][2], outcomes[1][2]
    assert 0.25 < first < 1.0 and 0.55 < second < first + 1.0  # cuts at about 0.3 s and 0.6 s
    assert [(c.conn_no, c.reason, c.offset) for c in proxy.cuts] == [
        (0, "every", 10),
        (1, "every", 10),
    ]


async def test_upstream_down_resets_the_client_and_int_plans_cut_up():
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))  # bound, not listening: connections to it are refused
    try:
        async with FaultProxy(dead.getsockname()) as proxy:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            got, how = await asyncio.wait_for(read_to_end(reader), 5)
            writer.close()
            assert (got, how, proxy.upstream_failures, proxy.cuts) == (b"", "reset", 1, [])

            sink = Sink()
            proxy.upstream = await sink.start()
            proxy.cut_plan = lambda no: 5  # a bare int: an "up" cut at that offset
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(b"0123456789")
            await sink.wait_ended(1)
            writer.close()
            sink.close()
            assert sink.received == [bytearray(b"01234")]
            assert [(c.conn_no, c.direction, c.offset) for c in proxy.cuts] == [(1, "up", 5)]
    finally:
        dead.close()


def test_thread_mode_with_a_plain_socket_and_an_upstream_switch():
    loop = asyncio.new_event_loop()
    try:
        a = loop.run_until_complete(start_echo(b"A"))
        b = loop.run_until_complete(start_echo(b"B"))

        def talk(port: int) -> bytes:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"hi")
                s.shutdown(socket.SHUT_WR)
                got = b""
                while data := s.recv(100):
                    got += data
                return got

        async def serve_while(fn, *args):
            return await loop.run_in_executor(None, fn, *args)

        with FaultProxy(addr(a)) as proxy:
            assert proxy.url == f"http://127.0.0.1:{proxy.port}"
            assert loop.run_until_complete(serve_while(talk, proxy.port)) == b"Ahi"
            proxy.upstream = addr(b)
            assert loop.run_until_complete(serve_while(talk, proxy.port)) == b"Bhi"
            proxy.pause()
            proxy.resume()
            assert proxy.cut_all() == 0
            proxy.refuse = True
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
            proxy.refuse = False
            assert loop.run_until_complete(serve_while(talk, proxy.port)) == b"Bhi"
        a.close()
        b.close()
    finally:
        loop.close()
