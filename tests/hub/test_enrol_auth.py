"""Enrolment, tokens, revocation, the protocol gate and the hub's clock header."""

from __future__ import annotations

from spoke_client.sync.protocol import HUB_TIME_HEADER, EnrolReply, ErrorReply, Hello

from .conftest import PROTO


def error_code(r) -> str:
    return ErrorReply.model_validate(r.json()).error.code


def test_enrol_code_works_once(hub):
    code = hub.store.create_enrol_code("HWC-0001", "Rampur SC")
    body = {"code": code, "device_name": "front desk"}
    first = hub.client.post("/v1/enrol", json=body, headers=PROTO)
    assert first.status_code == 200, first.text
    reply = EnrolReply.model_validate(first.json())
    assert reply.facility_code == "HWC-0001" and reply.facility_name == "Rampur SC"
    assert reply.hub_id == hub.store.hub_id and reply.epoch == hub.store.epoch
    assert len(reply.token) >= 40

    again = hub.client.post("/v1/enrol", json=body, headers=PROTO)
    assert again.status_code == 403 and error_code(again) == "enrol-code-invalid"


def test_enrol_code_is_typed_loosely_but_stored_only_as_a_hash(hub):
    code = hub.store.create_enrol_code("HWC-0001")
    typed = " " + code.lower().replace("-", " ") + " "
    r = hub.client.post("/v1/enrol", json={"code": typed, "device_name": "d"}, headers=PROTO)
    assert r.status_code == 200, r.text
    raw = hub.store.paths.db.read_bytes()
    assert code.replace("-", "").encode() not in raw
    assert r.json()["token"].encode() not in raw


def test_unknown_and_expired_codes_are_refused(hub, clock):
    r = hub.client.post("/v1/enrol", json={"code": "NOPE-NOPE", "device_name": "d"}, headers=PROTO)
    assert r.status_code == 403 and error_code(r) == "enrol-code-invalid"

    code = hub.store.create_enrol_code("HWC-0001", valid_hours=1)
    clock.advance(3601)
    r = hub.client.post("/v1/enrol", json={"code": code, "device_name": "d"}, headers=PROTO)
    assert r.status_code == 403 and error_code(r) == "enrol-code-invalid"


def test_hello_needs_a_token(hub, spoke):
    assert error_code(hub.client.get("/v1/hello", headers=PROTO)) == "unauthenticated"
    r = hub.client.get("/v1/hello", headers=PROTO | {"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and error_code(r) == "unauthenticated"
    r = hub.client.get("/v1/hello", headers=PROTO | {"Authorization": "Basic abc"})
    assert r.status_code == 401

    r = spoke.get("/v1/hello")
    assert r.status_code == 200, r.text
    hello = Hello.model_validate(r.json())
    assert hello.device_id == spoke.device_id and hello.facility_code == "HWC-0001"
    assert hello.epoch == hub.store.epoch and hello.protocol == 1


def test_a_revoked_device_is_told_so(hub, spoke):
    assert spoke.get("/v1/hello").status_code == 200
    hub.store.revoke_device(spoke.device_id)
    r = spoke.get("/v1/hello")
    assert r.status_code == 401 and error_code(r) == "device-revoked"
    r = spoke.post("/v1/push", json={"ops": []})
    assert r.status_code == 401 and error_code(r) == "device-revoked"
    assert [d.revoked_at is not None for d in hub.store.devices()] == [True]


def test_every_request_needs_the_protocol_header(hub, spoke):
    bare = {"Authorization": spoke.headers["Authorization"]}
    for headers in (bare, bare | {"Spoke-Protocol": "2"}, bare | {"Spoke-Protocol": "one"}):
        r = hub.client.get("/v1/hello", headers=headers)
        assert r.status_code == 426, r.text
        assert error_code(r) == "protocol-unsupported"
        assert r.json()["error"]["detail"] == {"supported": [1]}
    r = hub.client.post("/v1/enrol", json={"code": "ABCD-EFGH", "device_name": "d"})
    assert r.status_code == 426
    r = hub.client.request("PATCH", "/v1/files/x", headers=bare)
    assert r.status_code == 426


def test_exempt_routes_and_the_hub_time(hub, clock):
    r = hub.client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert r.headers[HUB_TIME_HEADER] == "2026-11-23T05:30:00.000Z"
    clock.advance(90)
    r = hub.client.get("/openapi.json")
    assert r.status_code == 200 and "/v1/push" in r.json()["paths"]
    assert r.headers[HUB_TIME_HEADER] == "2026-11-23T05:31:30.000Z"
    r = hub.client.options("/v1/files")
    assert r.status_code == 204 and r.headers["Tus-Resumable"] == "1.0.0"
    # errors carry it too
    assert hub.client.get("/v1/hello").headers[HUB_TIME_HEADER] == "2026-11-23T05:31:30.000Z"


def test_bad_input_is_4xx_with_an_error_reply(hub, spoke):
    cases = [
        hub.client.post("/v1/enrol", content=b"{not json", headers=PROTO),
        hub.client.post("/v1/enrol", json={"code": 5}, headers=PROTO),
        hub.client.post("/v1/enrol", json=[1, 2], headers=PROTO),
        spoke.post("/v1/push", content=b"\xff\xfe", headers={"Content-Type": "application/json"}),
        spoke.post("/v1/push", json={"ops": [{"op_id": "x"}]}),
        spoke.get("/v1/pull", params={"cursor": "abc"}),
        spoke.get("/v1/pull", params={"cursor": -1}),
        spoke.get("/v1/nowhere"),
        hub.client.delete("/v1/hello", headers=spoke.headers),
        spoke.get("/v1/media/unknown"),
    ]
    for r in cases:
        assert 400 <= r.status_code < 500, (r.request.url, r.status_code, r.text)
        ErrorReply.model_validate(r.json())
    # the values sent never come back in validation errors (they may be patient data)
    r = spoke.post("/v1/push", json={"ops": [{"op_id": "Seeta Devi", "entity": "x"}]})
    assert r.status_code == 400 and "Seeta" not in r.text


def test_an_unexpected_failure_is_a_500_error_reply_without_patient_data(hub, spoke, caplog):
    def broken(*args, **kwargs):
        raise ValueError("Seeta Devi of Rampur")

    hub.store.apply_push = broken
    from .conftest import op, patient_record

    r = spoke.post("/v1/push", json={"ops": [op("patient", patient_record())]})
    assert r.status_code == 500 and error_code(r) == "internal"
    assert HUB_TIME_HEADER in r.headers
    assert "Seeta" not in r.text and "Seeta" not in caplog.text
    assert "ValueError" in caplog.text
