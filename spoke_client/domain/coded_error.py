"""The base of the failures the lower layers raise: a stable code with parameters.

Sentences are made by the UI (through ``tr()``) and by the CLI (in English), never here.
Store and capture errors both derive from this, so a caller can word any of them.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CodedError(Exception):
    code: ClassVar[str] = "error"

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.code, params)

    def __str__(self) -> str:  # for logs and tracebacks: code and parameters only
        inner = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params.items()))
        return f"{self.code}({inner})"
