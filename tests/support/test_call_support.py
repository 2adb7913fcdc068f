"""Self-tests of the call tests' parts: generated media, Chromium as the doctor (fake camera and
microphone, WebRTC to aiortc, the console driver on a stand-in page), coturn on loopback, the
UDP impairment proxy, and the whole relay chain aiortc -> proxy -> coturn -> aiortc."""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import http.server
import socket
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    RTCSessionDescription,
)

from tests.support.doctor_browser import DoctorBrowser, LoginFailed
from tests.support.media_files import (
    bar_frame,
    dominant_frequency,
    frames_differ,
    make_camera_video,
    mean_brightness,
    read_y4m,
    write_wav,
    write_y4m,
)
from tests.support.netfault import LoopThread
from tests.support.turn import TurnServer, stun_binding
from tests.support.udp_impair import UdpImpairment

REPO = Path(__file__).resolve().parents[2]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


# ---- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("call-media")
    write_y4m(folder)
    write_wav(folder)
    return folder


class Pages:
    """A tiny HTTP server on loopback serving fixed pages by path."""

    def __init__(self, pages: dict[str, str]) -> None:
        routes = pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body = routes.get(self.path.split("?")[0])
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def pages() -> Iterator[Pages]:
    served = Pages({"/probe": PROBE_PAGE, "/answer": ANSWER_PAGE, "/console/": CONSOLE_PAGE})
    yield served
    served.close()


@pytest.fixture(scope="module")
def doctor(media) -> Iterator[DoctorBrowser]:
    with DoctorBrowser(media, name="support-selftest") as browser:
        yield browser


@pytest.fixture
def engine_loop() -> Iterator[LoopThread]:
    """An asyncio loop in a thread, as the spoke's engine runs aiortc."""
    thread = LoopThread("test-engine")
    yield thread
    thread.stop()


# ---- generated media ---------------------------------------------------------------------------
def test_y4m_is_bright_moving_and_well_formed(tmp_path):
    path = write_y4m(tmp_path, size=(320, 240), fps=15, seconds=2)
    assert path.read_bytes().startswith(b"YUV4MPEG2 W320 H240 F15:1 Ip A1:1 C420jpeg\n")
    lumas = read_y4m(path)
    assert len(lumas) == 30
    assert path.stat().st_size == len(b"YUV4MPEG2 W320 H240 F15:1 Ip A1:1 C420jpeg\n") + 30 * (
        6 + 320 * 240 * 3 // 2
    )
    assert all(100 < mean_brightness(y) < 200 for y in lumas)
    assert frames_differ(lumas)
    assert frames_differ([*lumas, lumas[0]])  # the loop back to the start moves too


def test_wav_is_a_steady_tone(tmp_path):
    path = write_wav(tmp_path, frequency=660, seconds=4)
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 48000)
        samples = np.frombuffer(wav.readframes(wav.getnframes()), np.int16)
    assert abs(len(samples) / 48000 - 4) < 0.01
    assert abs(dominant_frequency(samples, 48000) - 660) < 1
    for part in np.array_split(samples, 8):  # steady: every half second is the same tone
        assert abs(dominant_frequency(part, 48000) - 660) < 3
        assert np.abs(part).max() > 10000


def test_judges_tell_moving_from_frozen_and_light_from_dark():
    a, b = bar_frame(0, (160, 120)), bar_frame(1, (160, 120))
    assert frames_differ([a, b, bar_frame(2, (160, 120))])
    assert not frames_differ([a, b, b])
    assert mean_brightness(np.zeros((10, 10, 3), np.uint8)) == 0
    assert mean_brightness(a) > 100
    t = np.arange(4800) / 48000
    assert abs(dominant_frequency(np.sin(2 * np.pi * 440 * t), 48000) - 440) < 2
    with pytest.raises(ValueError):
        frames_differ([a])


def test_spoke_camera_video_reads_back_through_opencv(tmp_path):
    path = make_camera_video(tmp_path, frames=20)
    capture = cv2.VideoCapture(str(path))
    frames = []
    try:
        while len(frames) < 20:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(frame)
    finally:
        capture.release()
    assert len(frames) == 20
    assert frames[0].shape == (480, 640, 3)
    assert frames_differ(frames)
    assert mean_brightness(frames[5]) > 40


# ---- Chromium: fake devices, WebRTC to aiortc, the console driver -----------------------------
PROBE_PAGE = """<!doctype html><html><body>
<video id="v" autoplay muted playsinline></video><canvas id="c" width="160" height="120"></canvas>
<script>
window.probe = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({video: true, audio: true});
  const video = document.getElementById('v');
  video.srcObject = stream;
  await video.play();
  const audio = new AudioContext();
  const analyser = audio.createAnalyser();
  analyser.fftSize = 16384;
  audio.createMediaStreamSource(stream).connect(analyser);
  await new Promise(r => setTimeout(r, 1200));
  const ctx = document.getElementById('c').getContext('2d', {willReadFrequently: true});
  const samples = [];
  for (let i = 0; i < 4; i++) {
    ctx.drawImage(video, 0, 0, 160, 120);
    samples.push(Array.from(ctx.getImageData(0, 0, 160, 120).data));
    await new Promise(r => setTimeout(r, 150));
  }
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  let peak = 1;
  for (let i = 1; i < bins.length; i++) if (bins[i] > bins[peak]) peak = i;
  return {samples, width: video.videoWidth, height: video.videoHeight,
          hz: peak * audio.sampleRate / analyser.fftSize,
          binHz: audio.sampleRate / analyser.fftSize};
};
</script></body></html>"""


def test_fake_camera_and_microphone_deliver_the_files(doctor, pages):
    doctor.goto(pages.url + "/probe")
    got = doctor.evaluate("() => window.probe()")
    assert (got["width"], got["height"]) == (640, 480)
    frames = [np.array(s, np.uint8).reshape(120, 160, 4)[..., :3] for s in got["samples"]]
    assert all(mean_brightness(f) > 90 for f in frames), [mean_brightness(f) for f in frames]
    assert frames_differ(frames)
    assert abs(got["hz"] - 660) <= 2 * got["binHz"], got


ANSWER_PAGE = """<!doctype html><html><body><script>
window.answer = async (offer, config) => {
  const stream = await navigator.mediaDevices.getUserMedia({video: true, audio: true});
  const pc = new RTCPeerConnection(config || {iceServers: []});
  window.pc = pc;
  await pc.setRemoteDescription({type: 'offer', sdp: offer});
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise(done => {
    if (pc.iceGatheringState === 'complete') return done();
    pc.addEventListener('icegatheringstatechange',
      () => pc.iceGatheringState === 'complete' && done());
  });
  return pc.localDescription.sdp;
};
</script></body></html>"""


class Receiver:
    """An aiortc peer that offers to receive audio and video and keeps what arrives."""

    def __init__(self, configuration: RTCConfiguration | None = None) -> None:
        self.pc = RTCPeerConnection(configuration)
        self.video: list[np.ndarray] = []
        self.audio: list[np.ndarray] = []
        self.audio_rate = 48000
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        asyncio.ensure_future(self._pull(track))

    async def _pull(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            if track.kind == "video":
                if len(self.video) % 10 == 0:
                    self.video.append(frame.to_ndarray(format="rgb24"))
                else:
                    self.video.append(None)  # counted, not kept
            else:
                self.audio_rate = frame.sample_rate
                self.audio.append(frame.to_ndarray()[0, :: len(frame.layout.channels)])

    @property
    def kept_frames(self) -> list[np.ndarray]:
        return [f for f in self.video if f is not None]

    async def offer(
        self, kinds: tuple[str, ...] = ("video", "audio"), send: MediaStreamTrack | None = None
    ) -> str:
        """Offer to receive ``kinds``; with ``send``, that track's kind is sent as well."""
        for kind in kinds:
            if send is not None and send.kind == kind:
                self.pc.addTrack(send)
            else:
                self.pc.addTransceiver(kind, direction="recvonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def accept(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))


def test_chromium_sends_its_fake_camera_and_microphone_to_aiortc(doctor, pages, engine_loop):
    doctor.goto(pages.url + "/answer")
    receiver = engine_loop.run(_make(Receiver))
    try:
        offer = engine_loop.run(receiver.offer())
        answer = doctor.evaluate("offer => window.answer(offer)", offer)
        host_lines = [line for line in answer.splitlines() if "typ host" in line]
        assert host_lines and not any(".local" in line for line in host_lines), host_lines
        engine_loop.run(receiver.accept(answer))
        wait_until(lambda: len(receiver.video) >= 30, 20, "30 video frames from Chromium")
        wait_until(lambda: len(receiver.audio) >= 150, 10, "3 s of audio from Chromium")
        assert doctor.evaluate("() => window.pc.connectionState") == "connected"
        frames = receiver.kept_frames
        assert all(mean_brightness(f) > 90 for f in frames[1:]), [
            mean_brightness(f) for f in frames
        ]
        assert frames_differ(frames[1:])
        tone = np.concatenate(receiver.audio[-100:])
        assert abs(dominant_frequency(tone, receiver.audio_rate) - 660) < 5
    finally:
        engine_loop.run(receiver.pc.close())
        doctor.evaluate("() => window.pc && window.pc.close()")


async def _make(factory, *args):
    """Build an aiortc object on the loop that will run it."""
    return factory(*args)


CONSOLE_PAGE = """<!doctype html><html><body>
<form id="login" onsubmit="return false">
  <input id="login-username"><input id="login-password" type="password">
  <button id="login-submit" type="button">Sign in</button><p id="login-error" hidden></p>
</form>
<main id="desk" hidden>
  <ul id="queue-live"></ul><ul id="queue-review"></ul>
  <div id="call-state" data-state="idle"></div>
  <button id="btn-mute">Mute</button><button id="btn-camera">Camera</button>
  <button id="btn-end">End</button>
</main>
<script>
const $ = id => document.getElementById(id);
const log = [];
window.clicks = log;
$('login-submit').onclick = () => {
  if ($('login-password').value !== 'secret-pass') {
    $('login-error').textContent = 'Wrong username or password';
    $('login-error').hidden = false;
    return;
  }
  $('login').hidden = true;
  $('desk').hidden = false;
  setTimeout(() => {
    $('queue-live').innerHTML =
      '<li data-case-id="case-7">Case 7 <button class="accept" data-case-id="case-7">Accept' +
      '</button></li>';
    document.querySelector('button.accept').onclick = () => {
      log.push('accept');
      $('call-state').dataset.state = 'connecting';
      setTimeout(() => { $('call-state').dataset.state = 'connected'; }, 300);
    };
  }, 500);
};
$('btn-mute').onclick = () => log.push('mute');
$('btn-camera').onclick = () => log.push('camera');
$('btn-end').onclick = () => { log.push('end'); $('call-state').dataset.state = 'ended'; };
window.consoleStats = async () => ({state: $('call-state').dataset.state, attempt: 1,
  videoFramesDecoded: log.length * 10, notBlack: true});
</script></body></html>"""


def test_console_driver_against_a_stand_in_console(doctor, pages, tmp_path):
    doctor.open(pages.url)
    with pytest.raises(LoginFailed, match="Wrong username or password"):
        doctor.login("dr.rao", "wrong", timeout=5)
    doctor.login("dr.rao", "secret-pass", timeout=5)
    with pytest.raises(Exception, match="(?i)timeout"):
        doctor.wait_for_case("case-8", timeout=1.5)
    doctor.wait_for_case("case-7", timeout=5)
    assert doctor.state() == "idle"
    doctor.accept("case-7")
    doctor.wait_state("connected", timeout=5)
    assert doctor.stats()["state"] == "connected"
    doctor.mute()
    doctor.camera_off()
    stats = doctor.wait_stats(lambda s: s["videoFramesDecoded"] >= 30, timeout=5)
    assert stats["notBlack"] is True
    doctor.end()
    doctor.wait_state("ended", timeout=5)
    assert doctor.evaluate("() => window.clicks") == ["accept", "mute", "camera", "end"]
    shot = doctor.screenshot(tmp_path / "console.png")
    assert shot.stat().st_size > 1000
    assert doctor.console_log.exists()


# ---- coturn ------------------------------------------------------------------------------------
async def _relay_candidates(ice_server: dict) -> list[str]:
    pc = RTCPeerConnection(RTCConfiguration([RTCIceServer(**ice_server)]))
    try:
        pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        return [line for line in pc.localDescription.sdp.splitlines() if "typ relay" in line]
    finally:
        await pc.close()


def test_turn_server_allocates_for_its_user_and_comes_back_on_the_same_port(tmp_path):
    with TurnServer(log_dir=tmp_path) as turn:
        port = turn.port
        assert turn.url == f"turn:127.0.0.1:{port}?transport=udp"
        assert turn.ice_server == {"urls": [turn.url], "username": "u", "credential": "p"}
        relays = asyncio.run(_relay_candidates(turn.ice_server))
        assert relays and all("127.0.0.1" in line for line in relays), relays
        wrong = dict(turn.ice_server, credential="not-p")
        assert asyncio.run(_relay_candidates(wrong)) == []
        turn.stop()
        assert not turn.running
        assert stun_binding("127.0.0.1", port) is None
        turn.start()
        assert turn.port == port and turn.starts == 2
        assert stun_binding("127.0.0.1", port) is not None
        assert asyncio.run(_relay_candidates(turn.ice_server))
    assert "start 2" in (tmp_path / f"turnserver-{port}.log").read_text()


# ---- the UDP impairment proxy ------------------------------------------------------------------
class UdpSink:
    """A UDP endpoint counting what arrives and echoing datagrams that start with ``echo``."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.address = self.sock.getsockname()
        self.bytes = 0
        self.packets: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                data, addr = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.bytes += len(data)
            self.packets.append(data[:8])
            if data.startswith(b"echo"):
                self.sock.sendto(data, addr)

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def udp_sink() -> Iterator[UdpSink]:
    sink = UdpSink()
    yield sink
    sink.close()


def _flood(target: tuple[str, int], seconds: float, kbps: float, size: int = 1000) -> int:
    """Send ``size``-byte datagrams at ``kbps`` for ``seconds``; returns how many were sent."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        interval = size * 8 / (kbps * 1000)
        start = time.monotonic()
        sent = 0
        while (now := time.monotonic()) - start < seconds:
            due = start + sent * interval
            if now < due:
                time.sleep(min(due - now, 0.01))
                continue
            sock.sendto(b"data%08d" % sent + bytes(size - 12), target)
            sent += 1
        return sent


@pytest.mark.parametrize("kbps", [64, 384, 2000])
def test_rate_limit_holds_a_flood_to_the_set_rate(udp_sink, kbps):
    with UdpImpairment(udp_sink.address, rate_kbps=kbps, seed=1) as link:
        flood = threading.Thread(target=_flood, args=(link.address, 4.0, kbps * 3))
        flood.start()
        time.sleep(1.0)  # past the initial queue fill
        before, t0 = udp_sink.bytes, time.monotonic()
        time.sleep(2.5)
        measured = (udp_sink.bytes - before) * 8 / 1000 / (time.monotonic() - t0)
        meter = link.rate_kbps("up", window=2.0)
        flood.join()
    up = link.counters("up")
    assert abs(measured - kbps) / kbps < 0.10, (measured, kbps)
    assert abs(meter - kbps) / kbps < 0.10, (meter, kbps)
    assert up.dropped_queue > 0 and up.dropped_loss == 0
    assert link.forwarded_bytes("up") == up.bytes


def test_rate_queue_delays_at_most_the_queue_length(udp_sink):
    with UdpImpairment(udp_sink.address, rate_kbps=80, queue_ms=250, seed=1) as link:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            t0 = time.monotonic()
            for n in range(40):  # 40 kB at once: 4 s worth at 80 kbit/s
                sock.sendto(b"data%08d" % n + bytes(988), link.address)
        wait_until(lambda: link.counters("up").packets >= 3, 2, "the queue to drain")
        time.sleep(0.3)
        elapsed = time.monotonic() - t0
        up = link.counters("up")
    # 250 ms at 80 kbit/s holds 2.5 kB: the first packet goes at once, two more queue.
    assert up.packets == 3 and up.dropped_queue == 37, up
    assert elapsed < 1.5


def test_loss_follows_the_seed(udp_sink):
    def run(seed: int) -> tuple[list[bytes], int]:
        udp_sink.packets.clear()
        with UdpImpairment(udp_sink.address, loss=0.2, seed=seed) as link:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                for n in range(2000):
                    sock.sendto(b"data%04d" % n, link.address)
                    if n % 50 == 0:
                        time.sleep(0.002)
            wait_until(
                lambda: link.counters("up").packets + link.counters("up").dropped >= 2000,
                5,
                "every datagram judged",
            )
            wait_until(lambda: len(udp_sink.packets) >= link.counters("up").packets, 5, "sink")
            return list(udp_sink.packets), link.counters("up").dropped_loss

    first, lost = run(7)
    again, lost_again = run(7)
    other, _ = run(8)
    # Binomial(2000, 0.2): mean 400, sd about 18; 5 sd either way.
    assert 310 < lost < 490, lost
    assert len(first) == 2000 - lost
    assert (first, lost) == (again, lost_again)
    assert first != other


def test_blackhole_drops_everything_both_ways_and_lifting_it_restores(udp_sink):
    with (
        UdpImpairment(udp_sink.address, seed=1) as link,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client,
    ):
        client.settimeout(0.3)

        def echo(n: int) -> bool:
            client.sendto(b"echo%04d" % n, link.address)
            try:
                return client.recv(100) == b"echo%04d" % n
            except TimeoutError:
                return False

        assert echo(1)
        link.blackhole = True
        assert not any(echo(n) for n in range(2, 6))
        assert link.counters("up").dropped_blackhole == 4
        link.blackhole = False
        assert echo(7)
        wait_until(
            lambda: (link.counters("up").packets, link.counters("down").packets) == (2, 2),
            2,
            "two echoes counted each way",
        )
        # Replies are dropped too: block only the way back.
        client.sendto(b"echo0008", link.address)
        link.blackhole = True
        with pytest.raises(TimeoutError):
            client.recv(100)
        assert link.counters("down").dropped_blackhole + link.counters("up").dropped_blackhole


# ---- the relay chain ---------------------------------------------------------------------------
class PatternTrack(MediaStreamTrack):
    """A video track of :func:`bar_frame` at 15 fps, 320x240."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.n = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self.n / 15
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        frame = av.VideoFrame.from_ndarray(bar_frame(self.n, (320, 240)), format="rgb24")
        frame.pts = self.n * 6000
        frame.time_base = fractions.Fraction(1, 90000)
        self.n += 1
        return frame


class Sender:
    """The spoke's side: relay-only through the given TURN server, sends the pattern."""

    def __init__(self, ice_server: dict) -> None:
        self.pc = RTCPeerConnection(
            RTCConfiguration(
                [RTCIceServer(**ice_server)], iceTransportPolicy=RTCIceTransportPolicy.RELAY
            )
        )
        self.pc.addTrack(PatternTrack())

    async def answer(self, offer: str) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp


async def _call(ice_server: dict) -> tuple[Sender, Receiver]:
    receiver = Receiver()
    sender = Sender(ice_server)
    offer = await receiver.offer(("video",))
    answer = await sender.answer(offer)
    candidates = [line for line in answer.splitlines() if "a=candidate" in line]
    assert candidates and all("typ relay" in line for line in candidates), candidates
    await receiver.accept(answer)
    return sender, receiver


async def _transport_bytes(pc: RTCPeerConnection) -> tuple[int, int]:
    """(bytes sent, bytes received) by ``pc``'s transport so far: SRTP, DTLS and ICE checks, as
    handed to ICE (aiortc's inbound-rtp stats carry no byte count)."""
    report = await pc.getStats()
    transports = [s for s in report.values() if s.type == "transport"]
    return sum(t.bytesSent for t in transports), sum(t.bytesReceived for t in transports)


async def _hang_up(*peers, patience: float = 5.0) -> None:
    """Close each peer connection, giving up on one after ``patience`` seconds: with its
    relay gone, aiortc's close waits about 31 s for the TURN server to confirm the allocation's
    deletion (aioice retries the Refresh 6 times, 0.5 s doubling)."""
    for peer in peers:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(peer.pc.close(), patience)


def test_relay_only_call_goes_through_the_proxy_and_dies_with_the_relay(engine_loop, tmp_path):
    with TurnServer(log_dir=tmp_path) as turn, UdpImpairment(("127.0.0.1", turn.port)) as link:
        via_proxy = turn.ice_server_via(*link.address)
        sender, receiver = engine_loop.run(_call(via_proxy))
        try:
            wait_until(lambda: len(receiver.video) >= 30, 20, "30 frames through the relay")
            assert frames_differ(receiver.kept_frames)
            assert mean_brightness(receiver.kept_frames[-1]) > 90
            # Every media packet crossed the proxy: the sender's uplink carries the video.
            up_before = link.forwarded_bytes("up")
            frames_before = len(receiver.video)
            time.sleep(2)
            assert link.forwarded_bytes("up") - up_before > 10_000
            assert len(receiver.video) - frames_before >= 15

            link.blackhole = True  # the relay goes silent: media stops
            time.sleep(0.5)
            frozen = len(receiver.video)
            time.sleep(2)
            assert len(receiver.video) - frozen <= 1
            assert link.counters("up").dropped_blackhole > 0

            link.blackhole = False  # back within ICE's patience: the same call carries on
            wait_until(lambda: len(receiver.video) >= frozen + 15, 15, "media after lifting")

            turn.stop()  # the relay dies with its allocations: media stops for good
            time.sleep(0.5)
            dead = len(receiver.video)
            time.sleep(2)
            assert len(receiver.video) - dead <= 1
        finally:
            engine_loop.run(_hang_up(sender, receiver))

        turn.start()  # the relay returns on the same port: a fresh call flows again
        sender, receiver = engine_loop.run(_call(via_proxy))
        try:
            before = link.forwarded_bytes("up")
            wait_until(lambda: len(receiver.video) >= 30, 20, "30 frames after the restart")
            assert link.forwarded_bytes("up") - before > 10_000
        finally:
            engine_loop.run(_hang_up(sender, receiver))


def test_rate_limit_shapes_a_relayed_call(engine_loop, tmp_path):
    with TurnServer(log_dir=tmp_path) as turn, UdpImpairment(("127.0.0.1", turn.port)) as link:
        sender, receiver = engine_loop.run(_call(turn.ice_server_via(*link.address)))
        try:
            wait_until(lambda: len(receiver.video) >= 15, 20, "frames through the relay")
            link.set_rate(150, "up")
            time.sleep(3)
            shaped = link.rate_kbps("up", window=2.0)
            assert shaped <= 150 * 1.1, shaped
            assert shaped > 30, shaped  # still flowing, only slower
        finally:
            engine_loop.run(_hang_up(sender, receiver))


def test_relay_only_spoke_and_chromium_doctor_meet_through_the_proxy(
    doctor, pages, engine_loop, tmp_path
):
    """The production shape: the spoke (aiortc, relay only, offering) and the doctor (Chromium,
    answering with its host candidates); everything crosses the proxy both ways."""
    with TurnServer(log_dir=tmp_path) as turn, UdpImpairment(("127.0.0.1", turn.port)) as link:
        config = RTCConfiguration(
            [RTCIceServer(**turn.ice_server_via(*link.address))],
            iceTransportPolicy=RTCIceTransportPolicy.RELAY,
        )
        spoke = engine_loop.run(_make(Receiver, config))
        doctor.goto(pages.url + "/answer")
        try:
            offer = engine_loop.run(spoke.offer(("video", "audio"), send=PatternTrack()))
            assert all("typ relay" in c for c in offer.splitlines() if "a=candidate" in c)
            engine_loop.run(spoke.accept(doctor.evaluate("o => window.answer(o)", offer)))
            wait_until(lambda: len(spoke.video) >= 30, 25, "30 frames from Chromium via relay")
            assert frames_differ(spoke.kept_frames[1:])
            decoded_script = """async () => {
                for (const r of (await window.pc.getStats()).values())
                    if (r.type === 'inbound-rtp' && r.kind === 'video') return r.framesDecoded || 0;
                return 0;
            }"""
            wait_until(
                lambda: doctor.evaluate(decoded_script) >= 30, 20, "Chromium to decode 30 frames"
            )
            sent, received = engine_loop.run(_transport_bytes(spoke.pc))
            assert sent > 10_000 and received > 50_000
            time.sleep(0.5)  # what the spoke has sent has reached the proxy by now
            # Every byte each way crossed the proxy (plus TURN's framing).
            assert link.forwarded_bytes("up") >= sent
            assert link.forwarded_bytes("down") >= received
            tone = np.concatenate(spoke.audio[-50:])
            assert abs(dominant_frequency(tone, spoke.audio_rate) - 660) < 5
        finally:
            engine_loop.run(_hang_up(spoke))
            doctor.evaluate("() => window.pc && window.pc.close()")


def test_two_relay_only_peers_meet_on_the_loopback_relay(engine_loop, tmp_path):
    """Both ends relay-only: each one's peer is the other's loopback relay address, which
    coturn refuses (403) without ``--allow-loopback-peers``."""
    with TurnServer(log_dir=tmp_path) as turn:
        relay_only = RTCConfiguration(
            [RTCIceServer(**turn.ice_server)], iceTransportPolicy=RTCIceTransportPolicy.RELAY
        )

        async def call() -> tuple[Sender, Receiver]:
            receiver = Receiver(relay_only)
            sender = Sender(turn.ice_server)
            offer = await receiver.offer(("video",))
            assert all("typ relay" in c for c in offer.splitlines() if "a=candidate" in c)
            await receiver.accept(await sender.answer(offer))
            return sender, receiver

        sender, receiver = engine_loop.run(call())
        try:
            wait_until(lambda: len(receiver.video) >= 30, 20, "30 frames relay to relay")
        finally:
            engine_loop.run(_hang_up(sender, receiver))


def test_chromium_relays_through_the_proxy_when_told_to(doctor, pages, engine_loop, tmp_path):
    """The console may be handed the TURN server too: Chromium accepts a loopback TURN URL and,
    relay-only, sends everything through the proxy."""
    with TurnServer(log_dir=tmp_path) as turn, UdpImpairment(("127.0.0.1", turn.port)) as link:
        receiver = engine_loop.run(_make(Receiver))
        doctor.goto(pages.url + "/answer")
        try:
            offer = engine_loop.run(receiver.offer())
            config = {
                "iceServers": [turn.ice_server_via(*link.address)],
                "iceTransportPolicy": "relay",
            }
            answer = doctor.evaluate("([o, c]) => window.answer(o, c)", [offer, config])
            candidates = [c for c in answer.splitlines() if "a=candidate" in c]
            assert candidates and all("typ relay" in c for c in candidates), candidates
            engine_loop.run(receiver.accept(answer))
            wait_until(lambda: len(receiver.video) >= 30, 20, "30 frames from Chromium via relay")
            assert link.forwarded_bytes("up") > 20_000  # Chromium -> relay: its camera
        finally:
            engine_loop.run(_hang_up(receiver))
            doctor.evaluate("() => window.pc && window.pc.close()")
