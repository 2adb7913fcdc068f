"""The doctor console: its HTTP API, its page, and what it reads of the cases.

The console is a separate FastAPI app that :class:`ConsoleDispatch` puts in front of the
sync API for every path under ``/console``: browsers send no ``Spoke-Protocol`` header and
sign in with a session cookie, not a device token. Routes (all but the page, the static
files, ``login`` and ``config`` need a live session, 401 otherwise):

``GET  /console/``                     the page (``static/`` holds its script and style)
``POST /console/api/login``            ``{username, password}``: sets cookie ``spoke_doctor``
``POST /console/api/logout``           ends the session
``GET  /console/api/me``               name, registration, specialties
``GET  /console/api/config``           ``{"ice_servers": [...]}`` for the browser
``GET  /console/api/queue``            ``{type: "queue", live: [...], review: [...]}``
``GET  /console/api/cases/{id}``       the case summary
``POST /console/api/cases/{id}/notes`` ``{text}``: a note that stays at the hub
``GET  /console/api/media/{media_id}`` a completed upload's bytes, with its mime type
``WS   /console/ws``                   the call socket (:mod:`spoke_hub.signalling`)

:class:`CaseDesk` holds the console's and the calls' database reads and writes. Nothing
here logs: every answer is patient data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import FileResponse, RedirectResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from spoke_client.domain.complaints import complaint_by_code
from spoke_client.domain.encounter import CONDITIONS, CaseState
from spoke_client.domain.patient import Patient
from spoke_client.domain.vitals import VITAL_SPECS, VitalKind, flag_for
from spoke_client.sync.protocol import ErrorCode

from .clock import Clock, iso
from .doctors import SESSION_HOURS, Doctor, Doctors, LoginThrottle
from .errors import ApiError, install_handlers
from .model import HubRefused, Upload
from .store import HubStore

if TYPE_CHECKING:
    from .signalling import CallHub

COOKIE = "spoke_doctor"
PREFIX = "/console"
STATIC_DIR = Path(__file__).parent / "console"
#: Without recent consults the expected length of one (seconds).
DEFAULT_CONSULT_S = 600.0
RECENT_CONSULTS = 20

VITAL_LABELS = {
    VitalKind.SYSTOLIC: "Systolic BP",
    VitalKind.DIASTOLIC: "Diastolic BP",
    VitalKind.PULSE: "Pulse",
    VitalKind.TEMPERATURE: "Temperature",
    VitalKind.SPO2: "SpO2",
    VitalKind.RESP_RATE: "Respiratory rate",
    VitalKind.WEIGHT: "Weight",
    VitalKind.HEIGHT: "Height",
    VitalKind.BMI: "BMI",
    VitalKind.GLUCOSE: "Blood glucose (random)",
    VitalKind.HAEMOGLOBIN: "Haemoglobin",
}
CONDITION_LABELS = {
    "diabetes": "Diabetes",
    "hypertension": "Hypertension",
    "tb": "Tuberculosis",
    "asthma": "Asthma",
    "heart_disease": "Heart disease",
    "epilepsy": "Epilepsy",
    "hiv": "HIV",
    "ckd": "Chronic kidney disease",
    "other": "Other",
}


def age_text(years: int, months: int) -> str:
    """``34 y``, ``2 y 3 m`` (under 5), ``8 m``."""
    if years == 0:
        return f"{months} m"
    if years < 5 and months:
        return f"{years} y {months} m"
    return f"{years} y"


@dataclass(frozen=True)
class QueueCase:
    """A case in a queue (waiting for a doctor, or sent for review)."""

    case_id: str
    facility: str
    facility_name: str
    state: str
    specialty: str | None
    patient_name: str
    age: str
    sex: str
    waiting_since: str

    def item(self, *, spoke_online: bool) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "facility": self.facility,
            "facility_name": self.facility_name,
            "patient_name": self.patient_name,
            "age": self.age,
            "sex": self.sex,
            "specialty": self.specialty,
            "waiting_since": self.waiting_since,
            "spoke_online": spoke_online,
        }


@dataclass(frozen=True)
class CaseBrief:
    id: str
    facility: str
    state: str
    specialty: str | None


def _patient(record: dict[str, Any], today: date) -> tuple[Patient | None, str]:
    try:
        patient = Patient.from_record(record)
        return patient, age_text(*patient.age_on(today))
    except Exception:  # a record the hub accepted is well-formed; be safe on old data
        return None, ""


class CaseDesk:
    """What the console and the call relay read and write about cases."""

    def __init__(self, store: HubStore, clock: Clock) -> None:
        self.store, self.clock = store, clock

    # ---- queues -----------------------------------------------------------------------------

    def queue_cases(self) -> list[QueueCase]:
        """Cases waiting for a doctor (oldest wait first) and sent for review (oldest
        first). A case's wait starts when the hub first sees it waiting, and a dropped call
        does not reset it."""
        today = self.clock().date()
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO queue_entries(encounter_id, since) SELECT id, updated_at"
                " FROM encounters WHERE state = ?",
                (CaseState.WAITING_FOR_DOCTOR.value,),
            )
            rows = conn.execute(
                "SELECT e.id, e.facility, f.name AS facility_name, e.state, e.specialty,"
                " p.record AS patient, COALESCE(q.since, e.updated_at) AS since"
                " FROM encounters e JOIN patients p ON p.id = e.patient_id"
                " JOIN facilities f ON f.code = e.facility"
                " LEFT JOIN queue_entries q ON q.encounter_id = e.id"
                " WHERE e.state IN (?, ?) ORDER BY since, e.id",
                (CaseState.WAITING_FOR_DOCTOR.value, CaseState.SENT_FOR_REVIEW.value),
            ).fetchall()
        out = []
        for r in rows:
            record = json.loads(r["patient"])
            _, age = _patient(record, today)
            out.append(
                QueueCase(
                    case_id=r["id"],
                    facility=r["facility"],
                    facility_name=r["facility_name"],
                    state=r["state"],
                    specialty=r["specialty"],
                    patient_name=str(record.get("name", "")),
                    age=age,
                    sex=str(record.get("sex", "")),
                    waiting_since=r["since"],
                )
            )
        return out

    def brief(self, case_id: str) -> CaseBrief | None:
        rows = self.store._query(
            "SELECT id, facility, state, specialty FROM encounters WHERE id = ?", (case_id,)
        )
        return CaseBrief(**dict(rows[0])) if rows else None

    # ---- the case summary -------------------------------------------------------------------

    def summary(self, case_id: str) -> dict[str, Any] | None:
        """Patient, vitals (flagged), complaints, history and attachments of a case."""
        rows = self.store._query(
            "SELECT e.id, e.facility, f.name AS facility_name, e.state, e.specialty, e.record,"
            " p.id AS patient_id, p.record AS patient FROM encounters e"
            " JOIN patients p ON p.id = e.patient_id JOIN facilities f ON f.code = e.facility"
            " WHERE e.id = ?",
            (case_id,),
        )
        if not rows:
            return None
        r = rows[0]
        record, patient_record = json.loads(r["record"]), json.loads(r["patient"])
        _, age = _patient(patient_record, self.clock().date())
        keep = (
            "name", "sex", "birth_date", "mobile", "abha_number", "abha_address", "village",
            "address", "guardian_name", "guardian_relation",
        )  # fmt: skip
        patient = {k: patient_record.get(k) for k in keep} | {"id": r["patient_id"], "age": age}
        return {
            "case_id": r["id"],
            "facility": r["facility"],
            "facility_name": r["facility_name"],
            "state": r["state"],
            "specialty": r["specialty"],
            "patient": patient,
            "vitals": self._vitals(record.get("vitals") or {}),
            "complaints": self._complaints(record.get("complaints") or []),
            "history": self._history(record.get("history")),
            "attachments": self._attachments(r["facility"], case_id),
        }

    @staticmethod
    def _vitals(values: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for kind in VitalKind:
            if kind.value not in values:
                continue
            try:
                value = float(values[kind.value])
            except (TypeError, ValueError):
                continue
            spec, flag = VITAL_SPECS[kind], flag_for(kind, value)
            out.append(
                {
                    "kind": kind.value,
                    "label": VITAL_LABELS[kind],
                    "value": value,
                    "unit": spec.unit,
                    "ref_low": spec.ref_low,
                    "ref_high": spec.ref_high,
                    "flag": None if flag is None else flag.level.value,
                }
            )
        return out

    @staticmethod
    def _complaints(entries: list[Any]) -> list[dict[str, Any]]:
        out = []
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            code = str(entry.get("code", ""))
            try:
                name = complaint_by_code(code).name
            except KeyError:
                name = code.replace("_", " ").capitalize()
            out.append(
                {
                    "code": code,
                    "name": name,
                    "duration_days": entry.get("duration_days"),
                    "severity": entry.get("severity"),
                    "note": entry.get("note") or "",
                }
            )
        return out

    @staticmethod
    def _history(history: Any) -> dict[str, Any] | None:
        if not isinstance(history, dict):
            return None
        codes = [c for c in history.get("conditions") or [] if c in CONDITIONS]
        return {
            "conditions": [CONDITION_LABELS.get(c, c) for c in codes],
            "pregnant": bool(history.get("pregnant")),
            "lmp": history.get("lmp"),
            "allergies": history.get("allergies") or "",
            "medicines": history.get("medicines") or "",
        }

    def _attachments(self, facility: str, case_id: str) -> list[dict[str, Any]]:
        rows = self.store._query(
            "SELECT a.id, a.record, u.completed_at FROM attachments a LEFT JOIN uploads u"
            " ON u.facility = a.facility AND u.media_id = a.id"
            " WHERE a.facility = ? AND a.encounter_id = ? ORDER BY a.id",
            (facility, case_id),
        )
        out = []
        for r in rows:
            record = json.loads(r["record"])
            if record.get("removed_at"):
                continue
            complete = r["completed_at"] is not None
            out.append(
                {
                    "media_id": r["id"],
                    "kind": record.get("kind"),
                    "mime": record.get("mime"),
                    "size": record.get("size"),
                    "caption": record.get("caption") or "",
                    "created_at": record.get("created_at"),
                    "complete": complete,
                    "url": f"{PREFIX}/api/media/{r['id']}" if complete else None,
                }
            )
        return out

    def completed_media(self, media_id: str) -> tuple[Upload, CaseBrief] | None:
        """A completed upload of ``media_id`` and its case (None if not completed)."""
        rows = self.store._query(
            "SELECT id FROM uploads WHERE media_id = ? AND completed_at IS NOT NULL", (media_id,)
        )
        for row in rows:
            upload = self.store.get_upload(row["id"])
            case = self.brief(upload.encounter_id) if upload else None
            if upload is not None and case is not None and case.facility == upload.facility:
                return upload, case
        return None

    # ---- consults (for the expected wait) ---------------------------------------------------

    def consult_started(
        self, call_id: str, case_id: str, doctor_id: str, specialty: str | None, at: datetime
    ) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO consults(call_id, encounter_id, doctor_id, specialty, accepted_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (call_id, case_id, doctor_id, specialty, iso(at)),
            )

    def consult_ended(
        self, call_id: str, *, seconds: float, by: str, reason: str, at: datetime
    ) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE consults SET ended_at = ?, seconds = ?, ended_by = ?, reason = ?"
                " WHERE call_id = ?",
                (iso(at), seconds, by, reason, call_id),
            )

    def mean_consult_s(self) -> float:
        """The mean length of the last few consults a doctor saw through (600 s if none)."""
        rows = self.store._query(
            "SELECT seconds FROM consults WHERE ended_at IS NOT NULL AND seconds IS NOT NULL"
            " AND reason IN ('finished', 'hung-up') ORDER BY ended_at DESC LIMIT ?",
            (RECENT_CONSULTS,),
        )
        lengths = [float(r["seconds"]) for r in rows if r["seconds"] and r["seconds"] > 0]
        return sum(lengths) / len(lengths) if lengths else DEFAULT_CONSULT_S


# ---- the console app ---------------------------------------------------------------------------


@dataclass
class Console:
    """What the console routes share (kept on the console app's ``state.console``)."""

    store: HubStore
    doctors: Doctors
    desk: CaseDesk
    calls: CallHub
    clock: Clock
    throttle: LoginThrottle
    ice_servers: list[dict[str, Any]]
    session_hours: float = SESSION_HOURS


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=4096)


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)


def _console(request: Request) -> Console:
    return request.app.state.console


def current_doctor(request: Request) -> Doctor:
    """The doctor of the session cookie (401 without a live session)."""
    c = _console(request)
    doctor = c.doctors.session_doctor(request.cookies.get(COOKIE), now=c.clock())
    if doctor is None:
        raise ApiError(
            401, ErrorCode.UNAUTHENTICATED, "Please sign in: this needs a doctor session."
        )
    return doctor


DoctorDep = Annotated[Doctor, Depends(current_doctor)]

LOGIN_FAILED = "The username or password is wrong, or the account is disabled."


def _visible_case(c: Console, doctor: Doctor, case_id: str) -> CaseBrief:
    case = c.desk.brief(case_id)
    if case is None or case.state == CaseState.DRAFT.value or not doctor.sees(case.specialty):
        raise ApiError(404, ErrorCode.NOT_FOUND, "There is no such case for you.")
    return case


def console_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    @router.get("", include_in_schema=False)
    def bare() -> RedirectResponse:
        return RedirectResponse(PREFIX + "/", status_code=307)

    @router.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})

    @router.post("/api/login")
    def login(body: LoginBody, request: Request, response: Response) -> dict[str, Any]:
        """Sign in; the same 401 for an unknown user, a wrong password and a disabled
        account, and 429 after too many failures for one username in a minute."""
        c = _console(request)
        wait = c.throttle.retry_after(body.username)
        if wait is not None:
            raise ApiError(
                429,
                "too-many-attempts",
                "Too many failed sign-ins for this username. Wait a minute and try again.",
                {"retry_after": wait},
                headers={"Retry-After": str(wait)},
            )
        doctor = c.doctors.check_password(body.username, body.password)
        if doctor is None:
            c.throttle.failed(body.username)
            raise ApiError(401, "login-failed", LOGIN_FAILED)
        c.throttle.succeeded(body.username)
        token = c.doctors.open_session(doctor, hours=c.session_hours, now=c.clock())
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(c.session_hours * 3600),
            path=PREFIX,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return doctor.public()

    @router.post("/api/logout")
    def logout(request: Request, response: Response, doctor: DoctorDep) -> dict[str, bool]:
        _console(request).doctors.close_session(request.cookies.get(COOKIE))
        response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="strict")
        return {"ok": True}

    @router.get("/api/me")
    def me(doctor: DoctorDep) -> dict[str, Any]:
        return doctor.public()

    @router.get("/api/config")
    def config(request: Request, doctor: DoctorDep) -> dict[str, Any]:
        return {"ice_servers": _console(request).ice_servers}

    @router.get("/api/queue")
    async def queue(request: Request, doctor: DoctorDep) -> dict[str, Any]:
        return await _console(request).calls.queue_for(doctor)

    @router.get("/api/cases/{case_id}")
    def case(case_id: str, request: Request, doctor: DoctorDep) -> dict[str, Any]:
        c = _console(request)
        _visible_case(c, doctor, case_id)
        summary = c.desk.summary(case_id)
        if summary is None:
            raise ApiError(404, ErrorCode.NOT_FOUND, "There is no such case for you.")
        summary["spoke_online"] = c.calls.spoke_online(case_id)
        summary["notes"] = [
            {"id": n.id, "doctor": n.doctor_name, "text": n.text, "at": n.at}
            for n in c.doctors.notes(case_id)
        ]
        return summary

    @router.post("/api/cases/{case_id}/notes")
    def add_note(case_id: str, body: NoteBody, request: Request, doctor: DoctorDep) -> dict:
        c = _console(request)
        _visible_case(c, doctor, case_id)
        try:
            note = c.doctors.add_note(case_id, doctor, body.text, now=c.clock())
        except HubRefused as refused:
            raise ApiError(400, ErrorCode.BAD_REQUEST, refused.message) from None
        return {"id": note.id, "doctor": note.doctor_name, "text": note.text, "at": note.at}

    @router.get("/api/media/{media_id}")
    def media(media_id: str, request: Request, doctor: DoctorDep) -> Response:
        """A completed upload's bytes (404 for an unfinished or unknown one)."""
        c = _console(request)
        found = c.desk.completed_media(media_id)
        if found is None or not doctor.sees(found[1].specialty):
            raise ApiError(404, ErrorCode.NOT_FOUND, "The hub has no completed upload of this.")
        upload = found[0]
        path = c.store.media_file(upload)
        headers = {"Cache-Control": "private, no-store"}
        if not path.exists():
            raise ApiError(404, ErrorCode.NOT_FOUND, "The hub has no completed upload of this.")
        if path.stat().st_size == upload.length:
            return FileResponse(path, media_type=upload.mime, headers=headers)
        return StreamingResponse(
            _first_bytes(path, upload.length), media_type=upload.mime, headers=headers
        )

    return router


def _first_bytes(path: Path, length: int):
    with open(path, "rb") as f:
        left = length
        while left > 0:
            block = f.read(min(1 << 16, left))
            if not block:
                return
            left -= len(block)
            yield block


def create_console_app(
    *,
    store: HubStore,
    doctors: Doctors,
    desk: CaseDesk,
    calls: CallHub,
    clock: Clock,
    ice_servers: list[dict[str, Any]],
    console_ws: Callable[..., Any],
) -> FastAPI:
    """The console app (see the module docstring); ``console_ws`` is the WebSocket route."""
    app = FastAPI(title="Spoke hub doctor console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = Console(
        store=store,
        doctors=doctors,
        desk=desk,
        calls=calls,
        clock=clock,
        throttle=LoginThrottle(clock),
        ice_servers=ice_servers,
    )
    install_handlers(app)
    app.include_router(console_router())
    app.add_api_websocket_route(PREFIX + "/ws", console_ws)
    app.mount(PREFIX + "/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    return app


class ConsoleDispatch:
    """ASGI middleware: requests under ``/console`` go to the console app, the rest (and
    the lifespan) to the sync API behind it."""

    def __init__(self, app: Any, console: Any) -> None:
        self.app, self.console = app, console

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] in ("http", "websocket") else ""
        if path == PREFIX or path.startswith(PREFIX + "/"):
            await self.console(scope, receive, send)
        else:
            await self.app(scope, receive, send)
