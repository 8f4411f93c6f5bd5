"""The status page check of tools/checks/statuspage.sh: 1,000 users with mailboxes, seen in headless Chromium.

Usage: statuspage.py --browser PATH [--keep DIR]. Prints one line per page checked; exits 1 naming what is wrong.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from cortex_emulator import launcher

USERS = 1000
FAILED = ("u0007", "u0420", "u0999")  # their mailboxes are made to fail
PLAN = "FORFAIT_2GO"
PASSWORD = "Str0ng!Passw0rd#"
CODE = "SPAGE"


class CheckFailed(Exception):
    pass


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise CheckFailed(what)


class Api:
    def __init__(self, connection):
        self.url = connection.url
        self.session = requests.Session()
        self.session.auth = (connection.username, connection.password)

    def call(self, action: str, inner: str) -> str:
        body = f'<?xml version="1.0" encoding="utf-8"?><request action="{action}" version="1.0">{inner}</request>'
        answer = self.session.post(self.url, data=body.encode(), timeout=120)
        expect(answer.status_code == 200, f"{action} answered {answer.status_code}: {answer.text[:300]}")
        return answer.text


def populate(emu) -> None:
    """A client with Hosted Exchange and 1,000 users with mailboxes, in a few bulk requests."""
    api = Api(emu.connection)
    api.call("SET", f"<customer><name>{CODE}</name><fullname>Status Page Client</fullname><contactname>Paul Martin"
                    "</contactname><contactemail>paul@status-page.example</contactemail><primarydomain>"
                    "status-page.example</primarydomain><address>12 rue des Lilas</address><properties>"
                    "<property><name>City</name><value>Lyon</value></property><property><name>Country</name>"
                    "<value>France</value></property><property><name>ZipCode</name><value>69003</value></property>"
                    "</properties></customer>")
    emu.wait_idle(60)
    api.call("SET", f"<customer><name>{CODE}</name><service><name>HE</name><version>2010</version><package><name>"
                    f"Default</name><enabled>True</enabled></package><userpackage><name>{PLAN}</name><enabled>True"
                    "</enabled></userpackage></service></customer>")
    emu.wait_idle(60)
    for start in range(0, USERS, 250):
        users = "".join(f"<user><name>u{i:04d}</name><firstname>User</firstname><lastname>Number {i}</lastname>"
                        f"<password><password>{PASSWORD}</password></password></user>"
                        for i in range(start, start + 250))
        api.call("SET", f"<customer><name>{CODE}</name>{users}</customer>")
    emu.wait_idle(120)
    for login in FAILED:
        armed = requests.post(emu.base + "/_emulator/fail-next", auth=(emu.connection.username,
                                                                       emu.connection.password),
                              json={"match": f"{login}_{CODE}", "count": 1, "message": "Mailbox database offline"},
                              timeout=10)
        expect(armed.ok, f"fail-next answered {armed.status_code}")
    for start in range(0, USERS, 250):
        boxes = "".join(f"<user><name>u{i:04d}_{CODE}</name><service><name>HE</name><userpackage><name>{PLAN}"
                        "</name></userpackage></service></user>" for i in range(start, start + 250))
        api.call("SET", f"<customer><name>{CODE}</name>{boxes}</customer>")
    emu.wait_idle(120)


class Browser:
    def __init__(self, path: str, work: Path):
        self.path = path
        self.profile = work / "profile"

    def _run(self, *args: str) -> str:
        command = [self.path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   "--no-first-run", "--hide-scrollbars", f"--user-data-dir={self.profile}", *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        expect(done.returncode == 0, f"{Path(self.path).name} exited {done.returncode}: {done.stderr[-500:]}")
        return done.stdout

    def dom(self, url: str) -> str:
        return self._run("--dump-dom", url)

    def screenshot(self, url: str, path: Path) -> None:
        self._run(f"--screenshot={path}", "--window-size=1400,1800", url)


def logged_in(base: str, connection, query: str = "") -> str:
    """The page's address with the partner's credentials in it (Chromium sends them as Basic auth)."""
    parts = urlsplit(base)
    netloc = f"{connection.username}:{connection.password}@{parts.netloc}"
    return urlunsplit((parts.scheme, netloc, "/", query, ""))


def counts(dom: str, kind: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        rf'data-kind="{kind}" data-status="(\w+)" data-count="(\d+)"', dom)}


def pager(dom: str) -> dict[str, int]:
    m = re.search(r'<nav class="pager" data-page="(\d+)" data-pages="(\d+)" data-total="(\d+)"', dom)
    expect(m is not None, "no pager in the page")
    return {"page": int(m.group(1)), "pages": int(m.group(2)), "total": int(m.group(3))}


def rows(dom: str) -> list[str]:
    return re.findall(r'<tr data-login="([^"]+)"', dom)


def check(browser: Browser, emu, slow, keep: Path) -> None:
    conn = emu.connection
    overview = browser.dom(logged_in(emu.base, conn))
    (keep / "overview.html").write_text(overview)
    expect(f'data-code="{CODE}"' in overview, "the overview does not list the client")
    expect(counts(overview, "users") == {"Provisioned": USERS}, f"user counts {counts(overview, 'users')}")
    expect(counts(overview, "mailboxes") == {"Provisioned": USERS - len(FAILED), "Failed": len(FAILED)},
           f"mailbox counts {counts(overview, 'mailboxes')}")
    expect(re.search(r'id="filter-failed"[^>]*href="/\?show=failed">with failures \(1\)', overview) is not None,
           "no 'with failures (1)' filter link on the overview")
    expect("http-equiv=\"refresh\"" not in overview, "the overview refreshes with nothing pending")
    print(f"statuspage: overview: 1 client, users {counts(overview, 'users')}, "
          f"mailboxes {counts(overview, 'mailboxes')}")

    client = browser.dom(logged_in(emu.base, conn, f"client={CODE}"))
    (keep / "client.html").write_text(client)
    expect(pager(client) == {"page": 1, "pages": USERS // 50, "total": USERS}, f"pager {pager(client)}")
    expect(rows(client) == [f"u{i:04d}_{CODE}" for i in range(50)], "page 1 does not hold the first 50 logins")
    expect(f'rel="next" href="/?client={CODE}&amp;page=2"' in client, "no link to page 2")
    expect(re.search(rf'id="filter-failed"[^>]*href="/\?client={CODE}&amp;show=failed">with failures \(3\)',
                     client) is not None, "no 'with failures (3)' filter link")
    expect('id="filter-in-progress"' in client, "no 'in progress' filter link")
    expect(client.count("status-Failed") >= 1 and "Mailbox database offline" in client,
           "the failure and its message are not on the page")
    print(f"statuspage: client page: {pager(client)}, {len(rows(client))} rows, filters and next link")

    failed = browser.dom(logged_in(emu.base, conn, f"client={CODE}&show=failed"))
    expect(rows(failed) == [f"{login}_{CODE}" for login in FAILED], f"failed filter rows {rows(failed)}")
    expect(pager(failed)["total"] == len(FAILED), "failed filter total")
    last = browser.dom(logged_in(emu.base, conn, f"client={CODE}&sort=login&order=desc&per=100&page=10"))
    expect(pager(last) == {"page": 10, "pages": 10, "total": USERS}, f"sorted page 10 of 10: {pager(last)}")
    expect(rows(last) == [f"u{i:04d}_{CODE}" for i in range(99, -1, -1)], "descending page 10 rows")
    print("statuspage: filter 'with failures' shows the 3 failed mailboxes; descending sort, 100 per page, page 10")

    shot = keep / "client.png"
    browser.screenshot(logged_in(emu.base, conn, f"client={CODE}"), shot)
    expect(shot.exists() and shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n",
           f"no screenshot in {shot}")
    print(f"statuspage: screenshot {shot.stat().st_size} bytes")

    anonymous = requests.get(emu.base + "/", timeout=10)
    expect(anonymous.status_code == 401, f"the page answered {anonymous.status_code} without a login")

    # the automatic refresh, while provisioning is pending
    Api(slow.connection).call("SET", "<customer><name>SLOW</name><fullname>Slow Client</fullname><contactname>A"
                                     "</contactname><contactemail>a@slow-client.example</contactemail><primarydomain>"
                                     "slow-client.example</primarydomain><address>1 rue</address><properties>"
                                     "<property><name>City</name><value>Lyon</value></property><property><name>"
                                     "Country</name><value>France</value></property><property><name>ZipCode</name>"
                                     "<value>69003</value></property></properties></customer>")
    pending = browser.dom(logged_in(slow.base, slow.connection))
    expect('<meta http-equiv="refresh"' in pending and 'data-pending="1"' in pending,
           "no automatic refresh while a request is pending")
    expect(re.search(r'data-code="SLOW"', pending) is not None and "status-InProgress" in pending,
           "the pending client is not shown in progress")
    print("statuspage: refreshes itself while provisioning is pending")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--browser", required=True)
    parser.add_argument("--keep", default=os.environ.get("STATUSPAGE_KEEP"))
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cortex-statuspage.") as tmp:
        work = Path(tmp)
        keep = Path(args.keep) if args.keep else work / "out"
        keep.mkdir(parents=True, exist_ok=True)
        try:
            with launcher.start(work / "emulator", ["--delay", "0", "--workers", "4"]) as emu, \
                    launcher.start(work / "slow", ["--delay", "60", "--workers", "1"]) as slow:
                populate(emu)
                print(f"statuspage: 1 client, {USERS} users with mailboxes made in {time.monotonic() - started:.1f} s")
                check(Browser(args.browser, work), emu, slow, keep)
        except (CheckFailed, launcher.LaunchError, subprocess.TimeoutExpired, requests.RequestException) as exc:
            print(f"statuspage: FAILED: {exc}", file=sys.stderr)
            if args.keep:
                print(f"statuspage: the pages are in {keep}", file=sys.stderr)
            return 1
    print(f"statuspage: passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
