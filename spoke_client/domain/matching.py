"""Is this person already registered? Likely duplicates of a patient about to be registered.

Pure rules, no I/O: the store hands in the candidates, this module ranks them. A match is a
hint for the operator, who decides ("same person" or "new patient"); it never merges or
refuses anything by itself.

A candidate is a likely duplicate when it has the same mobile number, or the same ABHA
number (or ABHA address), or when its name is a spelling variant of the new name
(:func:`names_match`) **and** its age is within :data:`AGE_SLACK_YEARS` years **and** its
village is the same place (case, spacing and spelling forgiven the same way as names).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ._text import as_date, as_int, blank, clean
from .patient import (
    Patient,
    months_between,
    name_key,
    normalise_abha_address,
    normalise_abha_number,
    normalise_mobile,
)

SAME_MOBILE = "same-mobile"
SAME_ABHA = "same-abha"
SIMILAR_NAME_AGE_VILLAGE = "similar-name-age-village"

AGE_SLACK_YEARS = 2
"""Stated ages are rough ("about 35"): two years either way still counts as the same age."""

# Words that are often left out or added when the same person is registered again
# ("Sita" / "Sita Devi", "Ramesh Kumar" / "Ramesh"). Compared by their name key.
FILLER_WORDS = frozenset(
    name_key(w) for w in ("devi", "kumar", "kumari", "bai", "ben", "bhai", "bibi", "begum")
)

TYPO_MIN_LENGTH = 7
"""Name keys drop most vowel detail already, so only long words are forgiven a typo."""

_MAX_PERMUTED_WORDS = 4  # word order is tried in every arrangement up to this many words

_WORD_SPLIT = re.compile(r"[\s\-/,]+")  # as name_key splits words
_Y_AFTER_CONSONANT = re.compile(r"(?<=[b-df-hj-np-tv-xz])y(?=[aeiou])")
_Y_BETWEEN_VOWELS = re.compile(r"(?<=[aeiou])y(?=[aeiou])")

_SCORES = {SAME_ABHA: 0.6, SAME_MOBILE: 0.35, SIMILAR_NAME_AGE_VILLAGE: 0.5}


@dataclass(frozen=True)
class Match:
    """An existing patient who may be the one being registered, and why (reason codes)."""

    patient: Patient
    reasons: tuple[str, ...]
    score: float


# -- names --------------------------------------------------------------------------------


def levenshtein(a: str, b: str) -> int:
    """Edits (insert, delete, substitute) that turn ``a`` into ``b``."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _skeleton(key: str) -> str:
    """A word key without its inner "a"s: the inherent vowel that Latin spellings of Indian
    names keep or drop at will (Rajendra/Rajender, Kamla/Kamala, Prakash/Parkash)."""
    return key[:1] + key[1:].replace("a", "")


def _latin(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if "a" <= c <= "z")


def _forms(word: str) -> tuple[str, ...]:
    """The name keys a word may stand for, its own key first.

    Besides the word's :func:`~.patient.name_key`, the keys of two readings that the key
    alone does not bring together: "w" read as "v" (Bhawna/Bhavna, Diwya/Divya), and "y"
    as a glide, i.e. written "i" after a consonant and left out between vowels
    (Jyoti/Jioti, Maurya/Mauria, Ayesha/Aisha, Nayar/Nair). Empty for a word with no
    letters.
    """
    own = name_key(word)
    latin = _latin(word)
    if not own or not latin or ("w" not in latin and "y" not in latin):
        return (own,) if own else ()
    glided = _Y_BETWEEN_VOWELS.sub("", _Y_AFTER_CONSONANT.sub("i", latin))
    others = {name_key(w) for w in {latin.replace("w", "v"), glided, glided.replace("w", "v")}}
    return (own, *sorted(others - {own, ""}))


def _forms_alike(fx: tuple[str, ...], fy: tuple[str, ...]) -> bool:
    if not fx or not fy:
        return False
    if not set(fx).isdisjoint(fy):
        return True
    x, y = fx[0], fy[0]
    if not (x.isascii() and y.isascii()):
        return False  # a word in an Indian script matches only as written
    skeletons = {_skeleton(f) for f in fx}
    if any(len(s) >= 3 and s in skeletons for s in map(_skeleton, fy)):
        return True
    return min(len(x), len(y)) >= TYPO_MIN_LENGTH and x[0] == y[0] and levenshtein(x, y) <= 1


def words_alike(a: str, b: str) -> bool:
    """Two words, as typed, that are spellings of one word.

    Their keys (:func:`_forms`) agree; or agree once the inherent vowel is ignored (when at
    least three letters are left); or, for long words (:data:`TYPO_MIN_LENGTH` letters or
    more in their key), are one slip apart. Words in an Indian script match only exactly.
    """
    return _forms_alike(_forms(a), _forms(b))


def _words(name: str) -> list[tuple[str, ...]]:
    return [f for f in (_forms(w) for w in _WORD_SPLIT.split(name)) if f]


def _word_lists_alike(xs: list[tuple[str, ...]], ys: list[tuple[str, ...]]) -> bool:
    """Each word of one name is alike a different word of the other, in some order (tried
    in the order written first; names of more than a few words only in that order)."""
    if len(xs) != len(ys) or not xs:
        return False
    if all(_forms_alike(x, y) for x, y in zip(xs, ys, strict=True)):
        return True
    return len(xs) <= _MAX_PERMUTED_WORDS and _paired(xs, ys)


def _paired(xs: list[tuple[str, ...]], ys: list[tuple[str, ...]]) -> bool:
    if not xs:
        return True
    return any(
        _forms_alike(xs[0], y) and _paired(xs[1:], ys[:i] + ys[i + 1 :]) for i, y in enumerate(ys)
    )


def names_match(a: str, b: str) -> bool:
    """Whether two names, as typed, are likely spellings of the same name.

    Compared word by word (:func:`words_alike`: so Sita/Seeta, Laxmi/Lakshmi,
    Rajendra/Rajender, Bhawna/Bhavna agree), in any word order ("Yadav Ramesh"). Common
    fillers like "Devi" or "Kumar" may be missing from one of them, and words may be run
    together ("Lakshmi Narayan" / "Lakshminarayan"). Empty names match nothing.
    """
    xs, ys = _words(a), _words(b)
    if not xs or not ys:
        return False
    if _word_lists_alike(xs, ys):
        return True
    if len(xs) != len(ys):
        core_x = [w for w in xs if w[0] not in FILLER_WORDS]
        core_y = [w for w in ys if w[0] not in FILLER_WORDS]
        if core_x and core_y and (core_x != xs or core_y != ys):
            if _word_lists_alike(core_x, core_y):
                return True
        joined_x, joined_y = _forms(_latin(a)), _forms(_latin(b))
        if joined_x and joined_y and min(len(joined_x[0]), len(joined_y[0])) >= 8:
            return _forms_alike(joined_x, joined_y)
    return False


def same_place(a: str, b: str) -> bool:
    """Two village names that are the same place: case, spaces and spelling forgiven."""
    x, y = "".join(clean(a).split()), "".join(clean(b).split())
    return _forms_alike(_forms(x), _forms(y))


# -- the candidate being registered ------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    name: str
    mobile: str | None
    abha_number: str | None
    abha_address: str | None
    village: str
    age_months: int | None


def _from_patient(p: Patient, today: date) -> _Person:
    years, months = p.age_on(today)
    return _Person(
        name=p.name,
        mobile=p.mobile,
        abha_number=p.abha_number,
        abha_address=p.abha_address,
        village=p.village,
        age_months=years * 12 + months,
    )


def _from_fields(fields: Mapping[str, Any], today: date) -> _Person:
    """The form's fields as typed (not validated): what cannot be read is left out."""

    def read(normalise, key: str) -> str | None:
        raw = fields.get(key)
        return None if blank(raw) else normalise(str(raw))

    return _Person(
        name=clean(fields.get("name")),
        mobile=read(normalise_mobile, "mobile"),
        abha_number=read(normalise_abha_number, "abha_number"),
        abha_address=read(normalise_abha_address, "abha_address"),
        village=clean(fields.get("village")),
        age_months=_stated_age_months(fields, today),
    )


def _stated_age_months(fields: Mapping[str, Any], today: date) -> int | None:
    try:
        if not blank(fields.get("birth_date")):
            return max(months_between(as_date(fields["birth_date"]), today), 0)
        years, months = fields.get("age_years"), fields.get("age_months")
        if blank(years) and blank(months):
            return None
        total = (0 if blank(years) else as_int(years)) * 12 + (
            0 if blank(months) else as_int(months)
        )
        if not blank(fields.get("age_stated_on")):
            total += months_between(as_date(fields["age_stated_on"]), today)
        return max(total, 0)
    except ValueError:
        return None


# -- ranking ------------------------------------------------------------------------------


def _reasons(new: _Person, old: _Person) -> tuple[list[str], bool]:
    reasons: list[str] = []
    if (new.abha_number and new.abha_number == old.abha_number) or (
        new.abha_address and new.abha_address == old.abha_address
    ):
        reasons.append(SAME_ABHA)
    if new.mobile and new.mobile == old.mobile:
        reasons.append(SAME_MOBILE)
    similar_name = names_match(new.name, old.name)
    if (
        similar_name
        and new.age_months is not None
        and old.age_months is not None
        and abs(new.age_months - old.age_months) <= AGE_SLACK_YEARS * 12
        and same_place(new.village, old.village)
    ):
        reasons.append(SIMILAR_NAME_AGE_VILLAGE)
    return reasons, similar_name


def likely_duplicates(
    candidate: Patient | Mapping[str, Any], existing: Iterable[Patient], *, today: date
) -> list[Match]:
    """The existing patients who may be ``candidate``, most likely first.

    ``candidate`` is a :class:`Patient` or the registration form's fields (as given to
    ``Patient.create``). A patient with the same id as the candidate is never its own
    duplicate. The score (0..1) only orders the list: an ABHA match counts most, then a
    similar name with age and village, then a shared mobile (families share one phone);
    a similar name adds to a shared mobile or ABHA.
    """
    if isinstance(candidate, Patient):
        new, own_id = _from_patient(candidate, today), candidate.id
    else:
        new, own_id = _from_fields(candidate, today), None
    found: list[Match] = []
    for patient in existing:
        if patient.id == own_id:
            continue
        reasons, similar_name = _reasons(new, _from_patient(patient, today))
        if not reasons:
            continue
        score = sum(_SCORES[r] for r in reasons)
        if similar_name and SIMILAR_NAME_AGE_VILLAGE not in reasons:
            score += 0.25
        found.append(Match(patient=patient, reasons=tuple(reasons), score=min(score, 1.0)))
    found.sort(key=lambda m: (-m.score, m.patient.name.casefold(), m.patient.id))
    return found
