"""Must-show 1: 500 encounters (100 with a 150 KB photo) made offline reach a real hub
process exactly once, photos byte-identical, when the hub appears."""

from __future__ import annotations

from .conftest import wait_until
from .hubproc import HubProcess


def test_500_offline_cases_reach_the_hub_exactly_once(tmp_path, make_spoke):
    hub = HubProcess(tmp_path / "hub").start()
    try:
        spoke = make_spoke()
        spoke.provision(hub.url, hub.enrol_code("HWC-0001"))
        hub.stop()  # the link goes down; everything below is made offline
        spoke.start_background_sync()
        encounters = spoke.make_cases(500, photos=100, photo_bytes=150_000, seed=7)
        status = spoke.run(spoke.engine.sync_status())
        assert status.waiting_items == 500 * 2 + 100 * 2  # patient + case ops, photo op + file
        assert status.online is False and status.last_error["kind"] == "hub-unreachable"
        assert spoke.outbox_states() == {"pending": 1100}

        hub.start()  # the hub appears; the background loop notices by itself
        wait_until(
            lambda: spoke.waiting()["ops"] + spoke.waiting()["media"] == 0, 240, what="drain"
        )
        stats = hub.stats()
        facility = stats["facilities"]["HWC-0001"]
        assert facility["encounters"] == 500
        assert facility["patients"] == 500
        assert facility["attachments"] == 100
        assert sorted(facility["encounter_ids"]) == sorted(encounters)
        assert facility["media"] == spoke.photos  # media id -> sha256 of the bytes the hub holds
        assert spoke.outbox_states() == {"sent": 1100}
        status = spoke.run(spoke.engine.sync_status())
        assert status.online is True and status.last_error is None and status.last_success
    finally:
        hub.stop()
