"""spoke-hub's commands (in-process through ``main``), backup and restore."""

from __future__ import annotations

import hashlib
import json

import pytest
from fastapi.testclient import TestClient

from spoke_hub.app import create_app
from spoke_hub.backup import RunLock
from spoke_hub.cli import main
from spoke_hub.store import HubStore

from .conftest import PROTO, encounter_record, op, patient_record
from .test_pull import RX
from .test_tus import DATA, create, patch


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(tmp_path):
    return tmp_path / "hubdata"


def test_enrol_code_device_list_and_revoke(capsys, data):
    code, out, err = run(
        capsys, "enrol-code", "--facility", "HWC-7", "--name", "Sonpur", "--data", str(data)
    )
    assert code == 0 and "valid 72 hours" in err
    enrol_code = out.strip()
    assert len(enrol_code) == 14 and enrol_code.count("-") == 2

    with HubStore.open(data) as store:
        reply = store.enrol(enrol_code, "front desk")
    code, out, _ = run(capsys, "--data", str(data), "device", "list")
    assert code == 0 and reply.device_id in out and "HWC-7" in out and "active" in out

    code, out, _ = run(capsys, "device", "revoke", reply.device_id, "--data", str(data))
    assert code == 0 and "revoked" in out
    code, _, err = run(capsys, "device", "revoke", "no-such-device", "--data", str(data))
    assert code == 1 and "No device has the id no-such-device" in err

    code, out, err = run(
        capsys, "enrol-code", "--facility", "HWC-7", "--quiet", "--data", str(data)
    )
    assert code == 0 and err == "" and len(out.strip()) == 14


def test_commands_on_a_missing_hub_say_so(capsys, data):
    code, _, err = run(capsys, "stats", "--data", str(data))
    assert code == 1 and "no hub data" in err.lower()
    assert not data.exists()


def test_case_commands(capsys, tmp_path, data):
    with HubStore.open(data) as store:
        reply = store.enrol(store.create_enrol_code("HWC-1"), "desk")
        device = store.authenticate(reply.token)
        p = patient_record()
        e = encounter_record(p["id"], state="waiting_for_doctor")
        store.apply_push(device, [_op(op("patient", p)), _op(op("encounter", e))])

    d = ["--data", str(data)]
    code, out, _ = run(capsys, "case", "move", e["id"], "in_consult", *d)
    assert code == 0 and "in_consult" in out
    code, _, err = run(capsys, "case", "move", e["id"], "closed", *d)
    assert code == 1 and "cannot move case" in err and "in_consult" in err

    code, out, _ = run(capsys, "case", "message", e["id"], "Please wait, doctor joining", *d)
    assert code == 0

    rx_file = tmp_path / "rx.json"
    rx_file.write_text(json.dumps(RX | {"items": []} | {"advice": ""}))
    code, _, err = run(capsys, "case", "prescribe", e["id"], str(rx_file), *d)
    assert code == 1 and "items: required" in err
    rx_file.write_text("{not json")
    code, _, err = run(capsys, "case", "prescribe", e["id"], str(rx_file), *d)
    assert code == 1 and "not a JSON file" in err
    rx_file.write_text(json.dumps(RX))
    code, out, _ = run(capsys, "case", "prescribe", e["id"], str(rx_file), *d)
    assert code == 0 and "Prescription issued" in out

    with HubStore.open(data) as store:
        changes, _, _ = store.pull("HWC-1", 0, 100)
        assert [c.kind.value for c in changes] == [
            "case_state",
            "message",
            "case_state",
            "prescription",
        ]
        assert store.encounter(e["id"]).state == "prescribed"

    code, out, _ = run(capsys, "stats", "--json", *d)
    stats = json.loads(out)["facilities"]["HWC-1"]
    assert (stats["patients"], stats["encounters"], stats["devices"]) == (1, 1, 1)
    assert stats["encounter_ids"] == [e["id"]]
    code, out, _ = run(capsys, "stats", *d)
    assert "HWC-1" in out and "1 encounter(s)" in out


def _op(raw: dict):
    from spoke_client.sync.protocol import Op

    return Op.model_validate(raw)


def test_backup_and_restore_draw_a_new_epoch_and_keep_everything(capsys, tmp_path, data, clock):
    store = HubStore.open(data, clock=clock)
    client = TestClient(create_app(store))
    reply = store.enrol(store.create_enrol_code("HWC-1"), "desk")
    headers = PROTO | {"Authorization": f"Bearer {reply.token}"}
    p = patient_record()
    client.post("/v1/push", json={"ops": [op("patient", p)]}, headers=headers)

    class Spoke:  # the bits of tests.hub.conftest.Spoke that create/patch use
        def tus(self, method, url, extra=None, **kw):
            all_headers = headers | {"Tus-Resumable": "1.0.0"} | (extra or {})
            return client.request(method, url, headers=all_headers, **kw)

    url, media_id = create(Spoke())
    assert patch(Spoke(), url, 0, DATA).status_code == 204
    unused_code = store.create_enrol_code("HWC-1")
    old_epoch, hub_id = store.epoch, store.hub_id

    backup_dir = tmp_path / "backup"
    code, out, _ = run(capsys, "backup", str(backup_dir), "--data", str(data))
    assert code == 0 and hub_id in out
    manifest = json.loads((backup_dir / "backup.json").read_text())
    assert manifest["epoch"] == old_epoch and manifest["media_files"] == 1
    code, _, err = run(capsys, "backup", str(backup_dir), "--data", str(data))
    assert code == 1 and "not empty" in err

    # restore refuses while a hub serves the folder
    lock = RunLock(data / "serve.lock")
    assert lock.acquire()
    code, _, err = run(capsys, "restore", str(backup_dir), "--data", str(data))
    assert code == 1 and "stop it" in err
    lock.release()
    store.close()

    # the hub loses its data; the backup comes back with a new epoch
    for path in data.iterdir():
        if path.is_file():
            path.unlink()
    code, out, _ = run(capsys, "restore", str(backup_dir), "--data", str(data))
    assert code == 0
    new_epoch = out.strip().rsplit(" ", 1)[-1]
    assert new_epoch != old_epoch and len(new_epoch) == 16

    restored = HubStore.open(data, clock=clock)
    assert (restored.epoch, restored.hub_id) == (new_epoch, hub_id)
    assert restored.patient(p["id"]).record == p
    assert restored.completed_media("HWC-1") == {media_id: hashlib.sha256(DATA).hexdigest()}
    assert restored.media_sha256("HWC-1", media_id) == hashlib.sha256(DATA).hexdigest()
    with pytest.raises(Exception, match="unknown, already used or expired"):
        restored.enrol(unused_code, "late desk")
    client = TestClient(create_app(restored))
    hello = client.get("/v1/hello", headers=headers)
    assert hello.status_code == 200 and hello.json()["epoch"] == new_epoch
    restored.close()


def test_restore_refuses_what_is_not_a_backup(capsys, tmp_path, data):
    code, _, err = run(capsys, "restore", str(tmp_path), "--data", str(data))
    assert code == 1 and "does not hold a spoke-hub backup" in err


def test_serve_refuses_half_a_tls_pair(capsys, tmp_path, data):
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    code, _, err = run(capsys, "serve", "--cert", str(cert), "--data", str(data))
    assert code == 1 and "both --cert" in err
