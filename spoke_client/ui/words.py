"""Words for the lower layers' codes, through Qt's translation (``tr``) so that every
language covers every message. Nothing below ``ui/`` makes sentences.

Functions here are called at display time (never cached at import), so a language switch
takes effect on the next retranslate.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication

from spoke_client.domain.encounter import CaseState, EncounterLocked, IllegalMove, Specialty
from spoke_client.domain.refusals import DomainRefused, FieldRefused
from spoke_client.domain.vitals import (
    BloodPressureRefused,
    FlagLevel,
    VitalFlag,
    VitalKind,
    VitalRefused,
)
from spoke_client.engine.errors import StoreError
from spoke_client.ui.camera_view import camera_problem, microphone_problem, speaker_problem

translate = QCoreApplication.translate


def case_state(state: CaseState) -> str:
    return {
        CaseState.DRAFT: translate("CaseState", "Intake not finished"),
        CaseState.READY: translate("CaseState", "Ready to send"),
        CaseState.WAITING_FOR_DOCTOR: translate("CaseState", "Waiting for a doctor"),
        CaseState.SENT_FOR_REVIEW: translate("CaseState", "Sent for review"),
        CaseState.IN_CONSULT: translate("CaseState", "With the doctor"),
        CaseState.AWAITING_PRESCRIPTION: translate("CaseState", "Waiting for the prescription"),
        CaseState.QUESTION_FROM_DOCTOR: translate("CaseState", "Doctor asked a question"),
        CaseState.PRESCRIBED: translate("CaseState", "Prescription ready"),
        CaseState.CLOSED: translate("CaseState", "Closed"),
        CaseState.CANCELLED: translate("CaseState", "Cancelled"),
    }[CaseState(state)]


def specialty(value: Specialty | str) -> str:
    return {
        Specialty.GENERAL_MEDICINE: translate("Specialty", "General Medicine"),
        Specialty.PAEDIATRICS: translate("Specialty", "Paediatrics"),
        Specialty.OBSTETRICS_GYNAECOLOGY: translate("Specialty", "Obstetrics & Gynaecology"),
        Specialty.DERMATOLOGY: translate("Specialty", "Dermatology"),
        Specialty.ENT: translate("Specialty", "ENT"),
        Specialty.OPHTHALMOLOGY: translate("Specialty", "Ophthalmology"),
        Specialty.PSYCHIATRY: translate("Specialty", "Psychiatry"),
        Specialty.ORTHOPAEDICS: translate("Specialty", "Orthopaedics"),
        Specialty.DENTAL: translate("Specialty", "Dental"),
    }[Specialty(value)]


def vital_label(kind: VitalKind | str) -> str:
    return {
        VitalKind.SYSTOLIC: translate("Vital", "BP systolic"),
        VitalKind.DIASTOLIC: translate("Vital", "BP diastolic"),
        VitalKind.PULSE: translate("Vital", "Pulse"),
        VitalKind.TEMPERATURE: translate("Vital", "Temperature"),
        VitalKind.SPO2: translate("Vital", "SpO2"),
        VitalKind.RESP_RATE: translate("Vital", "Breathing rate"),
        VitalKind.WEIGHT: translate("Vital", "Weight"),
        VitalKind.HEIGHT: translate("Vital", "Height"),
        VitalKind.BMI: translate("Vital", "BMI"),
        VitalKind.GLUCOSE: translate("Vital", "Blood sugar (random)"),
        VitalKind.HAEMOGLOBIN: translate("Vital", "Haemoglobin"),
    }[VitalKind(kind)]


def unit(symbol: str) -> str:
    return {
        "mmHg": translate("Unit", "mmHg"),
        "/min": translate("Unit", "/min"),
        "°C": translate("Unit", "°C"),
        "°F": translate("Unit", "°F"),
        "%": translate("Unit", "%"),
        "kg": translate("Unit", "kg"),
        "cm": translate("Unit", "cm"),
        "kg/m²": translate("Unit", "kg/m²"),
        "mg/dL": translate("Unit", "mg/dL"),
        "g/dL": translate("Unit", "g/dL"),
    }.get(symbol, symbol)


def flag(f: VitalFlag) -> str:
    level = {
        FlagLevel.LOW: translate("Flag", "Low"),
        FlagLevel.HIGH: translate("Flag", "High"),
        FlagLevel.CRITICAL_LOW: translate("Flag", "Very low: needs attention now"),
        FlagLevel.CRITICAL_HIGH: translate("Flag", "Very high: needs attention now"),
    }[FlagLevel(f.level)]
    return translate("Flag", "{level} (normal {low}–{high} {unit})").format(
        level=level, low=_num(f.ref_low), high=_num(f.ref_high), unit=unit(f.unit)
    )


def field_label(field: str) -> str:
    labels = {
        "name": translate("Field", "Name"),
        "sex": translate("Field", "Sex"),
        "birth_date": translate("Field", "Date of birth"),
        "age_years": translate("Field", "Age (years)"),
        "age_months": translate("Field", "Age (months)"),
        "age_stated_on": translate("Field", "Age stated on"),
        "mobile": translate("Field", "Mobile number"),
        "abha_number": translate("Field", "ABHA number"),
        "abha_address": translate("Field", "ABHA address"),
        "village": translate("Field", "Village"),
        "address": translate("Field", "Address"),
        "guardian_name": translate("Field", "Guardian's name"),
        "guardian_relation": translate("Field", "Guardian is the patient's"),
        "complaints": translate("Field", "Complaints"),
        "duration_days": translate("Field", "Duration (days)"),
        "severity": translate("Field", "Severity"),
        "note": translate("Field", "Note"),
        "lmp": translate("Field", "Last menstrual period"),
        "allergies": translate("Field", "Allergies"),
        "medicines": translate("Field", "Current medicines"),
        "conditions": translate("Field", "Known conditions"),
        "consent": translate("Field", "Consent"),
        "accompanying_adult": translate("Field", "Accompanying adult"),
        "specialty": translate("Field", "Specialty"),
        "vitals": translate("Field", "Vitals"),
        "cancel_reason": translate("Field", "Reason"),
        "code": translate("Field", "Complaint"),
    }
    if field in {k.value for k in VitalKind}:
        return vital_label(field)
    return labels.get(field, field)


def refusal(r: object) -> str:
    """One refusal in words (the field's name is shown by the form next to it)."""
    if isinstance(r, VitalRefused):
        return translate(
            "Refusal", "{value} is not possible here: enter {low}–{high} {unit}"
        ).format(value=_num(r.value), low=_num(r.low), high=_num(r.high), unit=unit(r.unit))
    if isinstance(r, BloodPressureRefused):
        return translate(
            "Refusal", "Systolic ({systolic}) must be higher than diastolic ({diastolic})"
        ).format(systolic=_num(r.systolic), diastolic=_num(r.diastolic))
    if isinstance(r, IllegalMove):
        return translate(
            "Refusal", "This case cannot go from “{from_state}” to “{to_state}”"
        ).format(from_state=case_state(r.from_state), to_state=case_state(r.to_state))
    if isinstance(r, EncounterLocked):
        return translate("Refusal", "This intake is finished and can no longer be changed")
    if isinstance(r, FieldRefused):
        return field_reason(r)
    return translate("Refusal", "Not accepted")


def field_reason(r: FieldRefused) -> str:
    reasons = {
        "required": translate("Refusal", "Required"),
        "too-short": translate("Refusal", "Too short"),
        "too-long": translate("Refusal", "Too long: at most {high} characters"),
        "out-of-range": translate("Refusal", "Enter a number from {low} to {high}"),
        "bad-format": translate("Refusal", "Not in the right form"),
        "in-future": translate("Refusal", "Cannot be in the future"),
        "guardian-required": translate("Refusal", "A child under {high} needs a guardian's name"),
        "unknown-code": translate("Refusal", "Choose from the list"),
        "not-given": translate("Refusal", "The patient's consent is needed"),
        "duplicate": translate("Refusal", "Already in the list"),
    }
    special = {
        ("mobile", "bad-format"): translate(
            "Refusal", "Enter a 10-digit mobile number starting with 6, 7, 8 or 9"
        ),
        ("abha_number", "bad-format"): translate("Refusal", "An ABHA number has 14 digits"),
        ("abha_address", "bad-format"): translate(
            "Refusal", "An ABHA address looks like name@abdm"
        ),
        ("name", "bad-format"): translate("Refusal", "Use letters only"),
    }
    text = special.get((r.field, r.reason)) or reasons.get(
        r.reason, translate("Refusal", "Not accepted")
    )
    return text.format(low=_num(r.low), high=_num(r.high), value="")


def refusals_by_field(error: DomainRefused) -> dict[str, list[str]]:
    """Messages grouped by the field they belong to ("" for the whole form)."""
    out: dict[str, list[str]] = {}
    for r in error.refusals:
        if isinstance(r, BloodPressureRefused):
            key = VitalKind.SYSTOLIC.value
        else:
            key = str(getattr(r, "field", "") or "")
        out.setdefault(key, []).append(refusal(r))
    return out


def store_error(e: StoreError) -> str:
    p = e.params
    texts = {
        "disk-full": translate(
            "StoreError",
            "The disk is almost full. Nothing was lost: what you typed is still here. Ask district IT to free space, then save again.",
        ),
        "wrong-pin": translate("StoreError", "Wrong PIN. {tries_left} tries left."),
        "pin-too-short": translate("StoreError", "The PIN must be at least {min_digits} digits."),
        "pin-backoff": translate(
            "StoreError", "Too many wrong PINs. Wait {retry_after_seconds} seconds and try again."
        ),
        "operator-locked": translate(
            "StoreError",
            "This operator is locked out after too many wrong PINs. District IT can reset the PIN with the recovery code.",
        ),
        "unknown-operator": translate("StoreError", "There is no operator with that name."),
        "operator-exists": translate("StoreError", "There is already an operator with that name."),
        "store-exists": translate("StoreError", "This computer is already set up."),
        "store-newer-than-app": translate(
            "StoreError",
            "This data was saved by a newer version of Spoke. Ask district IT to update this computer.",
        ),
        "store-unreadable": translate(
            "StoreError", "The data could not be opened. Ask district IT to run the checks."
        ),
        "keyslot-file-corrupt": translate(
            "StoreError", "The key file is damaged. Ask district IT to restore the latest backup."
        ),
        "media-corrupt": translate(
            "StoreError", "A photo or recording is damaged and cannot be shown."
        ),
        "media-missing": translate("StoreError", "A photo or recording is missing."),
        "not-found": translate("StoreError", "That record was not found."),
    }
    text = texts.get(
        e.code, translate("StoreError", "Something went wrong with the saved data ({code}).")
    )
    try:
        return text.format(code=e.code, **p)
    except (KeyError, IndexError):
        return text


def complaint_name(code: str) -> str:
    return complaint_names().get(code, code)


def complaint_names() -> dict[str, str]:
    return {
        "FEVER": translate("Complaint", "Fever"),
        "FATIGUE": translate("Complaint", "Tiredness / fatigue"),
        "WEIGHT_LOSS": translate("Complaint", "Weight loss"),
        "LOSS_OF_APPETITE": translate("Complaint", "Loss of appetite"),
        "SWELLING_OF_FEET": translate("Complaint", "Swelling of feet"),
        "LUMP_SWELLING": translate("Complaint", "Lump or swelling"),
        "JAUNDICE": translate("Complaint", "Yellow eyes / jaundice"),
        "COUGH": translate("Complaint", "Cough"),
        "COLD_RUNNY_NOSE": translate("Complaint", "Cold / runny nose"),
        "BREATHLESSNESS": translate("Complaint", "Breathlessness"),
        "WHEEZING": translate("Complaint", "Wheezing"),
        "BLOOD_IN_SPUTUM": translate("Complaint", "Blood in sputum"),
        "CHEST_PAIN": translate("Complaint", "Chest pain"),
        "PALPITATIONS": translate("Complaint", "Palpitations"),
        "ABDOMINAL_PAIN": translate("Complaint", "Abdominal pain"),
        "DIARRHOEA": translate("Complaint", "Loose motions / diarrhoea"),
        "VOMITING": translate("Complaint", "Vomiting"),
        "ACIDITY": translate("Complaint", "Acidity / heartburn"),
        "CONSTIPATION": translate("Complaint", "Constipation"),
        "BLOOD_IN_STOOL": translate("Complaint", "Blood in stool"),
        "HEADACHE": translate("Complaint", "Headache"),
        "DIZZINESS": translate("Complaint", "Dizziness"),
        "SEIZURE": translate("Complaint", "Fits / seizure"),
        "LIMB_WEAKNESS": translate("Complaint", "Weakness of limbs"),
        "NUMBNESS_TINGLING": translate("Complaint", "Numbness / tingling"),
        "JOINT_PAIN": translate("Complaint", "Joint pain"),
        "BACK_PAIN": translate("Complaint", "Back pain"),
        "SKIN_RASH": translate("Complaint", "Skin rash"),
        "ITCHING": translate("Complaint", "Itching"),
        "SKIN_PATCH_NUMB": translate("Complaint", "Pale or numb skin patch"),
        "WOUND_ULCER": translate("Complaint", "Wound / ulcer"),
        "BURN": translate("Complaint", "Burn"),
        "INJURY_FALL": translate("Complaint", "Injury / fall"),
        "DOG_BITE": translate("Complaint", "Dog / animal bite"),
        "SNAKE_BITE": translate("Complaint", "Snake bite"),
        "SCORPION_STING": translate("Complaint", "Scorpion sting"),
        "EYE_REDNESS": translate("Complaint", "Red eye"),
        "BLURRED_VISION": translate("Complaint", "Blurred / reduced vision"),
        "EAR_DISCHARGE": translate("Complaint", "Ear discharge"),
        "EAR_PAIN": translate("Complaint", "Ear pain"),
        "HEARING_LOSS": translate("Complaint", "Hearing loss"),
        "SORE_THROAT": translate("Complaint", "Sore throat"),
        "TOOTHACHE": translate("Complaint", "Toothache"),
        "MOUTH_ULCER_PATCH": translate("Complaint", "Mouth ulcer or white/red patch"),
        "PAINFUL_URINATION": translate("Complaint", "Pain / burning on urination"),
        "WHITE_DISCHARGE": translate("Complaint", "White discharge"),
        "MISSED_PERIOD": translate("Complaint", "Missed period"),
        "HEAVY_PERIODS": translate("Complaint", "Heavy menstrual bleeding"),
        "PAINFUL_PERIODS": translate("Complaint", "Painful periods"),
        "BREAST_LUMP": translate("Complaint", "Breast lump"),
        "BLEEDING_IN_PREGNANCY": translate("Complaint", "Bleeding in pregnancy"),
        "ANTENATAL_CHECKUP": translate("Complaint", "Antenatal check-up"),
        "POSTNATAL_CHECKUP": translate("Complaint", "Postnatal check-up"),
        "POOR_FEEDING_CHILD": translate("Complaint", "Poor feeding in child"),
        "FAST_BREATHING_CHILD": translate("Complaint", "Fast breathing in child"),
        "POOR_GROWTH_CHILD": translate("Complaint", "Poor weight gain in child"),
        "LOW_MOOD_ANXIETY": translate("Complaint", "Anxiety / low mood"),
        "SLEEPLESSNESS": translate("Complaint", "Sleeplessness"),
        "ALCOHOL_TOBACCO": translate("Complaint", "Alcohol or tobacco use"),
        "DIABETES_FOLLOW_UP": translate("Complaint", "High blood sugar follow-up"),
        "HYPERTENSION_FOLLOW_UP": translate("Complaint", "High BP follow-up"),
        "TB_FOLLOW_UP": translate("Complaint", "TB follow-up"),
        "OTHER": translate("Complaint", "Other (describe)"),
    }


def condition_name(code: str) -> str:
    return {
        "diabetes": translate("Condition", "Diabetes"),
        "hypertension": translate("Condition", "High blood pressure"),
        "tb": translate("Condition", "Tuberculosis (TB)"),
        "asthma": translate("Condition", "Asthma"),
        "heart_disease": translate("Condition", "Heart disease"),
        "epilepsy": translate("Condition", "Epilepsy"),
        "hiv": translate("Condition", "HIV"),
        "ckd": translate("Condition", "Kidney disease"),
        "other": translate("Condition", "Other"),
    }.get(code, code)


def severity_name(code: str) -> str:
    return {
        "mild": translate("Severity", "Mild"),
        "moderate": translate("Severity", "Moderate"),
        "severe": translate("Severity", "Severe"),
    }.get(code, code)


def sex_name(code: str) -> str:
    return {
        "female": translate("Sex", "Female"),
        "male": translate("Sex", "Male"),
        "other": translate("Sex", "Other"),
    }.get(code, code)


def _num(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def engine_error(error: BaseException, fallback: str, sep: str = " ") -> str:
    """An engine failure in words: refusals, store errors by code, else ``fallback`` (never
    the exception's own text, which could hold patient data)."""
    if isinstance(error, DomainRefused):
        return sep.join(refusal(r) for r in error.refusals)
    if isinstance(error, StoreError):
        return store_error(error)
    return fallback


# ---- sync ------------------------------------------------------------------------------------
# Written for the CHO: what happened, whether anything is lost (never), and what to do. Codes
# and HTTP numbers only at the end, in brackets, for district IT on the phone.


def sync_problem(problem: dict | None) -> str:
    """A sync failure (``{"kind": ..., params}``) in one or two plain sentences."""
    if not problem:
        return ""
    kind = str(problem.get("kind", ""))
    code = problem.get("hub_code") or problem.get("status") or kind
    texts = {
        "not-provisioned": translate(
            "Sync",
            "This computer is not connected to a hub yet, so nothing can be sent. Everything is kept here. Call district IT to set up the hub.",
        ),
        "insecure-url": translate(
            "Sync",
            "The hub address set up on this computer is not a safe address, so nothing was sent. Everything is kept here. Call district IT.",
        ),
        "hub-unreachable": translate(
            "Sync",
            "Could not reach the hub. Everything is kept and will be sent when the link returns.",
        ),
        "timeout": translate(
            "Sync",
            "The hub did not answer in time. Everything is kept and will be sent when the link is better.",
        ),
        "tls": translate(
            "Sync",
            "The hub's safety certificate was not accepted, so nothing was sent. If this network shows a login page, log in first; otherwise call district IT.",
        ),
        "hub-error": translate(
            "Sync",
            "The hub has a problem of its own. Everything is kept and sending will be tried again by itself (code {code}).",
        ),
        "hub-busy": translate(
            "Sync",
            "The hub is busy. Everything is kept and sending will be tried again by itself.",
        ),
        "bad-reply": translate(
            "Sync",
            "The hub's answer could not be understood, so nothing was marked as sent. Sending will be tried again by itself.",
        ),
        "update-needed": translate(
            "Sync",
            "This program must be updated before the hub accepts anything more. Everything is kept here. Call district IT.",
        ),
        "device-revoked": translate(
            "Sync",
            "The hub no longer accepts this computer. Everything is kept here. Call district IT to connect it again.",
        ),
        "not-enrolled": translate(
            "Sync",
            "The hub does not recognise this computer. Everything is kept here. Call district IT to connect it again.",
        ),
        "enrol-code-invalid": translate(
            "Sync",
            "The hub did not accept the set-up code: it was already used, has expired or was mistyped. Call district IT for a new one.",
        ),
        "refused": translate(
            "Sync",
            "The hub refused something it was sent. The rest is kept and sent. If this keeps happening, call district IT (code {code}).",
        ),
        "too-large": translate(
            "Sync",
            "A photo or file is too large for the hub. It stays on this computer. Call district IT.",
        ),
        "upload-lost": translate(
            "Sync",
            "A photo or recording is no longer on this computer and the hub does not have it. Call district IT.",
        ),
        "provisioning-file": translate(
            "Sync",
            "The hub settings file (provision.toml) could not be used. Call district IT to check it.",
        ),
        "other-facility": translate(
            "Sync",
            "The hub says this data belongs to another centre. Call district IT.",
        ),
    }
    text = texts.get(
        kind,
        translate(
            "Sync",
            "Something went wrong while sending. Everything is kept here. If this keeps happening, call district IT (code {code}).",
        ),
    )
    return text.format(code=code)


def reject_reason(code: str | None) -> tuple[str, str]:
    """Why the hub refused an item for good, and what the operator can do about it."""
    code = code or ""
    known = {
        "invalid": (
            translate("Sync", "The hub found this record incomplete or wrong."),
            translate(
                "Sync",
                "Check the record, then press “Send again”. If it is refused again, call district IT.",
            ),
        ),
        "other-facility": (
            translate("Sync", "This record belongs to another centre."),
            translate("Sync", "Call district IT."),
        ),
        "illegal-state": (
            translate("Sync", "The hub did not accept this change to the case: it has moved on."),
            translate(
                "Sync",
                "Look at the case on the home screen. If it looks wrong, call district IT.",
            ),
        ),
        "conflict": (
            translate("Sync", "The hub already has a different version of this change."),
            translate("Sync", "Do not enter it again. Call district IT."),
        ),
        "too-large": (
            translate("Sync", "This file is too large for the hub."),
            translate("Sync", "It stays on this computer. Call district IT."),
        ),
    }
    if code in known:
        return known[code]
    return (
        translate("Sync", "The hub refused this item (code {code}).").format(code=code),
        translate(
            "Sync",
            "Press “Send again”. If it is refused again, call district IT and tell them the code.",
        ),
    )


def sync_item_kind(entity: str) -> str:
    return {
        "patient": translate("Sync", "Patient details"),
        "encounter": translate("Sync", "Case"),
        "attachment": translate("Sync", "Photo or file"),
    }.get(entity, entity)


def data_size(size: int) -> str:
    if size >= 1_000_000:
        return translate("Sync", "{mb} MB").format(mb=f"{size / 1_000_000:.1f}")
    return translate("Sync", "{kb} KB").format(kb=max(1, round(size / 1000)))


def sync_connection(status) -> str:
    if not status.provisioned:
        return translate("Sync", "No hub set up yet")
    return {
        True: translate("Sync", "Online"),
        False: translate("Sync", "Offline"),
        None: translate("Sync", "Not checked yet"),
    }[status.online]


def sync_waiting(items: int, size: int) -> str:
    if items == 0:
        return translate("Sync", "Everything sent")
    if items == 1:
        return translate("Sync", "1 item ({size}) waiting to be sent").format(size=data_size(size))
    return translate("Sync", "{count} items ({size}) waiting to be sent").format(
        count=items, size=data_size(size)
    )


def sync_rejected(count: int) -> str:
    if count == 1:
        return translate("Sync", "1 item refused by the hub")
    return translate("Sync", "{count} items refused by the hub").format(count=count)


def sync_last_sent(moment: str | None, tz) -> str:
    """When the hub last took everything, in the centre's time (the date if not today)."""
    if not moment:
        return translate("Sync", "Never sent yet")
    local = datetime.fromisoformat(moment).astimezone(tz)
    today = datetime.now(local.tzinfo).date()
    when = local.strftime("%H:%M" if local.date() == today else "%d/%m/%Y %H:%M")
    return translate("Sync", "Last sent {when}").format(when=when)


def clock_skew(seconds: float) -> str:
    off = abs(seconds)
    if off < 2 * 3600:
        return translate(
            "Sync", "This computer's clock is off by {minutes} minutes: check the date and time"
        ).format(minutes=round(off / 60))
    if off < 2 * 86400:
        return translate(
            "Sync", "This computer's clock is off by {hours} hours: check the date and time"
        ).format(hours=round(off / 3600))
    return translate(
        "Sync", "This computer's clock is off by {days} days: check the date and time"
    ).format(days=round(off / 86400))


def sync_notes(status) -> list[str]:
    """What needs the operator's eye besides the counts: syncing, paused, update, clock."""
    notes = []
    if status.syncing:
        notes.append(translate("Sync", "Syncing…"))
    if status.paused_for_call:
        notes.append(translate("Sync", "Paused for a call"))
    if status.update_needed:
        notes.append(translate("Sync", "Update needed: call district IT"))
    if status.skew_warning and status.clock_skew_s is not None:
        notes.append(clock_skew(status.clock_skew_s))
    return notes


def sync_outcome(outcome) -> str:
    """What one "Sync now" did. Never success words when it failed."""
    if not outcome.ok:
        return sync_problem(outcome.problem or {"kind": "unknown"})
    if not (outcome.pushed or outcome.uploaded or outcome.pulled or outcome.rejected):
        return translate("Sync", "Done: nothing new to send, and nothing new from the hub.")
    changes = (
        translate("Sync", "1 change")
        if outcome.pushed == 1
        else translate("Sync", "{count} changes").format(count=outcome.pushed)
    )
    files = (
        translate("Sync", "1 file")
        if outcome.uploaded == 1
        else translate("Sync", "{count} files").format(count=outcome.uploaded)
    )
    updates = (
        translate("Sync", "1 update")
        if outcome.pulled == 1
        else translate("Sync", "{count} updates").format(count=outcome.pulled)
    )
    text = translate("Sync", "Sent {changes} and {files}; received {updates} from the hub.").format(
        changes=changes, files=files, updates=updates
    )
    if outcome.rejected:
        text += " " + translate("Sync", "{refused}: see the list of refused items.").format(
            refused=sync_rejected(outcome.rejected)
        )
    return text


# ---- live consult ----------------------------------------------------------------------------
# What the call is doing, in words for the CHO; a failure always says that nothing recorded is
# lost and that "Send for review" still gets the patient a doctor's answer.


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th… (one form in languages that need only one)."""
    if n % 100 in (11, 12, 13) or n % 10 not in (1, 2, 3):
        return translate("Consult", "{n}th").format(n=n)
    return {
        1: translate("Consult", "{n}st"),
        2: translate("Consult", "{n}nd"),
        3: translate("Consult", "{n}rd"),
    }[n % 10].format(n=n)


def minutes_about(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes == 1:
        return translate("Consult", "about a minute")
    return translate("Consult", "about {minutes} minutes").format(minutes=minutes)


def queue_place(position: int, wait_s: int | None) -> str:
    """The queue in words: “You are 2nd in the queue — about 10 minutes”."""
    if wait_s is None:
        return translate("Consult", "You are {position} in the queue.").format(
            position=ordinal(position)
        )
    return translate("Consult", "You are {position} in the queue — {wait}").format(
        position=ordinal(position), wait=minutes_about(wait_s)
    )


def doctors_online(count: int) -> str:
    if count == 0:
        return translate(
            "Consult",
            "No doctor of this specialty is online right now. The case stays in the queue until one is.",
        )
    if count == 1:
        return translate("Consult", "1 doctor of this specialty is online.")
    return translate("Consult", "{count} doctors of this specialty are online.").format(count=count)


def call_quality(quality: str) -> str:
    return {
        "good": translate("Consult", "Call quality: good"),
        "weak": translate("Consult", "Call quality: weak — the picture may be small or slow"),
        "audio-only": translate(
            "Consult", "Call quality: audio only — the link is too slow for video"
        ),
        "lost": translate("Consult", "Connection lost — reconnecting…"),
    }.get(str(quality), translate("Consult", "Call quality: not known yet"))


def nothing_lost() -> str:
    return translate(
        "Consult",
        "Nothing recorded for this patient is lost. Send the case for review and a doctor will answer it later.",
    )


def call_ended(by: str, reason: str) -> str:
    """How the call ended, by whom (``Ended``: protocol.CallEndReason values)."""
    if reason == "finished":
        return translate(
            "Consult", "The doctor finished the consult. The prescription will come to this case."
        )
    if reason == "hung-up":
        if by == "doctor":
            return translate(
                "Consult", "The doctor ended the call. The prescription will come to this case."
            )
        return translate(
            "Consult",
            "You ended the call. The doctor writes the prescription; it will come to this case.",
        )
    if reason == "left-queue":
        return translate(
            "Consult",
            "You left the queue. The case is kept: start the consult again or send it for review.",
        )
    if reason == "dropped":
        return translate(
            "Consult",
            "The call was cut for too long. The case is back in the queue: start the consult again, or send it for review.",
        )
    return translate("Consult", "The hub ended the call.")


def call_failed(kind: str) -> str:
    """Why a call could not start or go on (``CallFailed.kind``)."""
    if kind == "camera":
        return camera_problem(None)
    if kind == "microphone":
        return microphone_problem()
    if kind == "speaker":
        return speaker_problem()
    if kind == "timeout":
        kind = "hub-unreachable"
    return {
        "hub-unreachable": translate(
            "Consult", "The hub cannot be reached, so the call cannot go on now."
        ),
        "no-link": translate("Consult", "The link is too weak to carry a call now."),
        "unauthorised": translate(
            "Consult", "The hub did not accept this desktop. Call district IT."
        ),
        "not-found": translate(
            "Consult",
            "The hub does not have this case yet: it has not been sent. It will be sent when the link allows.",
        ),
        "not-waiting": translate(
            "Consult", "The hub says this case is not waiting for a doctor any more."
        ),
        "revoked": translate(
            "Consult", "The hub no longer accepts this desktop. Call district IT."
        ),
        "replaced": translate(
            "Consult",
            "This case was opened for a call on another desktop or window, so the call here stopped.",
        ),
        "update-needed": translate(
            "Consult", "This program must be updated before the hub takes calls. Call district IT."
        ),
        "tls": translate(
            "Consult",
            "The hub's safety certificate was not accepted, so the call cannot go on. Call district IT.",
        ),
    }.get(kind, translate("Consult", "The call could not go on."))


def consult_refused(kind: str, state: str | None = None) -> str:
    """Why a live consult could not start (``ConsultRefused``)."""
    if kind == "no-hub-link":
        return translate(
            "Consult",
            "This desktop is not connected to a hub yet, so a live consult cannot start. Ask district IT to set it up.",
        )
    if kind == "call-in-progress":
        return translate("Consult", "Another call is on. End it before starting this one.")
    if kind == "wrong-state" and state:
        return translate("Consult", "This case cannot join the queue now: it is “{state}”.").format(
            state=case_state(CaseState(state))
        )
    return translate("Consult", "The live consult could not start.")
