"""Settings an operator never sets: the session signing key made on first start."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from yaojian.settings import Settings


def test_the_signing_key_is_made_once_and_kept(tmp_path: Path) -> None:
    first = Settings(var_dir=tmp_path).resolved_secret_key()
    assert len(first) >= 48
    assert Settings(var_dir=tmp_path).resolved_secret_key() == first
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600


def test_processes_starting_at_once_all_get_the_same_whole_key(tmp_path: Path) -> None:
    start = threading.Barrier(8)
    keys: list[str] = []

    def boot() -> None:
        start.wait()
        keys.append(Settings(var_dir=tmp_path).resolved_secret_key())

    workers = [threading.Thread(target=boot) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert len(keys) == 8 and len(set(keys)) == 1 and len(keys[0]) >= 48
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]  # no draft left behind


def test_a_configured_key_is_used_as_given(tmp_path: Path) -> None:
    assert Settings(var_dir=tmp_path, secret_key="given").resolved_secret_key() == "given"
    assert not (tmp_path / "secret.key").exists()
