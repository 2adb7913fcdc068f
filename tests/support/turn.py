"""``TurnServer``: a real coturn ``turnserver`` on loopback, for the call tests' relay.

One subprocess per :meth:`TurnServer.start`, listening on ``127.0.0.1`` on a port that was free
when the object was made (``.port``); :meth:`stop` kills it and :meth:`start` brings it back on the
same port (the dead-link test takes the relay away and returns it). Everything coturn writes
lives in a temporary folder of its own: the user database (``--userdb``), the pid file and the
log (``turnserver.log``; pass ``log_dir`` to keep it, e.g. under ``test-output``).

Options and why (coturn 4.6 here):

- ``-n``: read no ``/etc/turnserver.conf``; the Debian package's own service is never used
  (there is no init system here, and the package leaves it disabled anyway).
- ``--lt-cred-mech --user u:p --realm spoke.test``: the long-term credentials WebRTC uses
  (browsers and aiortc both refuse a TURN server without credentials).
- ``--listening-ip 127.0.0.1 --relay-ip 127.0.0.1``: clients reach it and relayed ports are
  opened on loopback only.
- ``--allow-loopback-peers``: needed when both ends are relay-only, since each end's peer is
  then the other's relay address on 127.0.0.1; without it that call never connects (checked).
  A relay-only end talking to the other end's host candidates on the machine's own address
  (aiortc and Chromium both skip 127.0.0.1 host candidates) works without it.
- ``--no-tls --no-dtls --no-cli --no-tcp-relay --no-multicast-peers``: nothing listens
  beyond the one UDP/TCP port; ``--fingerprint`` as WebRTC expects.
- ``--min-port/--max-port``: relay ports from a range of 1000 ports chosen per server.

Beware when the relay is gone (stopped, or blackholed by ``UdpImpairment``): aiortc's
``RTCPeerConnection.close()`` then waits about 31 s for coturn to confirm deleting the
allocation (aioice retries the Refresh 6 times from 0.5 s, doubling), so bound it
(``asyncio.wait_for``) or do not await it on a path that must reconnect quickly.

Readiness is proven, not guessed: :meth:`start` sends STUN Binding requests to the port until
one is answered.

    with TurnServer() as turn:
        config = RTCConfiguration([RTCIceServer(**turn.ice_server)])
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

STUN_MAGIC = 0x2112A442


def _find_turnserver() -> str:
    for candidate in (shutil.which("turnserver"), "/usr/bin/turnserver", "/usr/sbin/turnserver"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("coturn's turnserver is not installed (apt package coturn)")


def free_udp_tcp_port(host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP on ``host`` right now (coturn listens on both)."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind((host, 0))
            port = udp.getsockname()[1]
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                tcp.bind((host, port))
            except OSError:
                continue
            finally:
                tcp.close()
            return port
        finally:
            udp.close()
    raise RuntimeError("no port free for both UDP and TCP")


def stun_binding(host: str, port: int, timeout: float = 0.5) -> tuple[str, int] | None:
    """Send one STUN Binding request; the XOR-MAPPED-ADDRESS answered, or ``None``."""
    txn = secrets.token_bytes(12)
    request = struct.pack("!HHI", 0x0001, 0, STUN_MAGIC) + txn
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(request, (host, port))
            data, _ = sock.recvfrom(2048)
        except OSError:
            return None
    if len(data) < 20 or data[8:20] != txn or struct.unpack("!H", data[:2])[0] != 0x0101:
        return None
    pos = 20
    while pos + 4 <= len(data):
        kind, length = struct.unpack("!HH", data[pos : pos + 4])
        value = data[pos + 4 : pos + 4 + length]
        if kind == 0x0020 and length >= 8:  # XOR-MAPPED-ADDRESS, IPv4
            xport = struct.unpack("!H", value[2:4])[0] ^ (STUN_MAGIC >> 16)
            xaddr = struct.unpack("!I", value[4:8])[0] ^ STUN_MAGIC
            return socket.inet_ntoa(struct.pack("!I", xaddr)), xport
        pos += 4 + length + (-length % 4)
    return ("", 0)


class TurnServer:
    """coturn on ``host``:``port`` with one static long-term user; see the module docstring."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        username: str = "u",
        password: str = "p",
        realm: str = "spoke.test",
        relay_ports: tuple[int, int] | None = None,
        log_dir: str | Path | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_udp_tcp_port(host)
        self.username = username
        self.password = password
        self.realm = realm
        if relay_ports is None:
            low = random.Random().randrange(20000, 30000, 1000)
            relay_ports = (low, low + 999)
        self.relay_ports = relay_ports
        self._own_dir = tempfile.TemporaryDirectory(prefix="spoke-turn-")
        self.dir = Path(self._own_dir.name)
        self.log_path = Path(log_dir or self.dir) / f"turnserver-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.starts = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    # ---- addresses -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"turn:{self.host}:{self.port}?transport=udp"

    def url_via(self, host: str, port: int) -> str:
        """The same server reached through another address (a proxy in front of it)."""
        return f"turn:{host}:{port}?transport=udp"

    @property
    def ice_server(self) -> dict[str, Any]:
        """As ``RTCIceServer(**ice_server)`` (aiortc) or an ``iceServers`` entry (browser)."""
        return {"urls": [self.url], "username": self.username, "credential": self.password}

    def ice_server_via(self, host: str, port: int) -> dict[str, Any]:
        return {
            "urls": [self.url_via(host, port)],
            "username": self.username,
            "credential": self.password,
        }

    # ---- life cycle ----------------------------------------------------------------------------
    def command(self) -> list[str]:
        low, high = self.relay_ports
        return [
            _find_turnserver(),
            "-n",
            "--listening-ip", self.host,
            "--listening-port", str(self.port),
            "--relay-ip", self.host,
            "--min-port", str(low),
            "--max-port", str(high),
            "--lt-cred-mech",
            "--user", f"{self.username}:{self.password}",
            "--realm", self.realm,
            "--fingerprint",
            "--allow-loopback-peers",
            "--no-multicast-peers",
            "--no-tls",
            "--no-dtls",
            "--no-tcp-relay",
            "--no-cli",
            "--userdb", str(self.dir / "turndb"),
            "--pidfile", str(self.dir / "turnserver.pid"),
            "--log-file", "stdout",
            "--simple-log",
        ]  # fmt: skip

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 15.0) -> TurnServer:
        """Run coturn and return once it answers STUN on ``port``."""
        if self.running:
            raise RuntimeError("TurnServer already running")
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (kept open while it runs)
        self._log.write(f"---- start {self.starts + 1}: {' '.join(self.command())}\n".encode())
        self._log.flush()
        self._proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.dir,
        )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while stun_binding(self.host, self.port, 0.2) is None:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._close_log()
                raise RuntimeError(f"turnserver exited with {code}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"turnserver silent after {timeout} s:\n{self.log_tail()}")
        return self

    def stop(self) -> None:
        """Kill coturn (SIGKILL: a relay that vanishes); allocations die with it."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait(timeout=10)
            self._proc = None
        self._close_log()

    def restart(self, timeout: float = 15.0) -> TurnServer:
        self.stop()
        return self.start(timeout)

    def close(self) -> None:
        self.stop()
        self._own_dir.cleanup()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> TurnServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
