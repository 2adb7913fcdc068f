"""The failures the engine's callers see, as codes with parameters.

The UI may not import the store; the store's error codes reach it through here.
"""

from __future__ import annotations

from spoke_client.capture.errors import (
    CameraStopped,
    CameraUnavailable,
    CaptureError,
    FileRefused,
    MicrophoneUnavailable,
    RecordingEmpty,
    SpeakerUnavailable,
)
from spoke_client.store.errors import (
    DiskFull,
    MediaCorrupt,
    MediaMissing,
    NotFound,
    OperatorLocked,
    PinBackoff,
    PinTooShort,
    StoreError,
    UnknownOperator,
    WrongPin,
)

__all__ = [
    "CameraStopped",
    "CameraUnavailable",
    "CaptureError",
    "FileRefused",
    "MicrophoneUnavailable",
    "RecordingEmpty",
    "SpeakerUnavailable",
    "DiskFull",
    "MediaCorrupt",
    "MediaMissing",
    "NotFound",
    "OperatorLocked",
    "PinBackoff",
    "PinTooShort",
    "StoreError",
    "UnknownOperator",
    "WrongPin",
]
