"""spoke-hub: run the reference hub and look after it (for district IT running a pilot).

    spoke-hub serve [--host 127.0.0.1] [--port 8765] [--cert FILE --key FILE]
    spoke-hub enrol-code --facility CODE [--name NAME] [--valid-hours 72]
    spoke-hub device list | device revoke DEVICE_ID
    spoke-hub case move CASE_ID STATE [--reason TEXT]
    spoke-hub case prescribe CASE_ID FILE.json
    spoke-hub case message CASE_ID TEXT [--author NAME]
    spoke-hub doctor add --username U --name NAME --registration REG [--specialty S ...]
                         [--password-stdin]
    spoke-hub doctor list | doctor disable USERNAME
    spoke-hub backup DEST_DIR | restore SRC_DIR
    spoke-hub stats [--json]

Every command takes ``--data DIR`` (default: ``$SPOKE_HUB_DATA`` or the user data folder).
Problems are told in plain words on standard error, with exit status 1 (2 for a doctor
account refused as asked: a short password, a username already taken).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import signal
import socket
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs

from spoke_client import __version__
from spoke_client.domain.encounter import Specialty
from spoke_client.sync.protocol import CALL_GRACE_S

from .backup import RunLock, backup, restore
from .db import HubPaths
from .doctors import PASSWORD_MIN, Doctors
from .model import HubRefused
from .store import HubStore

EXIT_OK, EXIT_PROBLEM, EXIT_REFUSED = 0, 1, 2
#: Doctor-account refusals that exit 2 (the request itself was wrong, not the hub).
REFUSED_CODES = {"short-password", "duplicate-username", "password-mismatch"}


class CliError(Exception):
    """A problem to show in plain words and exit 1 (or ``exit_code``)."""

    def __init__(self, message: str, exit_code: int = EXIT_PROBLEM) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def default_data_dir() -> Path:
    env = os.environ.get("SPOKE_HUB_DATA")
    return Path(env) if env else Path(platformdirs.user_data_dir("SpokeHub", "Spoke"))


def _paths(args: argparse.Namespace) -> HubPaths:
    return HubPaths(Path(args.data) if args.data else default_data_dir())


def _open(args: argparse.Namespace, *, create: bool = False) -> HubStore:
    paths = _paths(args)
    if not create and not paths.exists():
        raise CliError(
            f"There is no hub data in {paths.root}. Make an enrolment code or start "
            "`spoke-hub serve` there first, or give the right folder with --data."
        )
    return HubStore(paths)


# ---- serve -------------------------------------------------------------------------------------


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (bound before the hub says it is listening)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        raise CliError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from None
    return sock


def _ice_servers(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The console's ICE servers from ``--ice-server`` (and the TURN credential)."""
    for url in args.ice_server:
        if not url.startswith(("stun:", "turn:", "turns:")):
            raise CliError(f"--ice-server {url}: use a stun:, turn: or turns: address.")
    if not args.ice_server:
        return []
    server: dict[str, Any] = {"urls": list(args.ice_server)}
    if args.ice_username or args.ice_credential:
        server |= {"username": args.ice_username or "", "credential": args.ice_credential or ""}
    return [server]


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    if bool(args.cert) != bool(args.key):
        raise CliError("TLS needs both --cert FILE and --key FILE (or neither).")
    for option, path in (("--cert", args.cert), ("--key", args.key)):
        if path and not Path(path).is_file():
            raise CliError(f"The {option} file {path} does not exist.")
    if args.upload_expiry_hours <= 0:
        raise CliError("--upload-expiry-hours must be more than 0.")
    if args.call_grace <= 0:
        raise CliError("--call-grace must be more than 0 seconds.")
    ice_servers = _ice_servers(args)
    paths = _paths(args)
    lock = RunLock(paths.lock)
    if not lock.acquire():
        raise CliError(f"Another spoke-hub is already serving {paths.root}.")
    store = HubStore(paths)
    try:
        app = create_app(
            store,
            upload_expiry=timedelta(hours=args.upload_expiry_hours),
            call_grace_s=args.call_grace,
            ice_servers=ice_servers,
        )
        sock = _listen(args.host, args.port)
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_level=args.log_level,
            ssl_certfile=args.cert,
            ssl_keyfile=args.key,
            timeout_graceful_shutdown=10,
        )
        scheme = "https" if args.cert else "http"
        print(
            f"spoke-hub listening on {scheme}://{args.host}:{port} "
            f"(data: {paths.root}, epoch: {store.epoch})",
            flush=True,
        )
        _run_until_signal(uvicorn.Server(config), sock)
    finally:
        store.close()
        lock.release()
    print("spoke-hub stopped", flush=True)
    return EXIT_OK


class _Stopped(Exception):
    """SIGTERM or SIGINT after uvicorn's graceful shutdown."""


def _run_until_signal(server: object, sock: socket.socket) -> None:
    """Run uvicorn; a stop signal shuts it down gracefully and returns here.

    uvicorn catches SIGTERM/SIGINT, shuts down, restores the previous handlers and raises
    the signal again; our handlers turn that into :class:`_Stopped` so the store is closed
    and the run lock released before a clean exit (status 0).
    """

    def stopped(signum: int, frame: object) -> None:
        raise _Stopped()

    previous = {sig: signal.signal(sig, stopped) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.run(sockets=[sock])  # type: ignore[attr-defined]
    except _Stopped:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# ---- administration ----------------------------------------------------------------------------


def cmd_enrol_code(args: argparse.Namespace) -> int:
    with _open(args, create=True) as store:
        code = store.create_enrol_code(args.facility, args.name, valid_hours=args.valid_hours)
        name = store.facilities()[args.facility.strip()]
    print(code)
    if args.quiet:
        return EXIT_OK
    print(
        f"One-time enrolment code for {args.facility} ({name}), valid {args.valid_hours:g} "
        "hours. It cannot be shown again.",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_device_list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        devices = store.devices()
    if not devices:
        print("No devices are enrolled.")
    for d in devices:
        status = f"revoked {d.revoked_at}" if d.revoked_at else "active"
        print(
            f"{d.id}  {d.facility}  {d.name!r}  enrolled {d.enrolled_at}  "
            f"last seen {d.last_seen_at or 'never'}  {status}"
        )
    return EXIT_OK


def cmd_device_revoke(args: argparse.Namespace) -> int:
    with _open(args) as store:
        device = store.revoke_device(args.device_id)
    print(f"Device {device.id} ({device.name!r}, {device.facility}) is revoked.")
    return EXIT_OK


def cmd_case_move(args: argparse.Namespace) -> int:
    with _open(args) as store:
        seq = store.move_case(args.case_id, args.state, reason=args.reason)
    print(f"Case {args.case_id} moved to {args.state} (change {seq}).")
    return EXIT_OK


def cmd_case_prescribe(args: argparse.Namespace) -> int:
    try:
        record = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"Cannot read {args.file}: {exc.strerror or exc}.") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CliError(f"{args.file} is not a JSON file.") from None
    with _open(args) as store:
        seq = store.prescribe(args.case_id, record)
    print(f"Prescription issued for case {args.case_id} (change {seq}).")
    return EXIT_OK


def cmd_case_message(args: argparse.Namespace) -> int:
    with _open(args) as store:
        seq = store.message(args.case_id, args.text, author=args.author)
    print(f"Message sent for case {args.case_id} (change {seq}).")
    return EXIT_OK


def _read_password(args: argparse.Namespace) -> str:
    """The new doctor's password: one line of standard input with --password-stdin or
    when standard input is not a terminal, else asked twice without echo."""
    if args.password_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    first = getpass.getpass("Password for the doctor: ")
    if len(first) < PASSWORD_MIN:
        return first  # refused below with the reason, before asking again
    if getpass.getpass("The same password again: ") != first:
        raise CliError("The two passwords are not the same; nothing was saved.", EXIT_REFUSED)
    return first


def cmd_doctor_add(args: argparse.Namespace) -> int:
    password = _read_password(args)
    with _open(args, create=True) as store:
        doctor = Doctors(store).add(
            args.username,
            name=args.name,
            registration=args.registration,
            password=password,
            specialties=tuple(args.specialty or ()),
        )
    scope = ", ".join(s.value for s in doctor.specialties) or "every specialty"
    print(f"Doctor {doctor.username} ({doctor.name}, {doctor.registration}) added: sees {scope}.")
    return EXIT_OK


def cmd_doctor_list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        doctors = Doctors(store).all()
    if not doctors:
        print("No doctors yet. Add one with `spoke-hub doctor add`.")
    for d in doctors:
        scope = ",".join(s.value for s in d.specialties) or "all specialties"
        status = f"disabled {d.disabled_at}" if d.disabled_at else "active"
        print(
            f"{d.username}  {d.name!r}  {d.registration}  {scope}  added {d.created_at}  {status}"
        )
    return EXIT_OK


def cmd_doctor_disable(args: argparse.Namespace) -> int:
    with _open(args) as store:
        doctor = Doctors(store).disable(args.username)
    print(f"Doctor {doctor.username} ({doctor.name}) is disabled and signed out.")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    manifest = backup(_paths(args), Path(args.dest))
    print(f"Backed up hub {manifest['hub_id']} to {args.dest} ({manifest['media_files']} media).")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    epoch = restore(Path(args.src), _paths(args))
    print(f"Restored {args.src} into {_paths(args).root}. New epoch: {epoch}")
    print(
        "Spokes re-send what they hold when they next sync; devices enrolled after the "
        "backup must enrol again, and unused enrolment codes were cancelled.",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    with _open(args) as store:
        stats = store.stats(verify=args.verify)
    if args.json:
        print(json.dumps(stats, indent=2, sort_keys=True))
        return EXIT_OK
    print(f"hub {stats['hub_id']}  epoch {stats['epoch']}")
    if not stats["facilities"]:
        print("No facilities yet.")
    for code, f in stats["facilities"].items():
        print(
            f"{code} ({f['name']}): {f['devices']} device(s) ({f['revoked_devices']} revoked), "
            f"{f['patients']} patient(s), {f['encounters']} encounter(s), "
            f"{f['attachments']} attachment(s), {len(f['media'])} media complete, "
            f"{f['uploads_in_progress']} upload(s) in progress"
        )
        for media_id, sha in sorted(f["media"].items()):
            print(f"  media {media_id}  sha256 {sha}")
    return EXIT_OK


# ---- parser ------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    data_help = "the hub's data folder (default: $SPOKE_HUB_DATA or the user data folder)"
    data = argparse.ArgumentParser(add_help=False)  # for each command (SUPPRESS: no reset)
    data.add_argument(
        "--data",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help=data_help,
    )
    parser = argparse.ArgumentParser(
        prog="spoke-hub",
        description="The reference hub for Spoke clients: sync API, resumable media upload, "
        "enrolment, and the hub-side case actions a pilot needs.",
    )
    parser.add_argument("--data", metavar="DIR", default=None, help=data_help)
    parser.add_argument("--version", action="version", version=f"spoke-hub {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("serve", parents=[data], help="run the hub (Ctrl+C or SIGTERM stops it)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    p.add_argument("--port", type=int, default=8765, help="port (default %(default)s; 0: any)")
    p.add_argument("--cert", metavar="FILE", help="TLS certificate (PEM); serves HTTPS with --key")
    p.add_argument("--key", metavar="FILE", help="TLS private key (PEM)")
    p.add_argument(
        "--upload-expiry-hours",
        type=float,
        default=168,
        help="how long an unfinished upload is kept (default %(default)s)",
    )
    p.add_argument(
        "--call-grace",
        type=float,
        default=CALL_GRACE_S,
        metavar="SECONDS",
        help="how long a live call waits for a side whose connection dropped (default %(default)s)",
    )
    p.add_argument(
        "--ice-server",
        action="append",
        default=[],
        metavar="URL",
        help="STUN/TURN server for the doctor console's calls, e.g. turn:turn.district.example:3478"
        " (repeatable; the TURN user and password come from --ice-username/--ice-credential)",
    )
    p.add_argument("--ice-username", help="TURN user name for the --ice-server URLs")
    p.add_argument("--ice-credential", help="TURN password for the --ice-server URLs")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("enrol-code", parents=[data], help="print a one-time enrolment code")
    p.add_argument("--facility", required=True, metavar="CODE", help="facility code (new or not)")
    p.add_argument("--name", help="facility name (sets or changes it)")
    p.add_argument("--valid-hours", type=float, default=72, help="default %(default)s")
    p.add_argument("--quiet", action="store_true", help="print the code only")
    p.set_defaults(func=cmd_enrol_code)

    device = sub.add_parser("device", help="list or revoke enrolled devices")
    dsub = device.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = dsub.add_parser("list", parents=[data], help="every enrolled device")
    p.set_defaults(func=cmd_device_list)
    p = dsub.add_parser("revoke", parents=[data], help="revoke a device's token for good")
    p.add_argument("device_id", metavar="DEVICE_ID")
    p.set_defaults(func=cmd_device_revoke)

    case = sub.add_parser("case", help="hub-side actions on a case (what a doctor does)")
    csub = case.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = csub.add_parser("move", parents=[data], help="move a case's state as the hub")
    p.add_argument("case_id", metavar="CASE_ID")
    p.add_argument("state", metavar="STATE", help="e.g. in_consult, question_from_doctor")
    p.add_argument("--reason", help="why (sent to the spoke)")
    p.set_defaults(func=cmd_case_move)
    p = csub.add_parser("prescribe", parents=[data], help="issue a prescription (JSON file)")
    p.add_argument("case_id", metavar="CASE_ID")
    p.add_argument("file", metavar="FILE.json")
    p.set_defaults(func=cmd_case_prescribe)
    p = csub.add_parser("message", parents=[data], help="send a message about a case")
    p.add_argument("case_id", metavar="CASE_ID")
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--author", default="hub doctor", help="default %(default)r")
    p.set_defaults(func=cmd_case_message)

    doctor = sub.add_parser("doctor", help="doctor accounts for the console")
    dsub = doctor.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = dsub.add_parser(
        "add", parents=[data], help="add a doctor (the password is asked, or read from stdin)"
    )
    p.add_argument("--username", required=True, help="what the doctor signs in with")
    p.add_argument("--name", required=True, help='e.g. "Dr. Asha Rao"')
    p.add_argument("--registration", required=True, help="medical registration number")
    p.add_argument(
        "--specialty",
        action="append",
        choices=[s.value for s in Specialty],
        metavar="SPECIALTY",
        help="a specialty the doctor sees (repeat for more; none: all). One of: "
        + ", ".join(s.value for s in Specialty),
    )
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    p.set_defaults(func=cmd_doctor_add)
    p = dsub.add_parser("list", parents=[data], help="every doctor account")
    p.set_defaults(func=cmd_doctor_list)
    p = dsub.add_parser("disable", parents=[data], help="disable a doctor and end their sessions")
    p.add_argument("username", metavar="USERNAME")
    p.set_defaults(func=cmd_doctor_disable)

    p = sub.add_parser("backup", parents=[data], help="copy the hub's data to a new folder")
    p.add_argument("dest", metavar="DEST_DIR")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser(
        "restore", parents=[data], help="replace a STOPPED hub's data with a backup (new epoch)"
    )
    p.add_argument("src", metavar="SRC_DIR")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("stats", parents=[data], help="counts per facility, completed media")
    p.add_argument("--json", action="store_true", help="as JSON (with each facility's case ids)")
    p.add_argument(
        "--verify", action="store_true", help="re-hash every completed media file (slow)"
    )
    p.set_defaults(func=cmd_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except CliError as exc:
        print(f"spoke-hub: {exc}", file=sys.stderr)
        return exc.exit_code
    except HubRefused as exc:
        print(f"spoke-hub: {exc.message}", file=sys.stderr)
        return EXIT_REFUSED if exc.code in REFUSED_CODES else EXIT_PROBLEM
    except (sqlite3.Error, OSError) as exc:
        print(f"spoke-hub: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        return EXIT_PROBLEM


if __name__ == "__main__":
    sys.exit(main())
