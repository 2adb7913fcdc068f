"""Microphone and speaker through PortAudio (sounddevice stream objects only).

The PortAudio callback copies each block into a bounded queue; when the queue is full the
oldest block is dropped and counted, so nothing piles up behind a slow consumer. The
convenience ``sd.play``/``sd.rec`` share one global stream and are never used here.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sounddevice as sd

from spoke_client.capture.errors import CaptureError, MicrophoneUnavailable, SpeakerUnavailable

FULL_SCALE = 32768.0


@dataclass(frozen=True)
class AudioDevice:
    index: int
    name: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    is_default_input: bool
    is_default_output: bool


@dataclass(frozen=True)
class DeviceChoice:
    """The devices the operator picked, by name (indexes change between boots);
    ``None`` means the system default."""

    input_device: str | None = None
    output_device: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"input_device": self.input_device, "output_device": self.output_device}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> DeviceChoice:
        """Reads what ``to_dict`` wrote; anything missing or malformed is the default."""
        data = data or {}

        def name(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value else None

        return cls(input_device=name("input_device"), output_device=name("output_device"))


def _default_index(kind: str) -> int | None:
    try:
        return int(sd.query_devices(kind=kind)["index"])
    except (sd.PortAudioError, ValueError, KeyError, TypeError):
        return None


def list_devices() -> list[AudioDevice]:
    """The audio devices PortAudio found when it started."""
    default_in = _default_index("input")
    default_out = _default_index("output")
    devices = []
    for info in sd.query_devices():
        index = int(info["index"])
        devices.append(
            AudioDevice(
                index=index,
                name=str(info["name"]),
                max_input_channels=int(info["max_input_channels"]),
                max_output_channels=int(info["max_output_channels"]),
                default_samplerate=float(info["default_samplerate"]),
                is_default_input=index == default_in,
                is_default_output=index == default_out,
            )
        )
    return devices


def _resolve(device: int | str | None, kind: str) -> int | str | None:
    """An exact device name wins over sounddevice's substring match ("pulse" must not be
    ambiguous because another device's name contains it)."""
    if not isinstance(device, str):
        return device
    channels = "max_input_channels" if kind == "input" else "max_output_channels"
    for info in sd.query_devices():
        if info["name"] == device and info[channels] > 0:
            return int(info["index"])
    return device


def start_stream(make: Callable[[], Any], unavailable: type[CaptureError], device: Any) -> Any:
    """Open a PortAudio stream with ``make()`` and start it. Any failure on the way becomes
    ``unavailable(device, reason)`` (the stream closed again), so the operator hears why."""
    try:
        stream = make()
    except (sd.PortAudioError, ValueError) as exc:
        raise unavailable(device=device, reason=_reason(exc), detail=str(exc)) from exc
    try:
        stream.start()
    except sd.PortAudioError as exc:
        stream.close(ignore_errors=True)
        raise unavailable(device=device, reason=_reason(exc), detail=str(exc)) from exc
    return stream


def _reason(exc: Exception) -> str:
    """A code for why PortAudio refused a device."""
    if isinstance(exc, ValueError):
        # sounddevice: "No input device matching ...", "Multiple ... devices found ..."
        return "absent" if "No " in str(exc) else "ambiguous"
    if "querying device" in str(exc):  # an index PortAudio does not know
        return "absent"
    code = exc.args[1] if isinstance(exc, sd.PortAudioError) and len(exc.args) > 1 else None
    return {
        -9996: "absent",  # paInvalidDevice
        -9997: "unsupported-samplerate",  # paInvalidSampleRate
        -9998: "unsupported-channels",  # paInvalidChannelCount
        -9985: "busy",  # paDeviceUnavailable
    }.get(code, "failed")


def dbfs(chunk: np.ndarray) -> float:
    """RMS level of int16 samples in dBFS: -inf for digital silence, 0 for full scale."""
    if chunk.size == 0:
        return -math.inf
    samples = chunk.astype(np.float64) / FULL_SCALE
    rms = math.sqrt(float(np.mean(samples * samples)))
    if rms <= 0.0:
        return -math.inf
    return min(0.0, 20.0 * math.log10(rms))


class Microphone:
    """An input stream whose blocks wait in a bounded queue for ``read``.

    ``dropped`` counts blocks thrown away because the consumer fell behind (oldest
    first); ``overflows`` counts blocks PortAudio itself reported as overflowed.
    """

    def __init__(
        self,
        device: int | str | None = None,
        *,
        samplerate: int = 48000,
        channels: int = 1,
        blocksize: int = 960,
        queue_chunks: int = 100,
    ) -> None:
        if queue_chunks < 1:
            raise ValueError("queue_chunks must be at least 1")
        self.device = device
        self.samplerate = samplerate
        self.channels = channels
        self.blocksize = blocksize
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=queue_chunks)
        self._stream: sd.InputStream | None = None
        self._lock = threading.Lock()
        self._level = -math.inf
        self.dropped = 0
        self.overflows = 0
        self.chunks = 0

    @property
    def running(self) -> bool:
        stream = self._stream
        return stream is not None and stream.active

    def start(self) -> None:
        """Opens and starts the stream; raises MicrophoneUnavailable(device, reason)."""
        with self._lock:
            if self._stream is not None:
                return
            self._drain()
            self._level = -math.inf
            self.dropped = self.overflows = self.chunks = 0
            self._stream = start_stream(
                lambda: sd.InputStream(
                    device=_resolve(self.device, "input"),
                    samplerate=self.samplerate,
                    channels=self.channels,
                    dtype="int16",
                    blocksize=self.blocksize,
                    callback=self._callback,
                ),
                MicrophoneUnavailable,
                self.device,
            )

    def _callback(self, indata: np.ndarray, frames: int, when: Any, status: Any) -> None:
        # PortAudio's thread: no blocking, no allocation beyond the copy.
        if status.input_overflow:
            self.overflows += 1
        chunk = indata.copy()
        self._level = dbfs(chunk)
        self.chunks += 1
        while True:
            try:
                self._queue.put_nowait(chunk)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def read(self, timeout: float) -> np.ndarray | None:
        """The oldest waiting block (int16, shape (n, channels)), or None if none came
        within ``timeout`` seconds. ``timeout=0`` never blocks."""
        try:
            if timeout <= 0:
                return self._queue.get_nowait()
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def level(self) -> float:
        """RMS of the latest block in dBFS (-inf before the first block)."""
        return self._level

    def queued(self) -> int:
        return self._queue.qsize()

    def stop(self) -> None:
        """Stops and closes the stream; blocks still queued stay readable."""
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.abort(ignore_errors=True)
            stream.close(ignore_errors=True)

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def __enter__(self) -> Microphone:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def sine_tone(
    frequency: float, seconds: float, samplerate: int, amplitude: float = 0.3
) -> np.ndarray:
    """A float32 sine with 10 ms fades (no clicks), mono, shape (n,)."""
    n = max(1, int(round(seconds * samplerate)))
    t = np.arange(n, dtype=np.float64) / samplerate
    tone = amplitude * np.sin(2.0 * np.pi * frequency * t)
    fade = min(n // 2, int(0.01 * samplerate))
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade)
        tone[:fade] *= ramp
        tone[n - fade :] *= ramp[::-1]
    return tone.astype(np.float32)


def play_test_tone(
    device: int | str | None = None,
    *,
    frequency: float = 440.0,
    seconds: float = 1.0,
    samplerate: int = 48000,
) -> None:
    """Plays a sine on the speaker and returns when it has been played (blocking writes
    on an OutputStream in the calling thread). Raises SpeakerUnavailable(device, reason)."""
    tone = sine_tone(frequency, seconds, samplerate)
    try:
        resolved = _resolve(device, "output")
        info = sd.query_devices(resolved, kind="output")
        # Stereo where the device has it: some hardware refuses mono.
        channels = max(1, min(2, int(info["max_output_channels"])))
        stream = sd.OutputStream(
            device=resolved, samplerate=samplerate, channels=channels, dtype="float32"
        )
    except (sd.PortAudioError, ValueError) as exc:
        raise SpeakerUnavailable(device=device, reason=_reason(exc), detail=str(exc)) from exc
    try:
        with stream:
            frames = np.repeat(tone[:, np.newaxis], channels, axis=1)
            stream.write(frames)
            # Then silence as long as the output latency: a host API that cuts what is
            # still queued when the stream stops then cuts silence, not the tone.
            tail = int(round(stream.latency * samplerate)) + 1
            stream.write(np.zeros((tail, channels), dtype=np.float32))
    except sd.PortAudioError as exc:
        raise SpeakerUnavailable(device=device, reason=_reason(exc), detail=str(exc)) from exc
