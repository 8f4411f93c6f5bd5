"""Persistence: clean stop on SIGTERM/SIGINT, and resumption of in-flight provisioning after SIGKILL."""

from __future__ import annotations

import signal

from conftest import Client, Tenant, customer_xml


def test_sigterm_exits_0_and_state_survives(spawn):
    emu = spawn("--delay", "0")
    c = Client(emu)
    tenant = Tenant(c, exchange=True)
    tenant.add_user("keep")
    tenant.add_mailbox("keep")
    assert emu.stop(signal.SIGTERM) == 0
    emu.start()
    c = Client(emu)
    detail = c.get(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('keep')}</name><service>"
                   "<name>HE</name></service></user></customer>")
    assert detail.findtext("customer/status") == "Provisioned"
    assert detail.findtext("customer/user/service/userpackage/name") == "FORFAIT_2GO"
    assert c.poll(tenant.request_ids[0]).findtext("status") == "Provisioned"


def test_sigint_exits_0(spawn):
    emu = spawn("--delay", "0")
    assert emu.stop(signal.SIGINT) == 0


def test_sigkill_mid_provisioning_then_resume(spawn, workdir):
    emu = spawn("--delay", "2", "--workers", "1")
    c = Client(emu)
    ids = []
    for i in range(3):
        ids += c.set(customer_xml(f"Killed {chr(65 + i)}x", f"killed-{i}.example.com")).ids
    assert c.poll(ids[0]).findtext("status") == "InProgress"
    assert c.poll(ids[2]).findtext("status") == "Requested"
    assert emu.stop(signal.SIGKILL) == -signal.SIGKILL
    # same database, fast engine: what was Requested/InProgress is resumed
    emu.args = ("--delay", "0.01")
    emu.start()
    c = Client(emu)
    c.wait_ok(ids)
    assert [c.poll(i).findtext("object/status") for i in ids] == ["Provisioned"] * 3
    # nothing lost, nothing doubled, ids go on increasing
    assert len(c.find("<customer/>").findall("customer")) == 1 + 3  # the partner's reseller customer, its three
    assert c.set(customer_xml("After Restart", "after-restart.example.com")).ids[0] == ids[-1] + 1
    assert emu.pending() == 0 or c.wait(ids[-1] + 1)


def test_pending_dependencies_survive_restart(spawn):
    emu = spawn("--delay", "2", "--workers", "2")
    c = Client(emu)
    users = "".join(f"<user><name>w{i}</name><password><password>Str0ng!Passw0rd</password></password></user>"
                    for i in range(2))
    ids = c.set(customer_xml("Deps Survive", "deps-survive.example.com", extra=users)).ids
    assert [c.poll(i).findtext("status") for i in ids] == ["InProgress", "Requested", "Requested"]
    assert emu.stop(signal.SIGKILL) == -signal.SIGKILL
    emu.args = ("--delay", "0.01")
    emu.start()
    c = Client(emu)
    c.wait_ok(ids)
