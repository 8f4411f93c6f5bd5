"""The launcher: python -m cortex_emulator start|stop|env|stats --state DIR, and its Python API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests
import yaml

from cortex_emulator import launcher


def cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "cortex_emulator", *args], capture_output=True, text=True,
                          timeout=timeout)


def alive(pid: int) -> bool:
    return launcher._alive(pid)


def test_start_env_stop(tmp_path):
    state = tmp_path / "state"
    started = cli("start", "--state", str(state), "--delay", "0", "--format", "json")
    assert started.returncode == 0, started.stderr
    conn = json.loads(started.stdout)
    assert conn["cortex_url"].endswith("/cortexapi/default.aspx") and conn["cortex_username"] == "demo-partner"
    assert conn["cortex_emulator_state"] == str(state)
    assert requests.get(conn["cortex_emulator_base"] + "/_emulator/idle", timeout=5).status_code == 401
    assert requests.get(conn["cortex_emulator_base"] + "/_emulator/idle", timeout=5,
                        auth=(conn["cortex_username"], conn["cortex_password"])).json() == {"pending": 0}
    assert oct((state / "connection.json").stat().st_mode)[-3:] == "600"

    sh = cli("env", "--state", str(state), "--format", "sh").stdout
    assert f"export CORTEX_URL={conn['cortex_url']}\n" in sh and "export CORTEX_EMULATOR_BASE=" in sh
    out = tmp_path / "config.yml"
    assert cli("env", "--state", str(state), "--format", "yaml", "--output", str(out)).returncode == 0
    assert yaml.safe_load(out.read_text()) == conn
    again = cli("env", "--from", str(out), "--format", "sh").stdout  # what a runme.sh does with integration_config
    assert again == sh
    stats = cli("stats", "--state", str(state))
    assert stats.returncode == 0 and stats.stdout.startswith("API requests: 0 (0 writes)")

    pid = int((state / "emulator.pid").read_text())
    assert cli("stop", "--state", str(state)).returncode == 0
    assert not alive(pid)
    assert "Traceback" not in (state / "emulator.log").read_text()
    assert cli("stop", "--state", str(state)).returncode == 0  # quiet when none runs
    gone = cli("env", "--state", str(state))
    assert gone.returncode == 1 and "no emulator" in gone.stderr


def test_partner_and_serve_options_pass_through(tmp_path):
    started = cli("start", "--state", str(tmp_path / "s"), "--partner", "alpha:Alpha!Pass1", "--workers", "2",
                  "--format", "sh")
    try:
        assert started.returncode == 0, started.stderr
        assert "export CORTEX_USERNAME=alpha\n" in started.stdout
        assert "export CORTEX_PASSWORD='Alpha!Pass1'\n" in started.stdout
    finally:
        cli("stop", "--state", str(tmp_path / "s"))


def test_start_failure_shows_the_log_and_leaves_nothing_running(tmp_path):
    (tmp_path / "broken.yml").write_text("user_plans: [{fullname: no name}]\n")
    failed = cli("start", "--state", str(tmp_path / "s"), "--catalog", str(tmp_path / "broken.yml"))
    assert failed.returncode == 1
    assert "exited (status 2) before it was ready" in failed.stderr and "emulator log" in failed.stderr
    assert "needs a name" in failed.stderr  # the server's own message, from its log
    assert not (tmp_path / "s" / "emulator.pid").exists()
    bad_option = cli("start", "--state", str(tmp_path / "t"), "--delay", "-1")
    assert bad_option.returncode == 2 and not (tmp_path / "t").exists()  # refused before anything starts


def test_timeout_and_one_emulator_per_state(tmp_path):
    emu = launcher.start(tmp_path / "s", ["--delay", "0"])
    try:
        with pytest.raises(launcher.LaunchError, match="already runs"):
            launcher.start(tmp_path / "s")
    finally:
        assert emu.stop() == 0
    with pytest.raises(launcher.LaunchError, match="not ready after"):
        launcher.start(tmp_path / "slow", ["--delay", "0"], timeout=0)
    assert not (tmp_path / "slow" / "emulator.pid").exists()


def test_stop_kills_after_the_grace_period(tmp_path):
    emu = launcher.start(tmp_path / "s", ["--delay", "0"])
    os.kill(emu.pid, signal.SIGSTOP)  # deaf to SIGTERM until continued
    started = time.monotonic()
    assert emu.stop(grace=0.5) == -signal.SIGKILL
    assert time.monotonic() - started < 5


def test_stop_by_state_of_a_detached_emulator(tmp_path):
    assert cli("start", "--state", str(tmp_path / "s"), "--format", "none").returncode == 0
    emu = launcher.attach(tmp_path / "s")
    assert emu.stats()["requests"] == 0
    os.kill(emu.pid, signal.SIGSTOP)
    assert cli("stop", "--state", str(tmp_path / "s"), "--grace", "0.5").returncode == 0
    deadline = time.monotonic() + 5
    while alive(emu.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(emu.pid)
