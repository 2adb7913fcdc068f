"""The dead-link heartbeat of a live consult, on the ``heartbeat`` data channel.

Every ``interval_s`` the spoke sends ``{"t":"ping","n":N,"at":ms}``; the doctor's console
echoes ``{"t":"pong","n":N,"at":ms}``. ICE and DTLS take about 30 s to notice that a link
has died; the heartbeat notices in ``dead_after_s``: once the link is *armed* (the first
pong, or the peer connection reporting itself connected), ``dead_after_s`` without a pong
calls ``on_dead(silent_s)`` once and the heartbeat stops. A ping from the doctor is answered
with a pong, so the console can watch the link the same way. ``at`` is the spoke's
monotonic clock in milliseconds: the pong's echo of it gives the round-trip time.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

#: How often (seconds) the heartbeat looks for silence between two pings: a dead link is
#: reported at most this long after ``dead_after_s``.
CHECK_EVERY_S = 0.1


class Heartbeat:
    """Pings on ``channel`` (an aiortc ``RTCDataChannel``) and watches for pongs.

    ``on_alive()`` is called at the first pong; ``on_dead(silent_s)`` when the armed link
    stays silent for ``dead_after_s``; ``on_message(data)`` for any other message (a dict
    with a ``"t"``). Messages arrive through :meth:`handle`, which the owner connects to
    the channel's ``message`` event."""

    def __init__(
        self,
        channel: Any,
        *,
        interval_s: float,
        dead_after_s: float,
        clock: Callable[[], float],
        on_alive: Callable[[], None],
        on_dead: Callable[[float], None],
        on_message: Callable[[dict], None] | None = None,
        ping_extra: Callable[[], dict] | None = None,
    ) -> None:
        self.channel = channel
        self.interval_s = interval_s
        self.dead_after_s = dead_after_s
        self.clock = clock
        self._on_alive = on_alive
        self._on_dead = on_dead
        self._on_message = on_message
        # More fields for every ping (the ladder step): a lone message on this unreliable
        # channel may be lost on the very link it is about, a field repeated every second not.
        self._ping_extra = ping_extra
        self._task: asyncio.Task | None = None
        self.sent = 0
        self.pongs = 0
        self.last_pong_at: float | None = None
        self.armed_at: float | None = None
        self.rtt_s: float | None = None
        self.dead = False

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            # gather, not try/except: a cancellation of the caller itself must go through.
            await asyncio.gather(task, return_exceptions=True)

    def arm(self) -> None:
        """Start counting silence now (the peer connection says it is connected)."""
        if self.armed_at is None:
            self.armed_at = self.clock()

    @property
    def last_heard_at(self) -> float | None:
        """When the link last proved alive: the last pong, or when it was armed."""
        heard = [t for t in (self.last_pong_at, self.armed_at) if t is not None]
        return max(heard) if heard else None

    def silent_s(self) -> float:
        heard = self.last_heard_at
        return 0.0 if heard is None else self.clock() - heard

    def send(self, message: dict) -> bool:
        """Sends one message on the channel if it is open; False if it is not."""
        if self.channel.readyState != "open":
            return False
        try:
            self.channel.send(json.dumps(message, separators=(",", ":")))
        except Exception:  # a channel closing under us: the silence check reports it
            log.debug("heartbeat: send failed", exc_info=True)
            return False
        return True

    def handle(self, raw: str | bytes) -> None:
        """One message from the doctor's side of the channel."""
        try:
            data = json.loads(raw)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        kind = data.get("t")
        if kind == "pong":
            now = self.clock()
            at = data.get("at")
            if isinstance(at, int | float) and not isinstance(at, bool):
                rtt = now - at / 1000.0
                if 0 <= rtt < 60:
                    self.rtt_s = rtt
            first = self.pongs == 0
            self.pongs += 1
            self.last_pong_at = now
            if first and not self.dead:
                self._on_alive()
        elif kind == "ping":
            self.send({"t": "pong", "n": data.get("n"), "at": data.get("at")})
        elif isinstance(kind, str) and self._on_message is not None:
            self._on_message(data)

    async def _run(self) -> None:
        n = 0
        next_ping = self.clock()
        while True:
            now = self.clock()
            if now >= next_ping:
                n += 1
                extra = self._ping_extra() if self._ping_extra else {}
                if self.send({**extra, "t": "ping", "n": n, "at": int(now * 1000)}):
                    self.sent += 1
                next_ping = now + self.interval_s
            heard = self.last_heard_at
            if heard is not None and now - heard >= self.dead_after_s:
                self.dead = True
                self._on_dead(now - heard)
                return
            await asyncio.sleep(min(CHECK_EVERY_S, max(0.0, next_ping - now)) or 0.001)
