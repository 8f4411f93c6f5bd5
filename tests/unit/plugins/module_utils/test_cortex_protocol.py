# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The protocol mapping: answers in the shapes of recorded CPSM v11 samples, and the XML each write sends."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_protocol as proto
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError, parse_xml

USER_SERVICES_FIND = b"""<?xml version="1.0" encoding="utf-8"?>
<response version="1.0">
  <customer>
    <name>TC</name><id>34</id><fullname>Test Customer 1</fullname><billingid />
    <primarydomain>test2.local</primarydomain><status>Provisioned</status>
    <approvalpending>False</approvalpending>
    <user>
      <name>User1_TC</name><id>113</id><fullname>User1</fullname>
      <upn>User1_TC@test2.local</upn><location>Unassigned</location>
      <department>Unassigned</department><status>NotProvisioned</status>
      <approvalpending>False</approvalpending>
      <service>
        <name>HE</name><fullname>Hosted Exchange</fullname>
        <status>NotProvisioned</status><approvalpending>False</approvalpending>
      </service>
    </user>
  </customer>
</response>"""

CUSTOMER_GET = b"""<response version="1.0"><customer>
  <name>BMS</name><id>40</id><fullname>Boulangerie Martin SARL</fullname><location>Location GSP</location>
  <billingid /><primarydomain>boulangerie-martin.fr</primarydomain>
  <parent><name>DA</name><id>23</id><fullname>Demo Also</fullname><billingid /><primarydomain>da.local</primarydomain></parent>
  <contactname>Paul Martin</contactname><contactemail>paul@boulangerie-martin.fr</contactemail>
  <address>12 rue des Lilas</address><phone /><fax /><customerou>x</customerou><customeroustructure>ungrouped</customeroustructure>
  <domains><domain>boulangerie-martin.fr</domain><domain>martin-patisserie.com</domain></domains>
  <locations /><departments />
  <password><minimumlength>8</minimumlength><bannerdisplaydays>0</bannerdisplaydays>
    <changeatnextlogon>False</changeatnextlogon><allowneverexpires>True</allowneverexpires></password>
  <roles><role id="{1}">Customer Administrator</role><role id="{2}">Exchange Users</role></roles>
  <enabled>True</enabled><status>InProgress</status><approvalpending>False</approvalpending>
  <properties><property><name>City</name><value>Lyon</value></property>
    <property><name>ZipCode</name><value>69003</value></property>
    <property><name>Country</name><value>France</value></property></properties>
</customer></response>"""

USER_GET = b"""<response version="1.0"><customer><name>BMS</name><id>40</id>
  <user><name>claire_BMS</name><id>113</id><fullname>Claire Dubois</fullname><upn>claire@boulangerie-martin.fr</upn>
  <firstname>Claire</firstname><lastname>Dubois</lastname><externalemail /><location /><department /><phone />
  <customfield1 /><customfield2 /><expires>Never</expires><legacyexchangedn /><securityquestions />
  <password><changeatnextlogon>False</changeatnextlogon><expires>Never</expires></password>
  <addresses /><x500proxyaddresses /><roles /><locked>False</locked><enabled>True</enabled>
  <status>Provisioned</status><approvalpending>False</approvalpending>
  <service><name>HE</name><fullname>Hosted Exchange</fullname><status>InProgress</status>
    <approvalpending>False</approvalpending><replyaddress>claire@boulangerie-martin.fr</replyaddress>
    <userpackage><name>FORFAIT_2GO</name><fullname>Forfait 2 Go</fullname></userpackage></service>
  </user></customer></response>"""

REQUEST_GET = b"""<response version="1.0"><request><id>46009</id><type>Object Provision</type><name />
  <description>Provision HE to Test Customer 1</description><status>Failed</status>
  <object><type>Customer Service</type><name>HE</name><description>Hosted Exchange - Test Customer 1</description>
  <status>Failed</status></object><message>Mailbox database unavailable</message></request></response>"""


class ScriptedClient(object):
    def __init__(self, answer):
        self.answer = answer
        self.sent = []

    def call(self, action, target):
        self.sent.append((action, ET.tostring(target, encoding="unicode")))
        return parse_xml(self.answer)


def test_find_users_parses_summaries_with_their_mailbox_status():
    api = proto.CortexAPI(ScriptedClient(USER_SERVICES_FIND))
    users = api.find_users("TC", with_exchange=True)
    assert users == [dict(login="User1_TC", id=113, upn="User1_TC@test2.local", display_name="User1",
                          status="NotProvisioned", status_color="grey",
                          exchange=dict(status="NotProvisioned", status_color="grey"))]
    assert api.client.sent == [("FIND", "<customer><name>TC</name><user><service><name>HE</name></service></user></customer>")]


def test_tenant_detail_maps_properties_policy_and_lists():
    tenant = proto.CortexAPI(ScriptedClient(CUSTOMER_GET)).get_tenant("BMS")
    assert tenant["code"] == "BMS" and tenant["name"] == "Boulangerie Martin SARL"
    assert tenant["domains"] == ["boulangerie-martin.fr", "martin-patisserie.com"]
    assert tenant["roles"] == ["Customer Administrator", "Exchange Users"]
    assert tenant["password_never_expires"] is True and tenant["min_password_length"] == 8
    assert (tenant["city"], tenant["zip_code"], tenant["country"]) == ("Lyon", "69003", "France")
    assert tenant["status_color"] == "orange"


def test_user_detail_with_mailbox():
    user = proto.CortexAPI(ScriptedClient(USER_GET)).get_user("BMS", "claire_BMS", with_exchange=True)
    assert user["first_name"] == "Claire" and user["password_never_expires"] is True
    assert user["enabled"] is True and user["locked"] is False
    assert user["exchange"] == dict(status="InProgress", status_color="orange", plan="FORFAIT_2GO",
                                    plan_name="Forfait 2 Go", reply_address="claire@boulangerie-martin.fr")


def test_request_failure_carries_its_message():
    request = proto.CortexAPI(ScriptedClient(REQUEST_GET)).get_request(46009)
    assert request["status"] == "Failed" and request["status_color"] == "red"
    assert request["message"] == "Mailbox database unavailable"
    assert request["object_type"] == "Customer Service"


def test_user_write_sends_password_block_and_never_unset_fields():
    client = ScriptedClient(b'<response version="1.0"><request><id>45001</id></request></response>')
    fields = dict(upn="claire@b.fr", password="S3cret-Pw!", password_never_expires=True)
    ids = proto.CortexAPI(client).create_user("BMS", "claire", fields)
    assert ids == [45001]
    assert client.sent[0][1] == (
        "<customer><name>BMS</name><user><name>claire</name><upn>claire@b.fr</upn>"
        "<password><password>S3cret-Pw!</password><neverexpires>True</neverexpires></password></user></customer>")


def test_lists_are_sent_whole_replace_semantics():
    client = ScriptedClient(b'<response version="1.0" />')
    assert proto.CortexAPI(client).update_tenant("BMS", dict(domains=["a.fr", "b.fr"], roles=["Exchange Users"])) == []
    assert "<domains><domain>a.fr</domain><domain>b.fr</domain></domains>" in client.sent[0][1]
    assert "<roles><role>Exchange Users</role></roles>" in client.sent[0][1]


def test_deprovision_is_a_delete_down_to_the_service():
    client = ScriptedClient(b'<response version="1.0"><request><id>7</id></request></response>')
    proto.CortexAPI(client).deprovision_mailbox("BMS", "claire_BMS")
    assert client.sent == [("DELETE", "<customer><name>BMS</name><user><name>claire_BMS</name>"
                                      "<service><name>HE</name></service></user></customer>")]


def test_an_error_inside_a_200_answer_is_raised():
    client = ScriptedClient(b'<response version="1.0"><error><id>Duplicate</id><message>taken</message></error></response>')
    with pytest.raises(CortexError) as info:
        proto.CortexAPI(client).update_user("BMS", "x_BMS", dict(enabled=False))
    assert info.value.error_ids == ["Duplicate"]


@pytest.mark.parametrize("status, color", [("NotProvisioned", "grey"), ("Requested", "yellow"),
                                           ("InProgress", "orange"), ("Provisioned", "green"), ("Failed", "red"),
                                           ("Pending", "blue")])
def test_console_colours(status, color):
    assert proto.status_color(status) == color


EMPTY = b'<response version="1.0" />'


@pytest.mark.parametrize("read, expected", [
    (lambda api: api.get_tenant("BMS"), "<customer>"),
    (lambda api: api.get_tenant_rules("BMS"), "<customer>"),
    (lambda api: api.get_user("BMS", "claire_BMS"), "<customer><user>"),
    (lambda api: api.get_tenant_exchange("BMS"), "<customer><service>"),
    (lambda api: api.get_request(46009), "<request>"),
])
def test_a_get_answered_without_its_object_is_an_error_not_an_absent_object(read, expected):
    """An empty answer to a GET is not "no such object" (that is a 400 NotFound): it must stop the run before any
    write, naming what was expected, and never be taken for an object of empty fields."""
    with pytest.raises(CortexError) as info:
        read(proto.CortexAPI(ScriptedClient(EMPTY)))
    assert expected in info.value.message and "GET" in info.value.message
    assert not proto.is_not_found(info.value)


def test_a_get_answered_with_another_object_is_an_error():
    with pytest.raises(CortexError) as info:
        proto.CortexAPI(ScriptedClient(REQUEST_GET)).get_tenant("BMS")
    assert "<customer>" in info.value.message and "'BMS'" in info.value.message


def test_an_error_in_a_200_answer_to_a_get_is_raised_with_its_id():
    client = ScriptedClient(b'<response version="1.0"><error><id>NotFound</id><message>Customer BMS could not be '
                            b'found.</message></error></response>')
    with pytest.raises(CortexError) as info:
        proto.CortexAPI(client).get_tenant("BMS")
    assert info.value.error_ids == ["NotFound"]


def test_listing_every_tenant_with_no_customer_at_all_is_an_error():
    """The account always sees its own reseller customer: an empty listing is not the CortexAPI speaking, and must
    not become an empty inventory, an empty report or a create."""
    with pytest.raises(CortexError) as info:
        proto.CortexAPI(ScriptedClient(EMPTY)).find_tenants()
    assert "no customer" in info.value.message and "FIND" in info.value.message


@pytest.mark.parametrize("filters", [dict(code="NOPE"), dict(name="Nobody SARL")])
def test_a_find_with_a_filter_may_be_empty(filters):
    assert proto.CortexAPI(ScriptedClient(EMPTY)).find_tenants(**filters) == []


def test_a_batch_get_of_every_tenant_answered_empty_is_not_taken_for_no_tenant():
    """The batch read falls back to the listing (which refuses an empty answer) rather than returning no tenant."""
    assert proto.CortexAPI(ScriptedClient(EMPTY)).get_tenants() is None
