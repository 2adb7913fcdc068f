import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoke_client.domain import DomainRefused, FieldRefused, Prescription, PrescriptionItem


def record(**overrides):
    d = {
        "id": "rx-1",
        "encounter_id": "enc-1",
        "doctor_name": "Dr. A. Sharma",
        "doctor_registration": "MMC-2011-04567",
        "issued_at": "2025-06-15T11:02:00+05:30",
        "diagnosis": "Acute febrile illness",
        "items": [
            {
                "medicine": "Paracetamol",
                "strength": "500 mg",
                "dose": "1 tablet",
                "frequency": "three times a day",
                "duration_days": 3,
                "instructions": "after food",
            }
        ],
        "advice": "Drink plenty of fluids",
        "follow_up_days": 5,
    }
    d.update(overrides)
    return d


def refused(d):
    with pytest.raises(DomainRefused) as info:
        Prescription.from_record(d)
    return {(r.field, r.reason): r for r in info.value.refusals}


def test_valid_prescription_round_trips():
    rx = Prescription.from_record(record())
    assert rx.items == (
        PrescriptionItem("Paracetamol", "500 mg", "1 tablet", "three times a day", 3, "after food"),
    )
    assert rx.issued_at.utcoffset().total_seconds() == 5.5 * 3600
    assert Prescription.from_record(json.loads(json.dumps(rx.to_record()))) == rx


def test_advice_alone_is_a_prescription():
    rx = Prescription.from_record(record(items=[], follow_up_days=None))
    assert rx.items == () and rx.follow_up_days is None


def test_nothing_prescribed_or_advised_is_refused():
    assert ("items", "required") in refused(record(items=[], advice="  "))


def test_every_problem_is_reported():
    bad_item = {"medicine": "", "dose": "1", "frequency": "OD", "duration_days": 0}
    found = refused(
        record(
            doctor_name=" ",
            doctor_registration=None,
            issued_at="yesterday",
            items=[
                bad_item,
                {"medicine": "ORS", "dose": "1 packet", "frequency": "PRN", "duration_days": 366},
            ],
            follow_up_days=400,
        )
    )
    assert set(found) == {
        ("doctor_name", "required"),
        ("doctor_registration", "required"),
        ("issued_at", "bad-format"),
        ("items[0].medicine", "required"),
        ("items[0].duration_days", "out-of-range"),
        ("items[1].duration_days", "out-of-range"),
        ("follow_up_days", "out-of-range"),
    }
    assert found[("items[1].duration_days", "out-of-range")] == FieldRefused(
        "items[1].duration_days", "out-of-range", value=366, low=1, high=365
    )


def test_malformed_input_is_refused_not_crashed():
    found = refused({"items": "paracetamol", "doctor_name": 42})
    assert ("items", "bad-format") in found
    assert ("doctor_name", "bad-format") in found
    assert ("id", "required") in found and ("issued_at", "required") in found


item = st.fixed_dictionaries(
    {
        "medicine": st.sampled_from(["Paracetamol", "Amoxicillin", "ORS", "Metformin"]),
        "strength": st.sampled_from(["", "500 mg", "250 mg/5 ml"]),
        "dose": st.sampled_from(["1 tablet", "5 ml"]),
        "frequency": st.sampled_from(["OD", "BD", "TDS"]),
        "duration_days": st.integers(min_value=1, max_value=365),
        "instructions": st.sampled_from(["", "after food"]),
    }
)


@given(
    items=st.lists(item, min_size=1, max_size=5),
    follow_up=st.one_of(st.none(), st.integers(min_value=1, max_value=365)),
    issued=st.datetimes(timezones=st.just(UTC)),
)
def test_record_round_trip(items, follow_up, issued: datetime):
    rx = Prescription.from_record(
        record(items=items, follow_up_days=follow_up, issued_at=issued.isoformat())
    )
    assert rx.to_record()["items"] == items
    assert Prescription.from_record(json.loads(json.dumps(rx.to_record()))) == rx
