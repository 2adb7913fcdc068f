"""Must-show 4: two spokes enrolled for two facilities (HWC-A, HWC-B) on one real hub. A syncs
cases with a photo. B can neither write A's data (forged ops for A's patient and case, a case
hung on A's patient, an upload for A's case: all refused ``other-facility``, and A's records
at the hub unchanged) nor read it (A's hub-side changes reach A and never B; A's media
status, upload offset and upload are 404 to B's token). A revoked device is refused
(``device-revoked``, nothing marked sent, shown in the status) while the other spoke syncs on.
"""

from __future__ import annotations

import json

import pytest

from spoke_client.domain.encounter import CaseState
from spoke_client.domain.ids import new_id
from spoke_client.sync.errors import SyncError
from spoke_client.sync.hublink import HubLink
from spoke_hub.store import HubStore

from .spoke import Spoke
from .test_bad_hub import enrol_code, snapshot
from .test_faults import assert_hub_matches

TUS = {"Tus-Resumable": "1.0.0"}


def outbox_payloads(spoke: Spoke, entity: str) -> list[dict]:
    rows = spoke.session.worker.call(
        lambda s: s.conn.execute(
            "SELECT payload FROM outbox WHERE entity = ? ORDER BY seq", (entity,)
        ).fetchall()
    )
    return [json.loads(r[0]) for r in rows]


def link_of(spoke: Spoke) -> HubLink:
    """A HubLink with the spoke's own credential (the token never leaves the store otherwise)."""
    row = spoke.session.worker.call(lambda s: s.sync.link())
    return HubLink(row["hub_url"], row["token"], clock=spoke.clock)


def at_hub(hub, *ids: str) -> dict:
    """The hub's stored records (facility, version, record, state) for patient/case ids."""
    with HubStore.open(hub.data) as store:
        return {i: store.patient(i) or store.encounter(i) for i in ids}


def sync_ok(spoke: Spoke):
    outcome = spoke.run(spoke.engine.sync_now())
    assert outcome.ok, outcome.problem
    return outcome


@pytest.fixture
def a_and_b(hub, make_spoke):
    a = make_spoke("a", facility="HWC-A")
    b = make_spoke("b", facility="HWC-B")
    a.provision(hub.url, enrol_code(hub, "HWC-A", "Sub-centre A"))
    b.provision(hub.url, enrol_code(hub, "HWC-B", "Sub-centre B"))
    a_cases = a.make_cases(2, photos=1, photo_bytes=80_000, seed=21)
    b_cases = b.make_cases(1, seed=22)
    assert sync_ok(a).uploaded == 1
    sync_ok(b)
    return a, b, a_cases, b_cases


def test_b_cannot_write_a_s_data(hub, a_and_b):
    a, b, a_cases, _b_cases = a_and_b
    a_patient = outbox_payloads(a, "patient")[0]
    a_case = outbox_payloads(a, "encounter")[0]
    b_case = outbox_payloads(b, "encounter")[0]
    before = at_hub(hub, a_patient["id"], a_case["id"])
    assert before[a_patient["id"]].facility == "HWC-A"

    hung = dict(b_case, id=new_id(), patient_id=a_patient["id"])  # B's new case, A's patient

    def forge(s) -> None:
        with s.write():
            s.outbox.add("patient", a_patient["id"], 99, dict(a_patient, name="Forged Name"))
            s.outbox.add("encounter", a_case["id"], 99, a_case)
            s.outbox.add("encounter", hung["id"], 1, hung)

    b.session.worker.call(forge)
    outcome = sync_ok(b)  # the link is fine; the hub refused three items for good
    assert (outcome.pushed, outcome.rejected) == (0, 3)
    rejected = b.run(b.engine.rejected_items())
    assert sorted((r["entity_id"], r["reject_code"]) for r in rejected) == sorted(
        [
            (a_patient["id"], "other-facility"),
            (a_case["id"], "other-facility"),
            (hung["id"], "other-facility"),
        ]
    )
    assert b.run(b.engine.sync_status()).rejected_items == 3
    assert at_hub(hub, a_patient["id"], a_case["id"]) == before
    assert at_hub(hub, hung["id"])[hung["id"]] is None

    # Nor may B put a file on A's case.
    async def upload_to_a_case():
        async with link_of(b) as link:
            await link.tus_create(
                10,
                {
                    "media_id": new_id(),
                    "encounter_id": a_cases[0],
                    "sha256": "0" * 64,
                    "mime": "image/jpeg",
                },
            )

    with pytest.raises(SyncError) as refused:
        b.run(upload_to_a_case())
    assert refused.value.params == {
        "kind": "refused",
        "status": 403,
        "hub_code": "other-facility",
        "message": refused.value.params["message"],
    }
    stats = hub.stats()["facilities"]
    assert stats["HWC-B"]["uploads_in_progress"] == 0
    assert_hub_matches(hub, a, "HWC-A")  # A's side exactly as A has it


def test_b_cannot_read_a_s_data(hub, a_and_b):
    a, b, a_cases, b_cases = a_and_b
    [media_id] = a.photos
    a_url, a_size = a.session.worker.call(
        lambda s: s.conn.execute(
            "SELECT upload_url, size FROM attachments WHERE id = ?", (media_id,)
        ).fetchone()
    )
    assert a_url

    # A's hub-side changes reach A, never B.
    a.run(a.engine.move_case(a_cases[0], CaseState.WAITING_FOR_DOCTOR))
    sync_ok(a)
    hub.cli("case", "move", a_cases[0], "in_consult")
    hub.cli("case", "message", a_cases[0], "Patient A's private note")
    assert sync_ok(a).pulled == 2
    b_before = snapshot(b)
    assert sync_ok(b).pulled == 0
    assert snapshot(b) | {"last_success": None} == b_before | {"last_success": None}

    async def probe(spoke: Spoke) -> dict:
        async with link_of(spoke) as link:
            media, _, _ = await link.request("GET", f"/v1/media/{media_id}")
            head, head_headers, _ = await link.request("HEAD", a_url, headers=TUS)
            pulled = await link.pull(0, 1000)
            return {
                "media": media,
                "head": head,
                "offset": head_headers.get("upload-offset"),
                "pulled": [c.encounter_id for c in pulled.changes],
            }

    assert a.run(probe(a)) == {
        "media": 200,
        "head": 200,
        "offset": str(a_size),
        "pulled": [a_cases[0], a_cases[0]],
    }
    assert b.run(probe(b)) == {"media": 404, "head": 404, "offset": None, "pulled": []}

    async def write_over(spoke: Spoke) -> tuple[int, str]:
        async with link_of(spoke) as link:
            status, _, _ = await link.request(
                "PATCH",
                a_url,
                data=b"\0" * 1000,
                headers=TUS
                | {"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
            )
            # Creating an upload for A's media id gets B its own upload, never A's.
            own = await link.tus_create(
                1000,
                {
                    "media_id": media_id,
                    "encounter_id": b_cases[0],
                    "sha256": "0" * 64,
                    "mime": "image/jpeg",
                },
            )
            return status, own

    status, own_url = b.run(write_over(b))
    assert status == 404 and own_url != a_url
    assert hub.stats()["facilities"]["HWC-A"]["media"] == a.photos  # A's bytes untouched
    with HubStore.open(hub.data) as store:
        assert store.media_sha256("HWC-A", media_id) == a.photos[media_id]


def test_a_revoked_device_is_refused_and_the_other_syncs_on(hub, a_and_b):
    a, b, _a_cases, _b_cases = a_and_b
    device_id = b.run(b.engine.hub_link())["device_id"]
    hub.cli("device", "revoke", device_id)
    b.make_cases(1, photos=1, photo_bytes=20_000, seed=23)
    before = snapshot(b)
    outcome = b.run(b.engine.sync_now())
    assert outcome.ok is False and outcome.problem == {"kind": "device-revoked"}
    assert snapshot(b) == before
    status = b.run(b.engine.sync_status())
    assert status.last_error == {"kind": "device-revoked"}
    assert status.online is True and status.waiting_items == 4  # patient, case, photo op, file
    assert status.last_success == before["last_success"]
    stats = hub.stats()["facilities"]["HWC-B"]
    assert (stats["devices"], stats["revoked_devices"], stats["encounters"]) == (0, 1, 1)

    a.make_cases(1, photos=1, photo_bytes=20_000, seed=24)
    assert sync_ok(a).uploaded == 1
    assert_hub_matches(hub, a, "HWC-A")
