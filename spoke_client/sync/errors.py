"""Sync failures as codes with parameters: ``SyncError(kind="hub-unreachable")``.

The UI words them with ``tr()``; the CLI in English. ``retryable`` says whether the sync
loop keeps trying by itself (with backoff) or waits for someone to act.
"""

from __future__ import annotations

from spoke_client.domain.coded_error import CodedError

# Kinds the loop retries for ever, with full-jitter backoff (Retry-After honoured).
RETRYABLE = frozenset(
    {
        "hub-unreachable",  # refused, reset, cut, DNS
        "timeout",  # no answer in time (a hub that accepts and never answers)
        "hub-error",  # 5xx
        "hub-busy",  # 429, 503 with Retry-After, 408
        "bad-reply",  # malformed JSON or wrong schema: never taken as success
        "tls",  # certificate problem: often a captive portal; shown, and retried slowly
    }
)


class SyncError(CodedError):
    """``kind`` is one of: not-provisioned, insecure-url, hub-unreachable, timeout, tls,
    hub-error (status), hub-busy (status, retry_after), bad-reply (what), update-needed
    (supported), device-revoked, not-enrolled, enrol-code-invalid, refused (status,
    hub_code), too-large, upload-lost (media_id), other-facility."""

    code = "sync-error"

    @property
    def kind(self) -> str:
        return str(self.params.get("kind", "unknown"))

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE

    @property
    def retry_after(self) -> float:
        value = self.params.get("retry_after")
        return float(value) if isinstance(value, int | float) else 0.0
