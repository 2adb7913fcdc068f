"""Doctor accounts (``spoke-hub doctor ...``), console sign-in, sessions and the failed-login
limit."""

from __future__ import annotations

import io

import pytest

from spoke_hub.cli import main
from spoke_hub.doctors import Doctors
from spoke_hub.store import HubStore

from .consult_support import (
    PASSWORD,
    add_doctor,
    as_doctor,
    close_code,
    login,
    open_call,
    open_console,
    until,
    waiting_case,
)


def run(capsys, monkeypatch, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_doctor_add_list_and_disable(capsys, monkeypatch, tmp_path):
    data = str(tmp_path / "hubdata")
    add = ("doctor", "add", "--data", data, "--name", "Dr. Asha Rao", "--registration", "KMC-1")
    code, out, _ = run(
        capsys,
        monkeypatch,
        *add,
        "--username",
        "asha",
        "--specialty",
        "general_medicine",
        "--specialty",
        "paediatrics",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 0 and "asha" in out and "general_medicine, paediatrics" in out

    code, _, err = run(capsys, monkeypatch, *add, "--username", "ravi", stdin="short\n")
    assert code == 2 and "at least 8 characters" in err
    code, _, err = run(capsys, monkeypatch, *add, "--username", "ASHA", stdin=PASSWORD + "\n")
    assert code == 2 and "already a doctor with the username asha" in err
    with pytest.raises(SystemExit) as bad:
        run(capsys, monkeypatch, *add, "--username", "x", "--specialty", "surgery", stdin="")
    assert bad.value.code == 2

    code, out, _ = run(capsys, monkeypatch, "doctor", "list", "--data", data)
    assert code == 0 and "asha" in out and "KMC-1" in out and "active" in out
    assert "ravi" not in out

    with HubStore.open(data) as store:  # only the argon2 hash is kept
        row = store._query("SELECT password_hash FROM doctors")[0]
        assert row["password_hash"].startswith("$argon2id$") and PASSWORD not in row[0]

    code, out, _ = run(capsys, monkeypatch, "doctor", "disable", "asha", "--data", data)
    assert code == 0 and "disabled" in out
    code, out, _ = run(capsys, monkeypatch, "doctor", "list", "--data", data)
    assert "disabled" in out
    code, _, err = run(capsys, monkeypatch, "doctor", "disable", "nobody", "--data", data)
    assert code == 1 and "no doctor with the username nobody" in err


def test_password_is_asked_twice_at_a_terminal(capsys, monkeypatch, tmp_path):
    data = str(tmp_path / "hubdata")
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code = main(
        ["doctor", "add", "--data", data, "--username", "a", "--name", "A", "--registration", "R"]
    )
    assert code == 2 and "not the same" in capsys.readouterr().err
    with HubStore.open(data) as store:
        assert store._query("SELECT COUNT(*) FROM doctors")[0][0] == 0


def test_login_me_logout(hub):
    add_doctor(hub.store, specialties=("paediatrics",))
    r = hub.client.post("/console/api/login", json={"username": "Asha", "password": PASSWORD})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "username": "asha",
        "name": "Dr. Asha Rao",
        "registration": "KMC-12345",
        "specialties": ["paediatrics"],
    }
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
    assert "secure" not in cookie  # plain http here; the TLS test sees Secure
    token = r.cookies["spoke_doctor"]
    hub.client.cookies.clear()
    with hub.store.transaction() as conn:  # only the token's sha256 is stored
        stored = conn.execute("SELECT token_hash FROM doctor_sessions").fetchall()
    assert len(stored) == 1 and stored[0][0] != token and len(stored[0][0]) == 64

    me = hub.client.get("/console/api/me", headers=as_doctor(token))
    assert me.status_code == 200 and me.json()["name"] == "Dr. Asha Rao"
    assert hub.client.post("/console/api/logout", headers=as_doctor(token)).status_code == 200
    assert hub.client.get("/console/api/me", headers=as_doctor(token)).status_code == 401


def test_wrong_password_unknown_user_and_disabled_account_look_the_same(hub):
    add_doctor(hub.store)
    add_doctor(hub.store, "ravi", name="Dr. Ravi")
    Doctors(hub.store).disable("ravi")
    answers = []
    for username, password in (
        ("asha", "wrong password"),
        ("nobody", PASSWORD),
        ("ravi", PASSWORD),
    ):
        r = hub.client.post("/console/api/login", json={"username": username, "password": password})
        assert r.status_code == 401
        assert "spoke_doctor" not in r.cookies
        answers.append(r.json())
    assert answers[0] == answers[1] == answers[2]


def test_sessions_expire_and_disabling_ends_them(hub):
    add_doctor(hub.store)
    token = login(hub.client)
    assert hub.client.get("/console/api/me", headers=as_doctor(token)).status_code == 200
    hub.clock.advance(12 * 3600 + 1)
    assert hub.client.get("/console/api/me", headers=as_doctor(token)).status_code == 401

    token = login(hub.client)
    Doctors(hub.store).disable("asha")
    assert hub.client.get("/console/api/me", headers=as_doctor(token)).status_code == 401


def test_failed_logins_are_limited_per_username(hub):
    add_doctor(hub.store)
    add_doctor(hub.store, "ravi", name="Dr. Ravi")
    bad = {"username": "asha", "password": "not the password"}
    codes = [hub.client.post("/console/api/login", json=bad).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    good = {"username": "asha", "password": PASSWORD}
    r = hub.client.post("/console/api/login", json=good)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1  # even the right one
    other = hub.client.post("/console/api/login", json={"username": "ravi", "password": PASSWORD})
    assert other.status_code == 200  # another username is not locked out
    hub.client.cookies.clear()
    hub.clock.advance(61)
    assert hub.client.post("/console/api/login", json=good).status_code == 200


def test_every_console_route_and_the_socket_need_a_session(hub, spoke):
    routes = [
        ("POST", "/console/api/logout", None),
        ("GET", "/console/api/me", None),
        ("GET", "/console/api/config", None),
        ("GET", "/console/api/queue", None),
        ("GET", "/console/api/cases/some-case", None),
        ("POST", "/console/api/cases/some-case/notes", {"text": "hello"}),
        ("GET", "/console/api/media/some-media", None),
    ]
    for token in (None, "made-up-token"):
        headers = as_doctor(token) if token else {}
        for method, path, body in routes:
            r = hub.client.request(method, path, json=body, headers=headers)
            assert r.status_code == 401, (method, path, r.text)
            assert r.json()["error"]["code"] == "unauthenticated"
    # The page itself and its files are public: they hold no patient data.
    assert hub.client.get("/console/").status_code == 200
    assert hub.client.get("/console/static/console.js").status_code == 200


def test_a_doctor_session_is_required_to_accept(hub, spoke):
    case_id = waiting_case(spoke)
    with open_call(hub, spoke, case_id) as call:
        until(call, "queue")
        for token in (None, "made-up-token"):
            with open_console(hub, token) as console:
                refusal = until(console, "error")
                assert refusal["code"] == "unauthenticated"
                assert close_code(console) == 4401
        with hub.store.transaction() as conn:
            state = conn.execute("SELECT state FROM encounters WHERE id = ?", (case_id,))
            assert state.fetchone()[0] == "waiting_for_doctor"


def test_the_schema_upgrades_an_older_hub(tmp_path):
    """A hub made before doctors existed gets the new tables when it opens."""
    with HubStore.open(tmp_path / "hub") as store:
        with store.transaction() as conn:
            for table in ("doctors", "doctor_sessions", "case_notes", "queue_entries", "consults"):
                conn.execute(f"DROP TABLE {table}")
    with HubStore.open(tmp_path / "hub") as store:
        add_doctor(store)
        assert store._query("SELECT COUNT(*) FROM doctors")[0][0] == 1
