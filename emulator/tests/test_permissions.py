"""File modes: the state (SQLite with password hashes) is readable by its owner only, whatever the umask."""

from __future__ import annotations

import os
import stat

import pytest

from cortex_emulator import launcher


@pytest.fixture(autouse=True)
def usual_umask():
    """022, the common default, under which files are made 0644 and directories 0755 unless asked otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_state_directory_and_its_database_are_private(tmp_path):
    base = tmp_path / "base"
    base.mkdir(mode=0o755)
    state = base / "made" / "state"  # neither exists
    with launcher.start(state, ["--delay", "0"]) as emu:
        assert (state / "cortex.db-wal").exists() and (state / "cortex.db-shm").exists()  # the partners were written
        for name in ("cortex.db", "cortex.db-wal", "cortex.db-shm"):
            assert mode(state / name) == 0o600, name
        assert mode(state) == 0o700 and mode(base / "made") == 0o700
        assert emu.stop() == 0
    assert mode(base) == 0o755  # was there before: left alone


def test_a_given_directory_is_left_alone_but_the_database_is_not(tmp_path):
    state = tmp_path / "mine"
    state.mkdir(mode=0o755)
    with launcher.start(state, ["--delay", "0"]) as emu:
        assert mode(state / "cortex.db") == 0o600
        assert emu.stop() == 0
    # a database left readable (by an earlier version), with the WAL files of a run that did not close it
    os.chmod(state / "cortex.db", 0o644)
    for name in ("cortex.db-wal", "cortex.db-shm"):
        (state / name).touch(mode=0o644)
        os.chmod(state / name, 0o644)
    with launcher.start(state, ["--delay", "0"]) as emu:
        for name in ("cortex.db", "cortex.db-wal", "cortex.db-shm"):
            assert mode(state / name) == 0o600, name
        assert emu.stop() == 0
    assert mode(state) == 0o755


def test_the_directories_made_for_db_are_private(tmp_path):
    db = tmp_path / "data" / "deeper" / "cortex.db"
    with launcher.start(tmp_path / "state", ["--delay", "0", "--db", str(db)]) as emu:
        assert mode(db) == 0o600
        assert mode(tmp_path / "data") == 0o700 and mode(tmp_path / "data" / "deeper") == 0o700
        assert emu.stop() == 0
