"""The store worker: one thread owns the SQLite connection; all database work is queued to it.

SQLite wants one writer; a connection belongs to the thread that made it. The engine (and
the CLI) hand the worker functions of the open ``Store`` and get futures back.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from spoke_client.store.store import Store

T = TypeVar("T")
_STOP = object()


class StoreWorker:
    def __init__(self, opener: Callable[[], Store], *, name: str = "store-worker") -> None:
        self._opener = opener
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._opened: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Open the store on the worker thread; re-raises what opening raised (wrong PIN...)."""
        self._thread.start()
        try:
            self._opened.result()
        except BaseException:
            self._thread.join()
            raise

    def _run(self) -> None:
        try:
            store = self._opener()
        except BaseException as exc:
            self._opened.set_exception(exc)
            return
        self._opened.set_result(None)
        try:
            while True:
                job = self._jobs.get()
                if job is _STOP:
                    break
                fn, args, kwargs, future = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(fn(store, *args, **kwargs))
                except BaseException as exc:
                    future.set_exception(exc)
        finally:
            store.close()
            # Anything queued after stop is answered, not left hanging.
            while not self._jobs.empty():
                job = self._jobs.get_nowait()
                if job is not _STOP:
                    job[3].set_exception(RuntimeError("store closed"))

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Run ``fn(store, *args, **kwargs)`` on the worker thread."""
        if not self._thread.is_alive():
            raise RuntimeError("store worker is not running")
        future: Future[T] = Future()
        self._jobs.put((fn, args, kwargs, future))
        return future

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Blocking form of ``submit``, for the CLI and tests."""
        return self.submit(fn, *args, **kwargs).result()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Awaitable form of ``submit``, for the engine's asyncio loop."""
        return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))

    def stop(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(_STOP)
            self._thread.join()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
