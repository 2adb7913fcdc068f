"""Helpers for the live-consult tests: a hub with call options, doctors, sign-in, waiting
cases, and reading a TestClient WebSocket until a given message or its close."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from spoke_client.sync.protocol import PROTOCOL_HEADER
from spoke_hub.app import create_app
from spoke_hub.doctors import Doctors
from spoke_hub.store import HubStore

from .conftest import Hub, Spoke, encounter_record, op, patient_record

PASSWORD = "correct horse 42"


class CallHubUnderTest(Hub):
    """The conftest hub, made with call options (short grace, fast queue ticks...)."""

    def __init__(self, tmp_path, clock, **options: Any) -> None:
        self.clock = clock
        self.store = HubStore.open(tmp_path / "hub", clock=clock)
        self.app = create_app(self.store, clock=clock, **options)
        self.client = TestClient(self.app)


def add_doctor(
    store: HubStore,
    username: str = "asha",
    *,
    name: str = "Dr. Asha Rao",
    registration: str = "KMC-12345",
    specialties: tuple[str, ...] = (),
    password: str = PASSWORD,
):
    return Doctors(store).add(
        username, name=name, registration=registration, password=password, specialties=specialties
    )


def login(client: TestClient, username: str = "asha", password: str = PASSWORD) -> str:
    """Sign in and return the session token; the client's cookie jar is emptied so every
    later call says which doctor it is (``as_doctor``)."""
    r = client.post("/console/api/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    token = r.cookies["spoke_doctor"]
    client.cookies.clear()
    return token


def as_doctor(token: str) -> dict[str, str]:
    return {"Cookie": f"spoke_doctor={token}"}


def waiting_case(
    spoke: Spoke,
    name: str = "Seeta Devi",
    *,
    specialty: str = "general_medicine",
    state: str = "waiting_for_doctor",
    **extra: Any,
) -> str:
    """A patient and an encounter waiting for a doctor (or in ``state``), pushed by
    ``spoke``; the case id."""
    patient = patient_record(name)
    encounter = encounter_record(patient["id"], state=state, specialty=specialty, **extra)
    results = spoke.push(op("patient", patient), op("encounter", encounter))
    assert [r["status"] for r in results] == ["applied", "applied"], results
    return encounter["id"]


def call_headers(spoke: Spoke) -> dict[str, str]:
    return {"Authorization": f"Bearer {spoke.token}", PROTOCOL_HEADER: "1"}


def open_call(hub: Hub, spoke: Spoke, case_id: str):
    """The spoke's call socket for ``case_id`` (a context manager)."""
    return hub.client.websocket_connect(f"/v1/call/{case_id}", headers=call_headers(spoke))


def open_console(hub: Hub, token: str | None):
    headers = as_doctor(token) if token else {}
    return hub.client.websocket_connect("/console/ws", headers=headers)


def until(ws, kind: str, *, limit: int = 50) -> dict[str, Any]:
    """The next message of type ``kind`` (queue updates and the like are skipped); fails
    if the socket closes first."""
    for _ in range(limit):
        message = ws.receive()
        if message["type"] == "websocket.close":
            raise AssertionError(f"closed with {message.get('code')} before {kind!r}")
        body = json.loads(message["text"])
        if body.get("type") == kind:
            return body
    raise AssertionError(f"no {kind!r} in {limit} messages")


def close_code(ws, *, limit: int = 50) -> int:
    """Read until the hub closes the socket; its close code."""
    for _ in range(limit):
        message = ws.receive()
        if message["type"] == "websocket.close":
            return message.get("code", 1000)
    raise AssertionError(f"not closed after {limit} messages")


def queue_until(ws, check, *, limit: int = 50):
    """The first SigQueue on ``ws`` for which ``check(q)`` holds (earlier ones were sent
    before the change the test waits for)."""
    from spoke_client.sync.protocol import SigQueue

    for _ in range(limit):
        q = SigQueue.model_validate(until(ws, "queue"))
        if check(q):
            return q
    raise AssertionError(f"no matching queue message in {limit}")
