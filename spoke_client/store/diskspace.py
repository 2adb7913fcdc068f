"""Free-space guard, consulted before every save.

A terminal whose disk fills up can no longer write its database journal, so every save first
asks the guard whether, after writing ``needed_bytes``, at least ``reserve_bytes`` would still
be free. If not, it raises :class:`DiskFull` and the save does not start.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from spoke_client.store.errors import DiskFull

DEFAULT_RESERVE_BYTES = 64 * 1024 * 1024


def _disk_free(path: Path) -> int:
    """Bytes free to this (unprivileged) process on the file system holding ``path``.

    A path that does not exist yet (a store about to be created) is measured at its nearest
    existing ancestor, which is on the file system it will be created on.
    """
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return shutil.disk_usage(probe).free


class DiskGuard:
    """Refuses a save that would leave less than ``reserve_bytes`` free on ``path``'s disk."""

    def __init__(
        self,
        path: Path,
        reserve_bytes: int = DEFAULT_RESERVE_BYTES,
        free_bytes: Callable[[Path], int] | None = None,
    ) -> None:
        if reserve_bytes < 0:
            raise ValueError("reserve-bytes-negative", reserve_bytes)
        self.path = Path(path)
        self.reserve_bytes = reserve_bytes
        self._free_bytes = free_bytes if free_bytes is not None else _disk_free

    def free(self) -> int:
        return int(self._free_bytes(self.path))

    def check(self, needed_bytes: int = 0) -> None:
        """Raise :class:`DiskFull` unless ``free - needed_bytes >= reserve_bytes``."""
        if needed_bytes < 0:
            raise ValueError("needed-bytes-negative", needed_bytes)
        free = self.free()
        if free - needed_bytes < self.reserve_bytes:
            raise DiskFull(
                free_bytes=free, needed_bytes=needed_bytes, reserve_bytes=self.reserve_bytes
            )
