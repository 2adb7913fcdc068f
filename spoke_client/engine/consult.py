"""Live consult use cases: join the hub's queue for a case, hold the video call, end it, or
send the case for review instead. ``engine.consult`` is a ``ConsultDesk``.

One call at a time. ``start_consult`` checks the case and the hub link (refusing with a
``ConsultRefused`` code), moves the case ready → waiting for doctor, and returns; the rest runs
as a task on the engine loop: push the case (one sync round, so the hub has it), pause sync
for the call, open the camera, microphone and speaker, and run the ``ConsultCall``. However
the call ends, the devices are closed and sync resumes before the outcome (``Ended`` or
``CallFailed``) reaches ``on_event``: the outcome is always the last event, and a new call may
start as soon as it arrives.

Events reach ``on_event`` on the engine thread, as the call emits them (codes, never
sentences). Pictures are not events: the doctor's latest picture and the local camera's are
kept here, latest only, for the GUI to poll without blocking (``remote_frame`` and
``preview_frame``), as the camera preview does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from spoke_client.call.events import (
    CallEvent,
    CallFailed,
    Connected,
    DoctorJoined,
    Ended,
    LinkLost,
    PeerAway,
    Quality,
    QualityChanged,
    Queued,
    Reconnecting,
    Step,
)
from spoke_client.capture.errors import (
    CaptureError,
    MicrophoneUnavailable,
    SpeakerUnavailable,
)
from spoke_client.domain.coded_error import CodedError
from spoke_client.domain.encounter import CaseState, Encounter

if TYPE_CHECKING:
    from spoke_client.engine.usecases import Engine

log = logging.getLogger(__name__)

PUSH_TIMEOUT_S = 20.0  # the sync round before joining the queue; the call reports what fails
END_TIMEOUT_S = 10.0  # waiting for an ended call to wind down before it is cancelled
LEFT_QUEUE = "left-queue"  # protocol.CallEndReason values the desk itself reports
HUNG_UP = "hung-up"

__all__ = [
    "CallEvent",
    "CallFailed",
    "CallParts",
    "ConsultDesk",
    "ConsultRefused",
    "Connected",
    "DoctorJoined",
    "Ended",
    "LinkLost",
    "PeerAway",
    "Quality",
    "QualityChanged",
    "Queued",
    "Reconnecting",
    "RemoteFrame",
    "Step",
]


class ConsultRefused(CodedError):
    """A live consult cannot start: ``kind`` is ``no-hub-link``, ``wrong-state`` (``state``)
    or ``call-in-progress`` (``encounter_id`` of the case in the call)."""

    code = "consult-refused"

    @property
    def kind(self) -> str:
        return str(self.params.get("kind", "unknown"))


@dataclass(frozen=True)
class RemoteFrame:
    """The doctor's latest picture, shaped as the camera's ``Frame`` for ``CameraView``:
    ``image`` RGB ``H×W×3 uint8`` (contiguous), ``seq`` counts pictures of this call."""

    image: np.ndarray
    seq: int


@dataclass(frozen=True)
class CallParts:
    """What a call is made of, passed in so tests can hand in local ones.

    ``make_call(**kw)`` is ``ConsultCall``; ``connect(link_row, encounter_id)`` opens the call
    socket; ``video_track(latest)``, ``audio_track(read, samplerate)`` and
    ``speaker(device)`` make the tracks and the ``AudioSink``."""

    make_call: Callable[..., Any]
    connect: Callable[[dict[str, Any], str], Awaitable[Any]]
    video_track: Callable[[Callable[[], Any]], Any]
    audio_track: Callable[[Callable[[float], Any], int], Any]
    speaker: Callable[[Any], Any]

    @classmethod
    def real(cls) -> CallParts:
        """aiortc, PyAV and PortAudio: imported when the first call starts, off the loop."""
        from spoke_client.call.playback import AudioSink
        from spoke_client.call.session import ConsultCall
        from spoke_client.capture.tracks import CameraVideoTrack, MicrophoneAudioTrack
        from spoke_client.sync.signalling import open_call_socket

        return cls(
            make_call=ConsultCall,
            connect=open_call_socket,
            video_track=CameraVideoTrack,
            audio_track=lambda read, rate: MicrophoneAudioTrack(read, samplerate=rate),
            speaker=lambda device: AudioSink(device=device),
        )


@dataclass(eq=False)
class _Consult:
    encounter_id: str
    on_event: Callable[[CallEvent], None]
    on_remote_frame: Callable[[np.ndarray], None] | None
    phase: str = "joining"  # joining | waiting | with-doctor | ending
    call: Any = None
    task: asyncio.Task | None = None
    camera: Any = None
    camera_problem: str | None = None  # the call goes on without video: "absent", "busy"…
    microphone: Any = None
    speaker: Any = None
    paused_sync: bool = False
    leaving: bool = False
    muted: bool = False
    camera_off: bool = False
    remote: RemoteFrame | None = None
    last_event: CallEvent | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


class ConsultDesk:
    def __init__(
        self,
        engine: Engine,
        *,
        parts: Callable[[], CallParts] = CallParts.real,
        push_timeout_s: float = PUSH_TIMEOUT_S,
    ) -> None:
        """``parts`` makes the call's parts (the real ones by default: see ``CallParts``)."""
        self.engine = engine
        self._parts_factory = parts
        self._parts: CallParts | None = None
        self.push_timeout_s = push_timeout_s
        self._consult: _Consult | None = None

    # ---- starting ---------------------------------------------------------------------------
    async def start_consult(
        self,
        encounter_id: str,
        on_event: Callable[[CallEvent], None],
        on_remote_frame: Callable[[np.ndarray], None] | None = None,
    ) -> Encounter:
        """Join the hub's queue for this case and hold the call when a doctor accepts.

        Returns the case (now waiting for a doctor) once the call is on its way; everything
        after comes to ``on_event``, ending with ``Ended`` or ``CallFailed``.
        ``ConsultRefused`` if a call is already on, there is no hub link, or the case is not
        ready or waiting for a doctor.
        """
        if self._consult is not None:
            raise ConsultRefused(kind="call-in-progress", encounter_id=self._consult.encounter_id)
        consult = self._consult = _Consult(encounter_id, on_event, on_remote_frame)
        try:
            link = await self.engine.worker.run(lambda s: s.sync.link())
            if link is None:
                raise ConsultRefused(kind="no-hub-link")
            encounter = await self.engine.worker.run(lambda s: s.encounters.get(encounter_id))
            if encounter.state is CaseState.READY:
                encounter = await self.engine.move_case(encounter_id, CaseState.WAITING_FOR_DOCTOR)
            elif encounter.state is not CaseState.WAITING_FOR_DOCTOR:
                raise ConsultRefused(kind="wrong-state", state=encounter.state.value)
        except BaseException:
            self._consult = None
            raise
        consult.task = asyncio.get_running_loop().create_task(
            self._hold(consult, link), name=f"consult-{encounter_id}"
        )
        return encounter

    async def _hold(self, consult: _Consult, link: dict[str, Any]) -> None:
        """The call's whole life: set up, run, close everything, then say how it ended."""
        outcome: Ended | CallFailed
        try:
            outcome = await self._set_up_and_run(consult, link)
        except asyncio.CancelledError:  # left before the call began, or the store is closing
            outcome = Ended(by="spoke", reason=HUNG_UP if consult.call else LEFT_QUEUE)
        except SpeakerUnavailable:
            outcome = CallFailed(kind="speaker")
        except MicrophoneUnavailable:
            outcome = CallFailed(kind="microphone")
        except CaptureError:
            outcome = CallFailed(kind="microphone")
        except Exception:
            log.exception("the live consult failed unexpectedly")
            outcome = CallFailed(kind="internal")
        finally:
            await self._close(consult)
        self._tell(consult, outcome)

    async def _set_up_and_run(self, consult: _Consult, link: dict[str, Any]) -> Ended | CallFailed:
        engine = self.engine
        # The hub learns of the case by sync; a failed push is reported by the call itself
        # (the hub answers "not found"), so it is not waited on for ever.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(engine.sync.sync_now(), self.push_timeout_s)
        engine.sync.pause_for_call()
        consult.paused_sync = True
        if self._parts is None:
            self._parts = await _off_loop(self._parts_factory)
        parts = self._parts
        capture = engine.capture
        try:
            consult.camera = await capture.open_camera()
        except CaptureError as exc:  # the doctor still hears the patient: go on without video
            consult.camera_problem = str(exc.params.get("reason", exc.code))
        consult.microphone = await capture.open_microphone()
        speaker = parts.speaker(_output_device(capture.settings))
        await _off_loop(speaker.start)
        consult.speaker = speaker

        camera = consult.camera
        video = None
        if camera is not None:
            video = parts.video_track(lambda: capture.latest_frame(camera))
        microphone = consult.microphone.microphone
        audio = parts.audio_track(microphone.read, microphone.samplerate)
        settings = (link.get("extra") or {}).get("call") or {}
        call = parts.make_call(
            encounter_id=consult.encounter_id,
            connect=lambda: parts.connect(link, consult.encounter_id),
            video_source=video,
            audio_source=audio,
            speaker=speaker,
            ice_servers=list(settings.get("ice_servers") or []),
            relay_only=bool(settings.get("relay_only", False)),
            on_event=lambda event: self._on_call_event(consult, event),
            on_remote_frame=lambda image: self._on_remote_frame(consult, image),
        )
        if consult.leaving:
            return Ended(by="spoke", reason=LEFT_QUEUE)
        consult.call = call  # from here ``end_consult`` ends the call rather than the task
        return await call.run()

    # ---- while it runs ----------------------------------------------------------------------
    def _on_call_event(self, consult: _Consult, event: CallEvent) -> None:
        if isinstance(event, Ended | CallFailed):
            return  # the desk tells the outcome itself, after closing the devices
        if isinstance(event, Queued):
            consult.phase = "waiting"
        elif isinstance(event, DoctorJoined):
            consult.phase = "with-doctor"
        self._tell(consult, event)

    def _on_remote_frame(self, consult: _Consult, image: np.ndarray) -> None:
        seq = consult.remote.seq + 1 if consult.remote is not None else 0
        consult.remote = RemoteFrame(np.ascontiguousarray(image[..., :3]), seq)
        if consult.on_remote_frame is not None:
            consult.on_remote_frame(consult.remote.image)

    def _tell(self, consult: _Consult, event: CallEvent) -> None:
        consult.last_event = event
        try:
            consult.on_event(event)
        except Exception:  # a listener's bug must not stop the call
            log.exception("a consult listener failed on %s", type(event).__name__)

    def remote_frame(self) -> RemoteFrame | None:
        """The doctor's latest picture (thread-safe, never blocks; None before the first)."""
        consult = self._consult
        return consult.remote if consult is not None else None

    def preview_frame(self) -> Any:
        """The local camera's latest picture, as the doctor gets it (thread-safe, non-blocking)."""
        consult = self._consult
        if consult is None or consult.camera is None:
            return None
        return self.engine.capture.latest_frame(consult.camera)

    def preview_status(self) -> Any:
        consult = self._consult
        if consult is None or consult.camera is None:
            return None
        return self.engine.capture.camera_status(consult.camera)

    async def consult_mute(self, muted: bool) -> bool:
        """Mute or unmute the microphone in the call; False when no call is on."""
        consult = self._consult
        if consult is None or consult.call is None:
            return False
        consult.call.set_muted(muted)
        consult.muted = muted
        return True

    async def consult_camera_off(self, off: bool) -> bool:
        """Stop or restart sending the camera's picture; False when no call is on."""
        consult = self._consult
        if consult is None or consult.call is None:
            return False
        consult.call.set_camera_off(off)
        consult.camera_off = off
        return True

    async def consult_snapshot(self) -> dict[str, Any] | None:
        """Where the call is (for the window, the CLI and the tests), or None when none is on."""
        consult = self._consult
        if consult is None:
            return None
        snap: dict[str, Any] = {
            "encounter_id": consult.encounter_id,
            "phase": consult.phase,
            "muted": consult.muted,
            "camera_off": consult.camera_off,
            "camera_problem": consult.camera_problem,
            "sync_paused": consult.paused_sync,
            "remote_frames": consult.remote.seq + 1 if consult.remote is not None else 0,
        }
        if consult.call is not None:
            snap["call"] = consult.call.snapshot()
        return snap

    @property
    def active_case(self) -> str | None:
        consult = self._consult
        return consult.encounter_id if consult is not None else None

    # ---- ending -----------------------------------------------------------------------------
    async def end_consult(self) -> bool:
        """Leave the queue or hang up; the outcome comes to ``on_event``. False if none is on."""
        consult = self._consult
        if consult is None:
            return False
        consult.leaving = True
        consult.phase = "ending"
        if consult.call is not None:
            await consult.call.end()
        elif consult.task is not None:
            consult.task.cancel()  # still joining: nothing has reached the doctor yet
        return True

    async def end_and_wait(self, timeout_s: float = END_TIMEOUT_S) -> None:
        """End any call and wait until its devices are closed and sync runs again (the store
        is closing, or the case goes for review instead)."""
        consult = self._consult
        if consult is None:
            return
        try:
            await self.end_consult()
        except Exception:
            log.exception("ending the live consult failed")
        try:
            await asyncio.wait_for(consult.done.wait(), timeout_s)
        except TimeoutError:
            if consult.task is not None:
                consult.task.cancel()
            await consult.done.wait()

    async def send_for_review(self, encounter_id: str) -> Encounter:
        """Store-and-forward instead of (or after) a live call: end any call on this case and
        move it to sent for review. Everything captured stays with the case; sync is woken."""
        if self.active_case == encounter_id:
            await self.end_and_wait()
        encounter = await self.engine.worker.run(lambda s: s.encounters.get(encounter_id))
        if encounter.state is CaseState.SENT_FOR_REVIEW:
            return encounter
        return await self.engine.move_case(encounter_id, CaseState.SENT_FOR_REVIEW)

    async def _close(self, consult: _Consult) -> None:
        """Close whatever was opened, resume sync, free the desk for the next call."""
        capture = self.engine.capture
        for closing in (
            (lambda: capture.close_camera(consult.camera)) if consult.camera else None,
            (lambda: capture.close_microphone(consult.microphone)) if consult.microphone else None,
            (lambda: _off_loop(consult.speaker.close)) if consult.speaker else None,
        ):
            if closing is None:
                continue
            try:
                await closing()
            except Exception:
                log.exception("closing a device after the live consult failed")
        consult.camera = consult.microphone = consult.speaker = None
        if consult.paused_sync:
            self.engine.sync.resume()
            consult.paused_sync = False
        if self._consult is consult:
            self._consult = None
        consult.done.set()


def _output_device(settings: Any) -> str | None:
    """The speaker chosen in the device check (``"audio_devices": {"output_device": name}``;
    the default one when none is chosen)."""
    chosen = (settings or {}).get("audio_devices") or {}
    name = chosen.get("output_device") if isinstance(chosen, dict) else None
    return name if isinstance(name, str) and name else None


async def _off_loop(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)
