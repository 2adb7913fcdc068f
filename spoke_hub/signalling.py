"""Live-call signalling: the queue, and the relay between a spoke and a doctor's console.

One :class:`CallHub` per app (made by :func:`spoke_hub.app.create_app`) holds, in memory,
the spokes' call sockets (one per case), the doctors' console sockets (one per doctor) and
the calls under way. Its two WebSocket routes:

- ``CALL_PATH`` (``/v1/call/{encounter_id}``), the spoke's: ``Spoke-Protocol`` and
  ``Authorization: Bearer <device token>`` headers; only the device's own facility's case,
  waiting for a doctor or in a consult. Refusals are close codes (:class:`WsClose`); an
  unknown case and another facility's case close alike (``NOT_FOUND``).
- ``CONSOLE_WS_PATH`` (``/console/ws``), the doctor's, with the session cookie.

While a case waits its spoke gets :class:`SigQueue` on every queue change and at least
every ``queue_every`` seconds. Accept moves the case waiting -> in consult (a hub move the
spoke pulls); the relay then carries the spoke's offers and the doctor's answers. A call
ends on either side's ``end`` or, when one side's socket stays away longer than the grace,
as ``dropped`` (case back to waiting). A malformed message closes its socket with
``BAD_MESSAGE``. Logs name calls by id only: never SDP, never patient data.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from spoke_client.domain.encounter import CaseState
from spoke_client.sync.protocol import (
    CALL_GRACE_S,
    CALL_PATH,
    PROTOCOL_HEADER,
    SUPPORTED_VERSIONS,
    CallEndedBy,
    CallEndReason,
    SigAnswer,
    SigDoctorJoined,
    SigEnd,
    SigEnded,
    SigError,
    SigLink,
    SigOffer,
    SigPeerAway,
    SigQueue,
    WsClose,
)

from .clock import Clock
from .console import COOKIE, CaseDesk, QueueCase
from .doctors import Doctor, Doctors
from .model import Device, HubRefused
from .store import HubStore

log = logging.getLogger("spoke_hub.calls")

QUEUE_EVERY_S = 15.0
NORMAL_CLOSE = 1000
MAX_MESSAGE_CHARS = 256_000


class _ConsoleWire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsoleAccept(_ConsoleWire):
    type: Literal["accept"]
    case_id: str = Field(min_length=1, max_length=64)


class ConsoleAnswer(_ConsoleWire):
    type: Literal["answer"]
    case_id: str = Field(min_length=1, max_length=64)
    call_id: str = Field(min_length=1, max_length=64)
    attempt: int = Field(ge=1)
    sdp: str = Field(max_length=200_000)


class ConsoleEnd(_ConsoleWire):
    type: Literal["end"]
    case_id: str = Field(min_length=1, max_length=64)
    call_id: str = Field(min_length=1, max_length=64)


_FROM_SPOKE: TypeAdapter[Any] = TypeAdapter(
    Annotated[SigOffer | SigEnd | SigLink, Field(discriminator="type")]
)
_FROM_DOCTOR: TypeAdapter[Any] = TypeAdapter(
    Annotated[ConsoleAccept | ConsoleAnswer | ConsoleEnd, Field(discriminator="type")]
)


class BadMessage(Exception):
    """A frame that is not one of the side's messages."""


async def _serve(
    ws: WebSocket, kinds: Any, link: Any, handle: Callable[[Any, Any], Awaitable[None]]
) -> None:
    """Hand each message of ``kinds`` from ``ws`` to ``handle(link, message)`` until the
    socket closes or ``link`` is done; a malformed message closes it with BAD_MESSAGE."""
    while not link.done:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        try:
            parsed = parse(kinds, message)
        except BadMessage:
            await _close(ws, WsClose.BAD_MESSAGE)
            return
        if link.done:
            return
        await handle(link, parsed)


def parse(adapter: TypeAdapter[Any], message: dict[str, Any]) -> Any:
    """The model a received WebSocket frame holds (BadMessage if none: binary, not JSON,
    unknown type, missing or extra field)."""
    text = message.get("text")
    if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
        raise BadMessage()
    try:
        return adapter.validate_json(text)
    except (ValidationError, ValueError):
        raise BadMessage() from None


@dataclass(eq=False)
class SpokeLink:
    ws: WebSocket
    case_id: str
    device_id: str
    facility: str
    done: bool = False  # replaced or ended by the hub: its going away is not a drop


@dataclass(eq=False)
class DoctorLink:
    ws: WebSocket
    doctor: Doctor
    done: bool = False


@dataclass(eq=False)
class Call:
    call_id: str
    case_id: str
    facility: str
    specialty: str | None
    doctor: Doctor
    accepted_at: datetime
    spoke_away: asyncio.Task[None] | None = None
    doctor_away: asyncio.Task[None] | None = None


async def _send(ws: WebSocket, message: BaseModel | dict[str, Any]) -> None:
    """Send one JSON message; a socket that has gone is the other handler's business."""
    text = message.model_dump_json() if isinstance(message, BaseModel) else json.dumps(message)
    with contextlib.suppress(Exception):
        await ws.send_text(text)


async def _close(ws: WebSocket, code: int) -> None:
    with contextlib.suppress(Exception):
        await ws.close(code)


class CallHub:
    """The queue and the calls of one app (see the module docstring)."""

    def __init__(
        self,
        store: HubStore,
        doctors: Doctors,
        desk: CaseDesk,
        clock: Clock,
        *,
        grace_s: float = CALL_GRACE_S,
        queue_every: float = QUEUE_EVERY_S,
    ) -> None:
        self.store, self.doctors, self.desk, self.clock = store, doctors, desk, clock
        self.grace_s, self.queue_every = grace_s, queue_every
        self.spokes: dict[str, SpokeLink] = {}
        self.consoles: dict[str, DoctorLink] = {}
        self.calls: dict[str, Call] = {}
        self._lock: asyncio.Lock | None = None
        self._ticker: asyncio.Task[None] | None = None

    @property
    def lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    # ---- running ----------------------------------------------------------------------------

    def start(self) -> None:
        """Send every queue every ``queue_every`` seconds (call on the app's loop)."""
        self._lock = asyncio.Lock()
        self._ticker = asyncio.create_task(self._tick())

    async def stop(self) -> None:
        tasks = [t for c in self.calls.values() for t in (c.spoke_away, c.doctor_away) if t]
        if self._ticker is not None:
            tasks.append(self._ticker)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.queue_every)
            try:
                await self.broadcast()
            except Exception as exc:  # keep ticking; never log contents
                log.warning("queue update failed: %s", type(exc).__name__)

    # ---- queue ------------------------------------------------------------------------------

    def spoke_online(self, case_id: str) -> bool:
        return case_id in self.spokes

    def doctors_online(self, specialty: str | None) -> int:
        return sum(1 for link in self.consoles.values() if link.doctor.sees(specialty))

    def _doctor_call(self, doctor_id: str) -> Call | None:
        return next((c for c in self.calls.values() if c.doctor.id == doctor_id), None)

    async def _snapshot(self) -> tuple[list[QueueCase], float]:
        cases = await asyncio.to_thread(self.desk.queue_cases)
        mean = await asyncio.to_thread(self.desk.mean_consult_s)
        return cases, mean

    def _doctor_queue(self, doctor: Doctor, cases: list[QueueCase]) -> dict[str, Any]:
        live = [
            c.item(spoke_online=self.spoke_online(c.case_id))
            for c in cases
            if c.state == CaseState.WAITING_FOR_DOCTOR.value and doctor.sees(c.specialty)
        ]
        review = [
            c.item(spoke_online=False)
            for c in cases
            if c.state == CaseState.SENT_FOR_REVIEW.value and doctor.sees(c.specialty)
        ]
        return {"type": "queue", "live": live, "review": review}

    def _spoke_queues(self, cases: list[QueueCase], mean: float) -> dict[str, SigQueue]:
        """SigQueue for each waiting case whose spoke is connected. Positions count only
        connected cases: a doctor can take no other."""
        lines: dict[str | None, list[QueueCase]] = {}
        for c in cases:
            if c.state == CaseState.WAITING_FOR_DOCTOR.value and c.case_id in self.spokes:
                lines.setdefault(c.specialty, []).append(c)
        out = {}
        for specialty, line in lines.items():
            doctors = self.doctors_online(specialty)
            for position, c in enumerate(line, start=1):
                out[c.case_id] = SigQueue(
                    specialty=specialty or "",
                    position=position,
                    waiting=len(line),
                    doctors_online=doctors,
                    wait_s=None if doctors == 0 else int(round(position * mean / doctors)),
                )
        return out

    async def queue_for(self, doctor: Doctor) -> dict[str, Any]:
        cases, _ = await self._snapshot()
        return self._doctor_queue(doctor, cases)

    async def broadcast(self) -> None:
        """Send every waiting spoke its place and every console its queue."""
        if not self.spokes and not self.consoles:
            return
        cases, mean = await self._snapshot()
        for case_id, sig in self._spoke_queues(cases, mean).items():
            link = self.spokes.get(case_id)
            if link is not None and case_id not in self.calls:
                await _send(link.ws, sig)
        for link in list(self.consoles.values()):
            await _send(link.ws, self._doctor_queue(link.doctor, cases))

    # ---- the spoke's socket -----------------------------------------------------------------

    async def _admit_spoke(self, ws: WebSocket, encounter_id: str) -> SpokeLink | int:
        """The spoke's link, or the close code that refuses it."""
        version = ws.headers.get(PROTOCOL_HEADER.lower(), "").strip()
        if not version.isdigit() or int(version) not in SUPPORTED_VERSIONS:
            return WsClose.PROTOCOL
        scheme, _, token = ws.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return WsClose.UNAUTHORISED
        try:
            device: Device = await asyncio.to_thread(
                self.store.authenticate, token.strip(), now=self.clock()
            )
        except HubRefused as refused:
            return WsClose.REVOKED if refused.code == "device-revoked" else WsClose.UNAUTHORISED
        case = await asyncio.to_thread(self.desk.brief, encounter_id)
        if case is None or case.facility != device.facility:
            return WsClose.NOT_FOUND
        async with self.lock:
            if case.state == CaseState.IN_CONSULT.value and encounter_id not in self.calls:
                # A consult the hub no longer holds (it restarted): back to the queue.
                with contextlib.suppress(HubRefused):
                    await asyncio.to_thread(
                        self.store.move_case,
                        encounter_id,
                        CaseState.WAITING_FOR_DOCTOR.value,
                        reason=CallEndReason.DROPPED.value,
                        now=self.clock(),
                    )
                case = await asyncio.to_thread(self.desk.brief, encounter_id)
                assert case is not None
            if case.state not in (CaseState.WAITING_FOR_DOCTOR.value, CaseState.IN_CONSULT.value):
                return WsClose.NOT_WAITING
            link = SpokeLink(ws, encounter_id, device.id, device.facility)
            old = self.spokes.get(encounter_id)
            self.spokes[encounter_id] = link
            if old is not None:
                old.done = True
                await _close(old.ws, WsClose.REPLACED)
            call = self.calls.get(encounter_id)
            if call is not None and call.spoke_away is not None:
                call.spoke_away.cancel()
                call.spoke_away = None
        if call is not None:
            await _send(ws, self._joined(call))
        return link

    @staticmethod
    def _joined(call: Call) -> SigDoctorJoined:
        return SigDoctorJoined(
            call_id=call.call_id,
            doctor_name=call.doctor.name,
            registration=call.doctor.registration,
        )

    async def spoke_socket(self, ws: WebSocket, encounter_id: str) -> None:
        await ws.accept()
        admitted = await self._admit_spoke(ws, encounter_id)
        if isinstance(admitted, int):
            await _close(ws, admitted)
            return
        link = admitted
        await self.broadcast()
        try:
            await _serve(ws, _FROM_SPOKE, link, self._from_spoke)
        except Exception as exc:  # a socket that broke mid-receive: the same as a drop
            log.info("call socket closed: %s", type(exc).__name__)
        finally:  # shielded: a cancelled handler still hands the call over to the grace
            await asyncio.shield(self._spoke_gone(link))

    async def _from_spoke(self, link: SpokeLink, sig: Any) -> None:
        call = self.calls.get(link.case_id)
        if isinstance(sig, SigEnd):
            if call is not None and sig.call_id in (None, call.call_id):
                await self.end(call, CallEndedBy.SPOKE, CallEndReason.HUNG_UP)
            elif call is None:
                link.done = True
                if self.spokes.get(link.case_id) is link:
                    del self.spokes[link.case_id]
                await _send(
                    link.ws, SigEnded(by=CallEndedBy.SPOKE, reason=CallEndReason.LEFT_QUEUE)
                )
                await _close(link.ws, NORMAL_CLOSE)
                await self.broadcast()
            else:
                await _send(link.ws, _no_call())
            return
        if call is None or sig.call_id != call.call_id:
            await _send(link.ws, _no_call())
            return
        doctor = self.consoles.get(call.doctor.id)
        if doctor is None:
            return  # the doctor is away: the spoke offers again when they are back
        if isinstance(sig, SigOffer):
            await _send(
                doctor.ws,
                {
                    "type": "offer",
                    "case_id": call.case_id,
                    "call_id": call.call_id,
                    "attempt": sig.attempt,
                    "sdp": sig.sdp,
                },
            )
        elif isinstance(sig, SigLink):
            link_msg = {"type": "link", "case_id": call.case_id, "quality": sig.quality}
            await _send(doctor.ws, link_msg)

    async def _spoke_gone(self, link: SpokeLink) -> None:
        if self.spokes.get(link.case_id) is link:
            del self.spokes[link.case_id]
        if link.done:
            return
        call = self.calls.get(link.case_id)
        if call is not None and call.spoke_away is None:
            call.spoke_away = asyncio.create_task(self._grace(call, "spoke"))
            doctor = self.consoles.get(call.doctor.id)
            if doctor is not None:
                await _send(
                    doctor.ws,
                    {"type": "peer-away", "case_id": call.case_id, "call_id": call.call_id},
                )
        await self.broadcast()

    # ---- the doctor's socket ----------------------------------------------------------------

    def _session_doctor(self, ws: WebSocket) -> Doctor | None:
        origin = ws.headers.get("origin")
        if origin and urlsplit(origin).netloc != ws.headers.get("host", ""):
            return None  # another site's page: the cookie is not theirs to use
        return self.doctors.session_doctor(ws.cookies.get(COOKIE), now=self.clock())

    async def console_socket(self, ws: WebSocket) -> None:
        await ws.accept()
        doctor = await asyncio.to_thread(self._session_doctor, ws)
        if doctor is None:
            await _send(
                ws,
                SigError(
                    code="unauthenticated",
                    message="Please sign in: a doctor session is required to accept cases.",
                ),
            )
            await _close(ws, WsClose.UNAUTHORISED)
            return
        link = DoctorLink(ws, doctor)
        async with self.lock:
            old = self.consoles.get(doctor.id)
            self.consoles[doctor.id] = link
            if old is not None:
                old.done = True
                await _close(old.ws, WsClose.REPLACED)
            call = self._doctor_call(doctor.id)
            if call is not None and call.doctor_away is not None:
                call.doctor_away.cancel()
                call.doctor_away = None
        if call is not None:
            await _send(ws, {"type": "accepted", "case_id": call.case_id, "call_id": call.call_id})
            spoke = self.spokes.get(call.case_id)
            if spoke is not None:
                await _send(spoke.ws, self._joined(call))  # a fresh page: offer afresh
        await self.broadcast()
        try:
            await _serve(ws, _FROM_DOCTOR, link, self._from_doctor)
        except Exception as exc:
            log.info("console socket closed: %s", type(exc).__name__)
        finally:
            await asyncio.shield(self._doctor_gone(link))

    async def _refuse(self, link: DoctorLink, code: str, message: str) -> None:
        await _send(link.ws, SigError(code=code, message=message))

    async def _from_doctor(self, link: DoctorLink, msg: Any) -> None:
        if isinstance(msg, ConsoleAccept):
            await self.accept(link, msg.case_id)
            return
        call = self.calls.get(msg.case_id)
        if call is None or call.call_id != msg.call_id or call.doctor.id != link.doctor.id:
            await self._refuse(link, "no-call", "That call is not yours or has ended.")
            return
        if isinstance(msg, ConsoleAnswer):
            spoke = self.spokes.get(call.case_id)
            if spoke is not None:
                await _send(
                    spoke.ws, SigAnswer(call_id=call.call_id, attempt=msg.attempt, sdp=msg.sdp)
                )
        elif isinstance(msg, ConsoleEnd):
            await self.end(call, CallEndedBy.DOCTOR, CallEndReason.FINISHED)

    async def accept(self, link: DoctorLink, case_id: str) -> None:
        """The doctor takes a waiting case whose spoke is connected: the case moves to in
        consult, the doctor gets ``accepted`` and the spoke :class:`SigDoctorJoined`."""
        doctor = link.doctor
        async with self.lock:
            if self._doctor_call(doctor.id) is not None:
                await self._refuse(link, "busy", "End your current call before taking another.")
                return
            case = await asyncio.to_thread(self.desk.brief, case_id)
            if case is None or not doctor.sees(case.specialty):
                await self._refuse(link, "not-found", "There is no such case for you.")
                return
            if case_id in self.calls or case.state != CaseState.WAITING_FOR_DOCTOR.value:
                await self._refuse(link, "not-waiting", "This case is no longer waiting.")
                return
            spoke = self.spokes.get(case_id)
            if spoke is None:
                await self._refuse(
                    link, "spoke-offline", "The centre is not connected for a call right now."
                )
                return
            at = self.clock()
            try:
                await asyncio.to_thread(
                    self.store.move_case,
                    case_id,
                    CaseState.IN_CONSULT.value,
                    reason="doctor-accepted",
                    now=at,
                )
            except HubRefused:
                await self._refuse(link, "not-waiting", "This case is no longer waiting.")
                return
            call = Call(str(uuid.uuid4()), case_id, case.facility, case.specialty, doctor, at)
            self.calls[case_id] = call
            await asyncio.to_thread(
                self.desk.consult_started, call.call_id, case_id, doctor.id, case.specialty, at
            )
        log.info("call %s accepted", call.call_id)
        await _send(link.ws, {"type": "accepted", "case_id": case_id, "call_id": call.call_id})
        await _send(spoke.ws, self._joined(call))
        await self.broadcast()

    async def _doctor_gone(self, link: DoctorLink) -> None:
        if self.consoles.get(link.doctor.id) is link:
            del self.consoles[link.doctor.id]
        if link.done:
            return
        call = self._doctor_call(link.doctor.id)
        if call is not None and call.doctor_away is None:
            call.doctor_away = asyncio.create_task(self._grace(call, "doctor"))
            spoke = self.spokes.get(call.case_id)
            if spoke is not None:
                await _send(spoke.ws, SigPeerAway(call_id=call.call_id))
        await self.broadcast()

    # ---- ending -----------------------------------------------------------------------------

    async def _grace(self, call: Call, side: str) -> None:
        await asyncio.sleep(self.grace_s)
        log.info("call %s dropped: the %s stayed away", call.call_id, side)
        await self.end(call, CallEndedBy.HUB, CallEndReason.DROPPED)

    async def end(self, call: Call, by: CallEndedBy, reason: CallEndReason) -> None:
        """End ``call``: move its case (finished or hung up -> awaiting prescription;
        dropped -> waiting for doctor) and tell both sides. Ending twice does nothing."""
        async with self.lock:
            if self.calls.get(call.case_id) is not call:
                return
            del self.calls[call.case_id]
            for task in (call.spoke_away, call.doctor_away):
                if task is not None and task is not asyncio.current_task():
                    task.cancel()
            to = (
                CaseState.WAITING_FOR_DOCTOR
                if reason is CallEndReason.DROPPED
                else CaseState.AWAITING_PRESCRIPTION
            )
            at = self.clock()
            try:
                await asyncio.to_thread(
                    self.store.move_case, call.case_id, to.value, reason=reason.value, now=at
                )
            except HubRefused as refused:  # the spoke moved it meanwhile (cancelled...)
                log.info("call %s ended; case not moved (%s)", call.call_id, refused.code)
            await asyncio.to_thread(
                self.desk.consult_ended,
                call.call_id,
                seconds=(at - call.accepted_at).total_seconds(),
                by=by.value,
                reason=reason.value,
                at=at,
            )
        log.info("call %s ended by %s: %s", call.call_id, by.value, reason.value)
        spoke = self.spokes.get(call.case_id)
        if spoke is not None:
            await _send(spoke.ws, SigEnded(call_id=call.call_id, by=by, reason=reason))
            if reason is not CallEndReason.DROPPED:
                spoke.done = True
                del self.spokes[call.case_id]
                await _close(spoke.ws, NORMAL_CLOSE)
        doctor = self.consoles.get(call.doctor.id)
        if doctor is not None:
            await _send(
                doctor.ws,
                {
                    "type": "ended",
                    "case_id": call.case_id,
                    "call_id": call.call_id,
                    "by": by.value,
                    "reason": reason.value,
                },
            )
        await self.broadcast()


def _no_call() -> SigError:
    return SigError(code="no-call", message="There is no such call for this case.")


def call_router(calls: CallHub) -> APIRouter:
    """The spoke's call socket (the console's is added to the console app)."""
    router = APIRouter()

    @router.websocket(CALL_PATH)
    async def spoke_call(websocket: WebSocket, encounter_id: str) -> None:
        await calls.spoke_socket(websocket, encounter_id)

    return router
