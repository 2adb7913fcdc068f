"""English words for the lower layers' codes, for the CLI that district IT uses.

The GUI has its own wording through Qt's tr(), so every language covers every message.
"""

from __future__ import annotations

from spoke_client.domain.refusals import DomainRefused
from spoke_client.store.errors import StoreError
from spoke_client.sync.errors import SyncError

_STORE: dict[str, str] = {
    "disk-full": "The disk is almost full ({free_mb} MB free). Nothing was saved; free some "
    "space and try again.",
    "media-corrupt": "A photo or recording ({media_id}) is damaged or was changed on disk; "
    "it cannot be read.",
    "media-missing": "A photo or recording ({media_id}) is missing from the media folder.",
    "wrong-pin": "Wrong PIN for {operator}. {tries_left} tries left before the operator is "
    "locked out.",
    "pin-too-short": "A PIN must be at least {min_digits} digits, and digits only.",
    "pin-backoff": "Too many wrong PINs for {operator}: wait {retry_after_seconds} seconds "
    "before trying again.",
    "operator-locked": "{operator} is locked out after too many wrong PINs. District IT can "
    "set a new PIN with 'spoke-client operator reset-pin {operator}' and the recovery code.",
    "unknown-operator": "There is no operator called '{operator}'.",
    "operator-exists": "There is already an operator called '{operator}'.",
    "wrong-recovery-code": "That recovery code is not right for this store.",
    "store-missing": "There is no Spoke store in {path}.",
    "store-exists": "A store already exists in {path}. Nothing was changed.",
    "store-newer-than-app": "This store was last used by a newer version of Spoke client "
    "(schema {store_version}; this one knows {app_version}). Install the newer version.",
    "store-unreadable": "The store in {path} could not be opened with this key, or it is "
    "not a Spoke store.",
    "keyslot-file-corrupt": "The key-slot file {path} is damaged. Restore it from the "
    "latest backup.",
    "not-found": "No {entity} with id {id}.",
    "restore-target-not-empty": "{path} is not empty. Restore and export only write into an "
    "empty or new folder, so nothing there is overwritten.",
    "backup-corrupt": "The backup in {path} is damaged or incomplete ({reason}); nothing "
    "was restored.",
}


_SYNC: dict[str, str] = {
    "not-provisioned": "This desktop is not enrolled with a hub yet. Run 'spoke-client "
    "provision --hub URL --code CODE' (the code comes from 'spoke-hub enrol-code').",
    "insecure-url": "The hub address {url} cannot be used ({why}): a hub must be reached "
    "over https unless it runs on this machine.",
    "hub-unreachable": "The hub could not be reached (no network, or the hub is down). "
    "Everything stays queued and is sent when the link returns.",
    "timeout": "The hub did not answer in time. Everything stays queued.",
    "tls": "The hub's certificate was not accepted ({why}). Check the CA bundle or pinned "
    "certificate in the provisioning file, or a captive portal on the network.",
    "hub-error": "The hub had an internal problem (HTTP {status}). Sync will try again.",
    "hub-busy": "The hub is busy (HTTP {status}); sync will try again in {retry_after:.0f} s.",
    "bad-reply": "The hub's answer could not be understood ({what}); nothing was marked as "
    "sent. Sync will try again.",
    "update-needed": "The hub needs a newer version of Spoke client. Update this desktop; "
    "work stays queued until then.",
    "device-revoked": "The hub has withdrawn this desktop's access. Ask the hub "
    "administrator, then enrol again with a new code.",
    "not-enrolled": "The hub does not recognise this desktop. Enrol again with a new code.",
    "enrol-code-invalid": "That enrolment code is not valid: it was already used, has "
    "expired or was mistyped. Ask for a new one ('spoke-hub enrol-code').",
    "refused": "The hub refused the request (HTTP {status}, {hub_code}).",
    "too-large": "An item is too large for the hub to accept.",
    "upload-lost": "A photo or recording ({media_id}) is no longer on this desktop and the "
    "hub does not have it.",
    "provisioning-file": "The provisioning file {path} cannot be used: {why}.",
}


def describe_sync(error: SyncError | dict) -> str:
    params = dict(error.params) if isinstance(error, SyncError) else dict(error)
    kind = str(params.pop("kind", "unknown"))
    template = _SYNC.get(kind)
    if template is None:
        return f"Sync problem ({kind})."
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError, TypeError):
        return f"{template.split('{')[0].strip()} ({kind})"


def describe(error: StoreError | DomainRefused) -> str:
    if isinstance(error, DomainRefused):
        return "; ".join(_refusal(r) for r in error.refusals) or "That change is not allowed."
    params = dict(error.params)
    if "free_bytes" in params:
        params["free_mb"] = params["free_bytes"] // 1_000_000
    template = _STORE.get(error.code)
    if template is None:
        return f"Unexpected store problem ({error})."
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return f"{template.split('{')[0].strip()} ({error})"


def _refusal(refusal: object) -> str:
    fields = {k: v for k, v in vars(refusal).items() if v is not None}
    code = getattr(refusal, "code", type(refusal).__name__)
    field = fields.pop("field", "")
    if "low" in fields and "high" in fields:
        return f"{field}: {fields.get('value')} is outside {fields['low']}–{fields['high']}"
    detail = ", ".join(f"{k}={v}" for k, v in fields.items())
    return f"{field or code}: {detail}" if detail else (field or code)
