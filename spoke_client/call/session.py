"""``ConsultCall``: one live consult from the spoke's side, on the engine's asyncio loop.

The call opens the hub's call socket, reports the queue, and when a doctor accepts makes
*attempts*: each a fresh ``RTCPeerConnection`` (ICE servers and relay-only from the
provisioning file) with a ``heartbeat`` data channel, the microphone and the camera (through
the quality ladder), one offer (``SigOffer``) and the doctor's answer (``SigAnswer``). An
attempt is connected at the first heartbeat pong (or when the peer connection says so); one
that is not connected within ``attempt_timeout_s`` is abandoned and the next begins. A
connected attempt that hears no pong for ``dead_after_s`` is a lost link (``LinkLost``): its
peer connection is closed and the next attempt starts at once, and so on until the call
ends. aiortc has no ICE restart, so a reconnect is always a fresh peer connection and offer.

While connected, the call's statistics are read every ``stats_interval_s`` and fed to the
quality ladder; a new step is applied to the camera track and the VP8 cap, told to the hub
(``SigLink``) and to the doctor (``{"t":"step"}`` on the data channel).

If the call socket drops during the call, the media go on and the socket is opened again
(the hub holds the call for ``CALL_GRACE_S`` and says ``SigDoctorJoined`` again, upon which
the call offers afresh). A socket the hub refuses (unauthorised, revoked, not found, not
waiting, replaced) ends the call with ``CallFailed``.

Nothing here logs SDP or anything about the patient: only attempt numbers, states and
codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import av
import numpy as np
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcconfiguration import RTCIceTransportPolicy

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
from spoke_client.call.heartbeat import Heartbeat
from spoke_client.call.ladder import Ladder
from spoke_client.call.scaled_track import LadderVideoTrack
from spoke_client.call.stats import CallStats, RemoteMediaCounter, StatsReader
from spoke_client.call.tuning import (
    DEFAULT_TUNING,
    CallTuning,
    apply_aiortc_overrides,
    munge_offer_sdp,
    receive_video_kbps,
    set_video_cap,
)
from spoke_client.capture.errors import CaptureError
from spoke_client.sync import protocol as p
from spoke_client.sync.errors import SyncError
from spoke_client.sync.signalling import RETRYABLE_KINDS, CallSocket

if TYPE_CHECKING:
    from spoke_client.call.playback import AudioSink

log = logging.getLogger(__name__)

#: Two attempts never start closer together than this (an attempt that fails at once,
#: say with no network at all, must not spin).
MIN_ATTEMPT_SPACING_S = 2.0
#: How long ``end()`` waits for the hub to confirm with ``SigEnded``.
END_CONFIRM_S = 3.0
#: Waits between tries to open the call socket again after it dropped.
SOCKET_RETRY_S = (0.5, 1.0, 2.0, 4.0)
#: How long closing a peer connection is waited for before it is left to finish on its own.
CLOSE_WAIT_S = 2.0


class _MutableAudioTrack(MediaStreamTrack):
    """The microphone, or silence in its place while muted (same timing, same format)."""

    kind = "audio"

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self._source = source
        self.muted = False

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self._source.recv()
        if not self.muted:
            return frame
        silent = av.AudioFrame.from_ndarray(
            np.zeros_like(frame.to_ndarray()), format=frame.format.name, layout=frame.layout.name
        )
        silent.sample_rate = frame.sample_rate
        silent.pts = frame.pts
        silent.time_base = frame.time_base
        return silent

    # Stopping this wrapper leaves the microphone running: aiortc stops a sender's track
    # when its peer connection closes, and the next attempt wraps the same microphone.


@dataclass
class _Attempt:
    """One peer connection and what hangs off it."""

    number: int
    pc: RTCPeerConnection
    started_at: float
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    dead: asyncio.Event = field(default_factory=asyncio.Event)
    heartbeat: Heartbeat | None = None
    stats: StatsReader | None = None
    silent_s: float = 0.0
    connected_at: float | None = None
    tasks: set[asyncio.Task] = field(default_factory=set)


def _ice_servers(servers: list[dict]) -> list[RTCIceServer]:
    out = []
    for server in servers:
        urls = server.get("urls", server.get("url"))
        if not urls:
            continue
        out.append(
            RTCIceServer(
                urls=urls, username=server.get("username"), credential=server.get("credential")
            )
        )
    return out


class ConsultCall:
    """One live consult for ``encounter_id``; see the module docstring.

    ``connect`` opens the call socket (the engine passes ``open_call_socket`` bound to its
    hub link); ``video_source`` and ``audio_source`` are the camera and microphone tracks
    (None: nothing of that kind is sent, the doctor's is still received); ``speaker`` plays
    the doctor's voice (started and closed by the call); ``on_event`` gets every
    :mod:`events` event on the loop's thread; ``on_remote_frame`` every decoded doctor frame
    as RGB ``H×W×3 uint8``. The call stops the tracks it was given when it ends.
    """

    def __init__(
        self,
        *,
        encounter_id: str,
        connect: Callable[[], Awaitable[CallSocket]],
        video_source: MediaStreamTrack | None,
        audio_source: MediaStreamTrack | None,
        speaker: AudioSink | None,
        ice_servers: list[dict],
        relay_only: bool,
        tuning: CallTuning = DEFAULT_TUNING,
        on_event: Callable[[CallEvent], None],
        on_remote_frame: Callable[[np.ndarray], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.encounter_id = encounter_id
        self._connect = connect
        # The camera and microphone live as long as the call; each attempt sends them through
        # fresh wrappers (aiortc stops a sender's track when its connection closes).
        self._video_source = video_source
        self._audio_source = audio_source
        self._video: LadderVideoTrack | None = None  # the current attempt's wrappers
        self._audio: _MutableAudioTrack | None = None
        self._speaker = speaker
        self._ice_servers = ice_servers
        self._relay_only = relay_only
        self.tuning = tuning
        self._on_event = on_event
        self._on_remote_frame = on_remote_frame
        self.clock = clock
        self.ladder = Ladder(tuning)
        self.remote = RemoteMediaCounter()

        self.call_id: str | None = None
        self.attempt = 0
        self.connected = False
        self.muted = False
        self.camera_off = False
        self._socket: CallSocket | None = None
        self._attempt: _Attempt | None = None
        self._result: asyncio.Future[Ended | CallFailed] | None = None
        self._restart = asyncio.Event()
        self._closing_pcs: set[asyncio.Future] = set()  # closes left to finish by themselves
        self._tasks: set[asyncio.Task] = set()
        self._keeper: asyncio.Task | None = None
        self._ending = False
        self._closing = False  # shutting down: nothing new may start
        self._ever_connected = False
        self._last_stats: CallStats | None = None
        self._joined_at: float | None = None
        self._lost_at: float | None = None
        self.accept_to_first_frame_s: float | None = None
        self.last_dead_link_detect_s: float | None = None
        self.last_reconnect_s: float | None = None

    # ---- the operator's controls ---------------------------------------------------------
    def set_muted(self, muted: bool) -> None:
        """Silence (or restore) the microphone towards the doctor."""
        self.muted = bool(muted)
        if self._audio is not None:
            self._audio.muted = self.muted

    def set_camera_off(self, off: bool) -> None:
        """Stop (or restore) camera pictures; a small black picture goes out instead."""
        self.camera_off = bool(off)
        if self._video is not None:
            self._video.camera_off = self.camera_off

    def snapshot(self) -> dict[str, Any]:
        """The call's figures now, for the consult window's details and the benches."""
        stats = self._last_stats
        return {
            "step": self.ladder.step.value,
            "quality": (Quality.LOST if self._lost_at is not None else self.ladder.quality).value,
            "attempt": self.attempt,
            "connected": self.connected,
            "send_kbps": stats.send_kbps if stats else 0.0,
            "audio_send_kbps": stats.audio_send_kbps if stats else 0.0,
            "video_send_kbps": stats.video_send_kbps if stats else 0.0,
            "loss": stats.loss if stats else 0.0,
            "remote_video_frames": self.remote.video_frames,
            "remote_audio_frames": self.remote.audio_frames,
            "remote_video_size": self.remote.video_size,
            "accept_to_first_frame_s": self.accept_to_first_frame_s,
            "last_dead_link_detect_s": self.last_dead_link_detect_s,
            "last_reconnect_s": self.last_reconnect_s,
        }

    # ---- the call's life -----------------------------------------------------------------
    async def run(self) -> Ended | CallFailed:
        """Runs the call until it ends; returns how it ended (also sent as the last event)."""
        loop = asyncio.get_running_loop()
        self._result = loop.create_future()
        apply_aiortc_overrides(self.tuning)
        try:
            if self._speaker is not None:
                try:
                    self._speaker.start()
                except CaptureError:
                    self._finish(CallFailed(kind="speaker"))
            if not self._result.done():
                try:
                    self._socket = await self._connect()
                except SyncError as exc:
                    self._finish(CallFailed(kind=exc.kind))
            if not self._result.done():
                self._spawn(self._read_socket())
            return await asyncio.shield(self._result)
        finally:
            await self._shut_down()

    async def end(self) -> None:
        """The operator ends the call (or leaves the queue): tells the hub and finishes."""
        if self._result is None or self._result.done():
            return
        self._ending = True
        try:
            if self._socket is not None:
                await self._socket.send(p.SigEnd(call_id=self.call_id))
                await asyncio.wait_for(asyncio.shield(self._result), END_CONFIRM_S)
        except (SyncError, TimeoutError):
            pass
        reason = p.CallEndReason.HUNG_UP if self.call_id else p.CallEndReason.LEFT_QUEUE
        self._finish(Ended(by=p.CallEndedBy.SPOKE.value, reason=reason.value))

    @property
    def _finished(self) -> bool:
        return self._closing or (self._result is not None and self._result.done())

    def _finish(self, outcome: Ended | CallFailed) -> None:
        if self._result is None or self._result.done():
            return
        log.info("call: finished (%s)", type(outcome).__name__)
        self._result.set_result(outcome)
        self._emit(outcome)

    def _emit(self, event: CallEvent) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("call: an event handler failed")

    def _spawn(self, coro: Awaitable[Any], into: set[asyncio.Task] | None = None) -> asyncio.Task:
        tasks = self._tasks if into is None else into
        task = asyncio.ensure_future(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("call: a task failed", exc_info=task.exception())
            self._finish(CallFailed(kind="internal"))

    async def _shut_down(self) -> None:
        self._closing = True
        if self._keeper is not None:
            self._keeper.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._keeper is not None:
            await asyncio.gather(self._keeper, return_exceptions=True)
        if self._attempt is not None:
            await self._close_attempt(self._attempt)
        self.connected = False
        for track in (self._video, self._audio, self._video_source, self._audio_source):
            if track is not None:
                track.stop()
        if self._socket is not None:
            await self._socket.close()
            self._socket = None
        if self._speaker is not None:
            self._speaker.close()

    # ---- the call socket -----------------------------------------------------------------
    async def _read_socket(self) -> None:
        while True:
            assert self._socket is not None
            try:
                message = await self._socket.receive()
            except SyncError as exc:
                if self._ending:
                    return
                if exc.kind not in RETRYABLE_KINDS:
                    self._finish(CallFailed(kind=exc.kind))
                    return
                log.warning("call: socket lost (%s); opening it again", exc.kind)
                if not await self._reopen_socket():
                    self._finish(CallFailed(kind="hub-unreachable"))
                if self._socket is None:
                    return
                continue
            await self._on_message(message)

    async def _reopen_socket(self) -> bool:
        old, self._socket = self._socket, None
        if old is not None:
            await old.close()
        deadline = self.clock() + p.CALL_GRACE_S
        tries = 0
        while self.clock() < deadline:
            await asyncio.sleep(SOCKET_RETRY_S[min(tries, len(SOCKET_RETRY_S) - 1)])
            tries += 1
            try:
                self._socket = await self._connect()
                return True
            except SyncError as exc:
                if exc.kind not in RETRYABLE_KINDS:
                    self._finish(CallFailed(kind=exc.kind))
                    return True  # finished (the reader sees no socket and stops)
        return False

    async def _send(self, message: p.SigOffer | p.SigEnd | p.SigLink) -> bool:
        if self._socket is None:
            return False
        try:
            await self._socket.send(message)
        except SyncError:
            return False  # the reader notices the lost socket and opens it again
        return True

    async def _on_message(self, message: Any) -> None:
        if isinstance(message, p.SigQueue):
            self._emit(
                Queued(message.position, message.waiting, message.doctors_online, message.wait_s)
            )
        elif isinstance(message, p.SigDoctorJoined):
            if self.call_id is None:
                self.call_id = message.call_id
                self._joined_at = self.clock()
                self._emit(DoctorJoined(message.doctor_name, message.registration))
                self._keeper = asyncio.ensure_future(self._keep_connected())
                self._keeper.add_done_callback(self._task_done)
            else:
                # The hub saw our socket come back: the doctor's side offers afresh too.
                self.call_id = message.call_id
                self._restart.set()
        elif isinstance(message, p.SigAnswer):
            attempt = self._attempt
            if (
                attempt is not None
                and message.attempt == attempt.number
                and message.call_id == self.call_id
                and attempt.pc.signalingState == "have-local-offer"
            ):
                try:
                    await attempt.pc.setRemoteDescription(
                        RTCSessionDescription(sdp=message.sdp, type="answer")
                    )
                except Exception as exc:  # an answer aiortc cannot take: try afresh
                    log.warning(
                        "call: attempt %d answer refused (%s)", attempt.number, type(exc).__name__
                    )
                    attempt.dead.set()
        elif isinstance(message, p.SigPeerAway):
            self._emit(PeerAway())
        elif isinstance(message, p.SigEnded):
            self._finish(Ended(by=message.by.value, reason=message.reason.value))
        elif isinstance(message, p.SigError):
            log.warning("call: the hub reported %s", message.code)

    # ---- attempts ------------------------------------------------------------------------
    async def _keep_connected(self) -> None:
        last_start: float | None = None
        while not self._finished:
            if last_start is not None:
                pause = last_start + MIN_ATTEMPT_SPACING_S - self.clock()
                if pause > 0:
                    await asyncio.sleep(pause)
            last_start = self.clock()
            self._restart.clear()
            self.attempt += 1
            if self.attempt > 1:
                self._emit(Reconnecting(self.attempt))
            attempt = await self._open_attempt(self.attempt)
            if self._finished:  # ended while the offer was made
                await self._close_attempt(attempt)
                return
            left = attempt.started_at + self.tuning.attempt_timeout_s - self.clock()
            outcome = await self._first_of(attempt.connected, attempt.dead, timeout=left)
            if outcome is attempt.connected:
                await self._while_connected(attempt)
            elif not self._restart.is_set():
                log.info("call: attempt %d did not connect", attempt.number)
            await self._close_attempt(attempt)

    async def _first_of(self, *events: asyncio.Event, timeout: float | None = None) -> Any:
        """Waits for the first of ``events`` (or a restart); returns the event that is set,
        or None on timeout or restart."""
        waiters = [asyncio.ensure_future(e.wait()) for e in (*events, self._restart)]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
        if self._restart.is_set():
            return None
        return next((e for e in events if e.is_set()), None)

    async def _while_connected(self, attempt: _Attempt) -> None:
        now = self.clock()
        attempt.connected_at = now
        self.connected = self._ever_connected = True
        if self._lost_at is not None:
            self.last_reconnect_s = now - self._lost_at
            self._lost_at = None
        log.info("call: attempt %d connected", attempt.number)
        self._emit(Connected(attempt.number))
        if attempt.number > 1:  # say where the ladder stands after the reconnect
            last = self._last_stats
            self._emit(
                QualityChanged(
                    self.ladder.quality,
                    self.ladder.step,
                    last.send_kbps if last else 0.0,
                    last.loss if last else 0.0,
                )
            )
        await self._send(p.SigLink(call_id=self.call_id or "", quality=self.ladder.quality.value))
        self._tell_doctor_step(attempt)
        attempt.stats = StatsReader(self.remote, clock=self.clock)
        self._spawn(self._watch_stats(attempt), into=attempt.tasks)
        if await self._first_of(attempt.dead) is attempt.dead:
            self.connected = False
            self._lost_at = self.clock()
            heartbeat = attempt.heartbeat
            last = heartbeat.last_heard_at if heartbeat else None
            silent = attempt.silent_s or (self._lost_at - last if last else 0.0)
            self.last_dead_link_detect_s = silent
            log.info(
                "call: attempt %d lost the link after %.1f s of silence", attempt.number, silent
            )
            self._emit(LinkLost(silent_s=silent))
            # A link that went silent could not carry this step: the next attempt starts one
            # lower (and climbs back only after clean seconds), or it floods the link again.
            self.ladder.link_lost(self._lost_at)
            await self._send(p.SigLink(call_id=self.call_id or "", quality="lost"))
        self.connected = False

    async def _open_attempt(self, number: int) -> _Attempt:
        policy = RTCIceTransportPolicy.RELAY if self._relay_only else RTCIceTransportPolicy.ALL
        pc = RTCPeerConnection(
            RTCConfiguration(iceServers=_ice_servers(self._ice_servers), iceTransportPolicy=policy)
        )
        attempt = _Attempt(number=number, pc=pc, started_at=self.clock())
        self._attempt = attempt
        channel = pc.createDataChannel("heartbeat", ordered=False, maxRetransmits=0)

        def alive() -> None:
            attempt.connected.set()

        def dead(silent_s: float) -> None:
            attempt.silent_s = silent_s
            attempt.dead.set()

        heartbeat = Heartbeat(
            channel,
            interval_s=self.tuning.heartbeat_interval_s,
            dead_after_s=self.tuning.dead_after_s,
            clock=self.clock,
            on_alive=alive,
            on_dead=dead,
            ping_extra=self._step_for_doctor,
        )
        attempt.heartbeat = heartbeat
        channel.on("message", heartbeat.handle)

        @channel.on("open")
        def channel_open() -> None:
            heartbeat.start()
            self._tell_doctor_step(attempt)

        @pc.on("connectionstatechange")
        def state_changed() -> None:
            state = pc.connectionState
            if state == "connected":
                heartbeat.arm()
                heartbeat.start()
                attempt.connected.set()
            elif state in ("failed", "closed") and self._attempt is attempt:
                attempt.dead.set()

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            reader = self._read_video if track.kind == "video" else self._read_audio
            self._spawn(reader(track), into=attempt.tasks)

        if self._audio_source is not None:
            self._audio = _MutableAudioTrack(self._audio_source)
            self._audio.muted = self.muted
            pc.addTrack(self._audio)
        else:
            pc.addTransceiver("audio", direction="recvonly")
        if self._video_source is not None:
            self._video = LadderVideoTrack(self._video_source, self.tuning, step=self.ladder.step)
            self._video.camera_off = self.camera_off
            pc.addTrack(self._video)
        else:
            pc.addTransceiver("video", direction="recvonly")
        set_video_cap(pc, self.tuning.ladder[self.ladder.step].max_video_kbps)
        try:
            async with asyncio.timeout(self.tuning.gather_timeout_s):
                await pc.setLocalDescription(await pc.createOffer())
        except (TimeoutError, ValueError, OSError) as exc:
            log.warning("call: attempt %d could not make an offer (%s)", number, type(exc).__name__)
            attempt.dead.set()
            return attempt
        sdp = munge_offer_sdp(pc.localDescription.sdp, self.tuning, self.ladder.step)
        if not await self._send(p.SigOffer(call_id=self.call_id or "", attempt=number, sdp=sdp)):
            log.info("call: attempt %d offer not sent: no socket", number)
        return attempt

    async def _close_attempt(self, attempt: _Attempt) -> None:
        """Stops the attempt's heartbeat and readers and closes its peer connection (twice
        is harmless: shutting down closes an attempt whose closing was cancelled)."""
        if attempt.heartbeat is not None:
            await attempt.heartbeat.stop()
        for task in list(attempt.tasks):
            task.cancel()
        await asyncio.gather(*attempt.tasks, return_exceptions=True)
        # Closing waits for the TURN server to confirm releasing the allocation: with the relay
        # gone that takes aioice's whole retry schedule (~30 s). Do not wait for it.
        closing = asyncio.ensure_future(attempt.pc.close())
        self._closing_pcs.add(closing)
        closing.add_done_callback(self._closing_pcs.discard)
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(closing), CLOSE_WAIT_S)
        if self._attempt is attempt:
            self._attempt = None
        if self._speaker is not None:
            self._speaker.clear()

    # ---- the doctor's media --------------------------------------------------------------
    async def _read_video(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            self.remote.count(frame)
            if self.accept_to_first_frame_s is None and self._joined_at is not None:
                self.accept_to_first_frame_s = self.clock() - self._joined_at
            if self._on_remote_frame is not None:
                try:
                    self._on_remote_frame(frame.to_ndarray(format="rgb24"))
                except Exception:
                    log.exception("call: the remote frame handler failed")

    async def _read_audio(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            self.remote.count(frame)
            if self._speaker is not None:
                try:
                    self._speaker.push(frame)
                except (ValueError, av.FFmpegError):  # one frame the resampler refuses
                    log.debug("call: a frame of the doctor's voice was not played")

    # ---- the quality ladder --------------------------------------------------------------
    async def _watch_stats(self, attempt: _Attempt) -> None:
        assert attempt.stats is not None
        while True:
            await asyncio.sleep(self.tuning.stats_interval_s)
            try:
                stats = await attempt.stats.read(attempt.pc)
            except Exception:  # a connection closing under the reader: skip this round
                log.debug("call: statistics not read", exc_info=True)
                continue
            if stats.rtt_s is None and attempt.heartbeat is not None:
                stats.rtt_s = attempt.heartbeat.rtt_s
            self._last_stats = stats
            step = self.ladder.observe(stats.link_sample())
            if step is not None:
                await self._apply_step(attempt, step, stats)

    async def _apply_step(self, attempt: _Attempt, step: Step, stats: CallStats) -> None:
        log.info("call: ladder step %s", step.value)
        if self._video is not None:
            self._video.step = step
        set_video_cap(attempt.pc, self.tuning.ladder[step].max_video_kbps)
        quality = self.ladder.quality
        self._emit(QualityChanged(quality, step, stats.send_kbps, stats.loss))
        await self._send(p.SigLink(call_id=self.call_id or "", quality=quality.value))
        self._tell_doctor_step(attempt)

    def _step_for_doctor(self) -> dict[str, Any]:
        """The ladder step and what it allows the doctor's video (the link is the same both
        ways): the console applies these to its sender, so its numbers live here too."""
        step = self.ladder.step
        bounds = self.tuning.ladder[step]
        return {
            "step": step.value,
            "video": step is not Step.AUDIO_ONLY,
            "video_kbps": receive_video_kbps(self.tuning, step),
            "height": bounds.height,
            "fps": bounds.fps,
        }

    def _tell_doctor_step(self, attempt: _Attempt) -> None:
        if attempt.heartbeat is not None:
            attempt.heartbeat.send({"t": "step", **self._step_for_doctor()})
