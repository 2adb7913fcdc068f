import itertools
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from spoke_client.domain import (
    TRANSITIONS,
    CaseState,
    ComplaintEntry,
    Consent,
    DomainRefused,
    Encounter,
    EncounterLocked,
    FieldRefused,
    History,
    IllegalMove,
    Side,
    Specialty,
    allowed_moves,
    check_move,
    is_uuid7,
    read_vitals,
)

S = CaseState
SPOKE, HUB = Side.SPOKE, Side.HUB
TODAY = date(2025, 6, 15)
NOW = datetime(2025, 6, 15, 10, 30, tzinfo=UTC)

# DESIGN.md "Case states", written out row by row.
DESIGN_TABLE = {
    (S.DRAFT, S.READY): SPOKE,
    (S.READY, S.WAITING_FOR_DOCTOR): SPOKE,
    (S.READY, S.SENT_FOR_REVIEW): SPOKE,
    (S.WAITING_FOR_DOCTOR, S.SENT_FOR_REVIEW): SPOKE,
    (S.WAITING_FOR_DOCTOR, S.IN_CONSULT): HUB,
    (S.IN_CONSULT, S.WAITING_FOR_DOCTOR): HUB,
    (S.IN_CONSULT, S.AWAITING_PRESCRIPTION): HUB,
    (S.SENT_FOR_REVIEW, S.AWAITING_PRESCRIPTION): HUB,
    (S.SENT_FOR_REVIEW, S.QUESTION_FROM_DOCTOR): HUB,
    (S.QUESTION_FROM_DOCTOR, S.SENT_FOR_REVIEW): SPOKE,
    (S.IN_CONSULT, S.PRESCRIBED): HUB,
    (S.SENT_FOR_REVIEW, S.PRESCRIBED): HUB,
    (S.AWAITING_PRESCRIPTION, S.PRESCRIBED): HUB,
    (S.PRESCRIBED, S.CLOSED): SPOKE,
    (S.DRAFT, S.CANCELLED): SPOKE,
    (S.READY, S.CANCELLED): SPOKE,
    (S.WAITING_FOR_DOCTOR, S.CANCELLED): SPOKE,
    (S.SENT_FOR_REVIEW, S.CANCELLED): SPOKE,
    (S.IN_CONSULT, S.CANCELLED): SPOKE,
    (S.AWAITING_PRESCRIPTION, S.CANCELLED): SPOKE,
    (S.QUESTION_FROM_DOCTOR, S.CANCELLED): SPOKE,
}


def test_state_values():
    assert [s.value for s in CaseState] == [
        "draft",
        "ready",
        "waiting_for_doctor",
        "sent_for_review",
        "in_consult",
        "awaiting_prescription",
        "question_from_doctor",
        "prescribed",
        "closed",
        "cancelled",
    ]


def test_table_is_the_design_table():
    assert TRANSITIONS == DESIGN_TABLE


@pytest.mark.parametrize(("frm", "to", "by"), list(itertools.product(CaseState, CaseState, Side)))
def test_every_move_is_accepted_exactly_when_its_side_owns_it(frm, to, by):
    if DESIGN_TABLE.get((frm, to)) is by:
        check_move(frm, to, by)
        assert to in allowed_moves(frm, by)
    else:
        with pytest.raises(DomainRefused) as info:
            check_move(frm, to, by)
        assert info.value.refusals == (IllegalMove(frm, to, by),)
        assert info.value.refusals[0].code == "illegal-move"
        assert to not in allowed_moves(frm, by)


def test_final_states_have_no_moves():
    for state in (S.CLOSED, S.CANCELLED):
        assert allowed_moves(state, SPOKE) == allowed_moves(state, HUB) == frozenset()
    assert S.CANCELLED not in allowed_moves(S.PRESCRIBED, SPOKE)


def complaint():
    return ComplaintEntry.create("FEVER", duration_days=3)


def consent(given=True, adult=None, operator="op-1"):
    return Consent(given=given, operator_id=operator, at=NOW, accompanying_adult=adult)


def draft_with_intake():
    return (
        Encounter.new("patient-1")
        .with_complaints([complaint()])
        .with_vitals(read_vitals({"pulse": 80, "temperature": 38.4}))
        .with_history(History.create(today=TODAY, conditions=["diabetes"]))
    )


def test_new_encounter_is_an_empty_draft():
    e = Encounter.new("patient-1")
    assert is_uuid7(e.id) and e.patient_id == "patient-1"
    assert e.state is S.DRAFT
    assert (e.specialty, e.complaints, e.history, e.vitals, e.consent, e.cancel_reason) == (
        None,
        (),
        None,
        None,
        None,
        None,
    )


def test_complete_intake_moves_to_ready():
    e = draft_with_intake().complete_intake(
        specialty=Specialty.GENERAL_MEDICINE, consent=consent(), patient_is_minor=False
    )
    assert e.state is S.READY
    assert e.specialty is Specialty.GENERAL_MEDICINE and e.consent == consent()


def intake_refusals(e, **kwargs):
    with pytest.raises(DomainRefused) as info:
        e.complete_intake(**kwargs)
    return info.value.refusals


def test_complete_intake_reports_everything_missing():
    found = intake_refusals(
        Encounter.new("p"), specialty=None, consent=None, patient_is_minor=False
    )
    assert set(found) == {
        FieldRefused("specialty", "required"),
        FieldRefused("complaints", "required"),
        FieldRefused("vitals", "required"),
        FieldRefused("consent", "required"),
    }


def test_complete_intake_checks_consent_and_minors():
    e = draft_with_intake()
    assert intake_refusals(
        e, specialty="paediatrics", consent=consent(given=False), patient_is_minor=False
    ) == (FieldRefused("consent", "not-given"),)
    assert intake_refusals(
        e, specialty="paediatrics", consent=consent(), patient_is_minor=True
    ) == (FieldRefused("accompanying_adult", "guardian-required"),)
    assert intake_refusals(
        e, specialty="paediatrics", consent=consent(operator=" "), patient_is_minor=False
    ) == (FieldRefused("operator_id", "required"),)
    assert intake_refusals(
        e, specialty="cardiology", consent=consent(), patient_is_minor=False
    ) == (FieldRefused("specialty", "bad-format", value="cardiology"),)
    ready = e.complete_intake(
        specialty="paediatrics", consent=consent(adult="Meena (mother)"), patient_is_minor=True
    )
    assert ready.specialty is Specialty.PAEDIATRICS


def test_empty_vitals_do_not_count():
    e = Encounter.new("p").with_complaints([complaint()]).with_vitals(read_vitals({}))
    assert intake_refusals(e, specialty="ent", consent=consent(), patient_is_minor=False) == (
        FieldRefused("vitals", "required"),
    )


def test_complete_intake_only_from_draft():
    ready = draft_with_intake().complete_intake(
        specialty="dental", consent=consent(), patient_is_minor=False
    )
    found = intake_refusals(ready, specialty="dental", consent=consent(), patient_is_minor=False)
    assert found == (IllegalMove(S.READY, S.READY, SPOKE),)


def test_intake_is_locked_once_ready():
    ready = draft_with_intake().complete_intake(
        specialty="dental", consent=consent(), patient_is_minor=False
    )
    for edit in (
        lambda: ready.with_complaints([complaint()]),
        lambda: ready.with_vitals(None),
        lambda: ready.with_history(None),
    ):
        with pytest.raises(DomainRefused) as info:
            edit()
        assert info.value.refusals == (EncounterLocked(S.READY),)


def test_duplicate_complaints_refused():
    with pytest.raises(DomainRefused) as info:
        Encounter.new("p").with_complaints([complaint(), complaint()])
    assert info.value.refusals == (FieldRefused("complaints", "duplicate", value="FEVER"),)
    others = [ComplaintEntry.create("OTHER", note="a"), ComplaintEntry.create("OTHER", note="b")]
    assert len(Encounter.new("p").with_complaints(others).complaints) == 2


def test_a_case_through_its_life():
    e = draft_with_intake().complete_intake(
        specialty="general_medicine", consent=consent(), patient_is_minor=False
    )
    e = e.move(S.WAITING_FOR_DOCTOR, SPOKE)
    e = e.move(S.IN_CONSULT, HUB)
    e = e.move(S.WAITING_FOR_DOCTOR, HUB)  # call dropped
    e = e.move(S.IN_CONSULT, HUB)
    e = e.move(S.PRESCRIBED, HUB)
    e = e.move(S.CLOSED, SPOKE)
    assert e.state is S.CLOSED
    with pytest.raises(DomainRefused):
        e.move(S.CANCELLED, SPOKE, reason="too late")


def test_move_refuses_the_wrong_side():
    e = Encounter.new("p")
    with pytest.raises(DomainRefused) as info:
        e.move(S.READY, HUB)
    assert info.value.refusals == (IllegalMove(S.DRAFT, S.READY, HUB),)
    assert e.state is S.DRAFT  # unchanged: encounters are immutable


def test_cancelling_needs_a_reason():
    e = Encounter.new("p")
    for reason in (None, "", "   "):
        with pytest.raises(DomainRefused) as info:
            e.move(S.CANCELLED, SPOKE, reason=reason)
        assert info.value.refusals == (FieldRefused("cancel_reason", "required"),)
    cancelled = e.move(S.CANCELLED, SPOKE, reason="  patient   left ")
    assert cancelled.state is S.CANCELLED and cancelled.cancel_reason == "patient left"


def test_history_validation():
    h = History.create(
        today=TODAY,
        conditions=["TB", "diabetes", "tb"],
        pregnant=True,
        lmp="2025-03-01",
        allergies=" sulfa ",
        medicines="metformin",
    )
    assert h.conditions == ("diabetes", "tb")
    assert h.lmp == date(2025, 3, 1) and h.allergies == "sulfa"

    def found(**kwargs):
        with pytest.raises(DomainRefused) as info:
            History.create(today=TODAY, **kwargs)
        return {(r.field, r.reason): r for r in info.value.refusals}

    assert ("lmp", "required") in found(pregnant=True)
    assert ("lmp", "in-future") in found(pregnant=True, lmp=TODAY + timedelta(days=1))
    r = found(pregnant=True, lmp=TODAY - timedelta(days=301))[("lmp", "out-of-range")]
    assert (r.low, r.high) == (TODAY - timedelta(days=300), TODAY)
    assert History.create(today=TODAY, pregnant=True, lmp=TODAY - timedelta(days=300))
    many = found(conditions=["cancer"], pregnant=True, allergies="x" * 1001)
    assert set(many) == {
        ("conditions", "unknown-code"),
        ("lmp", "required"),
        ("allergies", "too-long"),
    }


def test_encounter_record_round_trip():
    e = draft_with_intake().with_history(
        History.create(
            today=TODAY, conditions=["hypertension"], pregnant=True, lmp=date(2025, 2, 1)
        )
    )
    e = e.complete_intake(
        specialty="obstetrics_gynaecology", consent=consent(adult="Ram"), patient_is_minor=True
    )
    e = e.move(S.SENT_FOR_REVIEW, SPOKE).move(S.CANCELLED, SPOKE, reason="referred")
    record = json.loads(json.dumps(e.to_record()))
    assert record["state"] == "cancelled" and record["specialty"] == "obstetrics_gynaecology"
    assert Encounter.from_record(record) == e
    fresh = Encounter.new("p")
    assert Encounter.from_record(json.loads(json.dumps(fresh.to_record()))) == fresh
