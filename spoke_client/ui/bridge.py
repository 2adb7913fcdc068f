"""The one way the GUI thread reaches the engine: coroutines in, Qt signals out.

``bridge.call(coro, on_ok, on_err)`` schedules the coroutine on the engine loop and returns
at once; when it finishes, the callback runs on the GUI thread (a queued signal). The GUI
thread never waits on the engine, the disk or the network.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from spoke_client.engine.host import EngineHost


class Bridge(QObject):
    _finished = Signal(object, object, object)  # (callback pair, result, error)
    busy_changed = Signal(int)  # how many engine calls are in flight

    def __init__(self, host: EngineHost, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self._in_flight = 0
        # Queued even when the future is already done on the GUI thread's own call: the
        # callback never runs inside ``call()``.
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def engine(self):
        return self.host.engine

    def call(
        self,
        coro: Coroutine[Any, Any, Any],
        on_ok: Callable[[Any], None] | None = None,
        on_err: Callable[[BaseException], None] | None = None,
    ) -> Future:
        future = self.host.submit(coro)
        self._in_flight += 1
        self.busy_changed.emit(self._in_flight)

        def done(f: Future) -> None:  # runs on the engine thread
            error = f.exception()
            self._finished.emit((on_ok, on_err), None if error else f.result(), error)

        future.add_done_callback(done)
        return future

    def _deliver(self, callbacks: tuple, result: Any, error: BaseException | None) -> None:
        self._in_flight -= 1
        self.busy_changed.emit(self._in_flight)
        on_ok, on_err = callbacks
        if error is not None:
            if on_err is None:
                raise error
            on_err(error)
        elif on_ok is not None:
            on_ok(result)

    @property
    def in_flight(self) -> int:
        return self._in_flight
