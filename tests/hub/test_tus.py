"""Resumable media upload (tus 1.0.0) and GET /v1/media/{media_id}.

Cut connections are made at the ASGI level: the request body stops part-way and the
server sees ``http.disconnect`` (or nothing more at all), exactly what uvicorn hands the
app when a 2G link drops mid-chunk.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os

import pytest

from spoke_client.domain.ids import new_id
from spoke_client.sync.protocol import MAX_MEDIA_BYTES, MediaStatus
from spoke_hub.app import create_app

from .conftest import PROTO, TUS, encounter_record, op, patient_record

DATA = os.urandom(1000)
OCTETS = {"Content-Type": "application/offset+octet-stream"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def metadata(media_id: str, data: bytes = DATA, encounter_id: str = "enc-1", **extra) -> str:
    fields = {
        "media_id": media_id,
        "encounter_id": encounter_id,
        "sha256": hashlib.sha256(data).hexdigest(),
        "mime": "image/jpeg",
    } | extra
    return ",".join(f"{k} {b64(v)}" for k, v in fields.items())


def create(spoke, media_id: str | None = None, data: bytes = DATA, **meta):
    media_id = media_id or new_id()
    r = spoke.tus(
        "POST",
        "/v1/files",
        {"Upload-Length": str(len(data)), "Upload-Metadata": metadata(media_id, data, **meta)},
    )
    assert r.status_code == 201, r.text
    return r.headers["Location"], media_id


def patch(spoke, url: str, offset: int, chunk: bytes, headers: dict | None = None):
    return spoke.tus(
        "PATCH", url, OCTETS | {"Upload-Offset": str(offset)} | (headers or {}), content=chunk
    )


def head(spoke, url: str):
    return spoke.tus("HEAD", url)


def checksum(algorithm: str, chunk: bytes) -> str:
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, chunk).digest()).decode()}"


def test_options_advertises_the_protocol(hub):
    r = hub.client.options("/v1/files")
    assert r.status_code == 204
    assert r.headers["Tus-Version"] == "1.0.0" and r.headers["Tus-Resumable"] == "1.0.0"
    assert set(r.headers["Tus-Extension"].split(",")) == {
        "creation",
        "checksum",
        "expiration",
        "termination",
    }
    assert set(r.headers["Tus-Checksum-Algorithm"].split(",")) == {"sha1", "sha256"}
    assert int(r.headers["Tus-Max-Size"]) == MAX_MEDIA_BYTES


def test_create_head_patch_in_chunks_then_complete(hub, spoke, clock):
    url, media_id = create(spoke)
    assert url.startswith("/v1/files/")
    r = head(spoke, url)
    assert r.status_code == 200
    assert (r.headers["Upload-Offset"], r.headers["Upload-Length"]) == ("0", "1000")
    assert r.headers["Cache-Control"] == "no-store" and r.headers["Tus-Resumable"] == "1.0.0"
    assert r.headers["Upload-Expires"] == "Mon, 30 Nov 2026 05:30:00 GMT"

    r = patch(spoke, url, 0, DATA[:300])
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "300"
    status = MediaStatus.model_validate(spoke.get(f"/v1/media/{media_id}").json())
    assert (status.offset, status.size, status.complete, status.upload_url) == (
        300,
        1000,
        False,
        url,
    )

    r = patch(spoke, url, 300, DATA[300:], {"Upload-Checksum": checksum("sha256", DATA[300:])})
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "1000"
    status = MediaStatus.model_validate(spoke.get(f"/v1/media/{media_id}").json())
    assert status.complete and status.sha256 == hashlib.sha256(DATA).hexdigest()
    assert hub.store.completed_media("HWC-0001") == {media_id: hashlib.sha256(DATA).hexdigest()}
    upload = hub.store.find_upload("HWC-0001", media_id)
    assert hub.store.media_file(upload).read_bytes() == DATA


def test_a_wrong_offset_is_409_and_nothing_is_written(spoke):
    url, _ = create(spoke)
    patch(spoke, url, 0, DATA[:100])
    r = patch(spoke, url, 50, DATA[50:200])
    assert r.status_code == 409 and r.json()["error"]["code"] == "offset-mismatch"
    assert r.json()["error"]["detail"] == {"offset": 100}
    assert head(spoke, url).headers["Upload-Offset"] == "100"


def test_a_chunk_that_fails_its_checksum_is_460_and_discarded(hub, spoke):
    url, _ = create(spoke)
    r = patch(spoke, url, 0, DATA[:500], {"Upload-Checksum": checksum("sha1", b"other bytes")})
    assert r.status_code == 460 and r.json()["error"]["code"] == "checksum-mismatch"
    assert head(spoke, url).headers["Upload-Offset"] == "0"
    r = patch(spoke, url, 0, DATA[:500], {"Upload-Checksum": checksum("sha1", DATA[:500])})
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "500"
    # an algorithm the hub does not know, or a malformed digest, is 400 (tus says so)
    assert patch(spoke, url, 500, b"x", {"Upload-Checksum": "md5 AAAA"}).status_code == 400
    assert patch(spoke, url, 500, b"x", {"Upload-Checksum": "sha256 !!"}).status_code == 400


def test_a_whole_file_that_does_not_match_its_sha256_starts_again(hub, spoke):
    media_id = new_id()
    r = spoke.tus(
        "POST",
        "/v1/files",
        {
            "Upload-Length": "1000",
            "Upload-Metadata": metadata(media_id, data=b"something else entirely"),
        },
    )
    url = r.headers["Location"]
    r = patch(spoke, url, 0, DATA)
    assert r.status_code == 460 and r.json()["error"]["detail"]["whole_file"] is True
    assert head(spoke, url).headers["Upload-Offset"] == "0"
    upload = hub.store.find_upload("HWC-0001", media_id)
    assert not upload.complete and hub.store.media_file(upload).stat().st_size == 0


def test_creating_the_same_media_again_returns_the_same_upload(spoke):
    url, media_id = create(spoke)
    patch(spoke, url, 0, DATA[:400])
    again, _ = create(spoke, media_id)
    assert again == url
    assert head(spoke, again).headers["Upload-Offset"] == "400"


def test_an_expired_upload_is_410_then_cleaned_up(hub, spoke, clock):
    url, media_id = create(spoke)
    patch(spoke, url, 0, DATA[:100])
    upload = hub.store.find_upload("HWC-0001", media_id)
    clock.advance(7 * 24 * 3600 + 1)
    assert head(spoke, url).status_code == 410
    r = patch(spoke, url, 100, DATA[100:])
    assert r.status_code == 410 and r.json()["error"]["code"] == "upload-expired"
    assert spoke.get(f"/v1/media/{media_id}").status_code == 404

    assert hub.store.purge_expired_uploads() == 1
    assert not hub.store.media_file(upload).exists()
    assert head(spoke, url).status_code == 404
    fresh, _ = create(spoke, media_id)
    assert fresh != url and head(spoke, fresh).headers["Upload-Offset"] == "0"


def test_a_completed_upload_does_not_expire(hub, spoke, clock):
    url, media_id = create(spoke)
    patch(spoke, url, 0, DATA)
    clock.advance(30 * 24 * 3600)
    assert hub.store.purge_expired_uploads() == 0
    assert spoke.get(f"/v1/media/{media_id}").json()["complete"] is True


def test_termination(hub, spoke):
    url, media_id = create(spoke)
    patch(spoke, url, 0, DATA[:10])
    upload = hub.store.find_upload("HWC-0001", media_id)
    assert spoke.tus("DELETE", url).status_code == 204
    assert head(spoke, url).status_code == 404
    assert not hub.store.media_file(upload).exists()
    assert spoke.get(f"/v1/media/{media_id}").status_code == 404


def test_another_facility_cannot_see_or_touch_an_upload(hub, spoke, other_spoke):
    url, media_id = create(spoke)
    assert head(other_spoke, url).status_code == 404
    assert patch(other_spoke, url, 0, DATA).status_code == 404
    assert other_spoke.tus("DELETE", url).status_code == 404
    assert other_spoke.get(f"/v1/media/{media_id}").status_code == 404
    # the same media id at another facility is another upload
    theirs, _ = create(other_spoke, media_id)
    assert theirs != url
    # an upload for another facility's case is refused
    p = patient_record()
    e = encounter_record(p["id"])
    spoke.push(op("patient", p), op("encounter", e))
    r = other_spoke.tus(
        "POST",
        "/v1/files",
        {"Upload-Length": "1000", "Upload-Metadata": metadata(new_id(), encounter_id=e["id"])},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "other-facility"


@pytest.mark.parametrize(
    "headers, status",
    [
        ({"Upload-Length": "1000"}, 400),  # no metadata
        ({"Upload-Length": "ten", "Upload-Metadata": "x"}, 400),
        ({"Upload-Length": str(MAX_MEDIA_BYTES + 1), "Upload-Metadata": "x"}, 413),
        ({"Upload-Length": "1000", "Upload-Metadata": "media_id !!notbase64"}, 400),
        ({"Upload-Defer-Length": "1"}, 400),
    ],
)
def test_bad_creations_are_refused(spoke, headers, status):
    r = spoke.tus("POST", "/v1/files", headers)
    assert r.status_code == status, r.text
    assert "error" in r.json()


def test_tus_resumable_is_required(spoke):
    url, _ = create(spoke)
    r = spoke.client.head(url, headers=spoke.headers)
    assert r.status_code == 412 and r.headers["Tus-Version"] == "1.0.0"
    r = spoke.client.patch(url, headers=spoke.headers | OCTETS | {"Upload-Offset": "0"})
    assert r.status_code == 412


def test_patch_rules(spoke):
    url, _ = create(spoke)
    r = spoke.tus("PATCH", url, {"Upload-Offset": "0"}, content=DATA)  # no content type
    assert r.status_code == 415
    assert patch(spoke, url, 0, DATA + b"extra").status_code == 413
    assert spoke.tus("PATCH", url, OCTETS, content=DATA).status_code == 400  # no offset
    assert head(spoke, url).headers["Upload-Offset"] == "0"
    assert patch(spoke, "/v1/files/nope", 0, DATA).status_code == 404
    # X-HTTP-Method-Override, for clients behind proxies that allow only GET and POST
    r = spoke.tus(
        "POST",
        url,
        OCTETS | {"Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"},
        content=DATA,
    )
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "1000"


# ---- cut connections (ASGI level) ------------------------------------------------------------


async def asgi_patch(
    app,
    url: str,
    headers: dict,
    parts: list[bytes],
    then: str,
    method: str = "PATCH",
    hanging: asyncio.Event | None = None,
) -> int:
    """PATCH ``url`` sending ``parts`` then ``then``: "disconnect", "hang" (``hanging`` is
    set once the server waits for more) or "end"."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (k.lower().encode(), v if isinstance(v, bytes) else v.encode())
            for k, v in headers.items()
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    messages = [{"type": "http.request", "body": p, "more_body": True} for p in parts]
    if then == "end":
        messages.append({"type": "http.request", "body": b"", "more_body": False})
    sent: dict = {}

    async def receive():
        if messages:
            return messages.pop(0)
        if then == "hang":
            if hanging is not None:
                hanging.set()
            await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]

    await app(scope, receive, send)
    return sent["status"]


def patch_headers(spoke, offset: int, length: int, **extra) -> dict:
    return (
        spoke.headers
        | TUS
        | OCTETS
        | {"Upload-Offset": str(offset), "Content-Length": str(length)}
        | extra
    )


async def test_a_cut_patch_keeps_what_arrived_and_resumes(hub, spoke):
    url, media_id = create(spoke)
    headers = patch_headers(spoke, 0, 1000)
    await asgi_patch(hub.app, url, headers, [DATA[:256], DATA[256:400]], then="disconnect")
    assert head(spoke, url).headers["Upload-Offset"] == "400"

    r = patch(spoke, url, 400, DATA[400:])
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "1000"
    assert spoke.get(f"/v1/media/{media_id}").json()["complete"] is True
    upload = hub.store.find_upload("HWC-0001", media_id)
    assert hub.store.media_file(upload).read_bytes() == DATA


async def test_a_cut_patch_with_a_checksum_keeps_nothing(hub, spoke):
    url, _ = create(spoke)
    headers = patch_headers(spoke, 0, 1000, **{"Upload-Checksum": checksum("sha256", DATA)})
    await asgi_patch(hub.app, url, headers, [DATA[:400]], then="disconnect")
    assert head(spoke, url).headers["Upload-Offset"] == "0"


async def test_a_silent_link_is_given_up_after_the_idle_timeout(hub, spoke):
    app = create_app(hub.store, clock=hub.clock, idle_timeout=0.2)
    url, _ = create(spoke)
    status = await asyncio.wait_for(
        asgi_patch(app, url, patch_headers(spoke, 0, 1000), [DATA[:300]], then="hang"), 10
    )
    assert status == 204
    assert head(spoke, url).headers["Upload-Offset"] == "300"


async def test_a_new_patch_makes_a_stuck_one_let_go(hub, spoke):
    """A spoke whose old connection hangs reconnects: the old PATCH keeps its bytes and
    lets go, the new one is told where the upload now stands (409), then resumes."""
    url, media_id = create(spoke)
    hanging = asyncio.Event()
    headers = patch_headers(spoke, 0, 1000)
    stuck = asyncio.create_task(
        asgi_patch(hub.app, url, headers, [DATA[:100]], then="hang", hanging=hanging)
    )
    await asyncio.wait_for(hanging.wait(), 10)  # it holds the upload and waits for bytes
    retry = await asyncio.wait_for(
        asgi_patch(hub.app, url, patch_headers(spoke, 0, 1000), [DATA], then="end"), 10
    )
    assert retry == 409
    assert await asyncio.wait_for(stuck, 10) == 204
    resumed = await asgi_patch(
        hub.app, url, patch_headers(spoke, 100, 900), [DATA[100:]], then="end"
    )
    assert resumed == 204
    assert spoke.get(f"/v1/media/{media_id}").json()["complete"] is True


def test_media_status_needs_auth_and_protocol(hub, spoke):
    _, media_id = create(spoke)
    assert hub.client.get(f"/v1/media/{media_id}", headers=PROTO).status_code == 401


async def test_header_numbers_in_other_scripts_are_400_not_500(hub, spoke):
    """Header values arrive as Latin-1 bytes, and "\u00b2".isdigit() is True in Python."""
    url, _ = create(spoke)
    two = "\u00b2".encode("latin-1")
    for headers in (
        patch_headers(spoke, 0, 10) | {"Upload-Offset": two},
        patch_headers(spoke, 0, 10) | {"Content-Length": two},
    ):
        assert await asgi_patch(hub.app, url, headers, [b"x"], then="end") in (400, 204)
    push = spoke.headers | {"Content-Type": "application/json", "Content-Length": two}
    assert await asgi_patch(hub.app, "/v1/push", push, [b"{}"], "end", method="POST") == 400
