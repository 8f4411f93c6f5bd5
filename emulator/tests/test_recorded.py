"""The recorded CPSM v11 exchanges (docs/protocol.md, "Recorded shapes"), replayed against the emulator.

Each test sends a request of the shape a real CPSM 11 was sent (trace attribute, BOM, element order and value forms as
recorded; names and values of our own) and checks the answer against the recorded shape: element order, value
forms, counts. The flow runs in order on one fresh emulator, as the recording did: find and read the reseller, create
a customer, change its domains, provision and change Hosted Exchange, create a user with only a name, give it a
mailbox, poll a request, delete.
"""

from __future__ import annotations

import re

import pytest

from conftest import Client, child_tags

BOM = "\ufeff"
CUSTOMER_SUMMARY = ["name", "id", "fullname", "billingid", "primarydomain", "status", "approvalpending"]
CUSTOMER_DETAIL = ["name", "id", "fullname", "location", "billingid", "primarydomain", "parent", "contactname",
                   "contactemail", "address", "phone", "fax", "customerou", "customeroustructure", "domains",
                   "locations", "departments", "password", "roles", "enabled", "status", "approvalpending"]
USER_SUMMARY = ["name", "id", "fullname", "upn", "location", "department", "status", "approvalpending"]
USER_DETAIL = ["name", "id", "fullname", "upn", "firstname", "lastname", "externalemail", "location", "department",
               "phone", "customfield1", "customfield2", "expires", "legacyexchangedn", "securityquestions", "password",
               "addresses", "x500proxyaddresses", "roles", "locked", "enabled", "status", "approvalpending"]
HE_DETAIL = ["name", "fullname", "location", "userlimit", "isbilled", "status", "approvalpending",
             "authoritativedomains", "domains", "UpdateEmailAddressPolicy", "customeraddressformats", "version",
             "mailboxstoragelimit", "publicfolder"]
PROPERTY = ["name", "fullname", "mandatory", "value", "category", "description", "sortorder", "visible", "readonly",
            "adattribute", "validation"]
# the first customer properties, in the recorded order (not the sort order: State, sortorder 70, follows ZipCode)
FIRST_CUSTOMER_PROPERTIES = ["FullName", "ShortName", "ContactName", "ContactEmailAddress", "Address", "City",
                             "Country", "ZipCode", "State", "Phone", "FAX", "BillingID"]
FIRST_USER_PROPERTIES = ["userPrincipalName", "sAMAccountName", "givenName", "sn", "displayName"]
FIRST_USER_ROLES = ["Customer Administrator", "Exchange Service Administrator", "Exchange Users", "My Exchange Service",
                    "Partial User Administrator (Reset Passwords)", "Reporting Users", "Service Administrator",
                    "User Administrator", "User and Service Administrator"]
# a few of the recorded role ids
RECORDED_ROLE_IDS = {"Customer Administrator": "{8b218c71-c026-4866-91f1-11b08cc46ab1}",
                     "User and Service Administrator": "{35a4bc5f-59df-43e1-94e4-0bc706b33125}",
                     "Antispam avancé Service Administrator": "{73f350bb-7c1f-4a10-9603-37f6b799c6e9}"}


class Learnt:
    """A value an earlier step of the flow learnt; read before that step ran (the flow split across processes, e.g.
    by an xdist mode other than ``--dist loadfile``), it fails the test saying so rather than sending ``None``."""

    def __set_name__(self, owner, name):
        self.name = "_" + name

    def __get__(self, obj, owner=None):
        value = getattr(obj, self.name, None)
        if value is None:
            pytest.fail(f"the step that learns {self.name[1:]!r} did not run before this one in this process: "
                        "run test_recorded.py whole, in order, on one worker (--dist loadfile)")
        return value

    def __set__(self, obj, value):
        setattr(obj, self.name, value)


class Recorded:
    """The replayed conversation: a client, and what earlier steps learnt."""

    code = Learnt()
    login = Learnt()

    def __init__(self, emu):
        self.emu = emu
        self.client = Client(emu)

    def send(self, action: str, inner: str, *, trace: bool = True, expect: int = 200):
        attrs = f'action="{action}"' + (' trace="true"' if trace else "") + ' version="1.0"'
        body = f'{BOM}<?xml version="1.0" encoding="utf-8" ?>\n<request {attrs}>\n{inner}\n</request>'
        from conftest import Answer

        answer = Answer(self.client.post(body.encode("utf-8")))
        assert answer.status == expect, answer.text
        return answer


@pytest.fixture(scope="module")
def rec(workdir):
    from conftest import Emulator

    emu = Emulator(workdir, "--delay", "0")
    yield Recorded(emu)
    emu.stop()
    assert "Traceback" not in emu.stderr


def only_request_id(answer) -> int:
    assert child_tags(answer.root) == ["request"] and child_tags(answer.find("request")) == ["id"]
    return answer.ids[0]


# ---------------------------------------------------------------------------------------------- the reseller

def test_customer_find_all_lists_the_reseller_first(rec):
    answer = rec.send("FIND", "<customer></customer>", trace=False)
    first = answer.findall("customer")[0]
    assert child_tags(first) == CUSTOMER_SUMMARY
    assert (first.findtext("name"), first.findtext("fullname"), first.findtext("primarydomain"),
            first.findtext("status"), first.findtext("billingid")) == \
        ("DEMO", "Demo Partner", "demo-partner.example", "Provisioned", "")
    assert "<billingid />" in answer.text


def test_customer_find_with_every_criterion(rec):
    ident = rec.send("FIND", "<customer/>").findtext("customer/id")
    answer = rec.send("FIND", f"<customer><name>DEMO</name><id>{ident}</id><fullname>Demo Partner</fullname>"
                              "<primarydomain>demo-partner.example</primarydomain><status>Provisioned</status>"
                              "</customer>", trace=False)
    assert [c.findtext("name") for c in answer.findall("customer")] == ["DEMO"]


def test_customer_get_of_the_reseller(rec):
    c = rec.send("GET", "<customer><name>DEMO</name></customer>", trace=False).find("customer")
    assert child_tags(c) == CUSTOMER_DETAIL
    assert c.findtext("location") == "Location CFY"
    assert child_tags(c.find("parent")) == ["name", "id", "fullname", "billingid", "primarydomain"]
    assert (c.findtext("parent/name"), c.findtext("parent/id"), c.findtext("parent/fullname")) == \
        ("CFY", "1", "CloudForYou")
    assert c.findtext("customerou") == "Customers" and c.findtext("customeroustructure") == "ungrouped"
    assert [n.text for n in c.findall("locations/name")] == ["Unassigned"]
    assert [n.text for n in c.findall("departments/name")] == ["Unassigned"]
    assert child_tags(c.find("password")) == ["minimumlength", "bannerdisplaydays", "changeatnextlogon",
                                              "allowneverexpires"]
    roles = c.findall("roles/role")
    names = [r.text for r in roles]
    assert len(roles) == 49 and names == sorted(names, key=str.casefold)  # the recorded 48 and API User
    assert all(re.fullmatch(r"\{[0-9a-f-]{36}\}", r.get("id")) for r in roles)
    ids = {r.text: r.get("id") for r in roles}
    assert all(ids[name] == guid for name, guid in RECORDED_ROLE_IDS.items())
    assert "API User" in ids and set(FIRST_USER_ROLES) <= set(ids)


def test_customer_get_properties_of_the_reseller(rec):
    c = rec.send("GET", '<customer><name>DEMO</name><properties detail="true"/></customer>', trace=False)\
        .find("customer")
    assert child_tags(c) == CUSTOMER_DETAIL + ["properties"]
    props = c.findall("properties/property")
    assert len(props) == 51
    assert all(child_tags(p) == PROPERTY for p in props)
    by_name = {p.findtext("name"): p for p in props}
    assert [p.findtext("name") for p in props][:len(FIRST_CUSTOMER_PROPERTIES)] == FIRST_CUSTOMER_PROPERTIES
    assert [n for n, p in by_name.items() if p.findtext("mandatory") == "True"] == \
        ["FullName", "ShortName", "ContactName", "ContactEmailAddress", "Address", "City", "Country", "ZipCode"]
    # values from the object
    assert by_name["FullName"].findtext("value") == "Demo Partner"
    assert by_name["ShortName"].findtext("value") == "DEMO"
    assert by_name["MinimumPasswordLength"].findtext("value") == c.findtext("password/minimumlength")
    assert by_name["CustomerFullPath"].findtext("value") == \
        "LDAP://OU=Demo Partner(DEMO),OU=Customers,DC=cloudforyou,DC=local"
    assert by_name["UserDisplayNamePattern"].findtext("value") == "{givenName} {sn}"
    # validations, with the children of their type
    full = by_name["FullName"].find("validation")
    assert child_tags(full) == ["name", "type", "errormessage", "value"]
    assert (full.findtext("type"), full.findtext("value")) == ("RegularExpression", r"^[\p{L}\p{N} .-]{1,60}$")
    assert by_name["ShortName"].findtext("validation/value") == "^[A-Za-z0-9]{1,20}$"
    country = by_name["Country"].find("validation")
    assert child_tags(country) == ["name", "type", "errormessage", "options"]
    assert (country.findtext("type"), country.findtext("errormessage")) == ("SQLQueryDDL", "A Country must be selected")
    options = country.findall("options/option")
    assert len(options) > 240 and all(child_tags(o) == ["name", "value"] for o in options)
    assert "France" in [o.findtext("name") for o in options]
    length = by_name["MinimumPasswordLength"].find("validation")
    assert child_tags(length) == ["name", "type", "errormessage", "minimum", "maximum"]
    assert (length.findtext("type"), length.findtext("minimum"), length.findtext("maximum")) == \
        ("RangeValidator", "0", "99999")
    assert by_name["ContactEmailAddress"].findtext("validation/type") == "ValidationControl"
    assert by_name["ContactEmailAddress"].findtext("validation/path").endswith(".ascx")
    assert by_name["BillingID"].findtext("validation/type") == "SqlValidation"
    assert by_name["isPrepay"].findtext("validation/type") == "Boolean"
    assert [o.findtext("value") for o in by_name["LanguageCode"].findall("validation/options/option")] == \
        ["1", "2", "76"]
    assert by_name["APwdNExpire"].findtext("visible") == "False"
    # without detail: the same 51 names with their values
    plain = rec.send("GET", "<customer><name>DEMO</name><properties/></customer>").findall(
        "customer/properties/property")
    assert [p.findtext("name") for p in plain] == list(by_name)
    assert all(child_tags(p) == ["name", "value"] for p in plain)


def test_the_resellers_hosted_exchange_offer(rec):
    s = rec.send("GET", "<customer><name>DEMO</name><service><name>HE</name></service></customer>")\
        .find("customer/service")
    tags = child_tags(s)
    assert tags[:12] == HE_DETAIL[:12] and tags[12] == "versions" and tags[13:15] == HE_DETAIL[12:]
    assert [v.text for v in s.findall("versions/version")] == ["2010", "2013"]
    plans = s.findall("userpackage")
    assert [p.findtext("name") for p in plans] == ["FORFAIT_2GO", "FORFAIT_10GO", "FORFAIT_25GO", "FORFAIT_2GO_2013",
                                                   "FORFAIT_60GO_1AN", "FORFAIT_ESSAI"]
    assert all(child_tags(p) == ["name", "fullname", "userlimit", "used", "enabled", "versions"] for p in plans)
    limits = {p.findtext("name"): p.findtext("userlimit") for p in plans}
    assert limits["FORFAIT_ESSAI"] == "5" and limits["FORFAIT_2GO"] == "Unlimited"
    assert {p.findtext("name"): [v.text for v in p.findall("versions/version")] for p in plans}["FORFAIT_60GO_1AN"] \
        == ["2013"]
    packages = s.findall("package")
    assert [p.findtext("name") for p in packages] == ["Default", "Entreprise"]
    assert all(child_tags(p) == ["name", "fullname", "userlimit", "used", "enabled", "versions"] for p in packages)
    assert tags[-len(plans) - len(packages):] == ["userpackage"] * len(plans) + ["package"] * len(packages)


def test_the_reseller_is_read_only(rec):
    assert rec.send("DELETE", "<customer><name>DEMO</name></customer>", expect=401).errors == ["Forbidden"]
    refused = rec.send("SET", "<customer><name>DEMO</name><contactname>Someone</contactname></customer>", expect=401)
    assert refused.errors == ["Forbidden"] and "reseller" in refused.messages[0]
    assert rec.send("SET", "<customer><name>DEMO</name><user><name>x</name></user></customer>",
                    expect=401).errors == ["Forbidden"]
    assert rec.send("DELETE", "<customer><name>DEMO</name><service><name>HE</name></service></customer>",
                    expect=401).errors == ["Forbidden"]


# ---------------------------------------------------------------------------------------------- a customer

def test_customer_create(rec):
    answer = rec.send("SET", """<customer>
    <fullname>Recorded Flow 1</fullname>
    <contactname>Ilze Kalnina</contactname>
    <contactemail>ilze.kalnina@recorded-flow.example</contactemail>
    <primarydomain>recorded-flow.example</primarydomain>
    <address>Brivibas iela 1</address>
    <properties>
      <property><name>ContactEmailAddress</name><value>ilze.kalnina@recorded-flow.example</value></property>
      <property><name>City</name><value>Mārupe</value></property>
      <property><name>Country</name><value>Latvia</value></property>
      <property><name>ZipCode</name><value>LV-2167</value></property>
    </properties>
  </customer>""")
    rid = only_request_id(answer)
    rec.client.wait_ok(rid)
    found = rec.send("FIND", "<customer><fullname>Recorded Flow 1</fullname></customer>").find("customer")
    rec.code = found.findtext("name")
    assert rec.code == "RF"


def test_customer_modify_domains(rec):
    answer = rec.send("SET", f"<customer><name>{rec.code}</name><domains><domain>recorded-flow.example</domain>"
                             "<domain>recorded-flow2.example</domain></domains></customer>")
    rec.client.wait_ok(only_request_id(answer))
    c = rec.send("GET", f"<customer><name>{rec.code}</name></customer>").find("customer")
    assert [d.text for d in c.findall("domains/domain")] == ["recorded-flow.example", "recorded-flow2.example"]
    assert (c.findtext("parent/name"), c.findtext("customerou")) == ("DEMO", "Demo Partner(DEMO),Customers")
    assert c.findtext("contactname") == "Ilze Kalnina"  # untouched
    assert len(c.findall("roles/role")) == 49  # inherited from the reseller


def test_customer_services_find_all(rec):
    services = rec.send("FIND", f"<customer><name>{rec.code}</name><service/></customer>").findall("customer/service")
    assert [(s.findtext("name"), s.findtext("fullname"), s.findtext("status")) for s in services] == [
        ("Proxy", "Customer Portal Settings", "Provisioned"), ("HE", "Hosted Exchange", "NotProvisioned"),
        ("ServiceAdmins", "Service Administration", "NotProvisioned")]
    assert all(child_tags(s) == ["name", "fullname", "location", "status", "approvalpending"] for s in services)
    assert {s.findtext("location") for s in services} == {"Location CFY"}


def test_customer_provision_exchange(rec):
    answer = rec.send("SET", f"""<customer><name>{rec.code}</name><service>
      <name>HE</name >
      <version>2013</version>
      <userpackage><name>FORFAIT_2GO_2013</name><enabled>True</enabled></userpackage>
      <userpackage><name>FORFAIT_60GO_1AN</name><enabled>True</enabled></userpackage>
      <package><name>Default</name><enabled>True</enabled></package>
    </service></customer>""")
    rec.client.wait_ok(only_request_id(answer))


def test_customer_service_get(rec):
    s = rec.send("GET", f"<customer><name>{rec.code}</name><service><name>HE </name></service></customer>")\
        .find("customer/service")
    tags = child_tags(s)
    assert tags[:len(HE_DETAIL)] == HE_DETAIL
    assert tags[len(HE_DETAIL):] == ["userpackage", "userpackage", "package"]
    assert (s.findtext("userlimit"), s.findtext("isbilled"), s.findtext("version"),
            s.findtext("mailboxstoragelimit")) == ("Unlimited", "True", "2013", "Unlimited")
    plans = s.findall("userpackage")
    assert [p.findtext("name") for p in plans] == ["FORFAIT_2GO_2013", "FORFAIT_60GO_1AN"]
    assert all(child_tags(p) == ["name", "fullname", "userlimit", "used", "enabled"] for p in plans)
    assert [(p.findtext("userlimit"), p.findtext("used"), p.findtext("enabled")) for p in plans] == \
        [("Unlimited", "False", "True")] * 2
    assert child_tags(s.find("package")) == ["name", "fullname", "enabled"]
    formats = s.find("customeraddressformats")
    assert formats.findtext("customerwide") == "False"
    addresses = formats.findall("address")
    assert [(a.findtext("pattern"), a.findtext("example")) for a in addresses] == [
        ("%1g%s", "FLastname@recorded-flow.example"), ("%g", "Firstname@recorded-flow.example"),
        ("%g%1s", "FirstnameL@recorded-flow.example"), ("%g.%s", "Firstname.Lastname@recorded-flow.example")]
    assert all(child_tags(a) == ["example", "domain", "pattern", "primary", "assigned"] for a in addresses)
    assert {(a.findtext("primary"), a.findtext("assigned")) for a in addresses} == {("False", "False")}


def test_customer_modify_exchange(rec):
    answer = rec.send("SET", f"""<customer><name>{rec.code}</name><service>
      <name>HE</name>
      <authoritativedomains><domain>recorded-flow.example</domain></authoritativedomains>
      <domains><domain type="authoritative">recorded-flow.example</domain></domains>
      <publicfolder>
        <overridetemplate>True</overridetemplate><create>True</create><storagelimit>Unlimited</storagelimit>
        <warninglimit>Unlimited</warninglimit><itemlimit>Unlimited</itemlimit>
      </publicfolder>
    </service></customer>""")
    rid = only_request_id(answer)
    assert rec.client.poll(rid).findtext("type") == "Object Modify"
    rec.client.wait_ok(rid)
    s = rec.send("GET", f"<customer><name>{rec.code}</name><service><name>HE</name></service></customer>")\
        .find("customer/service")
    assert [d.text for d in s.findall("authoritativedomains/domain")] == ["recorded-flow.example"]
    assert [(d.text, d.get("type")) for d in s.findall("domains/domain")] == [("recorded-flow.example",
                                                                               "authoritative")]
    assert [(e.tag, e.text) for e in s.find("publicfolder")] == [
        ("overridetemplate", "True"), ("create", "True"), ("storagelimit", "Unlimited"),
        ("warninglimit", "Unlimited"), ("itemlimit", "Unlimited")]
    # the same again changes nothing
    again = rec.send("SET", f"<customer><name>{rec.code}</name><service><name>HE</name><authoritativedomains>"
                            "<domain>recorded-flow.example</domain></authoritativedomains></service></customer>")
    assert again.root is not None and again.ids == []


# ---------------------------------------------------------------------------------------------- a user

def test_user_create_with_only_a_name(rec):
    answer = rec.send("SET", f"<customer><name>{rec.code}</name><user><name>User1</name></user></customer>")
    rec.client.wait_ok(only_request_id(answer))
    rec.login = f"User1_{rec.code}"


def test_user_get(rec):
    c = rec.send("GET", f"<customer><name>{rec.code}</name><user><name>{rec.login}</name></user></customer>")\
        .find("customer")
    assert child_tags(c) == CUSTOMER_DETAIL + ["user"]
    u = c.find("user")
    assert child_tags(u) == USER_DETAIL
    assert (u.findtext("name"), u.findtext("fullname"), u.findtext("upn"), u.findtext("firstname"),
            u.findtext("lastname")) == (rec.login, "User1", f"{rec.login}@recorded-flow.example", "User1",
                                        "Default Lastname")
    assert (u.findtext("location"), u.findtext("department"), u.findtext("expires")) == \
        ("Unassigned", "Unassigned", "Never")
    assert child_tags(u.find("password")) == ["changeatnextlogon", "expires"]
    assert re.fullmatch(r"\d{8}", u.findtext("password/expires"))
    address = u.find("addresses/address")
    assert (address.get("primary"), address.text) == ("True", f"{rec.login}@recorded-flow.example".lower())
    assert [r.text for r in u.findall("roles/role")] == FIRST_USER_ROLES
    assert u.find("roles/role").get("id") == RECORDED_ROLE_IDS["Customer Administrator"]
    assert (u.findtext("locked"), u.findtext("enabled"), u.findtext("status")) == ("False", "True", "Provisioned")


def test_user_get_properties(rec):
    u = rec.send("GET", f'<customer><name>{rec.code}</name><user><name>{rec.login}</name><properties detail="true"/>'
                        "</user></customer>").find("customer/user")
    assert child_tags(u) == USER_DETAIL + ["properties"]
    props = u.findall("properties/property")
    assert len(props) == 65 and all(child_tags(p) == PROPERTY for p in props)
    assert [p.findtext("name") for p in props][:5] == FIRST_USER_PROPERTIES
    values = {p.findtext("name"): p.findtext("value") for p in props}
    assert (values["userPrincipalName"], values["sAMAccountName"], values["givenName"], values["sn"],
            values["displayName"]) == (f"{rec.login}@recorded-flow.example", rec.login, "User1", "Default Lastname",
                                       "User1")
    assert (values["physicalDeliveryOfficeName"], values["Department"], values["Locked"]) == \
        ("Unassigned", "Unassigned", "False")
    assert values["UserFullPath"] == ("LDAP://OU=Recorded Flow 1(RF),OU=Demo Partner(DEMO),OU=Customers,"
                                      "DC=cloudforyou,DC=local")
    email = {p.findtext("name"): p for p in props}["ExternalEmailAddress"]
    assert email.findtext("validation/type") == "RegularExpression" and email.findtext("validation/value")


def test_user_services_find_all(rec):
    u = rec.send("FIND", f"<customer><name>{rec.code}</name><user><name>{rec.login}</name><service /></user>"
                         "</customer>").find("customer/user")
    assert child_tags(u) == USER_SUMMARY + ["service"]
    assert child_tags(u.find("service")) == ["name", "fullname", "status", "approvalpending"]
    assert (u.findtext("service/name"), u.findtext("service/status")) == ("HE", "NotProvisioned")


def test_user_provision_exchange_and_service_get(rec):
    answer = rec.send("SET", f"<customer><name>{rec.code}</name><user><name>{rec.login}</name><service>"
                             "<name>HE</name><userpackage><name>FORFAIT_60GO_1AN</name></userpackage></service>"
                             "</user></customer>")
    rid = only_request_id(answer)
    rec.client.wait_ok(rid)
    s = rec.send("GET", f"<customer><name>{rec.code}</name><user><name>{rec.login}</name><service><name>HE</name>"
                        "</service></user></customer>").find("customer/user/service")
    assert child_tags(s) == ["name", "fullname", "status", "approvalpending", "replyaddress", "userpackage"]
    assert s.findtext("replyaddress") == f"{rec.login}@recorded-flow.example".lower()
    assert child_tags(s.find("userpackage")) == ["name", "fullname"]
    he = rec.send("GET", f"<customer><name>{rec.code}</name><service><name>HE</name></service></customer>")
    assert {p.findtext("name"): p.findtext("used") for p in he.findall("customer/service/userpackage")} == \
        {"FORFAIT_2GO_2013": "False", "FORFAIT_60GO_1AN": "True"}
    offer = rec.send("GET", "<customer><name>DEMO</name><service><name>HE</name></service></customer>")
    used = {p.findtext("name"): p.findtext("used") for p in offer.findall("customer/service/userpackage")}
    assert used["FORFAIT_60GO_1AN"] == "True" and used["FORFAIT_2GO"] == "False"


def test_get_request(rec):
    answer = rec.send("SET", f"<customer><name>{rec.code}</name><contactname>Ilze K.</contactname></customer>")
    rid = only_request_id(answer)
    rec.client.wait_ok(rid)
    r = rec.send("GET", f"<request><id>{rid}</id></request>").find("request")
    assert child_tags(r) == ["id", "type", "name", "description", "status", "object"]
    assert child_tags(r.find("object")) == ["type", "name", "description", "status"]
    assert (r.findtext("type"), r.findtext("name"), r.findtext("status"), r.findtext("object/type"),
            r.findtext("object/name")) == ("Object Modify", "", "Provisioned", "Customer", rec.code)


def test_customer_delete(rec):
    c = rec.client
    for inner in (f"<user><name>{rec.login}</name><service><name>HE</name></service></user>",
                  f"<user><name>{rec.login}</name></user>", "<service><name>HE</name></service>", ""):
        answer = rec.send("DELETE", f"<customer><name>{rec.code}</name>{inner}</customer>")
        c.wait_ok(only_request_id(answer))
    assert c.find(f"<customer><name>{rec.code}</name></customer>").find("customer") is None
    assert [x.findtext("name") for x in c.find("<customer/>").findall("customer")] == ["DEMO"]
