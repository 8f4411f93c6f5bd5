"""Partner accounts: from a file and the environment, their reseller customers, secrets kept off the command line and
out of the logs, non-ASCII passwords, and what a partner may learn of the others."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import requests

from conftest import OTHER, PARTNER, Client, Emulator, Tenant, customer_xml, unique
from cortex_emulator import launcher

FIND = b'<request action="FIND" version="1.0"><customer/></request>'


def write_partners(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_partners_file_with_resellers_and_no_password_anywhere(workdir, tmp_path):
    secret = "S3cret!Zeta#2026"
    partners = write_partners(tmp_path / "partners.yml", f"""
provider: {{code: HOST, name: Hosting Company, domain: hosting.example}}
partners:
  - login: zeta
    password: "{secret}"
    reseller: {{code: ZETA, name: Zeta Telecom, domain: zeta-telecom.example}}
  - login: omega-reseller
    password: "Omega!Pass2026"
""")
    emu = Emulator(workdir, "--partners-file", str(partners), "--log-level", "debug", "--delay", "0")
    try:
        assert "partner=zeta,omega-reseller" in emu.ready_line and secret not in emu.ready_line
        zeta = Client(emu, auth=("zeta", secret))
        first = zeta.find("<customer/>").find("customer")
        assert (first.findtext("name"), first.findtext("fullname"), first.findtext("primarydomain")) == \
            ("ZETA", "Zeta Telecom", "zeta-telecom.example")
        detail = zeta.get("<customer><name>ZETA</name></customer>").find("customer")
        assert (detail.findtext("parent/name"), detail.findtext("parent/fullname")) == ("HOST", "Hosting Company")
        # a partner without a reseller gets one made from its login
        omega = Client(emu, auth=("omega-reseller", "Omega!Pass2026"))
        assert omega.find("<customer/>").findtext("customer/name") == "OMEGARESELLER"
        tenant = Tenant(zeta)
        assert zeta.get(f"<customer><name>{tenant.code}</name></customer>").findtext("customer/customerou") == \
            "Zeta Telecom(ZETA),Customers"
        requests.post(emu.url, data=FIND, auth=("zeta", "wrong"), timeout=5)
        assert secret not in Path(f"/proc/{emu.proc.pid}/cmdline").read_bytes().decode()
    finally:
        emu.stop()
    assert secret not in emu.stderr and "Omega!Pass2026" not in emu.stderr


def test_partners_from_the_environment(workdir):
    env = dict(os.environ, CORTEX_EMULATOR_PARTNERS="envy:Envy!Pass2026\nenvoy:Envoy!Pass2026\n")
    emu = Emulator(workdir, "--delay", "0", env=env)
    try:
        assert "partner=envy,envoy" in emu.ready_line
        assert Client(emu, auth=("envoy", "Envoy!Pass2026")).find("<customer/>").findtext("customer/name") == "ENVOY"
        assert "Envy!Pass2026" not in Path(f"/proc/{emu.proc.pid}/cmdline").read_bytes().decode()
    finally:
        emu.stop()


def test_launcher_keeps_partner_passwords_off_the_command_line(tmp_path):
    secret = "Launch!Pass2026"
    with launcher.start(tmp_path / "s", ["--partner", f"launchy:{secret}", "--delay", "0"]) as emu:
        cmdline = Path(f"/proc/{emu.proc.pid}/cmdline").read_bytes().decode()
        assert secret not in cmdline and "--partners-file" in cmdline
        assert not (tmp_path / "s" / "partners.yml").exists()  # read at start, then removed
        assert (emu.connection.username, emu.connection.password) == ("launchy", secret)
        assert emu.stats()["requests"] == 0  # the launcher reads the counters as that partner


def test_a_readable_partners_file_is_warned_about_and_a_bad_one_refused(spawn, workdir, tmp_path):
    loose = tmp_path / "loose.yml"
    loose.write_text("- {login: loose, password: Loose!Pass2026}\n")
    loose.chmod(0o644)
    emu = spawn("--partners-file", str(loose))
    emu.stop()
    assert "readable by others" in emu.stderr and "Loose!Pass2026" not in emu.stderr
    import subprocess
    import sys

    bad = write_partners(tmp_path / "bad.yml",
                         "partners:\n  - {login: x, password: Pw!Bad2026, reseller: {code: 'no way'}}\n")
    proc = subprocess.run([sys.executable, "-m", "cortex_emulator", "serve", "--port", "0", "--db",
                           str(workdir / "never.db"), "--partners-file", str(bad)], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 2 and "code must be 1-20 letters or digits" in proc.stderr
    assert "Pw!Bad2026" not in proc.stderr
    twice = write_partners(tmp_path / "twice.yml", "- {login: a, password: A!Pass2026, reseller: {code: SAME}}\n"
                                                   "- {login: b, password: B!Pass2026, reseller: {code: SAME}}\n")
    proc = subprocess.run([sys.executable, "-m", "cortex_emulator", "serve", "--port", "0", "--db",
                           str(workdir / "never.db"), "--partners-file", str(twice)], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 2 and "same reseller code" in proc.stderr


def test_non_ascii_partner_password_utf8_and_latin1(workdir, tmp_path):
    password = "Pässwörd!Ünïcode2026"
    partners = write_partners(tmp_path / "p.yml", f'- {{login: jürgen, password: "{password}"}}\n')
    emu = Emulator(workdir, "--partners-file", str(partners), "--delay", "0")
    try:
        # requests sends the credentials in Latin-1
        assert requests.post(emu.url, data=FIND, auth=("jürgen", password), timeout=5).status_code == 200
        # curl and most others send the bytes of a UTF-8 terminal
        token = base64.b64encode(f"jürgen:{password}".encode("utf-8")).decode()
        r = requests.post(emu.url, data=FIND, headers={"Authorization": f"Basic {token}"}, timeout=5)
        assert r.status_code == 200
        wrong = base64.b64encode("jürgen:Passwörd".encode("utf-8")).decode()
        assert requests.post(emu.url, data=FIND, headers={"Authorization": f"Basic {wrong}"},
                             timeout=5).status_code == 401
    finally:
        emu.stop()


def test_errors_do_not_reveal_other_partners(client, other_client):
    theirs = Tenant(other_client)
    reseller = other_client.find("<customer/>").find("customer")
    their_names = {theirs.code, theirs.fullname, reseller.findtext("name"), reseller.findtext("fullname")}

    def check(answer, *ids):
        assert answer.errors == list(ids)
        for message in answer.messages:
            assert "in use" in message or "use" not in message
            leaked = [n for n in their_names if n in message and n not in answer.sent]
            assert not leaked, message

    def send(inner, expect=400):
        answer = client.set(inner, expect=expect)
        answer.sent = inner
        return answer

    # their domain, their code, their reseller's domain and code: "already in use", nothing more
    check(send(customer_xml(f"Mine {unique('m')}", theirs.domain)), "Duplicate")
    check(send(customer_xml(f"Mine {unique('m')}", f"{unique('m')}.example.com", code=theirs.code)), "Duplicate")
    check(send(customer_xml(f"Mine {unique('m')}", reseller.findtext("primarydomain"))), "Duplicate")
    # their objects behave as absent
    absent = client.get(f"<customer><name>{theirs.code}</name></customer>", expect=400)
    assert absent.errors == ["NotFound"]
    mine = Tenant(client)
    upn = client.set(f"<customer><name>{mine.code}</name><user><name>steal</name><upn>steal@{theirs.domain}</upn>"
                     "</user></customer>", expect=400)
    assert upn.errors == ["DomainNotOwned"] and theirs.code not in upn.messages[0]
    # the status page and the control endpoints show the partner's own only
    page = requests.get(client.emulator.base + "/?per=500", auth=PARTNER, timeout=5).text
    assert mine.code in page  # the page lists the newest clients, so the absence below means something
    assert theirs.code not in page and theirs.fullname not in page
    rules = client.emulator.fail_next("never-matches-anything", auth=PARTNER).json()["rules"]
    assert all(r["match"] != theirs.code.lower() for r in rules)
    other_client.emulator.fail_next(theirs.code.lower(), auth=OTHER)
    rules = client.emulator.fail_next("never-matches-anything-2", auth=PARTNER).json()["rules"]
    assert theirs.code.lower() not in [r["match"] for r in rules]


def test_status_page_needs_a_partner_or_public_status(spawn):
    emu = spawn("--delay", "0", "--partner", ":".join(PARTNER), "--partner", ":".join(OTHER))
    Tenant(Client(emu))
    theirs = Tenant(Client(emu, auth=OTHER))
    anonymous = requests.get(emu.base + "/", timeout=5)
    assert anonymous.status_code == 401 and "basic" in anonymous.headers["www-authenticate"].lower()
    page = requests.get(emu.base + f"/?client={theirs.code}", auth=PARTNER, timeout=5)
    assert page.status_code == 404 and theirs.fullname not in page.text
    public = spawn("--delay", "0", "--public-status", "--partner", ":".join(PARTNER), "--partner", ":".join(OTHER))
    a, b = Tenant(Client(public)), Tenant(Client(public, auth=OTHER))
    everything = requests.get(public.base + "/", timeout=5).text
    assert a.fullname in everything and b.fullname in everything and "all partners" in everything
