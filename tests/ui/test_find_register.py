"""Find a patient and register a new one, on a real engine and SQLCipher store."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from spoke_client.domain.encounter import CaseState
from spoke_client.ui.common import LARGE_TEXT, STYLE
from spoke_client.ui.find_patient import FindPatientScreen, masked_mobile
from spoke_client.ui.register import RegisterScreen, read_birth_date

from .conftest import IST

SITA = dict(
    name="Sita Devi", sex="female", age_years=35, mobile="9876543210", village="Rampur", address=""
)


def register(host, **fields):
    return host.thread.run(host.engine.register_patient(SITA | fields))


def in_village(host, village="Rampur"):
    return host.thread.run(host.engine.search_patients(village))


def shown(qtbot, screen, **params):
    qtbot.addWidget(screen)
    screen.resize(1366, 700)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen)
    screen.on_show(**params)
    return screen


def focused():
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def type_and_enter(qtbot, text=""):
    if text:
        qtbot.keyClicks(focused(), text)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)


def wait_for_intake(qtbot, ctx):
    qtbot.waitUntil(lambda: ctx.go.last is not None and ctx.go.last[0] == "intake", timeout=5000)
    return ctx.go.last[1]["encounter_id"]


def encounter_of(host, encounter_id):
    encounter, draft, page = host.thread.run(host.engine.load_draft(encounter_id))
    assert encounter.state is CaseState.DRAFT
    assert page == "patient"
    return encounter


# ---- find ---------------------------------------------------------------------------------


def test_find_by_variant_spelling_then_enter_starts_a_visit(qtbot, ctx, host):
    sita = register(host)
    register(host, name="Gita Devi", mobile="9123456789")
    screen = shown(qtbot, FindPatientScreen(ctx))
    assert screen.search.hasFocus()

    qtbot.keyClicks(focused(), "Seeta")
    qtbot.waitUntil(lambda: screen.results.count() == 1 and screen.showing == "Seeta")
    line = screen.results.item(0).text()
    assert "Sita Devi" in line and "Female" in line and "35" in line and "Rampur" in line
    assert "******3210" in line and "9876543210" not in line

    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    encounter = encounter_of(host, wait_for_intake(qtbot, ctx))
    assert encounter.patient_id == sita.id


def test_arrow_keys_choose_among_results(qtbot, ctx, host):
    register(host)
    gita = register(host, name="Gita Devi", age_years=30, mobile="9123456789")
    screen = shown(qtbot, FindPatientScreen(ctx), query="Rampur")
    qtbot.waitUntil(lambda: screen.results.count() == 2)
    row = next(i for i in range(2) if "Gita" in screen.results.item(i).text())
    assert screen.results.currentRow() == 0
    for _ in range(row):
        qtbot.keyClick(screen.search, Qt.Key.Key_Down)
    assert screen.search.hasFocus()  # the operator keeps typing where they were
    assert screen.results.currentRow() == row
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)
    assert encounter_of(host, wait_for_intake(qtbot, ctx)).patient_id == gita.id


def test_only_the_latest_query_is_shown(qtbot, ctx, host):
    register(host)
    screen = shown(qtbot, FindPatientScreen(ctx))
    rows_shown = []
    screen.results.model().rowsInserted.connect(lambda *_: rows_shown.append(1))
    screen.search.setText("Rampur")
    screen.search_now()  # the answer for "Rampur" is on its way ...
    screen.search.setText("Nobody")  # ... when the operator types on
    qtbot.waitUntil(lambda: screen.showing == "Nobody", timeout=5000)
    qtbot.waitUntil(lambda: ctx.bridge.in_flight == 0)
    assert rows_shown == []  # Sita of Rampur never flashed up
    assert screen.status.isVisible() and screen.status.text() == "No patient found"


def test_showing_again_starts_afresh(qtbot, ctx, host):
    register(host)
    screen = shown(qtbot, FindPatientScreen(ctx), query="Sita")
    qtbot.waitUntil(lambda: screen.results.count() == 1)
    screen.on_show()
    assert screen.search.text() == "" and screen.results.count() == 0
    assert not screen.status.isVisible() and screen.search.hasFocus()


def test_search_by_phone_and_nothing_found(qtbot, ctx, host):
    register(host)
    screen = shown(qtbot, FindPatientScreen(ctx))
    qtbot.keyClicks(screen.search, "98765 43210")
    qtbot.waitUntil(lambda: screen.results.count() == 1)
    screen.search.clear()
    qtbot.keyClicks(screen.search, "Zubair")
    qtbot.waitUntil(lambda: screen.showing == "Zubair")
    assert screen.status.text() == "No patient found" and screen.results.count() == 0


def test_register_new_and_back_keys(qtbot, ctx):
    screen = shown(qtbot, FindPatientScreen(ctx))
    qtbot.keyClicks(screen.search, "Kamla Bai")
    qtbot.keyClick(screen.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert ctx.go.last == ("register", {"query": "Kamla Bai"})
    assert "Ctrl+N" in screen.register_button.text()
    qtbot.keyClick(screen.search, Qt.Key.Key_Escape)
    assert ctx.go.last == ("home", {})
    assert "Esc" in screen.back_button.text()
    assert "ABHA" in screen.search.placeholderText()


def test_masked_mobile():
    assert masked_mobile("9876543210") == "******3210"
    assert masked_mobile(None) == ""


# ---- register -----------------------------------------------------------------------------


def test_keyboard_registration_with_a_bad_mobile_shows_why_and_saves_nothing(qtbot, ctx, host):
    screen = shown(qtbot, RegisterScreen(ctx))
    assert screen.name_edit.hasFocus()
    type_and_enter(qtbot, "Ramesh Yadav")
    assert focused() is screen.sex_buttons["female"]
    qtbot.keyClick(focused(), Qt.Key.Key_Right)  # arrow keys choose within the group
    assert screen.sex_buttons["male"].isChecked()
    type_and_enter(qtbot)
    type_and_enter(qtbot, "40")
    assert focused() is screen.months_edit
    type_and_enter(qtbot)  # no months
    type_and_enter(qtbot)  # no date of birth
    type_and_enter(qtbot, "12345")
    type_and_enter(qtbot)  # no ABHA
    type_and_enter(qtbot, "Rampur")
    assert focused() is screen.address_edit
    assert not screen.guardian_edit.isVisible()  # an adult: the address is the last field
    type_and_enter(qtbot)  # Enter on the last field saves

    error = screen.slots["mobile"][2]
    assert error.isVisible()
    assert error.text() == "Enter a 10-digit mobile number starting with 6, 7, 8 or 9"
    assert focused() is screen.mobile_edit
    assert ctx.bridge.in_flight == 0 and ctx.go.calls == []
    assert in_village(host) == []

    screen.mobile_edit.setText("98765 43210")  # fixing it clears the message
    assert not error.isVisible()


def test_a_child_needs_a_guardian(qtbot, ctx, host):
    screen = shown(qtbot, RegisterScreen(ctx), query="Munni")
    assert screen.name_edit.text() == "Munni"
    screen.sex_buttons["female"].setChecked(True)
    screen.years_edit.setText("0")
    screen.months_edit.setText("8")
    screen.village_edit.setText("Rampur")
    assert screen.guardian_edit.isVisible() and screen.relation_edit.isVisible()
    qtbot.keyClick(screen, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert screen.slots["guardian_name"][2].text() == "A child under 18 needs a guardian's name"
    assert focused() is screen.guardian_edit
    type_and_enter(qtbot, "Kamla Devi")
    type_and_enter(qtbot, "mother")  # the last field now: saves
    encounter = encounter_of(host, wait_for_intake(qtbot, ctx))
    child = host.thread.run(host.engine.get_patient(encounter.patient_id))
    assert (child.name, child.guardian_name, child.guardian_relation) == (
        "Munni",
        "Kamla Devi",
        "mother",
    )
    assert child.age_on(datetime.now(IST).date()) == (0, 8)


def test_required_fields_and_a_bad_date_of_birth(qtbot, ctx, host):
    screen = shown(qtbot, RegisterScreen(ctx))
    screen.save()
    assert screen.slots["name"][2].text() == "Required"
    assert screen.slots["sex"][2].text() == "Required"
    assert screen.slots["age"][2].text() == "Enter the age, or the date of birth"
    assert screen.slots["village"][2].text() == "Required"
    assert focused() is screen.name_edit
    screen.birth_edit.setText("31-02-1990")
    assert screen.slots["birth_date"][2].text() == "Not in the right form"
    assert not screen.slots["age"][2].isVisible()
    assert screen.slots["name"][2].isVisible()  # the other messages stay
    screen.birth_edit.setText("01-02-1990")
    assert not screen.slots["birth_date"][2].isVisible()
    assert ctx.bridge.in_flight == 0 and in_village(host) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("Seeta Devi", "name_edit"),
        ("98765 43210", "mobile_edit"),
        ("12-3456-7890-1234", "abha_edit"),
        ("sita@abdm", "abha_edit"),
    ],
)
def test_the_search_text_fills_the_right_field(qtbot, ctx, query, field):
    screen = shown(qtbot, RegisterScreen(ctx), query=query)
    assert getattr(screen, field).text() == query
    others = {"name_edit", "mobile_edit", "abha_edit"} - {field}
    assert all(getattr(screen, f).text() == "" for f in others)


def test_read_birth_date():
    assert read_birth_date("05-11-1990") == read_birth_date("5/11/1990")
    assert read_birth_date("1990-11-05").day == 5
    with pytest.raises(ValueError):
        read_birth_date("31-02-1990")


def fill_seeta(screen, **changes):
    values = dict(name="Seeta Devi", years="34", village="rampur", mobile="") | changes
    screen.name_edit.setText(values["name"])
    screen.sex_buttons["female"].setChecked(True)
    screen.years_edit.setText(values["years"])
    screen.mobile_edit.setText(values["mobile"])
    screen.village_edit.setText(values["village"])


def test_a_likely_duplicate_is_offered_and_same_person_opens_it(qtbot, ctx, host):
    sita = register(host, mobile=None)
    screen = shown(qtbot, RegisterScreen(ctx))
    fill_seeta(screen)
    screen.save()
    qtbot.waitUntil(lambda: screen.matches_panel.isVisible(), timeout=5000)
    assert len(screen.same_person_buttons) == 1
    panel_text = " ".join(w.text() for w in screen.matches_panel.findChildren(type(screen.title)))
    assert "Sita Devi" in panel_text and "35" in panel_text and "Rampur" in panel_text
    assert "Similar name, age and village" in panel_text
    assert focused() is screen.same_person_buttons[0]
    assert screen.same_person_buttons[0].text() == "Same person — open this record"

    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    encounter = encounter_of(host, wait_for_intake(qtbot, ctx))
    assert encounter.patient_id == sita.id
    assert [p.id for p in in_village(host)] == [sita.id]  # nobody registered twice


def test_new_patient_save_anyway_registers_a_second(qtbot, ctx, host):
    sita = register(host, mobile=None)
    screen = shown(qtbot, RegisterScreen(ctx))
    fill_seeta(screen)
    qtbot.keyClick(screen, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.matches_panel.isVisible(), timeout=5000)
    assert screen.save_anyway_button.text() == "New patient — save anyway"
    screen.save_anyway_button.click()
    encounter = encounter_of(host, wait_for_intake(qtbot, ctx))
    assert encounter.patient_id != sita.id
    assert sorted(p.name for p in in_village(host)) == ["Seeta Devi", "Sita Devi"]


def test_no_likely_duplicate_registers_and_starts_the_visit(qtbot, ctx, host):
    register(host, mobile=None)
    screen = shown(qtbot, RegisterScreen(ctx))
    fill_seeta(screen, name="Gita Devi", mobile="9123456789")
    screen.save()
    encounter = encounter_of(host, wait_for_intake(qtbot, ctx))
    gita = host.thread.run(host.engine.get_patient(encounter.patient_id))
    assert (gita.name, gita.mobile) == ("Gita Devi", "9123456789")
    assert not screen.matches_panel.isVisible()


def test_same_mobile_is_offered_and_editing_the_form_withdraws_the_offer(qtbot, ctx, host):
    register(host, name="Ramesh Yadav", sex="male", age_years=40)
    screen = shown(qtbot, RegisterScreen(ctx))
    fill_seeta(screen, mobile="+91 98765 43210", village="Sitapur")
    screen.save()
    qtbot.waitUntil(lambda: screen.matches_panel.isVisible(), timeout=5000)
    reasons = [w.text() for w in screen.matches_panel.findChildren(type(screen.title))]
    assert "Same mobile number" in reasons
    screen.village_edit.setText("Sitapur Kalan")
    assert not screen.matches_panel.isVisible()


@pytest.mark.parametrize("style", [STYLE, STYLE + LARGE_TEXT], ids=["normal", "large-text"])
def test_the_form_fits_a_1366x768_screen_without_scrolling(qtbot, ctx, host, style):
    for name in ("Ramesh Yadav", "Suresh Yadav", "Kamla Yadav", "Munni Yadav", "Raju Yadav"):
        register(host, name=name, mobile="9876543210")
    screen = RegisterScreen(ctx)
    screen.setStyleSheet(style)
    shown(qtbot, screen)
    fill_seeta(screen, years="10", mobile="9876543210")  # a child: guardian fields shown too
    screen.guardian_edit.setText("Kamla Yadav")
    screen.save()
    qtbot.waitUntil(lambda: screen.matches_panel.isVisible(), timeout=5000)
    assert len(screen.same_person_buttons) == 3 and screen.more_matches.text() == "and 2 more"
    assert screen.guardian_edit.isVisible()
    for _label, _widget, error in screen.slots.values():  # and a message under every field
        error.setText("A message that takes one line")
        error.setVisible(True)
    hint = screen.minimumSizeHint()
    size = "large" if LARGE_TEXT in style else "normal"
    print(f"register screen with {size} text needs {hint.width()}x{hint.height()}")
    assert hint.width() <= 1366 and hint.height() <= 700, hint


def test_duplicate_check_is_audited(ctx, host):
    sita = register(host)
    matches = host.thread.run(host.engine.find_duplicates(SITA | {"name": "Seeta"}))
    assert [m.patient.id for m in matches] == [sita.id]
    entries = host.thread.run(host.engine.worker.run(lambda s: s.audit.entries(limit=1)))
    assert entries[0]["action"] == "duplicate-check" and sita.id in entries[0]["detail"]
