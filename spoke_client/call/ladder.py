"""The quality ladder: which step (picture size, frame rate, or voice only) the link carries.

Pure logic: the call feeds it one :class:`LinkSample` a second from its statistics and
applies the step it returns (``scaled_track.LadderVideoTrack.step`` and
``tuning.set_video_cap``).

Down fast, up slowly:

- **Down** when the loss of the last ``down_samples`` samples averages above ``down_loss``
  (a lone lossy second on a noisy link does not count), or after ``down_samples`` samples
  in a row with the doctor's bitrate estimate both below what the step needs (video
  ceiling + Opus) and *limiting* us: under ``limit_ratio`` (0.9) x what we send, and no
  longer ramping up (the peak of the last ``stall_samples`` samples at most ``rising`` x the
  peak of the ones before). A receiver's estimate follows what it receives (at most about
  1.5x that plus 10 kbps) and drops below it only when it sees the link's queue grow, so an
  estimate near what we send is no limit: a still picture simply needs few bits. The
  estimate is not judged for ``settle_s`` after a change. One step at a time: the estimate
  of a link that is not full says nothing about how far down to go.
- **Lost**: when the heartbeat goes silent the call reconnects one step lower
  (:meth:`Ladder.link_lost`), so a link flooded by the picture does not drown again.
- **Up** one step after ``up_after_s`` of samples with loss at most ``clean_loss`` and an
  estimate of at least ``up_headroom`` x what we send. (A receiver-side estimate is at
  most about 1.5x what it receives plus 10 kbps, so it can never show room for the next
  step's full need before we try it: the step up is the probe.) A probe that falls back
  within ``probe_window_s`` doubles the wait before that step is tried again, up to
  ``max_up_after_s``: this is the hysteresis that keeps a link at the edge of a step from
  flapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from spoke_client.call.events import Quality, Step
from spoke_client.call.tuning import DEFAULT_TUNING, CallTuning

STEPS: tuple[Step, ...] = tuple(Step)  # best first


@dataclass
class LinkSample:
    at: float  # monotonic seconds
    loss: float  # 0..1, from the doctor's receiver reports on our packets
    rtt_s: float | None
    available_kbps: float | None  # the doctor's bitrate estimate (REMB), None if unknown
    send_kbps: float  # what we sent since the last sample (audio + video)


class Ladder:
    """Chooses the ladder step from successive link samples (see the module docstring)."""

    def __init__(
        self,
        tuning: CallTuning = DEFAULT_TUNING,
        start: Step = Step.VGA_15,
        *,
        down_loss: float = 0.08,
        down_samples: int = 2,
        clean_loss: float = 0.02,
        weak_loss: float = 0.03,
        limit_ratio: float = 0.9,
        rising: float = 1.1,
        stall_samples: int = 3,
        settle_s: float = 4.0,
        up_after_s: float = 8.0,
        max_up_after_s: float = 60.0,
        up_headroom: float = 1.2,
        probe_window_s: float = 15.0,
    ) -> None:
        self.tuning = tuning
        self.step = Step(start)
        self.down_loss = down_loss
        self.down_samples = down_samples
        self.clean_loss = clean_loss
        self.weak_loss = weak_loss
        self.limit_ratio = limit_ratio
        self.rising = rising
        self.stall_samples = stall_samples
        self.settle_s = settle_s
        self.up_after_s = up_after_s
        self.max_up_after_s = max_up_after_s
        self.up_headroom = up_headroom
        self.probe_window_s = probe_window_s
        #: Seconds of clean samples needed before stepping up *into* each step.
        self.up_wait_s: dict[Step, float] = {step: up_after_s for step in STEPS}
        self._limited_run = 0
        self._losses: list[float] = []  # since the last change, the latest down_samples
        self._clean_since: float | None = None
        self._changed_at: float | None = None
        self._last_up_at: float | None = None
        self._previous: LinkSample | None = None
        self._estimates: list[float | None] = []
        self._recent_loss = 0.0

    @property
    def quality(self) -> Quality:
        if self.step is Step.AUDIO_ONLY:
            return Quality.AUDIO_ONLY
        if self.step is Step.QVGA_8 or self._recent_loss >= self.weak_loss:
            return Quality.WEAK
        return Quality.GOOD

    def need_kbps(self, step: Step) -> float:
        return self.tuning.need_kbps(step)

    def observe(self, sample: LinkSample) -> Step | None:
        """Take one sample; return the new step if it changed, else None."""
        previous, self._previous = self._previous, sample
        loss = min(max(sample.loss, 0.0), 1.0)
        self._recent_loss = max(loss, previous.loss if previous else 0.0)
        if self._changed_at is None:
            self._changed_at = sample.at

        self._estimates.append(sample.available_kbps)
        del self._estimates[: -2 * self.stall_samples]
        limited = self._limited(sample)
        self._limited_run = self._limited_run + 1 if limited else 0
        self._losses.append(loss)
        del self._losses[: -self.down_samples]
        lossy = (
            len(self._losses) == self.down_samples
            and sum(self._losses) / self.down_samples > self.down_loss
        )
        if loss > self.clean_loss:
            self._clean_since = None
        elif self._clean_since is None:
            self._clean_since = sample.at

        falling = lossy or self._limited_run >= self.down_samples
        if falling and self.step is not Step.AUDIO_ONLY:
            target = STEPS[STEPS.index(self.step) + 1]
            self._after_fall(sample.at)
            return self._change(target, sample.at)

        if self.step is not STEPS[0] and self._may_climb(sample):
            target = STEPS[STEPS.index(self.step) - 1]
            self._last_up_at = sample.at
            return self._change(target, sample.at)
        return None

    def link_lost(self, at: float) -> Step | None:
        """The call's heartbeat went silent: the link did not carry this step. One step
        down (a probe that ends this way backs off like any other); None at audio only."""
        if self.step is Step.AUDIO_ONLY:
            return None
        target = STEPS[STEPS.index(self.step) + 1]
        self._after_fall(at)
        return self._change(target, at)

    def _limited(self, sample: LinkSample) -> bool:
        """The doctor's estimate keeps us below what this step needs."""
        available = sample.available_kbps
        if available is None or self.step is Step.AUDIO_ONLY:
            return False
        if sample.at - (self._changed_at or sample.at) < self.settle_s:
            return False  # the encoder is still moving to the new step's rate
        if available >= self.need_kbps(self.step):
            return False
        if available >= self.limit_ratio * sample.send_kbps:
            return False  # room above what we send: a still picture, not a narrow link
        # Still ramping up (each window's peak well above the one before) is not a limit.
        n = self.stall_samples
        recent = [a for a in self._estimates[-n:] if a is not None]
        before = [a for a in self._estimates[-2 * n : -n] if a is not None]
        if len(recent) < n or len(before) < n:
            return True
        return max(recent) <= self.rising * max(before)

    def _may_climb(self, sample: LinkSample) -> bool:
        if self._clean_since is None or self._changed_at is None:
            return False
        since = max(self._clean_since, self._changed_at)
        target = STEPS[STEPS.index(self.step) - 1]
        if sample.at - since < self.up_wait_s[target]:
            return False
        if self.step is Step.AUDIO_ONLY or sample.available_kbps is None:
            # Voice alone gives the estimate nothing to measure: clean loss must do.
            return True
        return sample.available_kbps >= self.up_headroom * sample.send_kbps

    def _after_fall(self, at: float) -> None:
        """Back off the step we are leaving if it was a probe that did not hold."""
        if self._last_up_at is not None and at - self._last_up_at <= self.probe_window_s:
            self.up_wait_s[self.step] = min(self.up_wait_s[self.step] * 2, self.max_up_after_s)
        else:
            self.up_wait_s[self.step] = self.up_after_s
        self._last_up_at = None

    def _change(self, step: Step, at: float) -> Step:
        self.step = step
        self._changed_at = at
        self._limited_run = 0
        self._losses.clear()
        self._clean_since = None
        return step
