"""Export and restore: a consistent, still-encrypted copy of one centre's store.

Export copies the database through the SQLite backup API (never a file copy: the WAL may
hold committed pages the main file does not), then the key-slot file, then the media files
the copied database refers to (they are immutable once published, so copying them after the
database snapshot is consistent). A manifest lists every file with its size and sha256.

Restore goes into an empty data folder only, checks every file against the manifest, then
proves the copy opens with the recovery code and that every media file decrypts to the
sha256 the database recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from spoke_client.store.errors import BackupCorrupt, RestoreTargetNotEmpty
from spoke_client.store.store import Store, StorePaths

MANIFEST = "manifest.json"
FORMAT = 1
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class BackupSummary:
    patients: int
    encounters: int
    media_files: int
    media_bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _no_progress(done: int, total: int, what: str) -> None:
    return None


def _copy_durably(src: Path, dst: Path) -> None:
    with src.open("rb") as fin, dst.open("wb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
        fout.flush()
        os.fsync(fout.fileno())


def export_backup(store: Store, dest: Path, *, progress: Progress = _no_progress) -> BackupSummary:
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise RestoreTargetNotEmpty(path=str(dest))
    (dest / "media").mkdir(parents=True, exist_ok=True)
    target = StorePaths(dest)
    store.backup_database_to(target.db)
    for sidecar in ("-wal", "-shm"):
        target.db.with_name(target.db.name + sidecar).unlink(missing_ok=True)
    _copy_durably(store.paths.keyslots, target.keyslots)
    media = [r for r in store.attachments.all() if r["purged_at"] is None]
    files: dict[str, dict[str, object]] = {}
    total_bytes = 0
    for done, row in enumerate(media, 1):
        src = store.media.path_of(row["id"])
        dst = target.media / src.name
        _copy_durably(src, dst)
        total_bytes += row["size"]
        progress(done, len(media), "media files")
    for path in [target.db, target.keyslots, *sorted(target.media.iterdir())]:
        files[path.relative_to(dest).as_posix()] = {
            "size": path.stat().st_size,
            "sha256": _sha256(path),
        }
    summary = BackupSummary(
        store.patients.count(), store.encounters.count(), len(media), total_bytes
    )
    manifest = {
        "format": FORMAT,
        "created_at": store.now(),
        "facility": store.facility()["code"],
        "files": files,
        "counts": summary.__dict__,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    with store.write():
        store.audit.record("export", detail={"files": len(files)})
    return summary


def restore_backup(
    source: Path, paths: StorePaths, recovery_code: str, *, progress: Progress = _no_progress
) -> BackupSummary:
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        files: dict[str, dict] = manifest["files"]
    except (OSError, ValueError, KeyError) as exc:
        raise BackupCorrupt(path=str(source), reason="manifest") from exc
    if paths.root.exists() and any(paths.root.iterdir()):
        raise RestoreTargetNotEmpty(path=str(paths.root))
    for name, meta in files.items():
        path = source / name
        if (
            not path.is_file()
            or path.stat().st_size != meta["size"]
            or _sha256(path) != meta["sha256"]
        ):
            raise BackupCorrupt(path=str(source), file=name, reason="checksum")
    staging = paths.root.with_name(paths.root.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "media").mkdir(parents=True)
    for done, name in enumerate(files, 1):
        _copy_durably(source / name, staging / name)
        progress(done, len(files), "files")
    # Prove it opens and every media file decrypts to what the database says, before
    # the restored store takes the data folder's place.
    store = Store.open_with_recovery(StorePaths(staging), recovery_code)
    try:
        check = store.integrity()
        if check["integrity_check"] or check["cipher_integrity_check"]:
            raise BackupCorrupt(path=str(source), reason="integrity", detail=check)
        rows = [r for r in store.attachments.all() if r["purged_at"] is None]
        for row in rows:
            if store.media.verify(row["id"], store.attachments.key_of(row["id"])) != row["sha256"]:
                raise BackupCorrupt(path=str(source), file=row["id"], reason="media-sha256")
        summary = BackupSummary(
            store.patients.count(),
            store.encounters.count(),
            len(rows),
            sum(r["size"] for r in rows),
        )
        with store.write():
            store.audit.record("restore", detail={"from_created_at": manifest.get("created_at")})
    finally:
        store.close()
    if paths.root.exists():
        paths.root.rmdir()  # empty, checked above
    os.replace(staging, paths.root)
    return summary
