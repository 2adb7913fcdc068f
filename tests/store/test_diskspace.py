from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spoke_client.store.diskspace import DEFAULT_RESERVE_BYTES, DiskGuard
from spoke_client.store.errors import DiskFull, StoreError

MB = 1024 * 1024


def fixed_free(amount: int, seen: list[Path] | None = None):
    def free(path: Path) -> int:
        if seen is not None:
            seen.append(path)
        return amount

    return free


def test_default_reserve_is_64_mib(tmp_path: Path) -> None:
    assert DiskGuard(tmp_path).reserve_bytes == DEFAULT_RESERVE_BYTES == 64 * MB


def test_fake_free_bytes_is_asked_about_the_guarded_path(tmp_path: Path) -> None:
    seen: list[Path] = []
    guard = DiskGuard(tmp_path, reserve_bytes=10 * MB, free_bytes=fixed_free(100 * MB, seen))
    assert guard.free() == 100 * MB
    guard.check(50 * MB)
    assert seen == [tmp_path, tmp_path]


def test_enough_room_passes_including_the_exact_boundary(tmp_path: Path) -> None:
    guard = DiskGuard(tmp_path, reserve_bytes=64 * MB, free_bytes=fixed_free(100 * MB))
    guard.check()
    guard.check(10 * MB)
    guard.check(36 * MB)  # 100 - 36 == 64: exactly the reserve is still allowed


def test_one_byte_too_many_raises_disk_full_with_parameters(tmp_path: Path) -> None:
    guard = DiskGuard(tmp_path, reserve_bytes=64 * MB, free_bytes=fixed_free(100 * MB))
    with pytest.raises(DiskFull) as caught:
        guard.check(36 * MB + 1)
    err = caught.value
    assert isinstance(err, StoreError)
    assert err.code == "disk-full"
    assert err.params == {
        "free_bytes": 100 * MB,
        "needed_bytes": 36 * MB + 1,
        "reserve_bytes": 64 * MB,
    }
    assert str(err) == (
        f"disk-full(free_bytes={100 * MB}, needed_bytes={36 * MB + 1}, reserve_bytes={64 * MB})"
    )


def test_already_below_reserve_refuses_even_a_zero_byte_save(tmp_path: Path) -> None:
    guard = DiskGuard(tmp_path, reserve_bytes=64 * MB, free_bytes=fixed_free(64 * MB - 1))
    with pytest.raises(DiskFull) as caught:
        guard.check()
    assert caught.value.params["needed_bytes"] == 0
    assert caught.value.params["free_bytes"] == 64 * MB - 1


def test_free_space_is_read_again_on_every_check(tmp_path: Path) -> None:
    levels = iter([200 * MB, 65 * MB - 1])
    guard = DiskGuard(tmp_path, reserve_bytes=64 * MB, free_bytes=lambda _p: next(levels))
    guard.check(MB)
    with pytest.raises(DiskFull):
        guard.check(MB)


def test_real_disk_free_matches_shutil(tmp_path: Path) -> None:
    guard = DiskGuard(tmp_path)
    real = shutil.disk_usage(tmp_path).free
    assert guard.free() > 0
    # Other processes write meanwhile; the two readings are of the same file system.
    assert abs(guard.free() - real) < 512 * MB


def test_real_disk_with_reserve_above_free_space_raises(tmp_path: Path) -> None:
    real = shutil.disk_usage(tmp_path).free
    reserve = real + 1024**4  # one TiB more than there is
    guard = DiskGuard(tmp_path, reserve_bytes=reserve)
    with pytest.raises(DiskFull) as caught:
        guard.check(4096)
    params = caught.value.params
    assert params["reserve_bytes"] == reserve
    assert params["needed_bytes"] == 4096
    assert 0 < params["free_bytes"] < reserve


def test_real_disk_with_zero_reserve_allows_a_small_save(tmp_path: Path) -> None:
    DiskGuard(tmp_path, reserve_bytes=0).check(1)


def test_path_not_created_yet_is_measured_on_its_existing_ancestor(tmp_path: Path) -> None:
    guard = DiskGuard(tmp_path / "not" / "yet" / "there")
    assert guard.free() > 0
    assert not (tmp_path / "not").exists()


def test_negative_amounts_are_programming_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        DiskGuard(tmp_path, reserve_bytes=-1)
    guard = DiskGuard(tmp_path, free_bytes=fixed_free(10**12))
    with pytest.raises(ValueError):
        guard.check(-1)
