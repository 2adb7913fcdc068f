"""Must-show 3: bad hub answers (malformed JSON, wrong schema, 500s, an unsupported protocol
version, a hub that accepts the connection and never answers, a slow drip, a captive
portal's text, a truncated body, a push reply about other ops) never crash the spoke and
never mark anything as synced.

A spoke is provisioned with the real hub and part of its work is synced (ops sent, a photo
confirmed, a hub message pulled so the cursor has moved); more work is queued. Then its link
is pointed (in the store, without ``save_link``, which would reset what was sent) at:

- a ``BadHub`` that answers everything wrongly (the round fails at hello);
- a ``FrontHub`` that passes everything to the real hub except the push, the tus upload or
  the pull, which a ``BadHub`` mode answers, so each bad answer reaches the step it attacks.

For every mode: ``sync_now`` says ok False with the right problem, within ~3x the read
timeout for the ones that hang; the outbox, confirmed media, upload URLs, pull cursor and
pulled messages are exactly as before; the engine still answers. The background loop rides
out a run of bad hubs and, pointed back at the real hub, drains everything, 0 lost and 0
duplicated.

Observed and asserted: a ``truncated`` body (Content-Length longer than what arrives, then
the connection closes) is ``hub-unreachable`` (aiohttp's ``ClientPayloadError``: the link was
cut mid-answer), not ``bad-reply``; both are retried and neither marks anything.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import replace

import aiohttp
import pytest
from aiohttp import web

from spoke_hub.store import HubStore
from tests.support.badhub import MODES, BadHub
from tests.support.netfault import LoopThread

from .conftest import wait_until
from .spoke import FAST, Spoke
from .test_faults import assert_hub_matches

# Real answers get FAST's timeouts; while a bad hub is in the way the read timeout is short,
# so a hub that hangs costs the test about a second.
READ_TIMEOUT = 1.0
BAD = replace(FAST, read_timeout_s=READ_TIMEOUT, connect_timeout_s=READ_TIMEOUT)
HANGS = {"never-answers", "slow-drip"}

# mode -> (kind, params the problem must carry). ``what`` is filled in per step.
EXPECTED: dict[str, tuple[str, dict]] = {
    "malformed-json": ("bad-reply", {}),
    "wrong-schema": ("bad-reply", {}),
    "wrong-content-type": ("bad-reply", {}),
    "truncated": ("hub-unreachable", {"why": "ClientPayloadError"}),
    "http-500": ("hub-error", {"status": 500}),
    "http-503-retry-after": ("hub-busy", {"status": 503, "retry_after": 2.0}),
    "unsupported-protocol": ("update-needed", {"supported": [2]}),
    "never-answers": ("timeout", {}),
    "slow-drip": ("timeout", {}),
}
assert set(EXPECTED) == set(MODES), "a BadHub mode has no expectation here"
# One mode of each kind, for the upload and pull steps (hello and push get every mode).
STEP_MODES = (
    "malformed-json",
    "truncated",
    "http-500",
    "http-503-retry-after",
    "unsupported-protocol",
    "never-answers",
)


# ---- helpers -------------------------------------------------------------------------------
def enrol_code(hub, facility: str, name: str = "Test Sub-centre") -> str:
    """A one-time code made in-process on the serving hub's data (as ``spoke-hub enrol-code``
    does from its own process), quicker than a subprocess for fixtures."""
    with HubStore.open(hub.data) as store:
        return store.create_enrol_code(facility, name)


def repoint(spoke: Spoke, url: str, settings=BAD) -> None:
    """Point the spoke's link elsewhere without touching what was sent (not save_link)."""
    spoke.engine.sync.settings = settings

    def work(s) -> None:
        with s.write():
            s.conn.execute("UPDATE hub_link SET hub_url = ?", (url,))

    spoke.session.worker.call(work)


def wake(spoke: Spoke) -> None:
    async def poke() -> None:
        spoke.engine.sync.wake()

    spoke.run(poke())


def snapshot(spoke: Spoke) -> dict:
    """Everything a sync can mark: outbox rows, media confirmations and upload URLs, the
    pull cursor and epoch, pulled messages, prescriptions and case states, last success."""

    def read(s) -> dict:
        def rows(sql: str) -> list[tuple]:
            return sorted(tuple(r) for r in s.conn.execute(sql).fetchall())

        state = s.sync.state()
        return {
            "outbox_states": dict(
                s.conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
            ),
            "outbox": rows(
                "SELECT op_id, state, sent_at, acked_epoch, reject_code FROM outbox ORDER BY seq"
            ),
            "confirmed": rows("SELECT id, confirmed_at FROM attachments"),
            "upload_urls": rows("SELECT id, upload_url FROM attachments"),
            "cursor": state.get("cursor"),
            "epoch": state.get("epoch"),
            "last_success": state.get("last_success"),
            "messages": rows("SELECT id, encounter_id FROM messages"),
            "prescriptions": rows("SELECT id FROM prescriptions"),
            "case_states": rows("SELECT id, state FROM encounters"),
        }

    return spoke.session.worker.call(read)


def check_failed_round(
    spoke: Spoke, mode: str, what: str, before: dict, started: float, outcome
) -> None:
    """ok False with the mode's problem, in time; nothing marked; the engine still answers."""
    elapsed = time.monotonic() - started
    kind, params = EXPECTED[mode]
    if kind == "bad-reply":
        params = {"what": what}
    assert outcome.ok is False, (mode, outcome)
    problem = outcome.problem or {}
    assert problem.get("kind") == kind, (mode, problem)
    assert {k: problem.get(k) for k in params} == params, (mode, problem)
    assert elapsed <= 3 * READ_TIMEOUT, (mode, elapsed)  # a hang costs the read timeout
    if mode in HANGS:
        assert elapsed >= 0.8 * READ_TIMEOUT, (mode, elapsed)
    assert outcome.pushed == outcome.uploaded == outcome.pulled == 0
    assert snapshot(spoke) == before, f"{mode}: a bad answer changed what is marked synced"
    assert spoke.session.thread.running
    status = spoke.run(spoke.engine.sync_status(), timeout=5)
    assert status.last_error == problem
    assert status.update_needed is (kind == "update-needed")
    assert status.online is (kind not in ("hub-unreachable", "timeout"))
    assert status.last_success == before["last_success"]


class FrontHub:
    """A pass-through to the real hub on loopback. A request ``bad_for(method, path)`` picks is
    answered by ``bad`` (a ``BadHub`` that is not itself listening; its current mode answers);
    ``rewrite(method, path, body)`` may alter a real answer's body on its way back."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.bad = BadHub("http-500")
        self.bad_for: Callable[[str, str], bool] = lambda method, path: False
        self.rewrite: Callable[[str, str, bytes], bytes] | None = None
        self.port = 0
        self._thread = LoopThread("FrontHub")
        self._thread.run(self._start())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.bad_for(request.method, request.path):
            return await self.bad._handle(request)
        body = await request.read()
        skip = {"host", "content-length", "transfer-encoding"}
        headers = {k: v for k, v in request.headers.items() if k.lower() not in skip}
        async with self._http.request(
            request.method,
            self.upstream + request.path_qs,
            headers=headers,
            data=body or None,
            allow_redirects=False,
        ) as reply:
            data = await reply.read()
            drop = {"content-length", "transfer-encoding", "content-encoding", "connection"}
            out = {k: v for k, v in reply.headers.items() if k.lower() not in drop}
            status = reply.status
        if self.rewrite is not None:
            data = self.rewrite(request.method, request.path, data)
        return web.Response(status=status, body=data, headers=out)

    async def _close(self) -> None:
        for task in list(self.bad._handlers):  # a never-answers handler still waiting
            task.cancel()
        await self._runner.cleanup()
        await self._http.close()

    def stop(self) -> None:
        try:
            self._thread.run(self._close(), timeout=10)
        finally:
            self._thread.stop()


@pytest.fixture
def half_synced(hub, make_spoke):
    """A spoke with 3 cases (one photo) synced and a hub message pulled, then 2 more cases
    (one photo) queued. Returns (spoke, synced case ids, queued case ids)."""
    spoke = make_spoke()
    spoke.provision(hub.url, enrol_code(hub, "HWC-0001"))
    synced = spoke.make_cases(3, photos=1, photo_bytes=60_000, seed=11)
    assert spoke.run(spoke.engine.sync_now()).ok
    with HubStore.open(hub.data) as store:
        store.message(synced[0], "Please send a clearer photo of the rash.")
    outcome = spoke.run(spoke.engine.sync_now())
    assert outcome.ok and outcome.pulled == 1, outcome
    queued = spoke.make_cases(2, photos=1, photo_bytes=60_000, seed=12)
    before = snapshot(spoke)
    assert before["outbox_states"] == {"sent": 7, "pending": 5}
    assert sum(1 for _id, at in before["confirmed"] if at) == 1
    assert before["cursor"] and len(before["messages"]) == 1
    return spoke, synced, queued


@pytest.fixture
def front(hub):
    f = FrontHub(hub.url)
    yield f
    f.stop()


# ---- the tests -----------------------------------------------------------------------------
def test_every_bad_hub_mode_fails_the_round_and_marks_nothing(hub, half_synced):
    spoke, _synced, _queued = half_synced
    before = snapshot(spoke)
    with BadHub("http-500") as bad:
        repoint(spoke, bad.url)
        for mode in MODES:
            bad.mode = mode
            asked = len(bad.requests)
            started = time.monotonic()
            outcome = spoke.run(spoke.engine.sync_now(), timeout=30)
            check_failed_round(spoke, mode, "Hello", before, started, outcome)
            assert bad.requests[asked:] == [("GET", "/v1/hello")], mode  # it did ask the hub
    repoint(spoke, hub.url, FAST)
    outcome = spoke.run(spoke.engine.sync_now())
    assert outcome.ok and (outcome.pushed, outcome.uploaded) == (5, 1), outcome
    status = spoke.run(spoke.engine.sync_status())
    assert status.last_error is None and not status.update_needed and status.online
    assert_hub_matches(hub, spoke)


def test_bad_answers_to_a_push_mark_nothing_sent(hub, half_synced, front):
    """Hello goes through to the real hub; only the push is answered badly."""
    spoke, _synced, _queued = half_synced
    repoint(spoke, front.url)
    before = snapshot(spoke)
    front.bad_for = lambda method, path: (method, path) == ("POST", "/v1/push")
    for mode in MODES:
        front.bad.mode = mode
        asked = len(front.bad.requests)
        started = time.monotonic()
        outcome = spoke.run(spoke.engine.sync_now(), timeout=30)
        check_failed_round(spoke, mode, "PushReply", before, started, outcome)
        assert front.bad.requests[asked:] == [("POST", "/v1/push")], mode
    assert hub.stats()["facilities"]["HWC-0001"]["encounters"] == 3  # none reached the hub


def _results_rewritten(change: Callable[[list[dict]], list[dict]]):
    def rewrite(method: str, path: str, body: bytes) -> bytes:
        if (method, path) != ("POST", "/v1/push"):
            return body
        reply = json.loads(body)
        reply["results"] = change(reply["results"])
        return json.dumps(reply).encode()

    return rewrite


def _other_ids(results: list[dict]) -> list[dict]:
    return [dict(r, op_id=str(uuid.uuid4())) for r in results]


def _one_missing(results: list[dict]) -> list[dict]:
    return results[:-1]


def _one_extra(results: list[dict]) -> list[dict]:
    return results + [dict(results[0], op_id=str(uuid.uuid4()))]


def test_a_push_reply_about_other_ops_is_a_bad_reply(hub, half_synced, front):
    """The real hub applies the push, but the answer that comes back lists other op ids (all
    'applied'), one op too few, or one too many: the spoke believes none of it, marks nothing
    sent, and the replay later costs nothing (0 lost, 0 duplicated)."""
    spoke, _synced, _queued = half_synced
    repoint(spoke, front.url, FAST)
    encounters = 5
    for n, change in enumerate((_other_ids, _one_missing, _one_extra)):
        if n:
            spoke.make_cases(1, seed=20 + n)
        before = snapshot(spoke)
        pending = before["outbox_states"]["pending"]
        front.rewrite = _results_rewritten(change)
        outcome = spoke.run(spoke.engine.sync_now())
        assert outcome.ok is False, change.__name__
        assert outcome.problem == {"kind": "bad-reply", "what": "PushReply.results"}
        assert snapshot(spoke) == before, change.__name__
        got = hub.stats()["facilities"]["HWC-0001"]
        assert got["encounters"] == encounters  # the hub did apply them
        front.rewrite = None
        outcome = spoke.run(spoke.engine.sync_now())
        assert outcome.ok and outcome.pushed == pending, (change.__name__, outcome)
        assert_hub_matches(hub, spoke)
        encounters += 1


def test_bad_answers_to_uploads_and_pulls_confirm_nothing(hub, half_synced, front):
    """The push goes through; then every tus request, and later every pull, is answered badly:
    no photo is confirmed, no upload URL kept, the cursor does not move, no message lands."""
    spoke, synced, _queued = half_synced
    hub.cli("case", "message", synced[1], "Is the child feeding well?")
    repoint(spoke, front.url)
    for step, what, picks in (
        ("upload", "tus-create", lambda method, path: path.startswith("/v1/files")),
        ("pull", "PullReply", lambda method, path: path == "/v1/pull"),
    ):
        front.bad_for = picks
        front.bad.mode = "http-500"
        # A first round does what may still be done before the attacked step (the push; then
        # the upload), and fails at that step: from there on nothing may change.
        first = spoke.run(spoke.engine.sync_now())
        assert not first.ok and first.problem["kind"] == "hub-error", (step, first)
        before = snapshot(spoke)
        assert before["outbox_states"] == {"sent": 12}
        confirmed = sum(1 for _id, at in before["confirmed"] if at)
        assert confirmed == (1 if step == "upload" else 2), step
        for mode in STEP_MODES:
            front.bad.mode = mode
            started = time.monotonic()
            outcome = spoke.run(spoke.engine.sync_now(), timeout=30)
            check_failed_round(spoke, mode, what, before, started, outcome)
    front.bad_for = lambda method, path: False
    outcome = spoke.run(spoke.engine.sync_now())
    assert outcome.ok and outcome.pulled == 1, outcome
    assert len(snapshot(spoke)["messages"]) == 2
    assert_hub_matches(hub, spoke)


def test_the_background_loop_rides_out_bad_hubs_then_drains(hub, half_synced):
    spoke, _synced, _queued = half_synced
    before = snapshot(spoke)
    sync = spoke.engine.sync
    sequence = (
        "http-500",
        "malformed-json",
        "truncated",
        "never-answers",
        "http-503-retry-after",
        "unsupported-protocol",  # the loop stops retrying by itself: it waits to be woken
        "slow-drip",
        "wrong-schema",
    )
    with BadHub("http-500", retry_after_s=1) as bad:
        repoint(spoke, bad.url)
        spoke.start_background_sync()
        for mode in sequence:
            kind = EXPECTED[mode][0]
            # A retryable failure is tried again by the loop itself; update-needed is not.
            wanted = 1 if kind == "update-needed" else 2
            asked = len(bad.requests)
            bad.mode = mode
            wake(spoke)

            def ridden_out(asked=asked, kind=kind, wanted=wanted):
                status = spoke.run(spoke.engine.sync_status(), timeout=5)
                tried = len(bad.requests) - asked
                return (status.last_error or {}).get("kind") == kind and tried >= wanted

            wait_until(ridden_out, 20, step=0.05, what=f"the loop to retry through {mode}")
            if mode == "never-answers":
                # While a request hangs (the round holds the sync lock), the engine answers.
                wait_until(
                    lambda: spoke.run(spoke.engine.sync_status(), timeout=1).syncing,
                    5,
                    step=0.02,
                    what="a hanging request",
                )
                status = spoke.run(spoke.engine.sync_status(), timeout=1)
                assert status.waiting_items == 6 and status.online is False
            assert snapshot(spoke) == before, f"{mode}: a bad answer changed what is marked"
            assert sync._task is not None and not sync._task.done(), f"loop died at {mode}"
            assert spoke.session.thread.running
        assert spoke.run(spoke.engine.sync_status()).update_needed is False
    repoint(spoke, hub.url, FAST)
    spoke.make_cases(2, photos=1, photo_bytes=60_000, seed=13)  # wakes the loop too
    wait_until(lambda: spoke.waiting()["ops"] + spoke.waiting()["media"] == 0, 30, what="drain")
    wait_until(
        lambda: spoke.run(spoke.engine.sync_status()).last_error is None, 10, what="all clear"
    )
    assert sync._task is not None and not sync._task.done()
    got = assert_hub_matches(hub, spoke)
    assert got["encounters"] == 7 and len(got["media"]) == 3


def test_a_hub_that_trickles_its_answer_is_cut_off_by_the_request_deadline(hub, half_synced):
    """One byte every 0.3 s never trips a 1 s read timeout; the whole-request deadline
    (3 x the read timeout for a JSON call) does, and nothing is marked."""
    spoke, _synced, _queued = half_synced
    before = snapshot(spoke)
    with BadHub("slow-drip", drip_interval_s=0.3) as bad:
        repoint(spoke, bad.url)
        started = time.monotonic()
        outcome = spoke.run(spoke.engine.sync_now(), timeout=60)
        elapsed = time.monotonic() - started
    assert not outcome.ok and outcome.problem["kind"] == "timeout", outcome
    assert elapsed < 3 * READ_TIMEOUT + 2, elapsed
    assert snapshot(spoke) == before
