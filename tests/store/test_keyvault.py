from __future__ import annotations

import json

import pytest

from spoke_client.store.errors import (
    OperatorLocked,
    PinBackoff,
    PinTooShort,
    WrongPin,
    WrongRecoveryCode,
)
from spoke_client.store.keyvault import (
    BACKOFF_SECONDS,
    MAX_WRONG_PINS,
    KdfParams,
    KeyVault,
    normalise_recovery_code,
)
from spoke_client.store.store import Store

from ..conftest import PIN


def _vault(paths, clock):
    return KeyVault(paths.keyslots, clock=lambda: clock().timestamp())


def _wrong(vault, clock, operator="asha", pin="111111"):
    """One wrong PIN, after waiting out any back-off."""
    clock.advance(60)
    with pytest.raises((WrongPin, OperatorLocked)) as info:
        vault.unlock(operator, pin)
    return info.value


def test_the_right_pin_gives_the_database_key(paths, clock, store):
    vault = _vault(paths, clock)
    assert vault.unlock("asha", PIN) == store._key


def test_short_or_non_digit_pins_are_refused(paths, clock):
    vault = _vault(paths, clock)
    for pin in ("12345", "abcdef", "12 456", "١٢٣٤٥٦"):
        with pytest.raises(PinTooShort):
            vault.create("asha", pin, kdf=KdfParams.light())
    assert not paths.keyslots.exists()


def test_wrong_pins_count_down_back_off_then_lock(paths, clock, store):
    vault = _vault(paths, clock)
    err = _wrong(vault, clock)
    assert isinstance(err, WrongPin) and err.params["tries_left"] == MAX_WRONG_PINS - 1
    _wrong(vault, clock)
    # After the second wrong PIN the operator must wait before the next try.
    assert BACKOFF_SECONDS[2] > 0
    with pytest.raises(PinBackoff) as info:
        vault.unlock("asha", PIN)
    assert 0 < info.value.params["retry_after_seconds"] <= BACKOFF_SECONDS[2]
    for _ in range(MAX_WRONG_PINS - 3):
        assert isinstance(_wrong(vault, clock), WrongPin)
    assert isinstance(_wrong(vault, clock), OperatorLocked)
    clock.advance(3600)
    with pytest.raises(OperatorLocked):  # even the right PIN, even much later
        vault.unlock("asha", PIN)
    assert vault.operators()[0]["locked"] is True


def test_a_right_pin_resets_the_count(paths, clock, store):
    vault = _vault(paths, clock)
    _wrong(vault, clock)
    _wrong(vault, clock)
    clock.advance(60)
    vault.unlock("asha", PIN)
    assert vault.operators()[0]["wrong_pins"] == 0


def test_the_try_is_counted_before_the_slow_derivation(paths, clock, store):
    """Killing the app during the key derivation must not earn a free try."""
    vault = _vault(paths, clock)
    calls = []

    def interrupted(*_a, **_k):
        calls.append(json.loads(paths.keyslots.read_text())["slots"]["op:asha"]["wrong_pins"])
        raise KeyboardInterrupt

    vault._open_slot = interrupted
    with pytest.raises(KeyboardInterrupt):
        vault.unlock("asha", "999999")
    assert calls == [1]
    assert _vault(paths, clock).operators()[0]["wrong_pins"] == 1


def test_recovery_code_unlocks_a_locked_operator_and_sets_a_new_pin(paths, clock, store_and_code):
    store, code = store_and_code
    store.close()
    vault = _vault(paths, clock)
    for _ in range(MAX_WRONG_PINS):
        _wrong(vault, clock)
    with pytest.raises(WrongRecoveryCode):
        Store.open_with_recovery(paths, "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", clock=clock)
    # Typed carelessly: lower case, spaces, O for zero.
    sloppy = code.lower().replace("-", " ").replace("0", "o")
    assert normalise_recovery_code(sloppy) == code
    recovered = Store.open_with_recovery(paths, sloppy, clock=clock)
    recovered.change_pin("asha", "135790")
    recovered.close()
    assert vault.operators()[0]["locked"] is False  # the new PIN cleared the lock
    reopened = Store.open(paths, operator="asha", pin="135790", clock=clock)
    reopened.close()
    clock.advance(60)
    with pytest.raises(WrongPin):
        Store.open(paths, operator="asha", pin=PIN, clock=clock)


def test_changing_a_pin_rewraps_the_same_key(paths, clock, store):
    key_before = store._key
    db_bytes = paths.db.read_bytes()[:4096]
    store.change_pin("asha", "975310")
    vault = _vault(paths, clock)
    assert vault.unlock("asha", "975310") == key_before
    assert paths.db.read_bytes()[:4096] == db_bytes  # the database was not re-encrypted


def test_failed_logins_reach_the_audit_log_at_the_next_unlock(paths, clock, store):
    store.close()
    vault = _vault(paths, clock)
    _wrong(vault, clock)
    _wrong(vault, clock)
    clock.advance(60)
    reopened = Store.open(paths, operator="asha", pin=PIN, clock=clock)
    try:
        actions = [e["action"] for e in reopened.audit.entries()]
        assert actions.count("wrong-pin") == 2
        assert actions[0] == "login"
        assert json.loads(paths.keyslots.read_text())["pending_audit"] == []
    finally:
        reopened.close()


def test_each_operator_has_a_slot_and_the_file_holds_no_key(paths, clock, store):
    store.add_operator("ravi", "112233")
    vault = _vault(paths, clock)
    assert vault.unlock("ravi", "112233") == store._key
    text = paths.keyslots.read_text()
    assert store._key.hex() not in text and PIN not in text
    assert {o["operator"] for o in vault.operators()} == {"asha", "ravi"}


def test_tuned_cost_is_recorded(tmp_path):
    kdf = KdfParams.tuned(target_seconds=0.05, memory_kib=8 * 1024)
    assert kdf.time_cost >= 1 and kdf.measured_seconds > 0
