"""Fixtures: real emulator processes (``python -m cortex_emulator serve``, started by ``cortex_emulator.launcher``)
and an XML-over-HTTP client."""

from __future__ import annotations

import itertools
import json
import os
import signal
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from cortex_emulator import launcher

PARTNER = ("demo-partner", "DemoPartner2026")
OTHER = ("other-partner", "OtherPartner2026")
FINAL = ("Provisioned", "Failed")
_counter = itertools.count(1)


class Emulator:
    """One running emulator process, started through the package's launcher (each start in a fresh state
    directory under ``workdir``; the database stays, so a restart keeps the state)."""

    def __init__(self, workdir: Path, *args: str, db: Path | None = None, env=None):
        self.workdir = workdir
        self.db = db or workdir / f"cortex-{next(_counter)}.db"
        self.args = args
        self.env = env
        self.running = None
        self.stderr = ""
        self.start()

    def start(self, timeout: float = 20.0) -> None:
        state = self.workdir / f"emulator-{next(_counter)}"
        self.running = launcher.start(state, ["--db", str(self.db), *self.args], timeout=timeout, env=self.env)
        self.proc = self.running.proc
        self.ready_file = self.running.ready_file
        self.ready_line = self.running.ready_line()
        self.info = json.loads(self.ready_file.read_text())
        self.url = self.running.url
        self.base = self.running.base

    def stop(self, sig=signal.SIGTERM, timeout: float = 15.0) -> int:
        """The exit status (negative: killed by that signal); the server's output is then in ``stderr``."""
        code = self.running.stop(sig, grace=timeout)
        self.stderr = self.running.log()
        return code

    def restart(self) -> None:
        self.stop()
        self.start()

    # control endpoints
    def stats(self) -> dict:
        return self.running.stats()

    def pending(self) -> int:
        return self.running.pending()

    def wait_idle(self, timeout: float = 20.0) -> None:
        self.running.wait_idle(timeout)

    def fail_next(self, match: str, count: int = 1, message: str | None = None, auth=PARTNER):
        body = {"match": match, "count": count}
        if message:
            body["message"] = message
        return requests.post(self.base + "/_emulator/fail-next", json=body, auth=auth, timeout=5)


class Answer:
    def __init__(self, response: requests.Response):
        self.response = response
        self.status = response.status_code
        self.text = response.text
        self.root = ET.fromstring(response.content) if response.content.lstrip().startswith(b"<") else None

    @property
    def ids(self) -> list[int]:
        return [int(n.findtext("id")) for n in self.root.findall("request")]

    @property
    def errors(self) -> list[str]:
        return [n.findtext("id") for n in self.root.findall("error")]

    @property
    def messages(self) -> list[str]:
        return [n.findtext("message") for n in self.root.findall("error")]

    def find(self, path):
        return self.root.find(path)

    def findall(self, path):
        return self.root.findall(path)

    def findtext(self, path):
        return self.root.findtext(path)

    def __repr__(self):
        return f"<Answer {self.status} {self.text}>"


class Client:
    """XML over HTTP with one keep-alive session."""

    def __init__(self, emulator: Emulator, auth=PARTNER):
        self.emulator = emulator
        self.session = requests.Session()
        self.session.auth = auth

    def post(self, body, **kw) -> requests.Response:
        if isinstance(body, str):
            body = body.encode()
        return self.session.post(self.emulator.url, data=body, timeout=kw.pop("timeout", 10), **kw)

    def call(self, action: str, inner: str, expect: int | None = 200) -> Answer:
        body = f'<?xml version="1.0" encoding="utf-8"?>\n<request action="{action}" version="1.0">{inner}</request>'
        answer = Answer(self.post(body))
        if expect is not None:
            assert answer.status == expect, answer.text
        return answer

    def find(self, inner, expect=200):
        return self.call("FIND", inner, expect)

    def get(self, inner, expect=200):
        return self.call("GET", inner, expect)

    def set(self, inner, expect=200):
        return self.call("SET", inner, expect)

    def delete(self, inner, expect=200):
        return self.call("DELETE", inner, expect)

    def poll(self, rid: int) -> ET.Element:
        return self.get(f"<request><id>{rid}</id></request>").find("request")

    def wait(self, ids, timeout: float = 20.0) -> list[ET.Element]:
        """Fast-poll each request until it is Provisioned or Failed."""
        if isinstance(ids, int):
            ids = [ids]
        done = []
        deadline = time.monotonic() + timeout
        for rid in ids:
            while True:
                node = self.poll(rid)
                if node.findtext("status") in FINAL:
                    done.append(node)
                    break
                assert time.monotonic() < deadline, f"request {rid} still {node.findtext('status')}"
                time.sleep(0.01)
        return done

    def wait_ok(self, ids, timeout: float = 20.0) -> None:
        for node in self.wait(ids, timeout):
            assert node.findtext("status") == "Provisioned", ET.tostring(node).decode()


_unique = itertools.count(1)


def unique(prefix: str = "t") -> str:
    return f"{prefix}{os.getpid()}x{next(_unique)}"


def customer_xml(fullname: str, domain: str, *, code: str | None = None, extra: str = "", props: str | None = None,
                 domains: list[str] | None = None) -> str:
    properties = props if props is not None else (
        "<properties><property><name>City</name><value>Lyon</value></property>"
        "<property><name>Country</name><value>France</value></property>"
        "<property><name>ZipCode</name><value>69003</value></property></properties>")
    domain_xml = ""
    if domains is not None:
        domain_xml = "<domains>" + "".join(f"<domain>{d}</domain>" for d in domains) + "</domains>"
    name = f"<name>{code}</name>" if code else ""
    return (f"<customer>{name}<fullname>{fullname}</fullname><contactname>Paul Martin</contactname>"
            f"<contactemail>paul@{domain}</contactemail><primarydomain>{domain}</primarydomain>"
            f"<address>12 rue des Lilas</address>{domain_xml}{properties}{extra}</customer>")


class Tenant:
    """A customer created for one test (unique code, full name and domain)."""

    def __init__(self, client: Client, *, provision=True, exchange=False, plans=("FORFAIT_2GO", "FORFAIT_10GO"),
                 extra: str = "", version="2010"):
        self.client = client
        self.code = unique("T").upper()
        self.fullname = f"Tenant {self.code}"
        self.domain = f"{self.code.lower()}.example.com"
        answer = client.set(customer_xml(self.fullname, self.domain, code=self.code, extra=extra))
        self.request_ids = answer.ids
        if provision or exchange:
            client.wait_ok(answer.ids)
        if exchange:
            self.provision_exchange(plans, version)

    def provision_exchange(self, plans=("FORFAIT_2GO", "FORFAIT_10GO"), version="2010"):
        ups = "".join(f"<userpackage><name>{p}</name><enabled>True</enabled></userpackage>" for p in plans)
        answer = self.client.set(f"<customer><name>{self.code}</name><service><name>HE</name><version>{version}"
                                 f"</version><package><name>Default</name><enabled>True</enabled></package>{ups}"
                                 "</service></customer>")
        self.client.wait_ok(answer.ids)

    def add_user(self, login: str, *, password="Str0ng!Passw0rd", extra="", wait=True, expect=200) -> Answer:
        answer = self.client.set(
            f"<customer><name>{self.code}</name><user><name>{login}</name><firstname>Claire</firstname>"
            f"<lastname>Dubois</lastname><password><password>{password}</password></password>{extra}</user>"
            "</customer>", expect=expect)
        if wait and expect == 200 and answer.ids:
            self.client.wait_ok(answer.ids)
        return answer

    def add_mailbox(self, login: str, plan="FORFAIT_2GO", wait=True, expect=200) -> Answer:
        answer = self.client.set(
            f"<customer><name>{self.code}</name><user><name>{login}</name><service><name>HE</name><userpackage>"
            f"<name>{plan}</name></userpackage></service></user></customer>", expect=expect)
        if wait and expect == 200 and answer.ids:
            self.client.wait_ok(answer.ids)
        return answer

    def login(self, name: str) -> str:
        return f"{name}_{self.code}"


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("emulator")


@pytest.fixture(scope="session")
def emulator(workdir):
    """The shared emulator: two partners, short delay."""
    emu = Emulator(workdir, "--partner", ":".join(PARTNER), "--partner", ":".join(OTHER),
                   "--delay", "0.02", "--workers", "4")
    yield emu
    code = emu.stop()
    assert "Traceback" not in emu.stderr, emu.stderr  # no request may crash the server
    assert code == 0


@pytest.fixture
def client(emulator) -> Client:
    c = Client(emulator)
    yield c
    c.session.close()


@pytest.fixture
def other_client(emulator) -> Client:
    c = Client(emulator, auth=OTHER)
    yield c
    c.session.close()


@pytest.fixture
def spawn(workdir):
    """Start extra emulators (fresh databases) for one test; all are stopped afterwards."""
    started: list[Emulator] = []

    def _spawn(*args, db=None) -> Emulator:
        emu = Emulator(workdir, *args, db=db)
        started.append(emu)
        return emu

    yield _spawn
    for emu in started:
        emu.stop()
        assert "Traceback" not in getattr(emu, "stderr", ""), emu.stderr


def child_tags(node) -> list[str]:
    return [c.tag for c in node]
