"""What a live consult tells the engine (and, through the bridge, the consult window).

Events are plain frozen dataclasses with codes, never sentences: ``ui/`` words them. The
doctor's video frames do not travel as events (too many); they go to the ``on_remote_frame``
callback given to the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Quality(StrEnum):
    GOOD = "good"
    WEAK = "weak"
    AUDIO_ONLY = "audio-only"
    LOST = "lost"  # the dead-link heartbeat fired; reconnecting


class Step(StrEnum):
    """The quality ladder, best first. Each step's bounds live in call/tuning.py."""

    VGA_15 = "640x480@15"
    QVGA_15 = "320x240@15"
    QVGA_8 = "320x240@8"
    AUDIO_ONLY = "audio-only"


@dataclass(frozen=True)
class Queued:
    position: int
    waiting: int
    doctors_online: int
    wait_s: int | None


@dataclass(frozen=True)
class DoctorJoined:
    doctor_name: str
    registration: str


@dataclass(frozen=True)
class Connected:
    attempt: int  # 1 for the first connection, more after reconnects


@dataclass(frozen=True)
class QualityChanged:
    quality: Quality
    step: Step
    send_kbps: float  # what the spoke sends now (audio + video), from the call's statistics
    loss: float  # fraction of the spoke's packets the doctor reports lost (0..1)


@dataclass(frozen=True)
class LinkLost:
    """No heartbeat answer for the dead-link timeout; a fresh connection is being tried."""

    silent_s: float


@dataclass(frozen=True)
class Reconnecting:
    attempt: int


@dataclass(frozen=True)
class PeerAway:
    """The doctor's console dropped off the hub; the hub holds the call for a while."""


@dataclass(frozen=True)
class Ended:
    by: str  # "doctor" | "spoke" | "hub"
    reason: str  # protocol.CallEndReason value


@dataclass(frozen=True)
class CallFailed:
    """The call could not start or go on: ``kind`` is a code the UI words
    (``hub-unreachable``, ``unauthorised``, ``not-found``, ``not-waiting``, ``no-link``,
    ``camera``, ``microphone``, ``speaker``)."""

    kind: str


CallEvent = (
    Queued
    | DoctorJoined
    | Connected
    | QualityChanged
    | LinkLost
    | Reconnecting
    | PeerAway
    | Ended
    | CallFailed
)
