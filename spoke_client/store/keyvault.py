"""The key vault: one random database key, wrapped once per operator PIN and once for recovery.

The key-slot file (``keyslots.json`` beside the database) holds, per operator, the database
key sealed with AES-GCM under a key derived from that operator's PIN with Argon2id, plus a
slot sealed under the recovery code that district IT keeps. It also holds the wrong-PIN
counters and the failed-login events that happen while the database is still locked (they
are moved into the audit log at the next unlock). It holds no patient data.

Wrong PINs: the counter is raised *before* the PIN is tried, so killing the app during the
slow key derivation does not earn a free try; a correct PIN resets it. After each wrong PIN
the operator waits ``BACKOFF_SECONDS[n]``; after ``MAX_WRONG_PINS`` the slot is locked until
the recovery code is used to set a new PIN.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spoke_client.store.errors import (
    KeySlotFileCorrupt,
    OperatorExists,
    OperatorLocked,
    PinBackoff,
    PinTooShort,
    StoreExists,
    StoreMissing,
    UnknownOperator,
    WrongPin,
    WrongRecoveryCode,
)

FILE_FORMAT = 1
MIN_PIN_DIGITS = 6
MAX_WRONG_PINS = 5
# Seconds to wait before the next try, indexed by the number of wrong PINs so far.
BACKOFF_SECONDS = (0, 0, 2, 5, 15)
RECOVERY_SLOT = "recovery"
KEY_BYTES = 32
# Recovery code: 25 characters of Crockford-like base32 (no I, L, O, U), grouped by five.
_RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RECOVERY_GROUPS = 5


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost, chosen once at set-up and kept in the key-slot file."""

    time_cost: int
    memory_kib: int
    parallelism: int = 1
    measured_seconds: float = 0.0

    @classmethod
    def light(cls) -> KdfParams:
        """A cheap setting for tests that unlock hundreds of times. Never used by the app."""
        return cls(time_cost=1, memory_kib=8 * 1024, parallelism=1)

    @classmethod
    def tuned(cls, target_seconds: float = 0.5, memory_kib: int = 64 * 1024) -> KdfParams:
        """Raise the time cost until one derivation takes about ``target_seconds`` here."""
        salt = os.urandom(16)
        time_cost = 1
        while True:
            start = time.perf_counter()
            _derive(b"000000", salt, cls(time_cost, memory_kib))
            took = time.perf_counter() - start
            if took >= target_seconds * 0.9 or time_cost >= 64:
                return cls(time_cost, memory_kib, 1, round(took, 3))
            # Scale towards the target in one step, then creep.
            time_cost = max(time_cost + 1, int(time_cost * target_seconds / max(took, 1e-3)))


def _derive(secret: bytes, salt: bytes, kdf: KdfParams) -> bytes:
    # argon2 and cryptography load on first use, so the login screen (which only lists the
    # operators from this file) comes up without them.
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        secret,
        salt,
        time_cost=kdf.time_cost,
        memory_cost=kdf.memory_kib,
        parallelism=kdf.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def check_pin_format(pin: str) -> None:
    if not pin.isdigit() or len(pin) < MIN_PIN_DIGITS or not pin.isascii():
        raise PinTooShort(min_digits=MIN_PIN_DIGITS)


def new_recovery_code() -> str:
    chars = [secrets.choice(_RECOVERY_ALPHABET) for _ in range(5 * _RECOVERY_GROUPS)]
    return "-".join("".join(chars[i : i + 5]) for i in range(0, len(chars), 5))


def normalise_recovery_code(code: str) -> str:
    """Accept the code as typed: any case, spaces or dashes, O for 0 and I/L for 1."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    return "-".join(cleaned[i : i + 5] for i in range(0, len(cleaned), 5))


@dataclass
class _Slot:
    salt: str
    nonce: str
    wrapped: str
    wrong_pins: int = 0
    last_wrong_at: float = 0.0
    locked: bool = False
    created_at: str = ""


class KeyVault:
    """Reads and writes the key-slot file. Every change is written atomically and fsynced."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._data: dict[str, Any] = {}

    # ---- file ---------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    def _load(self) -> None:
        if not self.path.exists():
            raise StoreMissing(path=str(self.path))
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != FILE_FORMAT or "slots" not in data:
                raise ValueError("format")
        except (ValueError, OSError) as exc:
            raise KeySlotFileCorrupt(path=str(self.path), reason=type(exc).__name__) from exc
        self._data = data

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self._data, indent=1, sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=".keyslots-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.path.parent)

    @property
    def kdf(self) -> KdfParams:
        return KdfParams(**self._data["kdf"])

    # ---- set-up ---------------------------------------------------------------------------
    def create(self, operator: str, pin: str, *, kdf: KdfParams) -> tuple[bytes, str]:
        """Make a new database key, the first operator's slot and the recovery slot.

        Returns ``(database_key, recovery_code)``; the code is shown once and never stored.
        """
        if self.path.exists():
            raise StoreExists(path=str(self.path))
        check_pin_format(pin)
        db_key = secrets.token_bytes(KEY_BYTES)
        recovery = new_recovery_code()
        self._data = {
            "format": FILE_FORMAT,
            "kdf": asdict(kdf),
            "created_at": self._now_iso(),
            "slots": {},
            "pending_audit": [],
        }
        self._data["slots"][_slot_name(operator)] = asdict(self._seal(db_key, operator, pin))
        self._data["slots"][RECOVERY_SLOT] = asdict(
            self._seal(db_key, RECOVERY_SLOT, normalise_recovery_code(recovery))
        )
        self._save()
        return db_key, recovery

    def _seal(self, db_key: bytes, slot: str, secret: str) -> _Slot:
        salt = os.urandom(16)
        nonce = os.urandom(12)
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        wrapping = _derive(secret.encode("utf-8"), salt, self.kdf)
        wrapped = AESGCM(wrapping).encrypt(nonce, db_key, _aad(slot))
        return _Slot(_b64(salt), _b64(nonce), _b64(wrapped), created_at=self._now_iso())

    def _open_slot(self, slot: str, secret: str) -> bytes | None:
        raw = self._data["slots"][_slot_name(slot) if slot != RECOVERY_SLOT else slot]
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        wrapping = _derive(secret.encode("utf-8"), _unb64(raw["salt"]), self.kdf)
        try:
            return AESGCM(wrapping).decrypt(
                _unb64(raw["nonce"]), _unb64(raw["wrapped"]), _aad(slot)
            )
        except InvalidTag:
            return None

    # ---- operators ------------------------------------------------------------------------
    def operators(self) -> list[dict[str, Any]]:
        """Operator names with their lock state (no secrets), for the login screen and CLI."""
        self._load()
        now = self._clock()
        out = []
        for name, raw in sorted(self._data["slots"].items()):
            if name == RECOVERY_SLOT:
                continue
            operator = name.removeprefix("op:")
            out.append(
                {
                    "operator": operator,
                    "locked": raw["locked"],
                    "wrong_pins": raw["wrong_pins"],
                    "retry_after_seconds": self._wait_left(raw, now),
                }
            )
        return out

    def has_operator(self, operator: str) -> bool:
        self._load()
        return _slot_name(operator) in self._data["slots"]

    def add_operator(self, db_key: bytes, operator: str, pin: str) -> None:
        """Add a slot for a new operator. Needs the key, so the store must be unlocked."""
        self._load()
        check_pin_format(pin)
        if _slot_name(operator) in self._data["slots"]:
            raise OperatorExists(operator=operator)
        self._data["slots"][_slot_name(operator)] = asdict(self._seal(db_key, operator, pin))
        self._save()

    def change_pin(self, db_key: bytes, operator: str, new_pin: str) -> None:
        """Re-wrap the same database key under a new PIN; clears the wrong-PIN count and lock."""
        self._load()
        check_pin_format(new_pin)
        if _slot_name(operator) not in self._data["slots"]:
            raise UnknownOperator(operator=operator)
        self._data["slots"][_slot_name(operator)] = asdict(self._seal(db_key, operator, new_pin))
        self._save()

    # ---- unlocking ------------------------------------------------------------------------
    def unlock(self, operator: str, pin: str) -> bytes:
        """Return the database key, or raise WrongPin / PinBackoff / OperatorLocked."""
        self._load()
        name = _slot_name(operator)
        raw = self._data["slots"].get(name)
        if raw is None:
            self._record_failure_event(operator, "unknown-operator")
            self._save()
            raise UnknownOperator(operator=operator)
        if raw["locked"]:
            raise OperatorLocked(operator=operator)
        now = self._clock()
        wait = self._wait_left(raw, now)
        if wait > 0:
            raise PinBackoff(operator=operator, retry_after_seconds=wait)
        # Count the try before the slow derivation, so a killed process does not earn one.
        raw["wrong_pins"] += 1
        raw["last_wrong_at"] = now
        self._save()
        key = self._open_slot(operator, pin) if pin.isascii() and pin.isdigit() else None
        if key is None:
            tries_left = MAX_WRONG_PINS - raw["wrong_pins"]
            if tries_left <= 0:
                raw["locked"] = True
            self._record_failure_event(operator, "wrong-pin")
            self._save()
            if raw["locked"]:
                raise OperatorLocked(operator=operator)
            raise WrongPin(operator=operator, tries_left=tries_left)
        raw["wrong_pins"] = 0
        raw["last_wrong_at"] = 0.0
        self._save()
        return key

    def unlock_with_recovery(self, code: str) -> bytes:
        self._load()
        key = self._open_slot(RECOVERY_SLOT, normalise_recovery_code(code))
        if key is None:
            self._record_failure_event(RECOVERY_SLOT, "wrong-recovery-code")
            self._save()
            raise WrongRecoveryCode()
        return key

    def _wait_left(self, raw: dict[str, Any], now: float) -> int:
        n = raw["wrong_pins"]
        if n <= 0 or raw["locked"]:
            return 0
        delay = BACKOFF_SECONDS[min(n, len(BACKOFF_SECONDS) - 1)]
        since = now - raw["last_wrong_at"]
        if since < 0:  # the clock went backwards: do not lock anyone out for a year
            return 0
        return max(0, int(delay - since + 0.999))

    # ---- failed logins while locked -------------------------------------------------------
    def _record_failure_event(self, operator: str, action: str) -> None:
        events = self._data.setdefault("pending_audit", [])
        events.append({"at": self._now_iso(), "operator": operator, "action": action})
        del events[:-500]  # bounded: a jammed keyboard must not grow the file for ever

    def take_pending_audit(self) -> list[dict[str, str]]:
        """Failed-login events recorded while the store was locked; cleared once taken."""
        self._load()
        events = list(self._data.get("pending_audit", []))
        if events:
            self._data["pending_audit"] = []
            self._save()
        return events

    def _now_iso(self) -> str:
        return datetime.fromtimestamp(self._clock(), UTC).isoformat(timespec="seconds")


def _slot_name(operator: str) -> str:
    return f"op:{operator}"


def _aad(slot: str) -> bytes:
    return f"spoke-keyslot:{FILE_FORMAT}:{slot}".encode()


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
