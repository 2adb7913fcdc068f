"""Test parts for the call tests: tone frames, a moving-pattern video track, a tone audio
track, an in-test hub relay speaking the call protocol, and a doctor played by a second
aiortc peer connection."""

from __future__ import annotations

import asyncio
import json
import math
import ssl
import time
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from aiohttp import WSMsgType, web
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from pydantic import BaseModel

from spoke_client.capture.camera import Frame
from spoke_client.capture.tracks import CameraVideoTrack
from spoke_client.sync import protocol as p

RATE = 48000


def tone_block(frequency: float, start: int, samples: int, amplitude: float = 0.4) -> np.ndarray:
    """``samples`` of a sine (float64, -1..1) starting at sample number ``start``."""
    t = (np.arange(samples) + start) / RATE
    return amplitude * np.sin(2 * math.pi * frequency * t)


def opus_like_frames(frequency: float, seconds: float, amplitude: float = 0.4) -> list:
    """20 ms stereo s16 48 kHz frames of a sine: what aiortc's Opus decoder hands out."""
    frames = []
    n = 960
    for k in range(int(round(seconds / 0.02))):
        mono = (tone_block(frequency, k * n, n, amplitude) * 32767).astype(np.int16)
        packed = np.repeat(mono, 2).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(packed, format="s16", layout="stereo")
        frame.sample_rate = RATE
        frame.pts = k * n
        frame.time_base = Fraction(1, RATE)
        frames.append(frame)
    return frames


# ---- the hub's side of the call socket ---------------------------------------------------------
class HubRelay:
    """An aiohttp WebSocket server at ``CALL_PATH`` standing in for the hub's signalling.

    It checks the spoke's headers, answers with what the test scripts: ``refuse_status`` (an
    HTTP answer instead of the upgrade), ``close_with`` (a close code right after the
    upgrade), or a conversation: everything the spoke sends lands in ``from_spoke`` (dicts),
    ``send`` speaks to the spoke, offers go to ``doctor`` (if set) and its answers go back as
    ``SigAnswer``; ``SigEnd`` from the spoke is answered with ``SigEnded`` and tells the doctor.
    """

    def __init__(self, *, token: str = "device-token", encounter_id: str = "enc-1") -> None:
        self.token = token
        self.encounter_id = encounter_id
        self.refuse_status: int | None = None
        self.close_with: int | None = None
        self.on_connect: list[dict] = []  # sent to every spoke socket as it opens
        self.doctor: Doctor | None = None
        self.call_id = "call-1"
        self.from_spoke: asyncio.Queue[dict] = asyncio.Queue()
        self.headers: list[dict[str, str]] = []
        self.sockets: list[web.WebSocketResponse] = []
        self.connected = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task] = set()
        self.url = ""

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> str:
        app = web.Application()
        app.router.add_get(p.CALL_PATH, self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for ws in self.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def ws(self) -> web.WebSocketResponse:
        return self.sockets[-1]

    async def send(self, message: dict | BaseModel) -> None:
        if isinstance(message, BaseModel):
            text = message.model_dump_json()
        else:
            text = json.dumps(message)
        await self.ws.send_str(text)

    async def send_raw(self, text: str) -> None:
        await self.ws.send_str(text)

    async def drop_spoke(self, code: int = 1011) -> None:
        await self.ws.close(code=code)

    async def doctor_joins(self) -> None:
        await self.send(
            p.SigDoctorJoined(call_id=self.call_id, doctor_name="Dr Test", registration="MCI-1")
        )

    async def doctor_ends(self) -> None:
        await self.send(
            p.SigEnded(call_id=self.call_id, by=p.CallEndedBy.DOCTOR, reason="finished")
        )
        if self.doctor is not None:
            await self.doctor.hang_up()

    async def next_from_spoke(self, kind: str, timeout: float = 15.0) -> dict:
        """The next message of ``kind`` from the spoke (others are skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.from_spoke.get()
                if message.get("type") == kind:
                    return message

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.headers.append(dict(request.headers))
        if self.refuse_status is not None:
            return web.json_response({"error": "refused"}, status=self.refuse_status)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        auth = request.headers.get("Authorization")
        if self.close_with is not None:
            await ws.close(code=self.close_with)
            return ws
        if auth != f"Bearer {self.token}" or request.headers.get(p.PROTOCOL_HEADER) != "1":
            await ws.close(code=p.WsClose.UNAUTHORISED)
            return ws
        if request.match_info["encounter_id"] != self.encounter_id:
            await ws.close(code=p.WsClose.NOT_FOUND)
            return ws
        for message in self.on_connect:
            await ws.send_str(json.dumps(message))
        self.connected.set()
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            await self.from_spoke.put(data)
            if data["type"] == "offer" and self.doctor is not None:
                self._spawn(self._relay_offer(ws, data))
            elif data["type"] == "end":
                reason = "hung-up" if data.get("call_id") else "left-queue"
                ended = p.SigEnded(call_id=data.get("call_id"), by="spoke", reason=reason)
                await ws.send_str(ended.model_dump_json())
                if self.doctor is not None:
                    self._spawn(self.doctor.hang_up())
        return ws

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _relay_offer(self, ws: web.WebSocketResponse, offer: dict) -> None:
        assert self.doctor is not None
        sdp = await self.doctor.answer(offer["sdp"], offer["attempt"])
        if sdp is None or ws.closed:
            return
        answer = p.SigAnswer(call_id=offer["call_id"], attempt=offer["attempt"], sdp=sdp)
        await ws.send_str(answer.model_dump_json())


# ---- media the test makes ----------------------------------------------------------------------
class ToneTrack(MediaStreamTrack):
    """A sine as 20 ms mono ``s16`` frames at 48 kHz, paced in real time (a microphone
    that hears only the tone)."""

    kind = "audio"

    def __init__(self, frequency: float, amplitude: float = 0.4) -> None:
        super().__init__()
        self.frequency = frequency
        self.amplitude = amplitude
        self._start: float | None = None
        self._sample = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = 960
        now = time.monotonic()
        if self._start is None:
            self._start = now
        due = self._start + (self._sample + n) / RATE
        if due - now > 0:
            await asyncio.sleep(due - now)
        elif now - due > 0.2:  # far behind (a busy machine): skip ahead, no burst
            self._start = now - (self._sample + n) / RATE
        block = tone_block(self.frequency, self._sample, n, self.amplitude)
        frame = av.AudioFrame.from_ndarray(
            (block * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = RATE
        frame.pts = self._sample
        frame.time_base = Fraction(1, RATE)
        self._sample += n
        return frame


def moving_pattern(width: int, height: int, colour: tuple[int, int, int]):
    """A ``latest()`` for ``CameraVideoTrack``: a grey picture with a ``colour`` bar that
    crosses it every two seconds, so consecutive pictures differ."""
    base = np.full((height, width, 3), 60, np.uint8)
    seq = 0

    def latest() -> Frame:
        nonlocal seq
        now = time.monotonic()
        x = int((now % 2.0) / 2.0 * (width - width // 8))
        image = base.copy()
        image[:, x : x + width // 8] = colour
        image.flags.writeable = False
        seq += 1
        return Frame(image=image, seq=seq, at=now)

    return latest


def bar_position(image: np.ndarray) -> int:
    """Where the bright bar of ``moving_pattern`` is (its left edge, in pixels)."""
    column = image.astype(np.int32).sum(axis=(0, 2))
    return int(np.argmax(column > column.mean() * 1.5))


def level_dbfs(frame: av.AudioFrame) -> float:
    samples = frame.to_ndarray().astype(np.float64) / 32768.0
    rms = math.sqrt(float(np.mean(samples * samples))) if samples.size else 0.0
    return 20 * math.log10(rms) if rms > 0 else -math.inf


# ---- the doctor ---------------------------------------------------------------------------------
@dataclass
class Seen:
    at: float
    width: int = 0
    height: int = 0
    brightness: float = 0.0
    level: float = -math.inf


class Doctor:
    """The hub doctor's side, played by aiortc: a fresh peer connection for every offer,
    sending a moving pattern (320x240) and a ``tone_hz`` tone, answering heartbeat pings
    while ``ponging`` and offers while ``answering``, and noting what arrives from the
    spoke (``video`` and ``audio``: one :class:`Seen` per frame) and on the data channel
    (``pings``, ``steps``)."""

    def __init__(self, *, tone_hz: float = 660.0) -> None:
        self.tone_hz = tone_hz
        self.ponging = True
        self.answering = True
        self.pc: RTCPeerConnection | None = None
        self.answered: list[int] = []
        self.pings = 0
        self.steps: list[str] = []
        self.video: list[Seen] = []
        self.audio: list[Seen] = []
        self.hung_up = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()

    async def answer(self, sdp: str, attempt: int) -> str | None:
        await self._drop_pc()
        if not self.answering:
            return None
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc = pc
        pc.addTrack(CameraVideoTrack(moving_pattern(320, 240, (250, 250, 40)), fps=15))
        pc.addTrack(ToneTrack(self.tone_hz))

        @pc.on("datachannel")
        def on_channel(channel) -> None:
            channel.on("message", lambda raw: self._on_message(channel, raw))

        @pc.on("track")
        def on_track(track) -> None:
            task = asyncio.ensure_future(self._consume(track))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        self.answered.append(attempt)
        return pc.localDescription.sdp

    def _on_message(self, channel, raw: str) -> None:
        data = json.loads(raw)
        if data.get("t") == "ping":
            self.pings += 1
            if self.ponging:
                channel.send(json.dumps({"t": "pong", "n": data["n"], "at": data["at"]}))
        elif data.get("t") == "step":
            self.steps.append(data["step"])

    async def _consume(self, track) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            now = time.monotonic()
            if track.kind == "video":
                luma = frame.to_ndarray(format="gray")
                self.video.append(Seen(now, frame.width, frame.height, float(luma.mean())))
            else:
                self.audio.append(Seen(now, level=level_dbfs(frame)))

    def video_since(self, at: float) -> list[Seen]:
        return [s for s in self.video if s.at >= at]

    def audio_since(self, at: float) -> list[Seen]:
        return [s for s in self.audio if s.at >= at]

    async def _drop_pc(self) -> None:
        pc, self.pc = self.pc, None
        if pc is not None:
            for sender in pc.getSenders():
                if sender.track is not None:
                    sender.track.stop()
            await pc.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def hang_up(self) -> None:
        await self._drop_pc()
        self.hung_up.set()


# ---- what the call tells --------------------------------------------------------------------
class EventLog:
    """Collects a call's events (``on_event``) and waits for them."""

    def __init__(self) -> None:
        self.events: list[tuple[float, object]] = []
        self._changed = asyncio.Event()

    def __call__(self, event: object) -> None:
        self.events.append((time.monotonic(), event))
        self._changed.set()

    def of(self, kind: type) -> list:
        return [e for _, e in self.events if isinstance(e, kind)]

    async def wait_for(self, kind: type, timeout: float, after: int = 0):
        """The first event of ``kind`` among events number ``after`` onwards; returns
        (when, event)."""
        async with asyncio.timeout(timeout):
            while True:
                for at, event in self.events[after:]:
                    if isinstance(event, kind):
                        return at, event
                self._changed.clear()
                await self._changed.wait()
