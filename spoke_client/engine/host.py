"""The engine as the app sees it, before and after an operator unlocks the store.

The engine thread starts with the app. Until someone logs in there is no store worker: the
host answers "is there a store?", "who are the operators?", sets up a new store, and
unlocks one (the slow PIN derivation runs off the loop, on the worker thread that will own
the connection). After unlock, ``host.engine`` holds the use cases. Auto-lock only checks
a PIN again (``verify_pin``): the store, sync and calls keep running.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spoke_client.engine.loop import EngineThread
from spoke_client.store.keyvault import MIN_PIN_DIGITS, KdfParams, KeyVault
from spoke_client.store.paths import StorePaths

if TYPE_CHECKING:  # loaded at login, off the GUI thread: the login screen comes up sooner
    from spoke_client.engine.usecases import Engine
    from spoke_client.store.store import Store
    from spoke_client.store.worker import StoreWorker

__all__ = ["MIN_PIN_DIGITS", "EngineHost"]


class EngineHost:
    def __init__(
        self,
        paths: StorePaths,
        *,
        clock: Callable[[], datetime],
        tz: tzinfo,
        kdf: Callable[[], KdfParams] = KdfParams.tuned,
    ) -> None:
        self.paths = paths
        self.clock = clock
        self.tz = tz
        self._kdf = kdf
        self.thread = EngineThread()
        self.engine: Engine | None = None
        # This desktop's settings (language, idle lock, camera, audio devices); the app's
        # screens share this one dict.
        self.settings: dict[str, Any] = {}
        self.operator: str | None = None
        self._worker: StoreWorker | None = None
        self._provision_task: asyncio.Task | None = None

    def start(self) -> None:
        self.thread.start()

    def submit(self, coro):
        return self.thread.submit(coro)

    async def _off_loop(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    # ---- settings of this desktop (not patient data; readable before login) ----------------
    async def load_ui_settings(self) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            try:
                data = json.loads(self._settings_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
            return data if isinstance(data, dict) else {}

        return await self._off_loop(read)

    async def save_ui_settings(self, settings: dict[str, Any]) -> None:
        def write() -> None:
            self.paths.root.mkdir(parents=True, exist_ok=True)
            tmp = self._settings_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(settings, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self._settings_file)

        await self._off_loop(write)

    @property
    def _settings_file(self) -> Path:
        return self.paths.root / "ui-settings.json"

    # ---- before login -----------------------------------------------------------------------
    async def startup(self) -> dict[str, Any]:
        """What the first screen needs, in one trip: settings, whether a store exists, and
        the operators (for the login screen)."""

        def read() -> dict[str, Any]:
            exists = self.paths.exists()
            return {
                "exists": exists,
                "operators": KeyVault(self.paths.keyslots).operators() if exists else [],
            }

        settings = await self.load_ui_settings()
        self.settings.update(settings)
        return {"settings": settings, **await self._off_loop(read)}

    async def store_exists(self) -> bool:
        return await self._off_loop(self.paths.exists)

    async def operators(self) -> list[dict]:
        return await self._off_loop(lambda: KeyVault(self.paths.keyslots).operators())

    async def set_up(self, facility_code: str, facility_name: str, operator: str, pin: str) -> str:
        """Create the store and open it for the first operator. Returns the recovery code."""
        code: list[str] = []

        from spoke_client.store.store import Store

        def create() -> Store:
            store, recovery = Store.create(
                self.paths,
                facility_code=facility_code,
                facility_name=facility_name,
                operator=operator,
                pin=pin,
                kdf=self._kdf(),
                clock=self.clock,
            )
            code.append(recovery)
            return store

        await self._start_worker(create, operator)
        return code[0]

    async def unlock(self, operator: str, pin: str) -> Engine:
        from spoke_client.store.store import Store

        return await self._start_worker(
            lambda: Store.open(self.paths, operator=operator, pin=pin, clock=self.clock), operator
        )

    async def _start_worker(self, opener: Callable[[], Store], operator: str) -> Engine:
        if self._worker is not None:
            raise RuntimeError("already unlocked")
        from spoke_client.engine.usecases import Engine
        from spoke_client.store.worker import StoreWorker

        worker = StoreWorker(opener)
        await self._off_loop(worker.start)  # raises WrongPin & co. from the worker thread
        # The capture layer (OpenCV, PyAV, PortAudio) loads here, off the loop, at login.
        capture_desk = await self._off_loop(_capture_desk_class)
        self._worker = worker
        self.operator = operator
        self.engine = Engine(
            worker, clock=self.clock, tz=self.tz, sync_settings=_sync_settings(self.settings)
        )
        self.engine.capture = capture_desk(
            worker,
            attach=self.engine.attach_media,
            settings=self.settings,
            save_settings=lambda: self.save_ui_settings(dict(self.settings)),
        )
        # Sync runs while the store is open (auto-lock included), in the background.
        self.engine.sync.start()
        self._provision_task = asyncio.get_running_loop().create_task(
            self._provision_from_dropped_file(self.engine)
        )
        return self.engine

    def provisioning_files(self) -> list[Path]:
        """Where district IT may drop ``provision.toml``: beside the program, or in the data
        folder."""
        import sys

        from spoke_client.sync.provision import PROVISION_FILE

        beside = Path(sys.executable).parent if getattr(sys, "frozen", False) else None
        return [d / PROVISION_FILE for d in (beside, self.paths.root) if d is not None]

    async def _provision_from_dropped_file(self, engine: Engine) -> None:
        """Enrol from a dropped provisioning file if this desktop has no hub yet. A file that
        fails (used code, hub down) is reported through the sync status and tried again at
        the next login; a used one is renamed so it is not tried again."""
        from spoke_client.sync.errors import SyncError

        if await engine.hub_link() is not None:
            return
        for path in self.provisioning_files():
            if not await self._off_loop(path.is_file):
                continue
            try:
                await engine.provision_from_file(path)
            except SyncError as exc:
                engine.sync.note_problem(exc)
                return
            await self._off_loop(lambda p=path: os.replace(p, p.with_suffix(".toml.used")))
            return

    # ---- after login ------------------------------------------------------------------------
    async def verify_pin(self, operator: str, pin: str) -> None:
        """The auto-lock screen's check. Same counters and lock-out as a login."""
        await self._off_loop(
            lambda: KeyVault(self.paths.keyslots, clock=lambda: self.clock().timestamp()).unlock(
                operator, pin
            )
        )
        if self._worker is not None:
            await self._worker.run(lambda s: _audit(s, "unlock-screen", operator))

    async def lock_store(self) -> None:
        """Forget the key: close the store (quitting, or another operator logging in)."""
        engine = self.engine
        worker, self._worker, self.engine, self.operator = self._worker, None, None, None
        if engine is not None:
            await engine.consult.end_and_wait()  # devices closed before the store goes
            await engine.sync.stop()
        if worker is not None:
            await self._off_loop(worker.stop)

    def stop(self) -> None:
        if self.thread.running:
            self.thread.run(self.lock_store())
            self.thread.stop()


def _sync_settings(settings: dict[str, Any]):
    """Sync settings of this desktop: ``"sync": {"purge_after_days": 30, ...}`` in
    ui-settings.json (district IT's knob for how long confirmed media stay here)."""
    from spoke_client.sync.service import SyncSettings

    wanted = settings.get("sync") if isinstance(settings.get("sync"), dict) else {}
    known = SyncSettings.__dataclass_fields__
    values = {}
    for key, value in wanted.items():
        if key in known and isinstance(value, int | float) and not isinstance(value, bool):
            values[key] = type(getattr(SyncSettings(), key))(value)
    return SyncSettings(**values)


def _capture_desk_class():
    from spoke_client.engine.capture import CaptureDesk

    return CaptureDesk


def _audit(store: Store, action: str, operator: str) -> None:
    with store.write(check_disk=False):
        store.audit.record(action, entity="operator", operator=operator)
