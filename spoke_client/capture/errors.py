"""Capture failures as codes with parameters (the UI words them; the CLI in English)."""

from __future__ import annotations

from typing import Any


class CaptureError(Exception):
    code = "capture-error"

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.code, params)

    def __str__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params.items()))
        return f"{self.code}({inner})"


class CameraUnavailable(CaptureError):
    """The camera could not be opened: ``reason`` is "absent", "busy" or "no-frames"."""

    code = "camera-unavailable"


class CameraStopped(CaptureError):
    """Frames stopped arriving for longer than the read timeout (unplugged, stream ended)."""

    code = "camera-stopped"


class MicrophoneUnavailable(CaptureError):
    code = "microphone-unavailable"


class SpeakerUnavailable(CaptureError):
    code = "speaker-unavailable"


class FileRefused(CaptureError):
    """An attached file was refused: ``reason`` is "too-large", "unsupported-type" or
    "unreadable"; ``size`` and ``limit`` in bytes where they apply."""

    code = "file-refused"


class RecordingEmpty(CaptureError):
    """A recording was stopped before any sound or picture arrived; nothing was kept."""

    code = "recording-empty"
