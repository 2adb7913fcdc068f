import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoke_client.domain import (
    COMPLAINTS,
    ComplaintEntry,
    DomainRefused,
    Severity,
    UnknownComplaint,
    complaint_by_code,
)

# Codes are stored and sent to the hub: once released they never change. Adding a
# complaint means adding its code here too; renaming or removing one must fail this test.
PINNED_CODES = [
    "FEVER",
    "FATIGUE",
    "WEIGHT_LOSS",
    "LOSS_OF_APPETITE",
    "SWELLING_OF_FEET",
    "LUMP_SWELLING",
    "JAUNDICE",
    "COUGH",
    "COLD_RUNNY_NOSE",
    "BREATHLESSNESS",
    "WHEEZING",
    "BLOOD_IN_SPUTUM",
    "CHEST_PAIN",
    "PALPITATIONS",
    "ABDOMINAL_PAIN",
    "DIARRHOEA",
    "VOMITING",
    "ACIDITY",
    "CONSTIPATION",
    "BLOOD_IN_STOOL",
    "HEADACHE",
    "DIZZINESS",
    "SEIZURE",
    "LIMB_WEAKNESS",
    "NUMBNESS_TINGLING",
    "JOINT_PAIN",
    "BACK_PAIN",
    "SKIN_RASH",
    "ITCHING",
    "SKIN_PATCH_NUMB",
    "WOUND_ULCER",
    "BURN",
    "INJURY_FALL",
    "DOG_BITE",
    "SNAKE_BITE",
    "SCORPION_STING",
    "EYE_REDNESS",
    "BLURRED_VISION",
    "EAR_DISCHARGE",
    "EAR_PAIN",
    "HEARING_LOSS",
    "SORE_THROAT",
    "TOOTHACHE",
    "MOUTH_ULCER_PATCH",
    "PAINFUL_URINATION",
    "WHITE_DISCHARGE",
    "MISSED_PERIOD",
    "HEAVY_PERIODS",
    "PAINFUL_PERIODS",
    "BREAST_LUMP",
    "BLEEDING_IN_PREGNANCY",
    "ANTENATAL_CHECKUP",
    "POSTNATAL_CHECKUP",
    "POOR_FEEDING_CHILD",
    "FAST_BREATHING_CHILD",
    "POOR_GROWTH_CHILD",
    "LOW_MOOD_ANXIETY",
    "SLEEPLESSNESS",
    "ALCOHOL_TOBACCO",
    "DIABETES_FOLLOW_UP",
    "HYPERTENSION_FOLLOW_UP",
    "TB_FOLLOW_UP",
]


def test_codes_are_pinned():
    assert [c.code for c in COMPLAINTS] == PINNED_CODES


def test_catalogue_shape():
    assert len(COMPLAINTS) >= 40
    codes = [c.code for c in COMPLAINTS]
    assert len(set(codes)) == len(codes)
    assert len({c.name for c in COMPLAINTS}) == len(COMPLAINTS)
    for c in COMPLAINTS:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", c.code)
        assert c.name.strip() and re.fullmatch(r"[a-z_]+", c.body_system)
    assert "OTHER" not in codes


def test_lookup():
    assert complaint_by_code("DOG_BITE").body_system == "injury"
    with pytest.raises(UnknownComplaint) as info:
        complaint_by_code("OTHER")
    assert isinstance(info.value, KeyError)
    assert info.value.complaint_code == "OTHER"


def refused(**kwargs):
    with pytest.raises(DomainRefused) as info:
        ComplaintEntry.create(**kwargs)
    return {(r.field, r.reason): r for r in info.value.refusals}


def test_entry_create_normalises():
    e = ComplaintEntry.create(
        " fever ", duration_days="3", severity="Moderate", note=" since  Monday "
    )
    assert e == ComplaintEntry("FEVER", 3, Severity.MODERATE, "since Monday")
    assert ComplaintEntry.create("COUGH") == ComplaintEntry("COUGH", None, None, "")


def test_entry_refusals_all_at_once():
    found = refused(code="HEADACHEE", duration_days=3651, severity="terrible", note="x" * 501)
    assert set(found) == {
        ("code", "unknown-code"),
        ("duration_days", "out-of-range"),
        ("severity", "bad-format"),
        ("note", "too-long"),
    }
    r = found[("duration_days", "out-of-range")]
    assert (r.value, r.low, r.high) == (3651, 0, 3650)
    assert ("duration_days", "out-of-range") in refused(code="FEVER", duration_days=-1)
    assert ("duration_days", "bad-format") in refused(code="FEVER", duration_days=2.5)
    assert ("code", "required") in refused(code=" ")


def test_other_needs_a_note():
    assert ("note", "required") in refused(code="OTHER", note="  ")
    assert ComplaintEntry.create("other", note="hiccups").code == "OTHER"


@given(
    code=st.sampled_from(PINNED_CODES + ["OTHER"]),
    days=st.one_of(st.none(), st.integers(min_value=0, max_value=3650)),
    severity=st.one_of(st.none(), st.sampled_from(list(Severity))),
    note=st.text(min_size=1, max_size=40).filter(lambda s: s.strip()),
)
def test_entry_record_round_trip(code, days, severity, note):
    e = ComplaintEntry.create(code, duration_days=days, severity=severity, note=note)
    assert ComplaintEntry.from_record(json.loads(json.dumps(e.to_record()))) == e
