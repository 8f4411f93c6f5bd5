# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cortex_user through the reconcile engine, with the CortexAPI faked in memory."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_module
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError, CortexOutcomeUnknown
from ansible_collections.cloudforyou.cortex.plugins.modules import cortex_user

SECRET = "Sunny-Bakery-42"


class FakeAPI(object):
    """A tenant BMS with one domain, users kept in a dict, requests answered from a table."""

    def __init__(self):
        self.tenant = dict(code="BMS", status="Provisioned", domains=["boulangerie-martin.fr"],
                           primary_domain="boulangerie-martin.fr", min_password_length=8,
                           password_never_expires=False, roles=["Customer Administrator"])
        self.users = {}
        self.writes = []
        self.request_status = {}
        self.lose_answer = 0  # how many next writes lose their answer after being applied
        self.drop_write = 0  # how many next writes are lost before being applied
        self.next_id = 45000
        self.finds = []
        self.request_objects = {}

    def _request(self, status="Provisioned"):
        self.next_id += 1
        self.request_status[self.next_id] = status
        return [self.next_id]

    def _write(self, apply, login=None, kind="Object Provision"):
        if self.drop_write:
            self.drop_write -= 1
            raise CortexOutcomeUnknown("connection dropped")
        self.writes.append(apply.__name__)
        apply()
        if self.lose_answer:
            self.lose_answer -= 1
            raise CortexOutcomeUnknown("connection dropped")
        ids = self._request()
        self.request_objects[ids[0]] = (kind, login)  # what Cortex records of the request
        return ids

    def get_tenant(self, code):
        return dict(self.tenant)

    def find_tenants(self, code=None, name=None):
        """The partner's own customer first, as Cortex lists every customer (docs/protocol.md)."""
        return [dict(code="DEMO", name="Demo Partner"), dict(code="BMS", name="Boulangerie Martin SARL")]

    def find_users(self, code, upn=None, with_exchange=False, login=None):
        self.finds.append(dict(upn=upn, login=login))
        found = [dict(login=u["login"], upn=u["upn"], display_name=u["display_name"], status=u["status"],
                      exchange=u.get("exchange") or dict(status="NotProvisioned"))
                 for u in self.users.values()]
        return [u for u in found if (upn is None or u["upn"].lower() == upn.lower())
                and (login is None or u["login"].lower() == login.lower())]

    def get_user(self, code, login, with_exchange=False, properties=False):
        self.finds.append(dict(get=login))
        for user in self.users.values():
            if user["login"].casefold() == login.casefold():
                return dict(user)
        raise CortexError("NotFound: User '%s' of customer 'BMS' could not be found." % login, 400,
                          [("NotFound", "User '%s' of customer 'BMS' could not be found." % login)])

    def get_users(self, code, with_exchange=False, properties=False):
        """Every user in detail in one GET, as the emulator answers an empty <user/>."""
        self.finds.append(dict(detail=True))
        return [dict(u) for u in self.users.values()]

    def create_user(self, code, login, fields):
        def create():
            self.users[fields["upn"].lower()] = dict(
                login=login + "_BMS", upn=fields["upn"], first_name=fields.get("first_name"),
                last_name=fields.get("last_name"), display_name=fields.get("display_name"), enabled=True,
                status="Provisioned", password=fields.get("password"))
        return self._write(create, login + "_BMS")

    def update_user(self, code, login, changes):
        def update():
            user = next(u for u in self.users.values() if u["login"] == login)
            user.update(changes)
        return self._write(update, login)

    def set_users(self, code, entries):
        """One SET for several users: creates unknown logins, updates known ones (as the emulator does)."""
        ids = []
        for login, fields in entries:
            known = any(u["login"] in (login, login + "_BMS") for u in self.users.values())
            if known:
                ids += self.update_user(code, login, fields)
            else:
                ids += self.create_user(code, login, fields)
        return ids, []

    def get_requests(self, ids):
        return [self.get_request(i) for i in ids]

    def provision(self, ref):
        def provision():
            pass
        return self._write(provision, ref["login"], "Object Delete" if ref.get("action") == "delete" else
                           "Object Provision")

    def object_statuses(self, code, family):
        return dict((("user", "bms", u["login"].lower()), u["status"]) for u in self.users.values())

    def deprovision_mailbox(self, code, login):
        def deprovision():
            user = next(u for u in self.users.values() if u["login"] == login)
            user["exchange"] = dict(status="NotProvisioned")
        return self._write(deprovision, login, "Object Deprovision")

    def delete_user(self, code, login):
        if any(u["login"] == login and (u.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"
               for u in self.users.values()):
            raise CortexError("ServicesProvisioned: deprovision it first", 400, [("ServicesProvisioned", "x")])

        def delete():
            self.users = dict((k, u) for k, u in self.users.items() if u["login"] != login)
        return self._write(delete, login, "Object Delete")

    def get_request(self, request_id):
        kind, login = self.request_objects.get(request_id, (None, None))
        return dict(id=request_id, status=self.request_status[request_id], type=kind, object_type="User",
                    object_name=login, message="Simulated failure" if self.request_status[request_id] == "Failed"
                    else None)


@pytest.fixture
def api(use_api):
    return use_api(FakeAPI())


@pytest.fixture
def run(run_module):
    return lambda args, check_mode=False, diff=False: run_module(cortex_user, args, check_mode, diff)


def user(upn, **extra):
    return dict(dict(upn=upn, first_name="Claire", last_name="Dubois", password=SECRET), **extra)


def test_create_then_unchanged(api, run):
    result, dummy = run(dict(tenant="BMS", **user("claire.dubois@boulangerie-martin.fr")))
    assert result["changed"] and result["action"] == "create"
    assert result["user"]["login"] == "claire.dubois_BMS"
    assert result["user"]["status"] == "Provisioned" and result["user"]["status_color"] == "green"
    result, dummy = run(dict(tenant="BMS", **user("Claire.Dubois@boulangerie-martin.fr")))
    assert not result["changed"] and api.writes == ["create"]


def test_bulk_refuses_every_bad_item_before_any_write(api, run):
    users = [user("ok%d@boulangerie-martin.fr" % i) for i in range(5)]
    users.append(user("short@boulangerie-martin.fr", password="Ab1!"))
    users.append(user("elsewhere@other.fr"))
    users.append(user("ok0@boulangerie-martin.fr"))  # duplicate
    result, out = run(dict(tenant="BMS", users=users))
    assert result["failed"] and api.writes == []
    labels = [p["item"] for p in result["problems"]]
    assert labels == ["users[7] 'ok0@boulangerie-martin.fr'", "users[5] 'short@boulangerie-martin.fr'",
                      "users[6] 'elsewhere@other.fr'"]
    assert "refused before any write" in result["msg"]


def test_check_mode_sends_no_write_and_reports_the_plan(api, run):
    result, dummy = run(dict(tenant="BMS", users=[user("a%d@boulangerie-martin.fr" % i) for i in range(3)]),
                        check_mode=True)
    assert result["changed"] and result["summary"] == dict(total=3, failed=0, create=3)
    assert api.writes == []


def test_lost_answer_of_an_applied_create_is_not_repeated(api, run):
    api.lose_answer = 1
    result, dummy = run(dict(tenant="BMS", **user("claire@boulangerie-martin.fr")))
    assert api.writes == ["create"] and len(api.users) == 1
    assert result["changed"] and "re-read" in result["note"]


def test_lost_create_that_never_arrived_is_sent_again_once(api, run):
    api.drop_write = 1
    result, dummy = run(dict(tenant="BMS", **user("claire@boulangerie-martin.fr")))
    assert api.writes == ["create"] and len(api.users) == 1 and result["changed"]


def test_diff_masks_the_password_and_output_never_holds_it(api, run):
    result, out = run(dict(tenant="BMS", **user("claire@boulangerie-martin.fr")), diff=True)
    assert yaml.safe_load(result["diff"]["before"]) == {}
    assert yaml.safe_load(result["diff"]["after"])["password"] == "********"
    assert SECRET not in out


def test_update_password_always_reports_a_change_each_run(api, run):
    run(dict(tenant="BMS", **user("claire@boulangerie-martin.fr")))
    result, out = run(dict(tenant="BMS", update_password="always", **user("claire@boulangerie-martin.fr")))
    assert result["changed"] and result["action"] == "update" and api.writes == ["create", "update"]
    assert SECRET not in out


def test_failed_provisioning_fails_the_item_naming_it(api, run):
    original = api._request
    api._request = lambda status="Failed": original("Failed")
    api.object_statuses = lambda code, family: dict((("user", "bms", u["login"].lower()), "Failed")
                                                    for u in api.users.values())
    result, dummy = run(dict(tenant="BMS", users=[user("x@boulangerie-martin.fr"), user("y@boulangerie-martin.fr")]))
    assert result["failed"] and result["summary"]["failed"] == 2
    assert "queued again 2 time(s)" in result["msg"]  # provisioning_retries: 2 by default
    assert "users[0] 'x@boulangerie-martin.fr': provisioning request" in result["msg"]
    assert "Simulated failure" in result["msg"]
    assert result["users"][0]["user"]["status"] == "Failed"


def test_wait_false_returns_request_ids(api, run):
    result, dummy = run(dict(tenant="BMS", wait=False, **user("claire@boulangerie-martin.fr")))
    assert result["request_ids"] == [45001] and result["user"]["status"] == "Requested"


def test_absent_then_absent_again(api, run):
    run(dict(tenant="BMS", **user("claire@boulangerie-martin.fr")))
    result, dummy = run(dict(tenant="BMS", upn="claire@boulangerie-martin.fr", state="absent"))
    assert result["changed"] and result["user"] == {}
    result, dummy = run(dict(tenant="BMS", upn="claire@boulangerie-martin.fr", state="absent"))
    assert not result["changed"] and api.writes == ["create", "delete"]


def test_never_expiring_passwords_need_the_tenant_to_allow_them(api, run):
    result, dummy = run(dict(tenant="BMS", password_never_expires=True, **user("c@boulangerie-martin.fr")))
    assert result["failed"] and "allow never-expiring" in result["msg"] and api.writes == []


def test_lost_answer_is_watched_on_a_fresh_read_until_provisioned(api, run):
    """The object whose write answer was lost has no request id: its status is read again until final."""
    api.lose_answer = 1
    reads = []
    original = api.find_users

    def find_users(code, upn=None, with_exchange=False, login=None):
        found = original(code, upn, with_exchange)
        for user in api.users.values():  # provisioning completes after the second look
            user["status"] = "InProgress" if len(reads) < 2 else "Provisioned"
        reads.append(upn)
        return original(code, upn, with_exchange)

    api.find_users = find_users
    statuses = api.object_statuses

    def object_statuses(code, family):  # the scheduler's look at the object counts as a look too
        find_users(code)
        return statuses(code, family)

    api.object_statuses = object_statuses
    result, dummy = run(dict(tenant="BMS", **user("claire@boulangerie-martin.fr")))
    assert not result.get("failed") and result["user"]["status"] == "Provisioned"
    assert len(reads) >= 3 and api.writes == ["create"]


def test_change_password_at_next_logon_goes_with_the_password_only(api, run):
    args = dict(tenant="BMS", change_password_at_next_logon=True, **user("claire@boulangerie-martin.fr"))
    run(args)
    # The user logs on and changes the password: Cortex clears the flag. A re-run must not set it again.
    api.users["claire@boulangerie-martin.fr"]["change_password_at_next_logon"] = False
    result, dummy = run(args)
    assert not result["changed"] and api.writes == ["create"]
    result, dummy = run(dict(args, update_password="always"))
    assert result["changed"] and api.writes == ["create", "update"]


def test_narrowed_masking_gives_exactly_ansibles_output(api, run, monkeypatch):
    """With many secrets the module tells Ansible's masking only those present in the result: same output."""
    users = [user("u%03d@boulangerie-martin.fr" % i, password="Kx%03dm!Tp" % i) for i in range(60)]
    users[1]["first_name"] = "Kx007m!Tp"  # a value equal to another user's password
    users[2]["display_name"] = "Marie Kx008m!Tp Durand"  # and one containing one
    users[3]["password"] = "Kx003m!\x00Tp"  # a secret holding a control character (refused, never shown)

    def outputs(threshold):
        monkeypatch.setattr(cortex_module, "NARROW_NO_LOG_FROM", threshold)
        api.users.clear()
        api.next_id = 45000
        result, out = run(dict(tenant="BMS", users=users), diff=True)
        return result, out

    narrowed, narrowed_out = outputs(32)
    users[3]["password"] = "Kx003m!Tp"
    narrowed2, narrowed2_out = outputs(32)
    plain, plain_out = outputs(10 ** 9)
    assert narrowed2 == plain
    assert narrowed2["invocation"]["module_args"]["users"][1]["first_name"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert "Marie ******** Durand" in plain_out
    # the password holding the separator is refused (a control character), and still never shown
    assert narrowed["failed"] and "users[3] 'u003@boulangerie-martin.fr': the password holds a control character" \
        in narrowed["msg"]
    for out in (narrowed_out, narrowed2_out, plain_out):
        assert not any(u["password"] in out for u in users)


def test_a_new_user_never_lands_on_an_existing_login(api, run):
    """contact@ on the tenant's second domain has the default login of contact@ on the first one."""
    api.tenant["domains"].append("martin-patisserie.com")
    run(dict(tenant="BMS", **user("contact@boulangerie-martin.fr")))
    before = dict(api.users["contact@boulangerie-martin.fr"])
    result, out = run(dict(tenant="BMS", **user("contact@martin-patisserie.com", first_name="Other")))
    assert result["failed"] and api.writes == ["create"]
    assert "login 'contact_BMS' is already used by user 'contact@boulangerie-martin.fr'" in result["msg"]
    assert "set login" in result["msg"]
    assert api.users["contact@boulangerie-martin.fr"] == before
    # the single form read the login itself, as its listing held only the UPN asked for (a listing alone never says
    # that a login is free)
    assert dict(get="contact_BMS") in api.finds
    result, dummy = run(dict(tenant="BMS", login="contact2", **user("contact@martin-patisserie.com")))
    assert result["changed"] and result["user"]["login"] == "contact2_BMS"


def test_logins_are_compared_as_windows_does_case_insensitively(api, run):
    run(dict(tenant="BMS", **user("Jean@boulangerie-martin.fr")))
    result, dummy = run(dict(tenant="BMS", users=[user("x@boulangerie-martin.fr", login="JEAN")]))
    assert result["failed"] and "login 'Jean_BMS' is already used by user 'Jean@boulangerie-martin.fr'" in result["msg"]
    assert api.writes == ["create"]


def test_two_new_users_of_one_run_with_one_login_are_refused_naming_both(api, run):
    """Long local parts are shortened to fit 20 characters: two users can end up with the same login."""
    api.tenant["domains"].append("martin-patisserie.com")
    users = [user("marie-christine.dupont@boulangerie-martin.fr"), user("marie-christine.durand@boulangerie-martin.fr"),
             user("contact@boulangerie-martin.fr"), user("contact@martin-patisserie.com")]
    result, dummy = run(dict(tenant="BMS", users=users))
    assert result["failed"] and api.writes == []
    problems = dict((p["item"], p["problems"]) for p in result["problems"])
    assert problems["users[1] 'marie-christine.durand@boulangerie-martin.fr'"] == [
        "login 'marie-christine_BMS' is also the login of users[0] 'marie-christine.dupont@boulangerie-martin.fr': "
        "set login to tell them apart"]
    assert "users[3] 'contact@martin-patisserie.com'" in problems and len(problems) == 2


def test_the_diff_shows_accented_names_as_they_are_and_masks_the_password(api, run):
    """Ansible's callback shows a dict diff as ASCII JSON ("H\\u00e9l\\u00e8ne"): the sides are text."""
    result, out = run(dict(tenant="BMS", **user("helene@boulangerie-martin.fr", first_name=u"Hélène",
                                                last_name=u"Lefèvre")), diff=True)
    after = result["diff"]["after"]
    assert isinstance(after, str) and u"first_name: Hélène" in after and u"last_name: Lefèvre" in after
    assert "\\u00e9" not in after and "password: '********'" in after and SECRET not in after
    assert result["diff"]["before"] == "{}\n" and result["diff"]["after_header"] == "user 'helene@boulangerie-martin.fr'"


def test_users_another_run_created_meanwhile_are_counted_unchanged_not_created(api, run):
    """Two runs of one client at once: the user the other run made between our listing and our write is not ours -
    our SET changed nothing for it and made no request - so it is counted unchanged, not created."""
    made_by_the_other_run = "u1@boulangerie-martin.fr"
    create = api.create_user

    def set_users(code, entries):
        ids = []
        for login, fields in entries:
            if fields["upn"] == made_by_the_other_run:
                create(code, login, fields)  # the other run's write, just before ours: ours changes nothing
            else:
                ids += create(code, login, fields)
        return ids, []

    api.set_users = set_users
    users = [user("u%d@boulangerie-martin.fr" % i) for i in range(3)]
    result, dummy = run(dict(tenant="BMS", users=users))
    assert [r["action"] for r in result["users"]] == ["create", "none", "create"], result["users"]
    assert [r["request_ids"] for r in result["users"]] == [[45001], [], [45003]]
    assert "done by another run" in result["users"][1]["note"]
    assert result["summary"] == dict(total=3, failed=0, create=2, none=1)


def test_check_mode_notes_a_domain_an_earlier_task_would_add_instead_of_refusing(api, run):
    result, dummy = run(dict(tenant="BMS", **user("zoe@new-domain.fr")), check_mode=True)
    assert not result.get("failed") and result["action"] == "create"
    assert "not a domain of tenant 'BMS' yet: an earlier task must add it" in result["note"]
    result, dummy = run(dict(tenant="BMS", **user("zoe@new-domain.fr")))
    assert result["failed"] and "is not one of the tenant's domains" in result["msg"] and api.writes == []


def test_a_user_cortex_lists_with_its_domain_in_unicode_is_found_and_left_alone(api, run):
    """Created in the console as zoe@pâtisserie-martin.fr; described (and normalized) as zoe@xn--ptisserie-...."""
    api.tenant["domains"].append("xn--ptisserie-martin-wmb.fr")
    api.users["zoe@pâtisserie-martin.fr"] = dict(login="zoe_BMS", upn="zoe@pâtisserie-martin.fr", first_name="Claire",
                                                 last_name="Dubois", display_name="Claire Dubois", enabled=True,
                                                 status="Provisioned", password=SECRET)
    result, dummy = run(dict(tenant="BMS", users=[user("zoe@pâtisserie-martin.fr"),
                                                  user("new@boulangerie-martin.fr")]))
    assert not result.get("failed"), result.get("msg")
    assert [r["action"] for r in result["users"]] == ["none", "create"]
    assert api.writes == ["create"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_login_that_differs_from_the_stored_one_is_refused_even_with_nothing_else_to_change(api, run, check_mode):
    run(dict(tenant="BMS", **user("claire.dubois@boulangerie-martin.fr")))
    args = dict(tenant="BMS", login="cdubois", **user("claire.dubois@boulangerie-martin.fr"))
    result, dummy = run(args, check_mode=check_mode)
    assert result["failed"] and api.writes == ["create"]
    assert "user 'claire.dubois@boulangerie-martin.fr'" in result["msg"]
    assert "login is 'claire.dubois_BMS' and cannot change (asked: 'cdubois')" in result["msg"]
    bulk = [user("claire.dubois@boulangerie-martin.fr", login="cdubois_BMS"), user("new@boulangerie-martin.fr")]
    result, dummy = run(dict(tenant="BMS", users=bulk), check_mode=check_mode)
    assert result["failed"] and api.writes == ["create"]
    assert result["problems"] == [dict(item="users[0] 'claire.dubois@boulangerie-martin.fr'", problems=[
        "login is 'claire.dubois_BMS' and cannot change (asked: 'cdubois_BMS')"])]


@pytest.mark.parametrize("login", ["claire.dubois", "Claire.Dubois_bms", "CLAIRE.DUBOIS"])
def test_the_stored_login_in_either_form_and_any_case_is_the_same_login(api, run, login):
    run(dict(tenant="BMS", **user("claire.dubois@boulangerie-martin.fr")))
    result, dummy = run(dict(tenant="BMS", login=login, **user("claire.dubois@boulangerie-martin.fr")))
    assert not result.get("failed") and not result["changed"] and api.writes == ["create"]
    result, dummy = run(dict(tenant="BMS", users=[user("claire.dubois@boulangerie-martin.fr", login=login)]))
    assert not result.get("failed") and not result["changed"] and api.writes == ["create"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_update_password_always_without_a_password_is_refused_naming_the_user(api, run, check_mode):
    run(dict(tenant="BMS", **user("claire@boulangerie-martin.fr")))
    args = user("claire@boulangerie-martin.fr")
    del args["password"]
    result, dummy = run(dict(tenant="BMS", update_password="always", **args), check_mode=check_mode)
    assert result["failed"] and api.writes == ["create"]
    assert "user 'claire@boulangerie-martin.fr'" in result["msg"] and "needs a password" in result["msg"]
    bulk = [dict(args, update_password="always"), user("other@boulangerie-martin.fr", update_password="always")]
    result, dummy = run(dict(tenant="BMS", users=bulk), check_mode=check_mode)
    assert result["failed"] and api.writes == ["create"]
    assert [p["item"] for p in result["problems"]] == ["users[0] 'claire@boulangerie-martin.fr'"]
    assert "needs a password" in result["problems"][0]["problems"][0]


def test_check_mode_below_a_tenant_to_be_created_still_asks_for_the_password_of_a_new_user(api, run, monkeypatch):
    from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError

    def missing(code):
        raise CortexError("not found", status=400, errors=[("NotFound", "customer not found")])
    monkeypatch.setattr(api, "get_tenant", missing)
    args = dict(tenant="NEW", upn="zoe@new.fr", first_name="Zoe")
    result, dummy = run(args, check_mode=True)
    assert result["failed"] and "password is required to create a user" in result["msg"] and api.writes == []
    result, dummy = run(dict(args, password=SECRET), check_mode=True)
    assert not result.get("failed") and result["action"] == "create" and api.writes == []


def test_a_short_listing_never_makes_a_create_land_on_an_existing_user(api, run):
    """A listing that comes back without the users (a server quirk, a proxy): the users are read themselves before
    any create, so the existing administrator is neither created again nor given another user's password."""
    run(dict(tenant="BMS", **user("admin@boulangerie-martin.fr")))
    before = dict(api.users["admin@boulangerie-martin.fr"])
    original = api.find_users
    api.find_users = lambda code, upn=None, with_exchange=False, login=None: [] if upn is None else original(
        code, upn, with_exchange, login)
    result, out = run(dict(tenant="BMS", users=[user("admin@boulangerie-martin.fr", password="Other-Pass-77"),
                                                user("new@boulangerie-martin.fr", login="admin")]))
    assert result["failed"] and api.writes == ["create"]  # only the first run's create
    assert "login 'admin_BMS' is already used by user 'admin@boulangerie-martin.fr'" in result["msg"]
    assert api.users["admin@boulangerie-martin.fr"] == before
    result, out = run(dict(tenant="BMS", users=[user("admin@boulangerie-martin.fr", password="Other-Pass-77")]))
    assert not result["changed"] and result["users"][0]["action"] == "none" and api.writes == ["create"]


def test_a_user_with_a_mailbox_is_removed_after_its_mailbox_is_deprovisioned(api, run):
    run(dict(tenant="BMS", **user("claire@boulangerie-martin.fr")))
    api.users["claire@boulangerie-martin.fr"]["exchange"] = dict(status="Provisioned")
    result, dummy = run(dict(tenant="BMS", upn="claire@boulangerie-martin.fr", state="absent"), check_mode=True)
    assert result["changed"] and "mailbox would be deprovisioned first" in result["note"] and api.writes == ["create"]
    result, dummy = run(dict(tenant="BMS", upn="claire@boulangerie-martin.fr", state="absent"))
    assert not result.get("failed"), result
    assert api.writes == ["create", "deprovision", "delete"] and api.users == {}


def test_a_create_that_cortex_refuses_changed_nothing(api, run):
    def refuse(code, login, fields):
        raise CortexError("Duplicate: the UPN is already in use", 400, [("Duplicate", "the UPN is already in use")])

    api.create_user = refuse
    result, dummy = run(dict(tenant="BMS", **user("claire@boulangerie-martin.fr")))
    assert result["failed"] and "Duplicate" in result["msg"]
    assert result["changed"] is False and api.writes == []


def test_a_batch_whose_answer_was_lost_is_decided_again_and_sent_again_together(api, run):
    """The first object of a batch applied, then the answer lost: the others, read again and still to create, go in one
    more request - not one request each, and never the applied one again."""
    batches = []
    original = api.set_users

    def set_users(code, entries):
        batches.append(len(entries))
        return original(code, entries)

    api.set_users = set_users
    api.lose_answer = 1
    users = [user("b%02d@boulangerie-martin.fr" % i) for i in range(10)]
    result, dummy = run(dict(tenant="BMS", users=users, batch_size=25))
    assert not result.get("failed"), result.get("msg")
    assert batches == [10, 9] and len(api.users) == 10 and api.writes.count("create") == 10
