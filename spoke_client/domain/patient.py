"""Patients: who is being seen, validated at registration, plus a forgiving name search key."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from ._text import as_date, as_int, ascii_digits, blank, clean, clean_or_none, iso_or_none
from .ids import is_uuid7, new_id
from .refusals import DomainRefused, FieldRefused

NAME_MAX = 100
VILLAGE_MAX = 100
ADDRESS_MAX = 300
RELATION_MAX = 50
MAX_AGE_YEARS = 120
ADULT_AGE_YEARS = 18

_NAME_PUNCTUATION = frozenset(" .'-")
_ABHA_ADDRESS = re.compile(r"[a-z0-9][a-z0-9._]{3,31}@(abdm|sbx)")
ABHA_ADDRESS_DOMAINS = ("abdm", "sbx")


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


# -- identifiers and phone numbers -------------------------------------------------------


def normalise_mobile(raw: str) -> str | None:
    """An Indian mobile number as its 10 digits, or ``None`` if ``raw`` is not one.

    Accepts spaces, hyphens, dots and brackets, and a leading "+91", "0091", "91" (with
    10 digits after it) or trunk "0": "+91 98765 43210", "098765-43210", "9876543210".
    The 10 digits must start with 6, 7, 8 or 9. Digits of any Indian script are read.
    """
    text = ascii_digits("".join(str(raw).split()))
    for sep in "-().":
        text = text.replace(sep, "")
    if text.startswith("+"):
        if not text.startswith("+91"):
            return None
        text = text[3:]
    elif text.startswith("0091"):
        text = text[4:]
    elif len(text) == 12 and text.startswith("91"):
        text = text[2:]
    elif len(text) == 11 and text.startswith("0"):
        text = text[1:]
    if len(text) == 10 and text.isascii() and text.isdigit() and text[0] in "6789":
        return text
    return None


def normalise_abha_number(raw: str) -> str | None:
    """The 14 digits of an ABHA number written with or without hyphens/spaces, else ``None``.

    Only the shape is checked: ABDM publishes no check-digit rule for ABHA numbers.
    """
    text = ascii_digits("".join(str(raw).split())).replace("-", "")
    if len(text) == 14 and text.isascii() and text.isdigit():
        return text
    return None


def format_abha(digits: str) -> str:
    """The 14 digits of an ABHA number as "xx-xxxx-xxxx-xxxx" (ValueError if not 14 digits)."""
    number = normalise_abha_number(digits)
    if number is None:
        raise ValueError(digits)
    return f"{number[:2]}-{number[2:6]}-{number[6:10]}-{number[10:]}"


def normalise_abha_address(raw: str) -> str | None:
    """An ABHA address ("name@abdm", or "name@sbx" in the sandbox) in lowercase, else ``None``.

    The part before "@" is 4..32 characters of letters, digits, "." and "_", starting with
    a letter or digit.
    """
    text = str(raw).strip().lower()
    return text if _ABHA_ADDRESS.fullmatch(text) else None


# -- ages ---------------------------------------------------------------------------------


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end``, rounded down (negative if ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _age_in_months(
    birth_date: date | None,
    age_years: int | None,
    age_months: int | None,
    age_stated_on: date | None,
    day: date,
) -> int:
    if birth_date is not None:
        total = months_between(birth_date, day)
    elif age_years is not None or age_months is not None:
        total = (age_years or 0) * 12 + (age_months or 0)
        if age_stated_on is not None:
            total += months_between(age_stated_on, day)
    else:
        raise ValueError("patient has neither a birth date nor a stated age")
    return max(total, 0)


# -- the patient --------------------------------------------------------------------------

_INPUT_FIELDS = frozenset(
    {
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
    }
)


def _name_shape_ok(text: str) -> bool:
    """Letters of any script (with their combining marks), spaces and . ' - only."""
    has_letter = False
    for c in text:
        category = unicodedata.category(c)
        if category[0] == "L":
            has_letter = True
        elif category[0] != "M" and c not in _NAME_PUNCTUATION:
            return False
    return has_letter


def _person_name(
    field: str, raw: object, refusals: list[FieldRefused], *, required: bool
) -> str | None:
    text = clean(raw)
    if not text:
        if required:
            refusals.append(FieldRefused(field, "required"))
        return None
    if len(text) > NAME_MAX:
        refusals.append(FieldRefused(field, "too-long", value=len(text), low=1, high=NAME_MAX))
    elif not _name_shape_ok(text):
        refusals.append(FieldRefused(field, "bad-format", value=text))
    return text


def _free_text(
    field: str, raw: object, limit: int, refusals: list[FieldRefused], *, required: bool = False
) -> str:
    text = clean(raw)
    if not text and required:
        refusals.append(FieldRefused(field, "required"))
    elif len(text) > limit:
        refusals.append(FieldRefused(field, "too-long", value=len(text), low=0, high=limit))
    return text


@dataclass(frozen=True)
class Patient:
    id: str
    name: str
    sex: Sex
    birth_date: date | None
    age_years: int | None
    age_months: int | None
    age_stated_on: date | None
    mobile: str | None
    abha_number: str | None
    abha_address: str | None
    village: str
    address: str
    guardian_name: str | None
    guardian_relation: str | None

    @classmethod
    def create(cls, *, today: date, id: str | None = None, **fields: Any) -> Patient:
        """A validated, normalised patient; raises :class:`DomainRefused` with every refusal.

        Text is trimmed with inner whitespace collapsed; blank optional fields become
        ``None``. Either ``birth_date`` or a stated age (``age_years`` and/or
        ``age_months``, as of ``age_stated_on``, default ``today``) is needed. When a
        birth date is given it is the only age kept (a stated age alongside is dropped).
        Unknown keyword arguments are a programming error (TypeError).
        """
        unknown = set(fields) - _INPUT_FIELDS
        if unknown:
            raise TypeError(f"unknown patient fields: {sorted(unknown)}")
        refusals: list[FieldRefused] = []

        if id is None:
            id = new_id()
        elif not is_uuid7(id):
            refusals.append(FieldRefused("id", "bad-format", value=id))

        name = _person_name("name", fields.get("name"), refusals, required=True)
        sex = _sex(fields.get("sex"), refusals)
        birth_date, age_years, age_months, age_stated_on, age_ok = _age_fields(
            fields, today, refusals
        )

        mobile = None
        if not blank(fields.get("mobile")):
            mobile = normalise_mobile(str(fields["mobile"]))
            if mobile is None:
                refusals.append(FieldRefused("mobile", "bad-format", value=fields["mobile"]))

        abha_number = None
        if not blank(fields.get("abha_number")):
            abha_number = normalise_abha_number(str(fields["abha_number"]))
            if abha_number is None:
                refusals.append(
                    FieldRefused("abha_number", "bad-format", value=fields["abha_number"])
                )

        abha_address = None
        if not blank(fields.get("abha_address")):
            abha_address = normalise_abha_address(str(fields["abha_address"]))
            if abha_address is None:
                refusals.append(
                    FieldRefused("abha_address", "bad-format", value=fields["abha_address"])
                )

        village = _free_text("village", fields.get("village"), VILLAGE_MAX, refusals, required=True)
        address = _free_text("address", fields.get("address"), ADDRESS_MAX, refusals)
        guardian_name = _person_name(
            "guardian_name", fields.get("guardian_name"), refusals, required=False
        )
        guardian_relation = clean_or_none(
            _free_text("guardian_relation", fields.get("guardian_relation"), RELATION_MAX, refusals)
        )

        if age_ok and guardian_name is None:
            years = _age_in_months(birth_date, age_years, age_months, age_stated_on, today) // 12
            if years < ADULT_AGE_YEARS:
                refusals.append(
                    FieldRefused(
                        "guardian_name", "guardian-required", value=years, high=ADULT_AGE_YEARS
                    )
                )

        if refusals:
            raise DomainRefused(refusals)
        assert name is not None and sex is not None
        return cls(
            id=id,
            name=name,
            sex=sex,
            birth_date=birth_date,
            age_years=age_years,
            age_months=age_months,
            age_stated_on=age_stated_on,
            mobile=mobile,
            abha_number=abha_number,
            abha_address=abha_address,
            village=village,
            address=address,
            guardian_name=guardian_name,
            guardian_relation=guardian_relation,
        )

    def age_on(self, day: date) -> tuple[int, int]:
        """(years, months) on ``day``, from the birth date or else the stated age."""
        total = _age_in_months(
            self.birth_date, self.age_years, self.age_months, self.age_stated_on, day
        )
        years, months = divmod(total, 12)
        return years, months

    def is_minor(self, day: date) -> bool:
        return self.age_on(day)[0] < ADULT_AGE_YEARS

    @property
    def name_key(self) -> str:
        return name_key(self.name)

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "sex": self.sex.value,
            "birth_date": iso_or_none(self.birth_date),
            "age_years": self.age_years,
            "age_months": self.age_months,
            "age_stated_on": iso_or_none(self.age_stated_on),
            "mobile": self.mobile,
            "abha_number": self.abha_number,
            "abha_address": self.abha_address,
            "village": self.village,
            "address": self.address,
            "guardian_name": self.guardian_name,
            "guardian_relation": self.guardian_relation,
        }

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> Patient:
        """The patient a :meth:`to_record` dict describes (trusted: not re-validated)."""
        return cls(
            id=d["id"],
            name=d["name"],
            sex=Sex(d["sex"]),
            birth_date=None if d.get("birth_date") is None else date.fromisoformat(d["birth_date"]),
            age_years=d.get("age_years"),
            age_months=d.get("age_months"),
            age_stated_on=(
                None if d.get("age_stated_on") is None else date.fromisoformat(d["age_stated_on"])
            ),
            mobile=d.get("mobile"),
            abha_number=d.get("abha_number"),
            abha_address=d.get("abha_address"),
            village=d["village"],
            address=d.get("address", ""),
            guardian_name=d.get("guardian_name"),
            guardian_relation=d.get("guardian_relation"),
        )


def _sex(raw: object, refusals: list[FieldRefused]) -> Sex | None:
    if blank(raw):
        refusals.append(FieldRefused("sex", "required"))
        return None
    if isinstance(raw, Sex):
        return raw
    try:
        return Sex(str(raw).strip().lower())
    except ValueError:
        refusals.append(FieldRefused("sex", "bad-format", value=raw))
        return None


def _age_fields(
    fields: dict[str, Any], today: date, refusals: list[FieldRefused]
) -> tuple[date | None, int | None, int | None, date | None, bool]:
    """(birth_date, age_years, age_months, age_stated_on, ok) with refusals appended."""
    raw_birth = fields.get("birth_date")
    if not blank(raw_birth):
        try:
            birth_date = as_date(raw_birth)
        except ValueError:
            refusals.append(FieldRefused("birth_date", "bad-format", value=raw_birth))
            return None, None, None, None, False
        if birth_date > today:
            refusals.append(FieldRefused("birth_date", "in-future", value=birth_date, high=today))
            return None, None, None, None, False
        earliest = _years_before(today, MAX_AGE_YEARS + 1) + timedelta(days=1)
        if birth_date < earliest:
            refusals.append(
                FieldRefused(
                    "birth_date", "out-of-range", value=birth_date, low=earliest, high=today
                )
            )
            return None, None, None, None, False
        return birth_date, None, None, None, True

    raw_years, raw_months = fields.get("age_years"), fields.get("age_months")
    if blank(raw_years) and blank(raw_months):
        refusals.append(FieldRefused("birth_date", "required"))
        return None, None, None, None, False

    ok = True
    age_years = age_months = None
    for field, raw, high in (
        ("age_years", raw_years, MAX_AGE_YEARS),
        ("age_months", raw_months, 11),
    ):
        if blank(raw):
            continue
        try:
            value = as_int(raw)
        except ValueError:
            refusals.append(FieldRefused(field, "bad-format", value=raw))
            ok = False
            continue
        if not 0 <= value <= high:
            refusals.append(FieldRefused(field, "out-of-range", value=value, low=0, high=high))
            ok = False
            continue
        if field == "age_years":
            age_years = value
        else:
            age_months = value

    stated_on = today
    raw_stated = fields.get("age_stated_on")
    if not blank(raw_stated):
        try:
            stated_on = as_date(raw_stated)
        except ValueError:
            refusals.append(FieldRefused("age_stated_on", "bad-format", value=raw_stated))
            return None, None, None, None, False
        if stated_on > today:
            refusals.append(FieldRefused("age_stated_on", "in-future", value=stated_on, high=today))
            return None, None, None, None, False
    return None, age_years, age_months, stated_on, ok


# -- name search key ----------------------------------------------------------------------

_VOWELS = frozenset("aeiou")
_ALIASES = {"mohd": "mohammad", "md": "mohammad"}
_WORD_SPLIT = re.compile(r"[\s\-/,]+")


def _latin_word_key(word: str) -> str:
    word = _ALIASES.get(word, word)
    # 1. spellings of one sound
    word = word.replace("x", "ks").replace("ph", "f").replace("q", "k").replace("z", "j")
    # 2. "w" after a vowel and before a consonant is a vowel (Chowdhury); otherwise "v"
    letters = list(word)
    for i, c in enumerate(letters):
        if c == "w":
            after_vowel = i > 0 and letters[i - 1] in _VOWELS
            before_vowel = i + 1 < len(letters) and letters[i + 1] in _VOWELS
            letters[i] = "u" if after_vowel and not before_vowel else "v"
    # 3. a final "y" is a vowel (Chaudhary/Chaudhari, Vijay/Vijai)
    if len(letters) > 1 and letters[-1] == "y":
        letters[-1] = "i"
    # 4. aspiration is dropped: "h" after a consonant (Geetha/Gita, Bhaskar/Baskar, ksh/ks)
    # 5. doubled consonants are single (Mohammad/Mohamad, Siddharth/Sidharth)
    kept: list[str] = []
    for c in letters:
        if kept and c not in _VOWELS:
            prev = kept[-1]
            if (c == "h" and prev not in _VOWELS and prev != "h") or c == prev:
                continue
        kept.append(c)
    # 6. vowels: an initial vowel run keeps its first letter after ee->i, oo->u; every later
    #    run becomes "a"; a final run is dropped (Sita/Seeta, Pooja/Puja, Sunil/Suneel).
    out: list[str] = []
    i = 0
    while i < len(kept):
        if kept[i] not in _VOWELS:
            out.append(kept[i])
            i += 1
            continue
        j = i
        while j < len(kept) and kept[j] in _VOWELS:
            j += 1
        run = "".join(kept[i:j])
        if i == 0:
            out.append(run.replace("ee", "i").replace("oo", "u")[0])
        elif j < len(kept):
            out.append("a")
        i = j
    return "".join(out)


def _word_key(word: str) -> str:
    folded = unicodedata.normalize("NFKD", word.casefold())
    latin = "".join(c for c in folded if "a" <= c <= "z")
    if latin:
        return _latin_word_key(latin)
    # A word in an Indian script: matched exactly (composed, case-folded, marks kept).
    return "".join(
        c
        for c in unicodedata.normalize("NFC", word.casefold())
        if c.isalnum() or unicodedata.category(c)[0] == "M"
    )


def name_key(name: str) -> str:
    """A forgiving search key: spelling variants of an Indian name in Latin script match.

    Per word (words split on spaces, hyphens, slashes, commas; empty words dropped):
    lowercase, strip diacritics, keep only a-z; "mohd"/"md" read as "mohammad";
    x->ks, ph->f, q->k, z->j; "w" is a vowel after a vowel and before a consonant, else
    "v"; a final "y" is a vowel; "h" after a consonant is dropped; doubled consonants
    become single; an initial vowel run keeps its first letter (after ee->i, oo->u),
    each later vowel run becomes "a" and a final vowel run is dropped. So Sita/Seeta,
    Lakshmi/Laxmi, Mohammad/Mohammed/Muhammad, Chaudhary/Choudhury/Chowdhury,
    Sunil/Suneel, Pooja/Puja match, while Sita/Gita and Ram/Rahim stay apart.
    The key is deliberately loose (Ram and Rama match): it finds candidates, and the
    caller ranks exact matches and other details (village, age) first. Words with no
    Latin letters (names typed in Devanagari etc.) are kept as written, case-folded.
    """
    keys = (_word_key(word) for word in _WORD_SPLIT.split(name))
    return " ".join(k for k in keys if k)
