"""The command line: ready line and file, demo partner, options, TLS, catalogue."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import requests

from conftest import PARTNER, Client, Tenant

READY = re.compile(r"^cortex-emulator ready url=(https?)://127\.0\.0\.1:(\d+)/cortexapi/default\.aspx "
                   r"status=https?://127\.0\.0\.1:(\d+)/ partner=(\S+)$")


def test_ready_line_and_file_with_demo_partner(spawn):
    emu = spawn()
    match = READY.match(emu.ready_line)
    assert match, emu.ready_line
    scheme, port, status_port, partner = match.groups()
    assert scheme == "http" and port == status_port and partner == "demo-partner"
    info = json.loads(emu.ready_file.read_text())
    assert set(info) == {"url", "status_url", "port", "pid", "partners"}
    assert info["port"] == int(port) and info["pid"] == emu.proc.pid and info["partners"] == ["demo-partner"]
    assert info["url"] == f"http://127.0.0.1:{port}/cortexapi/default.aspx"
    assert info["status_url"] == f"http://127.0.0.1:{port}/"
    assert requests.post(info["url"], data=b'<request action="FIND" version="1.0"><customer/></request>',
                         auth=("demo-partner", "DemoPartner2026"), timeout=5).status_code == 200
    assert emu.stop() == 0
    assert "DemoPartner2026" not in emu.ready_line + emu.stderr + emu.ready_file.read_text()


def test_several_partners_and_no_password_printed(spawn):
    emu = spawn("--partner", "alpha:Alpha!Pass1", "--partner", "beta:Beta!Pass2")
    assert emu.ready_line.endswith("partner=alpha,beta")
    assert json.loads(emu.ready_file.read_text())["partners"] == ["alpha", "beta"]
    assert requests.post(emu.url, data=b'<request action="FIND" version="1.0"><customer/></request>',
                         auth=PARTNER, timeout=5).status_code == 401  # no demo partner when partners are given
    emu.stop()
    assert "Pass1" not in emu.ready_line + emu.stderr and "Pass2" not in emu.ready_line + emu.stderr


def test_tls(spawn, workdir):
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    emu = spawn("--tls-cert", str(cert), "--tls-key", str(key))
    assert READY.match(emu.ready_line).group(1) == "https"
    assert emu.url.startswith("https://")
    r = requests.post(emu.url, data=b'<request action="FIND" version="1.0"><customer/></request>',
                      auth=PARTNER, verify=str(cert), timeout=5)
    assert r.status_code == 200


def run(args, workdir):
    return subprocess.run([sys.executable, "-m", "cortex_emulator", *args], capture_output=True, text=True,
                          timeout=20, cwd=workdir)


def test_bad_arguments(workdir):
    assert run(["serve", "--port", "0", "--db", "x.db", "--tls-cert", "c.pem"], workdir).returncode == 2
    assert run(["serve", "--port", "0", "--db", "x.db", "--workers", "0"], workdir).returncode == 2
    assert run(["serve", "--port", "0", "--db", "x.db", "--partner", "nopassword"], workdir).returncode == 2
    assert run(["serve", "--port", "0", "--db", "x.db", "--delay", "-1"], workdir).returncode == 2
    assert run(["serve", "--port", "0"], workdir).returncode == 2  # --db is required
    (workdir / "broken.yml").write_text("user_plans: [{fullname: no name}]\n")
    result = run(["serve", "--port", "0", "--db", "x.db", "--catalog", "broken.yml"], workdir)
    assert result.returncode == 2 and "name" in result.stderr
    (workdir / "bad.pem").write_text("not a certificate\n")
    result = run(["serve", "--port", "0", "--db", "x.db", "--tls-cert", "bad.pem", "--tls-key", "bad.pem"], workdir)
    assert result.returncode == 2 and "did not start" in result.stderr
    result = run(["serve", "--port", "0", "--db", "/proc/no/such/dir/x.db"], workdir)
    assert result.returncode == 2 and "cannot open the database" in result.stderr
    help_text = run(["serve", "--help"], workdir).stdout
    for option in ("--host", "--port", "--db", "--partner", "--catalog", "--delay", "--workers", "--fault-rate",
                   "--fault-kinds", "--seed", "--tls-cert", "--tls-key", "--ready-file", "--log-level"):
        assert option in help_text


def test_custom_catalogue(spawn, workdir):
    catalog = workdir / "catalog.yml"
    catalog.write_text(
        "user_plans:\n"
        "  - {name: SOLO, fullname: One mailbox only, userlimit: 1}\n"
        "  - {name: MANY, fullname: Unlimited}\n"
        "default_allowed_roles: [Customer Administrator, API User]\n")
    emu = spawn("--catalog", str(catalog), "--delay", "0")
    c = Client(emu)
    tenant = Tenant(c, exchange=True, plans=("SOLO", "MANY"))
    roles = [r.text for r in c.get(f"<customer><name>{tenant.code}</name></customer>").findall("customer/roles/role")]
    assert roles == ["API User", "Customer Administrator"]  # what the reseller may give, alphabetically
    tenant.add_user("one")
    tenant.add_user("two")
    tenant.add_mailbox("one", "SOLO")
    assert tenant.add_mailbox("two", "SOLO", expect=400).errors == ["PlanLimitReached"]
    tenant.add_mailbox("two", "MANY")
    # FORFAIT_2GO is not in this catalogue
    assert tenant.add_user("three").ids
    assert tenant.add_mailbox("three", "FORFAIT_2GO", expect=400).errors == ["UnknownPlan"]


def test_log_level_info_shows_the_access_log(spawn):
    quiet = spawn()
    loud = spawn("--log-level", "info")
    for emu in (quiet, loud):
        requests.post(emu.url, data=b'<request action="FIND" version="1.0"><customer/></request>', auth=PARTNER,
                      timeout=5)
        assert emu.stop() == 0
    assert "POST /cortexapi/default.aspx" not in quiet.stderr
    assert "POST /cortexapi/default.aspx" in loud.stderr


def test_location_option(spawn):
    emu = spawn("--delay", "0", "--location", "Location Paris")
    c = Client(emu)
    tenant = Tenant(c)
    assert c.get(f"<customer><name>{tenant.code}</name></customer>").findtext("customer/location") == "Location Paris"
    services = c.find(f"<customer><name>{tenant.code}</name><service/></customer>").findall("customer/service")
    assert {s.findtext("location") for s in services} == {"Location Paris"}
    assert c.find(f"<customer><name>{tenant.code}</name><location>location paris</location></customer>")\
        .findtext("customer/name") == tenant.code
