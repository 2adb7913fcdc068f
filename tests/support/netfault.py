"""``FaultProxy``: a loopback TCP proxy that injects network faults between a spoke and its hub.

The proxy listens on ``127.0.0.1`` (an ephemeral port: ``.port``, ``.url``) and forwards every
connection to ``.upstream`` (host, port), which may be changed while it runs (a restarted hub).
Every knob below is an attribute that may be changed at any time, from the proxy's own thread
or any other; each new connection or each chunk of data reads the current value.

``cut_plan``
    Per new connection, an optional :class:`Cut` (offset, direction): once exactly ``offset``
    bytes have been forwarded in that direction (``"up"`` client->hub, ``"down"`` hub->client,
    ``"both"`` the two added together), both sides are reset (SO_LINGER 0, so an RST). The cut
    falls inside a read when it must: the bytes before the offset are forwarded and the rest is
    dropped. A plan is a callable ``plan(conn_no) -> Cut | int | None``, an iterator of those
    (e.g. a seeded generator), or a :class:`RandomCuts`.
``rate_bps``
    Bits per second, ``None`` for unlimited. One token bucket per direction, shared by every
    connection, with bursts of at most ``burst_bytes`` (4096).
``cut_every_s``
    Every T seconds, reset every open connection (``None``: never).
``on_first_reply_byte``
    ``callback(ConnInfo)`` (may be async), invoked when the first byte of a reply arrives from
    upstream for a request matching ``request_startswith`` / ``request_match`` (both ``None``:
    every request), *before* that byte is forwarded; the connection is then reset. Fires at
    most ``kill_budget`` times (``None``: always). A request is the client's bytes sent since
    the previous reply began, so keep-alive connections are matched per request.
``record``
    Keep each new connection's whole client->upstream byte stream in ``.recorded``.
``blackhole``
    New connections are accepted and read, never forwarded and never answered.
``refuse``
    Stop listening: new connections are refused (the port stays reserved, so ``refuse = False``
    listens on the same port again). Open connections are left alone (see :meth:`cut_all`).
``pause()`` / ``resume()``
    Freeze forwarding on every connection (new ones wait too), then carry on.

Every cut the proxy makes is appended to ``.cuts`` as a :class:`CutRecord`; ``bytes_up`` and
``bytes_down`` count bytes forwarded each way.

From a plain thread::

    proxy = FaultProxy(("127.0.0.1", hub_port), rate_bps=256_000).start_in_thread()
    ...  # point the spoke at proxy.url
    proxy.stop()

From asyncio (the test's own loop)::

    async with FaultProxy(("127.0.0.1", hub_port), cut_plan=RandomCuts(7, 20, 50_000)) as proxy:
        ...

``replay_http`` sends one recorded request again on a fresh connection, and
``split_http_requests`` splits a recorded keep-alive stream into its requests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import os
import random
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

Direction = Literal["up", "down", "both"]

_READ_CHUNK = 65536
_HEAD_KEEP = 8192  # bytes of each request kept for matching and for ConnInfo
_TICK_S = 0.01
_SIOCOUTQNSD = 0x894B  # Linux: bytes in the send queue not yet sent


# ---- records -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cut:
    """Reset a connection after exactly ``offset`` bytes forwarded in ``direction``."""

    offset: int
    direction: Direction = "up"


@dataclass(frozen=True)
class CutRecord:
    """One cut the proxy made.

    ``reason`` is ``"plan"`` (``offset`` is the planned offset in ``direction``), ``"every"``
    (``cut_every_s``), ``"first-reply-byte"`` (the kill hook) or ``"manual"`` (:meth:`cut_all`);
    for the last three ``offset`` is the bytes forwarded in ``direction`` so far.
    """

    conn_no: int
    direction: str
    offset: int
    reason: str
    bytes_up: int
    bytes_down: int
    at: float  # time.monotonic()


@dataclass(frozen=True)
class ConnInfo:
    """What the ``on_first_reply_byte`` callback learns about the connection."""

    conn_no: int
    request: bytes  # the head (first 8 KB) of the request being answered
    bytes_up: int  # forwarded so far on this connection
    bytes_down: int
    upstream: tuple[str, int]


# ---- plans -------------------------------------------------------------------------------------
class RandomCuts:
    """Cut ``count`` connections at offsets drawn uniformly from [1, max_offset]; pass the rest.

    Each new connection draws an offset while fewer than ``count`` cuts are done or pending. A
    connection that ends before reaching its offset (or is cut for another reason) gives its
    turn back, so exactly ``count`` connections are cut in the end, given enough traffic.
    ``seed=None`` draws a seed; the seed is printed either way. ``done`` says all cuts fired.
    """

    def __init__(
        self, seed: int | None, count: int, max_offset: int, direction: Direction = "up"
    ) -> None:
        if direction not in ("up", "down", "both"):
            raise ValueError(f"direction must be up, down or both, not {direction!r}")
        if max_offset < 1 or count < 0:
            raise ValueError("need max_offset >= 1 and count >= 0")
        if seed is None:
            seed = random.SystemRandom().randrange(2**32)
        self.seed = seed
        self.count = count
        self.max_offset = max_offset
        self.direction: Direction = direction
        self.fired = 0
        self.drawn: list[tuple[int, int]] = []  # (conn_no, offset), every offset handed out
        self._rng = random.Random(seed)
        self._pending: set[int] = set()
        self._lock = threading.Lock()
        print(
            f"RandomCuts seed={seed} count={count} max_offset={max_offset} direction={direction}",
            flush=True,
        )

    def __call__(self, conn_no: int) -> Cut | None:
        with self._lock:
            if self.fired + len(self._pending) >= self.count:
                return None
            offset = self._rng.randint(1, self.max_offset)
            self._pending.add(conn_no)
            self.drawn.append((conn_no, offset))
            return Cut(offset, self.direction)

    def cut_fired(self, conn_no: int) -> None:
        with self._lock:
            self._pending.discard(conn_no)
            self.fired += 1

    def cut_missed(self, conn_no: int) -> None:
        with self._lock:
            self._pending.discard(conn_no)

    @property
    def done(self) -> bool:
        return self.fired >= self.count


CutPlan = Callable[[int], "Cut | int | None"] | Iterator["Cut | int | None"] | RandomCuts


# ---- plumbing ----------------------------------------------------------------------------------
def _reset(writer: asyncio.StreamWriter | None) -> None:
    """Close abruptly: SO_LINGER 0 makes the close an RST; unsent data is dropped."""
    if writer is None:
        return
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _unsent_bytes(sock: Any) -> int:
    if fcntl is None or sys.platform != "linux" or sock is None:
        return 0
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), _SIOCOUTQNSD, b"\0\0\0\0"))[0]
    except OSError:
        return 0


class _Bucket:
    """A token bucket that lets callers run into debt, so waiters queue in order."""

    def __init__(self) -> None:
        self.tokens: float | None = None
        self.stamp = time.monotonic()

    async def take(self, n: int, bytes_per_s: float, burst: int) -> None:
        now = time.monotonic()
        if self.tokens is None:
            self.tokens = float(burst)
        else:
            self.tokens = min(float(burst), self.tokens + (now - self.stamp) * bytes_per_s)
        self.stamp = now
        self.tokens -= n
        if self.tokens < 0:
            await asyncio.sleep(-self.tokens / bytes_per_s)


class LoopThread:
    """An asyncio event loop (a selector loop) running in a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.SelectorEventLoop()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()

    def run(self, coro: Any, timeout: float = 30.0) -> Any:
        """Run a coroutine on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)


class ThreadedService:
    """``start()``/``close()`` on the caller's loop, or ``start_in_thread()``/``stop()`` on a
    loop of its own in a daemon thread; both as context managers. Subclasses define the
    coroutines ``start()`` and ``close()``, and ``_thread_name``."""

    _thread: LoopThread | None = None

    def _thread_name(self) -> str:
        return type(self).__name__

    def start_in_thread(self):
        """Start on a new event loop in a daemon thread; :meth:`stop` ends both."""
        self._thread = LoopThread(self._thread_name())
        try:
            self._thread.run(self.start())
        except BaseException:
            self._thread.stop()
            raise
        return self

    def stop(self) -> None:
        if self._thread is None:
            raise RuntimeError("stop() is for one started with start_in_thread()")
        with contextlib.suppress(Exception):
            self._thread.run(self.close(), timeout=10)
        self._thread.stop()

    def __enter__(self):
        return self.start_in_thread()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self):
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class _Conn:
    def __init__(self, no: int, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter):
        self.no = no
        self.client_r = client_r
        self.client_w = client_w
        self.up_r: asyncio.StreamReader | None = None
        self.up_w: asyncio.StreamWriter | None = None
        self.upstream: tuple[str, int] = ("", 0)
        self.plan: Cut | None = None
        self.plan_owner: Any = None  # told cut_fired / cut_missed once
        self.cut = False
        self.fwd = {"up": 0, "down": 0}  # bytes written to the far side
        self.counted = {"up": 0, "down": 0}  # bytes admitted for forwarding (cut offsets)
        self.last_dir: str | None = None
        self.request_head = bytearray()
        self.reply_started = False
        self.rec: bytearray | None = None


# ---- the proxy ---------------------------------------------------------------------------------
class FaultProxy(ThreadedService):
    """A loopback TCP proxy with switchable faults; see the module docstring for each knob."""

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        cut_plan: CutPlan | None = None,
        rate_bps: float | None = None,
        burst_bytes: int = 4096,
        cut_every_s: float | None = None,
        on_first_reply_byte: Callable[[ConnInfo], Any] | None = None,
        request_startswith: bytes | None = None,
        request_match: Callable[[bytes], bool] | None = None,
        kill_budget: int | None = 1,
        record: bool = False,
        blackhole: bool = False,
        refuse: bool = False,
        connect_timeout: float = 5.0,
        flush_timeout: float = 2.0,
    ) -> None:
        self.host = host
        self.port = port
        self.upstream = upstream
        self.cut_plan = cut_plan
        self.rate_bps = rate_bps
        self.burst_bytes = burst_bytes
        self.cut_every_s = cut_every_s
        self.on_first_reply_byte = on_first_reply_byte
        self.request_startswith = request_startswith
        self.request_match = request_match
        self.kill_budget = kill_budget
        self.record = record
        self.blackhole = blackhole
        self.connect_timeout = connect_timeout
        self.flush_timeout = flush_timeout  # how long a planned cut waits for its prefix to leave

        self.cuts: list[CutRecord] = []
        self.kills: list[ConnInfo] = []  # every time the first-reply-byte hook fired
        self.errors: list[BaseException] = []  # exceptions raised by callbacks and plans
        self.bytes_up = 0
        self.bytes_down = 0
        self.connections = 0  # accepted so far
        self.upstream_failures = 0  # connections whose upstream could not be reached

        self._refuse = refuse
        self._paused = False
        self._recorded: list[bytearray] = []
        self.recorded_by_conn: dict[int, bytearray] = {}  # connection number -> its stream
        self._conns: set[_Conn] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._buckets = {"up": _Bucket(), "down": _Bucket()}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread_id: int | None = None
        self._thread: LoopThread | None = None
        self._lsock: socket.socket | None = None
        self._listening = False
        self._ticker: asyncio.Task[Any] | None = None
        self._running: asyncio.Event | None = None
        self._closed = False

    # ---- public knobs that need the loop -------------------------------------------------------
    @property
    def upstream(self) -> tuple[str, int]:
        """Where new connections go; existing ones keep theirs."""
        return self._upstream

    @upstream.setter
    def upstream(self, value: tuple[str, int]) -> None:
        host, port = value
        self._upstream = (str(host), int(port))

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def refuse(self) -> bool:
        """True: not listening, so new connections are refused (ECONNREFUSED)."""
        return self._refuse

    @refuse.setter
    def refuse(self, value: bool) -> None:
        self._refuse = bool(value)
        self._call_in_loop(self._apply_refuse)

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """Stop forwarding on every connection (new connections wait as well)."""
        self._paused = True
        self._call_in_loop(lambda: self._running and self._running.clear())

    def resume(self) -> None:
        self._paused = False
        self._call_in_loop(lambda: self._running and self._running.set())

    def cut_all(self, reason: str = "manual") -> int:
        """Reset every open connection now; returns how many were cut."""
        return self._call_in_loop(lambda: self._cut_all(reason)) or 0

    @property
    def recorded(self) -> list[bytes]:
        """Client->upstream streams of the connections opened while ``record`` was on."""
        return [bytes(r) for r in list(self._recorded)]

    @property
    def open_connections(self) -> int:
        return len(self._conns)

    # ---- life cycle ----------------------------------------------------------------------------
    async def start(self) -> FaultProxy:
        """Start on the running loop (which must support ``add_reader``: a selector loop)."""
        if self._loop is not None:
            raise RuntimeError("FaultProxy already started")
        self._loop = asyncio.get_running_loop()
        self._loop_thread_id = threading.get_ident()
        self._running = asyncio.Event()
        if not self._paused:
            self._running.set()
        self._bind()
        if not self._refuse:
            self._listen()
        self._ticker = self._loop.create_task(self._tick())
        return self

    async def close(self) -> None:
        if self._loop is None or self._closed:
            return
        self._closed = True
        self._unlisten()
        if self._lsock is not None:
            self._lsock.close()
            self._lsock = None
        for conn in list(self._conns):
            self._abort(conn)
        waiting = [*self._tasks, *([self._ticker] if self._ticker else [])]
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)

    def _thread_name(self) -> str:
        return f"FaultProxy->{self.upstream[0]}:{self.upstream[1]}"

    # ---- listening -----------------------------------------------------------------------------
    def _bind(self) -> None:
        """Bind (not listen) the port; a bound socket that does not listen refuses."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if os.name == "posix":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._lsock = sock

    def _listen(self) -> None:
        assert self._loop is not None
        if self._lsock is None:
            self._bind()
        assert self._lsock is not None
        self._lsock.listen(128)
        try:
            self._loop.add_reader(self._lsock.fileno(), self._on_accept_ready)
        except NotImplementedError:
            raise RuntimeError(
                "FaultProxy needs a selector event loop (add_reader); use start_in_thread()"
            ) from None
        self._listening = True

    def _unlisten(self) -> None:
        if self._listening and self._lsock is not None and self._loop is not None:
            self._loop.remove_reader(self._lsock.fileno())
            self._lsock.close()
            self._lsock = None
        self._listening = False

    def _apply_refuse(self) -> None:
        if self._closed:
            return
        if self._refuse and self._listening:
            self._unlisten()
            self._bind()  # keep the port reserved while refusing
        elif not self._refuse and not self._listening:
            self._listen()

    def _on_accept_ready(self) -> None:
        assert self._loop is not None
        for _ in range(64):
            if self._lsock is None:
                return
            try:
                csock, _addr = self._lsock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            csock.setblocking(False)
            task = self._loop.create_task(self._serve(csock))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _call_in_loop(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the proxy's loop (at once if already there) and return its result."""
        loop = self._loop
        if loop is None or loop.is_closed() or self._closed:
            return None
        if threading.get_ident() == self._loop_thread_id:
            return fn()
        fut: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            try:
                fut.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                fut.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return fut.result(timeout=10)

    # ---- one connection ------------------------------------------------------------------------
    async def _serve(self, csock: socket.socket) -> None:
        no = self.connections
        self.connections += 1
        try:
            client_r, client_w = await asyncio.open_connection(sock=csock)
        except OSError:
            csock.close()
            return
        conn = _Conn(no, client_r, client_w)
        self._conns.add(conn)
        try:
            if self.record:
                conn.rec = bytearray()
                self._recorded.append(conn.rec)
                self.recorded_by_conn[no] = conn.rec
            if self.blackhole:
                await self._swallow(conn)
                return
            self._draw_plan(conn)
            await self._wait_running()
            conn.upstream = self.upstream
            try:
                conn.up_r, conn.up_w = await asyncio.wait_for(
                    asyncio.open_connection(*conn.upstream), self.connect_timeout
                )
            except (OSError, TimeoutError):
                self.upstream_failures += 1
                self._abort(conn)
                return
            if conn.cut:  # cut while connecting
                _reset(conn.up_w)
                return
            await asyncio.gather(self._pump(conn, "up"), self._pump(conn, "down"))
        finally:
            self._conns.discard(conn)
            self._plan_done(conn, fired=False)
            if not conn.cut:
                for w in (conn.client_w, conn.up_w):
                    if w is not None:
                        w.close()

    async def _swallow(self, conn: _Conn) -> None:
        """Black hole: read and drop (or record) until the client goes; never answer."""
        with contextlib.suppress(ConnectionError, OSError):
            while not conn.cut:
                data = await conn.client_r.read(_READ_CHUNK)
                if not data:
                    break
                if conn.rec is not None:
                    conn.rec += data

    async def _wait_running(self) -> None:
        assert self._running is not None
        if not self._running.is_set():
            await self._running.wait()

    def _draw_plan(self, conn: _Conn) -> None:
        plan = self.cut_plan
        if plan is None:
            return
        try:
            cut = next(plan, None) if hasattr(plan, "__next__") else plan(conn.no)  # type: ignore[operator,call-overload]
        except Exception as exc:  # noqa: BLE001 - a broken plan must not hang the test
            self.errors.append(exc)
            traceback.print_exc()
            return
        if cut is None:
            return
        if isinstance(cut, int) and not isinstance(cut, bool):
            cut = Cut(cut, getattr(plan, "direction", "up"))
        if not isinstance(cut, Cut) or cut.direction not in ("up", "down", "both"):
            self.errors.append(ValueError(f"cut plan gave {cut!r}"))
            return
        conn.plan = cut
        conn.plan_owner = plan

    def _plan_done(self, conn: _Conn, *, fired: bool) -> None:
        owner, conn.plan_owner = conn.plan_owner, None
        if owner is None:
            return
        hook = getattr(owner, "cut_fired" if fired else "cut_missed", None)
        if hook is not None:
            hook(conn.no)

    async def _pump(self, conn: _Conn, d: str) -> None:
        src = conn.client_r if d == "up" else conn.up_r
        dst = conn.up_w if d == "up" else conn.client_w
        assert src is not None and dst is not None
        try:
            while not conn.cut:
                size = _READ_CHUNK if self.rate_bps is None else max(1, self.burst_bytes)
                data = await src.read(size)
                if conn.cut or self._closed:
                    return
                if not data:  # EOF: pass the half-close on
                    if dst.can_write_eof() and not dst.transport.is_closing():
                        dst.write_eof()
                    return
                if d == "up":
                    self._note_request(conn, data)
                else:
                    conn.last_dir = "down"
                    if not conn.reply_started:
                        conn.reply_started = True
                        if await self._maybe_kill(conn):
                            return
                data, cut_after = self._admit(conn, d, data)
                if data:
                    await self._forward(conn, d, dst, data)
                if cut_after and not conn.cut:
                    await self._flush(dst)
                    assert conn.plan is not None
                    self._cut(conn, "plan", conn.plan.direction, conn.plan.offset)
                    return
        except (ConnectionError, OSError):
            self._abort(conn)  # one side broke: pass it on as a reset

    def _note_request(self, conn: _Conn, data: bytes) -> None:
        if conn.rec is not None:
            conn.rec += data
        if conn.last_dir != "up":  # a new request starts after a reply (or at the start)
            conn.last_dir = "up"
            conn.request_head = bytearray()
            conn.reply_started = False
        room = _HEAD_KEEP - len(conn.request_head)
        if room > 0:
            conn.request_head += data[:room]

    def _admit(self, conn: _Conn, d: str, data: bytes) -> tuple[bytes, bool]:
        """How much of ``data`` goes on before a planned cut, and whether to cut after it."""
        plan = conn.plan
        if plan is None or plan.direction not in (d, "both"):
            conn.counted[d] += len(data)
            return data, False
        if plan.direction == "both":
            done = conn.counted["up"] + conn.counted["down"]
        else:
            done = conn.counted[d]
        room = plan.offset - done
        if room > len(data):
            conn.counted[d] += len(data)
            return data, False
        room = max(room, 0)
        conn.counted[d] += room
        return data[:room], True

    async def _forward(self, conn: _Conn, d: str, dst: asyncio.StreamWriter, data: bytes) -> None:
        pos = 0
        while pos < len(data):
            await self._wait_running()
            rate = self.rate_bps
            if rate:
                burst = max(1, self.burst_bytes)
                piece = data[pos : pos + burst]
                await self._buckets[d].take(len(piece), rate / 8.0, burst)
            else:
                piece = data[pos:] if pos else data
            if conn.cut or self._closed:
                return
            dst.write(piece)
            n = len(piece)
            pos += n
            conn.fwd[d] += n
            if d == "up":
                self.bytes_up += n
            else:
                self.bytes_down += n
            await dst.drain()

    async def _flush(self, dst: asyncio.StreamWriter) -> None:
        """Wait until what was written has left this host's buffers (so an RST drops none)."""
        sock = dst.get_extra_info("socket")
        deadline = time.monotonic() + self.flush_timeout
        while time.monotonic() < deadline and not dst.transport.is_closing():
            if dst.transport.get_write_buffer_size() == 0 and _unsent_bytes(sock) == 0:
                return
            await asyncio.sleep(0.001)

    async def _maybe_kill(self, conn: _Conn) -> bool:
        callback = self.on_first_reply_byte
        budget = self.kill_budget
        if callback is None or (budget is not None and budget <= 0):
            return False
        head = bytes(conn.request_head)
        if self.request_startswith is not None and not head.startswith(self.request_startswith):
            return False
        if self.request_match is not None and not self.request_match(head):
            return False
        if budget is not None:
            self.kill_budget = budget - 1
        info = ConnInfo(conn.no, head, conn.fwd["up"], conn.fwd["down"], conn.upstream)
        self.kills.append(info)
        try:
            result = callback(info)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:  # noqa: BLE001 - recorded for the test, the cut still happens
            self.errors.append(exc)
            traceback.print_exc()
        self._cut(conn, "first-reply-byte", "down", conn.fwd["down"])
        return True

    def _cut(self, conn: _Conn, reason: str, direction: str, offset: int) -> None:
        if conn.cut:
            return
        conn.cut = True
        self.cuts.append(
            CutRecord(
                conn.no,
                direction,
                offset,
                reason,
                conn.fwd["up"],
                conn.fwd["down"],
                time.monotonic(),
            )
        )
        self._plan_done(conn, fired=reason == "plan")
        _reset(conn.client_w)
        _reset(conn.up_w)

    def _abort(self, conn: _Conn) -> None:
        """Reset both sides without calling it a cut (a peer reset, or the proxy closing)."""
        conn.cut = True
        _reset(conn.client_w)
        _reset(conn.up_w)

    def _cut_all(self, reason: str) -> int:
        conns = list(self._conns)
        for conn in conns:
            self._cut(conn, reason, "both", conn.fwd["up"] + conn.fwd["down"])
        return len(conns)

    async def _tick(self) -> None:
        armed_for: float | None = None
        next_at = 0.0
        while True:
            await asyncio.sleep(_TICK_S)
            every = self.cut_every_s
            now = time.monotonic()
            if every != armed_for:
                armed_for = every
                next_at = now + every if every else 0.0
            if every and now >= next_at:
                next_at = max(next_at + every, now + _TICK_S)
                self._cut_all("every")


# ---- HTTP/1.1 recording and replay -------------------------------------------------------------
def _parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _is_chunked(headers: list[tuple[str, str]]) -> bool:
    return "chunked" in (_header(headers, "transfer-encoding") or "").lower()


def _chunked_end(buf: bytes, pos: int) -> int | None:
    """Index just past a chunked body starting at ``pos`` (trailers included), or None."""
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(buf[pos:eol].split(b";")[0].strip() or b"0", 16)
        pos = eol + 2
        if size == 0:
            while True:  # trailers, then an empty line
                eol = buf.find(b"\r\n", pos)
                if eol < 0:
                    return None
                if eol == pos:
                    return eol + 2
                pos = eol + 2
        if len(buf) < pos + size + 2:
            return None
        pos += size + 2


def split_http_requests(stream: bytes, *, include_partial: bool = False) -> list[bytes]:
    """Split a recorded client stream into its HTTP/1.1 requests (each raw, body included).

    Bodies are delimited by ``Content-Length`` or chunked encoding. An incomplete last request
    (the connection was cut) is dropped unless ``include_partial``.
    """
    out: list[bytes] = []
    pos = 0
    n = len(stream)
    while pos < n:
        while stream.startswith(b"\r\n", pos):
            pos += 2
        if pos >= n:
            break
        end = stream.find(b"\r\n\r\n", pos)
        if end < 0:
            break
        body_at = end + 4
        _line, headers = _parse_head(stream[pos:end])
        if _is_chunked(headers):
            stop = _chunked_end(stream, body_at)
        else:
            stop = body_at + int(_header(headers, "content-length") or 0)
            if stop > n:
                stop = None
        if stop is None:
            break
        out.append(bytes(stream[pos:stop]))
        pos = stop
    if include_partial and pos < n and stream[pos:].strip():
        out.append(bytes(stream[pos:]))
    return out


def _rewrite_request(raw: bytes, host_header: str | None) -> tuple[str, bytes]:
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        raise ValueError("not an HTTP request: no end of headers")
    line, headers = _parse_head(raw[:end])
    drop = {"connection", "keep-alive"} | ({"host"} if host_header else set())
    kept = [(k, v) for k, v in headers if k.lower() not in drop]
    if host_header:
        kept.insert(0, ("Host", host_header))
    kept.append(("Connection", "close"))
    head = "\r\n".join([line, *(f"{k}: {v}" for k, v in kept)]) + "\r\n\r\n"
    return line.split(" ", 1)[0].upper(), head.encode("latin-1") + raw[end + 4 :]


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        line = await reader.readuntil(b"\r\n")
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def replay_http(
    host: str,
    port: int,
    raw_request: bytes,
    timeout: float = 10.0,
    *,
    host_header: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Send one raw HTTP/1.1 request on a fresh connection; return (status, headers, body).

    ``Connection:`` is rewritten to ``close`` (``Host:`` too, if ``host_header`` is given).
    Header names come back lower-cased (repeats joined with ", "); a chunked body comes back
    decoded. Interim 1xx answers are skipped. Raises TimeoutError after ``timeout`` seconds.
    """
    method, data = _rewrite_request(raw_request, host_header)

    async def exchange() -> tuple[int, dict[str, str], bytes]:
        reader, writer = await asyncio.open_connection(host, port, limit=2**24)
        try:
            writer.write(data)
            await writer.drain()
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line, pairs = _parse_head(head[:-4])
                status = int(line.split(" ", 2)[1])
                if not (100 <= status < 200) or status == 101:
                    break
            headers: dict[str, str] = {}
            for key, value in pairs:
                key = key.lower()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
            if method == "HEAD" or status in (204, 304):
                body = b""
            elif _is_chunked(pairs):
                body = await _read_chunked(reader)
            elif "content-length" in headers:
                body = await reader.readexactly(int(headers["content-length"]))
            else:
                body = await reader.read()
            return status, headers, body
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    return await asyncio.wait_for(exchange(), timeout)
