# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client plan (module_utils/cortex_plan.py): identity, every step's actions and every rule, from a snapshot."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_plan import plan_client, plan_offboarding

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
CATALOG = {"partner": "DEMO", "countries": ["France", "Belgium"],
           "roles": ["Customer Administrator", "Help Desk", "Exchange Users"],
           "exchange": {"versions": ["2010", "2013"],
                        "customer_plans": [{"name": "Default", "versions": ["2010", "2013"], "user_limit": None}],
                        "user_plans": [{"name": "FORFAIT_2GO", "versions": ["2010", "2013"], "user_limit": None},
                                       {"name": "FORFAIT_10GO", "versions": ["2010", "2013"], "user_limit": None},
                                       {"name": "FORFAIT_ESSAI", "versions": ["2010", "2013"], "user_limit": 2},
                                       {"name": "FORFAIT_60GO_1AN", "versions": ["2013"], "user_limit": None}]}}


def user(upn, login, plan=None, roles=(), status="Provisioned", **fields):
    """A user as read in detail, with its mailbox."""
    found = dict(upn=upn, login=login, first_name=fields.pop("first_name", None),
                 last_name=fields.pop("last_name", None), display_name=fields.pop("display_name", None),
                 roles=list(roles), enabled=True, password_never_expires=False, status=status,
                 exchange=dict(status="Provisioned", plan=plan) if plan else dict(status="NotProvisioned"))
    found.update(fields)
    return found


def tenant(code="BMS", name="Boulangerie Martin SARL", domains=("boulangerie-martin.fr", "xn--ptisserie-martin-wmb.com"),
           **fields):
    found = dict(code=code, name=name, contact_name="Paul Martin", contact_email="paul@boulangerie-martin.fr",
                 address="12 rue des Lilas", city="Lyon", zip_code="69003", country="France",
                 primary_domain=domains[0], domains=list(domains), min_password_length=8, password_never_expires=True,
                 roles=["Customer Administrator", "Help Desk", "Exchange Users"], status="Provisioned")
    found.update(fields)
    return found


def snapshot(current=None, users=(), exchange=None, others=(), held=None, catalog=None):
    """What cortex_client_info (snapshot: true) returns: the partner DEMO first, then the other customers."""
    listing = [dict(code="DEMO", name="Demo Partner")] + [dict(code=c, name=n) for c, n in others]
    if current is not None:
        listing.append(dict(code=current["code"], name=current["name"]))
    return dict(partner="DEMO", tenants=listing, tenant=current, users=list(users), catalog=CATALOG if catalog is None
                else catalog, held=held or {},
                exchange=exchange or dict(status="NotProvisioned"))


def exchange(plans=("FORFAIT_2GO", "FORFAIT_10GO"), version="2010", limits=None):
    return dict(status="Provisioned", version=version, customer_plan="Default", user_plans=list(plans),
                plans=[dict(name=p, enabled=True, user_limit=(limits or {}).get(p)) for p in plans])


def existing_client():
    """The client of CLIENT as Cortex holds it once onboarded."""
    return snapshot(tenant(), [user("admin@boulangerie-martin.fr", "admin_BMS", roles=["Customer Administrator"],
                                    first_name="Paul", last_name="Martin", display_name="Paul Martin"),
                               user("claire@boulangerie-martin.fr", "claire_BMS", "FORFAIT_2GO", first_name="Claire",
                                    last_name="Dubois", display_name="Claire Dubois"),
                               user("marc@xn--ptisserie-martin-wmb.com", "marc_BMS", first_name="Marc",
                                    last_name="Petit", display_name="Marc Petit")],
                    exchange())


def problems_of(client, snap=None, **options):
    return plan_client(client, snap, **options)["problems"]


# -- a new client ------------------------------------------------------------------------------------------------------

def test_a_new_client_is_planned_step_by_step_with_a_predicted_code():
    plan = plan_client(copy.deepcopy(CLIENT), snapshot(others=[("BMS", "Bière Maison Sàrl")]))
    assert plan["problems"] == []
    assert plan["code"] == "BMS2"  # BMS is taken: Cortex appends a number
    assert plan["tenant"]["action"] == "create" and plan["tenant"]["primary_domain"] == "boulangerie-martin.fr"
    assert plan["tenant"]["domains"] == ["xn--ptisserie-martin-wmb.com"]
    assert plan["admin"]["action"] == "create" and plan["admin"]["roles"] == ["Customer Administrator"]
    assert plan["exchange"] == dict(version="2010", customer_plan="Default", user_plans=["FORFAIT_2GO", "FORFAIT_10GO"],
                                    action="create")
    assert [u["upn"] for u in plan["users"]] == ["claire@boulangerie-martin.fr", "marc@xn--ptisserie-martin-wmb.com"]
    assert plan["mailboxes"] == [dict(user="claire@boulangerie-martin.fr", plan="FORFAIT_2GO")]
    assert [(o["object"], o["action"]) for o in plan["objects"]] == [
        ("tenant 'BMS2'", "create"), ("user 'admin@boulangerie-martin.fr'", "create"),
        ("Hosted Exchange of tenant 'BMS2'", "create"), ("user 'claire@boulangerie-martin.fr'", "create"),
        ("user 'marc@xn--ptisserie-martin-wmb.com'", "create"), ("mailbox of 'claire@boulangerie-martin.fr'", "create")]


def test_every_problem_is_listed_with_its_object_and_no_password_appears():
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
    problems = problems_of(client)
    expected = ["client: 'paul-at-example' is not a valid e-mail address", "domains: exactly one domain must be primary",
                "users[2] 'julie@boulangerie-martin.fr': the password contains the login 'julie'",
                "users[2] 'julie@boulangerie-martin.fr': the password contains 'julie' from the UPN",
                "users[3] 'luc@elsewhere.fr': the domain of", "users[4] 'claire@boulangerie-martin.fr': same UPN as users[0]",
                "users[5] 'nina@boulangerie-martin.fr': plan 'FORFAIT_99GO' is not enabled on tenant",
                "users[6] 'omar@boulangerie-martin.fr': password is required to create a user",
                "users[7] 'paul@boulangerie-martin.fr': unknown key(s): shoe_size"]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected), problems
    assert not any("Julie-2026!" in p or GOOD in p for p in problems)


def test_missing_fields_are_named_as_the_tenant_module_names_them():
    problems = problems_of({"name": "X Y", "domains": ["x.fr"]})
    assert any("contact_name, contact_email, address, city, zip_code, country required to create the tenant" in p
               for p in problems), problems


def test_two_new_users_whose_default_logins_collide_are_refused_naming_both():
    client = copy.deepcopy(CLIENT)
    client["users"] = [{"upn": "contact@boulangerie-martin.fr", "password": GOOD},
                       {"upn": "contact@pâtisserie-martin.com", "password": GOOD},
                       {"upn": "info@pâtisserie-martin.com", "login": "contact2", "password": GOOD},
                       {"upn": "admin@pâtisserie-martin.com", "password": GOOD}]
    problems = problems_of(client)
    assert "users[1] 'contact@pâtisserie-martin.com': login 'contact_BMS' is also the login of users[0] " \
           "'contact@boulangerie-martin.fr': set login for one of them" in problems
    assert "users[3] 'admin@pâtisserie-martin.com': login 'admin_BMS' is also the login of admin " \
           "'admin@boulangerie-martin.fr': set login for one of them" in problems
    assert not any(p.startswith("users[2]") for p in problems)


# -- an existing client: the plan is a no-op when nothing changed ---------------------------------------------------

def test_an_onboarded_client_described_again_is_unchanged_and_needs_no_password():
    client = copy.deepcopy(CLIENT)
    for entry in client["users"] + [client["admin"]]:
        entry.pop("password")
    plan = plan_client(client, existing_client())
    assert plan["problems"] == []
    assert plan["tenant"]["action"] is None and plan["admin"]["action"] is None and plan["exchange"]["action"] is None
    assert plan["steps"] == dict(users=[], mailboxes=[]) and plan["objects"] == [] and not plan["work"]
    assert plan["unchanged"] == 6 and plan["unchanged_by_step"] == dict(tenant=1, admin=1, exchange=1, users=2,
                                                                        mailboxes=1)
    assert len(plan["users"]) == 2 and len(plan["mailboxes"]) == 1  # every described one, as in 1.0


def test_a_changed_name_and_a_moved_mailbox_are_the_only_actions():
    client = copy.deepcopy(CLIENT)
    client["users"][0].update(last_name="Martin", plan="FORFAIT_10GO")
    plan = plan_client(client, existing_client())
    assert plan["problems"] == []
    assert [(u["upn"], u.get("last_name")) for u in plan["steps"]["users"]] == [("claire@boulangerie-martin.fr", "Martin")]
    assert plan["steps"]["mailboxes"] == [dict(user="claire@boulangerie-martin.fr", plan="FORFAIT_10GO")]


def test_a_new_login_taken_by_another_user_of_the_tenant_is_refused():
    client = copy.deepcopy(CLIENT)
    client["users"] = [{"upn": "contact@pâtisserie-martin.com", "password": GOOD}]
    snap = snapshot(tenant(), [user("contact@boulangerie-martin.fr", "contact_BMS")], exchange())
    assert "users[0] 'contact@pâtisserie-martin.com': login 'contact_BMS' is already used by user " \
           "'contact@boulangerie-martin.fr': set login to another name for this user" in problems_of(client, snap)
    client["users"][0]["login"] = "contact2"
    assert not any(p.startswith("users[0]") for p in problems_of(client, snap))


def test_a_described_login_other_than_the_existing_users_is_refused():
    client = copy.deepcopy(CLIENT)
    client["users"][0]["login"] = "cdubois"
    assert "users[0] 'claire@boulangerie-martin.fr': login is 'claire_BMS' and cannot change (asked: 'cdubois')" in \
        problems_of(client, existing_client())
    client["users"][0]["login"] = "Claire"
    assert problems_of(client, existing_client()) == []


# -- identity, on every path ---------------------------------------------------------------------------------------

def test_a_code_of_another_client_is_refused_unless_renaming_is_asked():
    client = dict(copy.deepcopy(CLIENT), code="BMS", name="Fromagerie Dupont")
    assert problems_of(client, existing_client()) == [
        "client: code 'BMS' is the tenant 'Boulangerie Martin SARL', not 'Fromagerie Dupont': check the code, or set "
        "allow_rename: true to rename that tenant"]
    assert problems_of(dict(client, allow_rename=True), existing_client()) == []
    assert problems_of(dict(client, allow_rename="no"), existing_client()) != []


def test_a_new_code_with_the_full_name_of_another_client_is_refused_before_the_create():
    client = dict(copy.deepcopy(CLIENT), code="BMNEW")
    snap = snapshot(others=[("BMS", "Boulangerie Martin SARL")])
    assert any("the full name 'Boulangerie Martin SARL' is already the tenant BMS's (another client)" in p
               for p in problems_of(client, snap))


def test_a_same_name_tenant_holding_none_of_the_domains_is_another_client():
    other = tenant(domains=("fromagerie-dupont.fr",))
    snap = snapshot(other, [user("jo@fromagerie-dupont.fr", "jo_BMS", "FORFAIT_25GO")], exchange(["FORFAIT_25GO"]))
    problems = problems_of(copy.deepcopy(CLIENT), snap)
    assert len(problems) == 1 and "holds none of the domains asked for" in problems[0] and "give code: BMS" in problems[0]
    client = copy.deepcopy(CLIENT)
    client["domains"].append({"name": "fromagerie-dupont.fr"})
    assert problems_of(client, snap) == [] or not any("holds none" in p for p in problems_of(client, snap))


@pytest.mark.parametrize("change", [{"code": "DEMO"}, {"code": "demo", "name": "Whatever"}, {"name": "Demo Partner"}])
def test_the_partners_own_customer_is_never_a_client(change):
    problems = problems_of(dict(copy.deepcopy(CLIENT), **change), snapshot())
    assert any("the partner's own (reseller) customer" in p for p in problems), problems


# -- the overlay: what earlier steps will make is what later steps are checked against ------------------------------

def test_passwords_are_checked_against_the_tenants_own_minimum_length_when_the_description_omits_it():
    client = copy.deepcopy(CLIENT)
    client["users"].append({"upn": "zoe@boulangerie-martin.fr", "password": "Short-Pw-9"})  # 10 characters
    snap = existing_client()
    snap["tenant"]["min_password_length"] = 12
    assert "users[2] 'zoe@boulangerie-martin.fr': the password is shorter than 12 characters" in problems_of(client, snap)
    client["min_password_length"] = 10  # lowered by this run: its users are checked against the new rule
    assert not any(p.startswith("users[2]") for p in problems_of(client, snap))


def test_users_on_a_domain_the_run_adds_are_checked_against_the_planned_domains():
    client = copy.deepcopy(CLIENT)
    client["domains"].append({"name": "martin-traiteur.fr"})
    client["users"].append({"upn": "chef@martin-traiteur.fr", "password": GOOD})
    plan = plan_client(client, existing_client())
    assert plan["problems"] == [] and plan["tenant"]["action"] == "update"
    assert [u["upn"] for u in plan["steps"]["users"]] == ["chef@martin-traiteur.fr"]


def test_never_expiring_passwords_follow_the_tenant_as_planned():
    client = copy.deepcopy(CLIENT)
    client["password_never_expires"] = False
    client["users"][1]["password_never_expires"] = True
    assert any("password_never_expires needs the tenant to allow" in p for p in problems_of(client))


# -- half-writes knowable before the first write --------------------------------------------------------------------

def test_an_exchange_version_change_on_a_provisioned_tenant_is_refused_with_the_rest():
    client = copy.deepcopy(CLIENT)
    client["exchange"]["version"] = "2013"
    client["contact_name"] = "Someone Else"
    problems = problems_of(client, existing_client())
    assert "exchange: version is 2010 and cannot change once provisioned (asked: 2013)" in problems


def test_allowed_roles_that_drop_a_role_a_user_holds_are_refused():
    client = dict(copy.deepcopy(CLIENT), roles=["Exchange Users"])
    problems = problems_of(client, existing_client())
    assert any("roles drops 'Customer Administrator', which 1 user(s) hold (admin@boulangerie-martin.fr)" in p
               for p in problems), problems


def test_mailboxes_moved_into_a_limited_plan_count_against_its_limit():
    snap = existing_client()
    snap["exchange"] = exchange(["FORFAIT_2GO", "FORFAIT_10GO", "FORFAIT_ESSAI"], limits={"FORFAIT_ESSAI": 2})
    snap["users"].append(user("jo@boulangerie-martin.fr", "jo_BMS", "FORFAIT_ESSAI"))
    client = copy.deepcopy(CLIENT)
    client["exchange"]["user_plans"].append("FORFAIT_ESSAI")
    client["users"][0]["plan"] = "FORFAIT_ESSAI"  # moved from FORFAIT_2GO
    client["users"][1]["plan"] = "FORFAIT_ESSAI"  # new
    client["users"].append({"upn": "jo@boulangerie-martin.fr", "plan": "FORFAIT_ESSAI"})
    assert "plan 'FORFAIT_ESSAI': 2 new mailbox(es) asked, 1 used, limit 2 (a mailbox moved into the plan counts as " \
        "new)" in problems_of(client, snap)


def test_dropping_a_user_plan_that_mailboxes_are_on_is_refused():
    client = copy.deepcopy(CLIENT)
    client["exchange"]["user_plans"] = ["FORFAIT_10GO"]
    client["users"][0]["plan"] = "FORFAIT_10GO"
    assert any(p.startswith("exchange: user plans still used by mailboxes cannot be dropped: FORFAIT_2GO (1 mailbox")
               for p in problems_of(client, existing_client()))


def test_the_catalogue_of_this_cortex_is_checked():
    client = dict(copy.deepcopy(CLIENT), country="Frence", roles=["Customer Administrator", "Chief Baker"])
    client["exchange"] = {"version": "2016", "customer_plan": "Default", "user_plans": ["FORFAIT_2GO", "FORFAIT_99GO"]}
    problems = problems_of(client, snapshot())
    for fragment in ("country 'Frence' is not one this Cortex knows", "not offered by this Cortex: Chief Baker",
                     "version 2016 is not offered", "user plan 'FORFAIT_99GO' is not offered"):
        assert any(fragment in p for p in problems), (fragment, problems)
    client = copy.deepcopy(CLIENT)
    client["exchange"]["user_plans"].append("FORFAIT_ESSAI")
    client["users"] += [{"upn": "u%d@boulangerie-martin.fr" % i, "password": GOOD, "plan": "FORFAIT_ESSAI"}
                        for i in range(3)]
    assert "plan 'FORFAIT_ESSAI': 3 new mailbox(es) asked, 0 used, limit 2 (a mailbox moved into the plan counts as " \
        "new)" in problems_of(client, snapshot())


def test_a_domain_another_client_holds_is_refused():
    snap = snapshot(held={"xn--ptisserie-martin-wmb.com": "PMX"})
    assert "domains[1] 'pâtisserie-martin.com': already a domain of client PMX" in \
        problems_of(copy.deepcopy(CLIENT), snap)


# -- removals and prune ----------------------------------------------------------------------------------------------

def test_a_user_marked_absent_is_removed_with_its_mailbox_and_a_gone_one_is_nothing_to_do():
    client = copy.deepcopy(CLIENT)
    client["users"][0] = {"upn": "claire@boulangerie-martin.fr", "state": "absent"}
    plan = plan_client(client, existing_client())
    assert plan["problems"] == []
    assert plan["steps"]["users"] == [dict(upn="claire@boulangerie-martin.fr", state="absent")]
    assert plan["mailbox_removals"] == [dict(user="claire@boulangerie-martin.fr", state="absent")]
    removed = [o for o in plan["objects"] if o["action"] == "delete"]
    assert removed == [dict(step="users", object="user 'claire@boulangerie-martin.fr'", action="delete", mailbox=True)]
    assert plan_client(client)["users"][0]["upn"] == "marc@xn--ptisserie-martin-wmb.com"  # gone: nothing to do


def undescribed():
    snap = existing_client()
    snap["users"] += [user("old1@boulangerie-martin.fr", "old1_BMS", "FORFAIT_2GO"),
                      user("old2@boulangerie-martin.fr", "old2_BMS"),
                      user("boss@boulangerie-martin.fr", "boss_BMS", roles=["Customer Administrator"])]
    return snap


def test_undescribed_users_are_named_and_pruned_only_when_asked_never_an_administrator():
    client = copy.deepcopy(CLIENT)
    kept = plan_client(client, undescribed())
    assert kept["undescribed"] == ["boss@boulangerie-martin.fr", "old1@boulangerie-martin.fr",
                                   "old2@boulangerie-martin.fr"] and kept["pruned"] == []
    pruned = plan_client(client, undescribed(), prune=True)
    assert pruned["problems"] == []
    assert pruned["pruned"] == ["old1@boulangerie-martin.fr", "old2@boulangerie-martin.fr"]
    assert pruned["undescribed"] == ["boss@boulangerie-martin.fr"]
    assert dict(upn="old2@boulangerie-martin.fr", state="absent") in pruned["users"]
    limited = plan_client(client, undescribed(), prune=True, prune_max=1)
    assert limited["problems"] == ["client_onboarding_prune: 2 users of the tenant are not in the description, more "
                                   "than client_onboarding_prune_max=1; nothing was removed: "
                                   "old1@boulangerie-martin.fr, old2@boulangerie-martin.fr"]


@pytest.mark.parametrize("users", [[], [{"upn": "claire@boulangerie-martin.fr", "state": "absent"}]])
def test_prune_removes_nobody_when_the_description_lists_no_user_to_keep(users):
    """An emptied list, a header-only CSV, or only users marked absent: pruning would remove every user."""
    client = dict(copy.deepcopy(CLIENT), users=users)
    plan = plan_client(client, undescribed(), prune=True, prune_max=100)
    assert any(p.startswith("client_onboarding_prune: the description lists no user to keep") for p in plan["problems"])
    assert [u for u in plan["steps"]["users"] if u["upn"] != "claire@boulangerie-martin.fr"] == []


# -- types: what a survey or -e gives -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [("no", False), ("false", False), ("yes", True), ("true", True), ("0", False)])
def test_booleans_written_as_text_mean_what_they_say(text, value):
    client = copy.deepcopy(CLIENT)
    client["allow_rename"] = text
    client["domains"][1]["primary"] = text
    client["users"][0]["enabled"] = text
    plan = plan_client(client)
    if value:
        assert any("exactly one domain must be primary" in p for p in plan["problems"])
    else:
        assert plan["problems"] == [] and plan["tenant"]["primary_domain"] == "boulangerie-martin.fr"
        assert plan["users"][0]["enabled"] is value
    assert plan["tenant"]["allow_rename"] is value


def test_values_of_the_wrong_type_are_problems_never_a_crash_nor_a_type_name():
    client = copy.deepcopy(CLIENT)
    client["name"] = 123
    client["min_password_length"] = "12"
    client["users"][0]["login"] = 1234
    client["users"][1]["first_name"] = {"a": 1}
    client["exchange"]["user_plans"] = "FORFAIT_2GO"
    client["allow_rename"] = "perhaps"
    client["domains"].append(42)
    plan = plan_client(client)
    problems = plan["problems"]
    assert "users[1] 'marc@pâtisserie-martin.com': first_name must be text, not a mapping" in problems
    assert plan["exchange"]["user_plans"] == ["FORFAIT_2GO"]
    assert "client: allow_rename must be true or false, not text" in problems
    assert "domains[2] '42': must be a mapping, not a number" in problems
    assert plan["tenant"]["name"] == "123" and plan["tenant"]["min_password_length"] == 12
    assert plan["users"][0]["login"] == "1234"
    assert not any("_Ansible" in p or "int" in p.split() for p in problems)


@pytest.mark.parametrize("change, fragment", [
    ({"min_password_length": 0}, "min_password_length must be between 8"),
    ({"zip_code": 512}, "zip_code must be text: quote it"),
    ({"zip_code": "6900"}, "zip_code '6900' is not a postal code of France (five digits)"),
    ({"city": "Lyon\n3e"}, "city holds a control or bidirectional-override character"),
    ({"domains": [{"name": "☃.net", "primary": True}]}, "is not a valid internationalised name"),
    ({"users": [{"upn": "zoé@boulangerie-martin.fr", "password": GOOD}]}, "(for example 'zoe@boulangerie-martin.fr')"),
    ({"users": [{"upn": "x@boulangerie-martin.fr", "login": "-x", "password": GOOD}]}, "may not start with '-'"),
    ({"users": [{"upn": "x@boulangerie-martin.fr", "password": ["Sunny", "Bakery-42"]}]}, "password must be text"),
    ({"users": [{"upn": "x@boulangerie-martin.fr", "display_name": "Bob\u202eevil", "password": GOOD}]},
     "display_name holds a control or bidirectional-override character"),
])
def test_bad_values_are_refused(change, fragment):
    problems = problems_of(dict(copy.deepcopy(CLIENT), **change))
    assert any(fragment in p for p in problems), problems
    assert not any("Bakery" in p for p in problems)


def test_an_administrator_role_the_tenant_would_not_allow_is_refused():
    client = copy.deepcopy(CLIENT)
    client["admin"]["roles"] = ["Customer Admin"]
    assert any(p.startswith("admin 'admin@boulangerie-martin.fr': roles not allowed on tenant") for p in
               problems_of(client, snapshot()))
    client["roles"] = ["Exchange Users"]  # the default Customer Administrator is not among them
    del client["admin"]["roles"]
    assert any("roles not allowed" in p and "Customer Administrator" in p for p in problems_of(client, snapshot()))


# -- offboarding resolves the client the same way -------------------------------------------------------------------

def test_offboarding_finds_the_client_by_code_and_needs_the_confirmation():
    snap = existing_client()
    plan = plan_offboarding({"code": "BMS"}, snap, confirm="BMS")
    assert plan["problems"] == [] and plan["found"] and plan["mailboxes"] == 1 and plan["exchange"]
    assert [u["upn"] for u in plan["users"]] == ["admin@boulangerie-martin.fr", "claire@boulangerie-martin.fr",
                                                 "marc@xn--ptisserie-martin-wmb.com"]
    assert "set client_offboarding_confirm=BMS" in plan_offboarding({"code": "BMS"}, snap)["problems"][0]


def test_offboarding_by_name_takes_no_other_client_of_that_name():
    snap = snapshot(tenant(domains=("fromagerie-dupont.fr",)), [user("jo@fromagerie-dupont.fr", "jo_BMS")])
    plan = plan_offboarding({"name": "Boulangerie Martin SARL", "domains": ["boulangerie-martin.fr"]}, snap,
                            confirm="BMS")
    assert not plan["found"] and "holds none of the domains asked for" in plan["problems"][0]
    plan = plan_offboarding({"name": "Boulangerie Martin SARL"}, snap, confirm="BMS")
    assert not plan["found"] and "could be another client" in plan["problems"][0]


@pytest.mark.parametrize("client", [{"code": "DEMO"}, {"name": "Demo Partner", "domains": ["demo-partner.fr"]}])
def test_offboarding_never_removes_the_partners_own_customer(client):
    plan = plan_offboarding(client, snapshot(), confirm="DEMO")
    assert not plan["found"] and "the partner's own (reseller) customer" in plan["problems"][0]
