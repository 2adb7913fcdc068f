"""``DoctorBrowser``: Debian's Chromium, driven by Playwright, playing the doctor at the console.

Playwright's sync API runs on one worker thread that this object owns, so the methods are
plain blocking calls that work from any thread, including a test whose own asyncio loop runs
(the sync API refuses to run on a thread with a running loop; here it never does). From an
async test, call them through ``await asyncio.to_thread(browser.stats)`` so the test's loop
keeps turning. No browser is downloaded: ``executable_path`` is ``/usr/bin/chromium``.

Each browser gets a fresh profile in a temporary folder, grants camera and microphone, and
uses the fake capture devices fed from files (:mod:`tests.support.media_files`: the Y4M bar
sweep and the WAV tone). Logs go to ``log_dir`` (default
``test-output/chromium/<name>-<pid>-<n>/``): ``chromium.log`` (Chromium's own log) and
``console.log`` (the page's console messages and uncaught errors, timestamped).

What was needed to get Chromium 156 (Debian) talking WebRTC to aiortc on this machine (each
finding checked by leaving the flag out):

- ``--use-fake-device-for-media-stream`` is essential: without it getUserMedia fails with
  ``NotFoundError`` (there is no camera or microphone here). ``--use-file-for-fake-video-capture``
  and ``--use-file-for-fake-audio-capture`` (absolute paths; the Y4M 4:2:0, ``C420jpeg``) make
  the fake devices play our files; without them Chromium plays its own green pattern and a
  beep (the probe then hears about 60 Hz, not 660). With them, getUserMedia delivers 640x480
  with luma about 134 and the 660 Hz tone within one AnalyserNode bin.
- ``--use-fake-ui-for-media-stream`` (grant without a prompt) and ``--no-sandbox`` turned out
  not to be needed under Playwright, which grants the context's ``permissions`` and starts
  Chromium without the sandbox by default; both are kept explicit.
- ICE: headless Chromium here offers plain ``192.0.2.2`` (and IPv6) host candidates, not
  mDNS ``.local`` names, with or without a getUserMedia grant, so a direct call to aiortc
  connected without any flag. ``--disable-features=WebRtcHideLocalIpsWithMdns`` is passed
  anyway: aiortc cannot resolve ``.local`` candidates, and a Chromium that hid its addresses
  would never connect. Neither Chromium nor aiortc offers a 127.0.0.1 host candidate: direct
  calls meet on the machine's own address, relayed ones on the loopback TURN server, which
  Chromium accepts (``turn:127.0.0.1:PORT``, relay-only included).
- ``--allow-loopback-in-peer-connection``: for a machine whose only interface is ``lo``.
- ``--disable-quic --disable-background-networking --disable-component-update --disable-sync
  --no-first-run``: nothing tries to reach the internet (there is no route out here).
- ``--disable-gpu`` (no GPU); ``--autoplay-policy=no-user-gesture-required`` so the remote
  ``<video>`` plays with sound without a click.
- The answering page must wait for ICE gathering to complete before handing its SDP back (the
  signalling carries no trickled candidates). With that, aiortc receives 30 frames of the
  Y4M pattern within about 2-3 s of the answer, directly or through the relay.

    with DoctorBrowser(media_dir) as doctor:
        doctor.open(hub.url)
        doctor.login("dr.rao", "secret-pass")
        doctor.wait_for_case(case_id, timeout=30)
        doctor.accept(case_id)
        doctor.wait_state("connected", timeout=30)
        stats = doctor.wait_stats(lambda s: s["videoFramesDecoded"] > 30, timeout=30)
"""

from __future__ import annotations

import concurrent.futures
import itertools
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.media_files import write_wav, write_y4m

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
_counter = itertools.count(1)


class LoginFailed(AssertionError):
    """The console showed ``#login-error`` instead of the queue."""


def chromium_args(y4m: Path, wav: Path, log_file: Path | None = None) -> list[str]:
    """The command-line flags every test browser gets (see the module docstring for why)."""
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={Path(y4m).resolve()}",
        f"--use-file-for-fake-audio-capture={Path(wav).resolve()}",
        "--disable-features=WebRtcHideLocalIpsWithMdns",
        "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required",
    ]
    if log_file is not None:
        args += ["--enable-logging", f"--log-file={log_file}", "--v=0"]
    return args


class DoctorBrowser:
    """One Chromium with one page, playing a doctor; see the module docstring."""

    def __init__(
        self,
        media_dir: str | Path | None = None,
        *,
        y4m: str | Path | None = None,
        wav: str | Path | None = None,
        name: str = "doctor",
        log_dir: str | Path | None = None,
        headless: bool = True,
        extra_args: tuple[str, ...] = (),
        default_timeout: float = 15.0,
    ) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="spoke-doctor-")
        media = Path(media_dir) if media_dir is not None else Path(self._tmp.name)
        self.y4m = Path(y4m) if y4m is not None else write_y4m(media, f"{name}.y4m")
        self.wav = Path(wav) if wav is not None else write_wav(media, f"{name}.wav")
        if log_dir is None:
            log_dir = REPO / "test-output" / "chromium" / f"{name}-{os.getpid()}-{next(_counter)}"
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.chromium_log = self.log_dir / "chromium.log"
        self.console_log = self.log_dir / "console.log"
        self.headless = headless
        self.args = [*chromium_args(self.y4m, self.wav, self.chromium_log), *extra_args]
        self.default_timeout = default_timeout
        self.console: list[str] = []  # the page's console lines, also in console.log
        self._worker: concurrent.futures.ThreadPoolExecutor | None = None
        self._pw: Any = None
        self._context: Any = None
        self._page: Any = None
        self._console_file: Any = None
        self._lock = threading.Lock()
        self._t0 = time.monotonic()

    # ---- the worker thread ---------------------------------------------------------------------
    def call(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None) -> Any:
        """Run ``fn(page, *args)`` on the Playwright thread and return its result."""
        if self._worker is None:
            raise RuntimeError("DoctorBrowser not started")
        wait = None if timeout is None else timeout + 10
        return self._worker.submit(fn, self._page, *args).result(wait)

    def start(self) -> DoctorBrowser:
        """Launch Chromium with a fresh profile and open a blank page."""
        if self._worker is not None:
            raise RuntimeError("DoctorBrowser already started")
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="doctor")
        try:
            self._worker.submit(self._launch).result(60)
        except BaseException:
            self.close()
            raise
        return self

    def _launch(self) -> None:
        from playwright.sync_api import sync_playwright

        self._console_file = open(self.console_log, "a", encoding="utf-8")  # noqa: SIM115
        self._pw = sync_playwright().start()
        self._context = self._pw.chromium.launch_persistent_context(
            str(Path(self._tmp.name) / "profile"),
            executable_path=CHROMIUM,
            headless=self.headless,
            args=self.args,
            ignore_https_errors=True,  # the hub's test certificate
            permissions=["camera", "microphone"],
            viewport={"width": 1280, "height": 800},
        )
        self._context.set_default_timeout(self.default_timeout * 1000)
        self._page = self._context.pages[0] if self._context.pages else self._context.new_page()
        self._page.on("console", lambda m: self._note(f"{m.type}: {m.text}"))
        self._page.on("pageerror", lambda e: self._note(f"pageerror: {e}"))
        self._page.on("crash", lambda _p: self._note("page crashed"))

    def _note(self, line: str) -> None:
        stamped = f"{time.monotonic() - self._t0:8.3f} {line}"
        with self._lock:
            self.console.append(stamped)
            if self._console_file is not None:
                self._console_file.write(stamped + "\n")
                self._console_file.flush()

    def close(self) -> None:
        """Close the browser and Playwright; safe to call twice."""
        if self._worker is not None:
            try:
                self._worker.submit(self._shutdown).result(30)
            finally:
                self._worker.shutdown(wait=True)
                self._worker = None
        self._tmp.cleanup()

    def _shutdown(self) -> None:
        try:
            if self._context is not None:
                self._context.close()
        finally:
            self._context = self._page = None
            if self._pw is not None:
                self._pw.stop()
                self._pw = None
            if self._console_file is not None:
                self._console_file.close()
                self._console_file = None

    def __enter__(self) -> DoctorBrowser:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- general page access -------------------------------------------------------------------
    def goto(self, url: str) -> None:
        self.call(lambda page: page.goto(url, wait_until="load"))

    def evaluate(self, script: str, arg: Any = None) -> Any:
        """``page.evaluate(script, arg)``: a JS expression or function; promises are awaited."""
        return self.call(lambda page: page.evaluate(script, arg))

    def screenshot(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.call(lambda page: page.screenshot(path=str(path)))
        return path

    def _ms(self, timeout: float | None) -> float:
        return (self.default_timeout if timeout is None else timeout) * 1000

    # ---- the console contract (docs/call.md) ---------------------------------------------------
    def open(self, base_url: str, path: str = "/console/") -> None:
        """Load the console page from the hub at ``base_url``."""
        self.goto(base_url.rstrip("/") + path)

    def login(self, username: str, password: str, timeout: float | None = None) -> None:
        """Sign in; returns once the live queue shows, raises :class:`LoginFailed` with the
        text of ``#login-error`` if that shows instead."""
        ms = self._ms(timeout)

        def run(page: Any) -> None:
            page.fill("#login-username", username)
            page.fill("#login-password", password)
            page.click("#login-submit")
            page.wait_for_function(
                """() => {
                    const q = document.querySelector('#queue-live');
                    const e = document.querySelector('#login-error');
                    const shown = el => el && el.offsetParent !== null;
                    return shown(q) || (shown(e) && e.textContent.trim() !== '');
                }""",
                timeout=ms,
            )
            error = page.query_selector("#login-error")
            if error is not None and error.is_visible() and error.text_content().strip():
                if not page.is_visible("#queue-live"):
                    raise LoginFailed(error.text_content().strip())

        self.call(run, timeout=ms / 1000)

    def wait_for_case(
        self, case_id: str, timeout: float | None = None, queue: str = "live"
    ) -> None:
        """Wait until the case is listed in ``#queue-live`` (or ``#queue-review``)."""
        ms = self._ms(timeout)
        selector = f'#queue-{queue} [data-case-id="{case_id}"]'
        self.call(lambda page: page.wait_for_selector(selector, timeout=ms), timeout=ms / 1000)

    def accept(self, case_id: str) -> None:
        self.call(lambda page: page.click(f'button.accept[data-case-id="{case_id}"]'))

    def state(self) -> str | None:
        """``#call-state``'s ``data-state`` now."""
        return self.call(lambda page: page.get_attribute("#call-state", "data-state"))

    def wait_state(self, state: str, timeout: float | None = None) -> None:
        """Wait until ``#call-state[data-state]`` is ``state``."""
        ms = self._ms(timeout)
        selector = f'#call-state[data-state="{state}"]'
        self.call(
            lambda page: page.wait_for_selector(selector, state="attached", timeout=ms),
            timeout=ms / 1000,
        )

    def stats(self) -> dict[str, Any]:
        """``await window.consoleStats()``: state, attempt, video/audio figures, notBlack."""
        return self.evaluate("() => window.consoleStats()")

    def wait_stats(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        timeout: float | None = None,
        interval: float = 0.25,
    ) -> dict[str, Any]:
        """Poll :meth:`stats` until ``predicate(stats)``; returns those stats. On timeout,
        raises AssertionError quoting the last stats."""
        deadline = time.monotonic() + (self.default_timeout if timeout is None else timeout)
        last: dict[str, Any] = {}
        while True:
            last = self.stats()
            if predicate(last):
                return last
            if time.monotonic() > deadline:
                raise AssertionError(f"console stats never matched; last: {last}")
            time.sleep(interval)

    def end(self) -> None:
        self.call(lambda page: page.click("#btn-end"))

    def mute(self) -> None:
        self.call(lambda page: page.click("#btn-mute"))

    def camera_off(self) -> None:
        self.call(lambda page: page.click("#btn-camera"))
