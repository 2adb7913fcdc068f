"""Must-show 2: faults between a spoke and a real hub process, each counted and asserted to
lose nothing and duplicate nothing. Randomness is seeded and the seed printed.

- a loopback proxy cuts connections at >= 200 random byte offsets during push and upload;
- the hub is SIGKILLed at the first byte of its reply after it committed a push (and a chunk);
- every request is replayed 2-3 times, out of order;
- the spoke's clock is a year ahead, and a year behind;
- the hub is restored from an older backup (new epoch) and the spoke sends again what it lost.
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest

from tests.support.netfault import FaultProxy, RandomCuts, replay_http, split_http_requests

from .conftest import wait_until
from .hubproc import HubProcess
from .spoke import FAST, ShiftedClock, Spoke

SEED = int(os.environ.get("SPOKE_FAULT_SEED", random.SystemRandom().randrange(1 << 30)))
QUICK = FAST.__class__(**{**FAST.__dict__, "backoff_base_s": 0.01, "backoff_max_s": 0.1})


def drained(spoke: Spoke) -> bool:
    w = spoke.waiting()
    return w["ops"] + w["media"] == 0


def assert_hub_matches(hub: HubProcess, spoke: Spoke, facility: str = "HWC-0001") -> dict:
    """0 lost and 0 duplicated: the hub holds exactly the spoke's records, each op applied
    once, and every photo byte-identical."""
    local = spoke.session.worker.call(
        lambda s: {
            "patients": s.conn.execute("SELECT count(*) FROM patients").fetchone()[0],
            "encounters": sorted(
                r[0] for r in s.conn.execute("SELECT id FROM encounters WHERE state != 'draft'")
            ),
            "attachments": s.conn.execute("SELECT count(*) FROM attachments").fetchone()[0],
            "ops": s.conn.execute("SELECT count(*) FROM outbox").fetchone()[0],
            "not_sent": s.conn.execute(
                "SELECT count(*) FROM outbox WHERE state != 'sent'"
            ).fetchone()[0],
        }
    )
    got = hub.stats()["facilities"][facility]
    lost = {
        "encounters": len(set(local["encounters"]) - set(got["encounter_ids"])),
        "photos": len(set(spoke.photos) - set(got["media"])),
        "not_sent": local["not_sent"],
    }
    duplicated = {
        "encounters": got["encounters"] - len(set(got["encounter_ids"])),
        "ops": got["ops"] - local["ops"],
    }
    print(f"seed={SEED} lost={lost} duplicated={duplicated}")
    assert lost == {"encounters": 0, "photos": 0, "not_sent": 0}
    assert duplicated == {"encounters": 0, "ops": 0}
    assert sorted(got["encounter_ids"]) == local["encounters"]
    assert got["patients"] == local["patients"]
    assert got["attachments"] == local["attachments"]
    assert {m: got["media"][m] for m in spoke.photos} == spoke.photos  # sha256 of hub's bytes
    return got


@pytest.fixture
def hub_and_proxy(tmp_path):
    hub = HubProcess(tmp_path / "hub").start()
    proxy = FaultProxy(("127.0.0.1", hub.port)).start_in_thread()
    yield hub, proxy
    proxy.stop()
    hub.stop()


def test_cuts_at_200_random_byte_offsets_lose_and_duplicate_nothing(hub_and_proxy, make_spoke):
    hub, proxy = hub_and_proxy
    spoke = make_spoke(settings=QUICK.__class__(**{**QUICK.__dict__, "batch_size": 25}))
    spoke.provision(proxy.url, hub.enrol_code("HWC-0001"))
    proxy.record = True  # to tell, for each cut, which request it fell in
    spoke.start_background_sync()
    wave = 0
    # Pushes first (records only, offsets within a push body), then media uploads.
    for seed, count, max_offset, cases, photos in (
        (SEED, 110, 30_000, 60, 0),
        (SEED + 1, 110, 200_000, 10, 10),
    ):
        target = len(proxy.cuts) + count
        proxy.cut_plan = RandomCuts(seed, count=count, max_offset=max_offset, direction="both")
        while len(proxy.cuts) < target:
            wave += 1
            assert wave < 40, f"only {len(proxy.cuts)} cuts after {wave} waves"
            spoke.make_cases(cases, photos=photos, photo_bytes=150_000, seed=SEED + 100 * wave)
            wait_until(
                lambda t=target: drained(spoke) or len(proxy.cuts) >= t, 300, what="progress"
            )
    proxy.cut_plan = None
    wait_until(lambda: drained(spoke), 300, what="drain after the cuts")
    during = Counter(_request_at_cut(proxy, c) for c in proxy.cuts)
    print(f"seed={SEED} cuts={len(proxy.cuts)} waves={wave} during={dict(during)}")
    assert len(proxy.cuts) >= 200
    assert during["POST /v1/push"] >= 50 and during["PATCH /v1/files"] >= 50
    assert len({c.offset for c in proxy.cuts}) > 150  # random offsets, not a few boundaries
    assert_hub_matches(hub, spoke)


def test_hub_killed_after_commit_before_its_reply(tmp_path, make_spoke):
    hub = HubProcess(tmp_path / "hub").start()
    kills = []

    def kill_hub(info) -> None:
        kills.append(info.request[:40])
        hub.kill()

    proxy = FaultProxy(
        ("127.0.0.1", hub.port),
        on_first_reply_byte=kill_hub,
        request_startswith=b"POST /v1/push",
        kill_budget=4,
    ).start_in_thread()
    running = True

    def restarter() -> None:
        while running:
            if not hub.alive:
                try:
                    hub.start()
                except RuntimeError:
                    # Killed while starting: a push reached the new process before its
                    # health check passed, it committed, and the hook killed it. Again.
                    continue
            time.sleep(0.05)

    keeper = threading.Thread(target=restarter, daemon=True)
    try:
        spoke = make_spoke(settings=QUICK.__class__(**{**QUICK.__dict__, "batch_size": 20}))
        spoke.provision(proxy.url, hub.enrol_code("HWC-0001"))
        keeper.start()
        spoke.make_cases(100, photos=6, photo_bytes=150_000, seed=SEED)
        spoke.start_background_sync()
        wait_until(lambda: drained(spoke), 240, what="drain past push kills")
        # Then kill it after it has stored an upload chunk, before it answers.
        proxy.request_startswith = b"PATCH /v1/files"
        proxy.kill_budget = 3
        spoke.make_cases(10, photos=10, photo_bytes=400_000, seed=SEED + 1)
        wait_until(lambda: drained(spoke), 240, what="drain past upload kills")
        print(f"seed={SEED} kills={len(kills)} hub starts={hub.starts}")
        assert len(kills) == 7 and hub.starts >= 8
        assert_hub_matches(hub, spoke)
    finally:
        running = False
        keeper.join(5) if keeper.is_alive() else None
        proxy.stop()
        hub.stop()


def test_every_request_replayed_two_or_three_times_out_of_order(hub_and_proxy, make_spoke):
    hub, proxy = hub_and_proxy
    spoke = make_spoke()
    spoke.provision(hub.url, hub.enrol_code("HWC-0001"))
    # Point the spoke through the recording proxy (same hub: nothing needs sending again).
    spoke.session.worker.call(_repoint(proxy.url))
    proxy.record = True
    spoke.make_cases(60, photos=8, photo_bytes=150_000, seed=SEED)
    assert spoke.run(spoke.engine.sync_now()).ok
    before = assert_hub_matches(hub, spoke)
    requests = [r for stream in proxy.recorded for r in split_http_requests(stream)]
    assert sum(r.startswith(b"POST /v1/push") for r in requests) >= 1
    assert sum(r.startswith(b"PATCH /v1/files") for r in requests) >= 8
    rng = random.Random(SEED)
    replays = [r for r in requests for _ in range(rng.choice((2, 3)))]
    rng.shuffle(replays)

    async def replay_all():
        answers = []
        for raw in replays:
            answers.append((raw.split(b" ", 2)[:2], await replay_http("127.0.0.1", hub.port, raw)))
        return answers

    answers = asyncio.run(replay_all())
    print(f"seed={SEED} replayed {len(replays)} requests ({len(requests)} distinct)")
    for (method, path), (status, _headers, body) in answers:
        assert status < 500, (method, path, status, body[:200])
        if method == b"POST" and path == b"/v1/push":
            assert status == 200
            assert b'"replay":false' not in body.replace(b" ", b"")
    after = assert_hub_matches(hub, spoke)
    assert after == before


def _request_at_cut(proxy: FaultProxy, cut) -> str:
    """The request a cut fell in: on its connection, the last request that started before
    the cut's upstream byte count (for a cut in a reply, the request being answered)."""
    stream = bytes(proxy.recorded_by_conn.get(cut.conn_no, b""))[: cut.bytes_up]
    start = max(stream.rfind(m) for m in (b"GET /", b"POST /", b"PATCH /", b"HEAD /"))
    if start < 0:
        return "none"
    method, target = stream[start:].split(b" ", 2)[:2]
    path = target.decode().split("?")[0]
    if path.startswith("/v1/files/"):
        path = "/v1/files"
    return f"{method.decode()} {path}"


def _repoint(url: str):
    def work(s) -> None:
        with s.write(check_disk=False):
            s.conn.execute("UPDATE hub_link SET hub_url = ?", (url,))

    return work


@pytest.mark.parametrize("days", [365, -365])
def test_a_spoke_clock_a_year_off_still_syncs_and_is_warned(hub, make_spoke, days):
    spoke = make_spoke(clock=ShiftedClock(timedelta(days=days)))
    spoke.provision(hub.url, hub.enrol_code("HWC-0001"))
    spoke.make_cases(30, photos=3, photo_bytes=150_000, seed=SEED)
    outcome = spoke.run(spoke.engine.sync_now())
    assert outcome.ok, outcome.problem
    status = spoke.run(spoke.engine.sync_status())
    assert status.skew_warning
    assert abs(status.clock_skew_s + days * 86400) < 120
    assert_hub_matches(hub, spoke)


def test_hub_restored_from_an_older_backup_gets_everything_again(tmp_path, hub, make_spoke):
    spoke = make_spoke()
    spoke.provision(hub.url, hub.enrol_code("HWC-0001"))
    spoke.make_cases(40, photos=4, photo_bytes=150_000, seed=SEED)
    assert spoke.run(spoke.engine.sync_now()).ok
    hub.cli("backup", str(tmp_path / "hub-backup"))
    spoke.make_cases(40, photos=4, photo_bytes=150_000, seed=SEED + 1)
    assert spoke.run(spoke.engine.sync_now()).ok
    assert_hub_matches(hub, spoke)
    hub.stop()
    hub.cli("restore", str(tmp_path / "hub-backup"))  # the newer 40 cases are gone at the hub
    hub.start()
    assert hub.stats()["facilities"]["HWC-0001"]["encounters"] == 40
    outcome = spoke.run(spoke.engine.sync_now())
    assert outcome.ok, outcome.problem
    wait_until(lambda: drained(spoke), 60, what="re-push")
    got = assert_hub_matches(hub, spoke)
    assert got["encounters"] == 80


def test_an_upload_that_expired_at_the_hub_starts_again_and_completes(tmp_path, make_spoke):
    """tus expiration: an upload cut part-way and left past its expiry is gone at the hub
    (410); the spoke's kept URL no longer works, so it creates the upload again and the
    hub ends with the whole file, byte-identical."""
    hub = HubProcess(tmp_path / "hub", extra=("--upload-expiry-hours", str(2 / 3600))).start()
    proxy = FaultProxy(("127.0.0.1", hub.port)).start_in_thread()
    try:
        spoke = make_spoke()
        spoke.provision(proxy.url, hub.enrol_code("HWC-0001"))
        spoke.make_cases(1, photos=0, seed=SEED)
        assert spoke.run(spoke.engine.sync_now()).ok
        spoke.make_cases(1, photos=1, photo_bytes=600_000, seed=SEED + 1)
        proxy.rate_bps = 800_000  # 100 KB/s: the upload takes a few seconds
        running = spoke.session.thread.submit(spoke.engine.sync_now())
        wait_until(
            lambda: (spoke.run(spoke.engine.sync_status()).upload or {}).get("done", 0) > 0,
            30,
            what="part of the photo at the hub",
        )
        proxy.refuse = True  # the link goes down mid-upload
        proxy.cut_all()
        assert not running.result(60).ok
        url = spoke.session.worker.call(lambda s: s.sync.media_due()[0]["upload_url"])
        assert url, "the upload URL is kept in the store"
        time.sleep(3)  # past the 2 s expiry
        proxy.refuse, proxy.rate_bps = False, None
        outcome = spoke.run(spoke.engine.sync_now())
        assert outcome.ok and outcome.uploaded == 1, outcome
        assert any("HEAD /v1/files/" in line and " 410" in line for line in hub.output)
        assert drained(spoke)
        assert_hub_matches(hub, spoke)
    finally:
        proxy.stop()
        hub.stop()
