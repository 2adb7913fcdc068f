"""A spoke and a doctor as two aiortc peer connections on loopback, with a synthetic camera
(a moving texture) and microphone (a tone) feeding the real capture tracks.

``loopback`` (fixture) gives a factory: ``call = await loopback(video=..., audio=...)``
connects the two (offer munged as the spoke sends it), and ``call.doctor`` counts what
arrives: frames, sizes, keyframes and their times.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from dataclasses import dataclass, field

import aiortc.codecs
import cv2
import numpy as np
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.codecs.vpx import Vp8Decoder
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from spoke_client.call.tuning import DEFAULT_TUNING, apply_aiortc_overrides, munge_offer_sdp
from spoke_client.capture.camera import Frame
from spoke_client.capture.tracks import CameraVideoTrack, MicrophoneAudioTrack

RATE = 48000


class MovingTexture:
    """``latest()`` for CameraVideoTrack: smooth colour blobs with some grain, sliding a few
    pixels a frame, so every frame costs VP8 bits (like a person moving in front of a camera)
    and bitrate limits show."""

    def __init__(self, width: int = 640, height: int = 480, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        coarse = rng.integers(0, 256, size=(12, 16, 3), dtype=np.uint8)
        smooth = cv2.resize(coarse, (width + 16, height + 16), interpolation=cv2.INTER_CUBIC)
        grain = rng.integers(-12, 13, size=smooth.shape)
        self._texture = np.clip(smooth.astype(np.int16) + grain, 0, 255).astype(np.uint8)
        self._size = (width, height)
        self._start = time.monotonic()
        self._seq = 0

    def __call__(self) -> Frame:
        width, height = self._size
        shift = int((time.monotonic() - self._start) * 40)
        x, y = shift % 16, (shift // 3) % 16
        image = np.ascontiguousarray(self._texture[y : y + height, x : x + width])
        self._seq += 1
        return Frame(image=image, seq=self._seq, at=time.monotonic())


class ToneMicrophone:
    """``read_chunk`` for MicrophoneAudioTrack: a 440 Hz tone in hiss, arriving in real time
    (the hiss keeps Opus from squeezing a pure tone into a few kbps)."""

    def __init__(self, frequency: float = 440.0) -> None:
        self._frequency = frequency
        self._start = time.monotonic()
        self._produced = 0
        self._lock = threading.Lock()
        self._rng = np.random.default_rng(3)

    def __call__(self, timeout: float) -> np.ndarray | None:
        if timeout > 0:
            time.sleep(min(timeout, 0.005))
        with self._lock:
            due = int((time.monotonic() - self._start) * RATE) - self._produced
            if due <= 0:
                return None
            t = (np.arange(due) + self._produced) / RATE
            self._produced += due
            noise = self._rng.normal(0.0, 0.1, size=due)
        block = (0.3 * np.sin(2 * math.pi * self._frequency * t) + noise) * 32767
        return np.clip(block, -32768, 32767).astype(np.int16).reshape(-1, 1)


@dataclass
class DoctorSide:
    """What the doctor's peer connection receives from the spoke."""

    video_frames: list[tuple[float, int, int, bool]] = field(default_factory=list)
    audio_frames: int = 0
    tasks: list[asyncio.Task] = field(default_factory=list)

    async def consume(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                if track.kind == "video":
                    self.video_frames.append(
                        (time.monotonic(), frame.width, frame.height, bool(frame.key_frame))
                    )
                else:
                    self.audio_frames += 1
        except MediaStreamError:
            pass

    def frames_since(self, at: float) -> list[tuple[float, int, int, bool]]:
        return [f for f in self.video_frames if f[0] >= at]


@dataclass
class LoopbackCall:
    spoke: RTCPeerConnection
    doctor_pc: RTCPeerConnection
    doctor: DoctorSide
    offer_sdp: str

    async def close(self) -> None:
        for task in self.doctor.tasks:
            task.cancel()
        await self.spoke.close()
        await self.doctor_pc.close()


async def connect(
    video: MediaStreamTrack | None,
    audio: MediaStreamTrack | None,
    tuning=DEFAULT_TUNING,
    *,
    doctor_video: MediaStreamTrack | None = None,
    doctor_audio: MediaStreamTrack | None = None,
    on_spoke_track=None,
) -> LoopbackCall:
    """Connect a spoke sending ``video``/``audio`` to a doctor (sending ``doctor_video`` and
    ``doctor_audio`` back if given; ``on_spoke_track(track)`` sees what the spoke receives)."""
    spoke = RTCPeerConnection()
    doctor_pc = RTCPeerConnection()
    doctor = DoctorSide()
    if on_spoke_track is not None:
        spoke.on("track", on_spoke_track)

    @doctor_pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        doctor.tasks.append(asyncio.ensure_future(doctor.consume(track)))

    for track in (audio, video):
        if track is not None:
            spoke.addTrack(track)
    await spoke.setLocalDescription(await spoke.createOffer())
    offer_sdp = munge_offer_sdp(spoke.localDescription.sdp, tuning)
    await doctor_pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
    for track in (doctor_audio, doctor_video):
        if track is not None:
            doctor_pc.addTrack(track)
    await doctor_pc.setLocalDescription(await doctor_pc.createAnswer())
    await spoke.setRemoteDescription(doctor_pc.localDescription)
    return LoopbackCall(spoke, doctor_pc, doctor, offer_sdp)


@pytest.fixture
async def loopback():
    calls: list[LoopbackCall] = []

    async def make(video=None, audio=None, tuning=DEFAULT_TUNING, **kwargs) -> LoopbackCall:
        call = await connect(video, audio, tuning, **kwargs)
        calls.append(call)
        return call

    yield make
    for call in calls:
        await call.close()


def camera_track(fps: float = 15, width: int = 640, height: int = 480) -> CameraVideoTrack:
    return CameraVideoTrack(MovingTexture(width, height), fps=fps)


def microphone_track() -> MicrophoneAudioTrack:
    return MicrophoneAudioTrack(ToneMicrophone())


async def bytes_sent(pc: RTCPeerConnection, kind: str) -> int:
    report = await pc.getStats()
    return sum(s.bytesSent for s in report.values() if s.type == "outbound-rtp" and s.kind == kind)


async def send_rate_kbps(pc: RTCPeerConnection, kind: str, seconds: float) -> float:
    """The payload bitrate of our ``kind`` stream over the next ``seconds``."""
    before, start = await bytes_sent(pc, kind), time.monotonic()
    await asyncio.sleep(seconds)
    after, end = await bytes_sent(pc, kind), time.monotonic()
    return (after - before) * 8 / (end - start) / 1000


@pytest.fixture
def doctor_keyframes(monkeypatch) -> list[float]:
    """Times (monotonic) at which the doctor's VP8 decoder is handed a keyframe."""
    times: list[float] = []
    monkeypatch.setattr(aiortc.codecs, "Vp8Decoder", keyframe_counting_decoder(times))
    return times


def keyframe_counting_decoder(times: list[float]) -> type:
    class KeyframeCountingDecoder(Vp8Decoder):
        def decode(self, encoded_frame):
            if encoded_frame.data and not encoded_frame.data[0] & 1:  # VP8 frame tag P bit
                times.append(time.monotonic())
            return super().decode(encoded_frame)

    return KeyframeCountingDecoder


@pytest.fixture
def overrides() -> None:
    apply_aiortc_overrides()
