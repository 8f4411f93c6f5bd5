# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-process run of a module (plugin_utils/cortex_inprocess.py) against its module run (``main()``): the same
result - validation, defaults and fallbacks, masking, warnings, check mode, diff, failures - with a fake CortexAPI."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import gc
import json
import weakref
from types import SimpleNamespace

import pytest

try:  # ansible-core 2.19: the flag a module run clears (below); older versions have none
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:
    module_utils_internal = None
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.common.warnings import get_deprecation_messages, get_warning_messages
from ansible.utils.unsafe_proxy import AnsibleUnsafeText
from ansible_collections.cloudforyou.cortex.tests.unit.compat import patch_module_args

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_module
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_results as results
from ansible_collections.cloudforyou.cortex.plugins.modules import (
    cortex_admin, cortex_client_info, cortex_domain, cortex_exchange, cortex_request_info, cortex_tenant,
    cortex_tenant_info, cortex_user, cortex_user_info, cortex_wait)
from ansible_collections.cloudforyou.cortex.plugins.plugin_utils import cortex_inprocess as inprocess

MODULES = [cortex_admin, cortex_client_info, cortex_domain, cortex_exchange, cortex_request_info, cortex_tenant,
           cortex_tenant_info, cortex_user, cortex_user_info, cortex_wait]
SECRET = "Sunny-Bakery-42"
TIMES = ("created", "finished", "unread_since", "sent_at")
CONNECTION = dict(cortex_url="http://cortex.test", cortex_username="partner", cortex_password="partner-secret-1")
DOMAIN = "boulangerie-martin.fr"


class FakeAPI(object):
    """Tenant BMS with users in a dict; every write is a request that is Provisioned when read."""

    def __init__(self):
        self.tenant = dict(code="BMS", name="Boulangerie Martin SARL", status="Provisioned", domains=[DOMAIN],
                           primary_domain=DOMAIN, min_password_length=8, password_never_expires=False,
                           roles=["Customer Administrator"])
        self.users = {}
        self.next_id = 45000

    def get_tenant(self, code):
        return dict(self.tenant)

    def find_tenants(self, code=None, name=None):
        return [dict(code="DEMO", name="Demo Partner"), dict(code="BMS", name=self.tenant["name"])]

    def tenant_services(self, code):
        return []

    def find_users(self, code, upn=None, with_exchange=False, login=None):
        return [dict(login=u["login"], upn=u["upn"], display_name=u.get("display_name"), status=u["status"])
                for u in self.users.values() if upn is None or u["upn"].lower() == upn.lower()]

    def get_user(self, code, login, with_exchange=False, properties=False):
        for user in self.users.values():
            if user["login"].casefold() == login.casefold():
                return dict(user)
        raise CortexError("NotFound: User '%s' could not be found." % login, 400,
                          [("NotFound", "User '%s' could not be found." % login)])

    def get_users(self, code, with_exchange=False, properties=False):
        return [dict(u) for u in self.users.values()]

    def _request(self):
        self.next_id += 1
        return [self.next_id]

    def create_user(self, code, login, fields):
        self.users[fields["upn"].lower()] = dict(login=login + "_BMS", upn=fields["upn"], status="Provisioned",
                                                 first_name=fields.get("first_name"), last_name=fields.get("last_name"))
        return self._request()

    def set_users(self, code, entries):
        ids = []
        for login, fields in entries:
            ids += self.create_user(code, login, fields)
        return ids, []

    def get_requests(self, ids):
        return [self.get_request(i) for i in ids]

    def get_request(self, request_id):
        return dict(id=request_id, status="Provisioned", type="Object Provision", object_type="User",
                    object_name="x", message=None)


def add_users(api, count=3):
    for i in range(count):
        upn = "u%d@%s" % (i, DOMAIN)
        api.users[upn] = dict(login="u%d_BMS" % i, upn=upn, status="Provisioned", display_name="User %d" % i)


@pytest.fixture
def fakes(use_api):
    """``fakes(setup)``: a fresh FakeAPI for each run, prepared by ``setup(api)``."""
    def make(setup=None):
        api = FakeAPI()
        if setup:
            setup(api)
        return use_api(api)
    return make


def module_run(module, args, check_mode=False, diff=False, capsys=None):
    """What ``main()`` prints, as the controller reads it (warnings as texts), with the internal arguments the
    controller passes that matter here.

    This test process has imported controller code (the action side), which makes ansible-core 2.19's module
    warnings go straight to the display; a module run is a process of its own, where they go to the result. The
    module run here is made one again by clearing that flag while it runs (a test-only use of a private flag)."""
    args = dict(args)
    args.update(_ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_module_name=fqcn(module))
    with pytest.MonkeyPatch.context() as patch:
        if module_utils_internal is not None and hasattr(module_utils_internal, "is_controller"):
            patch.setattr(module_utils_internal, "is_controller", False)
        for name in ("_global_warnings", "_global_deprecations"):
            patch.setattr(module_warnings, name, type(getattr(module_warnings, name))())
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
    result = json.loads(capsys.readouterr().out)
    if "warnings" in result:
        result["warnings"] = [w["event"]["msg"] if isinstance(w, dict) else w for w in result["warnings"]]
    return without_times(result)


def without_times(value):
    """The result with the clock readings of the jobs (when each was created, seen finished...) left out."""
    if isinstance(value, dict):
        return dict((key, "<time>" if key in TIMES and isinstance(item, float) else without_times(item))
                    for key, item in value.items())
    if isinstance(value, list):
        return [without_times(item) for item in value]
    return value


def fqcn(module):
    return "cloudforyou.cortex." + module.__name__.rsplit(".", 1)[-1]


def in_process(module, args, check_mode=False, diff=False):
    return without_times(inprocess.run_module(module, fqcn(module), args, check_mode=check_mode, diff=diff))


@pytest.fixture
def both(fakes, capsys):
    """``both(module, args, setup=None, check_mode=False, diff=False)``: (module run result, in-process result)."""
    def run(module, args, setup=None, check_mode=False, diff=False):
        fakes(setup)
        expected = module_run(module, args, check_mode, diff, capsys)
        fakes(setup)
        return expected, in_process(module, args, check_mode, diff)
    return run


def strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


CASES = [
    ("read", cortex_user_info, dict(CONNECTION, tenant="BMS"), add_users),
    ("read one", cortex_user_info, dict(CONNECTION, tenant="BMS", upn="U1@" + DOMAIN.upper()), add_users),
    ("tenants, read in threads", cortex_tenant_info, dict(CONNECTION, usage=False), None),
    ("unsupported", cortex_user_info, dict(CONNECTION, tenant="BMS", bogus=1), None),
    ("type", cortex_user_info, dict(CONNECTION, tenant="BMS", timeout="soon"), None),
    ("choices", cortex_user_info, dict(CONNECTION, tenant="BMS", auth="kerberos"), None),
    ("required", cortex_user_info, dict(CONNECTION), None),
    ("required one of", cortex_client_info, dict(CONNECTION), None),
    ("exclusive", cortex_user, dict(CONNECTION, tenant="BMS", upn="a@" + DOMAIN, users=[]), None),
    ("element type", cortex_request_info, dict(CONNECTION, ids=["x"]), None),
    ("suboption", cortex_user, dict(CONNECTION, tenant="BMS", users=[dict(upn="a@" + DOMAIN, colour="red")]), None),
    ("blank tenant", cortex_user_info, dict(CONNECTION, tenant=" "), None),
    ("module refusal", cortex_user_info, dict(CONNECTION, tenant="BMS", upn="not a upn"), None),
    ("alias warning", cortex_tenant, dict(CONNECTION, tenant=None, code="BMS", name="Boulangerie Martin SARL",
                                          full_name="Boulangerie Martin SARL"), None),
    ("create", cortex_user, dict(CONNECTION, tenant="BMS", upn="claire@" + DOMAIN, first_name="Claire",
                                 last_name="Martin", password=SECRET), None),
    ("bulk, many secrets", cortex_user, dict(CONNECTION, tenant="BMS", users=[
        dict(upn="u%02d@%s" % (i, DOMAIN), first_name="User", last_name="N%d" % i, password="Kx%02dm!Tp-%s" % (i, SECRET))
        for i in range(40)]), None),
    ("no wait", cortex_user, dict(CONNECTION, tenant="BMS", upn="claire@" + DOMAIN, first_name="Claire",
                                  last_name="Martin", password=SECRET, wait=False), None),
    ("wait", cortex_wait, dict(CONNECTION, tenant=None,
                               jobs=[dict(ref=dict(kind="user", tenant="BMS", login="c_BMS"), id=45001)]), None),
    ("bad jobs", cortex_wait, dict(CONNECTION, tenant=None, jobs=[dict(id="x")]), None),
    ("requests", cortex_request_info, dict(CONNECTION, tenant=None, ids=[45001, 45002, 45001]), None),
    ("bulk as one JSON text", cortex_user, dict(CONNECTION, tenant="BMS", packed=True, users_json=json.dumps([
        dict(upn="u%02d@%s" % (i, DOMAIN), first_name="User", last_name="N%d" % i, password="Kx%02dm!Tp-%s" % (i, SECRET))
        for i in range(40)])), None),
    ("JSON text read by Ansible into its list", cortex_user, dict(CONNECTION, tenant="BMS", users_json=[
        dict(upn="u%02d@%s" % (i, DOMAIN), first_name="User", last_name="N%d" % i, password="Kx%02dm!Tp-%s" % (i, SECRET))
        for i in range(3)]), None),
    ("JSON text, not JSON", cortex_user, dict(CONNECTION, tenant="BMS", users_json='[{"password": "%s"' % SECRET), None),
    ("JSON text, not a list", cortex_user, dict(CONNECTION, tenant="BMS", users_json=json.dumps(dict(password=SECRET))),
     None),
    ("JSON text, bad item", cortex_user, dict(CONNECTION, tenant="BMS", users_json=json.dumps([
        dict(upn="a@" + DOMAIN, colour="red", password=SECRET), dict(upn="b@" + DOMAIN, enabled="maybe")])), None),
    ("JSON text and list", cortex_user, dict(CONNECTION, tenant="BMS", users=[], users_json="[]"), None),
    ("JSON text and single form", cortex_user, dict(CONNECTION, tenant="BMS", upn="a@" + DOMAIN, users_json="[]"),
     None),
    ("wait, jobs as text", cortex_wait, dict(CONNECTION, tenant=None, jobs_json=json.dumps(
        [dict(ref=dict(kind="user", tenant="BMS", login="c_BMS"), id=45001)])), None),
    ("wait, no jobs", cortex_wait, dict(CONNECTION, tenant=None), None),
    ("wait, unconfirmed jobs", cortex_wait, dict(CONNECTION, tenant=None, return_jobs="unconfirmed", jobs=[
        dict(ref=dict(kind="user", tenant="BMS", login="c_BMS"), id=45001)]), None),
]


@pytest.mark.parametrize("check_mode, diff", [(False, False), (True, True)])
@pytest.mark.parametrize("name, module, args, setup", CASES, ids=[case[0] for case in CASES])
def test_in_process_gives_the_result_of_a_module_run(both, name, module, args, setup, check_mode, diff):
    args = dict((key, value) for key, value in args.items() if value is not None)
    expected, result = both(module, args, setup, check_mode, diff)
    assert result == expected
    assert result.get("invocation", {}).get("module_args", {}).get("cortex_password") in (
        None, "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER")
    assert not any(SECRET in text or "partner-secret-1" in text for text in strings(result))
    # plain str, no subclass (2.19 tags), as JSON gives; before 2.19, the module's strings are marked unsafe as
    # _execute_module marks them (what the action plugin adds after the module, the settled outcome, is plain in both)
    assert set(map(type, strings(result))) <= ({str} if inprocess.wrap_var is None else {str, AnsibleUnsafeText})


def test_the_results_hold_what_they_must(both):
    """So that two equally wrong results cannot pass the comparison above."""
    expected, result = both(cortex_user_info, dict(CONNECTION, tenant="BMS", bogus=1))
    assert result["failed"] and result["msg"].startswith(
        "Unsupported parameters for (cloudforyou.cortex.cortex_user_info) module: bogus. Supported parameters")
    expected, result = both(cortex_tenant, dict(CONNECTION, code="BMS", name="B", full_name="B"), check_mode=True)
    assert result["warnings"] == ["Both option name and its alias full_name are set."]
    expected, result = both(cortex_user, dict(CONNECTION, tenant="BMS", upn="claire@" + DOMAIN, first_name="Claire",
                                              last_name="Martin", password=SECRET), check_mode=True, diff=True)
    assert result["changed"] and result["action"] == "create" and "claire@" in result["diff"]["after"]
    assert result["invocation"]["module_args"]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    expected, result = both(cortex_user_info, dict(CONNECTION, tenant="BMS"), setup=add_users)
    assert [u["upn"] for u in result["users"]] == ["u0@" + DOMAIN, "u1@" + DOMAIN, "u2@" + DOMAIN]


def test_a_bulk_list_as_one_json_text_is_the_list(both):
    """users_json: the same run as users, the invocation shows the text masked whole, and every error names the
    option without showing the text; packed lists come back as they went."""
    users = [dict(upn="u%02d@%s" % (i, DOMAIN), first_name="User", last_name="N%d" % i, password="Kx%02dm!Tp-%s"
                  % (i, SECRET)) for i in range(3)]
    dummy, listed = both(cortex_user, dict(CONNECTION, tenant="BMS", users=users))
    dummy, texted = both(cortex_user, dict(CONNECTION, tenant="BMS", users_json=json.dumps(users)))
    assert texted["changed"] and texted["users"] == listed["users"] and len(texted["users"]) == 3
    assert texted["invocation"]["module_args"]["users_json"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert texted["invocation"]["module_args"]["users"] is None
    # ansible-core before 2.19 may hand the module the text already read into its list: the same run, the UPNs shown
    dummy, read = both(cortex_user, dict(CONNECTION, tenant="BMS", users_json=users))
    assert read["users"] == listed["users"] and read["users"][0]["user"]["upn"] == users[0]["upn"]
    assert read["invocation"]["module_args"]["users_json"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    dummy, result = both(cortex_user, dict(CONNECTION, tenant="BMS", users_json='[{"upn": "a@%s", ' % DOMAIN))
    assert result["failed"] and result["msg"] == "users_json: not JSON text (line 1, column 37)"
    dummy, result = both(cortex_user, dict(CONNECTION, tenant="BMS", users_json=json.dumps([dict(upn="a@" + DOMAIN,
                                                                                                 colour="red")])))
    assert result["failed"] and result["msg"].startswith("users_json: ") and "colour" in result["msg"]
    dummy, result = both(cortex_user, dict(CONNECTION, tenant="BMS", users=[], users_json="[]"))
    assert result["failed"] and "mutually exclusive: users|users_json" in result["msg"]
    dummy, result = both(cortex_wait, dict(CONNECTION))
    assert result["failed"] and "one of the following is required: jobs, jobs_json" in result["msg"]


PACKED_CASES = [case for case in CASES if case[0] in (
    "bulk, many secrets", "bulk as one JSON text", "wait", "wait, jobs as text", "bad jobs", "create")]


def unpacked_without_times(result):
    """The packed texts read back, clock readings left out; each text checked to be written as ``pack`` writes."""
    result = dict(result)
    for key in results.PACKED_LISTS:
        text = result.pop(key + results.PACKED_SUFFIX, None)
        if text is not None:
            assert isinstance(text, str)
            assert results.pack({key: json.loads(text)})[key + results.PACKED_SUFFIX] == text
            result[key] = json.loads(text)
    return without_times(result)


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("name, module, args, setup", PACKED_CASES, ids=[case[0] for case in PACKED_CASES])
def test_packed_in_the_run_are_the_texts_the_action_packs(both, fakes, name, module, args, setup, check_mode):
    """``packed``: the lists are packed before the result goes through JSON; the same texts as packing a module
    run's result, masked the same way."""
    args = dict((key, value) for key, value in args.items() if value is not None)
    expected, dummy = both(module, args, setup, check_mode)
    fakes(setup)
    packed = inprocess.run_module(module, fqcn(module), args, check_mode=check_mode, packed=True)
    assert not any(key in packed for key in results.PACKED_LISTS)
    assert unpacked_without_times(packed) == unpacked_without_times(results.pack(dict(expected)))
    assert not any(SECRET in text or "partner-secret-1" in text for text in strings(packed))


def test_packed_leaves_what_it_cannot_pack_as_written_and_a_result_that_waits_on():
    """Keys JSON sorts only as texts: the lists go through JSON first and the action plugin packs them, as a module
    run's. A result handed on to wait keeps its lists for the action plugin to settle."""
    def run(module):
        module.exit_json(changed=False, users=[{1: "one", "b": 2}], jobs=[dict(tags={"a"})])

    result = inprocess.run_module(Declared(run), "cloudforyou.cortex.test", dict(CONNECTION), packed=True)
    assert result["users"] == [{"1": "one", "b": 2}] and "users_json" not in result and "jobs_json" not in result
    assert results.pack(result)["users_json"] == '[{"1":"one","b":2}]'

    def sets(module):
        module.exit_json(changed=False, jobs=[dict(tags={"a"})])

    result = inprocess.run_module(Declared(sets), "cloudforyou.cortex.test", dict(CONNECTION), packed=True)
    assert result["jobs_json"] == '[{"tags":["a"]}]' and "jobs" not in result

    def waits(module):
        module.exit_json(changed=True, users=[dict(upn="a")], **{results.WAIT_KEY: dict(jobs=[dict(id=1)])})

    result = inprocess.run_module(Declared(waits), "cloudforyou.cortex.test", dict(CONNECTION), packed=True)
    assert result["users"] == [dict(upn="a")] and results.WAIT_KEY in result and "users_json" not in result


@pytest.mark.parametrize("secret", ["Plain-Secret-77", 'qu"ote\\back-77', "pâté-çà-77", "emoji-\U0001F600-77",
                                    "ctl-\t\x01-77"])
@pytest.mark.parametrize("count", [1, 250])  # a few secrets (one JSON text searched), many (a pass over the texts)
def test_packed_lists_with_a_secret_are_masked_then_packed(secret, count):
    """A secret inside a string of a list (escaped in the packed text when JSON escapes its characters) is masked
    as Ansible masks the lists, then packed: the same texts as packing the masked lists of a run without packing."""
    others = ["other-secret-%03d" % i for i in range(count - 1)]

    def run(module):
        module.exit_json(changed=True, users=[dict(note="x%sy" % secret, n=1), dict(note="clean", on=True)],
                         jobs=[dict(message="job for " + secret)], mailboxes=[dict(note=others[0] if others else "-")])

    spec = dict(argument_spec=dict(x=dict(no_log=True), more=dict(type="list", elements="str", no_log=True)))
    args = dict(CONNECTION, x=secret, more=others or None)
    plain_run = inprocess.run_module(Declared(run, **spec), "cloudforyou.cortex.test", args)
    packed = inprocess.run_module(Declared(run, **spec), "cloudforyou.cortex.test", args, packed=True)
    assert packed == results.pack(dict(plain_run))
    users = json.loads(packed["users_json"])
    assert users[0]["note"] == "x********y" and users[1] == dict(note="clean", on=True)
    assert json.loads(packed["jobs_json"]) == [dict(message="job for ********")]
    for form in (secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]):
        assert form not in json.dumps(packed, ensure_ascii=False) and form not in json.dumps(packed)


def test_packed_lists_without_a_secret_are_the_packed_texts_of_the_run():
    def run(module):
        module.exit_json(changed=True, users=[dict(note=u"caf\u00e9 \"1\"", n=1.5, on=False, none=None)])

    spec = dict(argument_spec=dict(x=dict(no_log=True)))
    args = dict(CONNECTION, x="S3cret-never-shown")
    plain_run = inprocess.run_module(Declared(run, **spec), "cloudforyou.cortex.test", args)
    packed = inprocess.run_module(Declared(run, **spec), "cloudforyou.cortex.test", args, packed=True)
    assert packed == results.pack(dict(plain_run)) and "users" not in packed
    assert json.loads(packed["users_json"]) == [dict(note=u"caf\u00e9 \"1\"", n=1.5, on=False, none=None)]


def test_packed_lists_are_searched_once_for_a_few_secrets(monkeypatch):
    """A few secrets, none in the result: looked for in the packed texts only (no JSON text of the lists written for
    the search); many: in the strings of the lists, once."""
    calls = []
    real = cortex_module.CortexModuleMixin._occurring_secrets
    monkeypatch.setattr(cortex_module.CortexModuleMixin, "_occurring_secrets",
                        lambda self, result: calls.append(len(self.no_log_values)) or real(self, result))

    def run(module):
        module.exit_json(changed=True, jobs=[dict(id=i, message="job %d" % i) for i in range(50)])

    for others in ([], ["other-secret-%03d" % i for i in range(300)]):
        spec = dict(argument_spec=dict(more=dict(type="list", elements="str", no_log=True)))
        result = inprocess.run_module(Declared(run, **spec), "cloudforyou.cortex.test",
                                      dict(CONNECTION, more=others or None), packed=True)
        assert len(json.loads(result["jobs_json"])) == 50 and "jobs" not in result
    assert calls == [301]


def test_a_wait_that_printed_progress_returns_only_the_unconfirmed_jobs_when_asked():
    """The progress loop's own runs get every job (it goes on with them); the settled result only those asked for."""
    from ansible_collections.cloudforyou.cortex.plugins.plugin_utils.cortex_action import CortexWaitAction
    jobs = [dict(ref=dict(kind="user", tenant="BMS", login="%s_BMS" % login), id=i, status=status)
            for i, (login, status) in enumerate([("a", "Provisioned"), ("b", "InProgress")])]
    args = dict(CONNECTION, jobs=jobs, return_jobs="unconfirmed", progress_interval=1, wait_timeout=60)
    assert "return_jobs" not in CortexWaitAction.wait_args(None, args, jobs, dict(wait_left=30))
    result = {}
    CortexWaitAction.settle(None, result, jobs, args, None)
    assert [job["ref"]["login"] for job in result["jobs"]] == ["b_BMS"] and result["summary"]["total"] == 2
    result = {}
    CortexWaitAction.settle(None, result, jobs, dict(args, return_jobs=None), None)
    assert result["jobs"] == jobs


def test_connection_options_fall_back_to_the_environment(both, monkeypatch):
    monkeypatch.setenv("CORTEX_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CORTEX_USERNAME", "partner")
    monkeypatch.setenv("CORTEX_PASSWORD", "partner-secret-1")
    monkeypatch.setenv("CORTEX_VALIDATE_CERTS", "no")
    expected, result = both(cortex_user_info, dict(tenant="BMS"), setup=add_users)
    assert result == expected
    args = result["invocation"]["module_args"]
    assert args["cortex_url"] == "http://127.0.0.1:9" and args["validate_certs"] is False
    assert args["cortex_password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_a_connection_warning_is_returned_as_a_module_run_returns_it(monkeypatch, capsys):
    """Through the real ``api`` property (a fake CortexAPI over the real client)."""
    class ClientAPI(FakeAPI):
        def __init__(self, client):
            super(ClientAPI, self).__init__()

    monkeypatch.setattr(cortex_module, "CortexAPI", ClientAPI)
    args = dict(CONNECTION, cortex_url="http://192.0.2.10", code="BMS")
    expected = module_run(cortex_tenant_info, args, capsys=capsys)
    result = in_process(cortex_tenant_info, args)
    assert result == expected
    assert len(result["warnings"]) == 1 and "cortex_url uses http:// to 192.0.2.10" in result["warnings"][0]


def test_warnings_stay_with_their_run_and_out_of_ansibles_global_lists(monkeypatch):
    class ClientAPI(FakeAPI):
        def __init__(self, client):
            super(ClientAPI, self).__init__()

    monkeypatch.setattr(cortex_module, "CortexAPI", ClientAPI)
    before = (get_warning_messages(), get_deprecation_messages())
    warned = in_process(cortex_tenant_info, dict(CONNECTION, cortex_url="http://192.0.2.10", code="BMS"))
    assert len(warned["warnings"]) == 1
    quiet = in_process(cortex_tenant_info, dict(CONNECTION, cortex_url="http://127.0.0.1:9", code="BMS"))
    assert "warnings" not in quiet and "deprecations" not in quiet
    assert (get_warning_messages(), get_deprecation_messages()) == before


def test_an_exception_of_the_module_code_is_a_failed_result_with_its_traceback(fakes):
    def broken(api):
        def get_tenant(code):
            raise KeyError("no tenant with password %s" % SECRET)
        api.get_tenant = get_tenant

    fakes(broken)
    result = in_process(cortex_user, dict(CONNECTION, tenant="BMS", upn="claire@" + DOMAIN, password=SECRET))
    assert result["failed"] and result["msg"].startswith("Module failed: ")
    assert "Traceback (most recent call last)" in result["exception"] and "get_tenant" in result["exception"]
    assert SECRET not in json.dumps(result) and "********" in result["msg"]


class Declared(object):
    """A module file of a test: its SPEC and its run."""

    def __init__(self, run, **spec):
        self.SPEC = dict(dict(argument_spec=dict(tenant=dict(type="str")), with_wait=False), **spec)
        self.run = run


def test_exit_is_not_stopped_by_the_module_codes_except_exception(fakes):
    def run(module):
        try:
            module.exit_json(changed=True, reached="exit")
        except Exception:  # pylint: disable=broad-except
            module.exit_json(changed=False, reached="swallowed")

    result = inprocess.run_module(Declared(run), "cloudforyou.cortex.test", dict(CONNECTION))
    assert result["changed"] and result["reached"] == "exit"


def test_an_exit_in_a_thread_of_the_module_ends_the_run(fakes):
    fakes()

    def run(module):
        module.parallel(lambda i: module.fail_json(msg="item %d refused" % i) if i == 1 else i, [0, 1, 2])
        module.exit_json(changed=True)

    result = inprocess.run_module(Declared(run), "cloudforyou.cortex.test", dict(CONNECTION))
    assert result["failed"] and result["msg"] == "item 1 refused"


def test_the_modules_threads_serve_every_parallel_call_and_a_nested_call_gets_its_own(fakes):
    """One pool of ``concurrency`` threads for the module's many parallel calls; a call from one of its threads (a
    batch read again while being written) never waits for the pool it holds; an exit from a thread lets every item
    started end first, as a pool of its own did."""
    import threading
    import time
    fakes()
    seen, ended = set(), []

    def item(i):
        seen.add(threading.current_thread())  # (an ident may be reused by a later thread; the object is not)
        time.sleep(0.001)
        return i

    def run(module):
        for dummy in range(5):
            assert module.parallel(item, list(range(20))) == list(range(20))
        assert len(seen) <= 3
        nested = module.parallel(lambda i: module.parallel(item, [i, i + 100, i + 200]), list(range(12)))
        assert nested == [[i, i + 100, i + 200] for i in range(12)]

        def ending(i):
            if i == 0:
                module.fail_json(msg="item 0 refused")
            time.sleep(0.01)
            ended.append(i)
        module.parallel(ending, list(range(6)))

    result = inprocess.run_module(Declared(run, bulk=True), "cloudforyou.cortex.test", dict(CONNECTION, concurrency=3))
    assert result["failed"] and result["msg"] == "item 0 refused"
    assert sorted(ended) == [1, 2, 3, 4, 5]  # (an ending that did not wait for them: fewer)


def test_an_exception_in_a_thread_of_the_module_fails_the_task(fakes):
    def broken(api):
        def get_tenant(code):
            raise RuntimeError("boom in a thread")
        api.get_tenant = get_tenant

    fakes(broken)
    result = in_process(cortex_tenant_info, dict(CONNECTION))
    assert result["failed"] and "boom in a thread" in result["msg"]


def test_a_module_that_ends_without_exit_fails():
    result = inprocess.run_module(Declared(lambda module: None), "cloudforyou.cortex.test", dict(CONNECTION))
    assert result["failed"] and "without exit_json or fail_json" in result["msg"]


def test_what_exists_before_the_run_is_kept_out_of_the_collectors_passes_and_handed_back_after():
    seen = {}

    def inner(module):
        seen["inner"] = gc.get_freeze_count()
        module.exit_json(changed=False)

    def outer(module):
        seen["outer"] = gc.get_freeze_count()
        ref = weakref.ref(Garbage([]))  # garbage made by the run, in a cycle: still collected
        gc.collect()
        seen["collected"] = ref() is None
        inprocess.run_module(Declared(inner), "cloudforyou.cortex.inner", dict(CONNECTION))
        seen["after inner"] = gc.get_freeze_count()
        module.exit_json(changed=False)

    assert gc.get_freeze_count() == 0
    result = inprocess.run_module(Declared(outer), "cloudforyou.cortex.test", dict(CONNECTION))
    assert not result.get("failed"), result
    assert seen["outer"] > 0 and seen["inner"] == seen["after inner"] > 0  # the inner run leaves them aside
    assert seen["collected"]
    assert gc.get_freeze_count() == 0
    failed = inprocess.run_module(Declared(lambda module: 1 / 0), "cloudforyou.cortex.test", dict(CONNECTION))
    assert failed["failed"] and gc.get_freeze_count() == 0


class Garbage(object):
    def __init__(self, cycle):
        self.cycle = cycle
        cycle.append(self)


def test_the_result_is_json_data_as_a_module_prints_it():
    def run(module):
        module.exit_json(changed=False, pair=(1, 2), by_number={1: "one"}, tags=frozenset(["a"]))

    result = inprocess.run_module(Declared(run), "cloudforyou.cortex.test", dict(CONNECTION))
    assert result["pair"] == [1, 2] and result["by_number"] == {"1": "one"} and result["tags"] == ["a"]


@pytest.mark.parametrize("value", [object(), {(1, 2): "pair as a key"}])
def test_a_result_that_is_not_json_data_fails_the_task_as_a_module_run_would(value):
    result = inprocess.run_module(Declared(lambda module: module.exit_json(changed=False, thing=value)),
                                  "cloudforyou.cortex.test", dict(CONNECTION))
    assert result["failed"] and result["msg"].startswith("Module failed: ") and "Traceback" in result["exception"]


def test_a_module_without_check_mode_support_is_skipped_in_check_mode():
    result = inprocess.run_module(Declared(lambda module: module.exit_json(changed=True), supports_check_mode=False),
                                  "cloudforyou.cortex.test", dict(CONNECTION), check_mode=True)
    assert result["skipped"] and result["msg"] == "remote module (cloudforyou.cortex.test) does not support check mode"


def test_an_option_named_like_a_password_without_no_log_warns_as_ansible_does():
    spec = dict(argument_spec=dict(vault_password=dict(type="str"), pass_phrase=dict(type="str", no_log=False)))
    result = inprocess.run_module(Declared(lambda module: module.exit_json(changed=False), **spec),
                                  "cloudforyou.cortex.test", dict(CONNECTION, vault_password="x", pass_phrase="y"))
    assert result["warnings"] == ["Module did not set no_log for vault_password"]


def test_deprecations_are_returned_as_a_module_run_returns_them():
    def run(module):
        module.deprecate("old option", version="3.0.0", collection_name="cloudforyou.cortex")
        module.deprecate("older option", date="2027-01-01", collection_name="cloudforyou.cortex")
        module.exit_json(changed=False)

    result = inprocess.run_module(Declared(run), "cloudforyou.cortex.test", dict(CONNECTION))
    assert result["deprecations"] == [
        dict(msg="old option", version="3.0.0", collection_name="cloudforyou.cortex"),
        dict(msg="older option", date="2027-01-01", collection_name="cloudforyou.cortex")]


@pytest.mark.parametrize("option, value, secrets", [
    (dict(no_log=True), "s3cret", {"s3cret"}),
    (dict(type="list", elements="str", no_log=True), ["a1", "b2"], {"a1", "b2"}),
    (dict(type="dict", options=dict(key=dict(no_log=True), name=dict())), dict(key="k3y", name="n"), {"k3y"}),
    (dict(type="list", elements="dict", options=dict(key=dict(no_log=True))), [dict(key="k1"), dict(key="k2")],
     {"k1", "k2"}),
    (dict(type="int", no_log=True), "1234", {"1234"}),
    (dict(no_log=True, default="d3fault"), None, {"d3fault"}),
])
def test_no_log_values_come_from_the_spec_and_the_validated_parameters(option, value, secrets):
    seen = {}

    def run(module):
        seen.update(values=set(module.no_log_values))
        module.exit_json(changed=False, echo=module.params["x"])

    args = dict(CONNECTION) if value is None else dict(CONNECTION, x=value)
    result = inprocess.run_module(Declared(run, argument_spec=dict(x=option)), "cloudforyou.cortex.test", args)
    assert seen["values"] == secrets | {"partner-secret-1"}
    assert not any(secret in json.dumps(result) for secret in secrets)


def task(connection="local", become=False, async_val=0, environment=None):
    return (SimpleNamespace(become=become, async_val=async_val, environment=environment or []),
            SimpleNamespace(transport=connection), SimpleNamespace(become=become))


@pytest.mark.parametrize("setting, reason", [
    (dict(connection="ssh"), "connection ssh"),
    (dict(connection="cortex_recorded"), "connection cortex_recorded"),
    (dict(become=True), "become"),
    (dict(async_val=60), "async"),
    (dict(environment=[dict(HTTPS_PROXY="http://proxy:3128")]), "the task sets environment variables"),
])
def test_a_task_that_does_not_run_on_the_controller_as_it_is_runs_the_module(setting, reason):
    assert inprocess.refusal(*task(**setting), module_name="cloudforyou.cortex.cortex_user_info") == reason


def test_every_module_of_the_collection_runs_in_process_on_a_local_connection():
    for module in MODULES:
        name = fqcn(module)
        assert inprocess.refusal(*task(environment=[{}]), module_name=name) is None, name
        assert inprocess.module_file(name) is module


@pytest.mark.parametrize("value", ["0", "false", "No", "off"])
def test_cortex_in_process_0_turns_it_off(monkeypatch, value):
    monkeypatch.setenv("CORTEX_IN_PROCESS", value)
    assert inprocess.refusal(*task(), module_name="cloudforyou.cortex.cortex_user_info") == "CORTEX_IN_PROCESS=%s" % value


def test_other_modules_and_deprecating_specs_are_module_runs(monkeypatch):
    assert inprocess.refusal(*task(), module_name="ansible.builtin.ping") is not None
    assert inprocess.refusal(*task(), module_name="cloudforyou.cortex.no_such_module") is not None
    spec = dict(cortex_user_info.SPEC, argument_spec=dict(tenant=dict(type="str", removed_in_version="3.0.0")))
    monkeypatch.setattr(cortex_user_info, "SPEC", spec)
    assert inprocess.refusal(*task(), module_name="cloudforyou.cortex.cortex_user_info") == \
        "its argument spec declares deprecations"


def test_a_module_run_without_requests_on_the_controller(monkeypatch):
    monkeypatch.setattr(inprocess, "HAS_REQUESTS", False)
    assert "requests" in inprocess.refusal(*task(), module_name="cloudforyou.cortex.cortex_user_info")


def test_runs_in_one_worker_share_nothing(fakes):
    """The items of a loop run in one worker process, one after the other: the declarations stay as they are, and
    a run's warnings, secrets and parameters stay with it."""
    declared = copy.deepcopy([module.SPEC for module in MODULES])
    fakes()
    first = in_process(cortex_tenant, dict(CONNECTION, code="BMS", name="B", full_name="B"), check_mode=True)
    fakes()
    second = in_process(cortex_user, dict(CONNECTION, tenant="BMS", users=[
        dict(upn="u%d@%s" % (i, DOMAIN), first_name="U", last_name="N", password="Pw-%d-%s" % (i, SECRET))
        for i in range(3)]))
    fakes()
    third = in_process(cortex_user, dict(CONNECTION, tenant="BMS", upn="v@" + DOMAIN, first_name="V",
                                         last_name="N", password="Other-Pw-77"))
    assert len(first["warnings"]) == 1 and "warnings" not in second and "warnings" not in third
    assert second["changed"] and third["changed"] and third["invocation"]["module_args"]["users"] is None
    assert [module.SPEC for module in MODULES] == declared
