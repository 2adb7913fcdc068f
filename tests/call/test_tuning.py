"""The aiortc overrides and the ladder's video track, measured on a real loopback call.

Rates are payload bytes counted by aiortc's ``outbound-rtp`` statistics (``bytesSent``);
keyframes are counted by the doctor's decoder. aiortc's own defaults are measured the same
way in a separate process (the overrides cannot be undone inside one).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time
from itertools import pairwise
from pathlib import Path

import aiortc.codecs
import av
import pytest
from aiortc import RTCPeerConnection, RTCRtpCodecParameters, RTCSessionDescription
from aiortc.sdp import SessionDescription

from spoke_client.call.events import Step
from spoke_client.call.scaled_track import BLANK_SIZE, LadderVideoTrack, fit_size
from spoke_client.call.tuning import (
    DEFAULT_TUNING,
    CallTuning,
    TunedOpusEncoder,
    TunedVp8Encoder,
    apply_aiortc_overrides,
    munge_offer_sdp,
    set_video_cap,
    video_estimate_kbps,
    video_target_kbps,
)
from tests.call.conftest import camera_track, microphone_track, send_rate_kbps

REPO = Path(__file__).resolve().parents[2]

BROWSER_OFFER_AUDIO = (
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\nb=AS:2000\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
)


def _section(sdp: str, kind: str) -> str:
    start = sdp.index(f"m={kind}")
    end = sdp.find("\r\nm=", start)
    return sdp[start : end if end > 0 else len(sdp)]


def test_munge_merges_the_opus_fmtp_and_bounds_video():
    munged = munge_offer_sdp(BROWSER_OFFER_AUDIO, DEFAULT_TUNING)
    audio, video = _section(munged, "audio"), _section(munged, "video")
    assert (
        "a=fmtp:111 minptime=10;useinbandfec=1;maxaveragebitrate=24000;stereo=0;sprop-stereo=0"
        in audio
    )
    assert audio.count("a=fmtp:111") == 1
    assert "b=AS" not in audio
    assert video.count("b=AS:") == 1
    assert f"b=AS:{DEFAULT_TUNING.receive_video_kbps}\r\n" in video
    assert video.index("c=IN") < video.index("b=AS") < video.index("a=rtpmap")
    assert munge_offer_sdp(munged, DEFAULT_TUNING) == munged  # idempotent
    assert munged.endswith("\r\n")


def test_a_reconnect_on_a_low_step_asks_the_doctor_for_less_video():
    at = {
        step: _section(munge_offer_sdp(BROWSER_OFFER_AUDIO, DEFAULT_TUNING, step), "video")
        for step in Step
    }
    assert f"b=AS:{DEFAULT_TUNING.receive_video_kbps}\r\n" in at[Step.VGA_15]
    assert f"b=AS:{DEFAULT_TUNING.ladder[Step.QVGA_8].max_video_kbps}\r\n" in at[Step.QVGA_8]
    assert "b=AS:30\r\n" in at[Step.AUDIO_ONLY]


async def test_munged_aiortc_offer_is_accepted_and_carries_the_fmtp(overrides):
    spoke, doctor = RTCPeerConnection(), RTCPeerConnection()
    try:
        spoke.addTrack(microphone_track())
        spoke.addTrack(camera_track())
        await spoke.setLocalDescription(await spoke.createOffer())
        tuning = CallTuning(opus_max_kbps=16, receive_video_kbps=120)
        munged = munge_offer_sdp(spoke.localDescription.sdp, tuning)
        await doctor.setRemoteDescription(RTCSessionDescription(sdp=munged, type="offer"))
        await doctor.setLocalDescription(await doctor.createAnswer())
        await spoke.setRemoteDescription(doctor.localDescription)

        parsed = SessionDescription.parse(doctor.remoteDescription.sdp)
        opus = next(c for m in parsed.media for c in m.rtp.codecs if c.name == "opus")
        params = {k: str(v) for k, v in opus.parameters.items()}
        assert params["maxaveragebitrate"] == "16000"
        assert params["stereo"] == "0"
        assert params["useinbandfec"] == "1"
        assert "b=AS:120" in _section(munged, "video")  # aiortc itself ignores b= lines
    finally:
        await spoke.close()
        await doctor.close()


async def test_opus_and_keyframes_on_the_wire(overrides, loopback, doctor_keyframes):
    call = await loopback(video=camera_track(), audio=microphone_track())
    await asyncio.sleep(1.5)
    started = time.monotonic()
    audio_kbps = await send_rate_kbps(call.spoke, "audio", 6.0)
    keyframes = [t for t in doctor_keyframes if t >= started]
    gaps = [b - a for a, b in pairwise([started, *keyframes, time.monotonic()])]
    print(f"opus {audio_kbps:.1f} kbps; keyframe gaps {[round(g, 2) for g in gaps]}")
    assert 10 <= audio_kbps <= 28  # 20 kbps target; aiortc's own 96 kbps shows > 40 below
    assert len(keyframes) >= 2
    assert max(gaps) <= 4.5


BASELINE = textwrap.dedent(
    """
    import asyncio, json, time
    import aiortc.codecs
    from tests.call.conftest import (
        camera_track, connect, keyframe_counting_decoder, microphone_track, send_rate_kbps)

    async def main():
        keys = []
        aiortc.codecs.Vp8Decoder = keyframe_counting_decoder(keys)
        call = await connect(camera_track(), microphone_track())
        await asyncio.sleep(1.5)
        started = time.monotonic()
        audio = await send_rate_kbps(call.spoke, "audio", 5.0)
        video = await send_rate_kbps(call.spoke, "video", 1.0)
        late = [t for t in keys if t >= started]
        await call.close()
        print(json.dumps({"audio": audio, "video": video, "keyframes": len(late)}))

    asyncio.run(main())
    """
)


def test_without_the_overrides_aiortc_sends_far_more():
    """The same measurements with aiortc untouched, to show the tests above can fail."""
    result = subprocess.run(
        [sys.executable, "-c", BASELINE], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    numbers = json.loads(result.stdout.strip().splitlines()[-1])
    print("aiortc defaults:", numbers)
    assert numbers["audio"] > 40
    # aiortc's keyframes come only from encoder rebuilds (its bitrate moving by > 10 %) and
    # picture-loss requests, so their count here varies: reported, not asserted.


async def test_video_cap_holds_above_the_estimate(overrides, loopback):
    camera = camera_track()
    spoke_pc_probe = RTCPeerConnection()  # set_video_cap on a pc without video is a no-op
    set_video_cap(spoke_pc_probe, 60)
    await spoke_pc_probe.close()

    call = await loopback(video=camera, audio=microphone_track())
    set_video_cap(call.spoke, 60)  # before the encoder exists: it picks the cap up
    await asyncio.sleep(2.5)
    capped = await send_rate_kbps(call.spoke, "video", 4.0)
    estimate = video_estimate_kbps(call.spoke)
    print(f"capped at 60: {capped:.1f} kbps sent, estimate {estimate} kbps")
    assert capped <= 80
    assert video_target_kbps(call.spoke) == pytest.approx(60)
    assert estimate is not None and estimate > 60  # the doctor's estimate said more

    set_video_cap(call.spoke, 250)  # now the estimate (rising 8 % a second) leads
    await asyncio.sleep(3.0)
    opened = await send_rate_kbps(call.spoke, "video", 3.0)
    print(f"cap raised to 250: {opened:.1f} kbps sent")
    assert opened > 1.25 * capped


async def test_ladder_track_steps_on_a_live_call(overrides, loopback):
    track = LadderVideoTrack(camera_track(), step=Step.QVGA_8)
    call = await loopback(video=track, audio=microphone_track())
    set_video_cap(call.spoke, DEFAULT_TUNING.ladder[Step.QVGA_8].max_video_kbps)
    await asyncio.sleep(2.0)
    started = time.monotonic()
    await asyncio.sleep(4.0)
    frames = call.doctor.frames_since(started)
    fps = len(frames) / (time.monotonic() - started)
    print(f"QVGA_8: {fps:.1f} fps, sizes {sorted({f[1:3] for f in frames})}")
    assert {f[1:3] for f in frames} == {(320, 240)}
    assert 6.0 <= fps <= 9.5

    track.step = Step.AUDIO_ONLY
    await asyncio.sleep(1.5)
    started = time.monotonic()
    video_kbps = await send_rate_kbps(call.spoke, "video", 3.0)
    frames = call.doctor.frames_since(started)
    print(f"audio only: {len(frames)} frames, {video_kbps:.2f} kbps")
    assert {f[1:3] for f in frames} <= {BLANK_SIZE}
    assert 1 <= len(frames) <= 5
    assert video_kbps < 5


def test_estimate_above_the_cap_leaves_the_target_at_the_cap(overrides):
    encoder = aiortc.codecs.get_encoder(
        RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=97)
    )
    assert isinstance(encoder, TunedVp8Encoder)
    assert encoder.target_bitrate == DEFAULT_TUNING.video_start_kbps * 1000  # not 500 kbps
    encoder.set_cap(150_000)
    encoder.target_bitrate = 900_000  # what aiortc's sender does with a REMB of 900 kbps
    assert encoder.target_bitrate == 150_000
    assert encoder.estimate_bps == 900_000
    encoder.target_bitrate = 30_000  # below the floor: aiortc's own clamp, at our floor
    assert encoder.target_bitrate == DEFAULT_TUNING.video_min_kbps * 1000
    encoder.set_cap(None)
    encoder.target_bitrate = 900_000
    assert encoder.target_bitrate == DEFAULT_TUNING.video_max_kbps * 1000
    opus = aiortc.codecs.get_encoder(
        RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=96)
    )
    assert isinstance(opus, TunedOpusEncoder)
    assert opus.codec.bit_rate == DEFAULT_TUNING.opus_kbps * 1000


def test_fit_size_keeps_the_aspect_and_never_upscales():
    assert fit_size(640, 480, 320, 240) == (320, 240)
    assert fit_size(1280, 720, 640, 480) == (640, 360)
    assert fit_size(320, 240, 640, 480) == (320, 240)
    assert fit_size(641, 481, 320, 240) == (318, 240)


async def test_ladder_track_keeps_time_moving_forward_across_steps():
    camera = camera_track(fps=30, width=320, height=240)
    track = LadderVideoTrack(camera, step=Step.QVGA_15)
    frames: list[av.VideoFrame] = []
    try:
        for step, count in [
            (Step.QVGA_15, 6),
            (Step.QVGA_8, 4),
            (Step.AUDIO_ONLY, 2),
            (Step.VGA_15, 4),
        ]:
            track.step = step
            for _ in range(count):
                frames.append(await asyncio.wait_for(track.recv(), 3.0))
        track.camera_off = True
        blank = await asyncio.wait_for(track.recv(), 3.0)
    finally:
        track.stop()
    assert camera.readyState == "live"  # the camera outlives one connection's track
    camera.stop()
    pts = [f.pts for f in frames]
    assert pts == sorted(pts) and len(set(pts)) == len(pts)
    seconds = [float(f.pts * f.time_base) for f in frames]
    assert seconds[1] - seconds[0] == pytest.approx(1 / 15, abs=0.01)  # 30 fps source, 15 out
    assert seconds[7] - seconds[6] == pytest.approx(1 / 8, abs=0.04)
    assert [(f.width, f.height) for f in frames[10:12]] == [BLANK_SIZE] * 2
    assert (frames[-1].width, frames[-1].height) == (320, 240)  # never upscaled
    assert blank.pts > frames[-1].pts and (blank.width, blank.height) == BLANK_SIZE
    assert blank.to_ndarray(format="gray").max() <= 20  # black, not the camera
    apply_aiortc_overrides()  # idempotent: a second call changes nothing
