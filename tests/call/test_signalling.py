"""``CallSocket`` against an in-test hub relay on loopback: headers, messages both ways,
close codes and refused upgrades as kinds the UI words, malformed and unknown messages,
and the same TLS pinning as ``HubLink``."""

from __future__ import annotations

import asyncio
import ssl
from datetime import UTC, datetime

import pytest

from spoke_client.sync import protocol as p
from spoke_client.sync.errors import SyncError
from spoke_client.sync.hublink import HubLink
from spoke_client.sync.signalling import CallSocket, open_call_socket
from tests.call.support import HubRelay
from tests.support.certs import self_signed


@pytest.fixture
async def relay():
    hub = HubRelay()
    await hub.start()
    yield hub
    await hub.stop()


def row(relay: HubRelay, **changes) -> dict:
    return {"hub_url": relay.url, "token": relay.token, "ca_bundle": None} | changes


async def test_messages_go_both_ways_with_the_device_token(relay):
    relay.on_connect = [
        {
            "type": "queue",
            "specialty": "general",
            "position": 2,
            "waiting": 3,
            "doctors_online": 1,
            "wait_s": 1200,
            "from_a_newer_hub": True,
        },
    ]
    sock = await open_call_socket(row(relay), relay.encounter_id)
    try:
        queued = await asyncio.wait_for(sock.receive(), 5)
        assert isinstance(queued, p.SigQueue)
        assert (queued.position, queued.waiting, queued.wait_s) == (2, 3, 1200)
        seen = relay.headers[-1]
        assert seen["Authorization"] == "Bearer device-token"
        assert seen[p.PROTOCOL_HEADER] == str(p.PROTOCOL_VERSION)

        await relay.doctor_joins()
        joined = await asyncio.wait_for(sock.receive(), 5)
        assert isinstance(joined, p.SigDoctorJoined) and joined.call_id == "call-1"
        await sock.send(p.SigOffer(call_id="call-1", attempt=1, sdp="v=0\r\n"))
        offer = await relay.next_from_spoke("offer")
        assert offer == {"type": "offer", "call_id": "call-1", "attempt": 1, "sdp": "v=0\r\n"}
        await sock.send(p.SigLink(call_id="call-1", quality="weak"))
        assert (await relay.next_from_spoke("link"))["quality"] == "weak"

        for message in (
            p.SigAnswer(call_id="call-1", attempt=1, sdp="v=0\r\n"),
            p.SigPeerAway(call_id="call-1"),
            p.SigError(code="bad-offer", message="x"),
            p.SigEnded(call_id="call-1", by="doctor", reason="finished"),
        ):
            await relay.send(message)
            assert await asyncio.wait_for(sock.receive(), 5) == message
    finally:
        await sock.close()
        await sock.close()  # twice is harmless
    assert sock.closed


async def test_an_unknown_type_is_skipped(relay):
    sock = await open_call_socket(row(relay), relay.encounter_id)
    try:
        await relay.connected.wait()
        await relay.send({"type": "whiteboard", "strokes": []})
        await relay.send(p.SigPeerAway(call_id="call-1"))
        assert isinstance(await asyncio.wait_for(sock.receive(), 5), p.SigPeerAway)
        assert sock.skipped == 1
    finally:
        await sock.close()


@pytest.mark.parametrize(
    "text, what",
    [
        ("{not json", "not-json"),
        ('["queue"]', "no-type"),
        ('{"type": "answer", "call_id": "call-1"}', "SigAnswer"),
        (
            '{"type": "queue", "specialty": "x", "position": "first", "waiting": 1,'
            ' "doctors_online": 1, "wait_s": null}',
            "SigQueue",
        ),
    ],
)
async def test_a_malformed_message_is_a_bad_reply(relay, text, what):
    sock = await open_call_socket(row(relay), relay.encounter_id)
    try:
        await relay.connected.wait()
        await relay.send_raw(text)
        with pytest.raises(SyncError) as caught:
            await asyncio.wait_for(sock.receive(), 5)
        assert caught.value.kind == "bad-reply" and caught.value.params["what"] == what
    finally:
        await sock.close()


@pytest.mark.parametrize(
    "code, kind",
    [
        (p.WsClose.UNAUTHORISED, "unauthorised"),
        (p.WsClose.REVOKED, "revoked"),
        (p.WsClose.NOT_FOUND, "not-found"),
        (p.WsClose.NOT_WAITING, "not-waiting"),
        (p.WsClose.REPLACED, "replaced"),
        (p.WsClose.PROTOCOL, "update-needed"),
        (p.WsClose.BAD_MESSAGE, "bad-request"),
        (1011, "hub-unreachable"),
    ],
)
async def test_close_codes_become_kinds(relay, code, kind):
    relay.close_with = code
    sock = await open_call_socket(row(relay), relay.encounter_id)
    try:
        with pytest.raises(SyncError) as caught:
            await asyncio.wait_for(sock.receive(), 5)
    finally:
        await sock.close()
    assert caught.value.kind == kind
    assert sock.close_code == code


async def test_a_wrong_token_and_a_wrong_case_are_told_apart(relay):
    for link, case, kind in (
        (row(relay, token="stolen"), relay.encounter_id, "unauthorised"),
        (row(relay, token=None), relay.encounter_id, "unauthorised"),
        (row(relay), "someone-elses-case", "not-found"),
    ):
        sock = await open_call_socket(link, case)
        with pytest.raises(SyncError) as caught:
            await asyncio.wait_for(sock.receive(), 5)
        await sock.close()
        assert caught.value.kind == kind
    assert "Authorization" not in relay.headers[1]


@pytest.mark.parametrize(
    "status, kind",
    [(401, "unauthorised"), (403, "revoked"), (426, "update-needed"), (502, "hub-unreachable")],
)
async def test_a_refused_upgrade_becomes_a_kind(relay, status, kind):
    relay.refuse_status = status
    with pytest.raises(SyncError) as caught:
        await open_call_socket(row(relay), relay.encounter_id)
    assert caught.value.kind == kind and caught.value.params["status"] == status


async def test_a_hub_that_is_not_there_is_unreachable(relay):
    url = relay.url
    await relay.stop()
    with pytest.raises(SyncError) as caught:
        await open_call_socket({"hub_url": url, "token": "t"}, "enc-1")
    assert caught.value.kind == "hub-unreachable"


async def test_the_hub_dropping_the_socket_is_unreachable_and_sending_fails(relay):
    sock = await open_call_socket(row(relay), relay.encounter_id)
    try:
        await relay.connected.wait()
        await relay.drop_spoke()
        with pytest.raises(SyncError) as caught:
            await asyncio.wait_for(sock.receive(), 5)
        assert caught.value.kind == "hub-unreachable"
        with pytest.raises(SyncError):
            await sock.send(p.SigEnd(call_id=None))
    finally:
        await sock.close()


async def test_tls_with_a_pinned_certificate_or_ca_bundle_as_hublink_does(tmp_path):
    cert, key, fingerprint = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    hub = HubRelay()
    await hub.start(ssl_context=context)
    try:
        pinned = row(hub, pinned_sha256=fingerprint)
        bundle = row(hub, ca_bundle=cert.read_text())
        link = HubLink(
            hub.url, hub.token, pinned_sha256=fingerprint, clock=lambda: datetime.now(UTC)
        )
        for source in (pinned, bundle, link):
            sock = await open_call_socket(source, hub.encounter_id)
            await sock.send(p.SigEnd(call_id=None))
            assert isinstance(await asyncio.wait_for(sock.receive(), 5), p.SigEnded)
            await sock.close()
        await link.close()
        wrong = row(hub, pinned_sha256="00" * 32)
        with pytest.raises(SyncError) as caught:
            await open_call_socket(wrong, hub.encounter_id)
        assert caught.value.kind == "tls"
        with pytest.raises(SyncError) as caught:
            await open_call_socket(row(hub), hub.encounter_id)  # the system's CAs only
        assert caught.value.kind == "tls"
    finally:
        await hub.stop()


async def test_the_socket_is_usable_as_a_context_manager(relay):
    async with await CallSocket.open(relay.url, relay.token, relay.encounter_id) as sock:
        await relay.connected.wait()
        assert not sock.closed
    assert sock.closed
