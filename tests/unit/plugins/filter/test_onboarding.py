# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onboarding filters: thin adapters of the client plan (tested in module_utils/test_cortex_plan.py), the summary
of a run from the plan's objects, the CSV reader."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

try:  # ansible-core 2.19: a template given as text must be marked trusted to be rendered
    from ansible.template import trust_as_template as trusted
except ImportError:
    def trusted(text):
        return text

from ansible_collections.cloudforyou.cortex.plugins.filter.onboarding import (
    client_domains, fleet_summary, offboarding_plan, onboarding_jobs, onboarding_plan, onboarding_step,
    onboarding_summary, users_from_csv)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_results import pack


def test_not_a_dict_is_an_error():
    with pytest.raises(AnsibleFilterError):
        onboarding_plan(["not", "a", "client"])


def test_the_adapters_take_the_snapshot_of_cortex_client_info():
    client = {"name": "Atelier X", "code": "AX", "domains": ["ax.fr"]}
    assert onboarding_plan(client, {"found": False, "snapshot": {"partner": "DEMO", "tenants": []}})["code"] == "AX"
    refused = offboarding_plan({"code": "DEMO"}, {"snapshot": {"partner": "DEMO", "tenants": [{"code": "DEMO"}]}}, "DEMO")
    assert not refused["found"] and "partner's own" in refused["problems"][0]
    assert client_domains({"domains": ["a.fr", {"name": "b.fr", "primary": True}, {"primary": True}, 42]}) == \
        ["a.fr", "b.fr"]


def test_a_packed_snapshot_plans_as_the_snapshot_and_no_text_is_templated_again():
    """cortex_client_info packed=true gives the snapshot as one JSON text: the same plan; and a plan's texts (read
    from Cortex, or from the description, already templated once) are never templated by a later task."""
    snapshot = {"partner": "DEMO", "tenants": [{"code": "DEMO", "name": "Demo"}, {"code": "AX", "name": "Atelier X"}],
                "tenant": {"code": "AX", "name": "Atelier X", "status": "Provisioned", "primary_domain": "ax.fr",
                           "domains": ["ax.fr"]},
                "exchange": {"status": "NotProvisioned"},
                "users": [{"upn": "{{ 7 * 6 }}@ax.fr", "login": "x_AX", "roles": [], "status": "Provisioned",
                           "exchange": {"status": "NotProvisioned"}}]}
    client = {"name": "Atelier X", "code": "AX", "domains": ["ax.fr"], "users": [{"upn": "a@ax.fr"}]}
    plain = onboarding_plan(client, {"found": True, "snapshot": snapshot})
    packed = onboarding_plan(client, {"found": True, "snapshot_json": json.dumps(snapshot)})
    assert packed == plain and packed["undescribed"] == ["{{ 7 * 6 }}@ax.fr"]
    templar = Templar(loader=DataLoader(), variables={"plan": packed})
    assert templar.template(trusted("{{ plan.undescribed[0] }}")) == "{{ 7 * 6 }}@ax.fr"
    gone = offboarding_plan({"code": "AX"}, {"snapshot_json": json.dumps(snapshot)}, "AX")
    assert gone["found"] and gone["users"] == [{"upn": "{{ 7 * 6 }}@ax.fr", "state": "absent"}]


def objects(*items):
    return [dict(step=step, object=name, action=action, **extra) for step, name, action, extra in
            [item + ({},) if len(item) == 3 else item for item in items]]


PLAN = {"code": "BMS", "undescribed": ["old@x.fr"], "unchanged_by_step": {"admin": 1}, "objects": objects(
    ("tenant", "tenant 'BMS'", "create", {"domains": 2}),
    ("users", "user 'a@x.fr'", "create"), ("users", "user 'b@x.fr'", "create"), ("users", "user 'c@x.fr'", "create"),
    ("users", "user 'd@x.fr'", "update"), ("users", "user 'e@x.fr'", "delete", {"mailbox": True}),
    ("mailboxes", "mailbox of 'a@x.fr'", "create"), ("mailboxes", "mailbox of 'c@x.fr'", "create"))}
STEPS = {
    "tenant": {"action": "create", "request_ids": [1], "tenant": {"code": "BMS", "domains": ["x.fr", "y.fr"]}},
    "admin": {"skipped": True},
    "users": {"jobs": [{}], "users": [
        {"action": "create", "request_ids": [2], "user": {"upn": "a@x.fr"}},
        {"action": "create", "request_ids": [3], "user": {"upn": "b@x.fr"}},
        {"action": "create", "failed": True, "msg": "users[2] 'c@x.fr': Duplicate: UPN taken", "request_ids": [],
         "user": {"upn": "c@x.fr"}},
        {"action": "update", "request_ids": [4], "user": {"upn": "d@x.fr"}},
        {"action": "delete", "request_ids": [5], "user": {"upn": "e@x.fr"}}]},
    "mailboxes": {"jobs": [{}], "mailboxes": [{"action": "create", "request_ids": [6], "service": {"user": "a@x.fr"}}]},
}


def test_the_summary_gives_each_object_of_the_plan_one_outcome():
    waited = {"summary": {}, "failures": [{"object": "user 'b@x.fr'", "request_id": 3,
                                           "message": "provisioning request 3 failed (queued again 2 time(s)): AD down"}]}
    summary = onboarding_summary(STEPS, waited, PLAN)
    assert (summary["created"], summary["changed"], summary["removed"], summary["unchanged"], summary["failed"]) == \
        (3, 1, 2, 1, 3)  # the removed user's mailbox is counted with it
    assert summary["failures"] == [
        {"step": "users", "object": "user 'b@x.fr'", "reason": "provisioning request 3 failed (queued again 2 time(s)): "
                                                               "AD down"},
        {"step": "users", "object": "user 'c@x.fr'", "reason": "users[2] 'c@x.fr': Duplicate: UPN taken"},
        {"step": "mailboxes", "object": "mailbox of 'c@x.fr'", "reason": "not provisioned: its user failed"}]
    assert summary["objects"]["user 'e@x.fr'"] == "removed" and "user 'boss@x.fr'" not in summary["objects"]
    assert summary["steps"]["admin"]["unchanged"] == 1
    assert "users: 1 created, 1 changed, 1 removed (with 1 mailbox), 2 failed" in summary["lines"]
    assert summary["lines"][0] == "tenant: 1 created (with 2 domains)"
    assert any("not in the description (kept; client_onboarding_prune removes them): old@x.fr" in line
               for line in summary["lines"])


def test_packed_plan_and_results_give_the_same_summary():
    """The role plans with packed=true and its bulk steps return packed lists: the same outcomes, object by object."""
    waited = {"summary": {}, "jobs": [{"id": 2}], "failures": [{"object": "user 'b@x.fr'", "message": "AD down"}]}
    expected = onboarding_summary(STEPS, waited, PLAN)
    packed_steps = dict((step, pack(dict(result))) for step, result in STEPS.items())
    assert "users_json" in packed_steps["users"] and "users" not in packed_steps["users"]
    packed_plan = dict(PLAN, steps={"users": [], "mailboxes": []})
    from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_plan import pack_plan
    pack_plan(packed_plan)
    assert "objects" not in packed_plan and packed_plan["step_sizes"] == {"users": 0, "mailboxes": 0}
    assert onboarding_summary(packed_steps, pack(dict(waited)), packed_plan) == expected
    assert expected["failed"] == 3


def plain_full(client, snapshot):
    return onboarding_plan(client, {"snapshot": snapshot})


def test_a_step_is_given_its_items_as_text_without_the_mailboxes_of_failed_users():
    client = {"name": "Atelier X", "code": "AX", "domains": ["ax.fr"],
              "admin": {"upn": "boss@ax.fr", "first_name": "B", "last_name": "O", "password": "Sunny-Bakery-42",
                        "plan": "P1"},
              "exchange": {"version": "2010", "customer_plan": "Default", "user_plans": ["P1"]},
              "users": [{"upn": "%s@ax.fr" % name, "first_name": name, "last_name": "X", "password": "Sunny-Bakery-42",
                         "plan": "P1"} for name in ("ann", "bob")]}
    snapshot = {"partner": "DEMO", "tenants": [{"code": "DEMO", "name": "Demo"}],
                "catalog": {"versions": ["2010"], "customer_plans": ["Default"], "user_plans": ["P1"]}}
    plain = onboarding_plan(client, {"snapshot": snapshot}, full=False)
    packed = onboarding_plan(client, {"snapshot": snapshot}, full=False, packed=True)
    assert packed["step_sizes"] == {"users": 2, "mailboxes": 3} and "steps" not in packed
    assert json.loads(packed["objects_json"]) == plain["objects"]
    for plan in (plain, packed):
        assert json.loads(onboarding_step(plan, "users")) == plain["steps"]["users"]
        assert json.loads(onboarding_step(plan, "mailboxes")) == plain["steps"]["mailboxes"]
        users = pack({"users": [{"user": {"upn": "ann@ax.fr"}, "action": "create"},
                                {"user": {"upn": "BOB@ax.fr"}, "action": "create", "failed": True, "msg": "refused"}]})
        left = json.loads(onboarding_step(plan, "mailboxes", users, {"failed": True, "msg": "boss refused"}))
        assert [m["user"] for m in left] == ["ann@ax.fr"]
        users["summary"] = {"total": 2, "failed": 1, "create": 2}
        left = json.loads(onboarding_step(plan, "mailboxes", users, {"changed": True}))
        assert [m["user"] for m in left] == ["boss@ax.fr", "ann@ax.fr"]
        # a users step whose summary counts no failure: its items are not read, the plan's mailboxes are all given
        fine = pack({"users": [{"user": {"upn": "ann@ax.fr"}, "action": "create"}],
                     "summary": {"total": 1, "failed": 0, "create": 1}})
        assert json.loads(onboarding_step(plan, "mailboxes", fine, {"changed": True})) == plain["steps"]["mailboxes"]
    assert onboarding_step(packed, "mailboxes", fine, {"changed": True}) == packed["steps_json"]["mailboxes"]
    with pytest.raises(AnsibleFilterError):
        onboarding_step(packed, "tenant")
    # users given as one text (the users_csv lookup, packed) are planned after the description's, as if listed there
    more = [{"upn": "cyd@ax.fr", "first_name": "Cyd", "last_name": "X", "password": "Sunny-Bakery-42", "plan": "P1"}]
    listed = dict(client, users=client["users"] + more)
    assert onboarding_plan(client, {"snapshot": snapshot}, users_json=json.dumps(more)) == \
        onboarding_plan(listed, {"snapshot": snapshot})
    assert onboarding_plan(client, {"snapshot": snapshot}, users_json=more) == onboarding_plan(listed, {"snapshot": snapshot})
    assert onboarding_plan(client, {"snapshot": snapshot}, users_json="[]") == plain_full(client, snapshot)
    bad = onboarding_plan(dict(client, users=None), {"snapshot": snapshot}, users_json=json.dumps(more + more))
    assert any("cyd@ax.fr" in problem and "same UPN" in problem for problem in bad["problems"])
    with pytest.raises(AnsibleFilterError, match="users_json must be a JSON list"):
        onboarding_plan(client, {"snapshot": snapshot}, users_json='{"upn": "x"}')


def test_the_jobs_of_several_steps_are_one_text():
    jobs = onboarding_jobs([{"jobs": [{"id": 1}]}, {"skipped": True}, pack({"jobs": [{"id": 2}, {"id": 3}]}), {}])
    assert json.loads(jobs) == [{"id": 1}, {"id": 2}, {"id": 3}]
    assert onboarding_jobs([{"skipped": True}]) == "[]"
    # packed texts are joined as they are, empty ones left out; a list handed on by Ansible (2.16-2.18) is taken too
    joined = onboarding_jobs([pack({"jobs": []}), {"jobs_json": ' [{"id": 4}] '}, {"jobs_json": [{"id": 5}]},
                              pack({"jobs": [{"id": 6, "ref": {"upn": "a,b]"}}]})])
    assert json.loads(joined) == [{"id": 4}, {"id": 5}, {"id": 6, "ref": {"upn": "a,b]"}}]
    with pytest.raises(AnsibleFilterError):
        onboarding_jobs({"jobs": []})


def test_the_texts_handed_to_the_next_task_stay_texts_through_a_template():
    """A template whose result is one of these texts gives the text back, on every ansible-core: before 2.19,
    Ansible reads a text that looks like a list back into a list (seconds for 20,000 jobs) unless it is marked as
    its own filters mark theirs. The unit tests run on 2.16, 2.17 and 2.18 too (tools/checks/matrix.sh)."""
    texts = [onboarding_jobs([pack({"jobs": [{"id": 1}]}), {"jobs": [{"id": 2, "ref": {"upn": "{{ 7 * 6 }}@ax.fr"}}]}]),
             onboarding_step(onboarding_plan({"name": "Atelier X", "code": "AX", "domains": ["ax.fr"],
                                              "users": [{"upn": "a@ax.fr", "first_name": "A", "last_name": "B",
                                                         "password": "Pw-Xq7-9a"}]},
                                             {"snapshot": {"partner": "DEMO", "tenants": []}}, packed=True), "users")]
    for text in texts:
        assert text.startswith("[{")
        for template in ("{{ text }}", "{{ again }}"):  # the text, and a variable whose value is a template giving it
            templar = Templar(loader=DataLoader(), variables={"text": text, "again": trusted("{{ text }}")})
            handed = templar.template(trusted(template))
            assert isinstance(handed, str) and handed == text  # and never templated: "{{ 7 * 6 }}" stays


def test_objects_the_wait_did_not_confirm_are_failures_not_successes():
    """wait_timeout reached, or Cortex unreachable: every object still in progress is counted, by name."""
    waited = {"summary": {"pending": 2}, "failures": [
        {"object": "user 'a@x.fr'", "pending": True, "message": "still InProgress after wait_timeout=30s"},
        {"object": "mailbox of 'a@x.fr'", "pending": True, "message": "not confirmed, still InProgress: unreachable"}]}
    summary = onboarding_summary(STEPS, waited, PLAN)
    assert summary["objects"]["user 'a@x.fr'"] == "failed" and summary["objects"]["mailbox of 'a@x.fr'"] == "failed"
    crashed = onboarding_summary(STEPS, {"failed": True, "msg": "boom"}, PLAN)
    assert crashed["objects"]["user 'd@x.fr'"] == "failed" and crashed["created"] == 1  # only the tenant: waited for
    never = onboarding_summary(STEPS, {}, PLAN)  # the run stopped before the wait
    assert never["objects"]["user 'a@x.fr'"] == "failed"
    assert "not confirmed: the run stopped before waiting" in never["failures"][0]["reason"]


def test_the_summary_in_check_mode_says_would_be_and_needs_no_wait():
    steps = {"tenant": {"action": "create", "tenant": {"code": "BMS"}},
             "users": {"users": [{"action": "delete", "user": {"upn": "e@x.fr"}}]}}
    plan = {"code": "BMS", "pruned": ["e@x.fr"],
            "objects": objects(("tenant", "tenant 'BMS'", "create"), ("users", "user 'e@x.fr'", "delete"))}
    lines = onboarding_summary(steps, {}, plan, check_mode=True)["lines"]
    assert lines == ["tenant: 1 would be created", "users: 1 would be removed",
                     "pruned (not in the description) - would be removed: e@x.fr"]


def test_the_summary_names_the_client_by_its_code_even_when_cortex_refused_to_create_it():
    plan = {"code": None, "objects": objects(("tenant", "tenant 'X'", "create"))}
    refused = {"tenant": {"failed": True, "msg": "Cortex refused: domain already in use", "action": "create"}}
    summary = onboarding_summary(refused, plan=plan)
    assert summary["code"] == "(no code yet)" and summary["failed"] == 1
    made = {"tenant": {"changed": True, "action": "create", "tenant": {"code": "LM", "domains": ["lm.fr"]}}}
    assert onboarding_summary(made, plan=plan)["code"] == "LM"
    assert onboarding_summary({}, plan={"code": "BMS"})["code"] == "BMS"


def test_the_fleet_summary_gives_a_refused_clients_reason_and_says_would_be_in_check_mode():
    lines = fleet_summary({"A": {"created": 3, "changed": 0, "removed": 0, "failed": 0},
                           "B": {"refused": ["client: 'x' is not a valid e-mail address"], "failed": 1},
                           "C": None}, check_mode=True)
    assert lines[0].startswith("Fleet [check mode: nothing written]: 3 client(s) - 1 would be onboarded or changed")
    assert "FAILED B: refused before any write: client: 'x' is not a valid e-mail address" in lines
    lines = fleet_summary({"bakery": {"created": 3, "code": "BMS", "code_given": False},
                           "BMS2": {"created": 3, "code": "BMS2", "code_given": False},
                           "ANY": {"created": 3, "code": "XY", "code_given": True}})
    assert lines[1:] == ["WARNING bakery: its cortex_client has no code and its tenant's code is BMS: add 'code: BMS' "
                         "to its file (host_vars/bakery.yml), or name the host BMS, so that every run and the inventory "
                         "plugin find it by its code"]


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


def test_the_1_0_forms_of_the_plan_filters_still_work():
    """Deprecated, removed in 2.0.0: a cortex_client_info result without snapshot, a catalogue apart, a users list."""
    client = {"name": "Atelier X", "code": "AX", "domains": ["ax.fr"], "users": [{"upn": "a@ax.fr"}]}
    found = {"found": True, "client": {"code": "AX", "name": "Atelier X", "domains": [{"name": "ax.fr", "primary": True}]},
             "state": {"status": "Provisioned", "users": [{"upn": "a@ax.fr", "login": "a_AX", "mailbox": "Provisioned"}]}}
    plan = onboarding_plan(client, found, catalog={"roles": ["Customer Administrator"]})
    assert plan["problems"] == [] and plan["code"] == "AX" and plan["exists"]
    assert offboarding_plan([{"upn": "a@ax.fr", "exchange": {"status": "Provisioned"}}]) == {
        "mailboxes": [{"user": "a@ax.fr", "state": "absent"}], "users": [{"upn": "a@ax.fr", "state": "absent"}]}
