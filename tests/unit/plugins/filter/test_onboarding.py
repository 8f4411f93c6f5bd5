# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onboarding filters: the whole-client check, the summary, the CSV reader."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.cloudforyou.cortex.plugins.filter.onboarding import (
    offboarding_plan, onboarding_plan, onboarding_summary, users_from_csv)

GOOD = "Sunny-Bakery-42"
CLIENT = {
    "name": "Boulangerie Martin SARL", "contact_name": "Paul Martin", "contact_email": "paul@boulangerie-martin.fr",
    "address": "12 rue des Lilas", "city": "Lyon", "zip_code": "69003", "country": "France",
    "password_never_expires": True,
    "domains": [{"name": "boulangerie-martin.fr", "primary": True}, {"name": "pâtisserie-martin.com"}],
    "admin": {"upn": "admin@boulangerie-martin.fr", "first_name": "Paul", "last_name": "Martin", "password": GOOD},
    "exchange": {"version": 2010, "customer_plan": "Default", "user_plans": ["FORFAIT_2GO", "FORFAIT_10GO"]},
    "users": [{"upn": "claire@boulangerie-martin.fr", "first_name": "Claire", "last_name": "Dubois",
               "password": GOOD, "plan": "FORFAIT_2GO"},
              {"upn": "marc@pâtisserie-martin.com", "first_name": "Marc", "last_name": "Petit", "password": GOOD}],
}


def test_a_good_client_is_split_into_module_inputs():
    plan = onboarding_plan(copy.deepcopy(CLIENT))
    assert plan["problems"] == []
    assert plan["tenant"]["primary_domain"] == "boulangerie-martin.fr"
    assert plan["domains"][1] == {"name": "xn--ptisserie-martin-wmb.com", "primary": False}
    assert plan["admin"]["roles"] == ["Customer Administrator"]
    assert plan["exchange"]["version"] == "2010"
    assert [u["upn"] for u in plan["users"]] == ["claire@boulangerie-martin.fr", "marc@xn--ptisserie-martin-wmb.com"]
    assert all("plan" not in u for u in plan["users"])
    assert plan["mailboxes"] == [{"user": "claire@boulangerie-martin.fr", "plan": "FORFAIT_2GO"}]


def test_every_problem_is_listed_and_no_password_appears():
    client = copy.deepcopy(CLIENT)
    client["domains"][1]["primary"] = True
    client["contact_email"] = "paul-at-example"
    client["users"] += [
        {"upn": "julie@boulangerie-martin.fr", "password": "Julie-2026!"},
        {"upn": "luc@elsewhere.fr", "password": GOOD},
        {"upn": "claire@boulangerie-martin.fr", "password": GOOD},
        {"upn": "nina@boulangerie-martin.fr", "password": GOOD, "plan": "FORFAIT_99GO"},
        {"upn": "omar@boulangerie-martin.fr"},
        {"upn": "paul@boulangerie-martin.fr", "password": GOOD, "shoe_size": 42},
    ]
    problems = onboarding_plan(client)["problems"]
    expected = ["client contact_email", "domains: exactly one domain must be primary",
                "users[2] 'julie@boulangerie-martin.fr': the password contains the login 'julie'",
                "users[2] 'julie@boulangerie-martin.fr': the password contains 'julie' from the UPN",
                "users[3] 'luc@elsewhere.fr': the domain of", "users[4] 'claire@boulangerie-martin.fr': same UPN as users[0]",
                "users[5] 'nina@boulangerie-martin.fr': plan 'FORFAIT_99GO' is not among",
                "users[6] 'omar@boulangerie-martin.fr': password is required",
                "users[7] 'paul@boulangerie-martin.fr': unknown key(s): shoe_size"]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected)
    assert not any("Julie-2026!" in p or GOOD in p for p in problems)


def test_single_domain_is_primary_and_missing_fields_are_named():
    plan = onboarding_plan({"name": "X Y", "domains": ["x.fr"]})
    assert plan["domains"] == [{"name": "x.fr", "primary": True}]
    assert any("missing contact_name, contact_email, address, city, zip_code, country" in p for p in plan["problems"])


def test_plans_need_an_exchange_section():
    client = copy.deepcopy(CLIENT)
    del client["exchange"]
    assert any("no exchange section" in p for p in onboarding_plan(client)["problems"])


def test_not_a_dict_is_an_error():
    with pytest.raises(AnsibleFilterError):
        onboarding_plan(["not", "a", "client"])


def test_summary_counts_and_names_failures():
    steps = {
        "tenant": {"action": "create", "request_ids": [1], "tenant": {"code": "BMS"}},
        "domains": {"action": "none", "request_ids": []},
        "admin": {"skipped": True},
        "users": {"users": [
            {"action": "create", "request_ids": [2], "user": {"upn": "a@x.fr"}},
            {"action": "create", "request_ids": [3], "user": {"upn": "b@x.fr"}},
            {"action": "create", "failed": True, "msg": "users[2] 'c@x.fr': Duplicate: UPN taken", "request_ids": [],
             "user": {"upn": "c@x.fr"}},
            {"action": "update", "request_ids": [4], "user": {"upn": "d@x.fr"}},
        ]},
    }
    waited = {"requests": [{"id": 1, "status": "Provisioned"}, {"id": 2, "status": "Provisioned"},
                           {"id": 3, "status": "Failed", "message": "AD unavailable"}, {"id": 4, "status": "Provisioned"}]}
    summary = onboarding_summary(steps, waited)
    assert (summary["created"], summary["changed"], summary["unchanged"], summary["failed"]) == (2, 1, 1, 2)
    assert summary["failures"] == [
        {"step": "users", "object": "b@x.fr", "reason": "provisioning request 3 failed: AD unavailable"},
        {"step": "users", "object": "c@x.fr", "reason": "users[2] 'c@x.fr': Duplicate: UPN taken"}]
    assert summary["lines"][0] == "tenant: 1 created"
    assert "admin" not in summary["steps"]


def test_offboarding_plan_deprovisions_only_existing_mailboxes():
    users = [{"upn": "a@x.fr", "exchange": {"status": "Provisioned"}}, {"upn": "b@x.fr", "exchange": {"status": "NotProvisioned"}}]
    assert offboarding_plan(users) == {"mailboxes": [{"user": "a@x.fr", "state": "absent"}],
                                       "users": [{"upn": "a@x.fr", "state": "absent"}, {"upn": "b@x.fr", "state": "absent"}]}


def test_csv_with_french_headers_semicolons_bom_and_quotes():
    text = ("\ufeffPrénom;Nom;Nom complet;Identifiant;Mot de passe;Forfait\r\n"
            "Claire;Dubois;\"Dubois; Claire\";claire@x.fr;Pw-1;FORFAIT_2GO\r\n"
            "Marc;Petit;;marc@x.fr;Pw-2;\r\n")
    assert users_from_csv(text) == [
        {"first_name": "Claire", "last_name": "Dubois", "display_name": "Dubois; Claire", "upn": "claire@x.fr",
         "password": "Pw-1", "plan": "FORFAIT_2GO"},
        {"first_name": "Marc", "last_name": "Petit", "upn": "marc@x.fr", "password": "Pw-2"}]


def test_csv_with_english_headers_in_another_order():
    text = "UPN,Plan,First Name,Last Name,Password\nclaire@x.fr,FORFAIT_2GO,Claire,Dubois,Pw-1\n"
    assert users_from_csv(text) == [{"upn": "claire@x.fr", "plan": "FORFAIT_2GO", "first_name": "Claire",
                                     "last_name": "Dubois", "password": "Pw-1"}]


def test_csv_without_upn_column_is_an_error():
    with pytest.raises(AnsibleFilterError) as info:
        users_from_csv("name,mail\na,b\n")
    assert "no UPN column" in str(info.value)
    assert users_from_csv("") == []


def test_two_users_whose_default_logins_collide_are_refused_naming_both():
    """contact@ on both domains has one default login: the second create would change the first user."""
    client = copy.deepcopy(CLIENT)
    client["users"] = [{"upn": "contact@boulangerie-martin.fr", "password": GOOD},
                       {"upn": "contact@pâtisserie-martin.com", "password": GOOD},
                       {"upn": "info@pâtisserie-martin.com", "login": "contact2", "password": GOOD},
                       {"upn": "admin@pâtisserie-martin.com", "password": GOOD}]
    problems = onboarding_plan(client)["problems"]
    assert "users[1] 'contact@pâtisserie-martin.com': login 'contact_BMS' is also the login of users[0] " \
           "'contact@boulangerie-martin.fr': set login for one of them" in problems
    assert "users[3] 'admin@pâtisserie-martin.com': login 'admin_BMS' is also the login of admin " \
           "'admin@boulangerie-martin.fr': set login for one of them" in problems
    assert not any(p.startswith("users[2]") for p in problems)
