"""Hosted Exchange: the customer organisation (HE) and mailboxes, plans, guards, deprovisioning."""

from __future__ import annotations

import pytest

from conftest import Tenant, child_tags

CUSTOMER_HE_DETAIL = ["name", "fullname", "location", "userlimit", "isbilled", "status", "approvalpending",
                      "authoritativedomains", "domains", "UpdateEmailAddressPolicy", "customeraddressformats",
                      "version", "mailboxstoragelimit", "publicfolder"]
USER_HE_DETAIL = ["name", "fullname", "status", "approvalpending", "replyaddress", "userpackage"]


def he_set(code, body):
    return f"<customer><name>{code}</name><service><name>HE</name>{body}</service></customer>"


def plans_xml(*names, enabled="True"):
    return "".join(f"<userpackage><name>{n}</name><enabled>{enabled}</enabled></userpackage>" for n in names)


FULL = "<version>2010</version><package><name>Default</name><enabled>True</enabled></package>"


def test_service_listing_includes_not_provisioned(client):
    tenant = Tenant(client)
    services = client.find(f"<customer><name>{tenant.code}</name><service/></customer>").findall("customer/service")
    assert [(s.findtext("name"), s.findtext("status")) for s in services] == \
        [("Proxy", "Provisioned"), ("HE", "NotProvisioned"), ("ServiceAdmins", "NotProvisioned")]
    assert [s.findtext("fullname") for s in services] == ["Customer Portal Settings", "Hosted Exchange",
                                                          "Service Administration"]
    assert child_tags(services[0]) == ["name", "fullname", "location", "status", "approvalpending"]
    tenant.add_user("u")
    user_services = client.find(f"<customer><name>{tenant.code}</name><user><service/></user></customer>")\
        .findall("customer/user/service")
    assert [(s.findtext("name"), s.findtext("status")) for s in user_services] == [("HE", "NotProvisioned")]
    assert child_tags(user_services[0]) == ["name", "fullname", "status", "approvalpending"]


def test_customer_he_needs_provisioned_customer(client):
    tenant = Tenant(client, provision=False)
    answer = client.set(he_set(tenant.code, FULL + plans_xml("FORFAIT_2GO")), expect=400)
    assert answer.errors == ["ParentNotProvisioned"]


def test_customer_he_mandatory_parts(client):
    tenant = Tenant(client)
    answer = client.set(he_set(tenant.code, ""), expect=400)
    assert sorted(answer.errors) == ["MissingField", "MissingField"]  # version, package
    answer = client.set(he_set(tenant.code, FULL), expect=400)
    assert answer.errors == ["MissingField"] and "userpackage" in answer.messages[0]


def test_customer_he_catalogue_checks(client):
    tenant = Tenant(client)
    assert client.set(he_set(tenant.code, "<version>2003</version><package><name>Default</name></package>"
                             + plans_xml("FORFAIT_2GO")), expect=400).errors == ["InvalidField"]
    assert client.set(he_set(tenant.code, "<version>2010</version><package><name>Gold</name></package>"
                             + plans_xml("FORFAIT_2GO")), expect=400).errors == ["UnknownPlan"]
    assert client.set(he_set(tenant.code, FULL + plans_xml("FORFAIT_1TO")), expect=400).errors == ["UnknownPlan"]
    # a plan of the catalogue not offered for this version
    assert client.set(he_set(tenant.code, FULL + plans_xml("FORFAIT_60GO_1AN")), expect=400).errors == \
        ["UnknownPlan"]


def test_customer_he_provision_detail_and_version_immutable(client):
    tenant = Tenant(client, exchange=True)
    detail = client.get(f"<customer><name>{tenant.code}</name><service><name>HE</name></service></customer>")\
        .find("customer/service")
    tags = child_tags(detail)
    assert tags[: len(CUSTOMER_HE_DETAIL)] == CUSTOMER_HE_DETAIL
    assert set(tags[len(CUSTOMER_HE_DETAIL):-1]) == {"userpackage"} and tags[-1] == "package"
    assert detail.findtext("status") == "Provisioned" and detail.findtext("version") == "2010"
    plans = {p.findtext("name"): p for p in detail.findall("userpackage")}
    assert child_tags(plans["FORFAIT_2GO"]) == ["name", "fullname", "userlimit", "used", "enabled"]
    assert plans["FORFAIT_2GO"].findtext("enabled") == "True"
    assert list(plans) == ["FORFAIT_2GO", "FORFAIT_10GO"]  # the enabled ones, as recorded
    assert plans["FORFAIT_10GO"].findtext("userlimit") == "Unlimited"
    assert child_tags(detail.find("package")) == ["name", "fullname", "enabled"]
    assert detail.find("domains/domain").get("type") == "authoritative"
    answer = client.set(he_set(tenant.code, "<version>2013</version>"), expect=400)
    assert answer.errors == ["ImmutableField"]
    # the same settings again change nothing
    same = client.set(he_set(tenant.code, FULL + plans_xml("FORFAIT_2GO", "FORFAIT_10GO")))
    assert same.ids == []


def test_user_plans_replace_and_plan_in_use(client):
    tenant = Tenant(client, exchange=True)
    tenant.add_user("mb")
    tenant.add_mailbox("mb", "FORFAIT_10GO")
    answer = client.set(he_set(tenant.code, plans_xml("FORFAIT_2GO")), expect=400)
    assert answer.errors == ["PlanInUse"]
    answer = client.set(he_set(tenant.code, plans_xml("FORFAIT_10GO", "FORFAIT_25GO") + plans_xml("FORFAIT_2GO",
                                                                                                  enabled="False")))
    client.wait_ok(answer.ids)
    detail = client.get(f"<customer><name>{tenant.code}</name><service><name>HE</name></service></customer>")
    enabled = [p.findtext("name") for p in detail.findall("customer/service/userpackage")
               if p.findtext("enabled") == "True"]
    assert enabled == ["FORFAIT_10GO", "FORFAIT_25GO"]
    used = {p.findtext("name"): p.findtext("used") for p in detail.findall("customer/service/userpackage")}
    assert used["FORFAIT_10GO"] == "True" and used["FORFAIT_25GO"] == "False"  # as recorded: a flag, not a count


def test_mailbox_guards(client):
    tenant = Tenant(client)
    tenant.add_user("early")
    answer = tenant.add_mailbox("early", expect=400)
    assert answer.errors == ["ParentNotProvisioned"]
    tenant.provision_exchange(plans=("FORFAIT_2GO",))
    assert tenant.add_mailbox("early", "FORFAIT_10GO", expect=400).errors == ["PlanNotEnabled"]
    assert tenant.add_mailbox("early", "NOPE", expect=400).errors == ["UnknownPlan"]
    assert client.set(f"<customer><name>{tenant.code}</name><user><name>early</name><service><name>HE</name>"
                      "</service></user></customer>", expect=400).errors == ["MissingField"]
    assert client.set(f"<customer><name>{tenant.code}</name><user><name>early</name><service><name>XYZ</name>"
                      "</service></user></customer>", expect=400).errors == ["NotFound"]


def test_mailbox_detail_and_plan_change(client):
    tenant = Tenant(client, exchange=True)
    tenant.add_user("box")
    tenant.add_mailbox("box", "FORFAIT_2GO")
    query = f"<customer><name>{tenant.code}</name><user><name>{tenant.login('box')}</name><service><name>HE</name>" \
            "</service></user></customer>"
    service = client.get(query).find("customer/user/service")
    assert child_tags(service) == USER_HE_DETAIL
    assert service.findtext("replyaddress") == f"box_{tenant.code}@{tenant.domain}".lower()
    assert service.findtext("userpackage/name") == "FORFAIT_2GO"
    assert child_tags(service.find("userpackage")) == ["name", "fullname"]
    same = tenant.add_mailbox("box", "FORFAIT_2GO")
    assert same.ids == []
    change = tenant.add_mailbox("box", "FORFAIT_10GO")
    assert len(change.ids) == 1
    assert client.poll(change.ids[0]).findtext("type") == "Object Modify"
    assert client.get(query).findtext("customer/user/service/userpackage/name") == "FORFAIT_10GO"


def test_plan_limit_reached(client):
    tenant = Tenant(client, exchange=True, plans=("FORFAIT_ESSAI",))
    users = "".join(f"<user><name>u{i}</name><password><password>Str0ng!Passw0rd</password></password>"
                    "<service><name>HE</name><userpackage><name>FORFAIT_ESSAI</name></userpackage></service></user>"
                    for i in range(6))
    answer = client.set(f"<customer><name>{tenant.code}</name>{users}</customer>")
    assert len(answer.ids) == 11  # 6 users + 5 mailboxes
    assert answer.errors == ["PlanLimitReached"]
    client.wait_ok(answer.ids)


def test_deprovision_and_delete_guards(client):
    tenant = Tenant(client, exchange=True)
    tenant.add_user("dep")
    tenant.add_mailbox("dep")
    login = tenant.login("dep")
    # a user with a mailbox cannot be deleted, nor the customer HE deprovisioned, nor the customer deleted
    assert client.delete(f"<customer><name>{tenant.code}</name><user><name>{login}</name></user></customer>",
                         expect=400).errors == ["ServicesProvisioned"]
    assert client.delete(f"<customer><name>{tenant.code}</name><service><name>HE</name></service></customer>",
                         expect=400).errors == ["ServicesProvisioned"]
    answer = client.delete(f"<customer><name>{tenant.code}</name></customer>", expect=400)
    assert sorted(answer.errors) == ["HasUsers", "ServicesProvisioned"]
    # deprovision the mailbox: it goes back to NotProvisioned
    answer = client.delete(f"<customer><name>{tenant.code}</name><user><name>{login}</name><service><name>HE</name>"
                           "</service></user></customer>")
    node = client.wait(answer.ids)[0]
    assert node.findtext("type") == "Object Deprovision" and node.findtext("object/type") == "User Service"
    status = client.find(f"<customer><name>{tenant.code}</name><user><name>{login}</name><service/></user>"
                         "</customer>").findtext("customer/user/service/status")
    assert status == "NotProvisioned"
    # deprovisioning again: nothing to deprovision
    assert client.delete(f"<customer><name>{tenant.code}</name><user><name>{login}</name><service><name>HE</name>"
                         "</service></user></customer>", expect=400).errors == ["NotFound"]
    client.wait_ok(client.delete(f"<customer><name>{tenant.code}</name><user><name>{login}</name></user>"
                                 "</customer>").ids)
    client.wait_ok(client.delete(f"<customer><name>{tenant.code}</name><service><name>HE</name></service>"
                                 "</customer>").ids)
    he = client.find(f"<customer><name>{tenant.code}</name><service><name>HE</name></service></customer>")
    assert he.findtext("customer/service/status") == "NotProvisioned"
    node = client.wait(client.delete(f"<customer><name>{tenant.code}</name></customer>").ids)[0]
    assert node.findtext("status") == "Provisioned" and node.findtext("type") == "Object Delete"
    assert client.find(f"<customer><name>{tenant.code}</name></customer>").find("customer") is None
    assert client.get(f"<customer><name>{tenant.code}</name></customer>", expect=400).errors == ["NotFound"]
    assert client.delete(f"<customer><name>{tenant.code}</name></customer>", expect=400).errors == ["NotFound"]


def test_service_admins_is_listed_but_not_manageable(client):
    tenant = Tenant(client)
    answer = client.set(f"<customer><name>{tenant.code}</name><service><name>ServiceAdmins</name></service>"
                        "</customer>", expect=400)
    assert answer.errors == ["InvalidField"]
    assert client.set(f"<customer><name>{tenant.code}</name><service><name>Nope</name></service></customer>",
                      expect=400).errors == ["NotFound"]


@pytest.mark.parametrize("version, plan", [("2013", "FORFAIT_60GO_1AN")])
def test_version_specific_plan(client, version, plan):
    tenant = Tenant(client, exchange=True, plans=(plan,), version=version)
    tenant.add_user("v")
    tenant.add_mailbox("v", plan)


def test_failed_mailbox_is_retried_by_a_set(client, emulator):
    tenant = Tenant(client, exchange=True)
    tenant.add_user("retry")
    emulator.fail_next(f"retry_{tenant.code}", message="Mailbox database offline")
    answer = tenant.add_mailbox("retry", wait=False)
    node = client.wait(answer.ids)[0]
    assert node.findtext("status") == "Failed" and node.findtext("message") == "Mailbox database offline"
    query = f"<customer><name>{tenant.code}</name><user><name>{tenant.login('retry')}</name><service/></user>" \
            "</customer>"
    assert client.find(query).findtext("customer/user/service/status") == "Failed"
    again = tenant.add_mailbox("retry")  # same plan, no field change: a new provisioning request
    assert len(again.ids) == 1
    assert client.find(query).findtext("customer/user/service/status") == "Provisioned"
