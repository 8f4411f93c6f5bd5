"""--latency SECONDS[:JITTER]: every CortexAPI answer is held back, without holding the other requests up.

Only lower bounds of time are asserted (a loaded machine is slower, not wrong); that requests are held at the same
time is shown by the server's own counters, not by a stopwatch.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
import requests

from conftest import PARTNER
from cortex_emulator.faults import Latency

FIND = b'<request action="FIND" version="1.0"><customer/></request>'


def timed_post(emu, auth=PARTNER) -> tuple[int, float]:
    started = time.monotonic()
    r = requests.post(emu.url, data=FIND, auth=auth, timeout=30)
    return r.status_code, time.monotonic() - started


def test_every_api_answer_is_held_back(spawn):
    emu = spawn("--delay", "0", "--latency", "0.3")
    status, seconds = timed_post(emu)
    assert status == 200 and seconds >= 0.3
    status, seconds = timed_post(emu, auth=("demo-partner", "wrong"))
    assert status == 401 and seconds >= 0.3
    stats = emu.stats()  # the partner's: its FIND, counted as always (the latency is no counter, nor a fault)
    assert stats["requests"] == 1 and stats["by_status"] == {"200": 1} and not any(stats["faults"].values())


def test_held_answers_do_not_hold_the_others_up(spawn):
    emu = spawn("--delay", "0", "--latency", "3")
    answers: dict[int, tuple[int, float, float]] = {}

    def ask(n: int) -> None:
        started = time.monotonic()
        status = requests.post(emu.url, data=FIND, auth=PARTNER, timeout=30).status_code
        answers[n] = (status, started, time.monotonic())

    clients = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for client in clients:
        client.start()
    # The server has all four requests while none is answered yet, and meanwhile answers its control endpoint: the
    # four are held at the same time (one after the other, or with the loop blocked, three would have been answered
    # before it had the fourth, and the stats would wait behind them).
    received = 0
    while received < 4 and any(client.is_alive() for client in clients):
        received = emu.stats()["requests"]
    assert received == 4 and not answers, answers
    for client in clients:
        client.join(30)
    assert sorted(answers) == [0, 1, 2, 3] and {status for status, _, _ in answers.values()} == {200}
    assert max(start for _, start, _ in answers.values()) < min(end for _, _, end in answers.values())  # overlap
    assert all(end - start >= 3 for _, start, end in answers.values())


def test_latency_composes_with_faults(spawn):
    emu = spawn("--delay", "0", "--latency", "0.3:0.1", "--seed", "7", "--fault-rate", "1", "--fault-kinds", "500")
    status, seconds = timed_post(emu)
    assert status == 500 and seconds >= 0.2  # a fault is answered late too
    slow = spawn("--delay", "0", "--latency", "0.3", "--fault-rate", "1", "--fault-kinds", "slow")
    status, seconds = timed_post(slow)
    assert status == 200 and seconds >= 0.8  # the slow fault's 0.5 s or more, and the latency


def test_seeded_faults_stay_the_same_with_a_jitter(spawn):
    runs = []
    for extra in ((), ("--latency", "0.01:0.01")):
        emu = spawn("--fault-rate", "0.5", "--fault-kinds", "500,503", "--seed", "42", "--delay", "0", *extra)
        runs.append([timed_post(emu)[0] for _ in range(30)])
        emu.stop()
    assert runs[0] == runs[1] and set(runs[0]) == {200, 500, 503}


def test_jitter_is_uniform_never_negative_and_seeded():
    first, second = Latency.seeded(0.2, 0.1, 5), Latency.seeded(0.2, 0.1, 5)
    draws = [first.draw() for _ in range(200)]
    assert draws == [second.draw() for _ in range(200)]  # the same seed, the same latencies
    assert draws != [Latency.seeded(0.2, 0.1, 6).draw() for _ in range(200)]
    assert all(0.1 <= d <= 0.3 for d in draws) and len(set(draws)) > 100
    low = Latency.seeded(0.05, 0.2, 5)
    low_draws = [low.draw() for _ in range(200)]
    assert min(low_draws) == 0.0 and all(d >= 0 for d in low_draws) and max(low_draws) > 0.05
    assert Latency.seeded(0.2, 0, None).draw() == 0.2 and not Latency().active


def run(*args):
    return subprocess.run([sys.executable, "-m", "cortex_emulator", *args], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("value", ["-1", "0.2:-0.1", "fast", "0.2:", "nan", "inf"])
def test_bad_latency_is_refused(tmp_path, value):
    served = run("serve", "--port", "0", "--db", str(tmp_path / "x.db"), "--latency", value)
    assert served.returncode == 2 and "--latency" in served.stderr
    started = run("start", "--state", str(tmp_path / "s"), "--latency", value)
    assert started.returncode == 2 and not (tmp_path / "s").exists()  # refused before anything starts


def test_serve_help_and_start_pass_it_on(tmp_path):
    assert "--latency SECONDS[:JITTER]" in run("serve", "--help").stdout
    state = tmp_path / "s"
    started = run("start", "--state", str(state), "--delay", "0", "--latency", "0.3", "--format", "none")
    try:
        assert started.returncode == 0, started.stderr
        from cortex_emulator import launcher

        emu = launcher.attach(state)
        status, seconds = timed_post(emu)
        assert status == 200 and seconds >= 0.3
    finally:
        run("stop", "--state", str(state))
