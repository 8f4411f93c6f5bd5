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
    expected = ["client: 'paul-at-example' is not a valid e-mail address", "domains: exactly one domain must be primary",
                "users[2] 'julie@boulangerie-martin.fr': the password contains the login 'julie'",
                "users[2] 'julie@boulangerie-martin.fr': the password contains 'julie' from the UPN",
                "users[3] 'luc@elsewhere.fr': the domain of", "users[4] 'claire@boulangerie-martin.fr': same UPN as users[0]",
                "users[5] 'nina@boulangerie-martin.fr': plan 'FORFAIT_99GO' is not among",
                "users[6] 'omar@boulangerie-martin.fr': password is required to create the user",
                "users[7] 'paul@boulangerie-martin.fr': unknown key(s): shoe_size"]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected), problems
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
        "tenant": {"action": "create", "request_ids": [1], "tenant": {"code": "BMS", "domains": ["x.fr", "y.fr"]}},
        "admin": {"skipped": True},
        "users": {"users": [
            {"action": "create", "request_ids": [2], "user": {"upn": "a@x.fr"}},
            {"action": "create", "request_ids": [3], "user": {"upn": "b@x.fr"}},
            {"action": "create", "failed": True, "msg": "users[2] 'c@x.fr': Duplicate: UPN taken", "request_ids": [],
             "user": {"upn": "c@x.fr"}},
            {"action": "update", "request_ids": [4], "user": {"upn": "d@x.fr"}},
            {"action": "delete", "request_ids": [5], "user": {"upn": "e@x.fr"}},
        ]},
    }
    waited = {"failures": [{"object": "user 'b@x.fr'", "request_id": 3,
                            "message": "provisioning request 3 failed (queued again 2 time(s)): AD unavailable"}]}
    plan = {"mailboxes": [{"user": "c@x.fr", "plan": "FORFAIT_2GO"}], "undescribed": ["old@x.fr"]}
    summary = onboarding_summary(steps, waited, plan)
    assert (summary["created"], summary["changed"], summary["removed"], summary["unchanged"], summary["failed"]) == \
        (2, 1, 1, 0, 3)
    assert summary["failures"] == [
        {"step": "users", "object": "user 'b@x.fr'",
         "reason": "provisioning request 3 failed (queued again 2 time(s)): AD unavailable"},
        {"step": "users", "object": "user 'c@x.fr'", "reason": "users[2] 'c@x.fr': Duplicate: UPN taken"},
        {"step": "mailboxes", "object": "mailbox of 'c@x.fr'", "reason": "not provisioned: its user failed"}]
    assert summary["lines"][0] == "tenant: 1 created (with 2 domains)"
    assert any("not in the description (kept; client_onboarding_prune removes them): old@x.fr" in line
               for line in summary["lines"])
    assert "admin" not in summary["steps"]


def test_summary_in_check_mode_says_would_be():
    steps = {"tenant": {"action": "create", "tenant": {"code": "BMS"}},
             "users": {"users": [{"action": "delete", "user": {"upn": "e@x.fr"}}]}}
    lines = onboarding_summary(steps, {}, {}, check_mode=True)["lines"]
    assert lines == ["tenant: 1 would be created", "users: 1 would be removed"]


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
        users_from_csv("prenom,nom\na,b\n")
    assert "line 1: no upn column (the header's columns: 1 first_name, 2 last_name)" in str(info.value)
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


def existing(users=(), **client):
    """What cortex_client_info returns for a client that exists (users: (upn, login, mailbox, roles))."""
    return {"found": True, "client": dict({"code": "BMS", "name": "Boulangerie Martin SARL"}, **client),
            "state": {"status": "Provisioned", "users": [
                {"upn": upn, "login": login, "status": "Provisioned", "mailbox": mailbox, "roles": roles}
                for upn, login, mailbox, roles in users]}}


def test_users_that_exist_need_no_password_and_new_ones_do():
    client = copy.deepcopy(CLIENT)
    for user in client["users"]:
        del user["password"]
    del client["admin"]["password"]
    found = existing([("claire@boulangerie-martin.fr", "claire_BMS", "Provisioned", []),
                      ("admin@boulangerie-martin.fr", "admin_BMS", "NotProvisioned", ["Customer Administrator"])])
    problems = onboarding_plan(client, found)["problems"]
    assert problems == ["users[1] 'marc@pâtisserie-martin.com': password is required to create the user "
                        "(users that exist need none)"]
    plan = onboarding_plan(client, found)
    assert "password" not in plan["users"][0] and "password" not in plan["admin"]


def test_a_new_login_taken_by_another_user_of_the_tenant_is_refused():
    client = copy.deepcopy(CLIENT)
    client["users"] = [{"upn": "contact@pâtisserie-martin.com", "password": GOOD}]
    found = existing([("contact@boulangerie-martin.fr", "contact_BMS", "Provisioned", [])])
    assert onboarding_plan(client, found)["problems"] == [
        "users[0] 'contact@pâtisserie-martin.com': login 'contact_BMS' is already used by user "
        "'contact@boulangerie-martin.fr' of the tenant: set login for this user"]
    client["users"][0]["login"] = "contact2"
    assert onboarding_plan(client, found)["problems"] == []


def test_a_code_of_another_client_is_refused_before_any_write():
    client = dict(copy.deepcopy(CLIENT), code="BMS", name="Fromagerie Dupont")
    problems = onboarding_plan(client, existing())["problems"]
    assert problems == ["client: code 'BMS' is the tenant 'Boulangerie Martin SARL', not 'Fromagerie Dupont': check "
                        "the code (to rename that tenant deliberately, set allow_rename: true)"]
    assert onboarding_plan(dict(client, allow_rename=True), existing())["problems"] == []


def test_undescribed_users_are_named_and_pruned_only_when_asked_never_the_administrator():
    client = copy.deepcopy(CLIENT)
    del client["admin"]
    found = existing([("claire@boulangerie-martin.fr", "claire_BMS", "Provisioned", []),
                      ("old1@boulangerie-martin.fr", "old1_BMS", "Provisioned", []),
                      ("old2@boulangerie-martin.fr", "old2_BMS", "NotProvisioned", []),
                      ("boss@boulangerie-martin.fr", "boss_BMS", "NotProvisioned", ["Customer Administrator"])])
    kept = onboarding_plan(client, found)
    assert kept["undescribed"] == ["boss@boulangerie-martin.fr", "old1@boulangerie-martin.fr",
                                   "old2@boulangerie-martin.fr"]
    assert kept["pruned"] == [] and kept["mailbox_removals"] == []
    pruned = onboarding_plan(client, found, prune=True)
    assert pruned["problems"] == []
    assert pruned["pruned"] == ["old1@boulangerie-martin.fr", "old2@boulangerie-martin.fr"]
    assert pruned["undescribed"] == ["boss@boulangerie-martin.fr"]
    assert pruned["mailbox_removals"] == [{"user": "old1@boulangerie-martin.fr", "state": "absent"}]
    assert {"upn": "old2@boulangerie-martin.fr", "state": "absent"} in pruned["users"]
    limited = onboarding_plan(client, found, prune=True, prune_max=1)
    assert limited["problems"] == ["client_onboarding_prune: 2 users of the tenant are not in the description, more "
                                   "than client_onboarding_prune_max=1; nothing was removed: "
                                   "old1@boulangerie-martin.fr, old2@boulangerie-martin.fr"]


def test_a_user_marked_absent_is_removed_with_its_mailbox_first():
    client = copy.deepcopy(CLIENT)
    client["users"][0] = {"upn": "claire@boulangerie-martin.fr", "state": "absent"}
    plan = onboarding_plan(client, existing([("claire@boulangerie-martin.fr", "claire_BMS", "Provisioned", [])]))
    assert plan["problems"] == []
    assert plan["users"][0] == {"upn": "claire@boulangerie-martin.fr", "state": "absent"}
    assert plan["mailbox_removals"] == [{"user": "claire@boulangerie-martin.fr", "state": "absent"}]
    assert onboarding_plan(client)["users"][0]["upn"] == "marc@xn--ptisserie-martin-wmb.com"  # gone: nothing to do


@pytest.mark.parametrize("change, fragment", [
    ({"min_password_length": 0}, "min_password_length must be between 8"),
    ({"min_password_length": 300}, "min_password_length must be between 8"),
    ({"zip_code": 512}, "zip_code must be text: quote it"),
    ({"zip_code": "6900"}, "zip_code '6900' is not a postal code of France (five digits)"),
    ({"city": "Lyon\n3e"}, "city holds a control or bidirectional-override character"),
    ({"domains": [{"name": "☃.net", "primary": True}]}, "is not a valid internationalised name"),
    ({"users": [{"upn": "zoé@boulangerie-martin.fr", "password": GOOD}]}, "(for example 'zoe@boulangerie-martin.fr')"),
    ({"users": [{"upn": "a&b@boulangerie-martin.fr", "password": GOOD}]}, "may hold only ASCII letters"),
    ({"users": [{"upn": "x@boulangerie-martin.fr", "login": "-x", "password": GOOD}]}, "may not start with '-'"),
    ({"users": [{"upn": "x@boulangerie-martin.fr", "login": "hélène", "password": GOOD}]}, "non-ASCII characters"),
    ({"users": [{"upn": "x@boulangerie-martin.fr", "password": ["Sunny", "Bakery-42"]}]}, "password must be text"),
    ({"users": [{"upn": "x@boulangerie-martin.fr", "first_name": "A\tB", "password": GOOD}]}, "first_name holds a control"),
])
def test_inputs_that_used_to_be_accepted_wrongly_are_refused(change, fragment):
    client = dict(copy.deepcopy(CLIENT), **change)
    problems = onboarding_plan(client)["problems"]
    assert any(fragment in p for p in problems), problems
    assert not any("Bakery" in p for p in problems)


def test_the_catalogue_of_this_cortex_is_checked_before_any_write():
    catalog = {"countries": ["France", "Belgium"], "roles": ["Customer Administrator"],
               "exchange": {"versions": ["2010", "2013"],
                            "customer_plans": [{"name": "Default", "versions": ["2010", "2013"]}],
                            "user_plans": [{"name": "FORFAIT_2GO", "versions": ["2010"], "user_limit": None},
                                           {"name": "FORFAIT_10GO", "versions": ["2010"], "user_limit": 1}]}}
    client = dict(copy.deepcopy(CLIENT), country="Frence", roles=["Customer Administrator", "Chief Baker"])
    client["exchange"] = {"version": "2016", "customer_plan": "Default", "user_plans": ["FORFAIT_2GO", "FORFAIT_99GO"]}
    problems = onboarding_plan(client, catalog=catalog)["problems"]
    for fragment in ("country 'Frence' is not one this Cortex knows", "not offered by this Cortex: Chief Baker",
                     "version 2016 is not offered", "user plan 'FORFAIT_99GO' is not offered"):
        assert any(fragment in p for p in problems), (fragment, problems)
    client = copy.deepcopy(CLIENT)
    client["users"] += [{"upn": "u%d@boulangerie-martin.fr" % i, "password": GOOD, "plan": "FORFAIT_10GO"}
                        for i in range(2)]
    assert any("plan 'FORFAIT_10GO': 2 new mailbox(es) asked, 0 used, limit 1" in p
               for p in onboarding_plan(client, catalog=catalog)["problems"])


def test_one_user_can_have_its_password_reset_while_the_others_keep_theirs():
    client = copy.deepcopy(CLIENT)
    client["users"][0]["update_password"] = "always"
    plan = onboarding_plan(client, update_password="on_create")
    assert plan["problems"] == []
    assert [u["update_password"] for u in plan["users"]] == ["always", "on_create"]
    client["users"][1]["update_password"] = "sometimes"
    assert "users[1] 'marc@pâtisserie-martin.com': update_password must be on_create or always" in \
        onboarding_plan(client)["problems"]


def test_a_password_reset_without_a_password_is_refused_naming_the_user():
    client = copy.deepcopy(CLIENT)
    found = existing([(u["upn"], u["upn"].split("@")[0] + "_BMS", "Provisioned", []) for u in client["users"]])
    for u in client["users"]:
        del u["password"]
    assert onboarding_plan(client, found)["problems"] == []
    client["users"][0]["update_password"] = "always"
    problems = onboarding_plan(client, found)["problems"]
    assert any("'%s'" % client["users"][0]["upn"] in p and "update_password: always" in p for p in problems)


def test_a_user_listed_by_cortex_with_its_domain_in_unicode_is_the_described_one_and_never_pruned():
    client = copy.deepcopy(CLIENT)
    found = existing([(u["upn"], u["upn"].split("@")[0] + "_BMS", "Provisioned", []) for u in client["users"]])
    plan = onboarding_plan(client, found, prune=True)
    assert plan["problems"] == [] and [u for u in plan["users"] if u.get("state") == "absent"] == []
    assert plan["undescribed"] == []


@pytest.mark.parametrize("text, value", [("no", False), ("false", False), ("yes", True), ("true", True), ("0", False)])
def test_booleans_written_as_text_mean_what_they_say(text, value):
    """allow_rename: "false" must not rename; primary: "no" must not make a domain primary."""
    client = copy.deepcopy(CLIENT)
    client["allow_rename"] = text
    client["domains"][1]["primary"] = text
    client["users"][0]["enabled"] = text
    plan = onboarding_plan(client)
    if value:
        assert any("exactly one domain must be primary" in p for p in plan["problems"])
    else:
        assert plan["problems"] == []
        assert plan["tenant"]["primary_domain"] == "boulangerie-martin.fr"
    assert plan["tenant"]["allow_rename"] is value
    assert plan["users"][0]["enabled"] is value


def test_a_code_typo_with_allow_rename_as_text_false_is_still_refused():
    client = dict(copy.deepcopy(CLIENT), code="BMS", name="Fromagerie Martin", allow_rename="no")
    problems = onboarding_plan(client, existing())["problems"]
    assert any("code 'BMS' is the tenant 'Boulangerie Martin SARL', not 'Fromagerie Martin'" in p for p in problems)


def test_values_of_the_wrong_type_are_problems_never_a_crash():
    client = copy.deepcopy(CLIENT)
    client["name"] = 123
    client["min_password_length"] = "12"
    client["users"][0]["login"] = 1234
    client["users"][1]["first_name"] = {"a": 1}
    client["exchange"]["user_plans"] = "FORFAIT_2GO"
    client["allow_rename"] = "perhaps"
    client["domains"].append(42)
    plan = onboarding_plan(client)
    problems = plan["problems"]
    assert "users[1] 'marc@pâtisserie-martin.com': first_name must be text, not a mapping" in problems
    assert not any("user_plans" in p or "user plan 'F'" in p for p in problems)  # one name: a list of one, as a
    assert plan["exchange"]["user_plans"] == ["FORFAIT_2GO"]                      # list option takes it
    assert "client: allow_rename must be true or false, not 'perhaps'" in problems
    assert "domains[2]: must be a domain name or a mapping with name and primary" in problems
    assert not any("name" in p and "123" in p for p in problems)  # a number is a valid name, as text
    assert plan["tenant"]["name"] == "123" and plan["tenant"]["min_password_length"] == 12
    assert plan["users"][0]["login"] == "1234"
    assert GOOD not in str(problems)


def test_a_new_client_named_as_an_existing_tenant_with_none_of_its_domains_is_refused():
    """Found by name only (no code): a different client with the same name would take the tenant over."""
    found = existing(domains=[{"name": "fromagerie-dupont.fr", "primary": True}], name="Boulangerie Martin SARL")
    problems = onboarding_plan(copy.deepcopy(CLIENT), found)["problems"]
    assert any("a tenant named 'Boulangerie Martin SARL' exists (code BMS) and holds none of the domains asked for"
               in p and "give code: BMS" in p for p in problems)
    client = copy.deepcopy(CLIENT)
    client["domains"].append({"name": "fromagerie-dupont.fr"})
    assert onboarding_plan(client, found)["problems"] == []


def test_an_administrator_role_the_tenant_would_not_allow_is_refused_before_any_write():
    client = copy.deepcopy(CLIENT)
    client["admin"]["roles"] = ["Customer Admin"]
    problems = onboarding_plan(client, catalog={"roles": ["Customer Administrator", "Help Desk"]})["problems"]
    assert "admin 'admin@boulangerie-martin.fr': roles not allowed for the client: Customer Admin" in problems
    client["admin"]["roles"] = ["customer administrator"]
    assert onboarding_plan(client, catalog={"roles": ["Customer Administrator"]})["problems"] == []


def test_dropping_a_user_plan_that_mailboxes_are_on_is_refused_before_any_write():
    found = existing(domains=[{"name": "boulangerie-martin.fr", "primary": True}],
                     exchange={"version": "2010", "customer_plan": "Default",
                               "user_plans": ["FORFAIT_2GO", "FORFAIT_10GO"]},
                     code="BMS")
    found["client"]["users"] = [{"upn": "claire@boulangerie-martin.fr", "plan": "FORFAIT_2GO"},
                                {"upn": "jo@boulangerie-martin.fr", "plan": "FORFAIT_10GO"}]
    client = copy.deepcopy(CLIENT)
    client["exchange"]["user_plans"] = ["FORFAIT_2GO"]
    problems = onboarding_plan(client, found)["problems"]
    assert any(p.startswith("exchange: user plan 'FORFAIT_10GO' is dropped from user_plans but 1 mailbox(es) are on "
                            "it") for p in problems)
    found["catalog"] = {"used": {"forfait_2go": 1, "forfait_10go": 7}}  # counted by cortex_client_info
    assert any("'FORFAIT_10GO' is dropped from user_plans but 7 mailbox(es)" in p
               for p in onboarding_plan(client, found)["problems"])
    client["exchange"]["user_plans"] = ["FORFAIT_2GO", "FORFAIT_10GO"]
    assert not any("dropped" in p for p in onboarding_plan(client, found)["problems"])


def test_the_summary_names_the_client_by_its_code_even_when_cortex_refused_to_create_it():
    refused = {"tenant": {"failed": True, "msg": "Cortex refused: domain already in use", "action": "create"}}
    summary = onboarding_summary(refused, plan={"code": None})
    assert summary["code"] == "(no code yet)" and summary["failed"] == 1
    made = {"tenant": {"changed": True, "action": "create", "tenant": {"code": "LM", "domains": ["lm.fr"]}}}
    assert onboarding_summary(made, plan={"code": None})["code"] == "LM"
    assert onboarding_summary({}, plan={"code": "BMS"})["code"] == "BMS"


def test_roles_given_as_one_text_are_a_list_and_wrong_types_never_leak_internal_names():
    client = copy.deepcopy(CLIENT)
    client["roles"] = "Customer Administrator, Help Desk"
    client["admin"]["roles"] = "Customer Administrator"
    plan = onboarding_plan(client)
    assert plan["problems"] == [] and plan["tenant"]["roles"] == ["Customer Administrator", "Help Desk"]
    client["name"] = ["a", "list"]
    problems = onboarding_plan(client)["problems"]
    assert problems == ["client: name must be text, not a list"]  # not also "missing name"


def test_the_administrators_roles_are_checked_also_when_they_are_the_default_or_none_is_allowed():
    client = copy.deepcopy(CLIENT)
    client["roles"] = ["Exchange Service Administrator"]  # the default Customer Administrator is not among them
    assert "admin 'admin@boulangerie-martin.fr': roles not allowed for the client: Customer Administrator" in \
        onboarding_plan(client)["problems"]
    client["roles"] = []  # explicitly none
    assert "admin 'admin@boulangerie-martin.fr': roles not allowed for the client: Customer Administrator" in \
        onboarding_plan(client)["problems"]


def test_a_described_login_other_than_the_existing_users_is_refused_before_any_write():
    client = copy.deepcopy(CLIENT)
    client["users"][0]["login"] = "cdubois"
    found = existing([("claire@boulangerie-martin.fr", "claire_BMS", "Provisioned", [])], code="BMS")
    assert "users[0] 'claire@boulangerie-martin.fr': login is 'claire_BMS' and cannot change (asked: 'cdubois')" in \
        onboarding_plan(client, found)["problems"]
    client["users"][0]["login"] = "Claire"
    assert onboarding_plan(client, found)["problems"] == []


def test_a_same_name_tenant_of_another_client_gives_one_problem_not_its_users_and_plans():
    found = existing([("admin@boulangerie-martin.fr", "admin_BMS", "Provisioned", [])],
                     domains=[{"name": "fromagerie-dupont.fr", "primary": True}],
                     exchange={"version": "2010", "customer_plan": "Default", "user_plans": ["FORFAIT_25GO"]})
    found["client"]["users"] = [{"upn": "jo@fromagerie-dupont.fr", "plan": "FORFAIT_25GO"}]
    problems = onboarding_plan(copy.deepcopy(CLIENT), found)["problems"]
    assert len(problems) == 1 and "holds none of the domains asked for" in problems[0]


def test_prune_with_no_user_described_removes_nobody():
    """A header-only CSV or an emptied list must not wipe a client's users, even under prune_max."""
    client = copy.deepcopy(CLIENT)
    client["users"] = []
    found = existing([("claire@boulangerie-martin.fr", "claire_BMS", "Provisioned", []),
                      ("marc@boulangerie-martin.fr", "marc_BMS", "Provisioned", [])])
    plan = onboarding_plan(client, found, prune=True)
    assert any(p.startswith("client_onboarding_prune: the description lists no user") for p in plan["problems"])
    client["users"] = [{"upn": "claire@boulangerie-martin.fr"}]
    plan = onboarding_plan(client, found, prune=True)
    assert plan["problems"] == [] and plan["pruned"] == ["marc@boulangerie-martin.fr"]
