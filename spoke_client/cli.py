"""spoke-client: the command line for district IT (and the entry point that starts the app).

Commands that open the store ask for a PIN (or the recovery code) at the terminal, or read
it from standard input when that is not a terminal, one line per question, for scripts.
"""

from __future__ import annotations

import argparse
import getpass
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

import platformdirs

from spoke_client import __version__
from spoke_client.cli_words import describe, describe_sync
from spoke_client.store.backup import export_backup, restore_backup
from spoke_client.store.errors import StoreError
from spoke_client.store.keyvault import KdfParams, KeyVault, check_pin_format
from spoke_client.store.store import Store, StorePaths
from spoke_client.sync.errors import SyncError

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A problem to show in plain words and exit non-zero."""


def default_data_dir() -> Path:
    env = os.environ.get("SPOKE_DATA_DIR")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("SpokeClient", "Spoke"))


def ask_secret(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline()
    if not line:
        raise CliError(f"{prompt.strip(' :')} was expected on standard input, but there was none.")
    return line.strip()


def ask_new_pin(who: str) -> str:
    pin = ask_secret(f"New PIN for {who} (at least 6 digits): ")
    try:
        check_pin_format(pin)
    except StoreError as exc:
        raise CliError(describe(exc)) from exc
    if ask_secret("Type the same PIN again: ") != pin:
        raise CliError("The two PINs are not the same. Nothing was changed.")
    return pin


def _paths(args: argparse.Namespace) -> StorePaths:
    return StorePaths(Path(args.data_dir))


def _choose_operator(args: argparse.Namespace, paths: StorePaths) -> str:
    if args.operator:
        return args.operator
    names = [o["operator"] for o in KeyVault(paths.keyslots).operators()]
    if len(names) == 1:
        return names[0]
    raise CliError(
        "This store has several operators; say which one with --operator NAME "
        f"(one of: {', '.join(names)})."
    )


def open_store(args: argparse.Namespace) -> Store:
    """Unlock with the chosen operator's PIN, or with --recovery the recovery code."""
    paths = _paths(args)
    if not paths.exists():
        raise CliError(
            f"There is no Spoke store in {paths.root}. Create one with 'spoke-client init'."
        )
    if args.recovery:
        return Store.open_with_recovery(paths, ask_secret("Recovery code: "))
    operator = _choose_operator(args, paths)
    return Store.open(paths, operator=operator, pin=ask_secret(f"PIN for {operator}: "))


# ---- commands -------------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    paths = _paths(args)
    if paths.keyslots.exists() or paths.db.exists():
        raise CliError(f"A store already exists in {paths.root}. Nothing was changed.")
    pin = ask_new_pin(args.operator)
    print(f"Tuning the PIN protection to about {args.kdf_seconds} s on this machine...")
    kdf = KdfParams.tuned(args.kdf_seconds)
    store, recovery = Store.create(
        paths,
        facility_code=args.facility_code,
        facility_name=args.facility_name,
        operator=args.operator,
        pin=pin,
        kdf=kdf,
    )
    store.close()
    print(
        f"Created the encrypted store for {args.facility_name} ({args.facility_code})"
        f" in {paths.root}."
    )
    print(f"Operator '{args.operator}' can now log in with their PIN.")
    print(
        f"PIN protection: Argon2id, {kdf.memory_kib // 1024} MiB, {kdf.time_cost} passes, "
        f"{kdf.measured_seconds:.2f} s per try here."
    )
    print()
    print("RECOVERY CODE (shown only this once; write it down and keep it with district IT):")
    print()
    print(f"    {recovery}")
    print()
    print("It unlocks the store if every operator forgets their PIN or is locked out.")
    return EXIT_OK


def cmd_operator_add(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        pin = ask_new_pin(args.name)
        store.add_operator(args.name, pin)
    finally:
        store.close()
    print(f"Operator '{args.name}' added. They can log in with their PIN.")
    return EXIT_OK


def cmd_operator_list(args: argparse.Namespace) -> int:
    paths = _paths(args)
    if not paths.exists():
        raise CliError(f"There is no Spoke store in {paths.root}.")
    for op in KeyVault(paths.keyslots).operators():
        if op["locked"]:
            state = "LOCKED after too many wrong PINs (reset with the recovery code)"
        elif op["wrong_pins"]:
            state = f"{op['wrong_pins']} wrong PIN(s) since the last login"
        else:
            state = "ok"
        print(f"{op['operator']}: {state}")
    return EXIT_OK


def cmd_operator_reset_pin(args: argparse.Namespace) -> int:
    paths = _paths(args)
    if not paths.exists():
        raise CliError(f"There is no Spoke store in {paths.root}.")
    if not KeyVault(paths.keyslots).has_operator(args.name):
        raise CliError(f"There is no operator called '{args.name}'.")
    store = Store.open_with_recovery(paths, ask_secret("Recovery code: "))
    try:
        store.change_pin(args.name, ask_new_pin(args.name))
    finally:
        store.close()
    print(f"New PIN set for '{args.name}'; their wrong-PIN count and lock are cleared.")
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    from spoke_client.store.diagnostics import run_checks

    paths = _paths(args)
    opener: Callable[[], Store] | None = None if args.no_unlock else (lambda: open_store(args))
    problems = 0
    for check in run_checks(paths, opener, describe):
        mark = "ok     " if check.ok else "PROBLEM"
        print(f"[{mark}] {check.title}: {check.detail}")
        if not check.ok:
            problems += 1
            if check.advice:
                print(f"          What to do: {check.advice}")
    print()
    print("All checks passed." if not problems else f"{problems} problem(s) found.")
    return EXIT_OK if not problems else EXIT_PROBLEM


def cmd_export(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        summary = export_backup(store, Path(args.destination), progress=_progress)
    finally:
        store.close()
    print(
        f"Backup written to {args.destination}: {summary.patients} patients, "
        f"{summary.encounters} encounters, {summary.media_files} media files "
        f"({summary.media_bytes / 1e6:.1f} MB). It is encrypted: it opens with an operator's "
        "PIN as of now, or with the recovery code."
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    paths = _paths(args)
    code = ask_secret("Recovery code (to check the backup opens): ")
    summary = restore_backup(Path(args.source), paths, code, progress=_progress)
    print(
        f"Restored into {paths.root}: {summary.patients} patients, {summary.encounters} "
        f"encounters, {summary.media_files} media files, all checked against the backup."
    )
    return EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        raise CliError(
            "There is no screen to show the app on (no DISPLAY). Start it from the desktop "
            "session, or over SSH use 'ssh -X'. The commands in 'spoke-client --help' work "
            "without a screen."
        )
    from spoke_client.app import run_from_cli  # Qt loads only when the screens are wanted

    return run_from_cli(args)


def _engine_session(args: argparse.Namespace):
    from datetime import timedelta, timezone

    from spoke_client.engine.session import EngineSession
    from spoke_client.store.timestamps import utc_now

    # The centre's time zone only matters for "today's cases", which these commands never ask.
    return EngineSession(
        lambda: open_store(args), clock=utc_now, tz=timezone(timedelta(hours=5, minutes=30))
    )


def cmd_provision(args: argparse.Namespace) -> int:
    from spoke_client.sync.provision import read_provisioning_file

    if bool(args.file) == bool(args.hub or args.code):
        raise CliError("Give either --file provision.toml, or both --hub URL and --code CODE.")
    if args.file:
        prov = read_provisioning_file(Path(args.file))
        hub_url, code = prov.hub_url, prov.enrol_code
    else:
        if not (args.hub and args.code):
            raise CliError("Both --hub URL and --code CODE are needed.")
        prov, hub_url, code = None, args.hub, args.code
    with _engine_session(args) as session:
        engine = session.engine
        ours = session.worker.call(lambda s: s.facility())
        if prov is not None:
            link = session.run(engine.provision_from_file(Path(args.file)))
        else:
            link = session.run(
                engine.provision(
                    hub_url,
                    code,
                    device_name=args.device_name,
                    ca_bundle=Path(args.ca_bundle).read_text("ascii") if args.ca_bundle else None,
                    pinned_sha256=args.pin_sha256,
                )
            )
    if link["facility_code"] != ours["code"]:
        print(
            f"Note: this desktop was set up as {ours['name']} ({ours['code']}), but the hub "
            f"enrolled it for {link['facility_name']} ({link['facility_code']}). If that is "
            "not right, ask the hub for a code for this centre and provision again."
        )
    print(
        f"Enrolled with the hub at {link['hub_url']} as device {link['device_id']}, for "
        f"{link['facility_name']} ({link['facility_code']}). The credential is kept in the "
        "encrypted store. Queued work will be sent at the next sync."
    )
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    with _engine_session(args) as session:
        outcome = session.run(session.engine.sync_now())
        status = session.run(session.engine.sync_status())
    if not outcome.ok:
        print(f"Sync FAILED: {describe_sync(outcome.problem or {})}")
        print(f"Still waiting: {status.waiting_items} item(s), {_size(status.waiting_bytes)}.")
        return EXIT_PROBLEM
    print(
        f"Sync done: {outcome.pushed} change(s) sent, {outcome.uploaded} file(s) uploaded, "
        f"{outcome.pulled} change(s) received from the hub."
    )
    if outcome.rejected or status.rejected_items:
        print(
            f"{status.rejected_items} item(s) were refused by the hub; see 'spoke-client status'."
        )
    print(f"Still waiting: {status.waiting_items} item(s), {_size(status.waiting_bytes)}.")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    with _engine_session(args) as session:
        status = session.run(session.engine.sync_status())
        link = session.run(session.engine.hub_link())
        rejected = session.run(session.engine.rejected_items())
    if link is None:
        print("Hub: not enrolled (run 'spoke-client provision').")
    else:
        print(
            f"Hub: {link['hub_url']} (device {link['device_id']}, facility "
            f"{link['facility_code']}, enrolled {link['enrolled_at']})"
        )
    print(f"Waiting to send: {status.waiting_items} item(s), {_size(status.waiting_bytes)}")
    print(f"Last successful sync: {status.last_success or 'never'}")
    if status.last_error:
        print(f"Last problem: {describe_sync(status.last_error)}")
    print(f"Refused by the hub: {len(rejected)} item(s)")
    for item in rejected:
        reason = item["reject_code"] + (f" ({item['last_error']})" if item["last_error"] else "")
        print(f"  - {item['entity']} {item['entity_id']} (written {item['created_at']}): {reason}")
    return EXIT_OK


def _size(nbytes: int) -> str:
    if nbytes < 1024 * 1024:
        return f"{nbytes / 1024:.0f} KB"
    return f"{nbytes / 1024 / 1024:.1f} MB"


def _progress(done: int, total: int, what: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{what}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr)


# ---- parser -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spoke-client",
        description=(
            "Spoke client: the teleconsultation terminal of a Health & Wellness Centre. "
            "With no command it starts the app (the first run sets the centre up); the "
            "commands below are for district IT."
        ),
        epilog=(
            "Commands that open the store ask for a PIN (or the recovery code). When standard "
            "input is not a terminal they read it from there, one line per question."
        ),
    )
    parser.add_argument("--version", action="version", version=f"spoke-client {__version__}")
    parser.add_argument(
        "--data-dir",
        default=str(default_data_dir()),
        help="folder holding the encrypted store (default: %(default)s; or set SPOKE_DATA_DIR)",
    )
    parser.add_argument("--operator", help="operator whose PIN unlocks the store")
    parser.add_argument(
        "--recovery", action="store_true", help="unlock with the recovery code instead of a PIN"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help="create the store, the facility and the first operator")
    p.add_argument("--facility-code", required=True, help="the centre's code (e.g. its NIN)")
    p.add_argument("--facility-name", required=True, help="the centre's name")
    p.add_argument("--operator", dest="operator", required=True, help="first operator's name")
    p.add_argument(
        "--kdf-seconds",
        type=float,
        default=0.5,
        help="time one PIN check should take on this machine (default %(default)s s)",
    )
    p.set_defaults(func=cmd_init)

    op = sub.add_parser("operator", help="add or list operators, or reset a forgotten PIN")
    op_sub = op.add_subparsers(dest="operator_command", metavar="ACTION", required=True)
    p = op_sub.add_parser("add", help="add an operator (asks an existing operator's PIN)")
    p.add_argument("name")
    p.set_defaults(func=cmd_operator_add)
    p = op_sub.add_parser("list", help="list operators and whether they are locked out")
    p.set_defaults(func=cmd_operator_list)
    p = op_sub.add_parser(
        "reset-pin", help="set a new PIN for an operator (asks the recovery code); unlocks them"
    )
    p.add_argument("name")
    p.set_defaults(func=cmd_operator_reset_pin)

    p = sub.add_parser(
        "doctor",
        help="check this installation and say in plain words what is wrong",
        description="Checks the data folder, disk space, versions, and (after the PIN) that "
        "the store opens, passes its integrity checks and that every media file decrypts.",
    )
    p.add_argument("--no-unlock", action="store_true", help="only the checks that need no PIN")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser(
        "export", help="write a consistent, encrypted backup (database, key slots, media)"
    )
    p.add_argument("destination", help="an empty or new folder, e.g. on a USB drive")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "restore", help="restore a backup into an empty data folder (asks the recovery code)"
    )
    p.add_argument("source", help="a folder written by 'spoke-client export'")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "provision",
        help="enrol this desktop with its hub (one-time code from 'spoke-hub enrol-code')",
        description="Exchanges a one-time enrolment code for this desktop's hub credential, "
        "kept in the encrypted store. https is required unless the hub runs on this machine. "
        "A provisioning file (provision.toml) may instead be dropped beside the program or in "
        "the data folder; the app then enrols by itself at the next login.",
    )
    p.add_argument("--hub", help="the hub's address, e.g. https://hub.district.example")
    p.add_argument("--code", help="the one-time enrolment code")
    p.add_argument("--file", help="a provisioning TOML file instead of --hub/--code")
    p.add_argument("--device-name", help="how the hub lists this desktop (default: host name)")
    p.add_argument("--ca-bundle", help="PEM file of the CA that signed the hub's certificate")
    p.add_argument("--pin-sha256", help="accept only the hub certificate with this SHA-256")
    p.set_defaults(func=cmd_provision)

    p = sub.add_parser("sync", help="send queued work to the hub and fetch its answers, once")
    p.add_argument(
        "--once", action="store_true", default=True, help="one round, then exit (the default)"
    )
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser(
        "status", help="hub, what is waiting to be sent, the last sync, and refused items"
    )
    p.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None) or cmd_gui
    try:
        return func(args)
    except CliError as exc:
        print(f"spoke-client: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    except StoreError as exc:
        print(f"spoke-client: {describe(exc)}", file=sys.stderr)
        return EXIT_PROBLEM
    except SyncError as exc:
        print(f"spoke-client: {describe_sync(exc)}", file=sys.stderr)
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        print("\nspoke-client: stopped; nothing half-done was kept.", file=sys.stderr)
        return EXIT_PROBLEM


def versions() -> dict[str, str]:
    import sqlcipher3

    from spoke_client.store.migrations import LATEST

    return {
        "spoke-client": __version__,
        "python": platform.python_version(),
        "sqlite": sqlcipher3.sqlite_version,
        "schema": str(LATEST),
        "os": f"{platform.system()} {platform.release()}",
    }


if __name__ == "__main__":
    sys.exit(main())
