"""The hub's clock and the three ways it writes time.

The clock is a boundary: every part of the hub takes a ``Clock`` (a callable returning an
aware ``datetime``) so tests can move time by hand. Times are stored and sent as ISO 8601
UTC with milliseconds and a ``Z`` (fixed width, so text order is time order in SQLite);
tus headers use the RFC 7231 HTTP date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The real clock (aware, UTC)."""
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """``2026-11-23T05:30:00.000Z``: fixed width, so comparing the text compares the time."""
    if dt.tzinfo is None:
        raise ValueError("the hub's clock must return aware datetimes")
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """An ISO 8601 time as an aware UTC datetime (a naive one is taken as UTC)."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def http_date(dt: datetime) -> str:
    """RFC 7231 IMF-fixdate, as tus's ``Upload-Expires`` wants: ``Mon, 30 Nov 2026 05:30:00
    GMT``."""
    return format_datetime(dt.astimezone(UTC).replace(microsecond=0), usegmt=True)
