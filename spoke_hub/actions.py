"""Hub-side actions on a case: move its state, prescribe, send a message.

These are what a doctor does at the hub (for the pilot, through ``spoke-hub case ...``;
later through the doctor console). Each writes a row in ``changes`` for the case's
facility, which that facility's spokes fetch with ``GET /v1/pull``. Moves are checked
against the domain's :data:`~spoke_client.domain.encounter.TRANSITIONS` for the hub side.

:class:`HubActions` is a mixin of :class:`spoke_hub.store.HubStore`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from spoke_client.domain.encounter import TRANSITIONS, CaseState, Side, allowed_moves
from spoke_client.domain.ids import new_id
from spoke_client.domain.prescription import Prescription
from spoke_client.domain.refusals import DomainRefused, refusal_params
from spoke_client.sync.protocol import ChangeKind, ErrorCode, RejectCode

from .clock import Clock, iso
from .model import HubRefused

MESSAGE_MAX = 4000
AUTHOR_MAX = 120


def add_change(
    conn: sqlite3.Connection,
    *,
    facility: str,
    encounter_id: str,
    kind: ChangeKind,
    payload: dict[str, Any],
    at: str,
) -> int:
    """Append a change for ``facility``'s spokes; its seq."""
    cur = conn.execute(
        "INSERT INTO changes(facility, encounter_id, kind, payload, at) VALUES (?, ?, ?, ?, ?)",
        (facility, encounter_id, kind.value, json.dumps(payload, sort_keys=True), at),
    )
    return int(cur.lastrowid or 0)


def _words(refused: DomainRefused) -> str:
    parts = []
    for r in refused.refusals:
        params = refusal_params(r)
        parts.append(f"{params.get('field', r.code)}: {params.get('reason', r.code)}")
    return "; ".join(parts)


class HubActions:
    """Case actions (mixed into HubStore, which supplies the attributes below)."""

    clock: Clock
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def _case(self, conn: sqlite3.Connection, case_id: str) -> sqlite3.Row:
        row = conn.execute(
            "SELECT id, facility, state, record FROM encounters WHERE id = ?", (case_id,)
        ).fetchone()
        if row is None:
            raise HubRefused(
                ErrorCode.NOT_FOUND,
                f"The hub has no case {case_id} (it arrives when the spoke syncs it).",
            )
        return row

    def _set_state(
        self,
        conn: sqlite3.Connection,
        case: sqlite3.Row,
        to: CaseState,
        reason: str | None,
        at: str,
    ) -> int:
        record = json.loads(case["record"])
        record["state"] = to.value
        conn.execute(
            "UPDATE encounters SET state = ?, state_by = ?, record = ?, updated_at = ?"
            " WHERE id = ?",
            (to.value, Side.HUB.value, json.dumps(record, sort_keys=True), at, case["id"]),
        )
        return add_change(
            conn,
            facility=case["facility"],
            encounter_id=case["id"],
            kind=ChangeKind.CASE_STATE,
            payload={"state": to.value, "reason": reason},
            at=at,
        )

    def move_case(
        self, case_id: str, state: str, *, reason: str | None = None, now: datetime | None = None
    ) -> int:
        """Move a case as the hub (a doctor accepted it, asked a question...); the change's
        seq. Refuses (HubRefused ``illegal-state``) a move the hub does not own."""
        try:
            to = CaseState(state)
        except ValueError:
            names = ", ".join(s.value for s in CaseState)
            raise HubRefused(
                "bad-state", f"{state!r} is not a case state (states: {names})."
            ) from None
        at = iso(self.clock() if now is None else now)
        with self.transaction() as conn:
            case = self._case(conn, case_id)
            current = CaseState(case["state"])
            owner = TRANSITIONS.get((current, to))
            if owner is not Side.HUB:
                hub_moves = ", ".join(sorted(s.value for s in allowed_moves(current, Side.HUB)))
                why = (
                    "that move belongs to the spoke"
                    if owner is Side.SPOKE
                    else "the case-state table has no such move"
                )
                raise HubRefused(
                    RejectCode.ILLEGAL_STATE,
                    f"The hub cannot move case {case_id} from {current.value} to {to.value}: "
                    f"{why}. From {current.value} the hub may move it to: "
                    f"{hub_moves or 'nothing'}.",
                    from_state=current.value,
                    to_state=to.value,
                )
            return self._set_state(conn, case, to, reason, at)

    def prescribe(
        self, case_id: str, record: dict[str, Any], *, now: datetime | None = None
    ) -> int:
        """Issue a prescription for a case; the prescription change's seq.

        ``id`` and ``issued_at`` are filled in if missing, ``encounter_id`` must be the
        case (or missing). The prescription is checked with
        :meth:`Prescription.from_record`. If the case is not yet ``prescribed`` it is moved
        there first (a hub move, with its own ``case_state`` change just before the
        ``prescription`` change); a case from which the hub cannot prescribe is refused.
        """
        at_dt = self.clock() if now is None else now
        at = iso(at_dt)
        if not isinstance(record, dict):
            raise HubRefused("invalid-prescription", "A prescription must be a JSON object.")
        record = dict(record)
        record.setdefault("id", new_id())
        record.setdefault("issued_at", at_dt.isoformat())
        if record.setdefault("encounter_id", case_id) != case_id:
            raise HubRefused(
                "invalid-prescription", "The prescription's encounter_id is another case."
            )
        try:
            rx = Prescription.from_record(record)
        except DomainRefused as refused:
            raise HubRefused(
                "invalid-prescription",
                f"The prescription cannot be issued: {_words(refused)}.",
            ) from None
        with self.transaction() as conn:
            case = self._case(conn, case_id)
            if conn.execute("SELECT 1 FROM prescriptions WHERE id = ?", (rx.id,)).fetchone():
                raise HubRefused(
                    "duplicate-prescription",
                    f"A prescription with the id {rx.id} was already issued; give a new id "
                    "(or leave id out of the file).",
                )
            current = CaseState(case["state"])
            if current is not CaseState.PRESCRIBED:
                if TRANSITIONS.get((current, CaseState.PRESCRIBED)) is not Side.HUB:
                    raise HubRefused(
                        RejectCode.ILLEGAL_STATE,
                        f"Case {case_id} is {current.value}; a prescription can be issued "
                        "only from in_consult, sent_for_review or awaiting_prescription.",
                        from_state=current.value,
                        to_state=CaseState.PRESCRIBED.value,
                    )
                self._set_state(conn, case, CaseState.PRESCRIBED, None, at)
            payload = rx.to_record()
            conn.execute(
                "INSERT INTO prescriptions(id, facility, encounter_id, record, issued_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (rx.id, case["facility"], case_id, json.dumps(payload), payload["issued_at"]),
            )
            return add_change(
                conn,
                facility=case["facility"],
                encounter_id=case_id,
                kind=ChangeKind.PRESCRIPTION,
                payload=payload,
                at=at,
            )

    def message(
        self,
        case_id: str,
        text: str,
        *,
        author: str = "hub doctor",
        now: datetime | None = None,
    ) -> int:
        """Send a message about a case to its spoke; the change's seq."""
        text = text.strip()
        if not text or len(text) > MESSAGE_MAX:
            raise HubRefused("bad-message", f"A message needs 1 to {MESSAGE_MAX} characters.")
        if not author.strip() or len(author) > AUTHOR_MAX:
            raise HubRefused("bad-message", f"An author needs 1 to {AUTHOR_MAX} characters.")
        at = iso(self.clock() if now is None else now)
        message_id = new_id()
        with self.transaction() as conn:
            case = self._case(conn, case_id)
            conn.execute(
                "INSERT INTO messages(id, facility, encounter_id, text, author, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (message_id, case["facility"], case_id, text, author.strip(), at),
            )
            return add_change(
                conn,
                facility=case["facility"],
                encounter_id=case_id,
                kind=ChangeKind.MESSAGE,
                payload={"id": message_id, "text": text, "author": author.strip(), "at": at},
                at=at,
            )
