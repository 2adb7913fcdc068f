"""The domain: pure Python rules for patients, encounters, vitals, complaints, prescriptions
and case states. Imports nothing else of ours and does no I/O; the clock is passed in.
Refusals are codes with parameters (see :mod:`.refusals`), never sentences.

Names are loaded on first use (PEP 562), so importing one module of the domain does not
load them all: the app's start-up reads only what the first screen needs.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "BloodPressureRefused": "vitals",
    "CANCELLABLE": "encounter",
    "COMPLAINTS": "complaints",
    "CONDITIONS": "encounter",
    "CaseState": "encounter",
    "Complaint": "complaints",
    "ComplaintEntry": "complaints",
    "Consent": "encounter",
    "DomainRefused": "refusals",
    "Encounter": "encounter",
    "EncounterLocked": "encounter",
    "FieldRefused": "refusals",
    "FlagLevel": "vitals",
    "History": "encounter",
    "IllegalMove": "encounter",
    "Patient": "patient",
    "Prescription": "prescription",
    "PrescriptionItem": "prescription",
    "Severity": "complaints",
    "Sex": "patient",
    "Side": "encounter",
    "Specialty": "encounter",
    "TRANSITIONS": "encounter",
    "TempUnit": "vitals",
    "UnknownComplaint": "complaints",
    "VITAL_SPECS": "vitals",
    "VitalFlag": "vitals",
    "VitalKind": "vitals",
    "VitalReading": "vitals",
    "VitalRefused": "vitals",
    "VitalSet": "vitals",
    "VitalSpec": "vitals",
    "allowed_moves": "encounter",
    "bmi": "vitals",
    "celsius_to_fahrenheit": "vitals",
    "check_move": "encounter",
    "complaint_by_code": "complaints",
    "describe": "refusals",
    "fahrenheit_to_celsius": "vitals",
    "format_abha": "patient",
    "is_uuid7": "ids",
    "name_key": "patient",
    "new_id": "ids",
    "normalise_abha_address": "patient",
    "normalise_abha_number": "patient",
    "normalise_mobile": "patient",
    "read_vital": "vitals",
    "read_vitals": "vitals",
    "refusal_params": "refusals",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
