"""Store errors: codes with parameters, never sentences (the UI and CLI word them)."""

from __future__ import annotations

from spoke_client.domain.coded_error import CodedError


class StoreError(CodedError):
    """Base of every store failure. ``code`` is stable; ``params`` carry the numbers."""

    code = "store-error"


class DiskFull(StoreError):
    """Free space is below what a save needs plus the reserve kept for the database."""

    code = "disk-full"


class MediaCorrupt(StoreError):
    """An encrypted media file failed authentication (changed, truncated or wrong key)."""

    code = "media-corrupt"


class MediaMissing(StoreError):
    code = "media-missing"


class WrongPin(StoreError):
    code = "wrong-pin"


class PinTooShort(StoreError):
    code = "pin-too-short"


class PinBackoff(StoreError):
    """Too soon after a wrong PIN; ``retry_after_seconds`` says how long to wait."""

    code = "pin-backoff"


class OperatorLocked(StoreError):
    """Five wrong PINs: only the recovery code unlocks this operator again."""

    code = "operator-locked"


class UnknownOperator(StoreError):
    code = "unknown-operator"


class OperatorExists(StoreError):
    code = "operator-exists"


class WrongRecoveryCode(StoreError):
    code = "wrong-recovery-code"


class StoreMissing(StoreError):
    code = "store-missing"


class StoreExists(StoreError):
    code = "store-exists"


class StoreNewerThanApp(StoreError):
    """The database was migrated by a newer version of the app; we never downgrade."""

    code = "store-newer-than-app"


class StoreUnreadable(StoreError):
    """The key does not open the database, or the file is not a Spoke store."""

    code = "store-unreadable"


class KeySlotFileCorrupt(StoreError):
    code = "keyslot-file-corrupt"


class NotFound(StoreError):
    code = "not-found"


class RestoreTargetNotEmpty(StoreError):
    code = "restore-target-not-empty"


class BackupCorrupt(StoreError):
    code = "backup-corrupt"
