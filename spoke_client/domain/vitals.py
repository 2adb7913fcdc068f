"""Vital signs: plausible (hard) ranges that refuse a reading, and reference/critical ranges
that flag one. Values are kept in one canonical unit per kind.

Ranges are for adults. A reading outside ``[hard_low, hard_high]`` is refused (an entry
error: no living patient has it). Inside it, a reading is flagged
CRITICAL_LOW if ``value < critical_low``, CRITICAL_HIGH if ``value > critical_high``,
otherwise LOW if ``value < ref_low``, HIGH if ``value > ref_high``, otherwise not at all.
Weight and height have no adult reference range: their reference and critical limits
equal their hard limits, so they are never flagged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from ._text import ascii_digits
from .refusals import DomainRefused, FieldRefused


class VitalKind(StrEnum):
    SYSTOLIC = "systolic"
    DIASTOLIC = "diastolic"
    PULSE = "pulse"
    TEMPERATURE = "temperature"
    SPO2 = "spo2"
    RESP_RATE = "resp_rate"
    WEIGHT = "weight"
    HEIGHT = "height"
    BMI = "bmi"
    GLUCOSE = "glucose"
    HAEMOGLOBIN = "haemoglobin"


class TempUnit(StrEnum):
    C = "C"
    F = "F"


class FlagLevel(StrEnum):
    LOW = "low"
    HIGH = "high"
    CRITICAL_LOW = "critical-low"
    CRITICAL_HIGH = "critical-high"


@dataclass(frozen=True)
class VitalSpec:
    kind: VitalKind
    unit: str
    hard_low: float
    hard_high: float
    ref_low: float
    ref_high: float
    critical_low: float
    critical_high: float


def _spec(
    kind: VitalKind,
    unit: str,
    hard: tuple[float, float],
    ref: tuple[float, float],
    critical: tuple[float, float],
) -> VitalSpec:
    return VitalSpec(kind, unit, hard[0], hard[1], ref[0], ref[1], critical[0], critical[1])


VITAL_SPECS: dict[VitalKind, VitalSpec] = {
    s.kind: s
    for s in (
        # BP: normal below 140/90; urgent at 180/120 and above, or systolic below 80.
        _spec(VitalKind.SYSTOLIC, "mmHg", (50, 300), (90, 139), (80, 179)),
        _spec(VitalKind.DIASTOLIC, "mmHg", (20, 200), (60, 89), (40, 119)),
        _spec(VitalKind.PULSE, "/min", (20, 250), (60, 100), (40, 130)),
        _spec(VitalKind.TEMPERATURE, "°C", (30.0, 45.0), (36.0, 37.5), (35.0, 40.0)),
        _spec(VitalKind.SPO2, "%", (50, 100), (95, 100), (90, 100)),
        _spec(VitalKind.RESP_RATE, "/min", (4, 100), (12, 20), (8, 24)),
        _spec(VitalKind.WEIGHT, "kg", (0.5, 300), (0.5, 300), (0.5, 300)),
        _spec(VitalKind.HEIGHT, "cm", (30, 250), (30, 250), (30, 250)),
        # BMI: Asian-Indian cut-offs (normal 18.5-22.9); below 16 is severe thinness.
        _spec(VitalKind.BMI, "kg/m²", (5, 200), (18.5, 22.9), (16.0, 40.0)),
        # Random blood glucose: below 54 is level-2 hypoglycaemia; above 300 is urgent.
        _spec(VitalKind.GLUCOSE, "mg/dL", (10, 900), (70, 139), (54, 300)),
        # Haemoglobin: below 7 is severe anaemia.
        _spec(VitalKind.HAEMOGLOBIN, "g/dL", (2, 25), (12.0, 17.5), (7.0, 20.0)),
    )
}

FAHRENHEIT = "°F"


def celsius_to_fahrenheit(c: float) -> float:
    return c * 9 / 5 + 32


def fahrenheit_to_celsius(f: float) -> float:
    return (f - 32) * 5 / 9


@dataclass(frozen=True)
class VitalRefused:
    """A reading outside the plausible range ``[low, high]``, in the unit it was typed in."""

    code: ClassVar[str] = "vital-refused"

    field: str
    value: float
    low: float
    high: float
    unit: str


@dataclass(frozen=True)
class BloodPressureRefused:
    code: ClassVar[str] = "bp-systolic-not-above-diastolic"

    systolic: float
    diastolic: float


@dataclass(frozen=True)
class VitalFlag:
    """A reading outside its reference range (``value`` and range in the canonical unit)."""

    code: ClassVar[str] = "vital-flag"

    field: str
    value: float
    level: FlagLevel
    ref_low: float
    ref_high: float
    unit: str


@dataclass(frozen=True)
class VitalReading:
    kind: VitalKind
    value: float
    unit: str
    flag: VitalFlag | None


def flag_for(kind: VitalKind, value: float) -> VitalFlag | None:
    """The flag a canonical ``value`` earns, or ``None`` inside the reference range."""
    spec = VITAL_SPECS[kind]
    if value < spec.critical_low:
        level = FlagLevel.CRITICAL_LOW
    elif value > spec.critical_high:
        level = FlagLevel.CRITICAL_HIGH
    elif value < spec.ref_low:
        level = FlagLevel.LOW
    elif value > spec.ref_high:
        level = FlagLevel.HIGH
    else:
        return None
    return VitalFlag(kind.value, value, level, spec.ref_low, spec.ref_high, spec.unit)


def _reading(kind: VitalKind, value: float) -> VitalReading:
    return VitalReading(kind, value, VITAL_SPECS[kind].unit, flag_for(kind, value))


def _as_number(kind: VitalKind, raw: object) -> float:
    """A float from a number or a numeric string; DomainRefused(bad-format) otherwise."""
    if isinstance(raw, bool):
        raise DomainRefused((FieldRefused(kind.value, "bad-format", value=raw),))
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str):
        try:
            return float(ascii_digits(raw.strip()))
        except ValueError:
            pass
    raise DomainRefused((FieldRefused(kind.value, "bad-format", value=raw),))


def read_vital(
    kind: VitalKind | str, value: float, *, temp_unit: TempUnit = TempUnit.C
) -> VitalReading:
    """One reading, converted to the canonical unit and flagged.

    Raises ``DomainRefused((VitalRefused(...),))`` outside the hard range; a temperature
    typed in °F is checked, and refused, in °F. A °F temperature is stored in °C rounded
    to 2 decimals. Non-numeric input is refused with ``FieldRefused(kind, "bad-format")``.
    """
    kind = VitalKind(kind)
    spec = VITAL_SPECS[kind]
    number = _as_number(kind, value)
    if kind is VitalKind.TEMPERATURE and TempUnit(temp_unit) is TempUnit.F:
        low, high = celsius_to_fahrenheit(spec.hard_low), celsius_to_fahrenheit(spec.hard_high)
        if not low <= number <= high:
            raise DomainRefused((VitalRefused(kind.value, number, low, high, FAHRENHEIT),))
        canonical = round(fahrenheit_to_celsius(number), 2)
    else:
        if not spec.hard_low <= number <= spec.hard_high:
            raise DomainRefused(
                (VitalRefused(kind.value, number, spec.hard_low, spec.hard_high, spec.unit),)
            )
        canonical = number
    return _reading(kind, canonical)


def bmi(weight_kg: float, height_cm: float) -> float:
    """Body-mass index in kg/m², rounded to 1 decimal."""
    if not (weight_kg > 0 and height_cm > 0) or math.isinf(weight_kg) or math.isinf(height_cm):
        raise ValueError((weight_kg, height_cm))
    metres = height_cm / 100
    return round(weight_kg / (metres * metres), 1)


@dataclass(frozen=True)
class VitalSet:
    """The readings of one intake, keyed by kind (in :class:`VitalKind` order)."""

    readings: dict[VitalKind, VitalReading]

    @property
    def flags(self) -> list[VitalFlag]:
        return [r.flag for r in self.readings.values() if r.flag is not None]

    def to_record(self) -> dict[str, float]:
        return {kind.value: reading.value for kind, reading in self.readings.items()}

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> VitalSet:
        """The set a :meth:`to_record` dict describes; flags recomputed, not re-validated."""
        values = {VitalKind(k): float(v) for k, v in d.items()}
        return cls({kind: _reading(kind, values[kind]) for kind in VitalKind if kind in values})


def read_vitals(
    entries: Mapping[VitalKind | str, float | None], *, temp_unit: TempUnit = TempUnit.C
) -> VitalSet:
    """Every reading entered at once; ``None`` or blank entries are skipped.

    Collects all refusals (each out-of-range reading, systolic not above diastolic, an
    implausible derived BMI) into one :class:`DomainRefused`. BMI is derived from weight
    and height and cannot be entered (ValueError, as is an unknown kind).
    """
    refusals: list[Any] = []
    readings: dict[VitalKind, VitalReading] = {}
    for key, raw in entries.items():
        kind = VitalKind(key)
        if kind is VitalKind.BMI:
            raise ValueError("bmi is derived from weight and height, not entered")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            readings[kind] = read_vital(kind, raw, temp_unit=temp_unit)
        except DomainRefused as refused:
            refusals.extend(refused.refusals)

    systolic, diastolic = readings.get(VitalKind.SYSTOLIC), readings.get(VitalKind.DIASTOLIC)
    if systolic is not None and diastolic is not None and systolic.value <= diastolic.value:
        refusals.append(BloodPressureRefused(systolic.value, diastolic.value))

    weight, height = readings.get(VitalKind.WEIGHT), readings.get(VitalKind.HEIGHT)
    if weight is not None and height is not None:
        try:
            readings[VitalKind.BMI] = read_vital(VitalKind.BMI, bmi(weight.value, height.value))
        except DomainRefused as refused:
            refusals.extend(refused.refusals)

    if refusals:
        raise DomainRefused(refusals)
    return VitalSet({kind: readings[kind] for kind in VitalKind if kind in readings})
