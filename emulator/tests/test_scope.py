"""Scope: partners see their own customers; a customer user holding API User sees only its customer."""

from __future__ import annotations

import pytest
import requests

from conftest import Client, Tenant, customer_xml, unique

API_ROLES = "<roles><role>Customer Administrator</role><role>User Administrator</role><role>API User</role></roles>"


def test_partners_do_not_see_each_other(client, other_client):
    mine = Tenant(client)
    theirs = Tenant(other_client)
    mine_codes = [c.findtext("name") for c in client.find("<customer/>").findall("customer")]
    their_codes = [c.findtext("name") for c in other_client.find("<customer/>").findall("customer")]
    assert mine.code in mine_codes and theirs.code not in mine_codes
    assert theirs.code in their_codes and mine.code not in their_codes
    assert client.find(f"<customer><name>{theirs.code}</name></customer>").find("customer") is None
    assert client.get(f"<customer><name>{theirs.code}</name></customer>", expect=400).errors == ["NotFound"]
    assert client.delete(f"<customer><name>{theirs.code}</name></customer>", expect=400).errors == ["NotFound"]
    # a SET naming their code is a create, refused because the code is taken
    assert client.set(customer_xml("Steal Attempt", f"{unique('s')}.example.com", code=theirs.code),
                      expect=400).errors == ["Duplicate"]
    # their requests are not ours to poll
    assert client.get(f"<request><id>{theirs.request_ids[0]}</id></request>", expect=400).errors == ["NotFound"]
    assert client.find(f"<request><id>{theirs.request_ids[0]}</id></request>").find("request") is None


@pytest.fixture
def api_tenant(client):
    tenant = Tenant(client, extra=API_ROLES)
    tenant.add_user("boss")  # first user: Customer Administrator
    tenant.add_user("robot", password="R0bot!Secret#", extra="<roles><role>API User</role></roles>")
    tenant.add_user("plain", password="Pl4in!Secret#")
    return tenant


def test_customer_api_user_sees_only_its_customer(client, emulator, api_tenant):
    other = Tenant(client)
    api = Client(emulator, auth=(api_tenant.login("robot"), "R0bot!Secret#"))
    codes = [c.findtext("name") for c in api.find("<customer/>").findall("customer")]
    assert codes == [api_tenant.code]
    assert api.get(f"<customer><name>{other.code}</name></customer>", expect=400).errors == ["NotFound"]
    assert api.get(f"<customer><name>{api_tenant.code}</name><user/></customer>").findall("customer/user")
    # it may change its own customer
    answer = api.set(f"<customer><name>{api_tenant.code}</name><user><name>newbie</name><password><password>"
                     "Str0ng!Passw0rd</password></password></user></customer>")
    assert len(answer.ids) == 1
    assert api.wait(answer.ids)[0].findtext("status") == "Provisioned"
    # but not create or delete customers: 401 with an XML Forbidden error
    refused = api.set(customer_xml("Api Made", f"{unique('a')}.example.com"), expect=401)
    assert refused.errors == ["Forbidden"]
    assert api.set(customer_xml("Api Made", f"{unique('a')}.example.com", code=other.code), expect=401).errors == \
        ["Forbidden"]
    assert api.delete(f"<customer><name>{api_tenant.code}</name></customer>", expect=401).errors == ["Forbidden"]
    # nor poll another customer's requests
    assert api.get(f"<request><id>{other.request_ids[0]}</id></request>", expect=400).errors == ["NotFound"]
    assert api.get(f"<request><id>{answer.ids[0]}</id></request>").findtext("request/status") == "Provisioned"


def test_customer_api_user_by_upn(emulator, api_tenant):
    upn = f"robot_{api_tenant.code}@{api_tenant.domain}"
    api = Client(emulator, auth=(upn.upper(), "R0bot!Secret#"))
    assert [c.findtext("name") for c in api.find("<customer/>").findall("customer")] == [api_tenant.code]


def test_users_without_api_role_or_bad_password_are_401(emulator, api_tenant):
    for auth in ((api_tenant.login("plain"), "Pl4in!Secret#"), (api_tenant.login("boss"), "Str0ng!Passw0rd"),
                 (api_tenant.login("robot"), "wrong")):
        r = requests.post(emulator.url, data=b'<request action="FIND" version="1.0"><customer/></request>',
                          auth=auth, timeout=5)
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == 'Basic realm="CortexAPI"'


def test_api_user_loses_access_when_disabled(client, emulator, api_tenant):
    api = Client(emulator, auth=(api_tenant.login("robot"), "R0bot!Secret#"))
    assert api.find("<customer/>").findall("customer")
    client.wait_ok(client.set(f"<customer><name>{api_tenant.code}</name><user><name>{api_tenant.login('robot')}"
                              "</name><enabled>False</enabled></user></customer>").ids)
    assert api.post(b'<request action="FIND" version="1.0"><customer/></request>').status_code == 401


def test_api_user_password_change_takes_effect(client, emulator, api_tenant):
    api = Client(emulator, auth=(api_tenant.login("robot"), "R0bot!Secret#"))
    assert api.find("<customer/>").findall("customer")  # now cached
    client.wait_ok(client.set(f"<customer><name>{api_tenant.code}</name><user><name>{api_tenant.login('robot')}"
                              "</name><password><password>N3w!Secret#x</password></password></user></customer>").ids)
    assert api.post(b'<request action="FIND" version="1.0"><customer/></request>').status_code == 401
    fresh = Client(emulator, auth=(api_tenant.login("robot"), "N3w!Secret#x"))
    assert fresh.find("<customer/>").findall("customer")


def test_control_endpoints_need_a_partner(emulator, api_tenant):
    robot = (api_tenant.login("robot"), "R0bot!Secret#")
    assert requests.post(emulator.base + "/_emulator/reset-stats", auth=robot, timeout=5).status_code == 401
    assert emulator.fail_next("x", auth=robot).status_code == 401
