"""Writes answered without their request ids: --empty-write-answers, and the fault kind empty-answer."""

from __future__ import annotations

from conftest import Client, Tenant, customer_xml, unique

EMPTY = '<response version="1.0" />'


def _customer():
    code = unique("E").upper()
    return code, customer_xml(f"Empty {code}", f"{code.lower()}.example.com", code=code)


def test_empty_write_answers_still_queue_the_provisioning(spawn):
    emu = spawn("--empty-write-answers", "--delay", "0")
    client = Client(emu)
    code, xml = _customer()
    answer = client.set(xml)
    assert answer.status == 200 and answer.text.strip().endswith(EMPTY) and answer.ids == []
    emu.wait_idle()
    found = client.find(f"<customer><name>{code}</name></customer>")
    assert found.findtext("customer/status") == "Provisioned"  # created and provisioned all the same
    assert emu.stats()["provisioning"]["Provisioned"] == 1

    tenant = Tenant(client)  # Tenant waits on the ids it gets: none here, so wait on the emulator
    emu.wait_idle()
    user = tenant.add_user("claire", wait=False)
    assert user.text.strip().endswith(EMPTY)
    emu.wait_idle()
    assert client.get(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('claire')}</name></user>"
                      "</customer>").findtext("customer/user/status") == "Provisioned"
    deleted = client.delete(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('claire')}</name>"
                            "</user></customer>")
    assert deleted.text.strip().endswith(EMPTY)
    emu.wait_idle()
    assert client.get(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('claire')}</name></user>"
                      "</customer>", expect=400).errors == ["NotFound"]
    assert emu.stats()["faults"]["empty-answer"] == 0  # the switch is not a fault


def test_empty_write_answers_keep_errors_and_reads(spawn):
    emu = spawn("--empty-write-answers", "--delay", "0")
    client = Client(emu)
    refused = client.set("<customer><fullname>Nothing else</fullname></customer>", expect=400)
    assert "MissingField" in refused.errors
    tenant = Tenant(client)
    emu.wait_idle()
    mixed = client.set(f"<customer><name>{tenant.code}</name><user><name>good</name><password><password>"
                       "Str0ng!Passw0rd</password></password></user><user><name>bad</name><password><password />"
                       "</password></user></customer>")
    assert mixed.status == 200 and mixed.ids == [] and mixed.errors == ["PasswordRequired"]
    emu.wait_idle()
    read = client.find(f"<customer><name>{tenant.code}</name></customer>")
    assert read.findtext("customer/name") == tenant.code  # reads are answered as always


def test_fault_empty_answer(spawn):
    emu = spawn("--fault-rate", "1", "--fault-kinds", "empty-answer", "--delay", "0")
    client = Client(emu)
    code, xml = _customer()
    answer = client.set(xml)
    assert answer.status == 200 and answer.text.strip().endswith(EMPTY)
    emu.wait_idle()
    found = client.find(f"<customer><name>{code}</name></customer>")  # a read: not a fault
    assert found.findtext("customer/status") == "Provisioned"
    stats = emu.stats()
    assert stats["faults"]["empty-answer"] == 1 and stats["provisioning"]["Provisioned"] == 1


def test_fault_empty_answer_among_others(spawn):
    emu = spawn("--fault-rate", "1", "--fault-kinds", "empty-answer,500", "--seed", "7", "--delay", "0")
    client = Client(emu)
    for _ in range(12):
        code, xml = _customer()
        answer = client.set(xml, expect=None)
        assert answer.status in (200, 500)
        if answer.status == 200:
            assert answer.ids == []
    faults = emu.stats()["faults"]
    assert faults["empty-answer"] + faults["500"] == 12 and faults["empty-answer"] and faults["500"]
