"""The store's side of sync: the hub link, the cursor and epoch, what is due to go, what
the hub answered, and what it sent back. Runs on the store worker like every repository.

Outbox rows move ``pending`` -> ``sent`` (the hub applied them) or ``rejected`` (the hub
refused them for good, with a reason code). A ``retry`` answer leaves a row pending. Every
batch of answers, and every pulled batch with its cursor, is written in one transaction,
so a crash never leaves a row marked sent that the hub did not take, nor a cursor past
changes that were not applied.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from spoke_client.domain.encounter import CaseState
from spoke_client.domain.prescription import Prescription
from spoke_client.domain.refusals import DomainRefused

if TYPE_CHECKING:
    from spoke_client.store.store import Store

# Within one batch the hub needs a patient before its encounters, an encounter before its
# attachments; across batches the outbox order already gives that.
_RANK = {"patient": 0, "encounter": 1, "attachment": 2}

# An attachment waits until its case has left the draft (decision 0002): until then there is
# no encounter op for the hub to hang it on.
_DUE = """
    o.state = 'pending' AND (
        o.entity != 'attachment' OR EXISTS (
            SELECT 1 FROM attachments a JOIN outbox x
              ON x.entity = 'encounter' AND x.entity_id = a.encounter_id
            WHERE a.id = o.entity_id))
"""

_MEDIA_DUE = """
    a.removed_at IS NULL AND a.confirmed_at IS NULL AND a.purged_at IS NULL
    AND EXISTS (SELECT 1 FROM outbox x WHERE x.entity = 'encounter'
                AND x.entity_id = a.encounter_id)
    AND NOT EXISTS (SELECT 1 FROM outbox r WHERE r.entity = 'attachment'
                    AND r.entity_id = a.id AND r.state = 'rejected')
"""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class SyncRepo:
    def __init__(self, store: Store) -> None:
        self.s = store

    # ---- the hub link (device credential: kept only inside the encrypted database) --------
    def link(self) -> dict | None:
        rows = list(self.s.db.query("SELECT * FROM hub_link WHERE id = 1"))
        if not rows:
            return None
        row = rows[0]
        row["extra"] = json.loads(row["extra"] or "{}")
        return row

    def save_link(self, link: dict) -> None:
        values = {
            k: link.get(k)
            for k in (
                "hub_url",
                "device_id",
                "token",
                "facility_code",
                "facility_name",
                "hub_id",
                "ca_bundle",
                "pinned_sha256",
            )
        }
        values |= {"id": 1, "extra": _json(link.get("extra") or {}), "enrolled_at": self.s.now()}
        with self.s.write():
            self.s.conn.execute("DELETE FROM hub_link")
            self.s.db["hub_link"].insert(values)
            # A new hub (or a new enrolment) starts from the beginning: nothing was sent there,
            # and a problem with the old link (not enrolled, revoked) is no longer the truth.
            self.s.conn.execute(
                "DELETE FROM sync_state WHERE key IN ('cursor', 'epoch', 'last_error')"
            )
            self.s.conn.execute(
                "UPDATE outbox SET state = 'pending', acked_epoch = NULL WHERE state = 'sent'"
            )
            self.s.conn.execute("UPDATE attachments SET upload_url = NULL, confirmed_at = NULL")
            self.s.audit.record(
                "hub-provisioned",
                entity="hub",
                detail={"hub": values["hub_url"], "device": values["device_id"]},
            )

    # ---- small state: cursor, epoch, last success / error, clock skew ----------------------
    def state(self) -> dict[str, Any]:
        return {
            r["key"]: json.loads(r["value"]) for r in self.s.db.query("SELECT * FROM sync_state")
        }

    def put_state(self, **values: Any) -> None:
        with self.s.write(check_disk=False):
            for key, value in values.items():
                self.s.conn.execute(
                    "INSERT INTO sync_state (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, _json(value)),
                )

    # ---- push -----------------------------------------------------------------------------
    def due_ops(self, limit: int, after_seq: int = 0) -> list[dict]:
        """The next ``limit`` pending ops after ``after_seq`` in outbox order, dependencies
        first within them."""
        sql = f"SELECT o.* FROM outbox o WHERE {_DUE} AND o.seq > ? ORDER BY o.seq LIMIT ?"
        rows = list(self.s.db.query(sql, [after_seq, limit]))
        rows.sort(key=lambda r: (_RANK.get(r["entity"], 9), r["seq"]))
        return rows

    def apply_results(
        self, results: Iterable[tuple[str, str, str | None, str | None]], epoch: str
    ) -> None:
        """The hub's answers (op_id, status, code, detail), all in one transaction."""
        now = self.s.now()
        with self.s.write(check_disk=False):
            for op_id, status, code, detail in results:
                if status == "applied":
                    self.s.conn.execute(
                        "UPDATE outbox SET state = 'sent', sent_at = ?, acked_epoch = ?,"
                        " last_error = NULL, reject_code = NULL WHERE op_id = ?",
                        (now, epoch, op_id),
                    )
                elif status == "rejected":
                    self.s.conn.execute(
                        "UPDATE outbox SET state = 'rejected', reject_code = ?, last_error = ?,"
                        " attempts = attempts + 1 WHERE op_id = ?",
                        (code or "rejected", detail, op_id),
                    )
                    self.s.audit.record(
                        "sync-rejected", entity="outbox", entity_id=op_id, detail={"code": code}
                    )
                else:  # retry: stays pending
                    self.s.conn.execute(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE op_id = ?",
                        (code or "retry", op_id),
                    )

    def reject(self, op_id: str, code: str, detail: str | None) -> None:
        self.apply_results([(op_id, "rejected", code, detail)], epoch="")

    def rejected(self) -> list[dict]:
        """Rejected ops with what the operator needs to recognise them."""
        sql = (
            "SELECT o.op_id, o.entity, o.entity_id, o.entity_version, o.reject_code,"
            " o.last_error, o.created_at, o.payload FROM outbox o"
            " WHERE o.state = 'rejected' ORDER BY o.seq"
        )
        rows = list(self.s.db.query(sql))
        for row in rows:
            payload = json.loads(row.pop("payload"))
            row["label"] = self._label(row["entity"], row["entity_id"], payload)
        return rows

    def _label(self, entity: str, entity_id: str, payload: dict) -> str:
        """The patient's name the item belongs to (shown only inside the app)."""
        patient_id = {"patient": entity_id, "encounter": payload.get("patient_id")}.get(entity)
        if entity == "attachment":
            row = self.s.conn.execute(
                "SELECT patient_id FROM encounters WHERE id = ?", (payload.get("encounter_id"),)
            ).fetchone()
            patient_id = row[0] if row else None
        row = self.s.conn.execute(
            "SELECT name FROM patients WHERE id = ?", (patient_id,)
        ).fetchone()
        return row[0] if row else ""

    def requeue_rejected(self, op_id: str | None = None) -> int:
        """Send rejected ops again (after the hub was fixed or the app updated)."""
        with self.s.write(check_disk=False):
            cur = self.s.conn.execute(
                "UPDATE outbox SET state = 'pending', reject_code = NULL"
                " WHERE state = 'rejected' AND (? IS NULL OR op_id = ?)",
                (op_id, op_id),
            )
            self.s.audit.record("sync-requeued", entity="outbox", entity_id=op_id)
            return cur.rowcount

    def new_epoch(self, epoch: str) -> int:
        """The hub was restored from an older backup: everything it acknowledged in another
        epoch goes again (replays cost nothing), media are checked again, and pulling starts
        over. Returns how many ops were queued again."""
        with self.s.write(check_disk=False):
            cur = self.s.conn.execute(
                "UPDATE outbox SET state = 'pending' WHERE state = 'sent'"
                " AND (acked_epoch IS NULL OR acked_epoch != ?)",
                (epoch,),
            )
            self.s.conn.execute(
                "UPDATE attachments SET confirmed_at = NULL, upload_url = NULL"
                " WHERE confirmed_at IS NOT NULL AND purged_at IS NULL"
            )
            for key, value in (("epoch", epoch), ("cursor", 0)):
                self.s.conn.execute(
                    "INSERT INTO sync_state (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, _json(value)),
                )
            self.s.audit.record(
                "hub-epoch-changed", entity="hub", detail={"requeued": cur.rowcount}
            )
            return cur.rowcount

    # ---- media ----------------------------------------------------------------------------
    def media_due(self, limit: int = 50) -> list[dict]:
        sql = (
            "SELECT a.id, a.encounter_id, a.mime, a.size, a.sha256, a.upload_url"
            f" FROM attachments a WHERE {_MEDIA_DUE} ORDER BY a.created_at LIMIT ?"
        )
        return list(self.s.db.query(sql, [limit]))

    def set_upload_url(self, media_id: str, url: str | None) -> None:
        with self.s.write(check_disk=False):
            self.s.conn.execute(
                "UPDATE attachments SET upload_url = ? WHERE id = ?", (url, media_id)
            )

    def reject_media(self, media_id: str, code: str, detail: str | None) -> None:
        """The hub will never take this file (too large, or lost here and there): its
        attachment op is listed as refused, with the reason, until someone sends it again."""
        with self.s.write(check_disk=False):
            self.s.conn.execute(
                "UPDATE outbox SET state = 'rejected', reject_code = ?, last_error = ?"
                " WHERE seq = (SELECT max(seq) FROM outbox WHERE entity = 'attachment'"
                " AND entity_id = ?)",
                (code, detail, media_id),
            )
            self.s.audit.record(
                "sync-rejected", entity="attachment", entity_id=media_id, detail={"code": code}
            )

    def confirm_media(self, media_id: str) -> None:
        with self.s.write(check_disk=False):
            self.s.conn.execute(
                "UPDATE attachments SET confirmed_at = ? WHERE id = ?", (self.s.now(), media_id)
            )
            self.s.audit.record("media-confirmed", entity="attachment", entity_id=media_id)

    def purge_confirmed(self, before: str) -> int:
        """Delete local copies the hub confirmed before ``before`` (key and file go; the row
        stays, marked purged). Returns how many were purged."""
        rows = self.s.conn.execute(
            "SELECT id FROM attachments WHERE confirmed_at IS NOT NULL AND confirmed_at < ?"
            " AND purged_at IS NULL",
            (before,),
        ).fetchall()
        for (media_id,) in rows:
            with self.s.write(check_disk=False):
                self.s.conn.execute(
                    "UPDATE attachments SET purged_at = ? WHERE id = ?",
                    (self.s.now(), media_id),
                )
                self.s.audit.record("media-purged", entity="attachment", entity_id=media_id)
            self.s.media.delete(media_id)
        return len(rows)

    # ---- what is waiting ------------------------------------------------------------------
    def waiting(self) -> dict[str, int]:
        ops, op_bytes = self.s.conn.execute(
            f"SELECT count(*), COALESCE(sum(length(o.payload)), 0) FROM outbox o WHERE {_DUE}"
        ).fetchone()
        media, media_bytes = self.s.conn.execute(
            f"SELECT count(*), COALESCE(sum(a.size), 0) FROM attachments a WHERE {_MEDIA_DUE}"
        ).fetchone()
        rejected = self.s.conn.execute(
            "SELECT count(*) FROM outbox WHERE state = 'rejected'"
        ).fetchone()[0]
        return {
            "ops": ops,
            "media": media,
            "bytes": op_bytes + media_bytes,
            "media_bytes": media_bytes,
            "rejected": rejected,
        }

    # ---- pull -----------------------------------------------------------------------------
    def apply_changes(self, changes: list[dict], cursor: int, epoch: str) -> dict[str, int]:
        """A pulled batch and its cursor, in one transaction. Returns counts by outcome."""
        counts = {"case_state": 0, "prescription": 0, "message": 0, "refused": 0}
        now = self.s.now()
        with self.s.write():
            for change in changes:
                kind, encounter_id, payload = (
                    change["kind"],
                    change["encounter_id"],
                    change["payload"],
                )
                row = self.s.conn.execute(
                    "SELECT state, record, version FROM encounters WHERE id = ?", (encounter_id,)
                ).fetchone()
                if row is None:
                    counts["refused"] += 1
                    self.s.audit.record(
                        "hub-change-refused",
                        entity="encounter",
                        entity_id=encounter_id,
                        detail={"seq": change["seq"], "why": "unknown"},
                    )
                    continue
                if kind == "case_state":
                    try:
                        state = CaseState(payload.get("state"))
                    except ValueError:
                        counts["refused"] += 1
                        continue
                    if state.value == row[0]:
                        counts["case_state"] += 1  # already there (a replay, or our own move)
                        continue
                    record = json.loads(row[1])
                    record["state"] = state.value
                    self.s.conn.execute(
                        "UPDATE encounters SET state = ?, record = ?, version = version + 1,"
                        " updated_at = ? WHERE id = ?",
                        (state.value, _json(record), now, encounter_id),
                    )
                    counts["case_state"] += 1
                elif kind == "prescription":
                    try:
                        prescription = Prescription.from_record(payload)
                    except (DomainRefused, KeyError, TypeError, ValueError):
                        counts["refused"] += 1
                        self.s.audit.record(
                            "hub-change-refused",
                            entity="prescription",
                            entity_id=encounter_id,
                            detail={"seq": change["seq"]},
                        )
                        continue
                    self.s.db["prescriptions"].upsert(
                        {
                            "id": prescription.id,
                            "encounter_id": encounter_id,
                            "record": _json(prescription.to_record()),
                            "received_at": now,
                        },
                        pk="id",
                    )
                    counts["prescription"] += 1
                elif kind == "message":
                    message_id = str(payload.get("id") or f"seq-{change['seq']}")
                    self.s.conn.execute(
                        "INSERT OR IGNORE INTO messages (id, encounter_id, record, received_at)"
                        " VALUES (?, ?, ?, ?)",
                        (message_id, encounter_id, _json(payload), now),
                    )
                    counts["message"] += 1
                self.s.audit.record(
                    "hub-change",
                    entity="encounter",
                    entity_id=encounter_id,
                    detail={"kind": kind, "seq": change["seq"]},
                )
            for key, value in (("cursor", cursor), ("epoch", epoch)):
                self.s.conn.execute(
                    "INSERT INTO sync_state (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, _json(value)),
                )
        return counts
