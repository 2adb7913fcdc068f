"""The camera as the quality ladder wants it: the current step's size and frame rate.

:class:`LadderVideoTrack` wraps a video track (normally ``capture.tracks.CameraVideoTrack``)
and can be switched between ladder steps while the call runs. Frames it sends keep the
source's timestamps, so they stay monotonic across step changes.

With the camera off, or at the audio-only step, it sends a small black picture once a
second instead of nothing: a track that stops producing frames leaves the last camera
picture frozen on the doctor's screen (the patient's face, after the CHO turned the camera
off) and gives the doctor's browser no way to tell "off" from "stalled". A 64x48 black VP8
frame a second costs well under 1 kbps.
"""

from __future__ import annotations

import asyncio
import time
from fractions import Fraction

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from spoke_client.call.events import Step
from spoke_client.call.tuning import DEFAULT_TUNING, CallTuning

#: The picture sent while no camera picture may go out.
BLANK_SIZE = (64, 48)
BLANK_FPS = 1.0
_CLOCK_RATE = 90_000
_TIME_BASE = Fraction(1, _CLOCK_RATE)


def fit_size(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """The largest even size within ``max_width`` x ``max_height`` with the source's aspect
    ratio, never larger than the source."""
    scale = min(max_width / width, max_height / height, 1.0)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


class LadderVideoTrack(MediaStreamTrack):
    """``source``'s frames scaled to the current step's size (aspect kept) and thinned to
    its frame rate, as ``yuv420p`` (what VP8 encodes, so the encoder converts nothing).

    ``step`` and ``camera_off`` may be set at any time; the next frame follows them.

    aiortc stops a sender's track when its peer connection closes, so a reconnect needs a
    fresh ``LadderVideoTrack``; stopping one leaves ``source`` running for the next."""

    kind = "video"

    def __init__(
        self,
        source: MediaStreamTrack,
        tuning: CallTuning = DEFAULT_TUNING,
        step: Step = Step.VGA_15,
    ) -> None:
        super().__init__()
        self._source = source
        self._tuning = tuning
        self.step = step
        self.camera_off = False
        self._next_due: float | None = None  # source time (s) the next frame is due
        self._last_pts = -1
        self._offset = 0  # added to source pts so output pts never go back
        self._blank_start: float | None = None
        self._blanks = 0
        self.frames_sent = 0

    @property
    def step(self) -> Step:
        return self._step

    @step.setter
    def step(self, value: Step) -> None:
        self._step = Step(value)
        self._next_due = None

    @property
    def camera_off(self) -> bool:
        return self._camera_off

    @camera_off.setter
    def camera_off(self, value: bool) -> None:
        self._camera_off = bool(value)

    @property
    def sending_pictures(self) -> bool:
        return not self._camera_off and self._tuning.ladder[self._step].fps > 0

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if not self.sending_pictures:
            return await self._blank()
        self._blank_start = None
        bounds = self._tuning.ladder[self._step]
        interval = 1.0 / bounds.fps
        while True:
            frame = await self._source.recv()
            if not self.sending_pictures:  # switched off while we waited
                return await self._blank()
            at = float(frame.pts * frame.time_base)
            if self._next_due is None or at - self._next_due > interval:
                self._next_due = at  # first frame, or the source stalled: start afresh
            if at + 1e-6 >= self._next_due:
                self._next_due += interval
                break
        width, height = fit_size(frame.width, frame.height, bounds.width, bounds.height)
        scaled = frame.reformat(width=width, height=height, format="yuv420p")
        pts = int(at * _CLOCK_RATE) + self._offset
        if pts <= self._last_pts:  # the source's clock is behind ours (after blank frames)
            self._offset += self._last_pts + int(_CLOCK_RATE * interval) - pts
            pts = int(at * _CLOCK_RATE) + self._offset
        return self._stamp(scaled, pts)

    async def _blank(self) -> av.VideoFrame:
        """A black picture, one per second, its clock continuing the camera's."""
        now = time.monotonic()
        if self._blank_start is None:
            self._blank_start = now
            self._blanks = 0
        else:
            self._blanks += 1
            wait = self._blank_start + self._blanks / BLANK_FPS - now
            if wait > 0:
                await asyncio.sleep(wait)
            elif -wait > 1.0 / BLANK_FPS:  # fell behind (a busy loop): skip, no burst
                self._blank_start = now - self._blanks / BLANK_FPS
        width, height = BLANK_SIZE
        planes = np.zeros((height * 3 // 2, width), dtype=np.uint8)
        planes[height:] = 128  # neutral chroma: black, not green
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        self._next_due = None
        return self._stamp(frame, self._last_pts + int(_CLOCK_RATE / BLANK_FPS))

    def _stamp(self, frame: av.VideoFrame, pts: int) -> av.VideoFrame:
        """Give ``frame`` a pts after the previous one's, keeping the spacing of ``pts``."""
        if self._last_pts < 0:
            self._last_pts = pts - 1
        if pts <= self._last_pts:
            pts = self._last_pts + _CLOCK_RATE // 30
        self._last_pts = pts
        frame.pts = pts
        frame.time_base = _TIME_BASE
        self.frames_sent += 1
        return frame
