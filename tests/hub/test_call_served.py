"""A live call's signalling against a real ``spoke-hub serve`` process (uvicorn and its
websockets), with aiohttp as both the spoke and the doctor's browser; and the console's
cookie over TLS."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import sys

import aiohttp
import httpx
import pytest

from spoke_client.sync.protocol import PROTOCOL_HEADER, SigEnded, SigQueue, WsClose
from tests.support.certs import self_signed
from tests.sync.hubproc import HubProcess

from .conftest import encounter_record, op, patient_record
from .consult_support import PASSWORD

PROTO = {PROTOCOL_HEADER: "1"}


def add_doctor_cli(hub: HubProcess, username: str = "asha") -> None:
    done = subprocess.run(
        [sys.executable, "-m", "spoke_hub.cli", "doctor", "add", "--data", str(hub.data)]
        + ["--username", username, "--name", "Dr. Asha Rao", "--registration", "KMC-12345"]
        + ["--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


async def enrol(http: aiohttp.ClientSession, hub: HubProcess, facility: str) -> dict:
    code = hub.enrol_code(facility)
    async with http.post(
        hub.url + "/v1/enrol", json={"code": code, "device_name": "desk"}, headers=PROTO
    ) as r:
        assert r.status == 200
        return await r.json()


async def push_waiting_case(http, hub, device) -> str:
    patient = patient_record()
    encounter = encounter_record(patient["id"], state="waiting_for_doctor")
    headers = PROTO | {"Authorization": f"Bearer {device['token']}"}
    body = {"ops": [op("patient", patient), op("encounter", encounter)]}
    async with http.post(hub.url + "/v1/push", json=body, headers=headers) as r:
        assert r.status == 200
        assert [x["status"] for x in (await r.json())["results"]] == ["applied", "applied"]
    return encounter["id"]


async def pulled_states(http, hub, device, case_id) -> list[str]:
    headers = PROTO | {"Authorization": f"Bearer {device['token']}"}
    async with http.get(hub.url + "/v1/pull", headers=headers) as r:
        changes = (await r.json())["changes"]
    return [c["payload"]["state"] for c in changes if c["encounter_id"] == case_id]


async def next_of(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict:
    while True:
        message = await asyncio.wait_for(ws.receive(), 10)
        assert message.type == aiohttp.WSMsgType.TEXT, (message.type, message.data)
        body = json.loads(message.data)
        if body["type"] == kind:
            return body


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> int:
    while True:
        message = await asyncio.wait_for(ws.receive(), 10)
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            return ws.close_code


@pytest.fixture
def served(tmp_path):
    hub = HubProcess(tmp_path / "hub", extra=("--call-grace", "0.5")).start()
    try:
        yield hub
    finally:
        hub.stop()


async def test_a_call_through_a_real_hub(served):
    hub = served
    add_doctor_cli(hub)
    call_url = hub.url.replace("http", "ws") + "/v1/call/"
    async with (
        aiohttp.ClientSession() as http,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser,
    ):
        device = await enrol(http, hub, "HWC-0001")
        other = await enrol(http, hub, "HWC-0002")
        case_id = await push_waiting_case(http, hub, device)
        spoke_headers = PROTO | {"Authorization": f"Bearer {device['token']}"}

        # Another facility's device is refused like an unknown case.
        other_headers = PROTO | {"Authorization": f"Bearer {other['token']}"}
        async with http.ws_connect(call_url + case_id, headers=other_headers) as ws:
            assert await closed_with(ws) == WsClose.NOT_FOUND

        # Without a session the console socket is closed.
        async with browser.ws_connect(hub.url + "/console/ws") as ws:
            assert (await next_of(ws, "error"))["code"] == "unauthenticated"
            assert await closed_with(ws) == WsClose.UNAUTHORISED

        async with browser.post(
            hub.url + "/console/api/login", json={"username": "asha", "password": PASSWORD}
        ) as r:
            assert r.status == 200

        async with (
            http.ws_connect(call_url + case_id, headers=spoke_headers) as spoke,
            browser.ws_connect(hub.url + "/console/ws") as console,
        ):
            queue = await next_of(console, "queue")
            while not queue["live"] or not queue["live"][0]["spoke_online"]:
                queue = await next_of(console, "queue")
            assert queue["live"][0]["case_id"] == case_id
            q = SigQueue.model_validate(await next_of(spoke, "queue"))
            assert q.position == 1

            await console.send_json({"type": "accept", "case_id": case_id})
            call_id = (await next_of(console, "accepted"))["call_id"]
            assert (await next_of(spoke, "doctor-joined"))["call_id"] == call_id
            assert await pulled_states(http, hub, device, case_id) == ["in_consult"]

            await spoke.send_json({"type": "offer", "call_id": call_id, "attempt": 1, "sdp": "o"})
            offer = await next_of(console, "offer")
            assert (offer["case_id"], offer["attempt"], offer["sdp"]) == (case_id, 1, "o")
            answer = {"case_id": case_id, "call_id": call_id, "attempt": 1, "sdp": "a"}
            await console.send_json({"type": "answer"} | answer)
            assert (await next_of(spoke, "answer"))["sdp"] == "a"

            await console.send_json({"type": "end", "case_id": case_id, "call_id": call_id})
            ended = SigEnded.model_validate(await next_of(spoke, "ended"))
            assert (ended.by, ended.reason) == ("doctor", "finished")
            assert await closed_with(spoke) == 1000
            assert (await next_of(console, "ended"))["reason"] == "finished"
        assert await pulled_states(http, hub, device, case_id) == [
            "in_consult",
            "awaiting_prescription",
        ]

        # Malformed frames close that socket only; the hub stays up.
        second = await push_waiting_case(http, hub, device)
        async with http.ws_connect(call_url + second, headers=spoke_headers) as spoke:
            await next_of(spoke, "queue")
            await spoke.send_str("{not json")
            assert await closed_with(spoke) == WsClose.BAD_MESSAGE
        async with http.get(hub.url + "/healthz") as r:
            assert r.status == 200

        # A spoke that vanishes mid-call: after the grace the case is back in the queue.
        async with browser.ws_connect(hub.url + "/console/ws") as console:
            async with http.ws_connect(call_url + second, headers=spoke_headers) as spoke:
                await next_of(spoke, "queue")
                await console.send_json({"type": "accept", "case_id": second})
                await next_of(console, "accepted")
            await next_of(console, "peer-away")
            dropped = await next_of(console, "ended")
            assert (dropped["by"], dropped["reason"]) == ("hub", "dropped")
        assert (await pulled_states(http, hub, device, second))[-1] == "waiting_for_doctor"
    assert hub.alive
    log = "".join(hub.output)
    assert "Seeta" not in log and "Rampur" not in log and "v=0" not in log


def test_the_session_cookie_is_secure_over_tls(tmp_path):
    cert, key, _ = self_signed(tmp_path)
    hub = HubProcess(tmp_path / "hub", extra=("--cert", str(cert), "--key", str(key)))
    add_doctor_cli(hub)
    hub_url = hub.url  # http: the start-up probe; the hub itself speaks https
    proc = subprocess.Popen(
        [sys.executable, "-m", "spoke_hub.cli", "serve", "--port", str(hub.port)]
        + ["--data", str(hub.data), "--cert", str(cert), "--key", str(key)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "listening on https" in proc.stdout.readline()
        trust = ssl.create_default_context(cafile=str(cert))
        r = httpx.post(
            hub_url.replace("http:", "https:") + "/console/api/login",
            json={"username": "asha", "password": PASSWORD},
            verify=trust,
            timeout=10,
        )
        assert r.status_code == 200, r.text
        cookie = r.headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    finally:
        proc.terminate()
        proc.wait(15)


def test_serve_gives_the_console_its_ice_servers(tmp_path):
    turn = ("--ice-server", "turn:turn.district.test:3478", "--ice-username", "hwc")
    hub = HubProcess(tmp_path / "hub", extra=(*turn, "--ice-credential", "s3cret"))
    add_doctor_cli(hub)
    hub.start()
    try:
        with httpx.Client(base_url=hub.url, timeout=10) as http:
            assert http.get("/console/api/config").status_code == 401
            login = {"username": "asha", "password": PASSWORD}
            assert http.post("/console/api/login", json=login).status_code == 200
            assert http.get("/console/api/config").json() == {
                "ice_servers": [
                    {
                        "urls": ["turn:turn.district.test:3478"],
                        "username": "hwc",
                        "credential": "s3cret",
                    }
                ]
            }
    finally:
        hub.stop()

    refused = subprocess.run(
        [sys.executable, "-m", "spoke_hub.cli", "--data", str(hub.data), "serve"]
        + ["--ice-server", "http://turn.district.test"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "use a stun:, turn: or turns: address" in refused.stderr
