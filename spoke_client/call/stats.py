"""Call statistics: what the spoke sends, what the doctor reports losing, what arrives.

:class:`StatsReader` turns successive ``RTCPeerConnection.getStats()`` reports into one
:class:`CallStats` a read: send rates from the byte counters of our outbound streams, loss
and round trip from the doctor's receiver reports on them (``remote-inbound-rtp``), and the
doctor's bitrate estimate from the VP8 encoder (see ``tuning.video_estimate_kbps``).

aiortc's inbound statistics count packets, not decoded frames, so the frames the spoke
receives are counted by whoever reads the doctor's tracks: the call hands each frame to a
:class:`RemoteMediaCounter`, which the reader reports from.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiortc import RTCPeerConnection

from spoke_client.call.ladder import LinkSample
from spoke_client.call.tuning import video_estimate_kbps, video_target_kbps

#: No receiver report on any of our streams for this long, while sending: count it all lost.
REPORTS_STALE_S = 5.0


@dataclass
class CallStats:
    at: float  # monotonic seconds
    audio_send_kbps: float
    video_send_kbps: float
    send_kbps: float
    loss: float  # 0..1: the doctor's latest receiver reports on our audio and video
    rtt_s: float | None
    available_kbps: float | None  # the doctor's bitrate estimate for our video (REMB)
    remote_video_frames: int  # doctor's video frames received so far
    remote_audio_frames: int
    remote_video_size: tuple[int, int] | None  # (width, height) of the latest one
    video_target_kbps: float | None = None  # what VP8 aims at now (estimate and cap applied)

    def link_sample(self) -> LinkSample:
        """The part of these statistics the quality ladder decides on."""
        return LinkSample(
            at=self.at,
            loss=self.loss,
            rtt_s=self.rtt_s,
            available_kbps=self.available_kbps,
            send_kbps=self.send_kbps,
        )


class RemoteMediaCounter:
    """Counts the doctor's frames as the call reads them from its tracks."""

    def __init__(self) -> None:
        self.video_frames = 0
        self.audio_frames = 0
        self.video_size: tuple[int, int] | None = None

    def count(self, frame: Any) -> None:
        """Count one frame received from the doctor (``av.VideoFrame`` or ``AudioFrame``)."""
        if hasattr(frame, "width") and hasattr(frame, "height"):
            self.video_frames += 1
            self.video_size = (frame.width, frame.height)
        else:
            self.audio_frames += 1


@dataclass
class _Report:
    at: Any  # the stats entry's timestamp (datetime)
    seen: float  # monotonic time we first saw this report


class StatsReader:
    """Rates and loss from successive ``getStats()`` reports of one peer connection.

    The first read has no earlier counters to compare with and reports rates of 0. A new
    peer connection (a reconnect) needs a new reader."""

    def __init__(
        self,
        remote: RemoteMediaCounter | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.remote = remote if remote is not None else RemoteMediaCounter()
        self._clock = clock
        self._last_at: float | None = None
        self._bytes: dict[str, int] = {}  # outbound stream id -> bytesSent at the last read
        self._reports: dict[str, _Report] = {}  # remote-inbound id -> freshness
        self._loss: dict[str, float] = {}
        self._rtt: dict[str, float] = {}

    async def read(self, pc: RTCPeerConnection) -> CallStats:
        report = await pc.getStats()
        return self.take(report, pc)

    def take(self, report: dict[str, Any], pc: RTCPeerConnection | None = None) -> CallStats:
        """Compute statistics from one ``getStats()`` report (``pc`` for the encoder's
        bitrate estimate)."""
        now = self._clock()
        elapsed = None if self._last_at is None else now - self._last_at
        self._last_at = now
        sent_bits = {"audio": 0, "video": 0}
        packets: dict[str, int] = {}
        for entry in report.values():
            kind = getattr(entry, "kind", None)
            if entry.type == "outbound-rtp" and kind in sent_bits:
                before = self._bytes.get(entry.id)
                self._bytes[entry.id] = entry.bytesSent
                if before is not None and entry.bytesSent >= before:
                    sent_bits[kind] += (entry.bytesSent - before) * 8
                packets[kind] = packets.get(kind, 0) + entry.packetsSent
            elif entry.type == "remote-inbound-rtp":
                self._note_report(entry, now)
        if elapsed:
            audio = sent_bits["audio"] / elapsed / 1000
            video = sent_bits["video"] / elapsed / 1000
        else:
            audio = video = 0.0
        return CallStats(
            at=now,
            audio_send_kbps=audio,
            video_send_kbps=video,
            send_kbps=audio + video,
            loss=self._current_loss(now, sending=audio + video > 0),
            rtt_s=max(self._rtt.values()) if self._rtt else None,
            available_kbps=video_estimate_kbps(pc) if pc is not None else None,
            remote_video_frames=self.remote.video_frames,
            remote_audio_frames=self.remote.audio_frames,
            remote_video_size=self.remote.video_size,
            video_target_kbps=video_target_kbps(pc) if pc is not None else None,
        )

    def _note_report(self, entry: Any, now: float) -> None:
        known = self._reports.get(entry.id)
        if known is None or known.at != entry.timestamp:
            self._reports[entry.id] = _Report(at=entry.timestamp, seen=now)
        # RTCP carries the fraction lost since the previous report as n/256.
        self._loss[entry.id] = min(max(entry.fractionLost / 256, 0.0), 1.0)
        if entry.roundTripTime is not None:
            self._rtt[entry.id] = float(entry.roundTripTime)

    def _current_loss(self, now: float, *, sending: bool) -> float:
        if not self._reports:
            return 0.0  # no report yet: the call has just started
        freshest = max(r.seen for r in self._reports.values())
        if sending and now - freshest > REPORTS_STALE_S:
            return 1.0  # the doctor stopped reporting: nothing of ours arrives
        return max(self._loss.values())
