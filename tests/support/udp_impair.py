"""``UdpImpairment``: a loopback UDP proxy that makes a link weak, lossy or dead.

It sits in front of the TURN server: clients send to ``127.0.0.1:.port``; each client address
gets its own upstream socket to ``.upstream`` (so coturn sees one stable 5-tuple per client and
its replies find their way back). ``"up"`` is client -> upstream, ``"down"`` upstream -> client.
Every knob may be changed at any time from any thread; each packet reads the current value.

``set_rate(kbps, direction="both")``
    A bottleneck of ``kbps`` kilobits per second (``None``: unlimited), one per direction. It
    is modelled as a link that sends one packet after another: a packet waits until the ones
    before it have left, then takes ``size * 8 / rate`` seconds; a packet that would wait
    more than ``queue_ms`` (250 ms) is dropped (``dropped_queue``), as at a real bottleneck.
``set_loss(p, direction="both")``
    Drop each arriving packet with probability ``p`` (``dropped_loss``), drawn from one
    ``random.Random(seed)`` per direction, so a run with the same seed and the same traffic
    drops the same packets. The seed is printed.
``blackhole``
    True: drop everything both ways (``dropped_blackhole``), as if the relay had gone.

Counters, per direction (:meth:`counters` gives a :class:`DirectionCounters` copy):
packets/bytes forwarded, packets dropped per reason, and :meth:`rate_kbps` (kbit/s forwarded
over the last ``window`` seconds, from a log of the last 30 s).

    with UdpImpairment(("127.0.0.1", turn.port), seed=7) as link:
        link.set_rate(64)             # a 2G-ish uplink and downlink
        ...  # ICE server turn:127.0.0.1:{link.port}
        link.blackhole = True         # the link dies
"""

from __future__ import annotations

import asyncio
import collections
import random
import socket
import threading
import time
from dataclasses import dataclass, replace
from typing import Literal

from tests.support.netfault import ThreadedService

Direction = Literal["up", "down"]
DIRECTIONS: tuple[Direction, Direction] = ("up", "down")
_READ_BURST = 256  # datagrams read per readiness callback
_METER_KEEP_S = 30.0


@dataclass
class DirectionCounters:
    """What crossed (or did not) in one direction."""

    packets: int = 0
    bytes: int = 0
    dropped_loss: int = 0
    dropped_queue: int = 0
    dropped_blackhole: int = 0
    dropped_bytes: int = 0
    send_errors: int = 0

    @property
    def dropped(self) -> int:
        return self.dropped_loss + self.dropped_queue + self.dropped_blackhole


class _Lane:
    """One direction: its bottleneck, loss draw, counters and rate meter."""

    def __init__(self, seed: int) -> None:
        self.kbps: float | None = None
        self.loss = 0.0
        self.rng = random.Random(seed)
        self.free_at = 0.0  # loop time at which the bottleneck finishes its queue
        self.counters = DirectionCounters()
        self.meter: collections.deque[tuple[float, int]] = collections.deque()


class UdpImpairment(ThreadedService):
    """A UDP proxy with a rate limit, seeded loss and a black hole; see the module docstring."""

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_kbps: float | None = None,
        loss: float = 0.0,
        seed: int = 0,
        queue_ms: float = 250.0,
        blackhole: bool = False,
    ) -> None:
        self.upstream = (str(upstream[0]), int(upstream[1]))
        self.host = host
        self.port = port
        self.seed = seed
        self.queue_ms = queue_ms
        self.blackhole = blackhole
        self._lanes = {d: _Lane(seed * 2 + i) for i, d in enumerate(DIRECTIONS)}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listen: socket.socket | None = None
        self._clients: dict[tuple[str, int], socket.socket] = {}
        self._closed = False
        self.set_rate(rate_kbps)
        self.set_loss(loss)
        print(f"UdpImpairment seed={seed}", flush=True)

    # ---- knobs ---------------------------------------------------------------------------------
    def _lanes_for(self, direction: str) -> list[_Lane]:
        if direction == "both":
            return list(self._lanes.values())
        if direction not in self._lanes:
            raise ValueError(f"direction must be up, down or both, not {direction!r}")
        return [self._lanes[direction]]

    def set_rate(self, kbps: float | None, direction: str = "both") -> None:
        if kbps is not None and kbps <= 0:
            raise ValueError("a rate is positive kbit/s, or None for unlimited")
        with self._lock:
            for lane in self._lanes_for(direction):
                lane.kbps = None if kbps is None else float(kbps)

    def set_loss(self, p: float, direction: str = "both") -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError("loss is a fraction between 0 and 1")
        with self._lock:
            for lane in self._lanes_for(direction):
                lane.loss = float(p)

    def rate(self, direction: Direction) -> float | None:
        return self._lanes[direction].kbps

    def loss(self, direction: Direction) -> float:
        return self._lanes[direction].loss

    # ---- what crossed --------------------------------------------------------------------------
    def counters(self, direction: Direction) -> DirectionCounters:
        with self._lock:
            return replace(self._lanes[direction].counters)

    def forwarded_bytes(self, direction: str = "both") -> int:
        return sum(self.counters(d).bytes for d in self._dirs(direction))

    def forwarded_packets(self, direction: str = "both") -> int:
        return sum(self.counters(d).packets for d in self._dirs(direction))

    def rate_kbps(self, direction: str = "both", window: float = 2.0) -> float:
        """Kilobits per second forwarded over the last ``window`` seconds."""
        since = time.monotonic() - window
        total = 0
        with self._lock:
            for d in self._dirs(direction):
                total += sum(n for at, n in self._lanes[d].meter if at >= since)
        return total * 8 / 1000 / window

    @staticmethod
    def _dirs(direction: str) -> tuple[Direction, ...]:
        if direction == "both":
            return DIRECTIONS
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be up, down or both, not {direction!r}")
        return (direction,)  # type: ignore[return-value]

    @property
    def clients(self) -> int:
        """Client addresses seen so far (each has its own upstream socket)."""
        return len(self._clients)

    # ---- life cycle ----------------------------------------------------------------------------
    async def start(self) -> UdpImpairment:
        if self._loop is not None:
            raise RuntimeError("UdpImpairment already started")
        self._loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind((self.host, self.port))
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._listen = sock
        self._loop.add_reader(sock.fileno(), self._on_client_ready)
        return self

    async def close(self) -> None:
        if self._loop is None:
            return
        self._closed = True  # packets still queued at the bottleneck are never sent
        for sock in [self._listen, *self._clients.values()]:
            if sock is not None:
                self._loop.remove_reader(sock.fileno())
                sock.close()
        self._clients.clear()
        self._listen = None

    def _thread_name(self) -> str:
        return f"UdpImpairment->{self.upstream[0]}:{self.upstream[1]}"

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    # ---- forwarding ----------------------------------------------------------------------------
    def _on_client_ready(self) -> None:
        assert self._listen is not None
        for _ in range(_READ_BURST):
            try:
                data, addr = self._listen.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            upstream = self._clients.get(addr)
            if upstream is None:
                upstream = self._open_upstream(addr)
            self._admit("up", data, upstream.send)

    def _open_upstream(self, addr: tuple[str, int]) -> socket.socket:
        assert self._loop is not None
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind((self.host, 0))
        sock.connect(self.upstream)
        sock.setblocking(False)
        self._clients[addr] = sock
        self._loop.add_reader(sock.fileno(), self._on_upstream_ready, sock, addr)
        return sock

    def _on_upstream_ready(self, sock: socket.socket, addr: tuple[str, int]) -> None:
        listen = self._listen
        for _ in range(_READ_BURST):
            try:
                data = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # ICMP port unreachable while the relay is down
                continue
            if listen is None:
                return
            self._admit("down", data, lambda d, a=addr: listen.sendto(d, a))

    def _admit(self, direction: Direction, data: bytes, send) -> None:
        """Drop, queue or forward one datagram arriving for ``direction``."""
        assert self._loop is not None
        lane = self._lanes[direction]
        size = len(data)
        with self._lock:
            counters = lane.counters
            if self.blackhole:
                counters.dropped_blackhole += 1
                counters.dropped_bytes += size
                return
            if lane.loss and lane.rng.random() < lane.loss:
                counters.dropped_loss += 1
                counters.dropped_bytes += size
                return
            kbps = lane.kbps
            now = self._loop.time()
            if kbps is None:
                lane.free_at = now
                due = None
            else:
                start = max(now, lane.free_at)
                if start - now > self.queue_ms / 1000:
                    counters.dropped_queue += 1
                    counters.dropped_bytes += size
                    return
                lane.free_at = start + size * 8 / (kbps * 1000)
                due = lane.free_at
        if due is None:
            self._send(lane, data, send)
        else:
            self._loop.call_at(due, self._send, lane, data, send)

    def _send(self, lane: _Lane, data: bytes, send) -> None:
        if self._closed:
            return
        try:
            send(data)
        except OSError:
            with self._lock:
                lane.counters.send_errors += 1
            return
        now = time.monotonic()
        with self._lock:
            lane.counters.packets += 1
            lane.counters.bytes += len(data)
            lane.meter.append((now, len(data)))
            while lane.meter and lane.meter[0][0] < now - _METER_KEEP_S:
                lane.meter.popleft()
