"""Hub fixtures: a hub on a tmp data folder with a hand-moved clock, served in-process by
FastAPI's TestClient, and spokes (enrolled devices) that talk to it.

Records are made with the real domain (``Patient.create``, ``Encounter``), so what the hub
validates here is what a spoke really sends.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from spoke_client.domain.complaints import ComplaintEntry, Severity
from spoke_client.domain.encounter import Consent, Encounter, Specialty
from spoke_client.domain.ids import new_id
from spoke_client.domain.patient import Patient, Sex
from spoke_client.domain.vitals import read_vitals
from spoke_client.sync.protocol import PROTOCOL_HEADER
from spoke_hub.app import create_app
from spoke_hub.store import HubStore

TODAY = date(2026, 11, 23)
PROTO = {PROTOCOL_HEADER: "1"}
TUS = {"Tus-Resumable": "1.0.0"}

_op_numbers = itertools.count(1)


def patient_record(name: str = "Seeta Devi", **extra: Any) -> dict[str, Any]:
    fields = dict(name=name, sex=Sex.FEMALE, age_years=34, village="Rampur", address="Ward 3")
    return Patient.create(today=TODAY, **(fields | extra)).to_record()


def encounter_record(patient_id: str, *, state: str = "draft", **extra: Any) -> dict[str, Any]:
    e = replace(
        Encounter.new(patient_id),
        vitals=read_vitals({"systolic": 150, "diastolic": 95, "pulse": 88}),
        complaints=(ComplaintEntry.create(code="FEVER", duration_days=3, severity=Severity.MILD),),
    )
    if state != "draft":
        consent = Consent(
            given=True,
            operator_id="asha",
            at=datetime(2026, 11, 23, tzinfo=UTC),
            accompanying_adult=None,
        )
        e = e.complete_intake(
            specialty=Specialty.GENERAL_MEDICINE, consent=consent, patient_is_minor=False
        )
    return e.to_record() | {"state": state} | extra


def attachment_record(encounter_id: str, data: bytes = b"photo", **extra: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "encounter_id": encounter_id,
        "kind": "photo",
        "mime": "image/jpeg",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "caption": "",
        "created_at": "2026-11-23T05:30:00+00:00",
        "created_by": "asha",
    } | extra


def op(entity: str, record: dict[str, Any], version: int = 1, op_id: str | None = None) -> dict:
    return {
        "op_id": op_id or f"op-{next(_op_numbers)}-{new_id()[-12:]}",
        "entity": entity,
        "entity_id": record["id"],
        "version": version,
        "payload": record,
        "created_at": "2026-11-23T05:30:00+00:00",
    }


class Spoke:
    """An enrolled device talking to the hub through a TestClient."""

    def __init__(self, client: TestClient, enrolment: dict[str, Any]) -> None:
        self.client = client
        self.device_id = enrolment["device_id"]
        self.token = enrolment["token"]
        self.facility = enrolment["facility_code"]
        self.headers = PROTO | {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str, **kw: Any):
        return self.client.get(url, headers=self.headers | kw.pop("headers", {}), **kw)

    def post(self, url: str, **kw: Any):
        return self.client.post(url, headers=self.headers | kw.pop("headers", {}), **kw)

    def push(self, *ops: dict) -> list[dict[str, Any]]:
        r = self.post("/v1/push", json={"ops": list(ops)})
        assert r.status_code == 200, r.text
        return r.json()["results"]

    def pull(self, cursor: int = 0, limit: int | None = None) -> dict[str, Any]:
        params = {"cursor": cursor} | ({} if limit is None else {"limit": limit})
        r = self.get("/v1/pull", params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def tus(self, method: str, url: str, headers: dict | None = None, **kw: Any):
        return self.client.request(method, url, headers=self.headers | TUS | (headers or {}), **kw)


class Hub:
    """The hub under test: its store, app, client and clock."""

    def __init__(self, tmp_path, clock) -> None:
        self.clock = clock
        self.store = HubStore.open(tmp_path / "hub", clock=clock)
        self.app = create_app(self.store, clock=clock)
        self.client = TestClient(self.app)

    def enrol(self, facility: str = "HWC-0001", device_name: str = "desk") -> Spoke:
        code = self.store.create_enrol_code(facility, f"Centre {facility}")
        r = self.client.post(
            "/v1/enrol", json={"code": code, "device_name": device_name}, headers=PROTO
        )
        assert r.status_code == 200, r.text
        return Spoke(self.client, r.json())


@pytest.fixture
def hub(tmp_path, clock):
    h = Hub(tmp_path, clock)
    with h.client:
        yield h
    h.store.close()


@pytest.fixture
def spoke(hub) -> Spoke:
    return hub.enrol("HWC-0001")


@pytest.fixture
def other_spoke(hub) -> Spoke:
    """A device of another facility."""
    return hub.enrol("HWC-0002")
