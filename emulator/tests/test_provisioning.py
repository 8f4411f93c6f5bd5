"""The provisioning engine: statuses, ordering, failures, retries, multi-object SET, request polling."""

from __future__ import annotations

import concurrent.futures
import threading

import pytest
import requests

from conftest import PARTNER, Client, Tenant, child_tags, customer_xml, unique

POLL = ["id", "type", "name", "description", "status", "object"]


def status_of(client, code):
    return client.find(f"<customer><name>{code}</name></customer>").findtext("customer/status")


@pytest.fixture(scope="module")
def slow(workdir):
    """An emulator whose single worker spends 0.5 s per request, to observe transitional statuses."""
    from conftest import Emulator

    emu = Emulator(workdir, "--delay", "0.5", "--workers", "1")
    yield emu
    assert emu.stop() == 0


@pytest.fixture(scope="module")
def slow4(workdir):
    """Four workers, 0.4 s each: ordering must hold although workers are free."""
    from conftest import Emulator

    emu = Emulator(workdir, "--delay", "0.4", "--workers", "4")
    yield emu
    assert emu.stop() == 0


def test_request_ids_start_at_45000_and_increase(spawn):
    emu = spawn("--delay", "0")
    c = Client(emu)
    first = c.set(customer_xml("First One", "first-one.example.com")).ids
    second = c.set(customer_xml("Second One", "second-one.example.com")).ids
    assert first == [45000] and second == [45001]
    emu.restart()
    c = Client(emu)
    assert c.set(customer_xml("Third One", "third-one.example.com")).ids == [45002]


def test_statuses_requested_inprogress_provisioned(slow):
    c = Client(slow)
    a = c.set(customer_xml("Slow Alpha", "slow-alpha.example.com")).ids[0]
    b = c.set(customer_xml("Slow Beta", "slow-beta.example.com")).ids[0]
    assert c.poll(a).findtext("status") == "InProgress"
    assert status_of(c, "SA") == "InProgress"
    assert c.poll(b).findtext("status") == "Requested"  # the single worker is busy with a
    assert status_of(c, "SB") == "Requested"
    c.wait_ok([a, b])
    assert status_of(c, "SA") == "Provisioned" and status_of(c, "SB") == "Provisioned"
    assert c.poll(b).findtext("object/status") == "Provisioned"


def test_change_waiting_on_a_provisioned_object_is_pending(slow):
    c = Client(slow)
    c.wait_ok(c.set(customer_xml("Pend Target", "pend-target.example.com")).ids)
    blocker = c.set(customer_xml("Pend Blocker", "pend-blocker.example.com")).ids[0]
    change = c.set("<customer><name>PT</name><contactname>Someone Else</contactname></customer>").ids[0]
    assert c.poll(blocker).findtext("status") == "InProgress"
    assert status_of(c, "PT") == "Pending"
    assert c.poll(change).findtext("object/status") == "Pending"
    c.wait_ok([blocker, change])
    assert status_of(c, "PT") == "Provisioned"


def test_children_wait_for_their_parent_and_one_object_runs_in_order(slow4):
    c = Client(slow4)
    users = "".join(f"<user><name>kid{i}</name><password><password>Str0ng!Passw0rd</password></password></user>"
                    for i in range(3))
    ids = c.set(customer_xml("Order Parent", "order-parent.example.com", extra=users)).ids
    assert len(ids) == 4 and ids == sorted(ids)
    assert c.poll(ids[0]).findtext("status") == "InProgress"
    assert [c.poll(i).findtext("status") for i in ids[1:]] == ["Requested"] * 3  # workers are free, yet they wait
    c.wait_ok(ids[:1])
    # now the users run, in parallel
    c.wait_ok(ids)
    first = c.set("<customer><name>OP</name><contactname>A</contactname></customer>").ids[0]
    second = c.set("<customer><name>OP</name><contactname>B</contactname></customer>").ids[0]
    assert c.poll(first).findtext("status") == "InProgress"
    assert c.poll(second).findtext("status") == "Requested"
    c.wait_ok([first, second])


def test_mailbox_waits_for_its_user(slow4):
    c = Client(slow4)
    tenant = Tenant(c, exchange=True, plans=("FORFAIT_2GO",))
    ids = c.set(f"<customer><name>{tenant.code}</name><user><name>mbx</name><password><password>Str0ng!Passw0rd"
                "</password></password><service><name>HE</name><userpackage><name>FORFAIT_2GO</name></userpackage>"
                "</service></user></customer>").ids
    assert len(ids) == 2
    assert c.poll(ids[0]).findtext("object/type") == "User"
    assert c.poll(ids[1]).findtext("object/type") == "User Service"
    assert c.poll(ids[1]).findtext("status") == "Requested"
    c.wait_ok(ids)


def test_poll_shape(client):
    tenant = Tenant(client)
    node = client.poll(tenant.request_ids[0])
    assert child_tags(node) == POLL
    assert child_tags(node.find("object")) == ["type", "name", "description", "status"]
    assert node.findtext("type") == "Object Provision"
    assert node.findtext("name") == ""
    assert node.findtext("object/type") == "Customer" and node.findtext("object/name") == tenant.code
    assert node.findtext("description") == f"Provision customer {tenant.fullname}"


def test_poll_unknown_request_is_not_found(client):
    assert client.get("<request><id>999999</id></request>", expect=400).errors == ["NotFound"]
    assert client.get("<request><id>abc</id></request>", expect=400).errors == ["NotFound"]
    assert client.get("<request/>", expect=400).errors == ["MissingField"]


def test_failed_request_has_message_and_prerequisites_fail(client, emulator):
    code = unique("F").upper()
    assert emulator.fail_next(code, message="Disk full on the AD controller").status_code == 200
    users = "<user><name>kid</name><password><password>Str0ng!Passw0rd</password></password></user>"
    ids = client.set(customer_xml(f"Fail {code}", f"{code.lower()}.example.com", code=code, extra=users)).ids
    customer, user = client.wait(ids)
    assert customer.findtext("status") == "Failed"
    assert child_tags(customer) == POLL + ["message"]
    assert customer.findtext("message") == "Disk full on the AD controller"
    assert user.findtext("status") == "Failed"
    assert f"Prerequisite request {ids[0]}" in user.findtext("message")
    assert status_of(client, code) == "Failed"
    # a user cannot be added to a Failed customer
    answer = client.set(f"<customer><name>{code}</name><user><name>late</name><password><password>Str0ng!Passw0rd"
                        "</password></password></user></customer>", expect=400)
    assert answer.errors == ["ParentNotProvisioned"]
    # SET on the Failed customer, even without a change, queues a new provisioning request
    retry = client.set(f"<customer><name>{code}</name></customer>").ids
    assert len(retry) == 1
    node = client.wait(retry)[0]
    assert node.findtext("status") == "Provisioned" and node.findtext("type") == "Object Provision"
    assert status_of(client, code) == "Provisioned"
    again = client.set(f"<customer><name>{code}</name><user><name>kid_{code}</name></user></customer>").ids
    client.wait_ok(again)
    assert client.find(f"<customer><name>{code}</name><user/></customer>").findtext("customer/user/status") == \
        "Provisioned"


def test_multi_object_set_ids_in_document_order_and_per_object_errors(client):
    tenant = Tenant(client)
    body = (f"<customer><name>{tenant.code}</name>"
            "<user><name>ok1</name><password><password>Str0ng!Passw0rd</password></password></user>"
            "<user><name>bad</name><password><password>weak</password></password></user>"
            "<user><name>ok2</name><password><password>Str0ng!Passw0rd</password></password></user>"
            "</customer>")
    answer = client.set(body)
    assert answer.status == 200
    assert [child.tag for child in answer.root] == ["request", "error", "error", "request"]
    assert answer.ids == sorted(answer.ids)
    objects = [client.poll(i).findtext("object/name") for i in answer.ids]
    assert objects == [tenant.login("ok1"), tenant.login("ok2")]
    client.wait_ok(answer.ids)
    all_bad = client.set(f"<customer><name>{tenant.code}</name><user><name>b1</name><password><password />"
                         "</password></user><user><name>b2</name><password><password /></password></user></customer>",
                         expect=400)
    assert all_bad.errors == ["PasswordRequired", "PasswordRequired"]


def test_new_customer_with_nested_users_and_mailbox_refused(client):
    code = unique("N").upper()
    users = "".join(f"<user><name>n{i}</name><password><password>Str0ng!Passw0rd</password></password></user>"
                    for i in range(2))
    service = "<service><name>HE</name><version>2010</version><package><name>Default</name></package></service>"
    answer = client.set(customer_xml(f"Nested {code}", f"{code.lower()}.example.com", code=code,
                                     extra=users + service))
    assert answer.status == 200
    assert len(answer.ids) == 3 and answer.errors == ["ParentNotProvisioned"]
    client.wait_ok(answer.ids)


def test_concurrent_identical_creates_make_one_customer(emulator):
    code_name = f"Race {unique('r')}"
    domain = f"{code_name.split()[1]}.example.com"
    body = (f'<request action="SET" version="1.0">{customer_xml(code_name, domain)}</request>').encode()
    barrier = threading.Barrier(8)

    def fire(_):
        with requests.Session() as s:
            s.auth = PARTNER
            barrier.wait()
            return s.post(emulator.url, data=body, timeout=10)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(fire, range(8)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [400] * 7
    assert all("Duplicate" in r.text for r in responses if r.status_code == 400)
    c = Client(emulator)
    assert len(c.find(f"<customer><fullname>{code_name}</fullname></customer>").findall("customer")) == 1


def test_concurrent_identical_user_creates_make_one_user(emulator):
    c = Client(emulator)
    tenant = Tenant(c)
    body = (f'<request action="SET" version="1.0"><customer><name>{tenant.code}</name><user><name>same</name>'
            '<password><password>Str0ng!Passw0rd</password></password></user></customer></request>').encode()
    barrier = threading.Barrier(8)

    def fire(_):
        with requests.Session() as s:
            s.auth = PARTNER
            barrier.wait()
            return s.post(emulator.url, data=body, timeout=10)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(fire, range(8)))
    assert all(r.status_code == 200 for r in responses)
    assert sum(1 for r in responses if "<request>" in r.text) == 1
    assert len(c.find(f"<customer><name>{tenant.code}</name><user/></customer>").findall("customer/user")) == 1


def test_repeated_delete_while_pending_returns_the_same_request(slow):
    c = Client(slow)
    c.wait_ok(c.set(customer_xml("Del Twice", "del-twice.example.com")).ids)
    blocker = c.set(customer_xml("Del Blocker", "del-blocker.example.com")).ids
    first = c.delete("<customer><name>DT</name></customer>").ids
    second = c.delete("<customer><name>DT</name></customer>").ids
    assert first == second
    assert c.set("<customer><name>DT</name><contactname>x</contactname></customer>", expect=400).errors == \
        ["NotFound"]
    c.wait_ok(blocker + first)
    assert c.find("<customer><name>DT</name></customer>").find("customer") is None
    assert c.poll(first[0]).findtext("object/status") == "NotProvisioned"


def test_workers_run_in_parallel_and_delay_is_spent(slow4):
    import time

    c = Client(slow4)
    started = time.monotonic()
    ids = [c.set(customer_xml(f"Par {chr(65 + i)}x{unique('p')}", f"par-{i}-{unique('p')}.example.com")).ids[0]
           for i in range(4)]
    assert [c.poll(i).findtext("status") for i in ids] == ["InProgress"] * 4  # four workers, four at once
    c.wait_ok(ids)
    assert time.monotonic() - started >= 0.4  # --delay 0.4 spent on each


def test_find_request(client):
    tenant = Tenant(client)
    found = client.find(f"<request><id>{tenant.request_ids[0]}</id></request>").find("request")
    assert found.findtext("status") == "Provisioned"
