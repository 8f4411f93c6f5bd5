# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of every cortex module: connection options, the reconcile engine, waiting, results.

A module declares an :class:`Entity` (its fields, how each compares, how to read and write one object) and
hands the engine a list of :class:`Item` (one for the single form, N for a bulk form; both take the same path).
The engine then, in this order and before any write:

1. validates every item on its own (``Entity.check``), and fails naming every bad item;
2. reads what exists (one listing, then the per-object reads the protocol forces, in parallel);
3. plans each item (create / update / delete / reprovision / nothing) and validates the plans against what
   was read (``Entity.check_plan``); any problem fails the task with nothing written;

then, unless in check mode, sends the writes with bounded concurrency, re-reading an object whose write got no
answer before deciding to write again, waits for the provisioning requests once for all items, and returns
per-item results and a ``--diff`` with secrets masked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
import traceback
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.common.warnings import get_deprecation_messages, get_warning_messages

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import (
    HAS_REQUESTS, REQUESTS_IMPORT_ERROR, CortexClient, CortexError, CortexOutcomeUnknown)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import (
    BUSY_STATUSES, FINAL_STATUSES, CortexAPI, with_color)

SECRET_MASK = "********"
NO_LOG_PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
# Below this many no_log values, Ansible's own masking pass is cheap enough as it is.
NARROW_NO_LOG_FROM = 32
# How many times a write whose outcome is unknown is re-read and decided again.
MAX_REREADS = 3
DEFAULT_CONCURRENCY = 8

CONNECTION_SPEC = dict(
    cortex_url=dict(type="str", required=True, fallback=(env_fallback, ["CORTEX_URL"])),
    cortex_username=dict(type="str", required=True, fallback=(env_fallback, ["CORTEX_USERNAME"])),
    cortex_password=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["CORTEX_PASSWORD"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["CORTEX_VALIDATE_CERTS"])),
    ca_path=dict(type="path", fallback=(env_fallback, ["CORTEX_CA_PATH"])),
    timeout=dict(type="int", default=30),
    auth=dict(type="str", default="basic", choices=["basic", "ntlm"]),
)

WAIT_SPEC = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)


def masked_params(spec, params):
    """The module's parameters with every ``no_log`` option, suboptions included, replaced by Ansible's placeholder
    (what its output masking makes of a value that is exactly a secret)."""
    masked = {}
    for name, value in params.items():
        option = spec.get(name) or {}
        if value is not None and option.get("no_log"):
            value = NO_LOG_PLACEHOLDER
        elif option.get("options") and isinstance(value, dict):
            value = masked_params(option["options"], value)
        elif option.get("options") and isinstance(value, list):
            value = [masked_params(option["options"], v) if isinstance(v, dict) else v for v in value]
        masked[name] = value
    return masked


def output_strings(value):
    """Every string value (not key) in a result, as Ansible's masking visits them."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            yield current
        elif isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, (list, tuple, set, frozenset)):
            stack.extend(current)


class Field(object):
    """A managed field of an entity, named like the module option, and how its values compare."""

    def __init__(self, name, kind="str", secret=False, create_only=False):
        self.name = name
        self.kind = kind  # str, ci (case-insensitive), set, ci_set, bool, int
        self.secret = secret  # write-only: never read back, never compared, masked in diffs
        self.create_only = create_only  # sent on create, never compared afterwards

    def normalize(self, value):
        if value is None:
            return None
        if self.kind == "ci":
            return str(value).casefold()
        if self.kind == "set":
            return frozenset(value)
        if self.kind == "ci_set":
            return frozenset(str(v).casefold() for v in value)
        if self.kind == "int":
            return int(value)
        return value

    def differs(self, current, desired):
        return self.normalize(current) != self.normalize(desired)


class Item(object):
    """One object of a module run: what the user asked for, what exists, what is done about it."""

    def __init__(self, label, desired, state="present", index=None):
        self.label = label
        self.desired = desired
        self.state = state
        self.index = index
        self.current = None
        self.context = {}
        self.action = None
        self.changes = {}
        self.request_ids = []
        self.probe = None
        self.status = None
        self.error = None
        self.note = None


class Entity(object):
    """What a module manages. Subclasses set ``fields`` and implement reading and writing."""

    fields = ()
    kind = "object"
    brief = ()  # the fields that identify an object in a bulk form's per-item results

    def __init__(self, module):
        self.module = module
        self.api = module.api

    # -- hooks -----------------------------------------------------------------------------------------
    def check(self, item):
        """Problems of an item on its own (no server access)."""
        return []

    def prefetch(self, items):
        """Read, once for all items, what they share (the tenant, one listing of users...)."""

    def read(self, item):
        """Return the current object as an option-named dict, or None when it does not exist."""
        raise NotImplementedError

    def check_plan(self, item):
        """Problems of a planned change, knowing what exists (still before any write)."""
        return []

    def check_all(self, items):
        """Problems that involve several planned items (a plan's user limit...), as (label, problems) pairs."""
        return []

    def create(self, item):
        raise NotImplementedError

    def update(self, item):
        raise NotImplementedError

    def delete(self, item):
        raise NotImplementedError

    def reprovision(self, item):
        """Queue provisioning again for an object whose provisioning failed."""
        return self.update(item)

    def key(self, item):
        """What identifies an item among the items of one run (duplicates are refused); None to skip."""
        return None

    def reread(self, item):
        """Read an object again after a write whose answer was lost (prefetched listings are stale)."""
        return self.read(item)

    def present(self, item):
        """The object as the module returns it: what was read, with the changes made, never a secret."""
        if item.action == "delete" and item.status == "Deleted":
            return {}
        shown = dict(item.current or {})
        if item.action in ("create", "update"):
            for field in self.fields:
                if not field.secret and item.changes.get(field.name) is not None:
                    shown[field.name] = item.changes[field.name]
        for field in self.fields:
            if field.secret:
                shown.pop(field.name, None)
        if item.status:
            shown["status"] = item.status
        return with_color(shown)

    # -- shared logic ----------------------------------------------------------------------------------
    def changes(self, item):
        changes = {}
        for field in self.fields:
            desired = item.desired.get(field.name)
            if desired is None or field.secret or field.create_only:
                continue
            if field.differs(item.current.get(field.name), desired):
                changes[field.name] = desired
        return changes

    def plan(self, item):
        item.action, item.changes = None, {}
        if item.state == "absent":
            item.action = "delete" if item.current is not None else None
            return
        if item.current is None:
            item.action = "create"  # also when only check mode's missing parent hides it
            item.changes = dict((k, v) for k, v in item.desired.items() if v is not None)
            return
        item.changes = self.changes(item)
        if item.changes:
            item.action = "update"
        elif item.current.get("status") == "Failed":
            item.action = "reprovision"

    def view(self, obj):
        """The managed fields of an object, as shown in a diff (secrets masked)."""
        if obj is None:
            return {}
        shown = {}
        for field in self.fields:
            if field.name in obj and obj[field.name] is not None:
                value = obj[field.name]
                if field.secret:
                    value = SECRET_MASK
                elif field.kind in ("set", "ci_set"):
                    value = sorted(value)
                shown[field.name] = value
        return shown

    def diff(self, item):
        before = self.view(item.current)
        if item.action == "delete":
            return before, {}
        if item.action == "create":
            return {}, self.view(item.desired)
        after = dict(before)
        after.update(self.view(item.changes))
        return before, after

    def status_of(self, item):
        """The object's status as read now (None once it is gone), used when a request id is unknown."""
        current = self.reread(item)
        return None if current is None else current.get("status")


class CortexModule(AnsibleModule):
    """AnsibleModule with the connection options, one API client, and the reconcile engine."""

    def __init__(self, argument_spec, with_wait=True, bulk=False, **kwargs):
        spec = dict(CONNECTION_SPEC)
        if with_wait:
            spec.update(WAIT_SPEC)
        if bulk:
            spec["concurrency"] = dict(type="int", default=DEFAULT_CONCURRENCY)
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        super(CortexModule, self).__init__(argument_spec=spec, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        self.concurrency = max(1, min(self.params.get("concurrency") or DEFAULT_CONCURRENCY, 64))
        self._api = None

    def exit_json(self, **kwargs):
        self._narrow_no_log_values(kwargs)
        super(CortexModule, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs["msg"] = msg
        self._narrow_no_log_values(kwargs)
        msg = kwargs.pop("msg")
        super(CortexModule, self).fail_json(msg, **kwargs)

    def _narrow_no_log_values(self, result):
        """Keep only the secrets that occur in the result, before Ansible masks it.

        Ansible's masking replaces each no_log value in each string of the result: with 1,000 passwords in a bulk
        form and 15,000 strings, that is 15 million replacements and seconds of CPU. Secrets that occur nowhere in
        the result need no replacement, and finding which occur costs one substring search each over the joined
        strings. The invocation, where the secrets do occur, gets Ansible's placeholder at their places, as its
        masking would give. Ansible's masking then still runs over the whole result, with every secret it contains.
        """
        if len(self.no_log_values) < NARROW_NO_LOG_FROM:
            return
        result.setdefault("invocation", {"module_args": masked_params(self.argument_spec, self.params)})
        texts = list(output_strings(result)) + [str(w) for w in get_warning_messages()]
        texts += [str(d) for d in get_deprecation_messages()]
        separator = "\x00"
        if any(separator in value for value in self.no_log_values):
            return  # the joined text could hide a secret split by a separator: keep every value
        haystack = separator.join(texts)
        self.no_log_values = set(value for value in self.no_log_values if value in haystack)

    @property
    def api(self):
        if self._api is None:
            params = self.params
            try:
                client = CortexClient(
                    params["cortex_url"], params["cortex_username"], params["cortex_password"],
                    validate_certs=params["validate_certs"], ca_path=params["ca_path"], timeout=params["timeout"],
                    auth=params["auth"], pool_size=self.concurrency)
            except CortexError as exc:
                self.fail_json(msg=exc.message)
            self._api = CortexAPI(client)
        return self._api

    # -- helpers ---------------------------------------------------------------------------------------
    def parallel(self, function, items):
        """``function(item)`` for every item, ``concurrency`` at a time; returns results in order.

        Exceptions are returned in place of results, so one failing item does not hide the others.
        """
        def guarded(item):
            try:
                return function(item)
            except Exception as exc:  # pylint: disable=broad-except
                return exc

        if len(items) <= 1 or self.concurrency == 1:
            return [guarded(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as pool:
            return list(pool.map(guarded, items))

    def read_all(self, function, items, label):
        """``function(item)`` for every item in parallel; the first failure fails the module, naming its item
        with ``label(item)``."""
        results = self.parallel(function, items)
        for item, result in zip(items, results):
            if isinstance(result, Exception):
                self.fail_cortex(result, label(item))
        return results

    def fail_items(self, problems, what="item"):
        """Fail before any write, naming every bad item and every problem of each."""
        lines = ["%s: %s" % (label, "; ".join(issues)) for label, issues in problems]
        self.fail_json(msg="%d %s(s) refused before any write: %s" % (len(problems), what, " | ".join(lines)),
                       problems=[dict(item=label, problems=issues) for label, issues in problems])

    def fail_cortex(self, error, label=None, **extra):
        message = error.message if isinstance(error, CortexError) else str(error)
        msg = "%s: %s" % (label, message) if label else message
        details = dict(extra)
        if isinstance(error, CortexError):
            details.update(status=error.status, errors=[dict(id=i, message=m) for i, m in error.errors])
        else:
            details["exception"] = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        self.fail_json(msg=msg, **details)

    # -- the engine ------------------------------------------------------------------------------------
    def reconcile(self, entity, items):
        """Validate, read, plan, check again, write, wait. Returns the items; fails the module before any
        write when an item is invalid. Per-item write and provisioning errors are left in ``item.error``."""
        # Every problem of every item is reported at once: items with problems of their own are not read,
        # the others are read and planned and their plans checked; only then, if all is well, is anything written.
        problems = [(item.label, entity.check(item)) for item in items]
        seen = {}
        for item in items:
            key = entity.key(item)
            if key is not None and key in seen:
                problems.append((item.label, ["same %s as item %s" % (entity.kind, seen[key])]))
            elif key is not None:
                seen[key] = item.index if item.index is not None else item.label
        problems = [(label, issues) for label, issues in problems if issues]
        refused = set(label for label, dummy in problems)
        sound = [item for item in items if item.label not in refused]

        try:
            entity.prefetch(sound)
        except CortexError as exc:
            self.fail_cortex(exc)
        for item, current in zip(sound, self.read_all(entity.read, sound, lambda item: item.label)):
            item.current = current
            entity.plan(item)

        for item in sound:
            issues = entity.check_plan(item) if item.action else []
            if issues:
                problems.append((item.label, issues))
        problems += entity.check_all(sound)
        if problems:
            self.fail_items(problems, entity.kind)

        if self.check_mode:
            return items
        writes = [item for item in items if item.action]
        for item, outcome in zip(writes, self.parallel(lambda item: self._write(entity, item), writes)):
            if isinstance(outcome, Exception):
                item.error = outcome.message if isinstance(outcome, CortexError) else repr(outcome)
            else:
                item.status = "Requested"
        if self.params.get("wait", True):
            self.wait_for(entity, [item for item in writes if not item.error])
        return items

    def _write(self, entity, item):
        """One write; when its outcome is unknown, re-read, plan again and write only if still needed."""
        action = item.action
        for attempt in range(MAX_REREADS + 1):
            try:
                item.request_ids = getattr(entity, action)(item) or []
                return
            except CortexOutcomeUnknown:
                if attempt == MAX_REREADS:
                    raise
            time.sleep(0.5 * (attempt + 1))
            item.current = entity.reread(item)
            entity.plan(item)
            if item.action is None or (action == "create" and item.action == "reprovision"):
                # The lost write was applied: its request id is unknown, so wait on the object itself.
                item.probe = True
                item.note = "the answer to the write was lost; the object was re-read and found written"
                item.action = action
                return
            if action == "create" and item.action == "update":
                action = "update"  # created by the lost write, but not completely: finish with an update

    def poll_requests(self, ids, timeout):
        """Poll provisioning requests, all at once, until each is final or ``timeout`` seconds pass.

        Returns ``{id: answer}``: the last request dict read, or a CortexError when it cannot be read.
        Unreachable-server errors are polled again; the interval grows from 0.05 s to 3 s.
        """
        deadline = time.monotonic() + timeout
        answers = {}
        pending = sorted(set(ids))
        interval = 0.05
        while pending:
            still = []
            for request_id, answer in zip(pending, self.parallel(self.api.get_request, pending)):
                answers[request_id] = answer
                if isinstance(answer, CortexError):
                    if answer.status is None or answer.status >= 500:
                        still.append(request_id)
                elif isinstance(answer, Exception):
                    raise answer
                elif answer["status"] not in FINAL_STATUSES:
                    still.append(request_id)
            pending = still
            if not pending or time.monotonic() >= deadline:
                break
            time.sleep(min(interval, max(deadline - time.monotonic(), 0)))
            interval = min(interval * 1.5, 3.0)
        return answers

    def wait_for(self, entity, items):
        """Wait once for the provisioning requests of all items; a Failed request fails its item."""
        timeout = self.params.get("wait_timeout", 600)
        deadline = time.monotonic() + timeout
        owners = {}
        for item in items:
            for request_id in item.request_ids:
                owners[request_id] = item
        for request_id, answer in self.poll_requests(list(owners), timeout).items():
            item = owners[request_id]
            if item.error:
                continue
            if isinstance(answer, CortexError):
                item.error = "cannot read provisioning request %s: %s" % (request_id, answer.message)
            elif answer["status"] == "Failed":
                item.status = "Failed"
                item.error = "provisioning request %s failed: %s" % (
                    request_id, answer.get("message") or answer.get("description") or "no reason given")
            elif answer["status"] not in FINAL_STATUSES:
                item.error = "request %s still %s after wait_timeout=%ss" % (request_id, answer["status"], timeout)
        # Objects whose write answer was lost have no request id: watch the object itself.
        probes = [item for item in items if item.probe and not item.error]
        interval = 0.05
        while probes:
            still = []
            for item, status in zip(probes, self.parallel(entity.status_of, probes)):
                if isinstance(status, Exception) or status in BUSY_STATUSES:
                    still.append(item)
                elif status == "Failed":
                    item.status = "Failed"
                    item.error = "provisioning failed (status Failed)"
            probes = still
            if probes and time.monotonic() >= deadline:
                for item in probes:
                    item.error = "still provisioning after wait_timeout=%ss" % timeout
                break
            time.sleep(interval)
            interval = min(interval * 1.5, 3.0)
        for item in items:
            if not item.error:
                item.status = "Deleted" if item.action == "delete" else "Provisioned"

    def item_result(self, entity, item, key, brief=False):
        """The body of the single form's result, or (``brief``) one item of a bulk form's list."""
        result = dict(changed=bool(item.action), action=item.action or "none", request_ids=item.request_ids)
        result[key] = entity.present(item)
        if brief:
            # A bulk list of thousands is carried through Ansible's controller item by item: keep what identifies
            # the object and its status; the info modules return whole objects.
            result[key] = dict((name, result[key][name]) for name in entity.brief + ("status", "status_color")
                               if name in result[key])
        if item.error:
            result["failed"] = True
            result["msg"] = "%s: %s" % (item.label, item.error)
        if item.note:
            result["note"] = item.note
        return result

    def finish(self, entity, items, key=None, bulk_key=None):
        """Exit with the single-form or bulk-form result; fail when any item failed.

        The single form returns the object under ``key`` (at the top level when ``key`` is None); the bulk
        form returns a list of per-item results under ``bulk_key`` and a ``summary`` of counts.
        """
        results = [self.item_result(entity, item, key, brief=bulk_key is not None) for item in items]
        changed = any(r["changed"] for r in results)
        diff = None
        if self._diff:
            before, after = {}, {}
            for item in items:
                if item.action:
                    item_before, item_after = entity.diff(item)
                    before[item.label], after[item.label] = item_before, item_after
            if bulk_key is None and items and items[0].action:
                before, after = before[items[0].label], after[items[0].label]
            diff = dict(before=before, after=after)
        failed = [r for r in results if r.get("failed")]
        if bulk_key is None:
            output = results[0]
            output.pop("changed")
            output.pop("failed", None)
            msg = output.pop("msg", None)
            if key is None:  # the object's fields are the result's top level
                output.update(output.pop(None) or {})
        else:
            counts = {}
            for r in results:
                counts[r["action"]] = counts.get(r["action"], 0) + 1
            output = {bulk_key: results, "summary": dict(total=len(results), failed=len(failed), **counts)}
            msg = None
            if failed:
                reasons = " | ".join(r["msg"] for r in failed)
                msg = "%d of %d %s(s) failed: %s" % (len(failed), len(results), entity.kind, reasons)
        if diff is not None:
            output["diff"] = diff
        if failed:
            self.fail_json(msg=msg, changed=changed, **output)
        self.exit_json(changed=changed, **output)
