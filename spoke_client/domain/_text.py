"""Small text helpers shared by the domain modules (no I/O, no refusals of their own)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

_INT = re.compile(r"-?[0-9]+")


def clean(value: object) -> str:
    """Trim and collapse runs of whitespace to one space. ``None`` becomes ""."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def clean_or_none(value: object) -> str | None:
    """Like :func:`clean`, but an empty result is ``None`` (an optional field left blank)."""
    text = clean(value)
    return text or None


def blank(value: object) -> bool:
    """True for ``None`` and for strings that are empty or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def ascii_digits(text: str) -> str:
    """Replace every decimal digit of any script (Devanagari, Bengali, ...) with 0-9."""
    return "".join(
        str(unicodedata.decimal(c))
        if not c.isascii() and unicodedata.decimal(c, None) is not None
        else c
        for c in text
    )


def as_date(value: object) -> date:
    """A ``date`` from a date, a datetime (its date part) or an ISO string; else ValueError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
    raise ValueError(value)


def as_int(value: object) -> int:
    """An ``int`` from an int or a string of digits (bools and floats are refused: ValueError)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = ascii_digits(value.strip())
        if _INT.fullmatch(text):
            return int(text)
    raise ValueError(value)


def iso_or_none(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
