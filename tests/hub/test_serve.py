"""``spoke-hub serve`` as a real process on loopback: an enrol code from the real CLI,
then enrol, push and a tus upload (with a connection cut mid-chunk) over real HTTP, then
SIGTERM. And the same hub over TLS."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from spoke_client.domain.ids import new_id
from tests.support.certs import self_signed

from .conftest import encounter_record, op, patient_record

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
LISTENING = re.compile(
    r"spoke-hub listening on (https?)://127\.0\.0\.1:(\d+) \(data: .*, epoch: (\w+)\)"
)


def hub_cli(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spoke_hub.cli", *args, "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=ENV,
    )


class Served:
    """A ``spoke-hub serve`` subprocess; its first stdout line gives the port."""

    def __init__(self, data: Path, *extra: str) -> None:
        self.log = open(data.parent / "serve.log", "w+")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "spoke_hub.cli", "serve", "--port", "0", "--data", str(data)]
            + list(extra),
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            cwd=ROOT,
            env=ENV,
        )
        self.lines: list[str] = []
        first = threading.Event()

        def drain() -> None:  # uvicorn's access log goes to stdout: keep the pipe empty
            for line in self.proc.stdout:
                self.lines.append(line)
                first.set()
            first.set()

        threading.Thread(target=drain, daemon=True).start()
        first.wait(30)
        match = LISTENING.search(self.lines[0]) if self.lines else None
        if not match:
            self.stop()
            self.log.seek(0)
            raise AssertionError(f"no listening line: {self.lines!r}\n{self.log.read()}")
        self.scheme, self.port, self.epoch = match[1], int(match[2]), match[3]
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        return self.proc.returncode


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_enrol_push_and_a_cut_upload_over_real_http(tmp_path):
    data = tmp_path / "hub"
    made = hub_cli(data, "enrol-code", "--facility", "HWC-0001", "--name", "Rampur", "--quiet")
    assert made.returncode == 0, made.stderr
    code = made.stdout.strip()

    served = Served(data)
    try:
        proto = {"Spoke-Protocol": "1"}
        with httpx.Client(base_url=served.url, timeout=10) as http:
            r = http.post("/v1/enrol", json={"code": code, "device_name": "desk"}, headers=proto)
            assert r.status_code == 200, r.text
            assert r.json()["epoch"] == served.epoch
            auth = proto | {"Authorization": f"Bearer {r.json()['token']}"}
            assert "Spoke-Hub-Time" in r.headers

            p = patient_record()
            e = encounter_record(p["id"], state="ready")
            r = http.post(
                "/v1/push", json={"ops": [op("patient", p), op("encounter", e)]}, headers=auth
            )
            assert r.status_code == 200, r.text
            assert [x["status"] for x in r.json()["results"]] == ["applied", "applied"]

            photo = os.urandom(300_000)
            media_id = new_id()
            tus = auth | {"Tus-Resumable": "1.0.0"}
            meta = {
                "media_id": media_id,
                "encounter_id": e["id"],
                "sha256": hashlib.sha256(photo).hexdigest(),
                "mime": "image/jpeg",
            }
            r = http.post(
                "/v1/files",
                headers=tus
                | {
                    "Upload-Length": str(len(photo)),
                    "Upload-Metadata": ",".join(f"{k} {b64(v)}" for k, v in meta.items()),
                },
            )
            assert r.status_code == 201, r.text
            url = r.headers["Location"]

            # a chunk of 200 000 bytes cut after 120 000: the hub keeps what arrived
            with socket.create_connection(("127.0.0.1", served.port)) as raw:
                head = (
                    f"PATCH {url} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "".join(f"{k}: {v}\r\n" for k, v in tus.items())
                    + "Content-Type: application/offset+octet-stream\r\n"
                    + "Upload-Offset: 0\r\nContent-Length: 200000\r\n\r\n"
                )
                raw.sendall(head.encode() + photo[:120_000])
                time.sleep(0.3)
            offset, deadline = 0, time.monotonic() + 15
            while offset < 120_000 and time.monotonic() < deadline:
                r = http.head(url, headers=tus)
                offset = int(r.headers["Upload-Offset"])
                time.sleep(0.1)
            assert offset == 120_000

            r = http.patch(
                url,
                content=photo[offset:],
                headers=tus
                | {"Content-Type": "application/offset+octet-stream", "Upload-Offset": str(offset)},
            )
            assert r.status_code == 204, r.text
            status = http.get(f"/v1/media/{media_id}", headers=auth).json()
            assert status["complete"] is True and status["sha256"] == meta["sha256"]

        # the CLI reads the serving hub's data alongside it
        stats = hub_cli(data, "stats", "--json", "--verify")
        assert stats.returncode == 0, stats.stderr
        facility = json.loads(stats.stdout)["facilities"]["HWC-0001"]
        assert facility["media"] == {media_id: meta["sha256"]}
        assert (facility["patients"], facility["encounters"]) == (1, 1)
    finally:
        returncode = served.stop()
    assert returncode == 0 and served.lines[-1].strip() == "spoke-hub stopped"
    logged = (tmp_path / "serve.log").read_text() + "".join(served.lines)
    assert "PATCH" in logged and "Seeta" not in logged and "Rampur" not in logged


def test_serve_over_tls(tmp_path):
    cert, key, _fingerprint = self_signed(tmp_path)
    served = Served(tmp_path / "hub", "--cert", str(cert), "--key", str(key))
    try:
        assert served.scheme == "https"
        trust = ssl.create_default_context(cafile=str(cert))
        r = httpx.get(served.url + "/healthz", verify=trust, timeout=10)
        assert r.status_code == 200 and r.json() == {"ok": True}
        # a second hub on the same data folder is refused
        second = hub_cli(tmp_path / "hub", "serve", "--port", "0")
        assert second.returncode == 1 and "already serving" in second.stderr
    finally:
        assert served.stop() == 0
