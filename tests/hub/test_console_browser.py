"""The console page in real Chromium (Debian's, through Playwright) against a real hub, with
aiortc playing the spoke: sign in, the queue, the case summary with its flagged vitals and
photo, Accept, a WebRTC call with video, audio and the heartbeat, a note, End."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from pathlib import Path

import aiohttp
import av
import cv2
import numpy as np
from aiortc import AudioStreamTrack, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

from spoke_client.sync.protocol import PROTOCOL_HEADER
from tests.support.doctor_browser import CHROMIUM, chromium_args
from tests.support.media_files import write_wav, write_y4m
from tests.sync.hubproc import HubProcess

from .conftest import attachment_record, encounter_record, op, patient_record
from .consult_support import PASSWORD
from .test_call_served import add_doctor_cli, enrol
from .test_tus import metadata

OUT = Path(__file__).resolve().parents[2] / "test-output"


class Bars(VideoStreamTrack):
    """Bright moving colour bars (so the page's notBlack sample is true)."""

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        img = np.zeros((240, 320, 3), dtype=np.uint8)
        shift = (pts // 3000) % 320
        for i, colour in enumerate([(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 200, 0)]):
            start = (i * 80 + shift) % 320
            img[:, start : start + 80] = colour
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts, frame.time_base = pts, time_base
        return frame


class AiortcSpoke:
    """The spoke's side of the call: offers on doctor-joined, pings on 'heartbeat'."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.pc: RTCPeerConnection | None = None
        self.pongs: list[dict] = []
        self.seen: list[str] = []
        self._pinger: asyncio.Task | None = None

    async def run(self) -> None:
        async for message in self.ws:
            body = json.loads(message.data)
            self.seen.append(body["type"])
            if body["type"] == "doctor-joined":
                await self._offer(body["call_id"])
            elif body["type"] == "answer" and self.pc is not None:
                await self.pc.setRemoteDescription(RTCSessionDescription(body["sdp"], "answer"))
            elif body["type"] == "ended":
                break

    async def _offer(self, call_id: str) -> None:
        self.pc = pc = RTCPeerConnection()
        channel = pc.createDataChannel("heartbeat")
        channel.on("message", lambda m: self.pongs.append(json.loads(m)))

        async def ping() -> None:
            n = 0
            while True:
                await asyncio.sleep(0.5)
                if channel.readyState == "open":
                    n += 1
                    channel.send(json.dumps({"t": "ping", "n": n, "at": n * 500}))

        self._pinger = asyncio.ensure_future(ping())
        pc.addTrack(Bars())
        pc.addTrack(AudioStreamTrack())
        await pc.setLocalDescription(await pc.createOffer())
        offer = {"type": "offer", "call_id": call_id, "attempt": 1}
        await self.ws.send_json(offer | {"sdp": pc.localDescription.sdp})

    async def close(self) -> None:
        if self._pinger is not None:
            self._pinger.cancel()
        if self.pc is not None:
            await self.pc.close()


async def prepare_case(http, hub, device) -> tuple[str, bytes]:
    """A waiting case with out-of-range vitals and a completed photo; (case id, photo)."""
    auth = {PROTOCOL_HEADER: "1", "Authorization": f"Bearer {device['token']}"}
    patient = patient_record("Test Patient")  # made up: the screenshots are kept
    vitals = {"systolic": 190.0, "diastolic": 95.0, "pulse": 88.0, "spo2": 93.0}
    encounter = encounter_record(patient["id"], state="waiting_for_doctor", vitals=vitals)
    photo = cv2.imencode(".jpg", np.full((120, 160, 3), (60, 80, 200), np.uint8))[1].tobytes()
    attachment = attachment_record(encounter["id"], photo, caption="rash on the forearm")
    ops = [op("patient", patient), op("encounter", encounter), op("attachment", attachment)]
    async with http.post(hub.url + "/v1/push", json={"ops": ops}, headers=auth) as r:
        assert [x["status"] for x in (await r.json())["results"]] == ["applied"] * 3
    tus = auth | {"Tus-Resumable": "1.0.0"}
    meta = metadata(attachment["id"], photo, encounter_id=encounter["id"], mime="image/jpeg")
    create = tus | {"Upload-Length": str(len(photo)), "Upload-Metadata": meta}
    async with http.post(hub.url + "/v1/files", headers=create) as r:
        location = r.headers["Location"]
    chunk = tus | {"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    url = location if location.startswith("http") else hub.url + location
    async with http.patch(url, data=photo, headers=chunk) as r:
        assert r.status == 204
    assert hashlib.sha256(photo).hexdigest() == attachment["sha256"]
    return encounter["id"], photo


async def test_the_console_in_chromium_takes_a_call(tmp_path):
    from playwright.async_api import async_playwright

    hub = HubProcess(tmp_path / "hub").start()
    spoke: AiortcSpoke | None = None
    try:
        add_doctor_cli(hub)
        async with aiohttp.ClientSession() as http:
            device = await enrol(http, hub, "HWC-0001")
            case_id, photo = await prepare_case(http, hub, device)
            auth = {PROTOCOL_HEADER: "1", "Authorization": f"Bearer {device['token']}"}
            ws = await http.ws_connect(
                hub.url.replace("http", "ws") + "/v1/call/" + case_id, headers=auth
            )
            spoke = AiortcSpoke(ws)
            spoke_task = asyncio.ensure_future(spoke.run())
            async with async_playwright() as pw:
                context = await pw.chromium.launch_persistent_context(
                    str(tmp_path / "profile"),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=chromium_args(write_y4m(tmp_path), write_wav(tmp_path)),
                    viewport={"width": 1360, "height": 1000},
                )
                try:
                    page = await context.new_page()
                    await page.goto(hub.url + "/console/")
                    await page.fill("#login-username", "asha")
                    await page.fill("#login-password", "not the password")
                    await page.click("#login-submit")
                    await page.wait_for_selector("#login-error:not([hidden])")
                    assert "wrong" in await page.text_content("#login-error")

                    await page.fill("#login-password", PASSWORD)
                    await page.click("#login-submit")
                    item = f'#queue-live .queue-item[data-case-id="{case_id}"]'
                    await page.wait_for_selector(item + " button.accept")
                    await page.click(item + " .who")
                    await page.wait_for_selector("#case-summary img")
                    critical = '#case-summary tr.flag-critical-high[data-vital="systolic"]'
                    assert await page.locator(critical).count() == 1
                    shown = await page.evaluate(
                        "async () => (await (await fetch("
                        "document.querySelector('#case-summary img').src)).arrayBuffer())"
                        ".byteLength"
                    )
                    assert shown == len(photo)
                    OUT.mkdir(exist_ok=True)
                    await page.screenshot(path=str(OUT / "console-summary.png"), full_page=True)

                    await page.click(f'button.accept[data-case-id="{case_id}"]')
                    await page.wait_for_selector(
                        '#call-state[data-state="connected"]', state="attached", timeout=30_000
                    )
                    stats = {}
                    for _ in range(40):
                        stats = await page.evaluate("window.consoleStats()")
                        if stats["videoFramesDecoded"] > 30 and stats["notBlack"]:
                            break
                        await asyncio.sleep(0.25)
                    assert stats["state"] == "connected" and stats["attempt"] == 1
                    assert (stats["videoWidth"], stats["videoHeight"]) == (320, 240)
                    assert stats["videoFramesDecoded"] > 30 and stats["notBlack"], stats
                    assert stats["audioPacketsReceived"] > 0 and stats["audioBytesReceived"] > 0
                    for _ in range(40):
                        if spoke.pongs:
                            break
                        await asyncio.sleep(0.25)
                    assert spoke.pongs and spoke.pongs[0]["t"] == "pong"
                    assert spoke.pongs[0]["at"] == spoke.pongs[0]["n"] * 500

                    await page.fill("#note-text", "BP very high; review in a week.")
                    await page.click("#note-save")
                    await page.wait_for_selector("#note-list li")
                    await page.screenshot(path=str(OUT / "console-call.png"), full_page=True)

                    await page.click("#btn-end")
                    await page.wait_for_selector('#call-state[data-state="ended"]')
                finally:
                    await context.close()
            await asyncio.wait_for(spoke_task, 10)
            assert spoke.seen[-1] == "ended"
            async with http.get(hub.url + "/v1/pull", headers=auth) as r:
                states = [c["payload"]["state"] for c in (await r.json())["changes"]]
            assert states == ["in_consult", "awaiting_prescription"]
    finally:
        if spoke is not None:
            await spoke.close()
        hub.stop()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)
