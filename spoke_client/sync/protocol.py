"""The wire protocol between a spoke and its hub: one module both sides import.

Every request carries ``Spoke-Protocol: <PROTOCOL_VERSION>``; a hub that does not speak it
answers 426 with error code ``protocol-unsupported`` and the versions it does speak. Every
call but ``POST /v1/enrol`` and ``OPTIONS /v1/files`` carries
``Authorization: Bearer <device token>``. Every JSON answer that is not 2xx is an
:class:`ErrorReply`. Every answer carries ``Spoke-Hub-Time`` (the hub's clock, ISO 8601 UTC)
so the spoke can warn about a skewed clock.

Endpoints (all under ``/v1``):

``POST /enrol``            :class:`EnrolRequest` -> :class:`EnrolReply` (one-time code)
``GET  /hello``            -> :class:`Hello` (connectivity, epoch, clock)
``POST /push``             :class:`PushRequest` -> :class:`PushReply`; 413 if too large
``GET  /pull?cursor=N&limit=M`` -> :class:`PullReply`
``GET  /media/{media_id}`` -> :class:`MediaStatus` (404 if the hub has no upload for it)
``/files``                 tus 1.0.0 resumable upload: creation, checksum (sha1, sha256),
                           expiration, termination. ``Upload-Metadata`` carries ``media_id``,
                           ``encounter_id``, ``sha256`` (hex of the whole file) and ``mime``.
                           A creation POST for a media id the hub already has answers with
                           that upload's Location (HEAD shows how far it got), so a spoke
                           that lost its upload URL resumes instead of re-sending.

Push semantics: ops are applied in the order given, each at most once by ``op_id`` (a
unique constraint at the hub). A replayed op is answered with the first answer, marked
``replay``. An op whose dependency the hub has not seen (an encounter before its patient)
is answered ``retry``: never a permanent rejection. ``rejected`` is permanent and carries
a reason code for the operator.

Epoch: a random id the hub draws when its database is created or restored from a backup.
When a spoke sees a new epoch it resets its pull cursor and re-pushes everything it had
pushed (replays are free), re-checking its media.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = (1,)

PROTOCOL_HEADER = "Spoke-Protocol"
HUB_TIME_HEADER = "Spoke-Hub-Time"
TUS_VERSION = "1.0.0"

MAX_PUSH_OPS = 500
MAX_PUSH_BYTES = 2 * 1024 * 1024
MAX_MEDIA_BYTES = 200 * 1024 * 1024


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Lenient(BaseModel):
    """Answers from the hub: new fields from a newer hub are ignored, not fatal."""

    model_config = ConfigDict(extra="ignore", frozen=True)


# ---- errors ------------------------------------------------------------------------------------
class ErrorCode(StrEnum):
    PROTOCOL_UNSUPPORTED = "protocol-unsupported"
    UNAUTHENTICATED = "unauthenticated"
    DEVICE_REVOKED = "device-revoked"
    ENROL_CODE_INVALID = "enrol-code-invalid"
    BAD_REQUEST = "bad-request"
    NOT_FOUND = "not-found"
    TOO_LARGE = "too-large"
    CHECKSUM_MISMATCH = "checksum-mismatch"
    OFFSET_MISMATCH = "offset-mismatch"
    UPLOAD_EXPIRED = "upload-expired"
    OTHER_FACILITY = "other-facility"
    INTERNAL = "internal"


class ErrorBody(_Lenient):
    code: str
    message: str
    detail: dict[str, Any] = Field(default_factory=dict)


class ErrorReply(_Lenient):
    error: ErrorBody


# ---- enrolment ---------------------------------------------------------------------------------
class EnrolRequest(_Wire):
    code: str = Field(min_length=4, max_length=64)
    device_name: str = Field(min_length=1, max_length=120)


class EnrolReply(_Lenient):
    device_id: str
    token: str
    facility_code: str
    facility_name: str
    hub_id: str
    epoch: str


class Hello(_Lenient):
    protocol: int
    hub_id: str
    epoch: str
    hub_time: str
    device_id: str
    facility_code: str


# ---- push --------------------------------------------------------------------------------------
class Entity(StrEnum):
    PATIENT = "patient"
    ENCOUNTER = "encounter"
    ATTACHMENT = "attachment"


class Op(_Wire):
    op_id: str = Field(min_length=1, max_length=64)
    entity: Entity
    entity_id: str = Field(min_length=1, max_length=64)
    version: int = Field(ge=1)
    payload: dict[str, Any]
    created_at: str


class PushRequest(_Wire):
    ops: list[Op] = Field(min_length=1, max_length=MAX_PUSH_OPS)


class OpStatus(StrEnum):
    APPLIED = "applied"  # stored (or already newer at the hub: nothing lost, still done)
    RETRY = "retry"  # a dependency is missing; send again later
    REJECTED = "rejected"  # permanent; ``code`` says why


class RejectCode(StrEnum):
    """Why an op was refused for good. The spoke words each for the operator."""

    INVALID = "invalid"  # the payload does not fit the record's schema
    OTHER_FACILITY = "other-facility"  # the id belongs to another facility's data
    ILLEGAL_STATE = "illegal-state"  # a case state move the hub does not allow
    CONFLICT = "conflict"  # the same op id was used for different content


class OpResult(_Lenient):
    op_id: str
    status: OpStatus
    code: str | None = None  # RejectCode for rejected; the missing dependency for retry
    detail: str | None = None
    replay: bool = False


class PushReply(_Lenient):
    results: list[OpResult]
    epoch: str
    hub_time: str


# ---- pull --------------------------------------------------------------------------------------
class ChangeKind(StrEnum):
    CASE_STATE = "case_state"  # payload: {"state": ..., "reason": ...}
    PRESCRIPTION = "prescription"  # payload: Prescription.to_record()
    MESSAGE = "message"  # payload: {"id", "text", "author", "at"}


class Change(_Lenient):
    seq: int
    kind: ChangeKind
    encounter_id: str
    payload: dict[str, Any]
    at: str


class PullReply(_Lenient):
    epoch: str
    cursor: int
    changes: list[Change]
    more: bool
    hub_time: str


# ---- media -------------------------------------------------------------------------------------
class MediaStatus(_Lenient):
    media_id: str
    size: int
    offset: int
    sha256: str
    complete: bool
    upload_url: str


class Capabilities(_Lenient):
    """What OPTIONS /v1/files advertises, parsed from its headers by the client."""

    tus_version: Literal["1.0.0"] = TUS_VERSION
    extensions: tuple[str, ...] = ()
    checksum_algorithms: tuple[str, ...] = ()
    max_size: int | None = None


# ---- live call signalling -----------------------------------------------------------------------
# The spoke opens a WebSocket to CALL_PATH for one of its own cases (headers: Authorization:
# Bearer <device token>, Spoke-Protocol). The doctor console opens CONSOLE_WS_PATH with its
# session cookie. Every message is one JSON object with a "type" field; the hub relays SDP
# between the two and owns the queue and the case state. aiortc gathers every candidate before
# it returns a description, and the console waits for ICE gathering to complete, so one offer
# (from the spoke) and one answer (from the doctor) make a call; a reconnect is a new offer with
# a higher ``attempt`` on the same ``call_id``, which the console answers with a fresh peer
# connection.
CALL_PATH = "/v1/call/{encounter_id}"
CONSOLE_WS_PATH = "/console/ws"
#: How long the hub holds a call whose spoke or doctor socket dropped before it gives up
#: (the case then goes back to the queue: in consult -> waiting for doctor).
CALL_GRACE_S = 60.0


class WsClose:
    """WebSocket close codes the hub uses (4000-4999 are the application's)."""

    BAD_MESSAGE = 4400  # not JSON, unknown type, missing field
    UNAUTHORISED = 4401  # no or bad device token / doctor session
    REVOKED = 4403  # device revoked
    NOT_FOUND = 4404  # unknown case, or another facility's (never told apart)
    NOT_WAITING = 4409  # the case is not waiting for a doctor nor in a consult
    REPLACED = 4410  # a newer socket for the same case (or doctor) took over
    PROTOCOL = 4426  # Spoke-Protocol missing or unsupported


class CallEndedBy(StrEnum):
    DOCTOR = "doctor"
    SPOKE = "spoke"
    HUB = "hub"


class CallEndReason(StrEnum):
    FINISHED = "finished"  # doctor ended the call: case -> awaiting prescription
    HUNG_UP = "hung-up"  # the centre ended the call after it connected: -> awaiting prescription
    LEFT_QUEUE = "left-queue"  # the centre left before a doctor joined: case stays waiting
    DROPPED = "dropped"  # a side's socket stayed away past CALL_GRACE_S: -> waiting for doctor


# Hub -> spoke
class SigQueue(_Lenient):
    type: Literal["queue"] = "queue"
    specialty: str
    position: int  # 1 = next to be seen
    waiting: int  # cases waiting in this specialty
    doctors_online: int  # doctors of this specialty with the console open
    wait_s: int | None  # expected wait; None when no doctor is online


class SigDoctorJoined(_Lenient):
    type: Literal["doctor-joined"] = "doctor-joined"
    call_id: str
    doctor_name: str
    registration: str  # medical registration number
    # Sent again (same call_id) when a spoke socket comes back during a call: offer afresh.


class SigAnswer(_Lenient):
    type: Literal["answer"] = "answer"
    call_id: str
    attempt: int
    sdp: str


class SigPeerAway(_Lenient):
    """The other side's socket dropped; the hub holds the call for CALL_GRACE_S."""

    type: Literal["peer-away"] = "peer-away"
    call_id: str


class SigEnded(_Lenient):
    type: Literal["ended"] = "ended"
    call_id: str | None = None
    by: CallEndedBy
    reason: CallEndReason


class SigError(_Lenient):
    type: Literal["error"] = "error"
    code: str
    message: str


# Spoke -> hub
class SigOffer(_Wire):
    type: Literal["offer"] = "offer"
    call_id: str
    attempt: int = Field(ge=1)
    sdp: str = Field(max_length=200_000)


class SigEnd(_Wire):
    type: Literal["end"] = "end"
    call_id: str | None = None  # None: leave the queue before a doctor joined


class SigLink(_Wire):
    """The spoke's view of the call's quality, shown on the console."""

    type: Literal["link"] = "link"
    call_id: str
    quality: Literal["good", "weak", "audio-only", "lost"]
