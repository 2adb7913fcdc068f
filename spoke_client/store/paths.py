"""Where one centre's data lives (no imports beyond the standard library: the login screen
needs this before anything heavy is loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StorePaths:
    """Everything under ``root`` is encrypted or holds no secret and no patient data."""

    root: Path

    @property
    def db(self) -> Path:
        return self.root / "spoke.db"

    @property
    def keyslots(self) -> Path:
        return self.root / "keyslots.json"

    @property
    def media(self) -> Path:
        return self.root / "media"

    def exists(self) -> bool:
        return self.keyslots.exists() and self.db.exists()
