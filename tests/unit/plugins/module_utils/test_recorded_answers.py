# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client reads answers shaped as the recorded CPSM v11 answers (public repository Fxbouffant/CPSMv11APINervoGrid):
the element order, value forms and quirks below are those facts, written here as small documents of our own."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError, parse_xml
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import (
    is_not_found, parse_property_rules, parse_request, parse_tenant, parse_tenant_exchange, parse_user, request_ids)

BOM = b"\xef\xbb\xbf"

# GET customer: detail with parent, OU, domains, locations, password policy, roles with GUIDs, then the status.
CUSTOMER = b"""<?xml version="1.0" encoding="utf-8"?>
<response version="1.0"><customer>
  <name>TC</name><id>34</id><fullname>Test Customer 1</fullname><location>Location GSP</location><billingid />
  <primarydomain>test2.local</primarydomain>
  <parent><name>DA</name><id>23</id><fullname>Demo Also</fullname><billingid /><primarydomain>a.example</primarydomain></parent>
  <contactname>Jane Doe</contactname><contactemail>jane@a.example</contactemail><address>1 Main Street</address>
  <phone /><fax /><customerou>Demo Also(DA),Customers</customerou><customeroustructure>ungrouped</customeroustructure>
  <domains><domain>test2.local</domain><domain>a.example</domain></domains>
  <locations><name>Unassigned</name></locations><departments><name>Unassigned</name></departments>
  <password><minimumlength>7</minimumlength><bannerdisplaydays>0</bannerdisplaydays>
    <changeatnextlogon>False</changeatnextlogon><allowneverexpires>False</allowneverexpires></password>
  <roles><role id="{8b218c71-0000-0000-0000-000000000001}">Customer Administrator</role>
    <role id="{3af09997-0000-0000-0000-000000000002}">Exchange Users</role></roles>
  <enabled>True</enabled><status>Provisioned</status><approvalpending>False</approvalpending>
  <properties>
    <property><name>Country</name><fullname>Country</fullname><mandatory>True</mandatory><value>Latvia</value>
      <category /><description /><sortorder>7</sortorder><visible>True</visible><readonly>False</readonly>
      <adattribute /><validation><name>Countries</name><type>SQLQueryDDL</type>
      <errormessage>A Country must be selected</errormessage>
      <options><option><name>France</name><value>FR</value></option><option><name>Latvia</name><value>LV</value></option>
      </options></validation></property>
    <property><name>ZipCode</name><fullname>Zip Code</fullname><mandatory>True</mandatory><value>LV-2167</value>
      <validation><name>Text</name><type>Text</type><errormessage /></validation></property>
    <property><name>MinimumPasswordLength</name><mandatory>False</mandatory><value>7</value>
      <validation><name>Range</name><type>RangeValidator</type><errormessage>0 - 99999</errormessage>
      <minimum>0</minimum><maximum>99999</maximum></validation></property>
  </properties>
</customer></response>"""

# GET user: the password block holds an expiry date (yyyyMMdd), never the password; roles by GUID.
USER = b"""<response version="1.0"><customer><name>TC</name><id>34</id><fullname>Test Customer 1</fullname>
  <user><name>User1_TC</name><id>113</id><fullname>User1</fullname><upn>User1_TC@test2.local</upn>
    <firstname>User1</firstname><lastname>Default Lastname</lastname><externalemail /><location>Unassigned</location>
    <department>Unassigned</department><phone /><customfield1 /><customfield2 /><expires>Never</expires>
    <legacyexchangedn /><securityquestions />
    <password><changeatnextlogon>False</changeatnextlogon><expires>20150512</expires></password>
    <addresses><address primary="True">user1_tc@test2.local</address></addresses><x500proxyaddresses />
    <roles><role id="{8b218c71-0000-0000-0000-000000000001}">Customer Administrator</role></roles>
    <locked>False</locked><enabled>True</enabled><status>Provisioned</status><approvalpending>False</approvalpending>
    <service><name>HE</name><fullname>Hosted Exchange</fullname><status>InProgress</status>
      <approvalpending>False</approvalpending><replyaddress>user1_tc@test2.local</replyaddress>
      <userpackage><name>FORFAIT_60GO_1AN</name><fullname>Forfait_60Go_1an</fullname></userpackage></service>
  </user></customer></response>"""

# GET customer HE: used is True/False, userlimit a number or Unlimited, the mixed-case UpdateEmailAddressPolicy.
EXCHANGE = b"""<response version="1.0"><customer><name>TC</name>
  <service><name>HE</name><fullname>Hosted Exchange</fullname><location>Location GSP</location>
    <userlimit>Unlimited</userlimit><isbilled>True</isbilled><status>InProgress</status>
    <approvalpending>False</approvalpending><authoritativedomains><domain>test2.local</domain></authoritativedomains>
    <domains><domain type="authoritative">test2.local</domain></domains>
    <UpdateEmailAddressPolicy>False</UpdateEmailAddressPolicy>
    <customeraddressformats><customerwide>False</customerwide><address><example>Firstname.Lastname@test2.local</example>
      <domain>test2.local</domain><pattern>%g.%s</pattern><primary>False</primary><assigned>False</assigned></address>
    </customeraddressformats>
    <version>2013</version><mailboxstoragelimit>Unlimited</mailboxstoragelimit>
    <userpackage><name>FORFAIT_2GO_2013</name><fullname>Forfait_2Go_2013</fullname><userlimit>Unlimited</userlimit>
      <used>False</used><enabled>True</enabled></userpackage>
    <userpackage><name>FORFAIT_ESSAI</name><fullname>Essai</fullname><userlimit>5</userlimit>
      <used>True</used><enabled>True</enabled></userpackage>
    <package><name>Default</name><fullname>Default</fullname><enabled>True</enabled></package>
  </service></customer></response>"""

REQUEST = b"""<response version="1.0"><request><id>46009</id><type>Object Provision</type><name />
  <description>Provision HE to Test Customer 1</description><status>Provisioned</status>
  <object><type>Customer Service</type><name>HE</name><description>Hosted Exchange - Test Customer 1</description>
  <status>Provisioned</status></object></request></response>"""


def test_a_customer_detail():
    tenant = parse_tenant(parse_xml(CUSTOMER).find("customer"))
    assert (tenant["code"], tenant["id"], tenant["name"], tenant["parent"]) == ("TC", 34, "Test Customer 1", "DA")
    assert tenant["domains"] == ["test2.local", "a.example"] and tenant["primary_domain"] == "test2.local"
    assert tenant["min_password_length"] == 7 and tenant["password_never_expires"] is False
    assert tenant["roles"] == ["Customer Administrator", "Exchange Users"]  # by name, not by GUID
    assert (tenant["country"], tenant["zip_code"]) == ("Latvia", "LV-2167")  # from <properties detail="true"/>
    assert tenant["status_color"] == "green"


def test_property_rules_from_the_metadata():
    rules = parse_property_rules(parse_xml(CUSTOMER).find("customer"))
    assert rules["Country"] == dict(mandatory=True, type="SQLQueryDDL", options=["France", "Latvia"])
    assert rules["ZipCode"]["type"] == "Text" and "pattern" not in rules["ZipCode"]
    assert (rules["MinimumPasswordLength"]["minimum"], rules["MinimumPasswordLength"]["maximum"]) == (0, 99999)


def test_a_user_detail_and_its_mailbox():
    user = parse_user(parse_xml(USER).find("customer/user"))
    assert (user["login"], user["upn"], user["first_name"], user["last_name"]) == (
        "User1_TC", "User1_TC@test2.local", "User1", "Default Lastname")
    assert user["password_never_expires"] is False  # an expiry date, not "Never"
    assert "password" not in user and user["roles"] == ["Customer Administrator"]
    assert user["exchange"] == dict(status="InProgress", status_color="orange", plan="FORFAIT_60GO_1AN",
                                    plan_name="Forfait_60Go_1an", reply_address="user1_tc@test2.local")


def test_a_customer_exchange_detail_used_is_a_boolean_and_unlimited_no_limit():
    service = parse_tenant_exchange(parse_xml(EXCHANGE).find("customer/service"))
    assert service["version"] == "2013" and service["customer_plan"] == "Default"
    assert service["user_plans"] == ["FORFAIT_2GO_2013", "FORFAIT_ESSAI"]
    plans = dict((p["name"], p) for p in service["plans"])
    assert plans["FORFAIT_2GO_2013"]["used"] is False and plans["FORFAIT_2GO_2013"]["user_limit"] is None
    assert plans["FORFAIT_ESSAI"]["used"] is True and plans["FORFAIT_ESSAI"]["user_limit"] == 5


def test_a_provisioning_request():
    request = parse_request(parse_xml(REQUEST).find("request"))
    assert (request["id"], request["status"], request["object_type"], request["object_name"]) == (
        46009, "Provisioned", "Customer Service", "HE")


def test_a_write_answered_with_an_id_or_with_nothing():
    assert request_ids(parse_xml(b'<response version="1.0"><request><id>45666</id></request></response>')) == (
        [45666], [])
    # the first recorded answer to a user create was the empty response: no id, no error
    assert request_ids(parse_xml(b'<?xml version="1.0" encoding="utf-8"?>\n<response version="1.0" />')) == ([], [])


def test_an_answer_with_a_byte_order_mark():
    root = parse_xml(BOM + b'<?xml version="1.0" encoding="utf-8"?><response version="1.0"><customer><name>DA</name>'
                     b'<id>23</id><fullname>Demo Also</fullname><billingid /><primarydomain>a.example</primarydomain>'
                     b'<status>Provisioned</status><approvalpending>False</approvalpending></customer></response>')
    assert parse_tenant(root.find("customer"))["code"] == "DA"


def test_not_found_as_the_api_guide_words_it():
    assert is_not_found(CortexError("x", 400, [("NotFound", "Customer 'X' could not be found.")]))
    assert is_not_found(CortexError("x", 400, [("1", "Customer 'XYZ' could not be found.")]))
    assert not is_not_found(CortexError("x", 400, [("PasswordTooShort", "too short")]))
    assert not is_not_found(CortexError("x", 500, [("1", "Customer 'XYZ' could not be found.")]))
