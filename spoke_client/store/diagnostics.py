"""Installation checks for ``spoke-client doctor``: each a title, a finding and what to do."""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlcipher3

from spoke_client import __version__
from spoke_client.store.diskspace import DiskGuard
from spoke_client.store.errors import StoreError
from spoke_client.store.keyvault import KeyVault
from spoke_client.store.migrations import LATEST
from spoke_client.store.store import Store, StorePaths


@dataclass(frozen=True)
class Check:
    title: str
    ok: bool
    detail: str
    advice: str = ""


def run_checks(
    paths: StorePaths,
    opener: Callable[[], Store] | None,
    describe: Callable[[StoreError], str] = str,
) -> Iterator[Check]:
    yield Check(
        "Versions",
        True,
        f"spoke-client {__version__}, Python {platform.python_version()}, "
        f"SQLCipher on SQLite {sqlcipher3.sqlite_version}, schema {LATEST}, "
        f"{platform.system()} {platform.release()}",
    )
    if not paths.root.exists():
        yield Check(
            "Data folder",
            False,
            f"{paths.root} does not exist",
            "Run 'spoke-client init' to set up this centre, or 'restore' a backup.",
        )
        return
    yield Check("Data folder", True, str(paths.root))

    guard = DiskGuard(paths.root)
    free = guard.free()
    low = free < guard.reserve_bytes * 4
    yield Check(
        "Disk space",
        not low,
        f"{free / 1e9:.2f} GB free",
        "Free some space on this drive: below "
        f"{guard.reserve_bytes * 4 / 1e6:.0f} MB saves start to be refused."
        if low
        else "",
    )

    if not paths.keyslots.exists() or not paths.db.exists():
        missing = [p.name for p in (paths.keyslots, paths.db) if not p.exists()]
        yield Check(
            "Store files",
            False,
            f"missing: {', '.join(missing)}",
            "Restore the latest backup with 'spoke-client restore'.",
        )
        return
    try:
        operators = KeyVault(paths.keyslots).operators()
    except StoreError as exc:
        yield Check(
            "Key-slot file", False, describe(exc), "Restore keyslots.json from the latest backup."
        )
        return
    locked = [o["operator"] for o in operators if o["locked"]]
    yield Check(
        "Operators",
        not locked,
        f"{len(operators)} operator(s)" + (f"; locked out: {', '.join(locked)}" if locked else ""),
        "Reset their PIN with 'spoke-client operator reset-pin NAME' and the recovery code."
        if locked
        else "",
    )
    if opener is None:
        return
    try:
        store = opener()
    except StoreError as exc:
        yield Check("Store opens", False, describe(exc), "Check the PIN or use --recovery.")
        return
    try:
        yield Check("Store opens", True, f"unlocked as {store.operator}")
        result = store.integrity()
        bad = result["integrity_check"] + result["cipher_integrity_check"]
        yield Check(
            "Integrity checks",
            not bad,
            "integrity_check and cipher_integrity_check clean" if not bad else "; ".join(bad[:5]),
            "Stop using this desktop for new cases and restore the latest backup." if bad else "",
        )
        rows = [r for r in store.attachments.all() if r["purged_at"] is None]
        broken = []
        for row in rows:
            try:
                if (
                    store.media.verify(row["id"], store.attachments.key_of(row["id"]))
                    != row["sha256"]
                ):
                    broken.append(row["id"])
            except StoreError:
                broken.append(row["id"])
        yield Check(
            "Media files",
            not broken,
            f"{len(rows)} file(s) decrypt and match"
            if not broken
            else f"{len(broken)} of {len(rows)} file(s) missing or damaged",
            "Restore the media folder from the latest backup." if broken else "",
        )
        pending = store.outbox.pending_count()
        yield Check("Waiting to sync", True, f"{pending} change(s) waiting for the hub")
    finally:
        store.close()
