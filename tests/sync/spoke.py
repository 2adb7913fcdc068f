"""A spoke for the sync tests and the bench: a real encrypted store and the real engine
(EngineSession), with cases made through the same use cases the app uses."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from spoke_client.engine.session import EngineSession
from spoke_client.store.keyvault import KdfParams
from spoke_client.store.store import Store, StorePaths
from spoke_client.sync.service import SyncSettings
from tests.engine.test_engine import intake  # the same complete intake the engine tests use

PIN = "246810"
IST = timezone(timedelta(hours=5, minutes=30))
FAST = SyncSettings(
    batch_size=100,
    interval_s=0.5,
    backoff_base_s=0.05,
    backoff_max_s=0.5,
    connect_timeout_s=3,
    read_timeout_s=5,
)


class ShiftedClock:
    """The real clock moved by ``offset`` (a spoke whose date is set wrong)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


class Spoke:
    def __init__(
        self,
        root: Path,
        *,
        facility: str = "HWC-0001",
        clock: ShiftedClock | None = None,
        settings: SyncSettings = FAST,
    ) -> None:
        self.paths = StorePaths(Path(root))
        self.clock = clock or ShiftedClock()
        if not self.paths.exists():
            store, _ = Store.create(
                self.paths,
                facility_code=facility,
                facility_name=f"Sub-centre {facility}",
                operator="asha",
                pin=PIN,
                kdf=KdfParams.light(),
                clock=self.clock,
            )
            store.close()
        self.session = EngineSession(
            lambda: Store.open(self.paths, operator="asha", pin=PIN, clock=self.clock),
            clock=self.clock,
            tz=IST,
        )
        self.session.engine.sync.settings = settings
        self.session.start()
        self.engine = self.session.engine
        self.photos: dict[str, str] = {}  # media id -> sha256

    def run(self, coro, timeout: float | None = 120):
        return self.session.run(coro, timeout)

    def close(self) -> None:
        self.run(self.engine.sync.stop())
        self.session.stop()

    def provision(self, hub_url: str, code: str) -> dict:
        return self.run(self.engine.provision(hub_url, code, device_name="test spoke"))

    def start_background_sync(self) -> None:
        async def start():
            self.engine.sync.start()

        self.run(start())

    def make_cases(self, count: int, *, photos: int = 0, photo_bytes: int = 150_000, seed: int = 1):
        """``count`` complete cases (patient, vitals, complaint, consent), the first ``photos``
        with a photo of ``photo_bytes``. Returns the encounter ids."""
        rng = random.Random(seed)
        ids = []
        for i in range(count):
            patient = self.run(
                self.engine.register_patient(
                    dict(
                        name=f"{rng.choice(FIRST)} {_letters(seed * 100_000 + i)}",
                        sex=rng.choice(["female", "male"]),
                        age_years=rng.randint(18, 90),
                        village="Rampur",
                        address="",
                    )
                )
            )
            saved = self.run(self.engine.save_draft(None, patient.id, {"page": "vitals"}, "vitals"))
            if i < photos:
                data = b"\xff\xd8\xff\xe0" + rng.randbytes(photo_bytes - 4)
                media_id = self.run(
                    self.engine.attach_media(
                        saved.encounter_id, [data], kind="photo", mime="image/jpeg"
                    )
                )
                self.photos[media_id] = hashlib.sha256(data).hexdigest()
            self.run(self.engine.complete_intake(saved.encounter_id, intake()))
            ids.append(saved.encounter_id)
        return ids

    def waiting(self) -> dict:
        return self.session.worker.call(lambda s: s.sync.waiting())

    def outbox_states(self) -> dict[str, int]:
        rows = self.session.worker.call(
            lambda s: s.conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        )
        return dict(rows)


FIRST = ["Seeta", "Laxmi", "Mohan", "Iqbal", "Kavita", "Ramesh", "Sunita", "Arjun"]


def _letters(n: int) -> str:
    """A distinct letters-only surname for each number (names may not hold digits)."""
    out = ""
    n += 26 * 27
    while n:
        n, r = divmod(n, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[r] + out
    return out.capitalize()
