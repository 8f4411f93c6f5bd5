"""Users: login_CODE, UPN, password rule, never-expires, roles, addressing, shapes."""

from __future__ import annotations

import pytest
import requests

from conftest import Tenant, child_tags

SUMMARY = ["name", "id", "fullname", "upn", "location", "department", "status", "approvalpending"]
DETAIL = ["name", "id", "fullname", "upn", "firstname", "lastname", "externalemail", "location", "department",
          "phone", "customfield1", "customfield2", "expires", "legacyexchangedn", "securityquestions", "password",
          "addresses", "x500proxyaddresses", "roles", "locked", "enabled", "status", "approvalpending"]


@pytest.fixture
def tenant(client):
    return Tenant(client)


def user_detail(client, tenant, login):
    return client.get(f"<customer><name>{tenant.code}</name><user><name>{login}</name></user></customer>")\
        .find("customer/user")


# ---------------------------------------------------------------- login and UPN

def test_login_gets_customer_suffix_and_upn_default(client, tenant):
    tenant.add_user("claire")
    user = user_detail(client, tenant, tenant.login("claire"))
    assert user.findtext("name") == f"claire_{tenant.code}"
    assert user.findtext("upn") == f"claire_{tenant.code}@{tenant.domain}"
    assert user.findtext("fullname") == "Claire Dubois"


def test_name_already_suffixed_is_kept(client, tenant):
    tenant.add_user(f"paul_{tenant.code}")
    assert user_detail(client, tenant, f"paul_{tenant.code}") is not None


def test_login_too_long(client, tenant):
    limit = 20 - len(tenant.code) - 1
    assert tenant.add_user("a" * limit).ids
    answer = tenant.add_user("b" * (limit + 1), expect=400)
    assert answer.errors == ["LoginTooLong"]


def test_invalid_login_characters(client, tenant):
    assert tenant.add_user("bad login", expect=400).errors == ["InvalidField"]


def test_upn_domain_must_be_owned(client, tenant):
    answer = tenant.add_user("x1", extra="<upn>x1@elsewhere.example.com</upn>", expect=400)
    assert answer.errors == ["DomainNotOwned"]


def test_upn_unique(client, tenant):
    # Domains belong to one customer, so a UPN can only collide inside it; the check is global all the same.
    tenant.add_user("first", extra=f"<upn>shared@{tenant.domain}</upn>")
    answer = tenant.add_user("second", extra=f"<upn>SHARED@{tenant.domain}</upn>", expect=400)
    assert answer.errors == ["Duplicate"]
    default_taken = tenant.add_user("third", extra=f"<upn>fourth_{tenant.code}@{tenant.domain}</upn>")
    assert default_taken.ids
    answer = tenant.add_user("fourth", expect=400)  # its default UPN is taken by "third"
    assert answer.errors == ["Duplicate"]


def test_upn_syntax(client, tenant):
    assert tenant.add_user("x2", extra="<upn>no-at-sign</upn>", expect=400).errors == ["InvalidField"]


def test_user_summary_and_detail_order(client, tenant):
    tenant.add_user("order")
    summary = client.find(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('order')}</name></user>"
                          "</customer>").find("customer/user")
    assert child_tags(summary) == SUMMARY
    detail = user_detail(client, tenant, tenant.login("order"))
    assert child_tags(detail) == DETAIL
    assert child_tags(detail.find("password")) == ["changeatnextlogon", "expires"]
    assert detail.find("addresses/address").get("primary") == "True"
    assert detail.findtext("locked") == "False" and detail.findtext("enabled") == "True"
    assert len(detail.findtext("password/expires")) == 8  # yyyyMMdd


def test_password_is_never_returned(client, tenant):
    tenant.add_user("secret", password="Zq9!Unguessable")
    for answer in (client.get(f"<customer><name>{tenant.code}</name><user/></customer>"),
                   client.find(f"<customer><name>{tenant.code}</name><user/></customer>")):
        assert "Zq9!Unguessable" not in answer.text
    client_page = client.session.get(client.emulator.base + f"/?client={tenant.code}&per=500").text
    assert tenant.login("secret") in client_page  # the user's row is there, without its password
    assert "Zq9!Unguessable" not in client_page


def test_find_users_by_upn_and_get_by_upn(client, tenant):
    tenant.add_user("byupn", extra=f"<upn>by.upn@{tenant.domain}</upn>")
    found = client.find(f"<customer><name>{tenant.code}</name><user><upn>BY.UPN@{tenant.domain}</upn></user>"
                        "</customer>").findall("customer/user")
    assert [u.findtext("name") for u in found] == [tenant.login("byupn")]
    got = client.get(f"<customer><name>{tenant.code}</name><user><upn>by.upn@{tenant.domain}</upn></user>"
                     "</customer>").find("customer/user")
    assert got.findtext("name") == tenant.login("byupn")


def test_get_missing_user_is_not_found(client, tenant):
    answer = client.get(f"<customer><name>{tenant.code}</name><user><name>ghost</name></user></customer>",
                        expect=400)
    assert answer.errors == ["NotFound"]
    # the login as sent on create is not the stored login: GET does not find it
    tenant.add_user("sent")
    answer = client.get(f"<customer><name>{tenant.code}</name><user><name>sent</name></user></customer>", expect=400)
    assert answer.errors == ["NotFound"]


# ---------------------------------------------------------------- SET addressing

def test_repeated_identical_create_is_a_no_change_set(client, tenant):
    tenant.add_user("again")
    answer = tenant.add_user("again")
    assert answer.ids == [] and answer.text.endswith('<response version="1.0" />\n')


def test_set_addresses_by_stored_login_and_by_upn(client, tenant):
    tenant.add_user("addr", extra=f"<upn>addr@{tenant.domain}</upn>")
    answer = client.set(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('addr')}</name>"
                        "<lastname>Renamed</lastname></user></customer>")
    client.wait_ok(answer.ids)
    answer = client.set(f"<customer><name>{tenant.code}</name><user><upn>addr@{tenant.domain}</upn>"
                        "<firstname>Again</firstname></user></customer>")
    client.wait_ok(answer.ids)
    detail = user_detail(client, tenant, tenant.login("addr"))
    assert detail.findtext("lastname") == "Renamed" and detail.findtext("firstname") == "Again"
    users = client.find(f"<customer><name>{tenant.code}</name><user/></customer>").findall("customer/user")
    assert len(users) == 1


def test_create_without_name_is_missing_field(client, tenant):
    answer = client.set(f"<customer><name>{tenant.code}</name><user><upn>new@{tenant.domain}</upn><password>"
                        "<password>Str0ng!Passw0rd</password></password></user></customer>", expect=400)
    assert answer.errors == ["MissingField"]


# ---------------------------------------------------------------- password rule

@pytest.mark.parametrize("password, error", [
    ("Sh0rt!", "PasswordTooShort"),
    ("A1!" + "x" * 300, "PasswordTooLong"),
    ("Xx!claire9", "PasswordContainsName"),       # the login
    ("Dubois!2026x", "PasswordContainsName"),     # a token of the display name
    ("Yy9!EXAMPLEzz", "PasswordContainsName"),    # a token of the UPN (the domain)
    ("alllowercase1", "PasswordComplexity"),
    ("NoDigitsHere", "PasswordComplexity"),
])
def test_password_rule(client, tenant, password, error):
    answer = tenant.add_user("claire", password=password, expect=400)
    assert error in answer.errors


def test_password_three_classes_is_enough(client, tenant):
    assert tenant.add_user("ok1", password="lower!digit9").ids
    assert tenant.add_user("ok2", password="UPPER!digit9").ids


def test_empty_password_refused(client, tenant):
    answer = client.set(f"<customer><name>{tenant.code}</name><user><name>nopw</name><password><password />"
                        "</password></user></customer>", expect=400)
    assert answer.errors == ["PasswordRequired"]


def test_create_without_password_gets_the_recorded_defaults(client, tenant):
    # the recorded create sends <name> only: no password, names defaulted as a real CPSM did
    answer = client.set(f"<customer><name>{tenant.code}</name><user><name>bare</name></user></customer>")
    client.wait_ok(answer.ids)
    u = user_detail(client, tenant, tenant.login("bare"))
    assert (u.findtext("upn"), u.findtext("firstname"), u.findtext("lastname"), u.findtext("fullname")) == \
        (f"{tenant.login('bare')}@{tenant.domain}", "bare", "Default Lastname", "bare")
    # a user without a password cannot log in
    api = requests.post(client.emulator.url, data=b'<request action="FIND" version="1.0"><customer/></request>',
                        auth=(tenant.login("bare"), ""), timeout=5)
    assert api.status_code == 401


def test_minimum_length_follows_customer_policy(client):
    tenant = Tenant(client, extra="<password><minimumlength>14</minimumlength></password>")
    assert tenant.add_user("len", password="Str0ng!Pass", expect=400).errors == ["PasswordTooShort"]
    assert tenant.add_user("len", password="Str0ng!Passw0rd").ids


def test_password_change_checked_and_same_password_is_no_change(client, tenant):
    tenant.add_user("pw", password="Str0ng!Passw0rd")
    same = client.set(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('pw')}</name><password>"
                      "<password>Str0ng!Passw0rd</password></password></user></customer>")
    assert same.ids == []
    weak = client.set(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('pw')}</name><password>"
                      "<password>weak</password></password></user></customer>", expect=400)
    assert "PasswordTooShort" in weak.errors
    changed = client.set(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('pw')}</name><password>"
                         "<password>An0ther!Secret</password></password></user></customer>")
    assert len(changed.ids) == 1


def test_never_expires_only_when_customer_allows(client, tenant):
    answer = tenant.add_user("ne", extra="", password="Str0ng!Passw0rd", wait=False, expect=200)
    client.wait_ok(answer.ids)
    refused = client.set(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('ne')}</name><password>"
                         "<neverexpires>True</neverexpires></password></user></customer>", expect=400)
    assert refused.errors == ["NeverExpiresNotAllowed"]
    allowing = Tenant(client, extra="<password><allowneverexpires>True</allowneverexpires></password>")
    ok = client.set(f"<customer><name>{allowing.code}</name><user><name>ne</name><password><password>Str0ng!Passw0rd"
                    "</password><neverexpires>True</neverexpires></password></user></customer>")
    client.wait_ok(ok.ids)
    assert user_detail(client, allowing, allowing.login("ne")).findtext("password/expires") == "Never"


# ---------------------------------------------------------------- roles

FIRST_USER_ROLES = ["Customer Administrator", "Exchange Service Administrator", "Exchange Users", "My Exchange Service",
                    "Partial User Administrator (Reset Passwords)", "Reporting Users", "Service Administrator",
                    "User Administrator", "User and Service Administrator"]


def test_first_user_gets_the_recorded_administrator_roles_others_none(client, tenant):
    tenant.add_user("first")
    tenant.add_user("second")
    first = [r.text for r in user_detail(client, tenant, tenant.login("first")).findall("roles/role")]
    second = [r.text for r in user_detail(client, tenant, tenant.login("second")).findall("roles/role")]
    assert first == FIRST_USER_ROLES and second == []


def test_first_user_roles_limited_to_allowed_and_explicit_empty_roles(client):
    tenant = Tenant(client, extra="<roles><role>Customer Administrator</role><role>Exchange Users</role></roles>")
    tenant.add_user("first", extra="<roles />")
    assert user_detail(client, tenant, tenant.login("first")).findall("roles/role") == []
    other = Tenant(client, extra="<roles><role>Exchange Users</role><role>Customer Administrator</role></roles>")
    other.add_user("first")
    assert [r.text for r in user_detail(client, other, other.login("first")).findall("roles/role")] == \
        ["Customer Administrator", "Exchange Users"]


def test_user_roles_must_be_allowed_and_replace(client, tenant):
    assert tenant.add_user("r1", extra="<roles><role>Exchange Users</role><role>Reporting Users</role></roles>").ids
    roles = user_detail(client, tenant, tenant.login("r1")).findall("roles/role")
    assert [r.text for r in roles] == ["Exchange Users", "Reporting Users"]
    assert all(r.get("id").startswith("{") for r in roles)
    answer = client.set(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('r1')}</name><roles>"
                        "<role>Reporting Users</role></roles></user></customer>")
    client.wait_ok(answer.ids)
    assert [r.text for r in user_detail(client, tenant, tenant.login("r1")).findall("roles/role")] == \
        ["Reporting Users"]
    limited = Tenant(client, extra="<roles><role>Exchange Users</role></roles>")
    assert limited.add_user("r2", extra="<roles><role>API User</role></roles>", expect=400).errors == \
        ["RoleNotAllowed"]
    assert tenant.add_user("r3", extra="<roles><role>Nope</role></roles>", expect=400).errors == ["UnknownRole"]


def test_enabled_flag(client, tenant):
    tenant.add_user("dis", extra="<enabled>False</enabled>")
    assert user_detail(client, tenant, tenant.login("dis")).findtext("enabled") == "False"
    assert tenant.add_user("dis2", extra="<enabled>perhaps</enabled>", expect=400).errors == ["InvalidField"]


# ---------------------------------------------------------------- delete

def test_delete_user_then_not_found(client, tenant):
    tenant.add_user("gone")
    answer = client.delete(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('gone')}</name></user>"
                           "</customer>")
    node = client.wait(answer.ids)[0]
    assert node.findtext("type") == "Object Delete" and node.findtext("status") == "Provisioned"
    again = client.delete(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('gone')}</name></user>"
                          "</customer>", expect=400)
    assert again.errors == ["NotFound"]
    assert client.find(f"<customer><name>{tenant.code}</name><user><name>{tenant.login('gone')}</name></user>"
                       "</customer>").find("customer/user") is None
