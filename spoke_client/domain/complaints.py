"""Presenting complaints: a fixed catalogue with stable codes, and the entries of an intake.

Codes are stored and sent to the hub, so they never change once released (a test pins the
list). ``name`` is an English label for logs and the CLI; the UI shows a translated label
looked up by code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ._text import as_int, blank, clean
from .refusals import DomainRefused, FieldRefused

OTHER = "OTHER"
NOTE_MAX = 500
DURATION_MAX_DAYS = 3650


@dataclass(frozen=True)
class Complaint:
    code: str
    name: str
    body_system: str


COMPLAINTS: tuple[Complaint, ...] = (
    # general
    Complaint("FEVER", "Fever", "general"),
    Complaint("FATIGUE", "Tiredness / fatigue", "general"),
    Complaint("WEIGHT_LOSS", "Weight loss", "general"),
    Complaint("LOSS_OF_APPETITE", "Loss of appetite", "general"),
    Complaint("SWELLING_OF_FEET", "Swelling of feet", "general"),
    Complaint("LUMP_SWELLING", "Lump or swelling", "general"),
    Complaint("JAUNDICE", "Yellow eyes / jaundice", "general"),
    # respiratory
    Complaint("COUGH", "Cough", "respiratory"),
    Complaint("COLD_RUNNY_NOSE", "Cold / runny nose", "respiratory"),
    Complaint("BREATHLESSNESS", "Breathlessness", "respiratory"),
    Complaint("WHEEZING", "Wheezing", "respiratory"),
    Complaint("BLOOD_IN_SPUTUM", "Blood in sputum", "respiratory"),
    # cardiovascular
    Complaint("CHEST_PAIN", "Chest pain", "cardiovascular"),
    Complaint("PALPITATIONS", "Palpitations", "cardiovascular"),
    # gastrointestinal
    Complaint("ABDOMINAL_PAIN", "Abdominal pain", "gastrointestinal"),
    Complaint("DIARRHOEA", "Loose motions / diarrhoea", "gastrointestinal"),
    Complaint("VOMITING", "Vomiting", "gastrointestinal"),
    Complaint("ACIDITY", "Acidity / heartburn", "gastrointestinal"),
    Complaint("CONSTIPATION", "Constipation", "gastrointestinal"),
    Complaint("BLOOD_IN_STOOL", "Blood in stool", "gastrointestinal"),
    # nervous system
    Complaint("HEADACHE", "Headache", "neurological"),
    Complaint("DIZZINESS", "Dizziness", "neurological"),
    Complaint("SEIZURE", "Fits / seizure", "neurological"),
    Complaint("LIMB_WEAKNESS", "Weakness of limbs", "neurological"),
    Complaint("NUMBNESS_TINGLING", "Numbness / tingling", "neurological"),
    # musculoskeletal
    Complaint("JOINT_PAIN", "Joint pain", "musculoskeletal"),
    Complaint("BACK_PAIN", "Back pain", "musculoskeletal"),
    # skin
    Complaint("SKIN_RASH", "Skin rash", "skin"),
    Complaint("ITCHING", "Itching", "skin"),
    Complaint("SKIN_PATCH_NUMB", "Pale or numb skin patch", "skin"),
    # injuries and bites
    Complaint("WOUND_ULCER", "Wound / ulcer", "injury"),
    Complaint("BURN", "Burn", "injury"),
    Complaint("INJURY_FALL", "Injury / fall", "injury"),
    Complaint("DOG_BITE", "Dog / animal bite", "injury"),
    Complaint("SNAKE_BITE", "Snake bite", "injury"),
    Complaint("SCORPION_STING", "Scorpion sting", "injury"),
    # eye
    Complaint("EYE_REDNESS", "Red eye", "eye"),
    Complaint("BLURRED_VISION", "Blurred / reduced vision", "eye"),
    # ear, nose, throat
    Complaint("EAR_DISCHARGE", "Ear discharge", "ent"),
    Complaint("EAR_PAIN", "Ear pain", "ent"),
    Complaint("HEARING_LOSS", "Hearing loss", "ent"),
    Complaint("SORE_THROAT", "Sore throat", "ent"),
    # mouth and teeth
    Complaint("TOOTHACHE", "Toothache", "dental"),
    Complaint("MOUTH_ULCER_PATCH", "Mouth ulcer or white/red patch", "dental"),
    # urinary
    Complaint("PAINFUL_URINATION", "Pain / burning on urination", "urinary"),
    # women's health
    Complaint("WHITE_DISCHARGE", "White discharge", "reproductive"),
    Complaint("MISSED_PERIOD", "Missed period", "reproductive"),
    Complaint("HEAVY_PERIODS", "Heavy menstrual bleeding", "reproductive"),
    Complaint("PAINFUL_PERIODS", "Painful periods", "reproductive"),
    Complaint("BREAST_LUMP", "Breast lump", "reproductive"),
    # pregnancy
    Complaint("BLEEDING_IN_PREGNANCY", "Bleeding in pregnancy", "obstetric"),
    Complaint("ANTENATAL_CHECKUP", "Antenatal check-up", "obstetric"),
    Complaint("POSTNATAL_CHECKUP", "Postnatal check-up", "obstetric"),
    # children
    Complaint("POOR_FEEDING_CHILD", "Poor feeding in child", "child"),
    Complaint("FAST_BREATHING_CHILD", "Fast breathing in child", "child"),
    Complaint("POOR_GROWTH_CHILD", "Poor weight gain in child", "child"),
    # mental health
    Complaint("LOW_MOOD_ANXIETY", "Anxiety / low mood", "mental_health"),
    Complaint("SLEEPLESSNESS", "Sleeplessness", "mental_health"),
    Complaint("ALCOHOL_TOBACCO", "Alcohol or tobacco use", "mental_health"),
    # follow-ups of chronic care
    Complaint("DIABETES_FOLLOW_UP", "High blood sugar follow-up", "follow_up"),
    Complaint("HYPERTENSION_FOLLOW_UP", "High BP follow-up", "follow_up"),
    Complaint("TB_FOLLOW_UP", "TB follow-up", "follow_up"),
)

_BY_CODE: dict[str, Complaint] = {c.code: c for c in COMPLAINTS}


class UnknownComplaint(KeyError):
    """No complaint in the catalogue has this code. ``complaint_code`` holds it."""

    code = "unknown-complaint"

    def __init__(self, complaint_code: str) -> None:
        self.complaint_code = complaint_code
        super().__init__(complaint_code)


def complaint_by_code(code: str) -> Complaint:
    try:
        return _BY_CODE[code]
    except KeyError:
        raise UnknownComplaint(code) from None


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


@dataclass(frozen=True)
class ComplaintEntry:
    """One complaint as recorded at intake. ``code`` is a catalogue code or ``"OTHER"``."""

    code: str
    duration_days: int | None
    severity: Severity | None
    note: str

    @classmethod
    def create(
        cls,
        code: str,
        duration_days: int | None = None,
        severity: Severity | str | None = None,
        note: str = "",
    ) -> ComplaintEntry:
        """A validated entry; raises :class:`DomainRefused` with every refusal.

        ``code`` is trimmed and upper-cased; it must be in :data:`COMPLAINTS` or be
        ``"OTHER"``, which needs a note. ``duration_days`` is 0..3650; the note is at
        most 500 characters.
        """
        refusals: list[FieldRefused] = []
        norm_code = clean(code).upper()
        if not norm_code:
            refusals.append(FieldRefused("code", "required"))
        elif norm_code != OTHER and norm_code not in _BY_CODE:
            refusals.append(FieldRefused("code", "unknown-code", value=code))

        duration: int | None = None
        if not blank(duration_days):
            try:
                duration = as_int(duration_days)
            except ValueError:
                refusals.append(FieldRefused("duration_days", "bad-format", value=duration_days))
            else:
                if not 0 <= duration <= DURATION_MAX_DAYS:
                    refusals.append(
                        FieldRefused(
                            "duration_days",
                            "out-of-range",
                            value=duration,
                            low=0,
                            high=DURATION_MAX_DAYS,
                        )
                    )

        sev: Severity | None = None
        if not blank(severity):
            try:
                sev = Severity(str(severity).strip().lower())
            except ValueError:
                refusals.append(FieldRefused("severity", "bad-format", value=severity))

        text = clean(note)
        if len(text) > NOTE_MAX:
            refusals.append(FieldRefused("note", "too-long", value=len(text), low=0, high=NOTE_MAX))
        elif norm_code == OTHER and not text:
            refusals.append(FieldRefused("note", "required"))

        if refusals:
            raise DomainRefused(refusals)
        return cls(norm_code, duration, sev, text)

    def to_record(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "duration_days": self.duration_days,
            "severity": None if self.severity is None else self.severity.value,
            "note": self.note,
        }

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> ComplaintEntry:
        severity = d.get("severity")
        return cls(
            code=d["code"],
            duration_days=d.get("duration_days"),
            severity=None if severity is None else Severity(severity),
            note=d.get("note", ""),
        )
