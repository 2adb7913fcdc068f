"""E-prescriptions: written by the hub doctor, checked when they reach the spoke.

The spoke never edits a prescription; :meth:`Prescription.from_record` refuses one that
could not be handed to a patient (no doctor, no registration, nothing prescribed or
advised, impossible durations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._text import as_int, blank, clean
from .refusals import DomainRefused, FieldRefused

DURATION_MIN_DAYS = 1
DURATION_MAX_DAYS = 365


@dataclass(frozen=True)
class PrescriptionItem:
    medicine: str
    strength: str
    dose: str
    frequency: str
    duration_days: int
    instructions: str

    def to_record(self) -> dict[str, Any]:
        return {
            "medicine": self.medicine,
            "strength": self.strength,
            "dose": self.dose,
            "frequency": self.frequency,
            "duration_days": self.duration_days,
            "instructions": self.instructions,
        }


@dataclass(frozen=True)
class Prescription:
    id: str
    encounter_id: str
    doctor_name: str
    doctor_registration: str
    issued_at: datetime
    diagnosis: str
    items: tuple[PrescriptionItem, ...]
    advice: str
    follow_up_days: int | None

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "encounter_id": self.encounter_id,
            "doctor_name": self.doctor_name,
            "doctor_registration": self.doctor_registration,
            "issued_at": self.issued_at.isoformat(),
            "diagnosis": self.diagnosis,
            "items": [item.to_record() for item in self.items],
            "advice": self.advice,
            "follow_up_days": self.follow_up_days,
        }

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> Prescription:
        """A prescription from what the hub sent; raises :class:`DomainRefused` with every
        refusal. Required: id, encounter_id, doctor_name, doctor_registration, issued_at
        (ISO 8601), and at least one item or non-empty advice. Each item needs medicine,
        dose and frequency, and a duration of 1..365 days (field names like
        ``"items[0].duration_days"``). ``follow_up_days``, if given, is 1..365.
        """
        refusals: list[FieldRefused] = []

        def text(
            field: str, *, required: bool, source: Mapping[str, Any] = d, prefix: str = ""
        ) -> str:
            raw = source.get(field)
            if raw is not None and not isinstance(raw, str):
                refusals.append(FieldRefused(prefix + field, "bad-format", value=raw))
                return ""
            value = clean(raw)
            if required and not value:
                refusals.append(FieldRefused(prefix + field, "required"))
            return value

        def days(field: str, raw: object, *, required: bool) -> int | None:
            if blank(raw):
                if required:
                    refusals.append(FieldRefused(field, "required"))
                return None
            try:
                value = as_int(raw)
            except ValueError:
                refusals.append(FieldRefused(field, "bad-format", value=raw))
                return None
            if not DURATION_MIN_DAYS <= value <= DURATION_MAX_DAYS:
                refusals.append(
                    FieldRefused(
                        field,
                        "out-of-range",
                        value=value,
                        low=DURATION_MIN_DAYS,
                        high=DURATION_MAX_DAYS,
                    )
                )
                return None
            return value

        pid = text("id", required=True)
        encounter_id = text("encounter_id", required=True)
        doctor_name = text("doctor_name", required=True)
        doctor_registration = text("doctor_registration", required=True)
        diagnosis = text("diagnosis", required=False)
        advice = text("advice", required=False)

        issued_at: datetime | None = None
        raw_issued = d.get("issued_at")
        if isinstance(raw_issued, datetime):
            issued_at = raw_issued
        elif blank(raw_issued):
            refusals.append(FieldRefused("issued_at", "required"))
        else:
            try:
                issued_at = datetime.fromisoformat(str(raw_issued))
            except ValueError:
                refusals.append(FieldRefused("issued_at", "bad-format", value=raw_issued))

        raw_items = d.get("items") or ()
        items: list[PrescriptionItem] = []
        if not isinstance(raw_items, list | tuple):
            refusals.append(FieldRefused("items", "bad-format", value=raw_items))
            raw_items = ()
        for i, raw_item in enumerate(raw_items):
            prefix = f"items[{i}]."
            if not isinstance(raw_item, Mapping):
                refusals.append(FieldRefused(f"items[{i}]", "bad-format", value=raw_item))
                continue
            item = PrescriptionItem(
                medicine=text("medicine", required=True, source=raw_item, prefix=prefix),
                strength=text("strength", required=False, source=raw_item, prefix=prefix),
                dose=text("dose", required=True, source=raw_item, prefix=prefix),
                frequency=text("frequency", required=True, source=raw_item, prefix=prefix),
                duration_days=days(
                    prefix + "duration_days", raw_item.get("duration_days"), required=True
                )
                or 0,
                instructions=text("instructions", required=False, source=raw_item, prefix=prefix),
            )
            items.append(item)
        if not raw_items and not advice:
            refusals.append(FieldRefused("items", "required"))

        follow_up_days = days("follow_up_days", d.get("follow_up_days"), required=False)

        if refusals:
            raise DomainRefused(refusals)
        assert issued_at is not None
        return cls(
            id=pid,
            encounter_id=encounter_id,
            doctor_name=doctor_name,
            doctor_registration=doctor_registration,
            issued_at=issued_at,
            diagnosis=diagnosis,
            items=tuple(items),
            advice=advice,
            follow_up_days=follow_up_days,
        )
