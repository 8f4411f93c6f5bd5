"""Fault injection: --fault-rate with --fault-kinds and --seed."""

from __future__ import annotations

import time

import pytest
import requests

from conftest import PARTNER, Answer, Client, customer_xml

SET_BODY = ('<request action="SET" version="1.0">'
            + customer_xml("Fault Target", "fault-target.example.com") + "</request>").encode()
FIND_BODY = b'<request action="FIND" version="1.0"><customer/></request>'


def post(emu, body, timeout=10):
    return requests.post(emu.url, data=body, auth=PARTNER, timeout=timeout)


def committed_customers(emu) -> int:
    counts = emu.stats()["provisioning"]
    return sum(counts.values())


def test_faults_are_off_by_default(emulator):
    assert sum(emulator.stats()["faults"].values()) == 0


def test_500_commits_nothing(spawn):
    emu = spawn("--fault-rate", "1", "--fault-kinds", "500", "--delay", "0")
    r = post(emu, SET_BODY)
    assert r.status_code == 500
    assert Answer(r).errors == ["InternalError"]
    assert committed_customers(emu) == 0
    assert "No clients yet" in requests.get(emu.base + "/", auth=PARTNER, timeout=5).text
    stats = emu.stats()
    assert stats["faults"]["500"] == 1 and stats["writes"] == 1 and stats["by_status"] == {"500": 1}


def test_503_has_retry_after_and_commits_nothing(spawn):
    emu = spawn("--fault-rate", "1", "--fault-kinds", "503", "--delay", "0")
    r = post(emu, SET_BODY)
    assert r.status_code == 503
    assert r.headers["retry-after"] == "1"
    assert Answer(r).errors == ["Busy"]
    assert committed_customers(emu) == 0
    assert emu.stats()["faults"]["503"] == 1


def test_drop_commits_then_breaks_the_connection(spawn):
    emu = spawn("--fault-rate", "1", "--fault-kinds", "drop", "--delay", "0")
    broken = (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
    with pytest.raises(broken):  # headers, then the connection breaks: IncompleteRead
        post(emu, SET_BODY)
    assert committed_customers(emu) == 1  # the write happened although the client never saw the answer
    assert "Fault Target" in requests.get(emu.base + "/", auth=PARTNER, timeout=5).text
    assert emu.stats()["faults"]["drop"] == 1
    assert emu.stop() == 0
    assert "Traceback" not in emu.stderr  # a deliberate drop is not logged as an application error


def test_slow_answers_normally_after_a_while(spawn):
    emu = spawn("--fault-rate", "1", "--fault-kinds", "slow", "--delay", "0")
    started = time.monotonic()
    r = post(emu, FIND_BODY)
    elapsed = time.monotonic() - started
    assert r.status_code == 200
    assert elapsed >= 0.45  # the answer was held back (no upper bound: a loaded machine is slower, not wrong)
    assert emu.stats()["faults"]["slow"] == 1


def test_fail_makes_provisioning_fail(spawn):
    emu = spawn("--fault-rate", "1", "--fault-kinds", "fail", "--delay", "0")
    r = post(emu, SET_BODY)
    assert r.status_code == 200
    ids = Answer(r).ids
    node = Client(emu).wait(ids)[0]
    assert node.findtext("status") == "Failed"
    assert "fault" in node.findtext("message").lower()
    assert post(emu, FIND_BODY).status_code == 200  # reads are not affected
    assert emu.stats()["faults"]["fail"] == 1


def test_seed_makes_faults_reproducible(spawn):
    runs = []
    for _ in range(2):
        emu = spawn("--fault-rate", "0.5", "--fault-kinds", "500,503", "--seed", "42", "--delay", "0")
        runs.append([post(emu, FIND_BODY).status_code for _ in range(30)])
        emu.stop()
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 500, 503}


def test_control_endpoints_and_status_page_never_fault(spawn):
    emu = spawn("--fault-rate", "1", "--fault-kinds", "500,503,drop", "--delay", "0")
    for _ in range(5):
        assert requests.get(emu.base + "/", auth=PARTNER, timeout=5).status_code == 200
        assert requests.get(emu.base + "/_emulator/stats", auth=PARTNER, timeout=5).status_code == 200
        assert requests.get(emu.base + "/_emulator/idle", auth=PARTNER, timeout=5).status_code == 200
        assert requests.post(emu.base + "/_emulator/reset-stats", auth=PARTNER, timeout=5).status_code == 200


def test_bad_fault_options_are_refused(spawn, workdir):
    import subprocess
    import sys

    for args in (["--fault-kinds", "explode"], ["--fault-rate", "2"]):
        proc = subprocess.run([sys.executable, "-m", "cortex_emulator", "serve", "--port", "0",
                               "--db", str(workdir / "bad.db"), *args], capture_output=True, text=True, timeout=20)
        assert proc.returncode == 2
