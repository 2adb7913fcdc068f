import json
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoke_client.domain import (
    DomainRefused,
    FieldRefused,
    Patient,
    Sex,
    format_abha,
    is_uuid7,
    normalise_mobile,
)

TODAY = date(2025, 6, 15)
PATIENT_FIELDS = [
    "id",
    "name",
    "sex",
    "birth_date",
    "age_years",
    "age_months",
    "age_stated_on",
    "mobile",
    "abha_number",
    "abha_address",
    "village",
    "address",
    "guardian_name",
    "guardian_relation",
]


def adult(**overrides):
    fields = {"name": "Sita Devi", "sex": "female", "age_years": 34, "village": "Rampur"}
    fields.update(overrides)
    return fields


def refused(**fields):
    with pytest.raises(DomainRefused) as info:
        Patient.create(today=TODAY, **fields)
    for r in info.value.refusals:
        assert isinstance(r, FieldRefused)
    return {(r.field, r.reason): r for r in info.value.refusals}


def test_create_normalises_and_fills_defaults():
    p = Patient.create(
        today=TODAY,
        name="  sita   Devi ",
        sex=Sex.FEMALE,
        age_years="34",
        mobile="+91 98765 43210",
        abha_number="91-1234-5678-9012",
        abha_address=" Sita.Devi_1@ABDM ",
        village=" Rampur ",
        address="Near  the well",
        guardian_name="",
        guardian_relation="  ",
    )
    assert is_uuid7(p.id)
    assert p.name == "sita Devi"
    assert p.sex is Sex.FEMALE
    assert (p.birth_date, p.age_years, p.age_months, p.age_stated_on) == (None, 34, None, TODAY)
    assert p.mobile == "9876543210"
    assert p.abha_number == "91123456789012"
    assert p.abha_address == "sita.devi_1@abdm"
    assert p.village == "Rampur"
    assert p.address == "Near the well"
    assert p.guardian_name is None and p.guardian_relation is None


def test_given_id_is_kept_and_bad_id_refused():
    p = Patient.create(today=TODAY, id="018f3a5e-7b2c-7d4e-8f00-1234567890ab", **adult())
    assert p.id == "018f3a5e-7b2c-7d4e-8f00-1234567890ab"
    assert ("id", "bad-format") in refused(id="patient-1", **adult())


@pytest.mark.parametrize(
    "raw",
    [
        "+91 98765 43210",
        "098765-43210",
        "9876543210",
        "+919876543210",
        "919876543210",
        "0091 98765 43210",
        "(98765) 43210",
        "९८७६५४३२१०",  # Devanagari digits
    ],
)
def test_mobile_forms_accepted(raw):
    assert normalise_mobile(raw) == "9876543210"
    assert Patient.create(today=TODAY, **adult(mobile=raw)).mobile == "9876543210"


@pytest.mark.parametrize(
    "raw",
    ["12345", "5876543210", "+1 9876543210", "98765432101", "98765o4321", "+91 5876543210"],
)
def test_bad_mobiles_refused(raw):
    assert normalise_mobile(raw) is None
    r = refused(**adult(mobile=raw))[("mobile", "bad-format")]
    assert r.value == raw


@pytest.mark.parametrize("raw", ["91-1234-5678-9012", "91 1234 5678 9012", "91123456789012"])
def test_abha_number_forms(raw):
    p = Patient.create(today=TODAY, **adult(abha_number=raw))
    assert p.abha_number == "91123456789012"
    assert format_abha(p.abha_number) == "91-1234-5678-9012"


@pytest.mark.parametrize("raw", ["9112345678901", "911234567890123", "91-1234-5678-901a"])
def test_bad_abha_numbers(raw):
    assert ("abha_number", "bad-format") in refused(**adult(abha_number=raw))
    with pytest.raises(ValueError):
        format_abha(raw)


@pytest.mark.parametrize(
    "raw",
    ["ab@abdm", "sita@gmail.com", "sita devi@abdm", "sita@", "_sita@abdm", "a" * 33 + "@abdm"],
)
def test_bad_abha_addresses(raw):
    assert ("abha_address", "bad-format") in refused(**adult(abha_address=raw))


def test_sandbox_abha_address():
    assert Patient.create(today=TODAY, **adult(abha_address="test.user@SBX")).abha_address == (
        "test.user@sbx"
    )


def test_name_rules():
    assert ("name", "required") in refused(**adult(name="   "))
    r = refused(**adult(name="x" * 101))[("name", "too-long")]
    assert (r.value, r.low, r.high) == (101, 1, 100)
    assert Patient.create(today=TODAY, **adult(name="x" * 100)).name == "x" * 100
    assert ("name", "bad-format") in refused(**adult(name="Sita 2"))
    assert ("name", "bad-format") in refused(**adult(name="..."))
    assert Patient.create(today=TODAY, **adult(name="सीता देवी")).name == "सीता देवी"
    assert Patient.create(today=TODAY, **adult(name="D'Souza-Pereira Jr.")).name


def test_village_required_and_sex_checked():
    found = refused(**adult(village=" ", sex="unknown"))
    assert ("village", "required") in found
    assert ("sex", "bad-format") in found
    assert ("sex", "required") in refused(name="Sita", age_years=30, village="Rampur")


def test_every_refusal_is_reported_at_once():
    found = refused(
        name="",
        sex="female",
        birth_date=TODAY + timedelta(days=1),
        mobile="12345",
        abha_number="123",
        abha_address="nope",
        village="",
    )
    assert set(found) == {
        ("name", "required"),
        ("birth_date", "in-future"),
        ("mobile", "bad-format"),
        ("abha_number", "bad-format"),
        ("abha_address", "bad-format"),
        ("village", "required"),
    }
    assert found[("birth_date", "in-future")].high == TODAY


def test_an_age_or_birth_date_is_required():
    assert ("birth_date", "required") in refused(name="Sita", sex="female", village="Rampur")


def test_age_limits():
    r = refused(**adult(age_years=121))[("age_years", "out-of-range")]
    assert (r.value, r.low, r.high) == (121, 0, 120)
    assert ("age_months", "out-of-range") in refused(**adult(age_years=None, age_months=12))
    assert ("age_years", "bad-format") in refused(**adult(age_years="thirty"))
    assert ("age_stated_on", "in-future") in refused(**adult(age_stated_on=date(2025, 6, 16)))
    oldest = date(1905, 6, 16)  # 120 years old on TODAY
    assert Patient.create(today=TODAY, **adult(age_years=None, birth_date=oldest)).age_on(
        TODAY
    ) == (119, 11)
    assert Patient.create(today=TODAY, **adult(age_years=None, birth_date=date(1905, 6, 15)))
    r = refused(**adult(age_years=None, birth_date=date(1904, 6, 15)))[
        ("birth_date", "out-of-range")
    ]
    assert r.high == TODAY and r.low == date(1904, 6, 16)
    assert ("birth_date", "bad-format") in refused(**adult(birth_date="15/06/1990"))


def test_birth_date_replaces_a_stated_age():
    p = Patient.create(today=TODAY, **adult(birth_date="1990-06-15", age_years=12))
    assert p.birth_date == date(1990, 6, 15)
    assert (p.age_years, p.age_months, p.age_stated_on) == (None, None, None)
    assert p.age_on(TODAY) == (35, 0)


def test_minor_needs_guardian():
    ten = date(2015, 1, 1)
    r = refused(**adult(age_years=None, birth_date=ten))[("guardian_name", "guardian-required")]
    assert (r.value, r.high) == (10, 18)
    p = Patient.create(
        today=TODAY,
        **adult(age_years=None, birth_date=ten, guardian_name="Ramesh", guardian_relation="father"),
    )
    assert p.is_minor(TODAY) and p.guardian_relation == "father"
    assert ("guardian_name", "guardian-required") in refused(**adult(age_years=17))
    assert ("guardian_name", "guardian-required") in refused(**adult(age_years=0, age_months=3))
    assert not Patient.create(today=TODAY, **adult(age_years=18)).is_minor(TODAY)


def test_eighteenth_birthday_is_the_boundary():
    born = date(2007, 6, 15)
    assert not Patient.create(today=TODAY, **adult(age_years=None, birth_date=born)).is_minor(TODAY)
    assert ("guardian_name", "guardian-required") in refused(
        **adult(age_years=None, birth_date=born + timedelta(days=1))
    )


def test_stated_age_grows_with_time():
    p = Patient.create(today=date(2020, 1, 15), **adult(age_years=30, age_months=2))
    assert p.age_stated_on == date(2020, 1, 15)
    assert p.age_on(date(2020, 1, 15)) == (30, 2)
    assert p.age_on(date(2025, 7, 14)) == (35, 7)
    assert p.age_on(date(2025, 7, 15)) == (35, 8)
    infant = Patient.create(
        today=TODAY, **adult(age_years=None, age_months=7, guardian_name="Meena")
    )
    assert infant.age_on(TODAY) == (0, 7)
    assert infant.age_on(date(2026, 1, 15)) == (1, 2)


def test_leap_day_birthday():
    p = Patient.create(
        today=TODAY, **adult(age_years=None, birth_date=date(2024, 2, 29), guardian_name="Meena")
    )
    assert p.age_on(date(2025, 2, 28)) == (0, 11)
    assert p.age_on(date(2025, 3, 1)) == (1, 0)
    assert p.age_on(date(2024, 1, 1)) == (0, 0)  # before birth: never negative


@given(
    st.dates(min_value=date(1906, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=40000),
)
def test_age_from_birth_date_matches_calendar_years(born, days_later):
    day = born + timedelta(days=days_later)
    p = Patient(
        id="x",
        name="A",
        sex=Sex.MALE,
        birth_date=born,
        age_years=None,
        age_months=None,
        age_stated_on=None,
        mobile=None,
        abha_number=None,
        abha_address=None,
        village="V",
        address="",
        guardian_name=None,
        guardian_relation=None,
    )
    years, months = p.age_on(day)
    expected_years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    assert years == expected_years
    assert 0 <= months <= 11
    assert p.is_minor(day) == (expected_years < 18)


def test_unknown_field_is_a_programming_error():
    with pytest.raises(TypeError):
        Patient.create(today=TODAY, **adult(nmae="Sita"))


def test_record_has_exactly_the_fields_and_is_json_safe():
    p = Patient.create(
        today=TODAY,
        **adult(
            age_years=None,
            birth_date=date(1990, 1, 2),
            mobile="9876543210",
            abha_number="91123456789012",
            abha_address="sita@abdm",
        ),
    )
    record = p.to_record()
    assert list(record) == PATIENT_FIELDS
    assert record["birth_date"] == "1990-01-02" and record["sex"] == "female"
    assert Patient.from_record(json.loads(json.dumps(record))) == p


names = st.sampled_from(["Sita Devi", "Mohammed Rafiq", "Lakshmi", "सीता", "Anil Kumar Yadav"])
optional_text = st.one_of(st.none(), st.sampled_from(["Ramesh", "Kamla Bai"]))


@given(
    name=names,
    sex=st.sampled_from(list(Sex)),
    birth=st.one_of(st.none(), st.dates(min_value=date(1906, 1, 1), max_value=TODAY)),
    years=st.integers(min_value=0, max_value=120),
    months=st.one_of(st.none(), st.integers(min_value=0, max_value=11)),
    mobile=st.one_of(st.none(), st.from_regex(r"[6-9][0-9]{9}", fullmatch=True)),
    abha=st.one_of(st.none(), st.from_regex(r"[0-9]{14}", fullmatch=True)),
    guardian=optional_text,
)
def test_record_round_trip(name, sex, birth, years, months, mobile, abha, guardian):
    fields = dict(
        name=name,
        sex=sex,
        birth_date=birth,
        age_years=years,
        age_months=months,
        mobile=mobile,
        abha_number=abha,
        village="Rampur",
        guardian_name=guardian or "Kamla Bai",
    )
    p = Patient.create(today=TODAY, **fields)
    assert Patient.from_record(json.loads(json.dumps(p.to_record()))) == p
