#!/usr/bin/env python3
"""Requests per second of the Cortex emulator for FIND, GET and SET, with N concurrent keep-alive clients.

    .venv/bin/python benchmarks/emulator_throughput.py                  # starts its own emulator (--delay 0)
    .venv/bin/python benchmarks/emulator_throughput.py --url URL --user U --password P
    .venv/bin/python benchmarks/emulator_throughput.py --check          # exit 1 below 500 GET/s or 200 SET/s

Each client is a thread with its own requests.Session (one keep-alive connection). Every phase runs for
--seconds; the numbers printed are completed requests per second (all answers must be HTTP 200).
Phases: FIND (one customer by code, summary), GET (a user in detail, with its mailbox), SET (modify a user:
one provisioning request each), SET-create (a new user with a password: validation, hashing, two inserts).
Then the provisioning engine: 1,000 requests queued by 5 multi-object SETs (200 users each), timed until
/_emulator/idle reports nothing pending (meaningful with --delay 0, as a started emulator runs).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from cortex_emulator import launcher

TARGETS = {"GET": 500, "SET": 200}
PASSWORD = "Bench!Passw0rd"


def xml(action: str, inner: str) -> bytes:
    head = '<?xml version="1.0" encoding="utf-8"?>\n'
    return f'{head}<request action="{action}" version="1.0">{inner}</request>'.encode()


class Setup:
    """One customer with Hosted Exchange and one user (with a mailbox) per client."""

    def __init__(self, url: str, auth: tuple[str, str], clients: int):
        self.url, self.auth = url, auth
        self.session = requests.Session()
        self.session.auth = auth
        tag = f"{(os.getpid() * 7919 + int(time.time() * 1000)) % 100000:05d}"
        self.code = f"B{tag}"  # short: logins are login_CODE, at most 20 characters
        domain = f"bench{tag}.example.com"
        ids = self.call("SET", f"<customer><name>{self.code}</name><fullname>Benchmark {tag}</fullname>"
                               f"<contactname>Bench</contactname><contactemail>bench@{domain}</contactemail>"
                               f"<primarydomain>{domain}</primarydomain><address>1 rue du Test</address>"
                               "<properties><property><name>City</name><value>Lyon</value></property>"
                               "<property><name>Country</name><value>France</value></property>"
                               "<property><name>ZipCode</name><value>69001</value></property></properties>"
                               "</customer>")
        self.wait(ids)
        self.wait(self.call("SET", f"<customer><name>{self.code}</name><service><name>HE</name><version>2010"
                                   "</version><package><name>Default</name></package><userpackage><name>FORFAIT_2GO"
                                   "</name></userpackage></service></customer>"))
        self.logins = []
        for i in range(clients):
            login = f"b{i}"
            self.wait(self.call("SET", f"<customer><name>{self.code}</name><user><name>{login}</name><password>"
                                       f"<password>{PASSWORD}</password></password><service><name>HE</name>"
                                       "<userpackage><name>FORFAIT_2GO</name></userpackage></service></user>"
                                       "</customer>"))
            self.logins.append(f"{login}_{self.code}")

    def call(self, action: str, inner: str) -> list[int]:
        r = self.session.post(self.url, data=xml(action, inner), timeout=30)
        if r.status_code != 200:
            raise SystemExit(f"setup {action} failed: {r.status_code} {r.text}")
        return [int(part.split("</id>")[0]) for part in r.text.split("<id>")[1:]]

    def wait(self, ids: list[int]) -> None:
        for rid in ids:
            while True:
                text = self.session.post(self.url, data=xml("GET", f"<request><id>{rid}</id></request>"),
                                         timeout=30).text
                if "<status>Provisioned</status>" in text.split("<object>")[0]:
                    break
                if "<status>Failed</status>" in text.split("<object>")[0]:
                    raise SystemExit(f"setup request {rid} failed: {text}")
                time.sleep(0.01)


def cpu_seconds(pid: int | None) -> float | None:
    """User+system CPU time of a process (Linux /proc), to show whether the server or the client is the limit."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def phase(name: str, setup: Setup, clients: int, seconds: float) -> float:
    """Run one phase with `clients` threads for `seconds`; return requests per second."""
    counts = [0] * clients
    errors: list[str] = []
    stop = threading.Event()
    start_gate = threading.Barrier(clients + 1)

    def body(index: int, n: int) -> bytes:
        login = setup.logins[index]
        if name == "FIND":
            return xml("FIND", f"<customer><name>{setup.code}</name></customer>")
        if name == "GET":
            return xml("GET", f"<customer><name>{setup.code}</name><user><name>{login}</name><service>"
                              "<name>HE</name></service></user></customer>")
        if name == "SET":
            return xml("SET", f"<customer><name>{setup.code}</name><user><name>{login}</name>"
                              f"<lastname>Run{n}</lastname></user></customer>")
        return xml("SET", f"<customer><name>{setup.code}</name><user><name>c{index}n{n}</name>"
                          f"<password><password>{PASSWORD}</password></password></user></customer>")

    def worker(index: int) -> None:
        with requests.Session() as session:
            session.auth = setup.auth
            start_gate.wait()
            n = 0
            while not stop.is_set():
                r = session.post(setup.url, data=body(index, n), timeout=30)
                if r.status_code != 200 and len(errors) < 5:
                    errors.append(f"{r.status_code} {r.text[:200]}")
                n += 1
                counts[index] += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start_gate.wait()
    started = time.monotonic()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if errors:
        raise SystemExit(f"{name}: non-200 answers: {errors}")
    return sum(counts) / elapsed


def engine_rate(setup: Setup, users: int = 200, rounds: int = 5) -> float:
    """Provisioning requests completed per second: `rounds` SETs modifying `users` users each."""
    base = setup.url.split("/cortexapi/", 1)[0]
    logins = []
    body = "".join(f"<user><name>e{i}</name><password><password>{PASSWORD}</password></password></user>"
                   for i in range(users))
    setup.wait(setup.call("SET", f"<customer><name>{setup.code}</name>{body}</customer>"))
    logins = [f"e{i}_{setup.code}" for i in range(users)]
    started = time.monotonic()
    for n in range(rounds):
        body = "".join(f"<user><name>{login}</name><lastname>Round{n}</lastname></user>" for login in logins)
        setup.call("SET", f"<customer><name>{setup.code}</name>{body}</customer>")
    while requests.get(base + "/_emulator/idle", auth=setup.auth, timeout=30).json()["pending"]:
        time.sleep(0.005)
    return users * rounds / (time.monotonic() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="CortexAPI URL of a running emulator (default: start one with --delay 0)")
    parser.add_argument("--user", default="demo-partner")
    parser.add_argument("--password", default="DemoPartner2026")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients (default 8)")
    parser.add_argument("--seconds", type=float, default=4.0, help="duration of each phase (default 4)")
    parser.add_argument("--workers", type=int, default=4, help="provisioning workers of a started emulator")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs the started emulator")
    parser.add_argument("--check", action="store_true", help="exit 1 below 500 GET/s or 200 SET/s")
    args = parser.parse_args()

    emulator = None
    with tempfile.TemporaryDirectory(prefix="cortex-bench-") as tmp:
        url = args.url
        if url is None:
            emulator = launcher.start(Path(tmp) / "emulator", ["--delay", "0", "--workers", str(args.workers)],
                                      python=args.python)
            url = emulator.url
        try:
            setup = Setup(url, (args.user, args.password), args.clients)
            results = {}
            server_pid = emulator.pid if emulator is not None else None
            for name in ("FIND", "GET", "SET", "SET-create"):
                cpu_before, wall_before = cpu_seconds(server_pid), time.monotonic()
                results[name] = phase(name, setup, args.clients, args.seconds)
                cpu_after = cpu_seconds(server_pid)
                load = ""
                if cpu_before is not None and cpu_after is not None:
                    share = 100 * (cpu_after - cpu_before) / (time.monotonic() - wall_before)
                    load = f", emulator CPU {share:.0f}% of one core"
                print(f"{name:<10} {results[name]:8.0f} requests/s  ({args.clients} keep-alive clients, "
                      f"{args.seconds:g} s{load})", flush=True)
            print(f"{'engine':<10} {engine_rate(setup):8.0f} provisioning requests/s completed "
                  "(1,000 queued by 5 SETs)", flush=True)
        finally:
            if emulator is not None:
                emulator.stop()
    short = [f"{k} {results[k]:.0f}/s < {v}/s" for k, v in TARGETS.items() if results[k] < v]
    if short:
        print("below target: " + ", ".join(short))
        return 1 if args.check else 0
    print("targets met: " + ", ".join(f"{k} >= {v}/s" for k, v in TARGETS.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
