"""English words for the lower layers' codes, for the CLI that district IT uses.

The GUI has its own wording through Qt's tr(), so every language covers every message.
"""

from __future__ import annotations

from spoke_client.domain.refusals import DomainRefused
from spoke_client.store.errors import StoreError

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
