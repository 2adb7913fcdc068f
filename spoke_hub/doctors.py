"""Doctor accounts, their console sessions, failed-login throttling and case notes.

:class:`Doctors` works on a :class:`~spoke_hub.store.HubStore`'s connection (the tables are
in :mod:`spoke_hub.db`). Passwords are kept only as argon2id hashes and session tokens only
as sha256 hashes. Case notes are the doctor's own and stay at the hub: they never enter the
change log a spoke pulls. Nothing in this module logs.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from spoke_client.domain.encounter import Specialty
from spoke_client.domain.ids import new_id

from .clock import Clock, iso
from .model import HubRefused
from .store import HubStore

PASSWORD_MIN = 8
PASSWORD_MAX = 1024
USERNAME_MAX = 64
NAME_MAX = 120
NOTE_MAX = 4000
SESSION_HOURS = 12.0
FAILED_LOGINS_PER_MINUTE = 5


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Doctor:
    """A hub doctor. ``specialties`` empty means every specialty."""

    id: str
    username: str
    name: str
    registration: str
    specialties: tuple[Specialty, ...]
    created_at: str
    disabled_at: str | None

    def sees(self, specialty: str | None) -> bool:
        """Whether cases of ``specialty`` are this doctor's (a case without one: everyone's)."""
        return not self.specialties or specialty is None or specialty in self.specialties

    def public(self) -> dict[str, object]:
        """What the console shows about the doctor signed in."""
        return {
            "username": self.username,
            "name": self.name,
            "registration": self.registration,
            "specialties": [s.value for s in self.specialties],
        }


@dataclass(frozen=True)
class CaseNote:
    id: str
    encounter_id: str
    doctor_id: str
    doctor_name: str
    text: str
    at: str


class LoginThrottle:
    """Failed logins per username in a sliding minute; at the limit, logins are refused
    (429) until the oldest failure is a minute old. Kept in memory: a restart forgets it."""

    def __init__(self, clock: Clock, limit: int = FAILED_LOGINS_PER_MINUTE) -> None:
        self.clock, self.limit = clock, limit
        self._failures: dict[str, deque[datetime]] = defaultdict(deque)
        self._lock = threading.Lock()  # login runs on FastAPI's worker threads

    def _recent(self, username: str) -> deque[datetime]:
        failures = self._failures[username]
        cutoff = self.clock() - timedelta(minutes=1)
        while failures and failures[0] <= cutoff:
            failures.popleft()
        if not failures:
            del self._failures[username]
            return deque()
        return failures

    def retry_after(self, username: str) -> int | None:
        """Seconds to wait before ``username`` may try again, or None if it may now."""
        with self._lock:
            failures = self._recent(username.strip().lower())
            if len(failures) < self.limit:
                return None
            left = failures[0] + timedelta(minutes=1) - self.clock()
        return max(1, int(left.total_seconds()) + 1)

    def failed(self, username: str) -> None:
        with self._lock:
            self._failures[username.strip().lower()].append(self.clock())

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username.strip().lower(), None)


class Doctors:
    """Doctor accounts, sessions and case notes in a hub's database."""

    _COLUMNS = "id, username, name, registration, specialties, created_at, disabled_at"

    def __init__(self, store: HubStore, *, hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self.hasher = hasher or PasswordHasher()
        # Checked against when a username is unknown, so both answers take as long.
        self._dummy_hash = self.hasher.hash(secrets.token_hex(16))

    def _now(self, now: datetime | None) -> datetime:
        return self.store.clock() if now is None else now

    @staticmethod
    def _doctor(row: dict) -> Doctor:
        return Doctor(
            id=row["id"],
            username=row["username"],
            name=row["name"],
            registration=row["registration"],
            specialties=tuple(Specialty(s) for s in json.loads(row["specialties"])),
            created_at=row["created_at"],
            disabled_at=row["disabled_at"],
        )

    # ---- accounts ---------------------------------------------------------------------------

    def add(
        self,
        username: str,
        *,
        name: str,
        registration: str,
        password: str,
        specialties: tuple[Specialty | str, ...] = (),
        now: datetime | None = None,
    ) -> Doctor:
        """A new doctor account. HubRefused ``bad-username``, ``bad-name``,
        ``bad-registration``, ``bad-specialty``, ``short-password`` or
        ``duplicate-username``."""
        username = username.strip().lower()
        if not username or len(username) > USERNAME_MAX or any(c.isspace() for c in username):
            raise HubRefused(
                "bad-username",
                f"A username needs 1 to {USERNAME_MAX} characters and no spaces.",
            )
        name, registration = name.strip(), registration.strip()
        if not name or len(name) > NAME_MAX:
            raise HubRefused("bad-name", f"A doctor's name needs 1 to {NAME_MAX} characters.")
        if not registration or len(registration) > NAME_MAX:
            raise HubRefused(
                "bad-registration",
                f"The medical registration number needs 1 to {NAME_MAX} characters.",
            )
        chosen: list[str] = []
        for raw in specialties:
            try:
                value = Specialty(raw).value
            except ValueError:
                names = ", ".join(s.value for s in Specialty)
                raise HubRefused(
                    "bad-specialty", f"{raw!r} is not a specialty (specialties: {names})."
                ) from None
            if value not in chosen:
                chosen.append(value)
        if len(password) < PASSWORD_MIN:
            raise HubRefused(
                "short-password", f"The password must have at least {PASSWORD_MIN} characters."
            )
        if len(password) > PASSWORD_MAX:
            raise HubRefused(
                "long-password", f"The password must have at most {PASSWORD_MAX} characters."
            )
        password_hash = self.hasher.hash(password)
        doctor_id = new_id()
        with self.store.transaction() as conn:
            if conn.execute("SELECT 1 FROM doctors WHERE username = ?", (username,)).fetchone():
                raise HubRefused(
                    "duplicate-username",
                    f"There is already a doctor with the username {username}; choose another.",
                )
            conn.execute(
                "INSERT INTO doctors(id, username, name, registration, specialties,"
                " password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    doctor_id,
                    username,
                    name,
                    registration,
                    json.dumps(chosen),
                    password_hash,
                    iso(self._now(now)),
                ),
            )
        found = self.get(doctor_id)
        assert found is not None
        return found

    def get(self, doctor_id: str) -> Doctor | None:
        rows = self.store._query(f"SELECT {self._COLUMNS} FROM doctors WHERE id = ?", (doctor_id,))
        return self._doctor(dict(rows[0])) if rows else None

    def by_username(self, username: str) -> Doctor | None:
        rows = self.store._query(
            f"SELECT {self._COLUMNS} FROM doctors WHERE username = ?", (username.strip().lower(),)
        )
        return self._doctor(dict(rows[0])) if rows else None

    def all(self) -> list[Doctor]:
        rows = self.store._query(f"SELECT {self._COLUMNS} FROM doctors ORDER BY username")
        return [self._doctor(dict(r)) for r in rows]

    def disable(self, username: str, *, now: datetime | None = None) -> Doctor:
        """Disable an account for good and end its sessions (HubRefused ``not-found``)."""
        username = username.strip().lower()
        with self.store.transaction() as conn:
            row = conn.execute("SELECT id FROM doctors WHERE username = ?", (username,)).fetchone()
            if row is None:
                raise HubRefused("not-found", f"There is no doctor with the username {username}.")
            conn.execute(
                "UPDATE doctors SET disabled_at = COALESCE(disabled_at, ?) WHERE id = ?",
                (iso(self._now(now)), row["id"]),
            )
            conn.execute("DELETE FROM doctor_sessions WHERE doctor_id = ?", (row["id"],))
        found = self.get(row["id"])
        assert found is not None
        return found

    def check_password(self, username: str, password: str) -> Doctor | None:
        """The enabled doctor ``username`` if ``password`` is theirs, else None (an unknown
        user, a wrong password and a disabled account look the same to the caller)."""
        rows = self.store._query(
            f"SELECT {self._COLUMNS}, password_hash FROM doctors WHERE username = ?",
            (username.strip().lower(),),
        )
        stored = rows[0]["password_hash"] if rows else self._dummy_hash
        try:
            ok = self.hasher.verify(stored, password[:PASSWORD_MAX])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or not rows:
            return None
        doctor = self._doctor(dict(rows[0]))
        return None if doctor.disabled_at else doctor

    # ---- sessions ---------------------------------------------------------------------------

    def open_session(
        self, doctor: Doctor, *, hours: float = SESSION_HOURS, now: datetime | None = None
    ) -> str:
        """A new session token for ``doctor`` (only its hash is kept); expired sessions of
        every doctor are cleared on the way."""
        at = self._now(now)
        token = secrets.token_urlsafe(32)
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM doctor_sessions WHERE expires_at <= ?", (iso(at),))
            conn.execute(
                "INSERT INTO doctor_sessions(token_hash, doctor_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (_sha256(token), doctor.id, iso(at), iso(at + timedelta(hours=hours))),
            )
        return token

    def session_doctor(self, token: str | None, *, now: datetime | None = None) -> Doctor | None:
        """The enabled doctor of a live session ``token``, else None."""
        if not token:
            return None
        rows = self.store._query(
            "SELECT d.id, d.username, d.name, d.registration, d.specialties, d.created_at,"
            " d.disabled_at FROM doctor_sessions s JOIN doctors d ON d.id = s.doctor_id"
            " WHERE s.token_hash = ? AND s.expires_at > ? AND d.disabled_at IS NULL",
            (_sha256(token), iso(self._now(now))),
        )
        return self._doctor(dict(rows[0])) if rows else None

    def close_session(self, token: str | None) -> None:
        if not token:
            return
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM doctor_sessions WHERE token_hash = ?", (_sha256(token),))

    # ---- case notes -------------------------------------------------------------------------

    def add_note(
        self, encounter_id: str, doctor: Doctor, text: str, *, now: datetime | None = None
    ) -> CaseNote:
        """Store a doctor's note on a case (HubRefused ``bad-note`` if empty or too long)."""
        text = text.strip()
        if not text or len(text) > NOTE_MAX:
            raise HubRefused("bad-note", f"A note needs 1 to {NOTE_MAX} characters.")
        note = CaseNote(new_id(), encounter_id, doctor.id, doctor.name, text, iso(self._now(now)))
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO case_notes(id, encounter_id, doctor_id, text, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (note.id, encounter_id, doctor.id, text, note.at),
            )
        return note

    def notes(self, encounter_id: str) -> list[CaseNote]:
        rows = self.store._query(
            "SELECT n.id, n.encounter_id, n.doctor_id, d.name AS doctor_name, n.text, n.at"
            " FROM case_notes n JOIN doctors d ON d.id = n.doctor_id"
            " WHERE n.encounter_id = ? ORDER BY n.at, n.id",
            (encounter_id,),
        )
        return [CaseNote(**dict(r)) for r in rows]
