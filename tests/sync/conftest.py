"""Fixtures for the sync tests: a real hub process on loopback and real spokes."""

from __future__ import annotations

import pytest

from .hubproc import HubProcess
from .spoke import Spoke


@pytest.fixture
def hub(tmp_path):
    process = HubProcess(tmp_path / "hub").start()
    yield process
    process.stop()


@pytest.fixture
def make_spoke(tmp_path):
    made: list[Spoke] = []

    def make(name: str = "spoke", **kw) -> Spoke:
        spoke = Spoke(tmp_path / name, **kw)
        made.append(spoke)
        return spoke

    yield make
    for spoke in made:
        spoke.close()


def wait_until(predicate, timeout: float, step: float = 0.2, what: str = "condition"):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
