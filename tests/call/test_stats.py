"""Call statistics: rates from byte counters, loss and round trip from receiver reports,
and the doctor's frames, on synthetic reports and on a real loopback call."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiortc.mediastreams import MediaStreamError
from aiortc.stats import (
    RTCOutboundRtpStreamStats,
    RTCRemoteInboundRtpStreamStats,
    RTCStatsReport,
)

from spoke_client.call.events import Step
from spoke_client.call.scaled_track import LadderVideoTrack
from spoke_client.call.stats import REPORTS_STALE_S, RemoteMediaCounter, StatsReader
from spoke_client.call.tuning import set_video_cap
from tests.call.conftest import camera_track, microphone_track

T0 = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def outbound(kind: str, sent: int, packets: int) -> RTCOutboundRtpStreamStats:
    return RTCOutboundRtpStreamStats(
        timestamp=T0,
        type="outbound-rtp",
        id=f"outbound-rtp_{kind}",
        ssrc=1,
        kind=kind,
        transportId="t",
        packetsSent=packets,
        bytesSent=sent,
        trackId=kind,
    )


def remote_inbound(kind: str, at: datetime, fraction: int, rtt: float | None):
    return RTCRemoteInboundRtpStreamStats(
        timestamp=at,
        type="remote-inbound-rtp",
        id=f"remote-inbound-rtp_{kind}",
        ssrc=1,
        kind=kind,
        transportId="t",
        packetsReceived=0,
        packetsLost=0,
        jitter=0,
        roundTripTime=rtt,
        fractionLost=fraction,
    )


def report(*entries) -> RTCStatsReport:
    result = RTCStatsReport()
    for entry in entries:
        result.add(entry)
    return result


def test_rates_loss_and_round_trip_from_successive_reports():
    clock = Clock()
    reader = StatsReader(clock=clock)
    first = reader.take(report(outbound("audio", 1000, 10), outbound("video", 5000, 10)))
    assert (first.send_kbps, first.loss, first.rtt_s) == (0.0, 0.0, None)

    clock.now += 2.0
    second = reader.take(
        report(
            outbound("audio", 1000 + 5000, 110),  # 40 kbit in 2 s
            outbound("video", 5000 + 25_000, 150),  # 200 kbit in 2 s
            remote_inbound("audio", T0, 0, 0.21),
            remote_inbound("video", T0, 64, 0.25),  # 64/256 of the last interval lost
        )
    )
    assert second.audio_send_kbps == pytest.approx(20)
    assert second.video_send_kbps == pytest.approx(100)
    assert second.send_kbps == pytest.approx(120)
    assert second.loss == pytest.approx(0.25)
    assert second.rtt_s == pytest.approx(0.25)
    sample = second.link_sample()
    assert (sample.at, sample.loss, sample.send_kbps) == (clock.now, second.loss, 120)

    # The doctor's reports stop while we keep sending: everything counts as lost.
    clock.now += REPORTS_STALE_S + 1
    stale = reader.take(
        report(
            outbound("audio", 20_000, 400),
            outbound("video", 90_000, 500),
            remote_inbound("audio", T0, 0, 0.21),
            remote_inbound("video", T0, 64, 0.25),
        )
    )
    assert stale.loss == 1.0
    clock.now += 1
    fresh = reader.take(
        report(
            outbound("audio", 21_000, 450),
            outbound("video", 95_000, 520),
            remote_inbound("video", T0 + timedelta(seconds=8), 3, 0.3),
        )
    )
    assert fresh.loss == pytest.approx(3 / 256)  # each stream by its latest report


def test_remote_media_counter_counts_by_kind():
    import av
    import numpy as np

    counter = RemoteMediaCounter()
    counter.count(av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24"))
    counter.count(av.AudioFrame(format="s16", layout="mono", samples=960))
    assert (counter.video_frames, counter.audio_frames, counter.video_size) == (1, 1, (64, 48))


async def test_stats_of_a_live_call(overrides, loopback):
    remote = RemoteMediaCounter()
    tasks: list[asyncio.Task] = []

    async def drain(track) -> None:
        try:
            while True:
                remote.count(await track.recv())
        except MediaStreamError:
            pass

    def on_track(track) -> None:
        tasks.append(asyncio.ensure_future(drain(track)))

    call = await loopback(
        video=LadderVideoTrack(camera_track(), step=Step.QVGA_15),
        audio=microphone_track(),
        doctor_video=camera_track(width=320, height=240),
        doctor_audio=microphone_track(),
        on_spoke_track=on_track,
    )
    try:
        set_video_cap(call.spoke, 150)
        reader = StatsReader(remote)
        readings = []
        for _ in range(6):
            await asyncio.sleep(1.0)
            readings.append(await reader.read(call.spoke))
        last = readings[-1]
        print("stats:", last)
        assert 2 <= last.audio_send_kbps <= 28  # constrained VBR: a steady tone costs little
        assert 20 <= last.video_send_kbps <= 190
        assert last.send_kbps == pytest.approx(last.audio_send_kbps + last.video_send_kbps)
        assert last.loss <= 0.05
        assert last.rtt_s is not None and 0 <= last.rtt_s < 0.5
        assert last.available_kbps is not None and last.available_kbps > 0
        assert last.video_target_kbps is not None and last.video_target_kbps <= 150
        assert last.remote_video_frames >= 40 and last.remote_video_size == (320, 240)
        assert last.remote_audio_frames >= 150
        assert [r.remote_video_frames for r in readings] == sorted(
            r.remote_video_frames for r in readings
        )
    finally:
        for task in tasks:
            task.cancel()
