# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules


@pytest.mark.parametrize("password, expected", [
    ("Sunny-Bakery-42", []),
    ("ALLUPPER12!", []),
    ("Ab1!", ["shorter than 8"]),
    ("a" * 250 + "B1!cdefg", ["longer than 256"]),
    ("alllowercase", ["3 of"]),
    ("ALLUPPER123", ["3 of"]),
])
def test_password_length_and_classes(password, expected):
    problems = rules.password_problems(password)
    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected):
        assert fragment in problem


def test_password_minimum_follows_the_tenant():
    assert rules.password_problems("Ab1!xyz", min_length=6) == []
    assert "shorter than 10" in rules.password_problems("Ab1!xyzabc"[:9], min_length=10)[0]


def test_password_may_not_contain_login_or_name_tokens():
    upn = "claire.dubois@boulangerie-martin.fr"
    assert "login 'cdubois'" in rules.password_problems("Xcdubois-2026", login="cdubois")[0]
    assert "'dubois' from the UPN" in rules.password_problems("Dubois-2026!", upn=upn)[0]
    assert "from the display name" in rules.password_problems("Zorro#2026x", display_name="Don Zorro")[0]
    # Tokens of fewer than 3 characters are allowed, and the check ignores case.
    assert rules.password_problems("Fr-Lyon-2026!", upn="al@x.fr") == []
    assert rules.password_problems("BOULANGERIE-2026x", upn=upn)[0].endswith("from the UPN")


def test_password_messages_never_echo_the_password():
    secret = "secretpw"
    for problem in rules.password_problems(secret, login="bob", upn="bob@example.fr"):
        assert secret not in problem


@pytest.mark.parametrize("name, ascii_name", [
    ("Example.FR", "example.fr"),
    ("café.fr", "xn--caf-dma.fr"),
    ("boulangerie-martin.fr.", "boulangerie-martin.fr"),
    ("Bücher.example", "xn--bcher-kva.example"),
])
def test_domains_are_normalized_to_punycode(name, ascii_name):
    assert rules.normalize_domain(name) == ascii_name
    assert rules.domain_problems(name) == []


@pytest.mark.parametrize("name, fragment", [
    ("localhost", "two labels"),
    ("bad_label.fr", "bad label"),
    ("-lead.fr", "bad label"),
    ("a..fr", "empty label"),
    ("example.123", "numeric"),
    ("x" * 64 + ".fr", "bad label"),
])
def test_bad_domains_are_refused(name, fragment):
    problems = rules.domain_problems(name)
    assert len(problems) == 1 and fragment in problems[0]


def test_upn_domain_must_belong_to_the_tenant():
    assert rules.upn_problems("a@b.fr", {"b.fr"}) == []
    assert "not one of the tenant's domains" in rules.upn_problems("a@c.fr", {"b.fr"})[0]
    assert "name@domain" in rules.upn_problems("no-at-sign")[0]
    assert rules.normalize_upn("Claire@Café.fr") == "Claire@xn--caf-dma.fr"


def test_login_suffix_and_length():
    assert rules.stored_login("claire", "BMS") == "claire_BMS"
    assert rules.stored_login("claire_bms", "BMS") == "claire_bms"
    assert rules.login_problems("claire.dubois", "BMS") == []
    assert "21 characters" in rules.login_problems("jean-christophe.d", "BMS")[0]
    assert "not allowed" in rules.login_problems("a/b")[0]
    # The default login is shortened so that login_CODE fits.
    login = rules.default_login("jean-christophe.delacroix@x.fr", "BMS")
    assert login == "jean-christophe." .rstrip(".") and len(rules.stored_login(login, "BMS")) <= 20


def test_codes_names_and_emails():
    assert rules.code_problems("BMS") == []
    assert rules.code_problems("B-M") and rules.code_problems("x" * 21)
    assert rules.full_name_problems("Boulangerie Martin SARL") == []
    assert "(not \"'\")" in rules.full_name_problems("L'Atelier")[0]
    assert rules.email_problems("paul@boulangerie-martin.fr") == []
    assert rules.email_problems("paul@") != []


@pytest.mark.parametrize("name, code", [
    ("Boulangerie Martin SARL", "BMS"),
    ("Test Customer 1", "TC"),
    ("Élise et Fils", "EEF"),
    ("123 456", "C"),
])
def test_generated_code(name, code):
    assert rules.generated_code(name) == code


def test_an_idn_listed_in_unicode_is_the_same_name_as_its_punycode():
    from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_catalog import domains_in_use
    from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_schema import Field
    assert rules.domain_key("Pâtisserie-Martin.fr") == rules.domain_key("xn--ptisserie-martin-wmb.fr")
    assert rules.upn_key("Zoe@Pâtisserie-Martin.fr") == rules.upn_key("zoe@xn--ptisserie-martin-wmb.fr")
    assert rules.upn_key("not a upn") == "not a upn"
    assert not Field("upn", "upn").differs("zoe@pâtisserie-martin.fr", "ZOE@xn--ptisserie-martin-wmb.fr")
    assert Field("upn", "upn").differs("zoe@pâtisserie-martin.fr", "zoe@patisserie-martin.fr")
    assert not Field("domains", "domain_set").differs(["pâtisserie-martin.fr", "a.fr"], ["A.fr", "xn--ptisserie-martin-wmb.fr"])

    class API(object):
        def get_tenants(self):
            return [dict(code="OTHER", domains=["Pâtisserie-Martin.fr"]), dict(code="BMS", domains=["own.fr"])]
    assert domains_in_use(API(), own="BMS") == {"xn--ptisserie-martin-wmb.fr": "OTHER"}


def test_plans_used_counts_provisioned_mailboxes_per_plan_as_the_description_does():
    from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_catalog import count_plans, plans_used

    class API(object):
        def get_users(self, code, with_exchange=False, properties=False):
            return [dict(exchange=dict(plan="FORFAIT_2GO", status="Provisioned")),
                    dict(exchange=dict(plan="Forfait_2GO", status="Failed")),
                    dict(exchange=dict(plan="FORFAIT_10GO", status="NotProvisioned")), dict()]
    catalog = {"exchange": {"user_plans": [{"name": "FORFAIT_2GO"}]}}
    assert plans_used(API(), "BMS", catalog) == {"forfait_2go": 2}
    assert count_plans([{"plan": "FORFAIT_2GO"}, {"plan": "forfait_2go"}, {"upn": "x"}]) == {"forfait_2go": 2}
    assert plans_used(API(), "BMS", {}) == {}
