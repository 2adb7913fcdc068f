"""What the routes share (:class:`HubContext`, kept on ``app.state.hub``) and the device
dependency every authenticated route takes (:data:`DeviceDep`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from spoke_client.sync.protocol import ErrorCode

from .clock import Clock
from .errors import ApiError
from .model import Device, HubRefused
from .store import HubStore


@dataclass
class HubContext:
    """The store, the clock and the upload settings of one app."""

    store: HubStore
    clock: Clock
    upload_expiry: timedelta
    idle_timeout: float


def _auth_error(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def current_device(request: Request) -> Device:
    """The enrolled, unrevoked device whose bearer token came with the request (401
    ``unauthenticated`` or ``device-revoked`` otherwise)."""
    ctx: HubContext = request.app.state.hub
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _auth_error(ErrorCode.UNAUTHENTICATED, "This call needs a device token.")
    try:
        return ctx.store.authenticate(token.strip(), now=ctx.clock())
    except HubRefused as refused:
        raise _auth_error(refused.code, refused.message) from None


DeviceDep = Annotated[Device, Depends(current_device)]
