"""The use cases the UI and CLI ask for. Each runs on the engine loop and does its database
work on the store worker. Refusals come back as ``DomainRefused`` (codes with parameters);
store failures as ``StoreError`` codes. No sentences here: the UI and CLI word them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from typing import Any

from spoke_client.domain.complaints import ComplaintEntry
from spoke_client.domain.encounter import (
    CaseState,
    Consent,
    Encounter,
    History,
    Side,
    Specialty,
)
from spoke_client.domain.ids import new_id
from spoke_client.domain.matching import Match, likely_duplicates
from spoke_client.domain.patient import Patient
from spoke_client.domain.refusals import DomainRefused
from spoke_client.domain.vitals import TempUnit, read_vitals
from spoke_client.engine.consult import ConsultDesk
from spoke_client.store.store import Store
from spoke_client.store.worker import StoreWorker
from spoke_client.sync.errors import SyncError
from spoke_client.sync.provision import (
    Provisioning,
    default_device_name,
    enrol,
    read_provisioning_file,
)
from spoke_client.sync.service import SyncOutcome, SyncService, SyncSettings, SyncStatus

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class DraftSaved:
    encounter_id: str
    version: int


@dataclass(frozen=True)
class CaseSummary:
    encounter_id: str
    patient_id: str
    patient_name: str
    village: str
    state: CaseState
    specialty: str | None
    created_at: str
    draft_page: str | None


@dataclass(frozen=True)
class Intake:
    """What the wizard collected, as the operator entered it (vitals in the units typed)."""

    vitals: dict[str, float | None]
    temp_unit: TempUnit
    complaints: list[dict[str, Any]]
    history: dict[str, Any]
    specialty: Specialty
    consent_given: bool
    accompanying_adult: str | None = None


class Engine:
    """Use cases over one open store. ``operator`` is whoever unlocked it."""

    def __init__(
        self,
        worker: StoreWorker,
        *,
        clock: Clock,
        tz: tzinfo,
        sync_settings: SyncSettings | None = None,
    ) -> None:
        self.worker = worker
        self.clock = clock
        self.tz = tz
        # The capture desk (camera, microphone, recordings); set by the host at login.
        self.capture: Any = None
        # The hub link; its background loop is started by the host (the app), not by the CLI.
        self.sync = SyncService(worker, clock=clock, settings=sync_settings)
        # Live consults (one call at a time); uses the capture desk and sync above.
        self.consult = ConsultDesk(self)

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    # ---- patients ---------------------------------------------------------------------------
    async def register_patient(self, fields: dict[str, Any]) -> Patient:
        patient = Patient.create(today=self.today(), **fields)
        await self.worker.run(lambda s: s.patients.save(patient))
        self.sync.wake()
        return patient

    async def update_patient(self, patient_id: str, fields: dict[str, Any]) -> Patient:
        patient = Patient.create(today=self.today(), id=patient_id, **fields)
        await self.worker.run(lambda s: s.patients.save(patient))
        self.sync.wake()
        return patient

    async def get_patient(self, patient_id: str) -> Patient:
        return await self.worker.run(lambda s: s.patients.get(patient_id))

    async def search_patients(self, query: str, limit: int = 50) -> list[Patient]:
        return await self.worker.run(lambda s: s.patients.search(query, limit))

    async def find_duplicates(self, fields: dict[str, Any]) -> list[Match]:
        """Registered patients who may be the one about to be registered, most likely first.

        ``fields`` are the registration form's (as for ``register_patient``), validated the
        same way: a refused form raises ``DomainRefused`` before the store is read.
        """
        today = self.today()
        candidate = Patient.create(today=today, **fields)
        existing = await self.worker.run(
            lambda s: s.patients.duplicate_candidates(
                name=candidate.name,
                village=candidate.village,
                mobile=candidate.mobile,
                abha_number=candidate.abha_number,
                abha_address=candidate.abha_address,
            )
        )
        return likely_duplicates(candidate, existing, today=today)

    # ---- intake -----------------------------------------------------------------------------
    async def save_draft(
        self, encounter_id: str | None, patient_id: str, draft: dict[str, Any], page: str
    ) -> DraftSaved:
        """Autosave: the form exactly as typed (valid or not) and the page it is on."""
        saved = await self.worker.run(
            lambda s: s.encounters.save_draft(encounter_id, patient_id, draft, page)
        )
        return DraftSaved(*saved)

    async def load_draft(self, encounter_id: str) -> tuple[Encounter, dict | None, str | None]:
        return await self.worker.run(lambda s: s.encounters.get_with_draft(encounter_id))

    async def complete_intake(self, encounter_id: str, intake: Intake) -> Encounter:
        """Validate everything the wizard collected and move the case from draft to ready.

        The encounter, its vitals and its outbox row are written in one transaction.
        """
        today = self.today()
        refusals: list[Any] = []
        vitals = complaints = history = None
        try:
            vitals = read_vitals(intake.vitals, temp_unit=intake.temp_unit)
        except DomainRefused as exc:
            refusals.extend(exc.refusals)
        try:
            complaints = tuple(ComplaintEntry.create(**c) for c in intake.complaints)
        except DomainRefused as exc:
            refusals.extend(exc.refusals)
        try:
            history = History.create(today=today, **intake.history)
        except DomainRefused as exc:
            refusals.extend(exc.refusals)
        if refusals:
            raise DomainRefused(tuple(refusals))
        now = self.clock()

        def work(s: Store) -> Encounter:
            encounter = s.encounters.get(encounter_id)
            patient = s.patients.get(encounter.patient_id)
            consent = Consent(
                given=intake.consent_given,
                operator_id=s.operator,
                at=now,
                accompanying_adult=intake.accompanying_adult,
            )
            filled = replace(encounter, vitals=vitals, complaints=complaints, history=history)
            ready = filled.complete_intake(
                specialty=intake.specialty,
                consent=consent,
                patient_is_minor=patient.is_minor(today),
            )
            s.encounters.save(ready)
            return ready

        ready = await self.worker.run(work)
        self.sync.wake()
        return ready

    async def move_case(
        self, encounter_id: str, to: CaseState, *, reason: str | None = None
    ) -> Encounter:
        """A move the spoke owns (consult live, send for review, close, cancel)."""

        def work(s: Store) -> Encounter:
            moved = s.encounters.get(encounter_id).move(to, Side.SPOKE, reason=reason)
            s.encounters.save(moved)
            return moved

        moved = await self.worker.run(work)
        self.sync.wake()
        return moved

    async def attach_media(
        self,
        encounter_id: str,
        chunks: Iterable[bytes],
        *,
        kind: str,
        mime: str,
        caption: str = "",
        thumbnail: bytes | None = None,
    ) -> str:
        """Encrypt a photo/recording/file into the media vault and link it to the encounter."""
        media_id = new_id()

        def work(s: Store) -> str:
            s.encounters.get(encounter_id)  # refuses an unknown encounter before writing
            with s.media.writer(media_id) as writer:
                for chunk in chunks:
                    writer.write(chunk)
            try:
                s.attachments.add(
                    encounter_id,
                    writer.sealed,
                    kind=kind,
                    mime=mime,
                    caption=caption,
                    thumbnail=thumbnail,
                )
            except BaseException:
                s.media.delete(media_id)  # no key was stored: the file could never be read
                raise
            return media_id

        media_id = await self.worker.run(work)
        self.sync.wake()
        return media_id

    async def list_attachments(self, encounter_id: str) -> list[dict[str, Any]]:
        """The encounter's attachments still on its list, oldest first: dicts with id, kind,
        mime, size, caption and created_at."""
        rows = await self.worker.run(lambda s: s.attachments.for_encounter(encounter_id))
        keys = ("id", "kind", "mime", "size", "caption", "created_at")
        return [{k: r[k] for k in keys} for r in rows]

    async def remove_attachment(self, encounter_id: str, media_id: str) -> None:
        """Take an attachment off a draft's list (marked removed, audited, sent to the hub).

        ``NotFound`` if it is not on this encounter's list; ``DomainRefused``
        (``EncounterLocked``) once the intake is complete.
        """
        await self.worker.run(lambda s: s.attachments.remove(encounter_id, media_id))

    # ---- home -------------------------------------------------------------------------------
    async def list_today(self) -> list[CaseSummary]:
        day = self.today()
        rows = await self.worker.run(lambda s: s.encounters.list_for_day(day, self.tz))
        return [
            CaseSummary(
                encounter_id=r["id"],
                patient_id=r["patient_id"],
                patient_name=r["patient_name"],
                village=r["patient_village"],
                state=CaseState(r["state"]),
                specialty=r["specialty"],
                created_at=r["created_at"],
                draft_page=r["draft_page"],
            )
            for r in rows
        ]

    async def unfinished_drafts(self) -> list[dict]:
        return await self.worker.run(lambda s: s.encounters.drafts())

    async def outbox_pending(self) -> int:
        return await self.worker.run(lambda s: s.outbox.pending_count())

    # ---- sync -------------------------------------------------------------------------------
    async def sync_status(self) -> SyncStatus:
        return await self.sync.status()

    async def sync_now(self) -> SyncOutcome:
        """One sync round now. Never raises; ``ok`` False with the problem when it failed."""
        return await self.sync.sync_now()

    async def rejected_items(self) -> list[dict[str, Any]]:
        """Items the hub refused for good: op_id, entity, label (patient name), reject_code,
        last_error (the hub's words, if any), created_at."""
        return await self.worker.run(lambda s: s.sync.rejected())

    async def resend_rejected(self, op_id: str | None = None) -> int:
        count = await self.worker.run(lambda s: s.sync.requeue_rejected(op_id))
        self.sync.wake()
        return count

    async def hub_link(self) -> dict[str, Any] | None:
        """The hub this desktop is enrolled with (without the credential), or None."""
        link = await self.worker.run(lambda s: s.sync.link())
        if link is None:
            return None
        return {k: v for k, v in link.items() if k != "token"}

    async def provision(
        self,
        hub_url: str,
        code: str,
        *,
        device_name: str | None = None,
        ca_bundle: str | None = None,
        pinned_sha256: str | None = None,
        call: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Enrol with the hub and keep the credential in the store. ``SyncError`` if it fails."""
        prov = Provisioning(
            hub_url=hub_url,
            enrol_code=code.strip(),
            device_name=device_name or default_device_name(),
            ca_bundle=ca_bundle,
            pinned_sha256=pinned_sha256,
            call=call or {},
        )
        return await self._provision(prov)

    async def provision_from_file(self, path) -> dict[str, Any]:
        return await self._provision(read_provisioning_file(path))

    async def _provision(self, prov: Provisioning) -> dict[str, Any]:
        row = await enrol(prov, clock=self.clock)
        await self.worker.run(lambda s: s.sync.save_link(row))
        self.sync.note_problem(None)
        self.sync.wake()
        return {k: v for k, v in row.items() if k != "token"}


__all__ = ["CaseSummary", "DraftSaved", "Engine", "Intake", "SyncError"]
