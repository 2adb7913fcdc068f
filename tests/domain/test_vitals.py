import json
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from spoke_client.domain import (
    VITAL_SPECS,
    BloodPressureRefused,
    DomainRefused,
    FieldRefused,
    FlagLevel,
    TempUnit,
    VitalKind,
    VitalRefused,
    VitalSet,
    bmi,
    celsius_to_fahrenheit,
    fahrenheit_to_celsius,
    read_vital,
    read_vitals,
)

K = VitalKind
CANONICAL_UNITS = {
    K.SYSTOLIC: "mmHg",
    K.DIASTOLIC: "mmHg",
    K.PULSE: "/min",
    K.TEMPERATURE: "°C",
    K.SPO2: "%",
    K.RESP_RATE: "/min",
    K.WEIGHT: "kg",
    K.HEIGHT: "cm",
    K.BMI: "kg/m²",
    K.GLUCOSE: "mg/dL",
    K.HAEMOGLOBIN: "g/dL",
}
finite = dict(allow_nan=False, allow_infinity=False)


def refusals_of(fn, *args, **kwargs):
    with pytest.raises(DomainRefused) as info:
        fn(*args, **kwargs)
    return info.value.refusals


# -- specs ----------------------------------------------------------------------------------


def test_every_kind_has_a_consistent_spec():
    assert set(VITAL_SPECS) == set(VitalKind)
    for kind, s in VITAL_SPECS.items():
        assert s.kind is kind
        assert s.unit == CANONICAL_UNITS[kind]
        assert s.hard_low < s.hard_high
        assert s.hard_low <= s.critical_low <= s.ref_low < s.ref_high <= s.critical_high
        assert s.critical_high <= s.hard_high


def test_plausible_limits_from_the_design():
    assert (VITAL_SPECS[K.PULSE].hard_low, VITAL_SPECS[K.PULSE].hard_high) == (20, 250)
    assert (VITAL_SPECS[K.TEMPERATURE].hard_low, VITAL_SPECS[K.TEMPERATURE].hard_high) == (30, 45)
    assert (VITAL_SPECS[K.SPO2].hard_low, VITAL_SPECS[K.SPO2].hard_high) == (50, 100)


# -- temperature units ---------------------------------------------------------------------


@given(st.floats(min_value=-1000, max_value=1000, **finite))
def test_celsius_fahrenheit_round_trip(c):
    assert abs(fahrenheit_to_celsius(celsius_to_fahrenheit(c)) - c) <= 1e-9
    assert abs(celsius_to_fahrenheit(fahrenheit_to_celsius(c)) - c) <= 1e-9


def test_known_temperatures():
    assert celsius_to_fahrenheit(100) == 212
    assert celsius_to_fahrenheit(-40) == -40
    assert fahrenheit_to_celsius(98.6) == pytest.approx(37.0)
    assert read_vital(K.TEMPERATURE, 98.6, temp_unit=TempUnit.F).value == 37.0
    assert read_vital("temperature", "101.3", temp_unit="F").value == 38.5


# -- refusals and acceptance ----------------------------------------------------------------

kinds = st.sampled_from(list(VitalKind))


def outside(low, high):
    return st.one_of(
        st.floats(max_value=low, exclude_max=True, **finite),
        st.floats(min_value=high, exclude_min=True, **finite),
    )


@given(st.data())
def test_every_implausible_reading_is_refused_with_field_value_and_range(data):
    kind = data.draw(kinds)
    s = VITAL_SPECS[kind]
    value = data.draw(outside(s.hard_low, s.hard_high))
    (r,) = refusals_of(read_vital, kind, value)
    assert r == VitalRefused(kind.value, value, s.hard_low, s.hard_high, s.unit)
    assert r.code == "vital-refused"


@given(st.floats(min_value=-1e6, max_value=1e6, **finite))
def test_fahrenheit_refusal_speaks_fahrenheit(value):
    assume(not 86 <= value <= 113)
    (r,) = refusals_of(read_vital, K.TEMPERATURE, value, temp_unit=TempUnit.F)
    assert r == VitalRefused("temperature", value, 86.0, 113.0, "°F")


@given(st.data())
def test_plausible_readings_are_never_refused(data):
    kind = data.draw(kinds)
    s = VITAL_SPECS[kind]
    value = data.draw(st.floats(min_value=s.hard_low, max_value=s.hard_high, **finite))
    reading = read_vital(kind, value)
    assert (reading.kind, reading.value, reading.unit) == (kind, value, s.unit)


@given(st.floats(min_value=86, max_value=113, **finite))
def test_plausible_fahrenheit_readings_are_stored_in_celsius(f):
    reading = read_vital(K.TEMPERATURE, f, temp_unit=TempUnit.F)
    assert reading.unit == "°C"
    assert 30 <= reading.value <= 45
    assert abs(reading.value - fahrenheit_to_celsius(f)) <= 0.005 + 1e-9


def test_the_design_example():
    (r,) = refusals_of(read_vital, K.PULSE, 300)
    assert (r.field, r.value, r.low, r.high) == ("pulse", 300, 20, 250)


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), "abc", True, None, [72]])
def test_non_numbers_are_refused(raw):
    (r,) = refusals_of(read_vital, K.PULSE, raw)
    assert r.code in ("vital-refused", "field-refused")
    assert r.field == "pulse"


# -- flags ---------------------------------------------------------------------------------


@given(st.data())
def test_flags_follow_reference_and_critical_ranges(data):
    kind = data.draw(kinds)
    s = VITAL_SPECS[kind]
    value = data.draw(st.floats(min_value=s.hard_low, max_value=s.hard_high, **finite))
    flag = read_vital(kind, value).flag
    if s.ref_low <= value <= s.ref_high:
        assert flag is None
        return
    assert flag is not None
    assert (flag.field, flag.value, flag.ref_low, flag.ref_high, flag.unit) == (
        kind.value,
        value,
        s.ref_low,
        s.ref_high,
        s.unit,
    )
    if value < s.critical_low:
        assert flag.level is FlagLevel.CRITICAL_LOW
    elif value > s.critical_high:
        assert flag.level is FlagLevel.CRITICAL_HIGH
    elif value < s.ref_low:
        assert flag.level is FlagLevel.LOW
    else:
        assert flag.level is FlagLevel.HIGH


@pytest.mark.parametrize(
    ("kind", "value", "level"),
    [
        (K.PULSE, 72, None),
        (K.PULSE, 120, FlagLevel.HIGH),
        (K.PULSE, 35, FlagLevel.CRITICAL_LOW),
        (K.PULSE, 150, FlagLevel.CRITICAL_HIGH),
        (K.SPO2, 98, None),
        (K.SPO2, 93, FlagLevel.LOW),
        (K.SPO2, 85, FlagLevel.CRITICAL_LOW),
        (K.TEMPERATURE, 37.0, None),
        (K.TEMPERATURE, 38.5, FlagLevel.HIGH),
        (K.TEMPERATURE, 40.5, FlagLevel.CRITICAL_HIGH),
        (K.TEMPERATURE, 34.0, FlagLevel.CRITICAL_LOW),
        (K.SYSTOLIC, 120, None),
        (K.SYSTOLIC, 150, FlagLevel.HIGH),
        (K.SYSTOLIC, 185, FlagLevel.CRITICAL_HIGH),
        (K.DIASTOLIC, 125, FlagLevel.CRITICAL_HIGH),
        (K.GLUCOSE, 50, FlagLevel.CRITICAL_LOW),
        (K.GLUCOSE, 220, FlagLevel.HIGH),
        (K.GLUCOSE, 450, FlagLevel.CRITICAL_HIGH),
        (K.HAEMOGLOBIN, 9.5, FlagLevel.LOW),
        (K.HAEMOGLOBIN, 6.5, FlagLevel.CRITICAL_LOW),
        (K.RESP_RATE, 30, FlagLevel.CRITICAL_HIGH),
        (K.WEIGHT, 3.2, None),
        (K.HEIGHT, 50, None),
    ],
)
def test_flag_examples(kind, value, level):
    flag = read_vital(kind, value).flag
    assert (flag.level if flag else None) == level


def test_fahrenheit_fever_is_flagged_in_celsius():
    flag = read_vital(K.TEMPERATURE, 105, temp_unit=TempUnit.F).flag
    assert flag.level is FlagLevel.CRITICAL_HIGH and flag.unit == "°C"
    assert flag.value == pytest.approx(40.56)


# -- a set of readings ---------------------------------------------------------------------


def test_read_vitals_skips_blanks_and_accepts_string_keys():
    vs = read_vitals(
        {"pulse": 80, K.SPO2: None, "temperature": " ", "systolic": "130", "diastolic": 85}
    )
    assert list(vs.readings) == [K.SYSTOLIC, K.DIASTOLIC, K.PULSE]
    assert vs.to_record() == {"systolic": 130.0, "diastolic": 85.0, "pulse": 80.0}
    assert vs.flags == []


def test_read_vitals_collects_every_refusal():
    found = refusals_of(
        read_vitals,
        {K.PULSE: 300, K.SPO2: 120, K.SYSTOLIC: 80, K.DIASTOLIC: 90, K.GLUCOSE: "high"},
    )
    assert VitalRefused("pulse", 300, 20, 250, "/min") in found
    assert VitalRefused("spo2", 120, 50, 100, "%") in found
    assert BloodPressureRefused(80, 90) in found
    assert FieldRefused("glucose", "bad-format", value="high") in found
    assert len(found) == 4


@given(
    st.floats(min_value=50, max_value=200, **finite),
    st.floats(min_value=0, max_value=150, **finite),
)
def test_systolic_must_be_above_diastolic(systolic, excess):
    diastolic = systolic + excess  # at or above systolic
    assume(diastolic <= 200)
    found = refusals_of(read_vitals, {K.SYSTOLIC: systolic, K.DIASTOLIC: diastolic})
    assert found == (BloodPressureRefused(systolic, diastolic),)
    assert BloodPressureRefused.code == "bp-systolic-not-above-diastolic"


@given(st.integers(min_value=51, max_value=300), st.integers(min_value=20, max_value=200))
def test_systolic_above_diastolic_is_accepted(systolic, diastolic):
    assume(systolic > diastolic)
    vs = read_vitals({K.SYSTOLIC: systolic, K.DIASTOLIC: diastolic})
    assert vs.readings[K.SYSTOLIC].value == systolic


def test_bmi():
    assert bmi(60, 160) == 23.4
    assert bmi(70, 175) == 22.9
    with pytest.raises(ValueError):
        bmi(60, 0)


@given(
    st.floats(min_value=0.5, max_value=300, **finite),
    st.floats(min_value=30, max_value=250, **finite),
)
def test_bmi_is_derived_from_weight_and_height(weight, height):
    value = weight / (height / 100) ** 2
    assume(5.05 <= value <= 199.95)
    vs = read_vitals({K.WEIGHT: weight, K.HEIGHT: height})
    reading = vs.readings[K.BMI]
    assert reading.value == bmi(weight, height)
    assert abs(reading.value - value) <= 0.05 + 1e-9
    assert reading.unit == "kg/m²"
    assert list(vs.readings) == [K.WEIGHT, K.HEIGHT, K.BMI]


def test_bmi_needs_both_and_is_never_entered():
    assert K.BMI not in read_vitals({K.WEIGHT: 60}).readings
    with pytest.raises(ValueError):
        read_vitals({K.BMI: 22})
    with pytest.raises(ValueError):
        read_vitals({"blood_sugar": 100})


def test_implausible_weight_for_height_is_refused_as_bmi():
    (r,) = refusals_of(read_vitals, {K.WEIGHT: 300, K.HEIGHT: 30})
    assert (r.code, r.field, r.low, r.high) == ("vital-refused", "bmi", 5, 200)


def test_flags_of_a_set():
    vs = read_vitals({K.PULSE: 120, K.SPO2: 88, K.TEMPERATURE: 37})
    assert [(f.field, f.level) for f in vs.flags] == [
        ("pulse", FlagLevel.HIGH),
        ("spo2", FlagLevel.CRITICAL_LOW),
    ]
    assert all(f.code == "vital-flag" for f in vs.flags)


@given(st.data())
def test_vital_set_record_round_trip(data):
    entries = {}
    for kind in VitalKind:
        if kind is K.BMI or not data.draw(st.booleans()):
            continue
        s = VITAL_SPECS[kind]
        entries[kind] = data.draw(st.floats(min_value=s.hard_low, max_value=s.hard_high, **finite))
    if K.SYSTOLIC in entries and K.DIASTOLIC in entries:
        assume(entries[K.SYSTOLIC] > entries[K.DIASTOLIC])
    if K.WEIGHT in entries and K.HEIGHT in entries:
        assume(5 <= bmi(entries[K.WEIGHT], entries[K.HEIGHT]) <= 200)
    vs = read_vitals(entries)
    record = json.loads(json.dumps(vs.to_record()))
    assert all(isinstance(v, float) and math.isfinite(v) for v in record.values())
    assert VitalSet.from_record(record) == vs


@pytest.mark.parametrize("kind", list(VitalKind))
def test_range_edges_belong_to_the_milder_side(kind):
    s = VITAL_SPECS[kind]
    assert read_vital(kind, s.ref_low).flag is None
    assert read_vital(kind, s.ref_high).flag is None
    read_vital(kind, s.hard_low)  # the plausible edges are accepted
    read_vital(kind, s.hard_high)
    if s.critical_low < s.ref_low:
        assert read_vital(kind, s.critical_low).flag.level is FlagLevel.LOW
    if s.critical_high > s.ref_high:
        assert read_vital(kind, s.critical_high).flag.level is FlagLevel.HIGH
