"""The sync loop's wait between failed rounds: full jitter, growing only while nothing gets
through, capped, and never shorter than the hub's Retry-After."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from spoke_client.store.store import Store
from spoke_client.store.worker import StoreWorker
from spoke_client.sync.errors import SyncError
from spoke_client.sync.service import SyncService, SyncSettings

from ..conftest import PIN


def service(**settings) -> SyncService:
    return SyncService(
        None,  # the wait needs no store
        clock=lambda: datetime.now(UTC),
        settings=SyncSettings(**settings),
        rng=random.Random(1),
    )


def waits(svc: SyncService, stalled: int, exc: SyncError, n: int = 400) -> list[float]:
    svc._stalled = stalled
    state = SimpleNamespace(outcome=SimpleNamespace(exception=lambda: exc))
    return [svc._backoff(state) for _ in range(n)]


def test_full_jitter_grows_with_rounds_that_moved_nothing_up_to_the_cap():
    svc = service(backoff_base_s=1, backoff_max_s=60)
    cut = SyncError(kind="hub-unreachable")
    first, fifth, tenth = (waits(svc, k, cut) for k in (1, 5, 10))
    assert 0 <= min(first) and max(first) <= 2  # base * 2**1
    assert max(fifth) <= 32 and max(fifth) > 8  # spread over [0, 32]
    assert max(tenth) <= 60 and min(tenth) < 30  # capped, still jittered from 0
    assert len(set(first)) > 300  # random, not a fixed schedule


async def test_a_round_that_moved_something_starts_the_backoff_again(store, paths, clock):
    store.close()
    worker = StoreWorker(lambda: Store.open(paths, operator="asha", pin=PIN, clock=clock))
    worker.start()
    try:
        svc = SyncService(worker, clock=clock, settings=SyncSettings(backoff_base_s=1))
        moved = False

        async def cut_round():  # a round cut by the link, after (or before) work got through
            svc._progressed = moved
            raise SyncError(kind="hub-unreachable")

        svc._round = cut_round
        for _ in range(6):
            with pytest.raises(SyncError):
                await svc._round_or_raise()
        assert svc._stalled == 6
        moved = True
        with pytest.raises(SyncError):
            await svc._round_or_raise()
        assert svc._stalled == 0
        assert max(waits(svc, svc._stalled, SyncError(kind="timeout"))) <= 2
    finally:
        worker.stop()


def test_retry_after_is_honoured():
    svc = service(backoff_base_s=0.01, backoff_max_s=0.1)
    busy = SyncError(kind="hub-busy", status=429, retry_after=7.0)
    assert min(waits(svc, 1, busy)) >= 7.0
