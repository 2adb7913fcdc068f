import ast
import pickle
import uuid
from dataclasses import FrozenInstanceError, asdict
from pathlib import Path

import pytest

from spoke_client.domain import DomainRefused, FieldRefused, VitalRefused, is_uuid7, new_id
from spoke_client.domain.refusals import describe, refusal_params

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "spoke_client" / "domain"


def test_new_id_is_canonical_uuid7_and_ordered():
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)  # time-ordered within one process
    for s in ids[:50]:
        assert is_uuid7(s)
        u = uuid.UUID(s)
        assert u.version == 7 and str(u) == s and len(s) == 36


@pytest.mark.parametrize(
    "s",
    [
        "",
        "not-a-uuid",
        str(uuid.uuid4()),
        str(uuid.uuid1()),
        new_id().upper(),
        new_id().replace("-", ""),
        "{" + new_id() + "}",
        None,
        12,
    ],
)
def test_is_uuid7_rejects(s):
    assert is_uuid7(s) is False


def test_field_refused_is_a_frozen_code_with_parameters():
    r = FieldRefused("name", "too-long", value=101, low=1, high=100)
    assert r.code == "field-refused"
    assert asdict(r) == {"field": "name", "reason": "too-long", "value": 101, "low": 1, "high": 100}
    with pytest.raises(FrozenInstanceError):
        r.field = "x"  # type: ignore[misc]
    assert refusal_params(r)["high"] == 100
    assert (
        describe(r) == "field-refused(field='name', reason='too-long', value=101, low=1, high=100)"
    )


def test_domain_refused_carries_all_refusals_and_words_nothing():
    refusals = (
        FieldRefused("name", "required"),
        VitalRefused("pulse", 300.0, 20, 250, "/min"),
    )
    err = DomainRefused(refusals)
    assert err.refusals == refusals
    assert err.codes == ("field-refused", "vital-refused")
    text = str(err)
    assert text.startswith("field-refused(field='name', reason='required'")
    assert "vital-refused(field='pulse', value=300.0, low=20, high=250, unit='/min')" in text
    again = pickle.loads(pickle.dumps(err))
    assert again.refusals == refusals


def test_domain_refused_needs_a_refusal():
    with pytest.raises(ValueError):
        DomainRefused(())


def _domain_sources():
    files = sorted(DOMAIN_DIR.glob("*.py"))
    assert len(files) >= 8
    return [(f, ast.parse(f.read_text(encoding="utf-8"))) for f in files]


ALLOWED_IMPORTS = {
    "importlib",  # only in __init__, to load our own modules on first use
    "__future__",
    "collections",
    "collections.abc",
    "dataclasses",
    "datetime",
    "enum",
    "math",
    "re",
    "typing",
    "unicodedata",
    "uuid",
    "uuid6",
}


def test_domain_imports_only_pure_modules():
    for path, tree in _domain_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: our own domain modules
                    continue
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name in ALLOWED_IMPORTS, f"{path.name} imports {name}"


def test_domain_reads_no_clock_and_does_no_io():
    forbidden_calls = {"open", "print", "input"}
    forbidden_attrs = {"today", "now", "utcnow", "time", "time_ns"}
    for path, tree in _domain_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                if isinstance(fn, ast.Name):
                    assert fn.id not in forbidden_calls, f"{path.name}: {fn.id}()"
                if isinstance(fn, ast.Attribute):
                    assert fn.attr not in forbidden_attrs, f"{path.name}: .{fn.attr}()"


def test_refusals_in_tracebacks_never_show_typed_text():
    import traceback
    from datetime import date

    from spoke_client.domain.patient import Patient

    try:
        Patient.create(
            today=date(2026, 11, 23),
            name="Seeta 42",
            sex="female",
            age_years=30,
            mobile="12345",
            village="Rampur",
            address="",
        )
    except DomainRefused as exc:
        shown = str(exc) + repr(exc) + "".join(traceback.format_exception_only(exc))
    else:
        raise AssertionError("a name with digits must be refused")
    assert "field-refused(field='name', reason='bad-format', value=<text of 8 characters>" in shown
    assert "Seeta" not in shown and "12345" not in shown
