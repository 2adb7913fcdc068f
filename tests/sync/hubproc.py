"""A real hub process on loopback for the sync tests and the bench: ``spoke-hub serve`` in a
subprocess, with its own data folder, started, killed (SIGKILL), restarted on the same port,
and driven through its own CLI (enrol codes, stats, backup, restore)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HubProcess:
    def __init__(self, data: Path, port: int | None = None, *, extra: tuple[str, ...] = ()) -> None:
        self.data = Path(data)
        self.extra = extra  # more `serve` options, e.g. ("--upload-expiry-hours", "0.001")
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.output: list[str] = []
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _cmd(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "spoke_hub.cli", *args]

    def start(self, timeout: float = 30.0) -> HubProcess:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            self._cmd(
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data",
                str(self.data),
                *self.extra,
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.starts += 1
        threading.Thread(target=self._drain, args=(self.proc,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("hub exited at start:\n" + "".join(self.output[-30:]))
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("hub did not start:\n" + "".join(self.output[-30:]))

    def _drain(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.output.append(line)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what was committed is all that is left."""
        if self.alive:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.alive:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            self._cmd(*args, "--data", str(self.data)),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"spoke-hub {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def enrol_code(self, facility: str, name: str = "Test Sub-centre") -> str:
        out = self.cli("enrol-code", "--facility", facility, "--name", name, "--quiet")
        return out.strip().splitlines()[-1].strip()

    def stats(self) -> dict:
        return json.loads(self.cli("stats", "--json"))
