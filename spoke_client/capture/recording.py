"""Audio notes (Opus in Ogg) and short clips (VP8 in WebM), encoded straight into a sink.

The sink is the media vault's encrypting writer: only ``write()`` is used, nothing is ever
written to a temporary file, and the sink is not closed here (its owner seals it). PyAV is
handed a write-only view of the sink, so it treats the output as a stream: it never seeks
and never calls the sink's ``close()``. Both muxers work that way: Ogg is written page by
page; WebM is written without the cue index and the duration at the end, which players and
decoders do not need to play the whole clip.

Recorders are not thread-safe: one thread feeds a recorder (``record_from`` runs on the
capture thread the engine starts) and closes it after that thread has finished.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, BinaryIO, Protocol

import av
import cv2
import numpy as np

if TYPE_CHECKING:
    from spoke_client.capture.camera import Frame

#: Opus at this rate keeps coughs and breathing clear and crosses a 2G link in real time.
AUDIO_BITRATE = 24_000
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
#: VP8 at this rate gives a readable 640×480 gait clip at 15 fps and uploads over 2G.
VIDEO_BITRATE = 400_000


class ChunkSource(Protocol):
    """What ``record_from`` reads: a :class:`~spoke_client.capture.microphone.Microphone`
    (an optional ``running`` attribute tells it when the device has gone)."""

    def read(self, timeout: float) -> np.ndarray | None: ...


class _WriteOnly:
    """What PyAV sees of the sink: ``write`` only. Without ``seek``/``tell`` PyAV marks the
    output non-seekable (so no muxer seeks back), and without ``close`` it leaves the sink
    open for its owner. ``written`` counts the bytes."""

    def __init__(self, sink: BinaryIO) -> None:
        self._sink = sink
        self.written = 0

    def write(self, data: bytes) -> int:
        self._sink.write(data)
        self.written += len(data)
        return len(data)


class AudioNoteRecorder:
    """Mono Opus (about 24 kbps, constrained VBR) in Ogg.

    ``feed`` takes int16 blocks from a :class:`~spoke_client.capture.microphone.Microphone`
    at ``samplerate`` (Opus takes 8, 12, 16, 24 or 48 kHz); more than one channel is mixed
    down. Input past ``max_seconds`` is dropped and sets ``full``."""

    def __init__(
        self,
        sink: BinaryIO,
        *,
        samplerate: int = 48000,
        max_seconds: float = 120.0,
        bitrate: int = AUDIO_BITRATE,
    ) -> None:
        if samplerate not in OPUS_RATES:
            raise ValueError(f"Opus takes {OPUS_RATES} Hz, not {samplerate}")
        self.samplerate = samplerate
        self.max_seconds = max_seconds
        self.full = False
        self._max_samples = int(round(max_seconds * samplerate))
        self._samples = 0
        self._closed = False
        self._time_base = Fraction(1, samplerate)
        self._out = _WriteOnly(sink)
        self._container = av.open(self._out, mode="w", format="ogg")
        try:
            self._stream = self._container.add_stream(
                "libopus",
                rate=samplerate,
                layout="mono",
                options={"vbr": "constrained", "application": "audio"},
            )
            self._stream.codec_context.bit_rate = bitrate
        except BaseException:
            self._container.close()
            raise

    @property
    def seconds(self) -> float:
        """Seconds of audio accepted so far."""
        return self._samples / self.samplerate

    @property
    def bytes_written(self) -> int:
        return self._out.written

    def feed(self, chunk: np.ndarray) -> None:
        if self._closed:
            raise ValueError("the recorder is closed")
        samples = np.asarray(chunk)
        if samples.dtype != np.int16:
            raise TypeError(f"int16 samples expected, not {samples.dtype}")
        if samples.ndim == 2:
            if samples.shape[1] == 1:
                samples = samples[:, 0]
            else:
                samples = samples.astype(np.int32).mean(axis=1).astype(np.int16)
        elif samples.ndim != 1:
            raise ValueError(f"samples of shape (n, channels) expected, not {samples.shape}")
        room = self._max_samples - self._samples
        if len(samples) >= room:
            samples = samples[:room]
            self.full = True
        if len(samples) == 0:
            return
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = self.samplerate
        frame.pts = self._samples
        frame.time_base = self._time_base
        self._samples += len(samples)
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def record_from(
        self,
        microphone: ChunkSource,
        stop_event: threading.Event,
        max_seconds: float | None = None,
    ) -> float:
        """Feeds blocks read from ``microphone`` (already started) until ``stop_event`` is
        set, the recorder is full, ``max_seconds`` of audio have been recorded in all, or
        the microphone stops (unplugged: what was recorded is kept). Returns the seconds
        recorded; the caller closes the recorder."""
        limit = self._max_samples
        if max_seconds is not None:
            limit = min(limit, int(round(max_seconds * self.samplerate)))
        while not stop_event.is_set() and not self.full and self._samples < limit:
            chunk = microphone.read(0.05)
            if chunk is None:
                if not getattr(microphone, "running", True):
                    break
                continue
            room = limit - self._samples
            self.feed(chunk[:room])
        return self.seconds

    def close(self) -> float:
        """Flushes the encoder and the muxer into the sink (which stays open); returns the
        seconds recorded. Closing twice is harmless."""
        if not self._closed:
            self._closed = True
            try:
                for packet in self._stream.encode(None):
                    self._container.mux(packet)
            finally:
                self._container.close()
        return self.seconds

    def __enter__(self) -> AudioNoteRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fit_frame(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` (RGB uint8 H×W×3) scaled to fit ``width``×``height`` with its aspect ratio
    kept, centred on black (a stretched gait clip would mislead)."""
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return np.ascontiguousarray(image)
    scale = min(width / w, height / h)
    new_w = max(1, min(width, int(round(w * scale))))
    new_h = max(1, min(height, int(round(h * scale))))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(np.ascontiguousarray(image), (new_w, new_h), interpolation=interpolation)
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = scaled
    return canvas


class ClipRecorder:
    """VP8 (libvpx, real-time settings, about 400 kbps) in WebM at a constant frame rate.

    ``add_frame`` places each picture by its timestamp on the ``fps`` grid, counted from
    the first picture: a slot that gets several pictures keeps the latest, a slot that gets
    none repeats the previous picture. Pictures of another size are scaled to fit. Pictures
    past ``max_seconds`` are dropped and set ``full``."""

    def __init__(
        self,
        sink: BinaryIO,
        *,
        width: int = 640,
        height: int = 480,
        fps: int = 15,
        max_seconds: float = 30.0,
        bitrate: int = VIDEO_BITRATE,
    ) -> None:
        if width % 2 or height % 2:
            raise ValueError("width and height must be even (4:2:0 video)")
        self.width = width
        self.height = height
        self.fps = fps
        self.max_seconds = max_seconds
        self.max_frames = int(math.floor(max_seconds * fps + 1e-9))
        self.full = False
        self.frames_written = 0
        self._first_at: float | None = None
        self._pending: av.VideoFrame | None = None
        self._pending_slot = 0
        self._end_slot = 0  # the clip lasts at least this many slots (see record_from)
        self._closed = False
        self._time_base = Fraction(1, fps)
        self._out = _WriteOnly(sink)
        self._container = av.open(self._out, mode="w", format="webm")
        try:
            self._stream = self._container.add_stream(
                "libvpx",
                rate=fps,
                options={
                    "deadline": "realtime",  # a low-end desktop keeps up at 15 fps
                    "cpu-used": "8",
                    "lag-in-frames": "0",
                },
            )
            self._stream.width = width
            self._stream.height = height
            self._stream.pix_fmt = "yuv420p"
            context = self._stream.codec_context
            context.bit_rate = bitrate
            context.gop_size = 2 * fps  # a keyframe every 2 s
        except BaseException:
            self._container.close()
            raise

    @property
    def bytes_written(self) -> int:
        return self._out.written

    @property
    def frames(self) -> int:
        """Frames recorded so far, counting the picture waiting for its slots to end."""
        if self._pending is None:
            return self.frames_written
        return self.frames_written + max(1, self._end_slot - self._pending_slot)

    def add_frame(self, image_rgb: np.ndarray, at: float) -> None:
        if self._closed:
            raise ValueError("the recorder is closed")
        image = np.asarray(image_rgb)
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"an RGB uint8 H×W×3 image expected, not {image.dtype} {image.shape}")
        if self.full:
            return
        if self._first_at is None:
            self._first_at = at
        slot = max(0, int(round((at - self._first_at) * self.fps)))
        if self._pending is not None and slot <= self._pending_slot:
            self._pending = self._video_frame(image)  # the latest picture of a slot wins
            return
        if slot >= self.max_frames:
            self.full = True
            self._write_pending(until=self.max_frames)
            return
        self._write_pending(until=slot)
        self._pending = self._video_frame(image)
        self._pending_slot = slot

    def _video_frame(self, image: np.ndarray) -> av.VideoFrame:
        fitted = fit_frame(image, self.width, self.height)
        return av.VideoFrame.from_ndarray(fitted, format="rgb24").reformat(format="yuv420p")

    def _write_pending(self, until: int) -> None:
        """Writes the waiting picture into its slot and repeats it up to slot ``until``."""
        if self._pending is None:
            return
        frame, self._pending = self._pending, None
        for slot in range(self._pending_slot, max(until, self._pending_slot + 1)):
            frame.pts = slot
            frame.time_base = self._time_base
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
            self.frames_written += 1

    def record_from(
        self,
        camera_latest: Callable[[], Frame | None],
        stop_event: threading.Event,
        max_seconds: float | None = None,
    ) -> int:
        """Samples ``camera_latest()`` at ``fps`` on the monotonic clock until
        ``stop_event`` is set, the recorder is full, or ``max_seconds`` have passed. Returns
        the frames recorded; the caller closes the recorder."""
        period = 1.0 / self.fps
        limit = self.max_seconds if max_seconds is None else min(max_seconds, self.max_seconds)
        start = time.monotonic()
        tick = 0
        while not self.full:
            due = start + tick * period
            wait = due - time.monotonic()
            if wait > 0 and stop_event.wait(wait):
                break
            if stop_event.is_set():
                break
            now = time.monotonic()
            if now - start >= limit - period / 2:
                break
            frame = camera_latest()
            if frame is not None:
                self.add_frame(frame.image, now)
            # Behind schedule (a slow encode): skip the ticks already past; the gap is
            # filled by repeating the picture, so the clip keeps its length.
            tick = max(tick + 1, int((now - start) / period) + 1)
        if self._first_at is not None:
            # The last picture lasts until the recording ended, even if it was sampled late.
            end = min(time.monotonic(), start + limit)
            slot = int(round((end - self._first_at) * self.fps))
            self._end_slot = max(self._end_slot, min(slot, self.max_frames))
        return self.frames

    def close(self) -> int:
        """Writes the last picture, flushes the encoder and the muxer into the sink (which
        stays open); returns the frames written. Closing twice is harmless."""
        if not self._closed:
            self._closed = True
            try:
                self._write_pending(until=max(self._pending_slot + 1, self._end_slot))
                for packet in self._stream.encode(None):
                    self._container.mux(packet)
            finally:
                self._container.close()
        return self.frames_written

    def __enter__(self) -> ClipRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
