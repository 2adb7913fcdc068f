"""Identifiers: UUIDv7 strings, sortable by creation time, made offline without coordination."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """A fresh UUIDv7 in canonical form (lowercase, hyphenated, 36 characters)."""
    from uuid6 import uuid7  # imported on first use: it costs start-up time (app launch)

    return str(uuid7())


def is_uuid7(s: object) -> bool:
    """True when ``s`` is a UUIDv7 written in canonical form (as :func:`new_id` writes it)."""
    if not isinstance(s, str) or len(s) != 36:
        return False
    try:
        parsed = uuid.UUID(s)
    except ValueError:
        return False
    return parsed.version == 7 and parsed.variant == uuid.RFC_4122 and str(parsed) == s
