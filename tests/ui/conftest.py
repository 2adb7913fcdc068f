"""UI fixtures: a real engine host on a real SQLCipher store, and an AppContext whose
navigation is recorded, so a screen can be tested alone with pytest-qt."""

from __future__ import annotations

import os
from datetime import timedelta, timezone

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from spoke_client.engine.host import EngineHost  # noqa: E402
from spoke_client.store.keyvault import KdfParams  # noqa: E402
from spoke_client.store.store import StorePaths  # noqa: E402
from spoke_client.store.timestamps import utc_now  # noqa: E402

IST = timezone(timedelta(hours=5, minutes=30))
PIN = "246810"


@pytest.fixture
def host(tmp_path):
    """A started engine host with a new store, unlocked as operator 'asha'."""
    h = EngineHost(StorePaths(tmp_path / "data"), clock=utc_now, tz=IST, kdf=KdfParams.light)
    h.start()
    h.thread.run(h.set_up("HWC-0001", "Test Sub-centre", "asha", PIN))
    yield h
    h.stop()


@pytest.fixture
def fresh_host(tmp_path):
    """A started engine host with no store yet (first run)."""
    h = EngineHost(StorePaths(tmp_path / "data"), clock=utc_now, tz=IST, kdf=KdfParams.light)
    h.start()
    yield h
    h.stop()


class Navigation:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def __call__(self, name: str, **params) -> None:
        self.calls.append((name, params))

    @property
    def last(self) -> tuple[str, dict] | None:
        return self.calls[-1] if self.calls else None


@pytest.fixture
def ctx(qapp, host):
    from spoke_client.ui.bridge import Bridge
    from spoke_client.ui.common import AppContext

    bridge = Bridge(host)
    return AppContext(bridge=bridge, go=Navigation(), tz=IST, settings=host.settings)
