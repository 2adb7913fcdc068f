"""Encounters (cases): the intake, its consent, and the case-state table of DESIGN.md.

Each move between states is owned by one side (spoke or hub); the other side only learns
of it. :data:`TRANSITIONS` is that table and :func:`check_move` enforces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from ._text import as_date, blank, clean
from .complaints import ComplaintEntry
from .ids import new_id
from .refusals import DomainRefused, FieldRefused
from .vitals import VitalSet


class CaseState(StrEnum):
    DRAFT = "draft"
    READY = "ready"
    WAITING_FOR_DOCTOR = "waiting_for_doctor"
    SENT_FOR_REVIEW = "sent_for_review"
    IN_CONSULT = "in_consult"
    AWAITING_PRESCRIPTION = "awaiting_prescription"
    QUESTION_FROM_DOCTOR = "question_from_doctor"
    PRESCRIBED = "prescribed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Side(StrEnum):
    SPOKE = "spoke"
    HUB = "hub"


_S = CaseState
#: The states a case can be cancelled from: every state before prescribed.
CANCELLABLE: frozenset[CaseState] = frozenset(
    {
        _S.DRAFT,
        _S.READY,
        _S.WAITING_FOR_DOCTOR,
        _S.SENT_FOR_REVIEW,
        _S.IN_CONSULT,
        _S.AWAITING_PRESCRIPTION,
        _S.QUESTION_FROM_DOCTOR,
    }
)

#: (from, to) -> the side that owns the move. Exactly the table in DESIGN.md "Case states".
TRANSITIONS: dict[tuple[CaseState, CaseState], Side] = {
    (_S.DRAFT, _S.READY): Side.SPOKE,
    (_S.READY, _S.WAITING_FOR_DOCTOR): Side.SPOKE,
    (_S.READY, _S.SENT_FOR_REVIEW): Side.SPOKE,
    (_S.WAITING_FOR_DOCTOR, _S.SENT_FOR_REVIEW): Side.SPOKE,
    (_S.WAITING_FOR_DOCTOR, _S.IN_CONSULT): Side.HUB,
    (_S.IN_CONSULT, _S.WAITING_FOR_DOCTOR): Side.HUB,
    (_S.IN_CONSULT, _S.AWAITING_PRESCRIPTION): Side.HUB,
    (_S.SENT_FOR_REVIEW, _S.AWAITING_PRESCRIPTION): Side.HUB,
    (_S.SENT_FOR_REVIEW, _S.QUESTION_FROM_DOCTOR): Side.HUB,
    (_S.QUESTION_FROM_DOCTOR, _S.SENT_FOR_REVIEW): Side.SPOKE,
    (_S.IN_CONSULT, _S.PRESCRIBED): Side.HUB,
    (_S.SENT_FOR_REVIEW, _S.PRESCRIBED): Side.HUB,
    (_S.AWAITING_PRESCRIPTION, _S.PRESCRIBED): Side.HUB,
    (_S.PRESCRIBED, _S.CLOSED): Side.SPOKE,
    **{(state, _S.CANCELLED): Side.SPOKE for state in CANCELLABLE},
}


@dataclass(frozen=True)
class IllegalMove:
    code: ClassVar[str] = "illegal-move"

    from_state: CaseState
    to_state: CaseState
    by: Side


@dataclass(frozen=True)
class EncounterLocked:
    """The intake can only be edited while the case is a draft."""

    code: ClassVar[str] = "encounter-locked"

    state: CaseState


def check_move(from_state: CaseState, to_state: CaseState, by: Side) -> None:
    """Raise ``DomainRefused((IllegalMove(...),))`` unless ``by`` owns this move."""
    from_state, to_state, by = CaseState(from_state), CaseState(to_state), Side(by)
    if TRANSITIONS.get((from_state, to_state)) is not by:
        raise DomainRefused((IllegalMove(from_state, to_state, by),))


def allowed_moves(from_state: CaseState, by: Side) -> frozenset[CaseState]:
    from_state, by = CaseState(from_state), Side(by)
    return frozenset(
        to for (frm, to), side in TRANSITIONS.items() if frm is from_state and side is by
    )


class Specialty(StrEnum):
    GENERAL_MEDICINE = "general_medicine"
    PAEDIATRICS = "paediatrics"
    OBSTETRICS_GYNAECOLOGY = "obstetrics_gynaecology"
    DERMATOLOGY = "dermatology"
    ENT = "ent"
    OPHTHALMOLOGY = "ophthalmology"
    PSYCHIATRY = "psychiatry"
    ORTHOPAEDICS = "orthopaedics"
    DENTAL = "dental"


@dataclass(frozen=True)
class Consent:
    """The patient's consent to a teleconsultation, recorded by the operator."""

    given: bool
    operator_id: str
    at: datetime
    accompanying_adult: str | None

    def to_record(self) -> dict[str, Any]:
        return {
            "given": self.given,
            "operator_id": self.operator_id,
            "at": self.at.isoformat(),
            "accompanying_adult": self.accompanying_adult,
        }

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> Consent:
        return cls(
            given=bool(d["given"]),
            operator_id=d["operator_id"],
            at=datetime.fromisoformat(d["at"]),
            accompanying_adult=d.get("accompanying_adult"),
        )


#: Past-history condition codes, in display order.
CONDITIONS: tuple[str, ...] = (
    "diabetes",
    "hypertension",
    "tb",
    "asthma",
    "heart_disease",
    "epilepsy",
    "hiv",
    "ckd",
    "other",
)
LMP_MAX_DAYS = 300
HISTORY_TEXT_MAX = 1000


@dataclass(frozen=True)
class History:
    conditions: tuple[str, ...]
    pregnant: bool
    lmp: date | None
    allergies: str
    medicines: str

    @classmethod
    def create(
        cls,
        *,
        today: date,
        conditions: Iterable[str] = (),
        pregnant: bool = False,
        lmp: date | str | None = None,
        allergies: str = "",
        medicines: str = "",
    ) -> History:
        """A validated history; raises :class:`DomainRefused` with every refusal.

        Conditions must be codes from :data:`CONDITIONS` (stored once each, in that order).
        A pregnancy needs an LMP; an LMP must not be in the future nor more than 300 days
        ago.
        """
        refusals: list[FieldRefused] = []
        wanted: set[str] = set()
        for raw in conditions:
            code = clean(raw).lower()
            if code in CONDITIONS:
                wanted.add(code)
            else:
                refusals.append(FieldRefused("conditions", "unknown-code", value=raw))

        lmp_date: date | None = None
        if not blank(lmp):
            try:
                lmp_date = as_date(lmp)
            except ValueError:
                refusals.append(FieldRefused("lmp", "bad-format", value=lmp))
            else:
                earliest = today - timedelta(days=LMP_MAX_DAYS)
                if lmp_date > today:
                    refusals.append(FieldRefused("lmp", "in-future", value=lmp_date, high=today))
                elif lmp_date < earliest:
                    refusals.append(
                        FieldRefused(
                            "lmp", "out-of-range", value=lmp_date, low=earliest, high=today
                        )
                    )
        elif pregnant:
            refusals.append(FieldRefused("lmp", "required"))

        texts = {}
        for field, raw in (("allergies", allergies), ("medicines", medicines)):
            texts[field] = clean(raw)
            if len(texts[field]) > HISTORY_TEXT_MAX:
                refusals.append(
                    FieldRefused(
                        field, "too-long", value=len(texts[field]), low=0, high=HISTORY_TEXT_MAX
                    )
                )

        if refusals:
            raise DomainRefused(refusals)
        return cls(
            conditions=tuple(c for c in CONDITIONS if c in wanted),
            pregnant=bool(pregnant),
            lmp=lmp_date,
            allergies=texts["allergies"],
            medicines=texts["medicines"],
        )

    def to_record(self) -> dict[str, Any]:
        return {
            "conditions": list(self.conditions),
            "pregnant": self.pregnant,
            "lmp": None if self.lmp is None else self.lmp.isoformat(),
            "allergies": self.allergies,
            "medicines": self.medicines,
        }

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> History:
        return cls(
            conditions=tuple(d.get("conditions", ())),
            pregnant=bool(d.get("pregnant", False)),
            lmp=None if d.get("lmp") is None else date.fromisoformat(d["lmp"]),
            allergies=d.get("allergies", ""),
            medicines=d.get("medicines", ""),
        )


@dataclass(frozen=True)
class Encounter:
    id: str
    patient_id: str
    state: CaseState
    specialty: Specialty | None
    complaints: tuple[ComplaintEntry, ...]
    history: History | None
    vitals: VitalSet | None
    consent: Consent | None
    cancel_reason: str | None

    @classmethod
    def new(cls, patient_id: str, *, id: str | None = None) -> Encounter:
        """A fresh draft for ``patient_id`` (``id`` defaults to a new UUIDv7)."""
        return cls(
            id=new_id() if id is None else id,
            patient_id=patient_id,
            state=CaseState.DRAFT,
            specialty=None,
            complaints=(),
            history=None,
            vitals=None,
            consent=None,
            cancel_reason=None,
        )

    # -- moves --------------------------------------------------------------------------

    def move(self, to: CaseState, by: Side, *, reason: str | None = None) -> Encounter:
        """This encounter in state ``to``, if ``by`` owns the move (DomainRefused if not).

        Cancelling needs a non-empty ``reason`` (``FieldRefused("cancel_reason",
        "required")``). This checks the table only: take draft -> ready through
        :meth:`complete_intake`, which also checks the intake.
        """
        to, by = CaseState(to), Side(by)
        check_move(self.state, to, by)
        if to is CaseState.CANCELLED:
            text = clean(reason)
            if not text:
                raise DomainRefused((FieldRefused("cancel_reason", "required"),))
            return replace(self, state=to, cancel_reason=text)
        return replace(self, state=to)

    def complete_intake(
        self, *, specialty: Specialty | str | None, consent: Consent | None, patient_is_minor: bool
    ) -> Encounter:
        """draft -> ready, with the specialty and consent; refuses an incomplete intake.

        Refusals (all reported together): ``IllegalMove`` unless a draft;
        ``FieldRefused`` for specialty (required / bad-format), complaints (required),
        vitals (required: missing or empty), consent (required / not-given),
        operator_id (required), accompanying_adult (guardian-required, for a minor).
        """
        refusals: list[Any] = []
        if self.state is not CaseState.DRAFT:
            refusals.append(IllegalMove(self.state, CaseState.READY, Side.SPOKE))

        chosen: Specialty | None = None
        if blank(specialty):
            refusals.append(FieldRefused("specialty", "required"))
        else:
            try:
                chosen = Specialty(specialty)
            except ValueError:
                refusals.append(FieldRefused("specialty", "bad-format", value=specialty))

        if not self.complaints:
            refusals.append(FieldRefused("complaints", "required"))
        if self.vitals is None or not self.vitals.readings:
            refusals.append(FieldRefused("vitals", "required"))

        if consent is None:
            refusals.append(FieldRefused("consent", "required"))
        else:
            if not consent.given:
                refusals.append(FieldRefused("consent", "not-given"))
            if blank(consent.operator_id):
                refusals.append(FieldRefused("operator_id", "required"))
            if patient_is_minor and blank(consent.accompanying_adult):
                refusals.append(FieldRefused("accompanying_adult", "guardian-required"))

        if refusals:
            raise DomainRefused(refusals)
        return replace(self, state=CaseState.READY, specialty=chosen, consent=consent)

    # -- editing the intake (drafts only) -----------------------------------------------

    def _check_editable(self) -> None:
        if self.state is not CaseState.DRAFT:
            raise DomainRefused((EncounterLocked(self.state),))

    def with_complaints(self, complaints: Iterable[ComplaintEntry]) -> Encounter:
        """The draft with these complaints; a catalogue code may appear once only
        (``FieldRefused("complaints", "duplicate", value=code)``; "OTHER" may repeat)."""
        self._check_editable()
        entries = tuple(complaints)
        seen: set[str] = set()
        refusals = []
        for entry in entries:
            if entry.code in seen and entry.code != "OTHER":
                refusals.append(FieldRefused("complaints", "duplicate", value=entry.code))
            seen.add(entry.code)
        if refusals:
            raise DomainRefused(refusals)
        return replace(self, complaints=entries)

    def with_history(self, history: History | None) -> Encounter:
        self._check_editable()
        return replace(self, history=history)

    def with_vitals(self, vitals: VitalSet | None) -> Encounter:
        self._check_editable()
        return replace(self, vitals=vitals)

    # -- records ------------------------------------------------------------------------

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "patient_id": self.patient_id,
            "state": self.state.value,
            "specialty": None if self.specialty is None else self.specialty.value,
            "complaints": [c.to_record() for c in self.complaints],
            "history": None if self.history is None else self.history.to_record(),
            "vitals": None if self.vitals is None else self.vitals.to_record(),
            "consent": None if self.consent is None else self.consent.to_record(),
            "cancel_reason": self.cancel_reason,
        }

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> Encounter:
        return cls(
            id=d["id"],
            patient_id=d["patient_id"],
            state=CaseState(d["state"]),
            specialty=None if d.get("specialty") is None else Specialty(d["specialty"]),
            complaints=tuple(ComplaintEntry.from_record(c) for c in d.get("complaints", ())),
            history=None if d.get("history") is None else History.from_record(d["history"]),
            vitals=None if d.get("vitals") is None else VitalSet.from_record(d["vitals"]),
            consent=None if d.get("consent") is None else Consent.from_record(d["consent"]),
            cancel_reason=d.get("cancel_reason"),
        )
