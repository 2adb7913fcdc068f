"""Provisioning: turning a one-time enrolment code into this desktop's hub credential.

District IT either runs ``spoke-client provision --hub URL --code CODE`` or drops a
provisioning file (``provision.toml``) beside the program or in the data folder::

    [hub]
    url = "https://hub.district.example"
    enrol_code = "K7QF-29XM-PL4D"
    ca_bundle = "district-ca.pem"     # optional: trust this CA (path relative to this file)
    pinned_sha256 = "AB:CD:..."        # optional: accept only this exact certificate
    device_name = "HWC Rampur desk 1"  # optional

    [call]                             # for live consults: STUN/TURN and relay-only
    relay_only = false
    ice_servers = [{ urls = ["turn:hub.district.example:3478"], username = "u", credential = "p" }]

https is required unless the hub is on this machine. The credential is kept only inside
the encrypted store.
"""

from __future__ import annotations

import platform
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from spoke_client.sync.errors import SyncError
from spoke_client.sync.hublink import HubLink, check_hub_url

PROVISION_FILE = "provision.toml"


@dataclass(frozen=True)
class Provisioning:
    hub_url: str
    enrol_code: str
    device_name: str
    ca_bundle: str | None = None  # PEM text
    pinned_sha256: str | None = None
    call: dict[str, Any] = field(default_factory=dict)


def default_device_name() -> str:
    return platform.node() or "spoke desktop"


def read_provisioning_file(path: Path) -> Provisioning:
    """Parse a provisioning file; ``SyncError(kind="provisioning-file", why=...)`` if wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise SyncError(kind="provisioning-file", path=str(path), why="unreadable") from None
    except tomllib.TOMLDecodeError as exc:
        raise SyncError(kind="provisioning-file", path=str(path), why=f"not-toml: {exc}") from None
    hub = data.get("hub")
    if not isinstance(hub, dict) or not hub.get("url") or not hub.get("enrol_code"):
        raise SyncError(
            kind="provisioning-file", path=str(path), why="needs [hub] url and enrol_code"
        )
    ca_text = None
    if hub.get("ca_bundle"):
        ca_path = (path.parent / str(hub["ca_bundle"])).resolve()
        try:
            ca_text = ca_path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise SyncError(
                kind="provisioning-file", path=str(ca_path), why="ca-unreadable"
            ) from None
    call = data.get("call") if isinstance(data.get("call"), dict) else {}
    return Provisioning(
        hub_url=check_hub_url(str(hub["url"])),
        enrol_code=str(hub["enrol_code"]).strip(),
        device_name=str(hub.get("device_name") or default_device_name()),
        ca_bundle=ca_text,
        pinned_sha256=str(hub["pinned_sha256"]) if hub.get("pinned_sha256") else None,
        call=call,
    )


async def enrol(prov: Provisioning, *, clock: Callable[[], datetime]) -> dict[str, Any]:
    """Exchange the code for a device credential; returns the row for ``SyncRepo.save_link``."""
    async with HubLink(
        prov.hub_url, ca_bundle=prov.ca_bundle, pinned_sha256=prov.pinned_sha256, clock=clock
    ) as link:
        reply = await link.enrol(prov.enrol_code, prov.device_name)
    return {
        "hub_url": prov.hub_url,
        "device_id": reply.device_id,
        "token": reply.token,
        "facility_code": reply.facility_code,
        "facility_name": reply.facility_name,
        "hub_id": reply.hub_id,
        "ca_bundle": prov.ca_bundle,
        "pinned_sha256": prov.pinned_sha256,
        "extra": {"call": prov.call, "epoch_at_enrolment": reply.epoch},
    }
