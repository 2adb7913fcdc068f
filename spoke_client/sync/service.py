"""The sync service: on the engine loop, it keeps the hub up to date while the store is open.

One round: say hello (epoch, clock), push the outbox in batches, upload media, pull the
hub's changes, purge media the hub confirmed long enough ago. Between rounds it sleeps
until something new is written (``wake``) or the interval passes. A failed round is retried
for ever with full-jitter exponential backoff (tenacity), honouring Retry-After; failures
no retry can fix (update needed, device revoked) wait for someone to act.

Only the hub's answers move anything to "sent": a timeout, a cut, a malformed or unexpected
answer leaves every row pending. The status the operator sees is read from the store
(what waits) and from the last round (what went wrong, in codes the UI words).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception, wait_random_exponential

from spoke_client.store.timestamps import stamp
from spoke_client.store.worker import StoreWorker
from spoke_client.sync import protocol as p
from spoke_client.sync.errors import SyncError
from spoke_client.sync.hublink import HubLink
from spoke_client.sync.upload import ChunkSizer, MediaUploader, UploadItem

log = logging.getLogger(__name__)


@dataclass
class SyncSettings:
    batch_size: int = 200
    interval_s: float = 30.0  # between rounds when nothing new is written
    backoff_base_s: float = 1.0
    backoff_max_s: float = 300.0
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    chunk_target_s: float = 3.0
    purge_after_days: float = 30.0
    skew_warn_s: float = 300.0
    pull_limit: int = 200


@dataclass(frozen=True)
class SyncStatus:
    provisioned: bool
    hub_url: str | None
    online: bool | None  # None: not tried yet
    syncing: bool
    waiting_items: int
    waiting_bytes: int
    rejected_items: int
    last_success: str | None
    last_error: dict[str, Any] | None  # {"kind": ..., other params}
    clock_skew_s: float | None
    skew_warning: bool
    upload: dict[str, Any] | None  # {"media_id", "done", "total"}
    paused_for_call: bool
    update_needed: bool


@dataclass(frozen=True)
class SyncOutcome:
    ok: bool
    pushed: int = 0
    rejected: int = 0
    uploaded: int = 0
    pulled: int = 0
    problem: dict[str, Any] | None = None


@dataclass
class _Round:
    pushed: int = 0
    rejected: int = 0
    uploaded: int = 0
    pulled: int = 0


# Failures of the link itself, not of one item: the round stops and reports them.
_LINK_PROBLEMS = frozenset({"update-needed", "device-revoked", "not-enrolled"})


def _call_sync(store: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    return getattr(store.sync, name)(*args, **kwargs)


def _problem(exc: SyncError) -> dict[str, Any]:
    return {"kind": exc.kind, **{k: v for k, v in exc.params.items() if k != "kind"}}


class SyncService:
    def __init__(
        self,
        worker: StoreWorker,
        *,
        clock: Callable[[], datetime],
        settings: SyncSettings | None = None,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.worker = worker
        self.clock = clock
        self.settings = settings or SyncSettings()
        self.rng = rng or random.Random()
        self.monotonic = monotonic
        self.sizer = ChunkSizer(target_s=self.settings.chunk_target_s)
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._resumed = asyncio.Event()
        self._resumed.set()
        self._task: asyncio.Task | None = None
        self._online: bool | None = None
        self._last_error: dict[str, Any] | None = None
        self._skew: float | None = None
        self._upload: dict[str, Any] | None = None
        self._update_needed = False
        self._provision_problem: dict[str, Any] | None = None
        self._progressed = False  # this round moved something (an op, a chunk, a change)
        self._stalled = 0  # failed rounds in a row that moved nothing
        self._first_offsets: dict[str, int] = {}
        self.bytes_uploaded = 0  # counters for tests and the bench
        self.rounds = 0

    # ---- running in the background -------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run(), name="sync")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def note_problem(self, exc: SyncError | None) -> None:
        """Provisioning from a dropped file failed (or, None, succeeded): until this desktop
        is enrolled, that problem is what the status shows, not "not set up"."""
        self._provision_problem = _problem(exc) if exc is not None else None
        if exc is not None:
            self._last_error = self._provision_problem

    def wake(self) -> None:
        """Something new was written: sync soon rather than at the next interval."""
        self._wake.set()

    def pause_for_call(self) -> None:
        """A live call needs the link: uploads and pulls stop until ``resume``."""
        self._resumed.clear()

    def resume(self) -> None:
        self._resumed.set()
        self.wake()

    async def run(self) -> None:
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, SyncError) and e.retryable),
            wait=self._backoff,
            sleep=self._sleep,
            reraise=True,
        )
        while True:
            try:
                async for attempt in retrying:
                    with attempt:
                        await self._resumed.wait()
                        await self._round_or_raise()
                wait = self.settings.interval_s
            except SyncError:
                wait = self.settings.interval_s * 10  # needs someone to act; Sync now retries
            except Exception:  # a bug must not stop sync for good; it is logged, not shown
                log.exception("sync round failed unexpectedly")
                wait = self.settings.interval_s
            await self._sleep(wait)

    def _backoff(self, retry_state) -> float:
        # Backoff grows with the failed rounds since the last one that moved anything: a
        # link cut every few tens of seconds, with work getting through between cuts, is
        # retried quickly every time; a link that is down backs off to the cap.
        stalled = SimpleNamespace(attempt_number=max(1, self._stalled))
        jitter = wait_random_exponential(
            multiplier=self.settings.backoff_base_s, max=self.settings.backoff_max_s
        )(stalled)
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        after = exc.retry_after if isinstance(exc, SyncError) else 0.0
        return max(jitter, min(after, 3600.0))

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake early when something new is written or Sync now is pressed."""
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    # ---- one round ----------------------------------------------------------------------------
    async def sync_now(self) -> SyncOutcome:
        """One round now; never raises. ``ok`` is True only if the hub took everything due."""
        try:
            done = await self._round_or_raise()
        except SyncError as exc:
            return SyncOutcome(ok=False, problem=_problem(exc))
        except Exception:  # a bug: logged with its traceback, reported as a failure
            log.exception("sync round failed unexpectedly")
            self._last_error = {"kind": "internal"}
            return SyncOutcome(ok=False, problem={"kind": "internal"})
        return SyncOutcome(
            ok=True,
            pushed=done.pushed,
            rejected=done.rejected,
            uploaded=done.uploaded,
            pulled=done.pulled,
        )

    async def _round_or_raise(self) -> _Round:
        async with self._lock:
            self.rounds += 1
            self._progressed = False
            self._first_offsets: dict[str, int] = {}
            try:
                done = await self._round()
            except SyncError as exc:
                self._stalled = 0 if self._progressed else self._stalled + 1
                self._last_error = _problem(exc)
                if exc.kind in ("hub-unreachable", "timeout", "tls"):
                    self._online = False
                elif exc.kind in ("not-provisioned", "insecure-url"):
                    self._online = None  # nothing was tried
                else:
                    self._online = True  # the hub answered, if not as hoped
                self._update_needed = exc.kind == "update-needed"
                await self._sync("put_state", last_error=self._last_error)
                raise
            finally:
                self._upload = None
            self._online, self._last_error, self._update_needed = True, None, False
            self._stalled = 0
            now = stamp(self.clock())
            await self._sync("put_state", last_success=now, last_error=None)
            return done

    async def _round(self) -> _Round:
        link_row = await self._sync("link")
        if link_row is None:
            raise SyncError(**(self._provision_problem or {"kind": "not-provisioned"}))
        done = _Round()
        async with self._link(link_row) as link:
            try:
                hello = await link.hello()
                await self._check_epoch(hello.epoch)
                await self._push(link, done)
                if self._resumed.is_set():
                    await self._upload_media(link, done)
                if self._resumed.is_set():
                    await self._pull(link, done)
            finally:
                self._note_skew(link.clock_skew_s)
        await self._purge()
        return done

    async def _sync(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``store.sync.<name>(*args, **kwargs)`` on the store worker."""
        return await self.worker.run(_call_sync, name, *args, **kwargs)

    def _link(self, row: dict) -> HubLink:
        return HubLink(
            row["hub_url"],
            row["token"],
            ca_bundle=row.get("ca_bundle"),
            pinned_sha256=row.get("pinned_sha256"),
            connect_timeout=self.settings.connect_timeout_s,
            read_timeout=self.settings.read_timeout_s,
            clock=self.clock,
        )

    def _note_skew(self, skew: float | None) -> None:
        if skew is not None:
            self._skew = skew

    async def _check_epoch(self, epoch: str) -> None:
        state = await self._sync("state")
        known = state.get("epoch")
        if known is None:
            await self._sync("put_state", epoch=epoch)
        elif known != epoch:
            requeued = await self._sync("new_epoch", epoch)
            log.warning("hub epoch changed; %d change(s) will be sent again", requeued)

    async def _push(self, link: HubLink, done: _Round) -> None:
        batch_size = self.settings.batch_size
        after = 0  # walk the outbox once per round: ops left for later do not block the rest
        while True:
            rows = await self._sync("due_ops", batch_size, after)
            if not rows:
                return
            ops = [
                p.Op(
                    op_id=r["op_id"],
                    entity=r["entity"],
                    entity_id=r["entity_id"],
                    version=r["entity_version"],
                    payload=json.loads(r["payload"]),
                    created_at=r["created_at"],
                )
                for r in rows
            ]
            try:
                reply = await link.push(ops)
            except SyncError as exc:
                # The hub refused the batch's content (413, 400, 422): halve it until the one
                # op it refuses is found, and park that op as rejected with the reason; the
                # others go on. Other 4xx (404 from a wrong address or a captive portal, 403)
                # say nothing about an op: the round fails and nothing is parked.
                if exc.kind == "too-large" or (
                    exc.kind == "refused" and exc.params.get("status") in (400, 422)
                ):
                    if len(ops) > 1:
                        batch_size = max(1, len(ops) // 2)  # find the op that does not fit
                        continue
                    why = (
                        "too-large"
                        if exc.kind == "too-large"
                        else str(exc.params.get("hub_code") or "refused")
                    )
                    await self._sync("reject", ops[0].op_id, why, exc.params.get("message"))
                    done.rejected += 1
                    after = max(after, rows[0]["seq"])
                    continue
                raise
            if reply.epoch != (await self._sync("state")).get("epoch"):
                await self._check_epoch(
                    reply.epoch
                )  # restored mid-round: push again from the start
                after = 0
                continue
            results = [(r.op_id, r.status.value, r.code, r.detail) for r in reply.results]
            await self._sync("apply_results", results, reply.epoch)
            self._progressed = self._progressed or any(
                r.status is not p.OpStatus.RETRY for r in reply.results
            )
            done.pushed += sum(r.status is p.OpStatus.APPLIED for r in reply.results)
            done.rejected += sum(r.status is p.OpStatus.REJECTED for r in reply.results)
            after = max(after, max(r["seq"] for r in rows))
            batch_size = min(self.settings.batch_size, batch_size * 2)  # grow back after 413

    async def _upload_media(self, link: HubLink, done: _Round) -> None:
        async def read_chunk(media_id: str, offset: int, length: int) -> bytes:
            return await self.worker.run(
                lambda s: s.media.read_range(
                    media_id, s.attachments.key_of(media_id), offset, length
                )
            )

        async def save_url(media_id: str, url: str | None) -> None:
            await self._sync("set_upload_url", media_id, url)

        def progress(media_id: str, done_bytes: int, total: int) -> None:
            self._upload = {"media_id": media_id, "done": done_bytes, "total": total}
            if done_bytes > self._first_offsets.setdefault(media_id, done_bytes):
                self._progressed = True

        uploader = MediaUploader(
            link,
            read_chunk,
            save_url,
            sizer=self.sizer,
            progress=progress,
            should_stop=lambda: not self._resumed.is_set(),
            monotonic=self.monotonic,
        )
        skip: set[str] = set()
        try:
            while True:
                rows = await self._sync("media_due", 50)
                rows = [r for r in rows if r["id"] not in skip]
                if not rows:
                    return
                for row in rows:
                    item = UploadItem(
                        media_id=row["id"],
                        encounter_id=row["encounter_id"],
                        mime=row["mime"],
                        size=row["size"],
                        sha256=row["sha256"],
                        upload_url=row["upload_url"],
                    )
                    try:
                        complete = await uploader.upload(item)
                    except SyncError as exc:
                        if exc.retryable or exc.kind in _LINK_PROBLEMS:
                            raise
                        # Refused for good (too large, lost): listed as refused, with the
                        # reason, and the other files still go.
                        skip.add(item.media_id)
                        why = str(exc.params.get("hub_code") or exc.kind)
                        await self._sync("reject_media", item.media_id, why, str(exc))
                        done.rejected += 1
                        continue
                    if not complete:
                        return
                    await self.worker.run(lambda s, m=item.media_id: s.sync.confirm_media(m))
                    self._progressed = True
                    done.uploaded += 1
        finally:
            self.bytes_uploaded += uploader.bytes_sent

    async def _pull(self, link: HubLink, done: _Round) -> None:
        while self._resumed.is_set():
            state = await self._sync("state")
            cursor = int(state.get("cursor") or 0)
            reply = await link.pull(cursor, self.settings.pull_limit)
            if reply.epoch != state.get("epoch"):
                # Restored from an older backup since hello: send again, then pull from 0.
                await self._check_epoch(reply.epoch)
                await self._push(link, done)
                continue
            changes = [c.model_dump(mode="json") for c in reply.changes]
            await self._sync("apply_changes", changes, reply.cursor, reply.epoch)
            done.pulled += len(changes)
            self._progressed = self._progressed or bool(changes)
            if not reply.more or reply.cursor <= cursor:
                return

    async def _purge(self) -> None:
        before = stamp(self.clock() - timedelta(days=self.settings.purge_after_days))
        await self._sync("purge_confirmed", before)

    # ---- what the operator sees ---------------------------------------------------------------
    async def status(self) -> SyncStatus:
        def read(s) -> tuple[dict | None, dict, dict]:
            return s.sync.link(), s.sync.waiting(), s.sync.state()

        link, waiting, state = await self.worker.run(read)
        skew = self._skew
        return SyncStatus(
            provisioned=link is not None,
            hub_url=link["hub_url"] if link else None,
            online=self._online,
            syncing=self._lock.locked(),
            waiting_items=waiting["ops"] + waiting["media"],
            waiting_bytes=waiting["bytes"],
            rejected_items=waiting["rejected"],
            last_success=state.get("last_success"),
            last_error=(
                self._last_error
                if self._last_error or self._online is not None
                else state.get("last_error")
            ),
            clock_skew_s=skew,
            skew_warning=skew is not None and abs(skew) > self.settings.skew_warn_s,
            upload=dict(self._upload) if self._upload else None,
            paused_for_call=not self._resumed.is_set(),
            update_needed=self._update_needed,
        )


__all__ = ["SyncOutcome", "SyncService", "SyncSettings", "SyncStatus"]
