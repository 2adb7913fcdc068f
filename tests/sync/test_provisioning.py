"""Provisioning: the file district IT drops (``read_provisioning_file``), https required
away from this machine (the file and the CLI), enrolment over TLS with a real hub serving a
self-signed certificate (trusted as a CA bundle, or pinned by its SHA-256; refused as
``tls`` when untrusted or pinned wrong), a one-time code used twice, and the app picking up
a dropped ``provision.toml`` at login (``EngineHost``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from spoke_client.engine.host import EngineHost
from spoke_client.store.keyvault import KdfParams
from spoke_client.store.store import Store, StorePaths
from spoke_client.store.timestamps import utc_now
from spoke_client.sync.errors import SyncError
from spoke_client.sync.provision import PROVISION_FILE, read_provisioning_file
from tests.hub.test_serve import Served, hub_cli
from tests.support.certs import self_signed

from .conftest import wait_until
from .spoke import IST, PIN, Spoke

ROOT = Path(__file__).resolve().parents[2]


# ---- the provisioning file -----------------------------------------------------------------
def test_a_full_provisioning_file(tmp_path):
    (tmp_path / "district-ca.pem").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n", "ascii")
    path = tmp_path / PROVISION_FILE
    path.write_text(
        """
[hub]
url = "https://hub.district.example/"
enrol_code = "  K7QF-29XM-PL4D "
ca_bundle = "district-ca.pem"
pinned_sha256 = "AB:CD:EF"
device_name = "HWC Rampur desk 1"

[call]
relay_only = true
ice_servers = [{ urls = ["turn:hub.district.example:3478"], username = "u", credential = "p" }]
""",
        encoding="utf-8",
    )
    prov = read_provisioning_file(path)
    assert prov.hub_url == "https://hub.district.example"
    assert prov.enrol_code == "K7QF-29XM-PL4D"
    assert prov.ca_bundle == "-----BEGIN CERTIFICATE-----\nMIIB\n"
    assert prov.pinned_sha256 == "AB:CD:EF"
    assert prov.device_name == "HWC Rampur desk 1"
    assert prov.call["relay_only"] is True
    assert prov.call["ice_servers"][0]["urls"] == ["turn:hub.district.example:3478"]


def test_a_minimal_provisioning_file(tmp_path):
    path = tmp_path / PROVISION_FILE
    path.write_text('[hub]\nurl = "http://127.0.0.1:8765"\nenrol_code = "ABCD-EFGH"\n')
    prov = read_provisioning_file(path)
    assert (prov.hub_url, prov.enrol_code) == ("http://127.0.0.1:8765", "ABCD-EFGH")
    assert prov.device_name and prov.ca_bundle is None and prov.pinned_sha256 is None
    assert prov.call == {}


@pytest.mark.parametrize(
    "text, kind, why",
    [
        ('[hub]\nenrol_code = "ABCD-EFGH"\n', "provisioning-file", "needs [hub] url"),
        ('[hub]\nurl = "https://hub.example"\n', "provisioning-file", "needs [hub] url"),
        ('url = "https://hub.example"\nenrol_code = "ABCD"\n', "provisioning-file", "needs"),
        (
            '[hub]\nurl = "https://hub.example\nenrol_code = "ABCD"\n',
            "provisioning-file",
            "not-toml",
        ),
        (
            '[hub]\nurl = "https://hub.example"\nenrol_code = "ABCD"\nca_bundle = "gone.pem"\n',
            "provisioning-file",
            "ca-unreadable",
        ),
        (
            '[hub]\nurl = "http://hub.district.example"\nenrol_code = "ABCD"\n',
            "insecure-url",
            "https-required",
        ),
        (
            '[hub]\nurl = "ftp://hub.district.example"\nenrol_code = "ABCD"\n',
            "insecure-url",
            "not-a-url",
        ),
    ],
    ids=["no-url", "no-code", "no-hub-table", "bad-toml", "ca-missing", "http-away", "not-http"],
)
def test_a_provisioning_file_that_cannot_be_used(tmp_path, text, kind, why):
    path = tmp_path / PROVISION_FILE
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SyncError) as refused:
        read_provisioning_file(path)
    assert refused.value.kind == kind
    assert str(refused.value.params["why"]).startswith(why)


def test_a_missing_provisioning_file(tmp_path):
    with pytest.raises(SyncError) as refused:
        read_provisioning_file(tmp_path / "nowhere.toml")
    assert refused.value.params["why"] == "unreadable"


def cli(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spoke_client.cli", "--data-dir", str(data), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_the_cli_refuses_http_away_from_this_machine(tmp_path):
    data = tmp_path / "data"
    store, _ = Store.create(
        StorePaths(data),
        facility_code="HWC-0001",
        facility_name="Rampur",
        operator="asha",
        pin=PIN,
        kdf=KdfParams.light(),
    )
    store.close()
    r = cli(
        data,
        "provision",
        "--hub",
        "http://hub.district.example",
        "--code",
        "ABCD-EFGH",
        stdin=f"{PIN}\n",
    )
    assert r.returncode == 1
    assert "http://hub.district.example cannot be used (https-required)" in r.stderr
    assert "over https" in r.stderr and "Traceback" not in r.stderr
    toml = tmp_path / PROVISION_FILE
    toml.write_text('[hub]\nurl = "http://10.0.0.5:8765"\nenrol_code = "ABCD-EFGH"\n')
    r = cli(data, "provision", "--file", str(toml))  # refused before any PIN is asked
    assert r.returncode == 1 and "https-required" in r.stderr and "Traceback" not in r.stderr
    store = Store.open(StorePaths(data), operator="asha", pin=PIN)
    try:
        assert store.sync.link() is None
    finally:
        store.close()


# ---- enrolment over TLS with a real hub --------------------------------------------------------
class TlsHub:
    def __init__(self, folder: Path) -> None:
        self.cert, key, self.fingerprint = self_signed(folder)
        self.ca = self.cert.read_text("ascii")
        self.data = folder / "hub"
        self.served = Served(self.data, "--cert", str(self.cert), "--key", str(key))
        self.url = self.served.url

    def code(self, facility: str = "HWC-0001") -> str:
        made = hub_cli(self.data, "enrol-code", "--facility", facility, "--quiet")
        assert made.returncode == 0, made.stderr
        return made.stdout.strip()


@pytest.fixture(scope="module")
def tls_hub(tmp_path_factory):
    hub = TlsHub(tmp_path_factory.mktemp("tls"))
    assert hub.url.startswith("https://127.0.0.1:")
    yield hub
    hub.served.stop()


def provision(spoke: Spoke, hub: TlsHub, code: str, **trust) -> dict:
    return spoke.run(spoke.engine.provision(hub.url, code, device_name="desk", **trust))


@pytest.mark.parametrize("trust", ["ca_bundle", "pinned_sha256"])
def test_enrol_and_sync_over_https_with_a_self_signed_hub(tls_hub, make_spoke, trust):
    spoke = make_spoke(trust)
    given = (
        {"ca_bundle": tls_hub.ca}
        if trust == "ca_bundle"
        else {"pinned_sha256": tls_hub.fingerprint}
    )
    link = provision(spoke, tls_hub, tls_hub.code(), **given)
    assert link["hub_url"] == tls_hub.url and link["facility_code"] == "HWC-0001"
    assert "token" not in link
    stored = spoke.session.worker.call(lambda s: s.sync.link())
    assert {k: stored[k] for k in given} == given and stored["token"]
    # The stored trust is what the sync service uses afterwards.
    spoke.make_cases(1, photos=1, photo_bytes=30_000, seed=31)
    outcome = spoke.run(spoke.engine.sync_now())
    assert outcome.ok and (outcome.pushed, outcome.uploaded) == (3, 1), outcome.problem


def test_an_untrusted_or_wrongly_pinned_hub_is_refused_as_tls(tmp_path, tls_hub, make_spoke):
    spoke = make_spoke()
    code = tls_hub.code()
    wrong_pin = "00:" * 31 + "00"
    for trust, why in (
        ({}, "certificate"),  # the system's authorities do not know this certificate
        ({"pinned_sha256": wrong_pin}, "pinned-certificate-mismatch"),
        ({"ca_bundle": self_signed_ca(tmp_path)}, "certificate"),  # another CA
    ):
        with pytest.raises(SyncError) as refused:
            provision(spoke, tls_hub, code, **trust)
        assert refused.value.params == {"kind": "tls", "why": why}, trust
        assert spoke.run(spoke.engine.hub_link()) is None
    # Nothing reached the hub: the same code still enrols once trust is right.
    assert provision(spoke, tls_hub, code, ca_bundle=tls_hub.ca)["hub_url"] == tls_hub.url


def self_signed_ca(folder: Path) -> str:
    other = folder / "other-ca"
    other.mkdir()
    cert, _key, _fp = self_signed(other)
    return cert.read_text("ascii")


def test_a_one_time_code_used_twice(tls_hub, make_spoke):
    code = tls_hub.code()
    first, second = make_spoke("first"), make_spoke("second")
    provision(first, tls_hub, code, ca_bundle=tls_hub.ca)
    with pytest.raises(SyncError) as refused:
        provision(second, tls_hub, code, ca_bundle=tls_hub.ca)
    assert refused.value.kind == "enrol-code-invalid"
    assert second.run(second.engine.hub_link()) is None


# ---- the app picks up a dropped provision.toml at login ---------------------------------------
@pytest.fixture
def host_factory(tmp_path):
    hosts: list[EngineHost] = []

    def make(name: str) -> EngineHost:
        host = EngineHost(StorePaths(tmp_path / name), clock=utc_now, tz=IST, kdf=KdfParams.light)
        host.start()
        hosts.append(host)
        host.thread.run(host.set_up("HWC-0001", "Rampur", "asha", PIN))
        host.thread.run(host.lock_store())  # as the app is at its next start
        return host

    yield make
    for host in hosts:
        host.stop()


def drop_file(host: EngineHost, hub: TlsHub, code: str) -> Path:
    folder = host.paths.root
    (folder / "district-ca.pem").write_text(hub.ca, "ascii")
    path = folder / PROVISION_FILE
    path.write_text(
        f'[hub]\nurl = "{hub.url}"\nenrol_code = "{code}"\nca_bundle = "district-ca.pem"\n'
        'device_name = "Rampur desk"\n',
        encoding="utf-8",
    )
    return path


def test_the_app_enrols_from_a_dropped_file_at_login(tls_hub, host_factory):
    code = tls_hub.code()
    host = host_factory("app")
    path = drop_file(host, tls_hub, code)
    engine = host.thread.run(host.unlock("asha", PIN))
    wait_until(lambda: host.thread.run(engine.hub_link()), 15, what="enrolment from the file")
    link = host.thread.run(engine.hub_link())
    assert link["hub_url"] == tls_hub.url and link["ca_bundle"] == tls_hub.ca
    wait_until(lambda: path.with_suffix(".toml.used").is_file(), 5, what="the file renamed")
    assert not path.exists()
    # The background sync, woken by the enrolment, reaches the hub over TLS.
    wait_until(lambda: host.thread.run(engine.sync_status()).last_success, 15, what="a first sync")

    # A second desktop handed the same (now used) code: the file stays, the status says why.
    other = host_factory("other")
    other_path = drop_file(other, tls_hub, code)
    other_engine = other.thread.run(other.unlock("asha", PIN))

    def refused():
        error = other.thread.run(other_engine.sync_status()).last_error or {}
        return error.get("kind") == "enrol-code-invalid"

    wait_until(refused, 15, what="the enrolment problem in the status")
    assert other.thread.run(other_engine.hub_link()) is None
    assert other_path.is_file() and not other_path.with_suffix(".toml.used").exists()
    # A later round (a patient saved, Sync now) still reports why, not "not set up".
    outcome = other.thread.run(other_engine.sync_now())
    assert outcome.problem["kind"] == "enrol-code-invalid"
    assert refused()
