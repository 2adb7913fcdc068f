"""The intake wizard on a real engine host and SQLCipher store: restore, autosave, inline
checks in words, the keyboard path, and completing the intake."""

from __future__ import annotations

import json
import time

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QWidget

from spoke_client.domain.encounter import CaseState, EncounterLocked
from spoke_client.domain.refusals import DomainRefused, FieldRefused
from spoke_client.domain.vitals import (
    BloodPressureRefused,
    TempUnit,
    VitalKind,
    VitalRefused,
    flag_for,
    read_vital,
)
from spoke_client.ui import words
from spoke_client.ui.common import STYLE
from spoke_client.ui.intake.review_page import build_intake
from spoke_client.ui.intake.wizard import IntakeWizard

SEETA = dict(
    name="Seeta Devi", sex="female", age_years=34, mobile="9876543210", village="Rampur", address=""
)
RAMU = dict(
    name="Ramu", sex="male", age_years=9, village="Rampur", guardian_name="Shyam Lal", address=""
)
FULL_DRAFT = {
    "form": 1,
    "vitals": {
        "systolic": "170",
        "diastolic": "95",
        "pulse": "300",
        "temperature": "100.4",
        "spo2": "97",
        "resp_rate": "",
        "weight": "52",
        "height": "150",
        "glucose": "abc",
        "haemoglobin": "",
    },
    "temp_unit": "F",
    "complaints": [
        {"code": "FEVER", "duration_days": "3", "severity": "moderate", "note": "evenings"},
        {"code": "OTHER", "duration_days": "x", "severity": "", "note": ""},
    ],
    "history": {
        "conditions": ["diabetes", "asthma"],
        "pregnant": True,
        "lmp": "31-02-2020",
        "allergies": "penicillin",
        "medicines": "metformin",
    },
    "specialty": "general_medicine",
    "consent": {"given": True, "accompanying_adult": "Geeta"},
}


def run(host, coro):
    return host.thread.run(coro, timeout=30)


def new_case(host, person=SEETA, draft=None, page="patient"):
    patient = run(host, host.engine.register_patient(dict(person)))
    saved = run(host, host.engine.save_draft(None, patient.id, draft or {}, page))
    return patient, saved.encounter_id


@pytest.fixture
def open_wizard(qtbot, ctx):
    """Show a wizard at the desktops' screen size, open a case on it, wait until loaded."""
    shown: list[IntakeWizard] = []

    def open_(encounter_id: str) -> IntakeWizard:
        wizard = IntakeWizard(ctx)
        wizard.setStyleSheet(STYLE)
        wizard.resize(1366, 700)
        wizard.show()
        qtbot.waitExposed(wizard)
        wizard.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard)
        with qtbot.waitSignal(wizard.loaded, timeout=10_000):
            wizard.on_show(encounter_id=encounter_id)
        shown.append(wizard)
        return wizard

    yield open_
    for wizard in shown:  # nothing may still be on its way when the store closes
        qtbot.waitUntil(wizard.is_idle, timeout=10_000)
        qtbot.waitUntil(lambda: ctx.bridge.in_flight == 0, timeout=10_000)
        wizard.close()
        wizard.deleteLater()


def focused() -> QWidget:
    return QApplication.focusWidget()


def type_text(qtbot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(focused(), key, modifier)


def stored_draft(host, encounter_id):
    _encounter, draft, page = run(host, host.engine.load_draft(encounter_id))
    return draft, page


def test_restoring_a_draft_puts_back_every_typed_value_and_opens_its_page(host, open_wizard):
    _patient, eid = new_case(host, draft=FULL_DRAFT, page="complaints")
    wizard = open_wizard(eid)

    assert wizard.current_page_name() == "complaints"
    assert wizard.state() == FULL_DRAFT
    vitals = wizard.vitals_page
    assert vitals.edits[VitalKind.PULSE].text() == "300"  # refused, but kept as typed
    assert vitals.edits[VitalKind.GLUCOSE].text() == "abc"
    assert vitals.temp_f.isChecked()
    rows = wizard.complaints_page.rows
    assert [r.code for r in rows] == ["FEVER", "OTHER"]
    assert rows[0].severity.currentData() == "moderate"
    assert rows[1].duration.text() == "x"
    history = wizard.complaints_page.history
    assert history.conditions["diabetes"].isChecked() and history.conditions["asthma"].isChecked()
    assert not history.conditions["tb"].isChecked()
    assert history.pregnant.isChecked() and history.pregnant.isEnabled()
    assert history.lmp.text() == "31-02-2020"
    assert wizard.review_page.consent.isChecked()
    assert wizard.review_page.adult.text() == "Geeta"
    # the step indicator says where we are, in words and in bold
    assert wizard.step_title.text() == "Step 3 of 5: Complaints & history"
    assert [s.property("current") for s in wizard.steps] == [False, False, True, False, False]
    # restoring made no save of its own
    assert wizard.is_idle()


def test_typing_in_vitals_is_saved_to_the_store_within_a_second(host, open_wizard, qtbot):
    _patient, eid = new_case(host)
    wizard = open_wizard(eid)
    wizard.go_to("vitals")
    qtbot.waitUntil(wizard.is_idle, timeout=5_000)
    saves = []
    wizard.saved.connect(lambda: saves.append(1))
    pulse = wizard.vitals_page.edits[VitalKind.PULSE]
    assert focused() is wizard.vitals_page.edits[VitalKind.SYSTOLIC]  # first field of the page
    pulse.setFocus()

    started = time.monotonic()
    with qtbot.waitSignal(wizard.saved, timeout=3_000):  # ~1 s target, 3x for a busy machine
        type_text(qtbot, "88")
        assert wizard.status.text() == "Saving…"
    assert time.monotonic() - started < 3
    qtbot.waitUntil(wizard.is_idle, timeout=3_000)

    draft, page = stored_draft(host, eid)
    assert draft["vitals"]["pulse"] == "88" and page == "vitals"
    assert draft == wizard.state()
    assert saves == [1]  # both keystrokes in one save
    assert wizard.status.text() == "Saved"


def test_changes_made_while_a_save_is_in_flight_are_saved_after_it(host, open_wizard, qtbot):
    _patient, eid = new_case(host, page="vitals")
    wizard = open_wizard(eid)
    weight = wizard.vitals_page.edits[VitalKind.WEIGHT]
    weight.setFocus()
    type_text(qtbot, "5")
    wizard.flush()  # the save of "5" is now on its way
    assert not wizard.is_idle()
    type_text(qtbot, "2")
    qtbot.waitUntil(wizard.is_idle, timeout=5_000)
    draft, _page = stored_draft(host, eid)
    assert draft["vitals"]["weight"] == "52"


def test_a_refused_pulse_shows_words_and_stays_in_the_field_and_the_draft(host, open_wizard, qtbot):
    _patient, eid = new_case(host, page="vitals")
    wizard = open_wizard(eid)
    page = wizard.vitals_page
    page.edits[VitalKind.PULSE].setFocus()
    type_text(qtbot, "300")

    expected = words.refusal(VitalRefused("pulse", 300, 20, 250, "/min"))
    assert page.messages["pulse"].isVisibleTo(wizard)
    assert page.messages["pulse"].text() == expected
    assert "300" in expected and "20" in expected and "250" in expected
    assert page.edits[VitalKind.PULSE].text() == "300"
    qtbot.waitUntil(wizard.is_idle, timeout=5_000)
    assert stored_draft(host, eid)[0]["vitals"]["pulse"] == "300"

    page.edits[VitalKind.PULSE].clear()
    assert page.messages["pulse"].isHidden()


def test_flags_are_shown_in_words_next_to_the_field(host, open_wizard, qtbot):
    _patient, eid = new_case(host, page="vitals")
    wizard = open_wizard(eid)
    page = wizard.vitals_page
    type_text(qtbot, "170")  # the cursor starts in systolic

    high = words.flag(flag_for(VitalKind.SYSTOLIC, 170))
    assert "High" in high and "90" in high and "139" in high
    assert high in page.flags["bp"].text()
    assert page.flags["bp"].objectName() == "flag"
    assert page.messages["bp"].isHidden()  # flagged, not refused

    press(qtbot, Qt.Key.Key_Return)
    assert focused() is page.edits[VitalKind.DIASTOLIC]
    type_text(qtbot, "180")  # systolic not above diastolic
    assert page.messages["bp"].text().endswith(words.refusal(BloodPressureRefused(170.0, 180.0)))

    # temperature is read in the unit chosen
    page.edits[VitalKind.TEMPERATURE].setText("101")
    assert "not possible" in page.messages["temperature"].text()
    page.temp_f.setChecked(True)
    assert page.messages["temperature"].isHidden()
    fever = read_vital(VitalKind.TEMPERATURE, 101, temp_unit=TempUnit.F).flag
    assert page.flags["temperature"].text() == words.flag(fever)

    # BMI from weight and height, read-only
    page.edits[VitalKind.WEIGHT].setText("52")
    page.edits[VitalKind.HEIGHT].setText("150")
    assert page.bmi_value.text().startswith("23.1")
    qtbot.waitUntil(wizard.is_idle, timeout=5_000)
    assert "bmi" not in stored_draft(host, eid)[0]["vitals"]
    assert stored_draft(host, eid)[0]["temp_unit"] == "F"


def test_complaints_are_added_by_keyboard_and_removed(host, open_wizard, qtbot):
    _patient, eid = new_case(host, page="complaints")
    wizard = open_wizard(eid)
    page = wizard.complaints_page
    assert focused() is page.search

    type_text(qtbot, "coug")
    assert page.matches.currentItem().text() == "Cough"
    press(qtbot, Qt.Key.Key_Return)
    assert [r.code for r in page.rows] == ["COUGH"]
    row = page.rows[0]
    assert focused() is row.duration
    type_text(qtbot, "5")
    press(qtbot, Qt.Key.Key_Return)
    assert focused() is row.severity
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)
    assert row.severity.currentData() == "moderate"
    press(qtbot, Qt.Key.Key_Return)
    assert focused() is row.note
    type_text(qtbot, "dry")

    page.search.setFocus()
    type_text(qtbot, "other")
    press(qtbot, Qt.Key.Key_Return)
    other = page.rows[1]
    assert other.code == "OTHER"
    assert words.refusal(FieldRefused("note", "required")) in other.message.text()

    qtbot.waitUntil(wizard.is_idle, timeout=5_000)
    draft, _page = stored_draft(host, eid)
    assert draft["complaints"] == [
        {"code": "COUGH", "duration_days": "5", "severity": "moderate", "note": "dry"},
        {"code": "OTHER", "duration_days": "", "severity": "", "note": ""},
    ]

    row.remove.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    assert [r.code for r in page.rows] == ["OTHER"]
    assert focused() is other.duration
    qtbot.waitUntil(wizard.is_idle, timeout=5_000)
    assert [c["code"] for c in stored_draft(host, eid)[0]["complaints"]] == ["OTHER"]
    # a removed complaint can be picked again
    page.search.setFocus()
    type_text(qtbot, "cough")
    assert page.matches.count() == 1


def test_pregnancy_is_asked_only_of_women_of_10_to_55(host, open_wizard):
    _boy, eid = new_case(host, person=RAMU, page="complaints")
    wizard = open_wizard(eid)
    history = wizard.complaints_page.history
    assert not history.pregnant.isEnabled() and not history.lmp.isEnabled()
    assert history.pregnancy_note.isVisibleTo(wizard)
    _woman, eid = new_case(host, page="complaints")
    wizard = open_wizard(eid)
    history = wizard.complaints_page.history
    assert history.pregnant.isEnabled() and not history.lmp.isEnabled()
    history.pregnant.setChecked(True)
    assert history.lmp.isEnabled()
    assert "Required" in history.lmp_message.text()
    history.lmp.setText("2999-01-01")
    assert "future" in history.lmp_message.text()


def test_the_review_lists_every_refusal_of_an_incomplete_intake(host, open_wizard, qtbot):
    _patient, eid = new_case(host, page="review")
    wizard = open_wizard(eid)
    review = wizard.review_page
    assert focused() is review.specialty

    review.review_button.click()
    qtbot.waitUntil(lambda: review.refused is not None, timeout=5_000)
    text = "\n".join(label.text() for label in review.refusal_labels)
    for field in ("vitals", "complaints", "specialty", "consent"):
        assert words.field_label(field) in text
    assert words.refusal(FieldRefused("consent", "not-given")) in text
    assert review.consult_button.isEnabled()  # the operator can try again
    encounter, _draft, _page = run(host, host.engine.load_draft(eid))
    assert encounter.state is CaseState.DRAFT
    assert ctx_went_nowhere(wizard)

    # each refusal has a way back to its field
    vitals_edit = next(b for b in review.refusal_buttons if b.property("field") == "vitals")
    vitals_edit.click()
    assert wizard.current_page_name() == "vitals"
    assert focused() is wizard.vitals_page.edits[VitalKind.SYSTOLIC]


def test_a_child_needs_the_name_of_the_accompanying_adult(host, open_wizard, qtbot):
    draft = dict(FULL_DRAFT, consent={"given": True, "accompanying_adult": ""})
    _boy, eid = new_case(host, person=RAMU, draft=draft, page="review")
    wizard = open_wizard(eid)
    wizard.send_for_review()
    review = wizard.review_page
    qtbot.waitUntil(lambda: review.refused is not None, timeout=5_000)
    text = "\n".join(label.text() for label in review.refusal_labels)
    assert words.field_label("accompanying_adult") in text
    # the vitals refusals come with it, all in one list
    assert words.refusal(VitalRefused("pulse", 300, 20, 250, "/min")) in text


def test_the_full_keyboard_path_ends_with_the_case_sent_for_review(host, ctx, open_wizard, qtbot):
    patient, eid = new_case(host)
    wizard = open_wizard(eid)
    assert wizard.current_page_name() == "patient"
    assert focused() is wizard.next_button
    press(qtbot, Qt.Key.Key_Return)

    assert wizard.current_page_name() == "vitals"
    for value in ("128", "84", "80", "37.2", "97", "", "52", "150", "", ""):
        type_text(qtbot, value)
        press(qtbot, Qt.Key.Key_Return)  # Enter on the last one goes to the next page

    assert wizard.current_page_name() == "complaints"
    assert focused() is wizard.complaints_page.search
    type_text(qtbot, "fever")
    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "2")
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Down)  # mild
    press(qtbot, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)

    assert wizard.current_page_name() == "attachments"
    press(qtbot, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)

    assert wizard.current_page_name() == "review"
    assert focused() is wizard.review_page.specialty
    press(qtbot, Qt.Key.Key_Down)  # General Medicine
    press(qtbot, Qt.Key.Key_Return)
    assert focused() is wizard.review_page.consent
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Return)  # no accompanying adult: on to the buttons
    assert focused() is wizard.review_page.consult_button
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is wizard.review_page.review_button
    press(qtbot, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: ctx.go.last is not None, timeout=10_000)
    assert ctx.go.last == ("home", {"message": "Sent for review: Seeta Devi"})
    encounter, draft, _page = run(host, host.engine.load_draft(eid))
    assert encounter.state is CaseState.SENT_FOR_REVIEW
    assert draft is None
    assert encounter.vitals.to_record() == {
        "systolic": 128.0,
        "diastolic": 84.0,
        "pulse": 80.0,
        "temperature": 37.2,
        "spo2": 97.0,
        "weight": 52.0,
        "height": 150.0,
        "bmi": 23.1,
    }
    assert [(c.code, c.duration_days, c.severity) for c in encounter.complaints] == [
        ("FEVER", 2, "mild")
    ]
    assert encounter.specialty == "general_medicine"
    assert encounter.consent.given and encounter.consent.operator_id == "asha"
    rows = host.engine.worker.call(lambda s: s.outbox.for_entity(eid))
    assert [(r["entity"], json.loads(r["payload"])["state"]) for r in rows] == [
        ("encounter", "ready"),
        ("encounter", "sent_for_review"),
    ]
    assert patient.id == encounter.patient_id


def test_consult_live_puts_the_case_in_the_queue(host, ctx, open_wizard, qtbot):
    draft = dict(FULL_DRAFT, vitals={"pulse": "80"}, complaints=FULL_DRAFT["complaints"][:1])
    draft["history"] = dict(FULL_DRAFT["history"], pregnant=False, lmp="")
    _patient, eid = new_case(host, draft=draft, page="review")
    wizard = open_wizard(eid)
    moved = []
    wizard.case_moved.connect(moved.append)
    wizard.review_page.consult_button.click()
    qtbot.waitUntil(lambda: ctx.go.last is not None, timeout=10_000)
    assert ctx.go.last == ("consult", {"encounter_id": eid, "patient_name": "Seeta Devi"})
    assert moved == ["waiting_for_doctor"]
    encounter, _draft, _page = run(host, host.engine.load_draft(eid))
    assert encounter.state is CaseState.WAITING_FOR_DOCTOR
    assert encounter.history.conditions == ("diabetes", "asthma")
    assert encounter.consent.accompanying_adult == "Geeta"


def test_a_failed_save_says_why_in_words_and_keeps_what_was_typed(host, open_wizard, qtbot):
    draft = dict(FULL_DRAFT, vitals={"pulse": "80"}, complaints=FULL_DRAFT["complaints"][:1])
    draft["history"] = dict(FULL_DRAFT["history"], pregnant=False, lmp="")
    _patient, eid = new_case(host, draft=draft, page="complaints")
    wizard = open_wizard(eid)
    # the case is completed elsewhere (say, a second window) while this one is open
    intake = build_intake(draft, run(host, host.engine.get_patient(_patient.id)), wizard.today())
    run(host, host.engine.complete_intake(eid, intake))

    with qtbot.waitSignal(wizard.save_failed, timeout=5_000) as failed:
        wizard.complaints_page.history.allergies.setFocus()
        type_text(qtbot, " and dust")
    assert isinstance(failed.args[0], DomainRefused)
    assert wizard.status.text() == "Not saved: " + words.refusal(EncounterLocked(CaseState.READY))
    assert wizard.complaints_page.history.allergies.text() == "penicillin and dust"


def test_attachments_are_listed_and_removed_through_the_engine(host, open_wizard, qtbot):
    _patient, eid = new_case(host, page="attachments")
    media_id = run(
        host,
        host.engine.attach_media(
            eid, [b"\xff" * 3000], kind="photo", mime="image/jpeg", caption="rash"
        ),
    )
    wizard = open_wizard(eid)
    page = wizard.attachments_page
    qtbot.waitUntil(lambda: page.list.count() == 1, timeout=5_000)
    assert "rash" in page.list.item(0).text() and "Photo" in page.list.item(0).text()
    assert page.capture_buttons.objectName() == "capture_buttons"
    assert page.capture_buttons.indexOf(page.capture_panel) == 0  # the capture buttons

    page.remove_button.click()
    qtbot.waitUntil(lambda: page.list.count() == 0 and not page.items, timeout=5_000)
    assert page.empty.isVisibleTo(wizard)
    assert run(host, host.engine.list_attachments(eid)) == []
    rows = host.engine.worker.call(lambda s: s.outbox.for_entity(media_id))
    assert [r["entity_version"] for r in rows] == [1, 2]
    assert json.loads(rows[-1]["payload"])["removed_at"]
    audit = host.engine.worker.call(lambda s: s.audit.entries(entity_id=media_id))
    assert audit[0]["action"] == "remove"

    wizard.go_to("review")
    assert wizard.review_page.sections["attachments"][1].text() == "Nothing attached"


def test_a_new_intake_can_be_started_from_a_patient(host, ctx, qtbot):
    patient = run(host, host.engine.register_patient(dict(SEETA)))
    wizard = IntakeWizard(ctx)
    qtbot.addWidget(wizard)
    with qtbot.waitSignal(wizard.loaded, timeout=10_000):
        wizard.on_show(patient_id=patient.id)
    assert wizard.encounter_id is not None
    drafts = run(host, host.engine.unfinished_drafts())
    assert [d["id"] for d in drafts] == [wizard.encounter_id]
    assert wizard.heading.text() == "Intake — Seeta Devi"
    qtbot.waitUntil(wizard.is_idle, timeout=5_000)


def test_main_fields_fit_a_1366_by_768_screen_without_scrolling(host, open_wizard, qtbot):
    _patient, eid = new_case(host, draft=FULL_DRAFT)
    run(host, host.engine.attach_media(eid, [b"photo"], kind="photo", mime="image/jpeg"))
    wizard = open_wizard(eid)  # 1366 x 700: the screen less the taskbar and title bar
    qtbot.waitUntil(lambda: wizard.attachments_page.list.count() == 1, timeout=5_000)
    for name in wizard.page_names():
        wizard.go_to(name, save=False)
        page = wizard.current_page()
        fields = page.enter_chain() + [wizard.back_button]
        if name == "review":
            fields += [wizard.review_page.consult_button, wizard.review_page.review_button]
        for field in fields:
            assert field.isVisibleTo(wizard), (name, field.objectName())
            box = field.rect()
            assert field.visibleRegion().boundingRect() == box, (name, field.objectName())
            corner = field.mapTo(wizard, box.bottomRight())
            assert corner.x() < 1366 and corner.y() < 700, (name, field.objectName())


def test_a_language_change_relabels_without_touching_what_was_typed(host, open_wizard):
    _patient, eid = new_case(host, draft=FULL_DRAFT, page="review")
    wizard = open_wizard(eid)
    before = wizard.state()
    QApplication.sendEvent(wizard, QEvent(QEvent.Type.LanguageChange))
    assert wizard.state() == before
    assert wizard.review_page.specialty.currentText() == "General Medicine"
    assert wizard.back_button.text() == "Back (Alt+←)"
    assert wizard.is_idle()


def tab_walk(qtbot, count: int) -> list[QWidget]:
    seen = []
    for _ in range(count):
        press(qtbot, Qt.Key.Key_Tab)
        seen.append(focused())
    return seen


def test_tab_goes_in_reading_order(host, open_wizard, qtbot):
    _patient, eid = new_case(host, draft=FULL_DRAFT, page="vitals")
    wizard = open_wizard(eid)
    vitals = wizard.vitals_page
    K = VitalKind
    assert focused() is vitals.edits[K.SYSTOLIC]
    assert tab_walk(qtbot, 6) == [
        vitals.edits[K.DIASTOLIC],
        vitals.edits[K.PULSE],
        vitals.edits[K.TEMPERATURE],
        vitals.temp_f,  # the chosen one of the °C / °F pair (arrow keys change it)
        vitals.edits[K.SPO2],
        vitals.edits[K.RESP_RATE],
    ]
    assert tab_walk(qtbot, 4) == [
        vitals.edits[k] for k in (K.WEIGHT, K.HEIGHT, K.GLUCOSE, K.HAEMOGLOBIN)
    ]
    assert tab_walk(qtbot, 3) == [wizard.back_button, wizard.close_button, wizard.next_button]

    wizard.go_to("complaints")
    page = wizard.complaints_page
    fever, other = page.rows
    assert tab_walk(qtbot, 10) == [
        page.add_button,
        fever.duration,
        fever.severity,
        fever.note,
        fever.remove,
        other.duration,
        other.severity,
        other.note,
        other.remove,
        page.history.conditions["diabetes"],
    ]


def test_a_completed_intake_that_was_not_yet_sent_can_still_be_sent(host, ctx, open_wizard, qtbot):
    draft = dict(FULL_DRAFT, vitals={"pulse": "80"}, complaints=FULL_DRAFT["complaints"][:1])
    draft["history"] = dict(FULL_DRAFT["history"], pregnant=False, lmp="")
    patient, eid = new_case(host, draft=draft, page="review")
    today = IntakeWizard(ctx).today()
    run(host, host.engine.complete_intake(eid, build_intake(draft, patient, today)))

    wizard = open_wizard(eid)  # say, after a power cut between the two steps
    assert wizard.current_page_name() == "review"
    assert wizard.vitals_page.edits[VitalKind.PULSE].text() == "80"
    assert [r.code for r in wizard.complaints_page.rows] == ["FEVER"]
    wizard.review_page.review_button.click()
    qtbot.waitUntil(lambda: ctx.go.last is not None, timeout=10_000)
    encounter, _draft, _page = run(host, host.engine.load_draft(eid))
    assert encounter.state is CaseState.SENT_FOR_REVIEW


def ctx_went_nowhere(wizard: IntakeWizard) -> bool:
    return wizard.ctx.go.last is None
