"""Junk in, 4xx out: whatever JSON, bytes or headers reach /v1/push, /v1/enrol and the tus
creation, the hub answers below 500 (and with an ErrorReply when it refuses)."""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import (
    PROTO,
    TUS,
    Hub,
    attachment_record,
    encounter_record,
    op,
    patient_record,
)

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["\ud800", "2026-11-23", "female", "draft", "in_consult", "a" * 70, ""])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


P = patient_record()
E = encounter_record(P["id"], state="waiting_for_doctor")
A = attachment_record(E["id"])
KNOWN = [("patient", P), ("encounter", E), ("attachment", A)]  # at the hub before fuzzing


def mostly(valid, junk):
    """``valid`` four times in five, else ``junk``: one junk field spoils a whole batch, so
    most fields must be right for the junk in the others to reach deep."""
    return st.integers(0, 4).flatmap(lambda i: junk if i == 0 else valid)


@st.composite
def ops(draw):
    """Mostly a real op of a record the hub holds, with a few fields spoiled: so the junk
    reaches deep into validation, versions, states and facility checks."""
    entity, record = draw(
        st.sampled_from(
            KNOWN
            + [
                ("encounter", encounter_record(P["id"])),
                ("encounter", encounter_record("no-such-patient")),
                ("attachment", attachment_record("no-such-case")),
                ("patient", {}),
            ]
        )
    )
    payload = dict(record)
    keys = sorted(payload) + ["id", "junk"]
    for key in draw(st.lists(st.sampled_from(keys), max_size=2)):
        payload[key] = draw(json_values | st.just("\ud800"))
    for key in draw(mostly(st.just([]), st.lists(st.sampled_from(keys), max_size=2))):
        payload.pop(key, None)
    entity_id = record.get("id", "x")
    raw = {
        "op_id": draw(mostly(st.uuids().map(str), st.text(max_size=70) | st.just("\ud800"))),
        "entity": draw(mostly(st.just(entity), st.sampled_from(["patient", "encounter", "x"]))),
        "entity_id": draw(mostly(st.just(entity_id), st.text(max_size=5))),
        "version": draw(
            mostly(st.integers(1, 5), st.sampled_from([2**62, 2**63, 2**64, "2", 0, -1]))
        ),
        "payload": payload,
        "created_at": draw(mostly(st.just("2026-11-23T05:30:00Z"), st.text(max_size=5))),
    }
    for key in draw(mostly(st.just([]), st.lists(st.sampled_from(sorted(raw)), max_size=1))):
        raw[key] = draw(json_values)
    return raw


op_batches = st.builds(lambda o: {"ops": o}, st.lists(ops(), min_size=1, max_size=3))
bodies = mostly(op_batches, json_values | st.builds(lambda v: {"ops": v}, json_values))
# header values arrive as Latin-1: "²" and "٣" look like digits to str.isdigit()
header_text = st.text(alphabet=string.printable.strip() + " ²³¹½é", max_size=30).map(
    lambda text: text.encode("latin-1")
)


def check(r) -> None:
    assert r.status_code < 500, (r.status_code, r.text)
    if r.status_code >= 400:
        assert "error" in r.json()


def encode(body) -> bytes:
    return json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")


def test_junk_pushes_are_refused_or_applied_never_500(tmp_path_factory):
    from tests.conftest import Clock

    hub = Hub(tmp_path_factory.mktemp("fuzz"), Clock())
    spoke = hub.enrol()
    assert [r["status"] for r in spoke.push(*[op(e, r) for e, r in KNOWN])] == ["applied"] * 3
    hub.store.move_case(E["id"], "in_consult")  # so stale spoke states meet a hub state

    @SETTINGS
    @given(body=bodies, content_type=st.sampled_from(["application/json", "text/plain", ""]))
    def push(body, content_type):
        headers = spoke.headers | ({"Content-Type": content_type} if content_type else {})
        check(hub.client.post("/v1/push", content=encode(body), headers=headers))

    @SETTINGS
    @given(raw=st.binary(max_size=200))
    def push_bytes(raw):
        check(spoke.post("/v1/push", content=raw, headers={"Content-Type": "application/json"}))

    push()
    push_bytes()
    hub.store.close()


def test_junk_enrolments_and_headers_never_500(tmp_path_factory):
    from tests.conftest import Clock

    hub = Hub(tmp_path_factory.mktemp("fuzz"), Clock())
    spoke = hub.enrol()

    @SETTINGS
    @given(
        body=st.builds(lambda c, n: {"code": c, "device_name": n}, json_values, json_values)
        | json_values,
        protocol=st.none() | header_text | st.sampled_from(["1", " 1 ", "01", "2"]),
        authorization=st.none() | header_text,
    )
    def enrol(body, protocol, authorization):
        headers = {"Content-Type": "application/json"}
        if protocol is not None:
            headers["Spoke-Protocol"] = protocol
        if authorization is not None:
            headers["Authorization"] = authorization
        check(hub.client.post("/v1/enrol", content=encode(body), headers=headers))
        check(hub.client.post("/v1/push", content=encode(body), headers=headers))

    @SETTINGS
    @given(
        length=st.none() | header_text | st.integers(-5, 2**64).map(str),
        metadata=st.none() | header_text,
        offset=header_text,
    )
    def tus(length, metadata, offset):
        headers = spoke.headers | TUS
        if length is not None:
            headers["Upload-Length"] = length
        if metadata is not None:
            headers["Upload-Metadata"] = metadata
        check(hub.client.post("/v1/files", headers=headers))
        patch_headers = headers | {
            "Upload-Offset": offset,
            "Content-Type": "application/offset+octet-stream",
        }
        r = hub.client.patch("/v1/files/abc", headers=patch_headers, content=b"x")
        check(r)

    enrol()
    tus()
    assert hub.client.get("/v1/hello", headers=PROTO | spoke.headers).status_code == 200
    hub.store.close()
