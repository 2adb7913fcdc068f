"""Every change the live consult makes to aiortc's behaviour, in one place.

aiortc's defaults suit a LAN: VP8 between 250 kbps and 1.5 Mbps starting at 500 kbps, Opus
at a fixed 96 kbps stereo, a VP8 keyframe only every 3000 frames (over three minutes at 15
fps). A spoke on 2G/3G has 100–400 kbps up, so :func:`apply_aiortc_overrides` changes these
bounds, :func:`munge_offer_sdp` asks the doctor's browser to send little, and
:func:`set_video_cap` holds the VP8 encoder to the current ladder step.

Hook points in aiortc (1.16), all set up by :func:`apply_aiortc_overrides`:

- ``aiortc.codecs.vpx`` module constants ``MIN_BITRATE`` / ``DEFAULT_BITRATE`` /
  ``MAX_BITRATE``, which ``Vp8Encoder`` reads each time it is built or its target moves.
- ``aiortc.codecs.Vp8Encoder`` and ``aiortc.codecs.OpusEncoder``, the names
  ``aiortc.codecs.get_encoder`` looks up when a sender meets its first frame: replaced by
  :class:`TunedVp8Encoder` (ladder cap, keyframe interval) and :class:`TunedOpusEncoder`
  (mono, our bitrate, in-band FEC).
- ``RTCRtpSender._RTCRtpSender__encoder``, the sender's private encoder slot: made a
  property so an encoder the sender creates picks up the cap :func:`set_video_cap` left
  on that sender, before the first frame is encoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import aiortc.codecs
import aiortc.codecs.vpx
from aiortc import RTCPeerConnection, RTCRtpSender
from aiortc.codecs.opus import SAMPLE_RATE, SAMPLES_PER_FRAME, OpusEncoder
from aiortc.codecs.vpx import Vp8Encoder, VpxPayloadDescriptor
from av import AudioResampler

from spoke_client.call.events import Step


@dataclass(frozen=True)
class StepBounds:
    """The picture size, frame rate and VP8 bitrate ceiling of one ladder step."""

    width: int
    height: int
    fps: float
    max_video_kbps: int


def _default_ladder() -> dict[Step, StepBounds]:
    return {
        # A talking head at 640x480@15 looks clean in VP8 from about 300 kbps; 350 leaves
        # room for motion without pushing a 3G uplink (often 400–600 kbps) into its queue.
        Step.VGA_15: StepBounds(640, 480, 15, 350),
        # A quarter of the pixels at the same rate: about 150 kbps, what a fair 3G link or
        # a good EDGE cell can carry next to Opus.
        Step.QVGA_15: StepBounds(320, 240, 15, 150),
        # Halving the frame rate roughly halves the bits; 70 kbps keeps faces readable on
        # a weak 2G/EDGE link (~100 kbps) with Opus beside it.
        Step.QVGA_8: StepBounds(320, 240, 8, 70),
        # Voice only: the doctor can still take the history.
        Step.AUDIO_ONLY: StepBounds(0, 0, 0, 0),
    }


@dataclass(frozen=True)
class CallTuning:
    """Bitrates and timings of the live consult (see ``docs/call.md``)."""

    ladder: dict[Step, StepBounds] = field(default_factory=_default_ladder)
    #: VP8's floor. aiortc's is 250 kbps, more than a 2G link carries at all.
    video_min_kbps: int = 50
    #: Where VP8 starts before the doctor's bitrate estimate arrives. aiortc starts at 500
    #: kbps, which floods a 3G uplink for the first seconds of every (re)connection.
    video_start_kbps: int = 120
    #: What the spoke's Opus encoder sends (mono). aiortc's is a fixed 96 kbps stereo.
    opus_kbps: int = 20
    #: What the spoke asks the doctor's browser to send at most (Opus fmtp).
    opus_max_kbps: int = 24
    #: Bound on the doctor's video towards the spoke (``b=AS`` in our offer): the spoke's
    #: downlink is the same weak cell.
    receive_video_kbps: int = 300
    #: Packet loss (percent) Opus plans its in-band FEC for.
    opus_expected_loss_pct: int = 10
    #: A VP8 keyframe at least this often, so a decoder that lost a packet recovers by
    #: itself even when the picture-loss request is lost too.
    keyframe_interval_s: float = 3.0
    heartbeat_interval_s: float = 1.0
    dead_after_s: float = 4.0
    attempt_timeout_s: float = 6.0
    gather_timeout_s: float = 5.0
    stats_interval_s: float = 1.0

    @property
    def video_max_kbps(self) -> int:
        """The highest VP8 bitrate any ladder step asks for."""
        return max(bounds.max_video_kbps for bounds in self.ladder.values())

    def need_kbps(self, step: Step) -> float:
        """What a step sends at most: its video ceiling plus Opus."""
        return self.ladder[step].max_video_kbps + self.opus_kbps


DEFAULT_TUNING = CallTuning()


class TunedVp8Encoder(Vp8Encoder):
    """aiortc's VP8 encoder with a ceiling for the current ladder step, a keyframe at least
    every ``keyframe_interval_s``, and frames skipped when the output runs more than
    ``burst_s`` ahead of the target bitrate.

    aiortc sets ``target_bitrate`` from the doctor's bitrate estimate (REMB). Here that
    estimate is kept as :attr:`estimate_bps` and the encoder aims at the lower of it and
    :attr:`cap_bps`, so the ladder's ceiling holds whatever the estimate says."""

    keyframe_interval_s: float = DEFAULT_TUNING.keyframe_interval_s
    #: Seconds of target bitrate the encoder may run ahead before it skips frames.
    burst_s: float = 0.5

    def __init__(self) -> None:
        self.estimate_bps: int | None = None
        self.cap_bps: int | None = None
        self.keyframes = 0
        self.skipped = 0
        self._last_keyframe_s: float | None = None
        self._bucket_bits = 0.0  # bits sent and not yet drained at the target rate
        self._bucket_at: float | None = None
        self._keyframe_pending = False
        super().__init__()

    @property
    def target_bitrate(self) -> int:
        return Vp8Encoder.target_bitrate.fget(self)

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        # Called by aiortc's sender with each REMB; Vp8Encoder's own setter clamps to the
        # module bounds set in apply_aiortc_overrides.
        self.estimate_bps = int(bitrate)
        self._aim()

    def set_cap(self, cap_bps: int | None) -> None:
        self.cap_bps = cap_bps
        self._aim(now=True)

    def _aim(self, now: bool = False) -> None:
        vpx = aiortc.codecs.vpx
        wanted = self.estimate_bps
        if wanted is None:
            wanted = vpx.DEFAULT_BITRATE
        if self.cap_bps is not None:
            wanted = min(wanted, self.cap_bps)
        wanted = max(vpx.MIN_BITRATE, min(wanted, vpx.MAX_BITRATE))
        current = self.target_bitrate
        # aiortc rebuilds the encoder (and so sends a keyframe) whenever the target moves by
        # more than 10 %. Estimates wobble by that much every second; a keyframe costs
        # several frames' bits. Follow the estimate down at once when it drops by 15 %, up
        # only by steps of 30 %.
        if not now and self.codec is not None and 0.85 * current <= wanted <= 1.3 * current:
            return
        Vp8Encoder.target_bitrate.fset(self, wanted)

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], Any]:
        timed = frame.pts is not None and frame.time_base is not None
        at = float(frame.pts * frame.time_base) if timed else None
        self._drain(at)
        if force_keyframe or (
            at is not None
            and (
                self._last_keyframe_s is None
                or at < self._last_keyframe_s
                or at - self._last_keyframe_s >= self.keyframe_interval_s
            )
        ):
            self._keyframe_pending = True
        if self._bucket_bits > self.target_bitrate * self.burst_s:
            # libvpx cannot go below its coarsest quantiser: on a busy picture it overshoots
            # a low target many times over. Skipping frames (a keyframe that is due waits
            # for the next frame sent) is what keeps the cap.
            self.skipped += 1
            return [], None
        payloads, timestamp = super().encode(frame, self._keyframe_pending)
        self._keyframe_pending = False
        if payloads and _is_keyframe(payloads[0]):
            self._last_keyframe_s = at
            self.keyframes += 1
        self._bucket_bits += 8 * sum(len(p) for p in payloads)
        return payloads, timestamp

    def _drain(self, at: float | None) -> None:
        """Let the bits sent so far drain at the target rate up to source time ``at``."""
        if at is None:
            return
        if self._bucket_at is not None and at > self._bucket_at:
            drained = (at - self._bucket_at) * self.target_bitrate
            self._bucket_bits = max(0.0, self._bucket_bits - drained)
        self._bucket_at = at


def _is_keyframe(payload: bytes) -> bool:
    """Whether an RTP payload starting a VP8 frame carries a keyframe (RFC 6386: bit 0 of
    the frame tag is 0 for keyframes)."""
    descriptor, data = VpxPayloadDescriptor.parse(payload)
    return bool(descriptor.partition_start and data and not data[0] & 1)


class TunedOpusEncoder(OpusEncoder):
    """aiortc's Opus encoder sending mono at ``bitrate_bps`` with in-band FEC, instead of
    96 kbps stereo (a microphone on a desk gives nothing stereo is worth 4x the bits for)."""

    bitrate_bps: int = DEFAULT_TUNING.opus_kbps * 1000
    expected_loss_pct: int = DEFAULT_TUNING.opus_expected_loss_pct

    def __init__(self) -> None:
        super().__init__()
        # The codec opens on the first frame, so these still take effect.
        self.codec.bit_rate = self.bitrate_bps
        self.codec.layout = "mono"
        self.codec.options = {
            "application": "voip",
            "fec": "1",
            "packet_loss": str(self.expected_loss_pct),
            "vbr": "constrained",
        }
        self.resampler = AudioResampler(
            format="s16", layout="mono", rate=SAMPLE_RATE, frame_size=SAMPLES_PER_FRAME
        )


_CAP_ATTR = "_spoke_video_cap_bps"
_ENCODER_ATTR = "_spoke_encoder"


def _sender_encoder_get(sender: RTCRtpSender) -> Any:
    return sender.__dict__.get(_ENCODER_ATTR)


def _sender_encoder_set(sender: RTCRtpSender, encoder: Any) -> None:
    sender.__dict__[_ENCODER_ATTR] = encoder
    if isinstance(encoder, TunedVp8Encoder):
        encoder.set_cap(sender.__dict__.get(_CAP_ATTR))


def apply_aiortc_overrides(tuning: CallTuning = DEFAULT_TUNING) -> None:
    """Make aiortc's encoders fit a 2G/3G uplink. Idempotent; call before the first
    peer connection (later calls change the bounds for encoders built afterwards)."""
    vpx = aiortc.codecs.vpx
    # aiortc: 250 kbps floor. A 2G/EDGE link carries ~100 kbps in all; at 50 kbps VP8 still
    # gives a recognisable QVGA picture at a low frame rate.
    vpx.MIN_BITRATE = tuning.video_min_kbps * 1000
    # aiortc: starts at 500 kbps. Starting low and letting the doctor's estimate raise it
    # avoids a burst of loss at the start of every connection.
    vpx.DEFAULT_BITRATE = tuning.video_start_kbps * 1000
    # aiortc: up to 1.5 Mbps. The best ladder step never needs more than its own ceiling.
    vpx.MAX_BITRATE = max(tuning.video_max_kbps, tuning.video_min_kbps) * 1000
    # aiortc: a keyframe every 3000 frames (kf_max_dist); see TunedVp8Encoder.encode.
    TunedVp8Encoder.keyframe_interval_s = tuning.keyframe_interval_s
    # aiortc: Opus fixed at 96 kbps stereo.
    TunedOpusEncoder.bitrate_bps = tuning.opus_kbps * 1000
    TunedOpusEncoder.expected_loss_pct = tuning.opus_expected_loss_pct
    # get_encoder() looks these names up in aiortc.codecs at call time.
    aiortc.codecs.Vp8Encoder = TunedVp8Encoder
    aiortc.codecs.OpusEncoder = TunedOpusEncoder
    # The sender stores its encoder in a private slot; a property there lets a new encoder
    # pick up the cap set on its sender before the encoder existed.
    slot = "_RTCRtpSender__encoder"
    if not isinstance(RTCRtpSender.__dict__.get(slot), property):
        setattr(RTCRtpSender, slot, property(_sender_encoder_get, _sender_encoder_set))


def sender_encoder(sender: RTCRtpSender) -> Any:
    """The encoder a sender uses now (None before its first frame)."""
    return getattr(sender, "_RTCRtpSender__encoder", None)


def _video_senders(pc_or_sender: RTCPeerConnection | RTCRtpSender) -> list[RTCRtpSender]:
    if isinstance(pc_or_sender, RTCRtpSender):
        return [pc_or_sender] if pc_or_sender.kind == "video" else []
    return [s for s in pc_or_sender.getSenders() if s.kind == "video"]


def set_video_cap(pc_or_sender: RTCPeerConnection | RTCRtpSender, kbps: float) -> None:
    """Hold the VP8 encoder of a peer connection's (or one sender's) video at most at
    ``kbps`` (never below the VP8 floor), however high the doctor's estimate goes.

    Works before the encoder exists (it is created on the first frame) once
    :func:`apply_aiortc_overrides` has run."""
    cap_bps = int(kbps * 1000)
    for sender in _video_senders(pc_or_sender):
        sender.__dict__[_CAP_ATTR] = cap_bps
        encoder = sender_encoder(sender)
        if isinstance(encoder, TunedVp8Encoder):
            encoder.set_cap(cap_bps)


def video_estimate_kbps(pc_or_sender: RTCPeerConnection | RTCRtpSender) -> float | None:
    """The doctor's latest bitrate estimate (REMB) for our video, before the ladder cap;
    None until one arrived or without the overrides."""
    for sender in _video_senders(pc_or_sender):
        encoder = sender_encoder(sender)
        if isinstance(encoder, TunedVp8Encoder) and encoder.estimate_bps is not None:
            return encoder.estimate_bps / 1000
    return None


def video_target_kbps(pc_or_sender: RTCPeerConnection | RTCRtpSender) -> float | None:
    """What the VP8 encoder aims at now (estimate and cap applied); None before it exists."""
    for sender in _video_senders(pc_or_sender):
        encoder = sender_encoder(sender)
        if encoder is not None and hasattr(encoder, "target_bitrate"):
            return encoder.target_bitrate / 1000
    return None


_RTPMAP = re.compile(r"^a=rtpmap:(\d+) opus/48000", re.IGNORECASE)


def munge_offer_sdp(sdp: str, tuning: CallTuning = DEFAULT_TUNING, step: Step | None = None) -> str:
    """The offer as sent to the doctor: the Opus ``fmtp`` asks the browser for mono Opus at
    most ``opus_max_kbps`` with in-band FEC, and ``b=AS`` on the video section bounds the
    doctor's video to ``receive_video_kbps``, or lower for a ``step`` the link was found to
    carry no more than (:func:`receive_video_kbps`): a reconnect on a weak link must not
    start with the browser's full-rate picture. Everything else is left as it was."""
    newline = "\r\n" if "\r\n" in sdp else "\n"
    lines = sdp.split(newline)
    trailing = lines and lines[-1] == ""
    if trailing:
        lines = lines[:-1]
    wanted = {
        "maxaveragebitrate": str(tuning.opus_max_kbps * 1000),
        "stereo": "0",
        "sprop-stereo": "0",
        "useinbandfec": "1",
    }
    sections: list[list[str]] = [[]]
    for line in lines:
        if line.startswith("m="):
            sections.append([])
        sections[-1].append(line)
    out: list[str] = list(sections[0])
    for section in sections[1:]:
        if section[0].startswith("m=audio"):
            section = _munge_opus(section, wanted)
        elif section[0].startswith("m=video"):
            section = _with_bandwidth(section, receive_video_kbps(tuning, step))
        out.extend(section)
    return newline.join(out) + (newline if trailing else "")


def receive_video_kbps(tuning: CallTuning, step: Step | None) -> int:
    """What the doctor may send us at ``step``: the step's own ceiling (the link carries the
    same both ways), at most ``receive_video_kbps``; at audio only the browser's floor, until
    the step (sent with every heartbeat ping) turns the doctor's camera off."""
    if step is None:
        return tuning.receive_video_kbps
    if step is Step.AUDIO_ONLY:
        return RECEIVE_VIDEO_FLOOR_KBPS
    return min(tuning.receive_video_kbps, tuning.ladder[step].max_video_kbps)


#: Chromium does not send video below about 30 kbps.
RECEIVE_VIDEO_FLOOR_KBPS = 30


def _munge_opus(section: list[str], wanted: dict[str, str]) -> list[str]:
    payload_types = [m.group(1) for line in section if (m := _RTPMAP.match(line))]
    section = list(section)
    for pt in payload_types:
        prefix = f"a=fmtp:{pt} "
        index = next((i for i, line in enumerate(section) if line.startswith(prefix)), None)
        params: dict[str, str] = {}
        if index is not None:
            for item in section[index][len(prefix) :].split(";"):
                key, _, value = item.strip().partition("=")
                if key:
                    params[key] = value
        params.update(wanted)
        line = prefix + ";".join(f"{k}={v}" for k, v in params.items())
        if index is not None:
            section[index] = line
        else:
            rtpmap = next(i for i, x in enumerate(section) if x.startswith(f"a=rtpmap:{pt} "))
            section.insert(rtpmap + 1, line)
    return section


def _with_bandwidth(section: list[str], kbps: int) -> list[str]:
    section = [line for line in section if not line.startswith("b=AS:")]
    # SDP order inside a media section: m= i= c= b= ... a=
    at = 1
    while at < len(section) and section[at][:2] in ("i=", "c="):
        at += 1
    section.insert(at, f"b=AS:{kbps}")
    return section
