"""Call benchmark: a live consult between a real spoke and Debian's Chromium as the doctor.

Everything is real, as in tests/call_e2e: a hub process on loopback (signalling, the console
page), the spoke's encrypted store and engine with its capture desk (a 640x480 video file as
the camera through the OpenCV path, PortAudio on the private sound server), the real
``ConsultCall``, and Chromium (Playwright) with a Y4M/WAV as its camera and microphone.

1. Direct call (host candidates, no relay). Time from the doctor's click on Accept to the
   first doctor frame decoded on the spoke (target <= 1.5 s on loopback). Then ``--cpu-seconds``
   (60) of the call at 640x480@15: CPU of this process (the spoke; the hub, Chromium and
   Playwright's driver run in other processes) as a fraction of one core (target <= 0.5) and
   its peak RSS (target <= 300 MB).
2. Relayed call (relay-only ICE on the spoke through coturn on loopback, with the UDP
   impairment proxy in front of it). The link rate is walked down and up
   (``--rates``, ``--step-seconds`` each) and the spoke's sending rate is read each second
   from its own statistics; the mean per ladder step is printed. Then the relay is stopped:
   the time until the spoke reports the dead link (target <= 5 s), and, after it is started
   again, the time until the call is connected again (target <= 10 s).

Phase 2's proxy runs in this process, which is why CPU is measured in phase 1 only.
Ends with one JSON line:
``{"accept_to_first_frame_s": …, "cpu_fraction": …, "rss_mb": …, "dead_link_detect_s": …,
"reconnect_s": …}``. Takes about 5 minutes. Always exits 0.

    .venv/bin/python bench/call_bench.py [--cpu-seconds 60] [--step-seconds 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spoke_client.call.events import Connected, LinkLost, Queued  # noqa: E402
from tests.call_e2e.conftest import (  # noqa: E402
    DOCTOR_PASSWORD,
    DOCTOR_USER,
    Media,
    add_doctor,
    close_call_spoke,
    make_call_spoke,
)
from tests.capture.conftest import open_sound_server  # noqa: E402
from tests.support.doctor_browser import DoctorBrowser  # noqa: E402
from tests.support.media_files import make_camera_video, write_wav, write_y4m  # noqa: E402
from tests.support.turn import TurnServer  # noqa: E402
from tests.support.udp_impair import UdpImpairment  # noqa: E402
from tests.sync.hubproc import HubProcess  # noqa: E402

TARGETS = {
    "accept_to_first_frame_s": 1.5,
    "cpu_fraction": 0.5,
    "rss_mb": 300.0,
    "dead_link_detect_s": 5.0,
    "reconnect_s": 10.0,
}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {timeout} s")
        time.sleep(0.02)


def join(cs, doctor, hub, case: str) -> float:
    """Queue the case, let the doctor accept it; returns the click's time."""
    cs.start(case)
    cs.wait_for(Queued, 30)
    doctor.wait_for_case(case, timeout=30)
    clicked = time.monotonic()
    doctor.accept(case)
    cs.wait_for(Connected, 30)
    return clicked


def direct_call(root: Path, hub, media: Media, doctor, cpu_seconds: float) -> dict:
    cs = make_call_spoke(root / "spoke-direct", hub, media)
    try:
        [case] = cs.spoke.make_cases(1)
        clicked = join(cs, doctor, hub, case)
        wait(lambda: cs.first_frame_at is not None, 30, "doctor frame")
        accept_to_first = cs.first_frame_at - clicked
        print(
            f"accept -> first doctor frame on the spoke: {accept_to_first:.3f} s "
            f"(the call's own figure, from the hub's doctor-joined: "
            f"{cs.snapshot().get('accept_to_first_frame_s')})"
        )
        doctor.wait_stats(lambda s: s["videoWidth"] == 640, 30)
        cpu0, wall0, peak = time.process_time(), time.monotonic(), rss_mb()
        steps, sent = defaultdict(int), []
        while time.monotonic() - wall0 < cpu_seconds:
            time.sleep(1)
            peak = max(peak, rss_mb())
            snap = cs.snapshot()
            steps[snap.get("step")] += 1
            sent.append(snap.get("send_kbps", 0.0))
        cpu = (time.process_time() - cpu0) / (time.monotonic() - wall0)
        stats = doctor.stats()
        print(
            f"{cpu_seconds:.0f} s of the call: CPU {cpu:.2f} of one core, peak RSS {peak:.0f} MB,"
            f" steps {dict(steps)}, sending {statistics.mean(sent):.0f} kbit/s,"
            f" doctor receives {stats['videoWidth']}x{stats['videoHeight']}"
            f"@{stats['videoFps']}"
        )
        return {"accept_to_first_frame_s": accept_to_first, "cpu_fraction": cpu, "rss_mb": peak}
    finally:
        close_call_spoke(cs)


def relayed_call(root: Path, hub, media: Media, doctor, rates, step_seconds: float) -> dict:
    with TurnServer() as turn, UdpImpairment(("127.0.0.1", turn.port), seed=7) as link:
        host, port = link.address
        call = {"relay_only": True, "ice_servers": [turn.ice_server_via(host, port)]}
        cs = make_call_spoke(root / "spoke-relay", hub, media, call=call)
        try:
            [case] = cs.spoke.make_cases(1)
            join(cs, doctor, hub, case)
            per_step: dict[str, list[float]] = defaultdict(list)
            print("link kbit/s -> ladder step, spoke sending kbit/s (per second)")
            for rate in rates:
                link.set_rate(rate)
                link.set_loss(0.0)
                row, last_step, since = [], None, 0
                for _ in range(int(step_seconds)):
                    time.sleep(1)
                    snap = cs.snapshot()
                    step, kbps = snap.get("step"), snap.get("send_kbps", 0.0)
                    since = since + 1 if step == last_step else 0
                    last_step = step
                    if since >= 3:  # settled on this step
                        per_step[step].append(kbps)
                    row.append(f"{step}:{kbps:.0f}")
                print(f"  {rate or 'open':>5}: {' '.join(row)}")
            print("mean sending rate at each ladder step:")
            for step, values in per_step.items():
                print(f"  {step:>11}: {statistics.mean(values):6.1f} kbit/s ({len(values)} s)")

            link.set_rate(None)
            wait(lambda: cs.snapshot().get("connected"), 30, "a connected call")
            time.sleep(3)
            cs.drain()  # the ladder walk's events are history now
            turn.stop()
            stopped = time.monotonic()
            cs.wait_for(LinkLost, 30)
            detect = time.monotonic() - stopped
            print(f"relay stopped -> dead link reported: {detect:.2f} s")
            time.sleep(2)
            turn.start()
            back = time.monotonic()
            cs.wait_for(Connected, 60, where=lambda e: e.attempt >= 2)
            reconnect = time.monotonic() - back
            frames = cs.frames
            wait(lambda: cs.frames > frames + 15, 30, "doctor frames after the reconnect")
            print(f"relay back -> call connected again: {reconnect:.2f} s (pictures flowing)")
            return {"dead_link_detect_s": detect, "reconnect_s": reconnect}
        finally:
            close_call_spoke(cs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-seconds", type=float, default=60.0)
    parser.add_argument("--step-seconds", type=float, default=20.0)
    parser.add_argument(
        "--rates", default="0,400,200,120,60,0", help="link kbit/s in turn (0 = no limit)"
    )
    args = parser.parse_args()
    rates = [int(r) or None for r in args.rates.split(",")]
    result: dict[str, float | None] = dict.fromkeys(TARGETS)
    with open_sound_server(), tempfile.TemporaryDirectory(prefix="spoke-call-bench-") as tmp:
        root = Path(tmp)
        media = Media(
            y4m=write_y4m(root, "doctor.y4m"),
            wav=write_wav(root, "doctor.wav"),
            camera=make_camera_video(root, "spoke_camera.avi"),
        )
        hub = HubProcess(root / "hub").start()
        try:
            add_doctor(hub)
            with DoctorBrowser(y4m=media.y4m, wav=media.wav, default_timeout=30.0) as doctor:
                doctor.open(hub.url)
                doctor.login(DOCTOR_USER, DOCTOR_PASSWORD)
                try:
                    result.update(direct_call(root, hub, media, doctor, args.cpu_seconds))
                    result.update(relayed_call(root, hub, media, doctor, rates, args.step_seconds))
                except Exception as exc:  # report what was measured; say what failed
                    print(f"bench stopped early: {type(exc).__name__}: {exc}")
        finally:
            hub.stop()
    for key, target in TARGETS.items():
        value = result[key]
        verdict = "not measured" if value is None else ("met" if value <= target else "MISSED")
        shown = "-" if value is None else f"{value:.3f}"
        print(f"{key:>24}: {shown} (target <= {target}) {verdict}")
    print(json.dumps({k: (None if v is None else round(v, 3)) for k, v in result.items()}))


if __name__ == "__main__":
    main()
