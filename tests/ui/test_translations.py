"""Hindi is complete: the .ts is current with the source, has 0 unfinished strings, its
translations are in Devanagari and keep every named placeholder; the .qm loads."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

from spoke_client.domain.complaints import COMPLAINTS
from spoke_client.domain.encounter import CONDITIONS, CaseState, Specialty
from spoke_client.domain.vitals import VITAL_SPECS
from spoke_client.ui import words

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "assets" / "translations" / "spoke_hi.ts"
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _messages(ts: Path) -> list[tuple[str, str, str | None]]:
    """(source, translation, type) for every message."""
    out = []
    for message in ET.parse(ts).getroot().iter("message"):
        tr = message.find("translation")
        out.append((message.findtext("source") or "", tr.text or "", tr.get("type")))
    return out


def test_the_hindi_file_is_current_with_the_source_and_complete(tmp_path):
    copy = tmp_path / "spoke_hi.ts"
    shutil.copy(TS, copy)
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    sources = sorted(str(p) for p in (ROOT / "spoke_client" / "ui").rglob("*.py"))
    r = subprocess.run(
        [str(lupdate), *sources, "-no-obsolete", "-locations", "none", "-ts", str(copy)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    messages = _messages(copy)
    unfinished = [src for src, _tr, kind in messages if kind == "unfinished"]
    assert len(messages) > 250
    assert unfinished == [], (
        f"{len(unfinished)} strings need a Hindi translation: {unfinished[:10]}"
    )


def test_hindi_translations_are_devanagari_and_keep_placeholders():
    messages = _messages(TS)
    in_devanagari = sum(bool(DEVANAGARI.search(tr)) for _s, tr, _k in messages)
    assert in_devanagari / len(messages) >= 0.95, in_devanagari / len(messages)
    for source, translation, _kind in messages:
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translation)), (
            source,
            translation,
        )


def test_the_compiled_hindi_loads_and_translates(qapp):
    qm = TS.with_suffix(".qm")
    assert qm.exists(), "scripts/setup builds it with scripts/i18n build"
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    try:
        assert words.case_state(CaseState.SENT_FOR_REVIEW) == "समीक्षा के लिए भेजा गया"
        assert words.complaint_name("FEVER") == "बुखार"
    finally:
        QCoreApplication.removeTranslator(translator)
    assert words.complaint_name("FEVER") == "Fever"


def test_every_domain_code_has_words(qapp):
    names = words.complaint_names()
    assert {c.code for c in COMPLAINTS} | {"OTHER"} == set(names)
    for state in CaseState:
        assert words.case_state(state)
    for value in Specialty:
        assert words.specialty(value) != value.value
    for kind, spec in VITAL_SPECS.items():
        assert words.vital_label(kind) != kind.value or kind.value == "BMI"
        assert words.unit(spec.unit)
    for code in CONDITIONS:
        assert words.condition_name(code) != code


def test_every_translate_call_is_one_lupdate_can_see():
    """lupdate extracts ``self.tr(...)`` and ``translate("Context", ...)`` but not calls made
    through another name (``_t = QCoreApplication.translate`` left strings in English)."""
    aliases = re.compile(r"^\s*(\w+)\s*=\s*QCoreApplication\.translate\b", re.M)
    for path in (ROOT / "spoke_client" / "ui").rglob("*.py"):
        for name in aliases.findall(path.read_text(encoding="utf-8")):
            assert name == "translate", f"{path.name}: translate through {name!r}"
