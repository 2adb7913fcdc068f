"""Starting and stopping the engine: the store worker thread and the engine loop thread."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, tzinfo
from typing import Any, TypeVar

from spoke_client.engine.loop import EngineThread
from spoke_client.engine.usecases import Engine
from spoke_client.store.store import Store
from spoke_client.store.worker import StoreWorker

T = TypeVar("T")


class EngineSession:
    """The running engine for one unlocked store. Use as a context manager.

    ``opener`` opens the store (unlocking it) and runs on the store worker thread, so the
    connection is made on the thread that will own it.
    """

    def __init__(self, opener: Callable[[], Store], *, clock: Callable[[], datetime], tz: tzinfo):
        self.worker = StoreWorker(opener)
        self.thread = EngineThread()
        self.engine = Engine(self.worker, clock=clock, tz=tz)

    def start(self) -> EngineSession:
        self.worker.start()
        try:
            self.thread.start()
        except BaseException:
            self.worker.stop()
            raise
        return self

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return self.thread.run(coro, timeout)

    def stop(self) -> None:
        self.thread.stop()
        self.worker.stop()

    def __enter__(self) -> EngineSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
