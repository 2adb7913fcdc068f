"""The plain values the hub's store hands out, and its one refusal type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .clock import parse_iso


class HubRefused(Exception):
    """A request the hub will not carry out: a stable ``code``, a sentence for district IT
    (``message``, never patient data) and parameters for machines (``detail``)."""

    def __init__(self, code: str, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.detail = str(code), message, detail


@dataclass(frozen=True)
class Device:
    """An enrolled spoke device (its token is kept only as a hash)."""

    id: str
    facility: str
    facility_name: str
    name: str
    enrolled_at: str
    revoked_at: str | None
    last_seen_at: str | None


@dataclass(frozen=True)
class StoredRecord:
    """A patient, encounter or attachment as the hub holds it."""

    id: str
    facility: str
    version: int
    record: dict[str, Any]
    state: str | None = None  # encounters only
    state_by: str | None = None  # encounters only: "spoke" or "hub"


@dataclass(frozen=True)
class Upload:
    """A tus upload: ``offset`` bytes of ``length`` are safely on disk (fsync'ed)."""

    id: str
    facility: str
    media_id: str
    encounter_id: str
    mime: str
    length: int
    offset: int
    sha256: str
    created_at: str
    expires_at: str
    completed_at: str | None

    @property
    def complete(self) -> bool:
        return self.completed_at is not None

    def expired(self, now: str) -> bool:
        """An incomplete upload past its expiry (``now`` as :func:`spoke_hub.clock.iso`)."""
        return self.completed_at is None and self.expires_at <= now

    @property
    def url(self) -> str:
        return f"/v1/files/{self.id}"

    def expires(self) -> datetime:
        return parse_iso(self.expires_at)
