"""Shared fixtures: a fresh data folder, a controllable clock, and an open store.

Stores made here use ``KdfParams.light()`` so tests can unlock hundreds of times; the
real cost (about 0.5 s) is tuned by ``spoke-client init`` and exercised by the CLI tests.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spoke_client.store.keyvault import KdfParams
from spoke_client.store.store import Store, StorePaths

PIN = "246810"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 5, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def paths(tmp_path) -> StorePaths:
    return StorePaths(tmp_path / "data")


@pytest.fixture
def store_and_code(paths, clock):
    s, code = Store.create(
        paths,
        facility_code="HWC-0001",
        facility_name="Test Sub-centre",
        operator="asha",
        pin=PIN,
        kdf=KdfParams.light(),
        clock=clock,
    )
    yield s, code
    s.close()


@pytest.fixture
def store(store_and_code):
    return store_and_code[0]
