"""Capture failures as codes with parameters (the UI words them; the CLI in English)."""

from __future__ import annotations

from spoke_client.domain.coded_error import CodedError


class CaptureError(CodedError):
    code = "capture-error"


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
