"""The quality ladder against synthetic links and arbitrary sample sequences.

``SimulatedLink`` plays a constrained uplink one second at a time: the spoke sends what the
ladder's step and the doctor's estimate allow, the link drops what exceeds its capacity
plus random loss, and the estimate behaves like a receiver-side one (down to 0.85x the
delivered rate on overuse, otherwise up 8 % a second but never above 1.5x what it receives
plus 10 kbps).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spoke_client.call.events import Quality, Step
from spoke_client.call.ladder import STEPS, Ladder, LinkSample
from spoke_client.call.tuning import DEFAULT_TUNING

SEED = 20261204


@dataclass
class SimulatedLink:
    capacity_kbps: float
    random_loss: float
    rng: random.Random
    estimate_kbps: float = DEFAULT_TUNING.video_start_kbps
    at: float = 0.0
    steps: list[tuple[float, Step]] = field(default_factory=list)

    def sample(self, step: Step) -> LinkSample:
        self.at += 1.0
        tuning = DEFAULT_TUNING
        cap = tuning.ladder[step].max_video_kbps
        if step is Step.AUDIO_ONLY:
            video = 0.3  # the black frame a second
        else:
            video = max(tuning.video_min_kbps, min(self.estimate_kbps, cap))
        send = video + tuning.opus_kbps
        overflow = max(0.0, send - self.capacity_kbps) / send
        if overflow > 0:
            self.estimate_kbps = 0.85 * self.capacity_kbps
        else:
            self.estimate_kbps = min(self.estimate_kbps * 1.08, 1.5 * send + 10)
        loss = 1 - (1 - self.random_loss) * (1 - overflow)
        packets = int(50 + video / 8)
        lost = sum(self.rng.random() < loss for _ in range(packets))
        return LinkSample(
            at=self.at,
            loss=lost / packets,
            rtt_s=0.3,
            available_kbps=self.estimate_kbps,
            send_kbps=send,
        )

    def run(self, ladder: Ladder, seconds: int) -> None:
        for _ in range(seconds):
            if (changed := ladder.observe(self.sample(ladder.step))) is not None:
                self.steps.append((self.at, changed))


def test_a_150_kbps_lossy_link_settles_low_and_climbs_back_when_freed():
    print("seed", SEED)
    ladder = Ladder(DEFAULT_TUNING, start=Step.VGA_15)
    link = SimulatedLink(capacity_kbps=150, random_loss=0.05, rng=random.Random(SEED))
    link.run(ladder, 90)
    print("limited:", link.steps)
    settled = [step for at, step in link.steps if at > 30]
    assert ladder.step in (Step.QVGA_8, Step.AUDIO_ONLY)
    assert len(settled) <= 1  # no flapping once settled
    assert ladder.quality in (Quality.WEAK, Quality.AUDIO_ONLY)

    freed_at = link.at
    link.capacity_kbps, link.random_loss = 5000, 0.0
    link.run(ladder, 40)
    print("freed:", link.steps)
    back = next(at for at, step in link.steps if at > freed_at and step is Step.VGA_15)
    # From audio-only: three climbs of 8 clean seconds each, plus the estimate's ramp.
    assert back - freed_at <= 35
    assert ladder.step is Step.VGA_15 and ladder.quality is Quality.GOOD


def test_a_good_link_stays_at_the_top():
    ladder = Ladder(DEFAULT_TUNING)
    link = SimulatedLink(capacity_kbps=2000, random_loss=0.005, rng=random.Random(SEED))
    link.run(ladder, 120)
    assert link.steps == []
    assert ladder.quality is Quality.GOOD


def test_a_link_at_the_edge_of_a_step_does_not_flap():
    """160 kbps is below QVGA_15's ceiling (170 kbps with the voice): the step may hold by
    running its encoder below the ceiling, or fall back; a failed try doubles the wait."""
    ladder = Ladder(DEFAULT_TUNING, start=Step.QVGA_8)
    link = SimulatedLink(capacity_kbps=160, random_loss=0.0, rng=random.Random(SEED))
    link.run(ladder, 300)
    print("edge:", link.steps)
    ups = [at for at, step in link.steps if step is Step.QVGA_15]
    assert 1 <= len(ups) <= 6
    gaps = [b - a for a, b in pairwise(ups)]
    assert gaps == sorted(gaps)
    assert len(link.steps) <= 12


def test_a_still_picture_under_a_roomy_estimate_is_not_a_limit():
    """A still scene sends 60 kbps at VGA; the estimate, 1.5x that, is below VGA's need but
    above what we send: no reason to step down."""
    ladder = Ladder(DEFAULT_TUNING)
    for second in range(30):
        assert ladder.observe(LinkSample(second, 0.0, 0.1, 1.5 * 80 + 10, 80)) is None


@pytest.mark.parametrize("start", STEPS)
def test_total_loss_reaches_audio_only_fast(start):
    ladder = Ladder(DEFAULT_TUNING, start=start)
    for second in range(6):
        ladder.observe(LinkSample(second, 1.0, None, None, 100))
    assert ladder.step is Step.AUDIO_ONLY and ladder.quality is Quality.AUDIO_ONLY


def test_an_estimate_below_what_we_send_steps_down_one_step_at_a_time():
    ladder = Ladder(DEFAULT_TUNING, settle_s=0)
    changes = [ladder.observe(LinkSample(t, 0.0, None, 100, 300)) for t in range(6)]
    # 100 kbps: below VGA's and QVGA_15's need (370, 170), enough for QVGA_8 (90).
    assert changes == [None, Step.QVGA_15, None, Step.QVGA_8, None, None]


def test_an_estimate_that_follows_a_small_send_rate_is_not_a_limit():
    """A still picture: VP8 sends 50 kbps, the doctor's estimate follows at 56-65 kbps, far
    below every video step's need. Nothing is full, so nothing steps down."""
    ladder = Ladder(DEFAULT_TUNING)
    rng = random.Random(SEED)
    for second in range(60):
        send = 50 + 20 + rng.uniform(-3, 3)
        assert ladder.observe(LinkSample(second, 0.0, 0.01, rng.uniform(56, 65) + 20, send)) is None


samples = st.lists(
    st.tuples(
        st.floats(0.5, 2.0),  # seconds since the previous sample
        st.one_of(st.just(0.0), st.floats(0.0, 1.0)),
        st.one_of(st.none(), st.floats(0.0, 1000.0)),
        st.floats(0.0, 500.0),
    ),
    max_size=200,
)


def _feed(ladder: Ladder, items) -> list[tuple[float, int, Step, Step, LinkSample]]:
    at, changes = 0.0, []
    for index, (gap, loss, available, send) in enumerate(items):
        at += gap
        sample = LinkSample(at, loss, None, available, send)
        before = ladder.step
        if (changed := ladder.observe(sample)) is not None:
            changes.append((at, index, before, changed, sample))
        assert changed is None or changed is ladder.step
    return changes


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(STEPS), samples)
def test_never_flaps(start, items):
    ladder = Ladder(DEFAULT_TUNING, start=start)
    changes = _feed(ladder, items)
    for (at0, i0, _, _, _), (at1, i1, before, after, sample) in pairwise(changes):
        if STEPS.index(after) < STEPS.index(before):  # up
            assert STEPS.index(before) - STEPS.index(after) == 1  # one step at a time
            assert at1 - at0 >= ladder.up_after_s  # only after a long clean spell
            assert sample.loss <= ladder.clean_loss
        else:  # down: judged on fresh samples only
            assert i1 - i0 >= ladder.down_samples
    if ladder.step is Step.AUDIO_ONLY:
        assert ladder.quality is Quality.AUDIO_ONLY
    elif ladder.step is Step.QVGA_8:
        assert ladder.quality is Quality.WEAK


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(STEPS), samples)
def test_total_loss_always_ends_in_audio_only(start, items):
    ladder = Ladder(DEFAULT_TUNING, start=start)
    _feed(ladder, items)
    _feed(ladder, [(1.0, 1.0, None, 100.0)] * 6)
    assert ladder.step is Step.AUDIO_ONLY
    _feed(ladder, [(1.0, 1.0, None, 20.0)] * 30)
    assert ladder.step is Step.AUDIO_ONLY


def test_a_lost_link_comes_back_one_step_lower_and_waits_before_climbing():
    ladder = Ladder(DEFAULT_TUNING)
    assert ladder.link_lost(10.0) is Step.QVGA_15
    assert ladder.link_lost(20.0) is Step.QVGA_8
    # Clean seconds on the new connection: no climb before up_after_s has passed.
    for second in range(21, 21 + int(ladder.up_after_s) - 1):
        assert ladder.observe(LinkSample(second, 0.0, 0.1, None, 60)) is None
    assert ladder.link_lost(40.0) is Step.AUDIO_ONLY
    assert ladder.link_lost(41.0) is None
    assert ladder.quality is Quality.AUDIO_ONLY
