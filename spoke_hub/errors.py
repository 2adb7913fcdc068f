"""Every answer that is not 2xx is an ErrorReply.

:class:`ApiError` is raised by endpoints and dependencies; :func:`install_handlers` turns
it, FastAPI's validation errors and Starlette's HTTP errors into :class:`ErrorReply`
bodies. Validation details carry the field locations and error types only, never the
values sent (they may be patient data); logs carry an exception's type and code location,
never its message.
"""

from __future__ import annotations

import logging
import os
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from spoke_client.sync.protocol import (
    MAX_PUSH_OPS,
    ErrorBody,
    ErrorCode,
    ErrorReply,
)

log = logging.getLogger("spoke_hub")

_STATUS_CODES = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHENTICATED,
    404: ErrorCode.NOT_FOUND,
    409: ErrorCode.OFFSET_MISMATCH,
    410: ErrorCode.UPLOAD_EXPIRED,
    413: ErrorCode.TOO_LARGE,
    460: ErrorCode.CHECKSUM_MISMATCH,
}


class ApiError(Exception):
    """An error answer: HTTP ``status``, ErrorReply ``code``/``message``/``detail``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        detail: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, str(code), message
        self.detail = detail or {}
        self.headers = headers or {}


def error_body(code: str, message: str, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    return ErrorReply(
        error=ErrorBody(code=str(code), message=message, detail=detail or {})
    ).model_dump()


def error_response(
    status: int,
    code: str,
    message: str,
    detail: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, detail), status_code=status, headers=headers)


def safe_errors(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors without the values sent: location and error type only."""
    out = []
    for e in errors[:20]:
        loc = [p if isinstance(p, int | str) else str(p) for p in e.get("loc", ())]
        out.append({"loc": loc, "type": str(e.get("type", "invalid"))})
    return out


def install_handlers(app: FastAPI) -> None:
    """Answer every error as an ErrorReply (the 500 handler is a backstop: ProtocolGate
    already catches escaped exceptions so it can stamp the hub's time on them)."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        if any(
            e.get("type") == "too_long" and tuple(e.get("loc", ())) == ("body", "ops")
            for e in errors
        ):
            return error_response(
                413,
                ErrorCode.TOO_LARGE,
                f"A push carries at most {MAX_PUSH_OPS} ops; send them in smaller batches.",
                {"max_ops": MAX_PUSH_OPS},
            )
        return error_response(
            400,
            ErrorCode.BAD_REQUEST,
            "The request does not fit the protocol.",
            {"errors": safe_errors(errors)},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _STATUS_CODES.get(exc.status_code, ErrorCode.BAD_REQUEST)
        message = exc.detail if isinstance(exc.detail, str) else "The request was refused."
        return error_response(exc.status_code, code, message, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:  # pragma: no cover
        log_internal(request.method, request.url.path, exc)
        return error_response(500, ErrorCode.INTERNAL, "The hub failed; it has been logged.")


def log_internal(method: str, path: str, exc: BaseException) -> None:
    """Log an unexpected failure WITHOUT its message (which may quote patient data): the
    exception's type and where in the code it happened."""
    frames = traceback.extract_tb(exc.__traceback__)[-8:]  # the innermost: where it broke
    where = " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno} {f.name}" for f in frames[::-1])
    log.error("internal error on %s %s: %s at %s", method, path, type(exc).__name__, where)
