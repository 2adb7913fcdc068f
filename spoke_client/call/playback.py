"""``AudioSink``: the doctor's voice on the speaker the operator chose.

A sounddevice ``OutputStream`` (a stream object of its own: the convenience ``sd.play``
shares one global stream with ``sd.rec`` and is never used) pulls samples from a small
buffer in its PortAudio callback. The call pushes the decoded aiortc ``AudioFrame``s; each
is resampled (``av.AudioResampler``) to mono 16-bit at the stream's rate. The buffer holds at
most ``max_delay`` seconds: when frames come faster than the speaker plays them (a burst
after a network stall) the oldest samples are dropped and counted, so the doctor's voice
never drifts behind the picture. When the buffer runs dry the speaker plays silence.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import av
import numpy as np
import sounddevice as sd

from spoke_client.capture.errors import SpeakerUnavailable
from spoke_client.capture.microphone import _resolve, start_stream


class AudioSink:
    """Plays pushed audio frames on ``device`` (a name, an index or None for the default).

    ``tap``, if given, receives every resampled block (int16, mono, shape (n,)) as it is
    pushed, on the pushing thread. Counters: ``pushed`` and ``played`` samples, ``dropped``
    samples thrown away to keep the delay bounded, ``underruns`` callbacks that found the
    buffer short (silence filled in).
    """

    def __init__(
        self,
        device: int | str | None = None,
        *,
        samplerate: int = 48000,
        max_delay: float = 0.2,
        tap: Callable[[np.ndarray], None] | None = None,
    ) -> None:
        self.device = device
        self.samplerate = samplerate
        self.max_samples = max(1, int(round(max_delay * samplerate)))
        self.tap = tap
        self.channels = 1
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=samplerate)
        self._blocks: deque[np.ndarray] = deque()
        self._buffered = 0
        self._lock = threading.Lock()
        self._stream: sd.OutputStream | None = None
        self.pushed = 0
        self.played = 0
        self.dropped = 0
        self.underruns = 0

    @property
    def running(self) -> bool:
        stream = self._stream
        return stream is not None and stream.active

    def buffered_seconds(self) -> float:
        with self._lock:
            return self._buffered / self.samplerate

    def start(self) -> None:
        """Opens and starts the output stream; raises SpeakerUnavailable(device, reason)."""
        if self._stream is not None:
            return

        def make() -> sd.OutputStream:
            resolved = _resolve(self.device, "output")
            info = sd.query_devices(resolved, kind="output")
            # Stereo where the device has it: some hardware refuses mono.
            self.channels = max(1, min(2, int(info["max_output_channels"])))
            return sd.OutputStream(
                device=resolved,
                samplerate=self.samplerate,
                channels=self.channels,
                dtype="int16",
                latency="low",
                callback=self._callback,
            )

        self._stream = start_stream(make, SpeakerUnavailable, self.device)

    def push(self, frame: av.AudioFrame) -> None:
        """Queues one decoded frame for the speaker (any format, layout and rate)."""
        for out in self._resampler.resample(frame):
            self.push_samples(out.to_ndarray().reshape(-1))

    def push_samples(self, samples: np.ndarray) -> None:
        """Queues mono int16 samples at the sink's rate."""
        block = np.ascontiguousarray(samples, dtype=np.int16).reshape(-1)
        if block.size == 0:
            return
        if self.tap is not None:
            self.tap(block)
        with self._lock:
            self._blocks.append(block)
            self._buffered += block.size
            self.pushed += block.size
            excess = self._buffered - self.max_samples
            while excess > 0:
                oldest = self._blocks[0]
                if oldest.size <= excess:
                    self._blocks.popleft()
                    cut = oldest.size
                else:
                    self._blocks[0] = oldest[excess:]
                    cut = excess
                self._buffered -= cut
                self.dropped += cut
                excess -= cut

    def _callback(self, outdata: np.ndarray, frames: int, when: Any, status: Any) -> None:
        # PortAudio's thread: copy what is buffered, silence for the rest.
        filled = 0
        with self._lock:
            while filled < frames and self._blocks:
                block = self._blocks[0]
                take = min(frames - filled, block.size)
                outdata[filled : filled + take, :] = block[:take, np.newaxis]
                if take == block.size:
                    self._blocks.popleft()
                else:
                    self._blocks[0] = block[take:]
                self._buffered -= take
                filled += take
        self.played += filled
        if filled < frames:
            outdata[filled:, :] = 0
            if self.pushed:
                self.underruns += 1

    def clear(self) -> None:
        """Forgets what is waiting to be played (a new connection starts afresh)."""
        with self._lock:
            self._blocks.clear()
            self._buffered = 0

    def close(self) -> None:
        """Stops and closes the stream; safe to call twice."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.abort(ignore_errors=True)
            stream.close(ignore_errors=True)
        self.clear()

    def __enter__(self) -> AudioSink:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
