"""The console's HTTP side: the page, the case summary (vitals flagged with the domain's
ranges), media of completed uploads only, notes that stay at the hub, the ICE config."""

from __future__ import annotations

import os

from spoke_client.domain.complaints import ComplaintEntry, Severity
from spoke_client.domain.encounter import History

from .conftest import TODAY, attachment_record, op
from .consult_support import (
    CallHubUnderTest,
    add_doctor,
    as_doctor,
    login,
    open_call,
    until,
    waiting_case,
)
from .test_tus import create, patch

PHOTO = os.urandom(3000)
AUDIO = os.urandom(1500)


def summary(hub, token: str, case_id: str):
    return hub.client.get(f"/console/api/cases/{case_id}", headers=as_doctor(token))


def test_the_page_and_its_files_are_served(hub):
    page = hub.client.get("/console/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for dom_id in (
        "login-username",
        "login-password",
        "login-submit",
        "login-error",
        "queue-live",
        "queue-review",
        "case-summary",
        "remote-video",
        "local-video",
        "btn-mute",
        "btn-camera",
        "btn-end",
        "call-state",
        "note-text",
        "note-save",
    ):
        assert f'id="{dom_id}"' in page.text, dom_id
    script = hub.client.get("/console/static/console.js")
    assert script.status_code == 200 and "window.consoleStats" in script.text
    assert "javascript" in script.headers["content-type"]
    assert hub.client.get("/console/static/console.css").status_code == 200
    assert hub.client.get("/console", follow_redirects=False).status_code == 307
    # The sync API still wants its protocol header; the console does not.
    assert hub.client.get("/v1/hello").status_code == 426


def test_the_case_summary_flags_vitals_and_lists_everything(hub, spoke):
    history = History.create(
        today=TODAY, conditions=["diabetes", "hypertension"], allergies="penicillin"
    )
    complaints = [
        ComplaintEntry.create(code="FEVER", duration_days=3, severity=Severity.MILD).to_record(),
        ComplaintEntry.create(code="COUGH", duration_days=10, note="dry, at night").to_record(),
    ]
    case_id = waiting_case(
        spoke,
        vitals={"systolic": 190.0, "diastolic": 95.0, "pulse": 88.0, "spo2": 93.0},
        complaints=complaints,
        history=history.to_record(),
    )
    add_doctor(hub.store)
    token = login(hub.client)
    r = summary(hub, token, case_id)
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["patient"]["name"] == "Seeta Devi" and s["patient"]["age"] == "34 y"
    assert s["patient"]["sex"] == "female" and s["patient"]["village"] == "Rampur"
    assert s["facility"] == spoke.facility and s["state"] == "waiting_for_doctor"
    flags = {v["kind"]: v["flag"] for v in s["vitals"]}
    assert flags == {
        "systolic": "critical-high",  # above 179
        "diastolic": "high",  # 90-119
        "pulse": None,
        "spo2": "low",  # 90-94
    }
    assert [v["unit"] for v in s["vitals"]][:2] == ["mmHg", "mmHg"]
    assert [(c["name"], c["duration_days"]) for c in s["complaints"]] == [
        ("Fever", 3),
        ("Cough", 10),
    ]
    assert s["complaints"][1]["note"] == "dry, at night"
    assert s["history"]["conditions"] == ["Diabetes", "Hypertension"]
    assert s["history"]["allergies"] == "penicillin"
    assert s["attachments"] == [] and s["notes"] == [] and s["spoke_online"] is False


def test_media_streams_completed_uploads_only(hub, spoke, other_spoke):
    case_id = waiting_case(spoke)
    photo = attachment_record(case_id, PHOTO, caption="rash on the arm")
    audio = attachment_record(case_id, AUDIO, kind="audio", mime="audio/ogg")
    assert [r["status"] for r in spoke.push(op("attachment", photo), op("attachment", audio))] == [
        "applied",
        "applied",
    ]
    url, _ = create(spoke, photo["id"], PHOTO, encounter_id=case_id, mime="image/jpeg")
    assert patch(spoke, url, 0, PHOTO).status_code == 204
    half_url, _ = create(spoke, audio["id"], AUDIO, encounter_id=case_id, mime="audio/ogg")
    assert patch(spoke, half_url, 0, AUDIO[:700]).status_code == 204  # not complete

    add_doctor(hub.store)
    token = login(hub.client)
    attachments = {a["media_id"]: a for a in summary(hub, token, case_id).json()["attachments"]}
    assert attachments[photo["id"]]["url"] == f"/console/api/media/{photo['id']}"
    assert attachments[photo["id"]]["caption"] == "rash on the arm"
    assert attachments[audio["id"]]["url"] is None and not attachments[audio["id"]]["complete"]

    got = hub.client.get(f"/console/api/media/{photo['id']}", headers=as_doctor(token))
    assert got.status_code == 200 and got.content == PHOTO
    assert got.headers["content-type"] == "image/jpeg"
    for media_id in (audio["id"], "no-such-media"):
        r = hub.client.get(f"/console/api/media/{media_id}", headers=as_doctor(token))
        assert r.status_code == 404
    # A device is not a doctor: no token of a spoke opens the console's media.
    r = hub.client.get(f"/console/api/media/{photo['id']}", headers=other_spoke.headers)
    assert r.status_code == 401


def test_a_doctor_reads_only_cases_of_their_specialties(hub, spoke):
    case_id = waiting_case(spoke, specialty="dermatology")
    draft = waiting_case(spoke, state="draft")
    add_doctor(hub.store, specialties=("paediatrics",))
    add_doctor(hub.store, "derm", specialties=("dermatology",))
    token, derm = login(hub.client), login(hub.client, "derm")
    assert summary(hub, token, case_id).status_code == 404
    r = hub.client.post(
        f"/console/api/cases/{case_id}/notes", json={"text": "x"}, headers=as_doctor(token)
    )
    assert r.status_code == 404
    assert summary(hub, derm, case_id).status_code == 200
    assert summary(hub, derm, draft).status_code == 404  # drafts are the centre's alone


def test_notes_are_kept_at_the_hub(hub, spoke):
    case_id = waiting_case(spoke)
    add_doctor(hub.store)
    token = login(hub.client)
    before = spoke.pull()
    url = f"/console/api/cases/{case_id}/notes"
    r = hub.client.post(url, json={"text": "  Review BP in a week.  "}, headers=as_doctor(token))
    assert r.status_code == 200 and r.json()["text"] == "Review BP in a week."
    for bad in ({"text": ""}, {"text": "   "}, {"text": "x" * 4001}, {"words": "hi"}):
        assert hub.client.post(url, json=bad, headers=as_doctor(token)).status_code == 400
    notes = summary(hub, token, case_id).json()["notes"]
    assert [(n["text"], n["doctor"]) for n in notes] == [("Review BP in a week.", "Dr. Asha Rao")]
    assert spoke.pull(cursor=before["cursor"])["changes"] == []  # nothing for the spoke


def test_the_ice_config_and_the_live_flag(tmp_path, clock):
    servers = [{"urls": ["turn:turn.example.org:3478"], "username": "u", "credential": "c"}]
    hub = CallHubUnderTest(tmp_path, clock, ice_servers=servers)
    with hub.client:
        spoke = hub.enrol()
        case_id = waiting_case(spoke)
        add_doctor(hub.store)
        token = login(hub.client)
        config = hub.client.get("/console/api/config", headers=as_doctor(token))
        assert config.json() == {"ice_servers": servers}
        with open_call(hub, spoke, case_id) as call:
            until(call, "queue")
            assert summary(hub, token, case_id).json()["spoke_online"] is True
            queue = hub.client.get("/console/api/queue", headers=as_doctor(token)).json()
            assert [(i["case_id"], i["spoke_online"]) for i in queue["live"]] == [(case_id, True)]
    hub.store.close()
