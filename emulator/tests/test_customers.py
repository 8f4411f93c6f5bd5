"""Customers: create/modify rules, code generation, domains, password policy, roles, FIND/GET shapes."""

from __future__ import annotations

import pytest

from conftest import Tenant, child_tags, customer_xml, unique

SUMMARY = ["name", "id", "fullname", "billingid", "primarydomain", "status", "approvalpending"]
DETAIL = ["name", "id", "fullname", "location", "billingid", "primarydomain", "parent", "contactname",
          "contactemail", "address", "phone", "fax", "customerou", "customeroustructure", "domains", "locations",
          "departments", "password", "roles", "enabled", "status", "approvalpending"]
# The collection's role names, among the 49 a new customer inherits from the partner's reseller customer.
COLLECTION_ROLES = ["Customer Administrator", "User Administrator", "Exchange Service Administrator", "Exchange Users",
                    "My Exchange Service", "Partial User Administrator (Reset Passwords)", "Reporting Users",
                    "Service Administrator", "User and Service Administrator", "API User"]


def new_names():
    tag = unique("c")
    return f"Cust {tag}", f"{tag}.example.org"


# ---------------------------------------------------------------- creation and code generation

def test_create_returns_request_and_generates_code_from_initials(client):
    word = "Z" + unique("").replace("x", "y")
    fullname = f"{word} Martin Sarl 2026"
    answer = client.set(customer_xml(fullname, f"{word.lower()}.example.net"))
    assert len(answer.ids) == 1
    found = client.find(f"<customer><fullname>{fullname}</fullname></customer>").find("customer")
    assert found.findtext("name") == "ZMS"


def test_code_rule_and_collision_suffix(client):
    # Initials of words holding a letter, accents stripped, digit-only words dropped; then 2, 3, ... on collision.
    word = "Q" + unique("").replace("x", "y")
    names = [f"{word} Émile 3 Épices", f"{word} elise eric", f"{word} Edith-Anne Ernest"]
    for i, name in enumerate(names):
        assert client.set(customer_xml(name, f"{chr(97 + i)}{word.lower()}.example.net")).ids
    codes = [client.find(f"<customer><fullname>{n}</fullname></customer>").findtext("customer/name") for n in names]
    assert codes == ["QEE", "QEE2", "QEE3"]


def test_code_generation_drops_digit_words_and_defaults_to_C(client):
    digits = "".join(ch for ch in unique("") if ch.isdigit())
    answer = client.set(customer_xml(f"123 {digits} 456", f"d{digits}.example.net"))
    assert answer.ids
    code = client.find(f"<customer><fullname>123 {digits} 456</fullname></customer>").findtext("customer/name")
    assert code == "C"


def test_explicit_code_is_kept_and_validated(client):
    code = unique("K").upper()
    fullname, domain = new_names()
    client.set(customer_xml(fullname, domain, code=code))
    assert client.find(f"<customer><name>{code}</name></customer>").findtext("customer/fullname") == fullname
    fullname2, domain2 = new_names()
    bad = client.set(customer_xml(fullname2, domain2, code="bad-code!"), expect=400)
    assert bad.errors == ["InvalidField"]
    too_long = client.set(customer_xml(fullname2, domain2, code="A" * 21), expect=400)
    assert too_long.errors == ["InvalidField"]


def test_code_taken_is_duplicate(client, other_client):
    tenant = Tenant(client, provision=False)
    fullname, domain = new_names()
    answer = other_client.set(customer_xml(fullname, domain, code=tenant.code), expect=400)
    assert answer.errors == ["Duplicate"]


def test_full_name_duplicate_per_partner_only(client, other_client):
    tenant = Tenant(client, provision=False)
    _, domain = new_names()
    again = client.set(customer_xml(tenant.fullname.upper(), domain), expect=400)
    assert again.errors == ["Duplicate"]
    _, domain2 = new_names()
    assert other_client.set(customer_xml(tenant.fullname, domain2)).ids  # another partner may use the name


def test_mandatory_fields_one_error_each(client):
    answer = client.set("<customer><fullname>Only A Name</fullname><properties/></customer>", expect=400)
    assert sorted(answer.errors) == ["MissingField"] * 7
    text = " ".join(answer.messages)
    for field in ("contactname", "contactemail", "address", "primarydomain", "City", "Country", "ZipCode"):
        assert field in text


def test_missing_fullname(client):
    _, domain = new_names()
    xml = customer_xml("x", domain).replace("<fullname>x</fullname>", "")
    assert client.set(xml, expect=400).errors == ["MissingField"]


def test_invalid_fullname_and_email(client):
    _, domain = new_names()
    assert client.set(customer_xml("Bad/Name!", domain), expect=400).errors == ["InvalidField"]
    fullname, domain = new_names()
    xml = customer_xml(fullname, domain).replace(f"paul@{domain}", "not-an-email")
    assert client.set(xml, expect=400).errors == ["InvalidField"]


@pytest.mark.parametrize("country, stored", [("France", "France"), ("france", "France"), ("Belgique", "Belgique"),
                                             ("Suisse", "Suisse"), ("Luxembourg", "Luxembourg"),
                                             ("Allemagne", "Allemagne"), ("Espagne", "Espagne"),
                                             ("Italie", "Italie"), ("Royaume-Uni", "Royaume-Uni"),
                                             ("Germany", "Germany"), ("United Kingdom", "United Kingdom")])
def test_country_from_the_list(client, country, stored):
    fullname, domain = new_names()
    props = ("<properties><property><name>City</name><value>X</value></property><property><name>Country</name>"
             f"<value>{country}</value></property><property><name>ZipCode</name><value>1000</value></property>"
             "</properties>")
    answer = client.set(customer_xml(fullname, domain, props=props))
    assert answer.ids
    code = client.find(f"<customer><fullname>{fullname}</fullname></customer>").findtext("customer/name")
    detail = client.get(f"<customer><name>{code}</name><properties/></customer>").find("customer")
    values = {p.findtext("name"): p.findtext("value") for p in detail.findall("properties/property")}
    assert values["Country"] == stored


def test_unknown_country_is_invalid(client):
    fullname, domain = new_names()
    props = ("<properties><property><name>City</name><value>X</value></property><property><name>Country</name>"
             "<value>Atlantis</value></property><property><name>ZipCode</name><value>1000</value></property>"
             "</properties>")
    answer = client.set(customer_xml(fullname, domain, props=props), expect=400)
    assert answer.errors == ["InvalidField"]
    assert "Atlantis" in answer.messages[0]


def test_properties_merge_by_name_and_detail_metadata(client):
    tenant = Tenant(client)
    client.set(f"<customer><name>{tenant.code}</name><properties><property><name>city</name><value>Paris</value>"
               "</property><property><name>Custom1</name><value>v1</value></property></properties></customer>")
    detail = client.get(f"<customer><name>{tenant.code}</name><properties/></customer>").find("customer")
    assert child_tags(detail)[-1] == "properties"
    values = {p.findtext("name"): p.findtext("value") for p in detail.findall("properties/property")}
    assert values["City"] == "Paris" and values["ZipCode"] == "69003" and values["Custom1"] == "v1"
    rich = client.get(f'<customer><name>{tenant.code}</name><properties detail="true"/></customer>')
    country = [p for p in rich.findall("customer/properties/property") if p.findtext("name") == "Country"][0]
    assert child_tags(country) == ["name", "fullname", "mandatory", "value", "category", "description", "sortorder",
                                   "visible", "readonly", "adattribute", "validation"]
    assert country.findtext("mandatory") == "True"
    assert country.findtext("validation/type") == "SQLQueryDDL"
    assert len(country.findall("validation/options/option")) > 200
    # without <properties/> the detail has none
    plain = client.get(f"<customer><name>{tenant.code}</name></customer>").find("customer")
    assert child_tags(plain) == DETAIL


# ---------------------------------------------------------------- shapes

def test_summary_and_detail_element_order(client):
    tenant = Tenant(client)
    summary = client.find(f"<customer><name>{tenant.code}</name></customer>").find("customer")
    assert child_tags(summary) == SUMMARY
    detail = client.get(f"<customer><name>{tenant.code}</name></customer>").find("customer")
    assert child_tags(detail) == DETAIL
    assert child_tags(detail.find("parent")) == ["name", "id", "fullname", "billingid", "primarydomain"]
    assert child_tags(detail.find("password")) == ["minimumlength", "bannerdisplaydays", "changeatnextlogon",
                                                   "allowneverexpires"]
    assert detail.findtext("approvalpending") == "False"
    assert detail.findtext("enabled") == "True"
    assert detail.findtext("status") == "Provisioned"
    assert detail.findtext("parent/name") == "DEMO"  # the partner's reseller customer
    assert detail.findtext("parent/fullname") == "Demo Partner"
    assert detail.findtext("customerou") == "Demo Partner(DEMO),Customers"
    assert detail.findtext("location") == "Location CFY"
    assert [n.text for n in detail.findall("locations/name")] == ["Unassigned"]
    assert [n.text for n in detail.findall("departments/name")] == ["Unassigned"]


def test_detail_serialisation_conventions(client):
    tenant = Tenant(client)
    raw = client.get(f"<customer><name>{tenant.code}</name></customer>").text
    assert raw.startswith('<?xml version="1.0" encoding="utf-8"?>\n<response version="1.0">\n  <customer>\n'
                          f"    <name>{tenant.code}</name>\n")
    assert "    <billingid />\n" in raw
    assert "<allowneverexpires>False</allowneverexpires>" in raw


def test_default_roles_are_the_resellers_listed_alphabetically_with_guids(client):
    tenant = Tenant(client, provision=False)
    roles = client.get(f"<customer><name>{tenant.code}</name></customer>").findall("customer/roles/role")
    names = [r.text for r in roles]
    reseller = [r.text for r in client.get("<customer><name>DEMO</name></customer>").findall("customer/roles/role")]
    assert names == reseller and len(names) == 49
    assert names == sorted(names, key=str.casefold)
    assert set(COLLECTION_ROLES) <= set(names)
    assert all(r.get("id").startswith("{") and r.get("id").endswith("}") and len(r.get("id")) == 38 for r in roles)
    other = Tenant(client, provision=False)
    ids = [r.get("id") for r in client.get(f"<customer><name>{other.code}</name></customer>")
           .findall("customer/roles/role")]
    assert ids == [r.get("id") for r in roles]  # stable GUIDs


# ---------------------------------------------------------------- FIND / GET behaviour

def test_find_filters_exact_case_insensitive_and_combined(client):
    tenant = Tenant(client, provision=False)
    assert client.find(f"<customer><name>{tenant.code.lower()}</name></customer>").findall("customer")
    assert client.find(f"<customer><fullname>{tenant.fullname.lower()}</fullname></customer>").findall("customer")
    assert client.find(f"<customer><primarydomain>{tenant.domain.upper()}</primarydomain></customer>")\
        .findall("customer")
    both = client.find(f"<customer><name>{tenant.code}</name><fullname>nope</fullname></customer>")
    assert both.text.strip().endswith('<response version="1.0" />')
    # (a suffix, not a prefix: the prefix of 'Tenant T1x12' is another tenant's full name)
    partial = client.find(f"<customer><fullname>{tenant.fullname[1:]}</fullname></customer>")
    assert partial.findall("customer") == []
    ident = client.find(f"<customer><name>{tenant.code}</name></customer>").findtext("customer/id")
    by_id = client.find(f"<customer><id>{ident}</id></customer>")
    assert by_id.findtext("customer/name") == tenant.code


def test_find_no_match_is_empty_response(client):
    answer = client.find("<customer><name>NOSUCHCODE</name></customer>")
    assert answer.text == '<?xml version="1.0" encoding="utf-8"?>\n<response version="1.0" />\n'


def test_find_empty_customer_lists_all_in_scope(client):
    tenant = Tenant(client, provision=False)
    codes = [c.findtext("name") for c in client.find("<customer/>").findall("customer")]
    assert tenant.code in codes


def test_find_by_domain(client):
    tenant = Tenant(client, provision=False)
    found = client.find(f"<customer><domains><domain>{tenant.domain}</domain></domains></customer>")
    assert [c.findtext("name") for c in found.findall("customer")] == [tenant.code]


def test_nested_filter_miss_returns_parent_without_child(client):
    tenant = Tenant(client)
    answer = client.find(f"<customer><name>{tenant.code}</name><user><name>ghost</name></user></customer>")
    customer = answer.find("customer")
    assert customer is not None and customer.find("user") is None


def test_get_missing_customer_is_400_not_found(client):
    answer = client.get("<customer><name>NOSUCH</name></customer>", expect=400)
    assert answer.errors == ["NotFound"]
    assert "NOSUCH" in answer.messages[0]


# ---------------------------------------------------------------- modify

def test_set_that_changes_nothing_is_empty(client):
    tenant = Tenant(client)
    answer = client.set(f"<customer><name>{tenant.code}</name><fullname>{tenant.fullname}</fullname></customer>")
    assert answer.text.endswith('<response version="1.0" />\n') and answer.ids == []


def test_modify_changes_only_given_fields(client):
    tenant = Tenant(client)
    answer = client.set(f"<customer><name>{tenant.code}</name><contactname>Jeanne</contactname></customer>")
    client.wait_ok(answer.ids)
    detail = client.get(f"<customer><name>{tenant.code}</name></customer>").find("customer")
    assert detail.findtext("contactname") == "Jeanne"
    assert detail.findtext("address") == "12 rue des Lilas"
    assert client.poll(answer.ids[0]).findtext("type") == "Object Modify"


def test_code_is_immutable(client):
    tenant = Tenant(client)
    answer = client.set(f"<customer><name>{tenant.code}</name><code>OTHER</code></customer>", expect=400)
    assert answer.errors == ["ImmutableField"]


def test_rename_to_an_existing_full_name_is_duplicate(client):
    a, b = Tenant(client), Tenant(client)
    answer = client.set(f"<customer><name>{a.code}</name><fullname>{b.fullname}</fullname></customer>", expect=400)
    assert answer.errors == ["Duplicate"]


# ---------------------------------------------------------------- domains

def test_domains_create_with_list_and_primary(client):
    fullname, domain = new_names()
    extra = f"x{domain}"
    answer = client.set(customer_xml(fullname, domain, domains=[extra, domain.upper()]))
    assert answer.ids
    code = client.find(f"<customer><fullname>{fullname}</fullname></customer>").findtext("customer/name")
    detail = client.get(f"<customer><name>{code}</name></customer>").find("customer")
    assert [d.text for d in detail.findall("domains/domain")] == [extra, domain]


def test_primary_not_in_domains(client):
    fullname, domain = new_names()
    answer = client.set(customer_xml(fullname, domain, domains=[f"other-{domain}"]), expect=400)
    assert answer.errors == ["PrimaryDomainNotInDomains"]


@pytest.mark.parametrize("bad", ["bad_domain.com", "-lead.com", "nodot", "exa mple.com", "a..b.com", "x.123",
                                 "münchen.de", "é.fr"])
def test_invalid_domains(client, bad):
    fullname, _ = new_names()
    answer = client.set(customer_xml(fullname, bad), expect=400)
    assert "InvalidDomain" in answer.errors


def test_punycode_domain_is_accepted(client):
    fullname, domain = new_names()
    puny = "xn--mnchen-3ya." + domain
    assert client.set(customer_xml(fullname, puny)).ids


def test_domain_unique_across_customers(client, other_client):
    tenant = Tenant(client, provision=False)
    fullname, _ = new_names()
    assert other_client.set(customer_xml(fullname, tenant.domain.upper()), expect=400).errors == ["Duplicate"]
    other = Tenant(client)
    answer = client.set(f"<customer><name>{other.code}</name><domains><domain>{other.domain}</domain>"
                        f"<domain>{tenant.domain}</domain></domains></customer>", expect=400)
    assert answer.errors == ["Duplicate"]


def test_primarydomain_alone_adds_it_and_domains_replace(client):
    tenant = Tenant(client)
    second = "second." + tenant.domain
    client.wait_ok(client.set(f"<customer><name>{tenant.code}</name><primarydomain>{second}</primarydomain>"
                              "</customer>").ids)
    detail = client.get(f"<customer><name>{tenant.code}</name></customer>").find("customer")
    assert [d.text for d in detail.findall("domains/domain")] == [tenant.domain, second]
    assert detail.findtext("primarydomain") == second
    # replace: the list sent becomes the list
    client.wait_ok(client.set(f"<customer><name>{tenant.code}</name><domains><domain>{second}</domain></domains>"
                              "</customer>").ids)
    detail = client.get(f"<customer><name>{tenant.code}</name></customer>").find("customer")
    assert [d.text for d in detail.findall("domains/domain")] == [second]
    # dropping the primary from the list is refused
    answer = client.set(f"<customer><name>{tenant.code}</name><domains><domain>{tenant.domain}</domain></domains>"
                        "</customer>", expect=400)
    assert answer.errors == ["PrimaryDomainNotInDomains"]


def test_domain_in_use_by_a_upn_cannot_be_removed(client):
    tenant = Tenant(client)
    extra = "mail." + tenant.domain
    client.wait_ok(client.set(f"<customer><name>{tenant.code}</name><domains><domain>{tenant.domain}</domain>"
                              f"<domain>{extra}</domain></domains></customer>").ids)
    tenant.add_user("claire", extra=f"<upn>claire@{extra}</upn>")
    answer = client.set(f"<customer><name>{tenant.code}</name><domains><domain>{tenant.domain}</domain></domains>"
                        "</customer>", expect=400)
    assert answer.errors == ["DomainInUse"]
    assert extra in answer.messages[0]


# ---------------------------------------------------------------- password policy and roles

def test_password_policy_fields(client):
    tenant = Tenant(client, extra="<password><minimumlength>12</minimumlength><allowneverexpires>True"
                                  "</allowneverexpires></password>")
    detail = client.get(f"<customer><name>{tenant.code}</name></customer>").find("customer/password")
    assert detail.findtext("minimumlength") == "12" and detail.findtext("allowneverexpires") == "True"
    bad = client.set(f"<customer><name>{tenant.code}</name><password><minimumlength>100000</minimumlength>"
                     "</password></customer>", expect=400)
    assert bad.errors == ["InvalidField"]
    bad = client.set(f"<customer><name>{tenant.code}</name><password><allowneverexpires>maybe</allowneverexpires>"
                     "</password></customer>", expect=400)
    assert bad.errors == ["InvalidField"]


def test_allowed_roles_replace_and_catalogue_check(client):
    tenant = Tenant(client)
    answer = client.set(f"<customer><name>{tenant.code}</name><roles><role>Customer Administrator</role>"
                        "<role>api user</role></roles></customer>")
    client.wait_ok(answer.ids)
    roles = [r.text for r in client.get(f"<customer><name>{tenant.code}</name></customer>")
             .findall("customer/roles/role")]
    assert roles == ["API User", "Customer Administrator"]  # alphabetically
    unknown = client.set(f"<customer><name>{tenant.code}</name><roles><role>Overlord</role></roles></customer>",
                         expect=400)
    assert unknown.errors == ["UnknownRole"]


def test_allowed_role_held_by_a_user_cannot_be_removed(client):
    tenant = Tenant(client)
    tenant.add_user("admin")  # first user: Customer Administrator
    answer = client.set(f"<customer><name>{tenant.code}</name><roles><role>Exchange Users</role></roles></customer>",
                        expect=400)
    assert set(answer.errors) == {"RoleInUse"} and len(answer.errors) == 8  # each of its 8 other roles


def test_billing_id_unique(client):
    a = Tenant(client, extra=f"<billingid>{unique('B')}</billingid>")
    billing = client.find(f"<customer><name>{a.code}</name></customer>").findtext("customer/billingid")
    assert billing
    fullname, domain = new_names()
    answer = client.set(customer_xml(fullname, domain, extra=f"<billingid>{billing}</billingid>"), expect=400)
    assert answer.errors == ["Duplicate"]


def test_non_ascii_text_round_trips_as_utf8(client):
    fullname = f"Électricité Dupont {unique('u')}"
    code = unique("E").upper()
    answer = client.set(customer_xml(fullname, f"{code.lower()}.example.fr", code=code)
                        .replace("Paul Martin", "Zoë Ångström"))
    assert answer.ids
    raw = client.get(f"<customer><name>{code}</name></customer>")
    assert raw.response.content.decode("utf-8").count("Électricité") == 1  # (customerou names the parents)
    assert raw.findtext("customer/contactname") == "Zoë Ångström"
