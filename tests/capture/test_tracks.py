"""The call's tracks: the video track paces itself and shows the newest picture; the audio
track sends 20 ms frames from the real microphone, and silence when it has nothing."""

from __future__ import annotations

import asyncio
import queue
import time
from fractions import Fraction

import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError

from spoke_client.capture.camera import Frame
from spoke_client.capture.microphone import Microphone
from spoke_client.capture.tracks import CameraVideoTrack, MicrophoneAudioTrack
from tests.capture.conftest import RATE, dominant_frequency, rms_dbfs
from tests.capture.test_audio import first_chunk, read_until_loud


class Camera:
    """The part of a camera the track uses: the newest frame, or None before the first."""

    def __init__(self) -> None:
        self.frame: Frame | None = None
        self.seq = 0

    def show(self, image: np.ndarray) -> None:
        self.frame = Frame(image, seq=self.seq, at=time.monotonic())
        self.seq += 1

    def latest(self) -> Frame | None:
        return self.frame


async def test_the_video_track_paces_itself_and_shows_the_newest_picture():
    camera = Camera()
    track = CameraVideoTrack(camera.latest, fps=15)
    assert track.kind == "video"

    first = await track.recv()
    assert (first.width, first.height, first.format.name) == (640, 480, "rgb24")
    assert not first.to_ndarray().any()  # black until the camera has a picture

    picture = np.zeros((480, 640, 3), np.uint8)
    picture[:, :320] = (250, 0, 0)
    camera.show(picture)
    frames = [first]
    started = time.monotonic()
    for _ in range(15):
        frames.append(await track.recv())
    took = time.monotonic() - started
    print(f"video track: 15 frames in {took:.3f} s")
    assert 0.9 <= took <= 3.0  # 15 frames at 15 fps: one second
    assert [f.pts for f in frames] == [6000 * i for i in range(16)]
    assert all(f.time_base == Fraction(1, 90000) for f in frames)
    shown = frames[-1].to_ndarray(format="rgb24")
    assert shown.shape == (480, 640, 3)
    assert np.array_equal(shown, picture)

    track.fps = 5  # the quality ladder steps the frame rate down
    before = frames[-1].pts
    assert (await track.recv()).pts == before + 18000

    track.stop()
    with pytest.raises(MediaStreamError):
        await track.recv()


async def test_the_video_track_sends_pictures_of_the_cameras_size():
    camera = Camera()
    camera.show(np.full((240, 320, 3), 90, np.uint8))
    track = CameraVideoTrack(camera.latest)
    frame = await track.recv()
    assert (frame.width, frame.height) == (320, 240)
    camera.frame = None  # the camera restarted: black, at the size it had
    frame = await track.recv()
    assert (frame.width, frame.height) == (320, 240)
    track.stop()


async def test_the_audio_track_carries_the_microphone(sound_server, tone_player):
    with Microphone() as mic:
        first_chunk(mic)
        tone_player.play(1000, seconds=5)
        read_until_loud(mic)
        track = MicrophoneAudioTrack(mic.read)
        assert track.kind == "audio"
        started = time.monotonic()
        frames = [await track.recv() for _ in range(50)]
        took = time.monotonic() - started
    print(f"audio track: 50 frames in {took:.3f} s, {track.silent_frames} silent")
    for frame in frames:
        assert frame.samples == 960
        assert frame.format.name == "s16" and frame.layout.name == "mono"
        assert frame.sample_rate == RATE and frame.time_base == Fraction(1, RATE)
    assert [f.pts for f in frames] == [960 * i for i in range(50)]
    samples = np.concatenate([f.to_ndarray().reshape(-1) for f in frames])
    assert abs(dominant_frequency(samples) - 1000) <= 20
    assert rms_dbfs(samples) > -15
    assert track.silent_frames <= 5
    assert 0.7 <= took <= 3.0  # the microphone sets the pace: 50 × 20 ms
    track.stop()
    with pytest.raises(MediaStreamError):
        await track.recv()


async def test_the_audio_track_sends_silence_when_the_microphone_is_quiet():
    unplugged = Microphone()  # never started: read() waits its timeout and returns None
    track = MicrophoneAudioTrack(unplugged.read)
    started = time.monotonic()
    frames = [await track.recv() for _ in range(25)]
    took = time.monotonic() - started
    assert track.silent_frames == 25
    assert all(f.samples == 960 and not f.to_ndarray().any() for f in frames)
    assert [f.pts for f in frames] == [960 * i for i in range(25)]
    assert 0.4 <= took <= 1.5  # silence still goes out in real time: 25 × 20 ms


async def test_the_audio_track_skips_a_backlog():
    # Two seconds of blocks waiting (a microphone opened long before the call): block k
    # holds the value k. The call must not start two seconds late.
    waiting: queue.Queue[np.ndarray] = queue.Queue()
    for k in range(100):
        waiting.put(np.full((960, 1), k, np.int16))

    def read(timeout: float) -> np.ndarray | None:
        try:
            return waiting.get(timeout=timeout) if timeout > 0 else waiting.get_nowait()
        except queue.Empty:
            return None

    track = MicrophoneAudioTrack(read, max_delay=0.1)
    values = [int((await track.recv()).to_ndarray()[0, 0]) for _ in range(6)]
    assert values == [95, 96, 97, 98, 99, 0]  # only the newest 100 ms, then silence


async def test_both_tracks_cross_a_real_peer_connection():
    """aiortc encodes what the tracks give (VP8 and Opus) and the far side decodes it."""
    from aiortc import RTCConfiguration, RTCPeerConnection

    camera = Camera()
    picture = np.zeros((480, 640, 3), np.uint8)
    picture[:, 320:] = (0, 0, 250)
    camera.show(picture)
    spoke = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    hub = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received: dict[str, object] = {}

    @hub.on("track")
    def on_track(track) -> None:
        received[track.kind] = track

    try:
        spoke.addTrack(CameraVideoTrack(camera.latest))
        spoke.addTrack(MicrophoneAudioTrack(Microphone().read))  # a quiet microphone
        await spoke.setLocalDescription(await spoke.createOffer())
        await hub.setRemoteDescription(spoke.localDescription)
        await hub.setLocalDescription(await hub.createAnswer())
        await spoke.setRemoteDescription(hub.localDescription)

        video = await asyncio.wait_for(received["video"].recv(), timeout=20)
        audio = await asyncio.wait_for(received["audio"].recv(), timeout=20)
    finally:
        await spoke.close()
        await hub.close()
    assert (video.width, video.height) == (640, 480)
    shown = video.to_ndarray(format="rgb24")
    assert shown[:, 400:600, 2].mean() > 200 and shown[:, 40:240].mean() < 30
    assert audio.sample_rate == RATE and audio.samples > 0
