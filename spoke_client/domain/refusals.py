"""Refusals: codes with parameters, never sentences.

Every refusal is a frozen dataclass with a stable ``code`` class attribute and plain
parameters. The UI words them with ``tr()``; the CLI words them in English. Validation
collects every refusal it finds and raises them together in one :class:`DomainRefused`,
so a form can mark all its wrong fields at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldRefused:
    """A field's value was refused.

    ``reason`` is a short stable code: "required", "too-short", "too-long",
    "out-of-range", "bad-format", "in-future", "guardian-required",
    "unknown-code", "not-given", "duplicate". ``value``, ``low`` and ``high`` carry the
    numbers the message needs (lengths for "too-long", limits for "out-of-range").
    """

    code: ClassVar[str] = "field-refused"

    field: str
    reason: str
    value: object = None
    low: object = None
    high: object = None


def refusal_params(refusal: object) -> dict[str, Any]:
    """The parameters of a refusal dataclass as a dict (its ``code`` is not included)."""
    return {f.name: getattr(refusal, f.name) for f in dataclasses.fields(refusal)}  # type: ignore[arg-type]


def describe(refusal: object) -> str:
    """``code(param=value, ...)`` for logs and tracebacks; not for people.

    A refused ``value`` that is text is shown by its length only: it is what the operator
    typed (a name, a phone number), and tracebacks end up in logs and crash reports. The
    other parameters are codes and numbers.
    """
    code = getattr(refusal, "code", type(refusal).__name__)
    inner = ", ".join(
        f"{k}=<text of {len(v)} characters>"
        if k == "value" and isinstance(v, str)
        else f"{k}={v!r}"
        for k, v in refusal_params(refusal).items()
    )
    return f"{code}({inner})"


class DomainRefused(Exception):
    """One or more refusals, all found in one pass. ``refusals`` is a non-empty tuple."""

    def __init__(self, refusals: Iterable[object]) -> None:
        self.refusals: tuple[Any, ...] = tuple(refusals)
        if not self.refusals:
            raise ValueError("DomainRefused needs at least one refusal")
        super().__init__(self.refusals)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.refusals)

    def __str__(self) -> str:
        return "; ".join(describe(r) for r in self.refusals)

    def __repr__(self) -> str:
        return f"DomainRefused({self})"


def raise_if_any(refusals: Iterable[object]) -> None:
    """Raise :class:`DomainRefused` with ``refusals`` if there are any."""
    found = tuple(refusals)
    if found:
        raise DomainRefused(found)
