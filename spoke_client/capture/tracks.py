"""aiortc tracks for the live consult: the camera's latest picture and the microphone.

Both tracks pace themselves on the monotonic clock, so a stalled device never stalls the
call: the video track repeats the latest picture (black before the first one) at ``fps``,
the audio track sends silence for any 20 ms the microphone leaves empty. Neither lets a
backlog build up: after a stall (a busy event loop, a suspended laptop) the clocks jump
forward instead of sending a burst, and the audio track keeps at most ``max_delay``
seconds of microphone samples waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

if TYPE_CHECKING:
    from spoke_client.capture.camera import Frame

VIDEO_CLOCK_RATE = 90_000
VIDEO_TIME_BASE = Fraction(1, VIDEO_CLOCK_RATE)
AUDIO_PTIME = 0.020  # seconds per audio frame, as aiortc's Opus encoder expects
#: Falling this far behind the clock (seconds) makes a track skip ahead, not catch up.
MAX_LAG = 0.2


class CameraVideoTrack(MediaStreamTrack):
    """The latest camera picture at ``fps`` (which the quality ladder may lower during the
    call), as ``rgb24`` frames with a 90 kHz clock."""

    kind = "video"

    def __init__(
        self,
        latest: Callable[[], Frame | None],
        fps: float = 15,
        *,
        blank_size: tuple[int, int] = (640, 480),
    ) -> None:
        super().__init__()
        self._latest = latest
        self.fps = fps
        self._blank_size = blank_size  # (width, height) until the first picture arrives
        self._start: float | None = None
        self._timestamp = 0

    @property
    def fps(self) -> float:
        return self._fps

    @fps.setter
    def fps(self, value: float) -> None:
        if not value > 0:
            raise ValueError("fps must be positive")
        self._fps = float(value)

    async def next_timestamp(self) -> int:
        """The pts of the next frame, waiting until it is due."""
        if self.readyState != "live":
            raise MediaStreamError
        now = time.monotonic()
        if self._start is None:
            self._start = now
            self._timestamp = 0
            return 0
        self._timestamp += int(VIDEO_CLOCK_RATE / self._fps)
        wait = self._start + self._timestamp / VIDEO_CLOCK_RATE - now
        if wait > 0:
            await asyncio.sleep(wait)
        elif -wait > MAX_LAG:
            self._timestamp = int((now - self._start) * VIDEO_CLOCK_RATE)
        return self._timestamp

    async def recv(self) -> av.VideoFrame:
        pts = await self.next_timestamp()
        frame = self._latest()
        if frame is None:
            width, height = self._blank_size
            image = np.zeros((height, width, 3), dtype=np.uint8)
        else:
            image = np.ascontiguousarray(frame.image)
            self._blank_size = (image.shape[1], image.shape[0])
        video = av.VideoFrame.from_ndarray(image, format="rgb24")
        video.pts = pts
        video.time_base = VIDEO_TIME_BASE
        return video


class MicrophoneAudioTrack(MediaStreamTrack):
    """20 ms mono ``s16`` frames from ``read_chunk(timeout)`` (``Microphone.read``: int16
    blocks of shape (n, channels) or None; ``timeout=0`` must not block).

    Each frame is due 20 ms after the previous one; the track waits for microphone samples
    until then and sends silence if there are not enough. Waiting happens in the loop's
    default executor, so the event loop never blocks on the microphone."""

    kind = "audio"

    def __init__(
        self,
        read_chunk: Callable[[float], np.ndarray | None],
        samplerate: int = 48000,
        *,
        max_delay: float = 0.1,
    ) -> None:
        super().__init__()
        self._read = read_chunk
        self.samplerate = samplerate
        self.samples_per_frame = int(round(samplerate * AUDIO_PTIME))
        self._max_buffered = max(self.samples_per_frame, int(round(max_delay * samplerate)))
        self._time_base = Fraction(1, samplerate)
        self._buffer = np.zeros(0, dtype=np.int16)
        self._start: float | None = None
        self._timestamp = 0
        self.silent_frames = 0

    def _append(self, chunk: np.ndarray) -> None:
        samples = np.asarray(chunk)
        if samples.ndim == 2:
            if samples.shape[1] == 1:
                samples = samples[:, 0]
            else:
                samples = samples.astype(np.int32).mean(axis=1)
        samples = samples.astype(np.int16, copy=False)
        self._buffer = np.concatenate([self._buffer, samples])
        if len(self._buffer) > self._max_buffered:  # a backlog: keep the newest samples
            self._buffer = self._buffer[-self._max_buffered :]

    def _take_waiting(self) -> None:
        while (chunk := self._read(0)) is not None:
            self._append(chunk)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = self.samples_per_frame
        now = time.monotonic()
        if self._start is None:
            self._start = now
            self._timestamp = 0
        else:
            self._timestamp += n
        due = self._start + (self._timestamp + n) / self.samplerate
        if now - due > MAX_LAG:  # far behind: start the clock again from now
            self._start = now - (self._timestamp + n) / self.samplerate
            due = now
        self._take_waiting()
        loop = asyncio.get_running_loop()
        while len(self._buffer) < n:
            remaining = due - time.monotonic()
            if remaining <= 0:
                break
            chunk = await loop.run_in_executor(None, self._read, min(remaining, AUDIO_PTIME))
            if chunk is not None:
                self._append(chunk)
                self._take_waiting()
        if len(self._buffer) >= n:
            samples, self._buffer = self._buffer[:n], self._buffer[n:]
        else:
            samples = np.zeros(n, dtype=np.int16)
            self.silent_frames += 1
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = self.samplerate
        frame.pts = self._timestamp
        frame.time_base = self._time_base
        return frame
