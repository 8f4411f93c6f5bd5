# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of every cortex module: connection, wait and bulk options, the API client, running the engine and the
poll scheduler, and the module's result (``--diff`` with secrets masked, per-item results, output masking)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - JSON text then
    HAS_YAML = False

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.warnings import get_deprecation_messages, get_warning_messages

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import (
    HAS_REQUESTS, REQUESTS_IMPORT_ERROR, CortexClient, CortexError, CortexUnreachable, connection_warnings)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_connection import CONNECTION_SPEC
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_engine import Engine
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_poll import Job, Scheduler, guarded, serial
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import CortexAPI
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_results as results
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_results import PACKED_SUFFIX
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_validation import code_problems

NO_LOG_PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
# From this many no_log values, the masking is told only those that occur in the result: one pass over its strings,
# cheaper than Ansible's pass that copies a large result (and, in-process, none left means no pass at all).
NARROW_NO_LOG_FROM = 1
SHORT_SECRET = 4
FEW_SECRETS = 200
SECRET_WINDOW = 8
DEFAULT_CONCURRENCY = 8
DEFAULT_BATCH_SIZE = 25

WAIT_SPEC = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
    provisioning_retries=dict(type="int", default=2),
    progress_interval=dict(type="int"),
)

BULK_SPEC = dict(concurrency=dict(type="int", default=DEFAULT_CONCURRENCY))
BATCH_SPEC = dict(batch_size=dict(type="int", default=DEFAULT_BATCH_SIZE))


def diff_text(value):
    """A diff side as text that Ansible shows as a unified diff, accented names as they are (a dict would be shown as
    ASCII JSON, ``"H\u00e9l\u00e8ne"``): YAML when PyYAML is there, else indented JSON."""
    if HAS_YAML:
        return yaml.safe_dump(value, allow_unicode=True, default_flow_style=False, sort_keys=True, width=1000)
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


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
    """Every value (not key) of a result as the text Ansible's masking compares with the secrets: strings, and the
    text of numbers, booleans and None (a no_log int given as "1234" is masked where it shows as 1234)."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            yield current
        elif isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, (list, tuple, set, frozenset)):
            stack.extend(current)
        elif current is None or isinstance(current, (bool, int, float)):
            yield str(current)


def occurring(secrets, texts):
    """The secrets that occur in the texts, whole or inside a longer text.

    A few secrets are searched for one by one in each text (a substring search in C). Many - the passwords
    of a bulk list - are found in one pass over the distinct texts, whatever their number: each window of the length
    of the shortest secret (at most ``SECRET_WINDOW``) is looked up among the secrets' beginnings, and a secret found
    there is compared whole (a search per secret costs secrets x texts: 5 s for 10,000 passwords; the pass costs the
    texts' length, the better way from ``FEW_SECRETS`` secrets). The few secrets shorter than ``SHORT_SECRET`` are
    always searched for one by one."""
    secrets = set(secret for secret in secrets if secret)
    texts = set(texts)
    if len(secrets) < FEW_SECRETS:
        return set(secret for secret in secrets if any(secret in text for text in texts))
    found = set(secret for secret in secrets if len(secret) < SHORT_SECRET and any(secret in text for text in texts))
    longer = [secret for secret in secrets if len(secret) >= SHORT_SECRET]
    if not longer:
        return found
    size = min(SECRET_WINDOW, min(len(secret) for secret in longer))
    beginnings = {}
    for secret in longer:
        beginnings.setdefault(secret[:size], []).append(secret)
    for text in texts:
        for start in range(len(text) - size + 1):
            candidates = beginnings.get(text[start:start + size])
            if candidates:
                found.update(secret for secret in candidates if text.startswith(secret, start))
    return found


def occurring_in_result(secrets, result, messages=()):
    """The secrets that occur in a result's values or in its messages (or a few more: a secret kept that does not
    occur only costs Ansible's masking a pass that replaces nothing).

    Many secrets: :func:`occurring` over the result's strings (:func:`output_strings`). A few: the result as one JSON
    text, searched for each secret as JSON writes it (JSON escapes text one character at a time, so a secret inside a
    value is inside the value's JSON text) and as it is (the messages, as they are); the text also holds the result's
    keys, and the names of true, false and None as Python writes them, which only adds secrets. One text built and
    searched in C, where the strings of 20,000 jobs cost a Python pass of a fifth of a second."""
    secrets = set(secret for secret in secrets if secret)
    if len(secrets) >= FEW_SECRETS:
        return occurring(secrets, list(output_strings(result)) + list(messages))
    try:
        text = json.dumps(result, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # keys JSON cannot write
        return occurring(secrets, list(output_strings(result)) + list(messages))
    text = "\n".join([text, "True False None"] + [str(message) for message in messages])
    return set(secret for secret in secrets
               if secret in text or json.dumps(secret, ensure_ascii=False)[1:-1] in text)


def no_log_values(spec, params):
    """The strings to mask: every non-empty value of a ``no_log`` option, suboptions included, as AnsibleModule
    lists them (a number as its text, every string of a list or dict)."""
    values = set()
    for name, option in spec.items():
        value = params.get(name)
        if option.get("no_log") and value:
            values.update(leaf_texts(value))
        if option.get("options") and value:
            for entry in value if isinstance(value, list) else [value]:
                if isinstance(entry, dict):
                    values.update(no_log_values(option["options"], entry))
    return values


def leaf_texts(value):
    if isinstance(value, bytes):
        value = value.decode("utf-8", "surrogateescape")
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [text for element in value for text in leaf_texts(element)]
    if value is None or isinstance(value, bool):
        return []
    return [str(value)]


class Decoded(dict):
    """A mapping just read from a bulk list's JSON text: the module's own, so the validator's defensive deep copy of
    the list (0.7 s for 20,000 jobs) is not needed - the copy of each is the mapping itself."""

    def __deepcopy__(self, memo):
        return self


def packed_spec(argument_spec, packed, kwargs):
    """The options of a module whose bulk list ``packed`` may also be given as one JSON text (``<packed>_json``) and
    whose result lists may be asked as texts (``packed``), with the list's required, required-one-of and
    mutually-exclusive rules extended to the text. Returns the argument spec and the keyword arguments of
    AnsibleModule."""
    text = packed + PACKED_SUFFIX
    spec = dict(argument_spec)
    # raw: ansible-core before 2.19 may turn a JSON text into its list. Not no_log: that would mask every value of such
    # a list (its UPNs too) wherever it shows; its secrets are masked as the list's are, the text shown masked whole.
    spec[text] = dict(type="raw")
    spec["packed"] = dict(type="bool", default=False)
    kwargs = dict(kwargs)
    one_of = [tuple(group) + (text,) if packed in group else tuple(group) for group in kwargs.get("required_one_of") or []]
    if spec[packed].get("required"):
        spec[packed] = dict(spec[packed], required=False)
        one_of.append((packed, text))
    exclusive = [tuple(group) for group in kwargs.get("mutually_exclusive") or []]
    exclusive += [tuple(text if name == packed else name for name in group) for group in exclusive if packed in group]
    exclusive.append((packed, text))
    kwargs.update(required_one_of=one_of, mutually_exclusive=exclusive)
    return spec, kwargs


def cortex_argument_spec(argument_spec, with_wait=True, bulk=False, batch=False):
    """A module's whole argument spec: the connection options, the wait, bulk and batch ones it takes, and its own."""
    spec = dict(CONNECTION_SPEC)
    if with_wait:
        spec.update(WAIT_SPEC)
    if bulk:
        spec.update(BULK_SPEC)
    if batch:
        spec.update(BATCH_SPEC)
    spec.update(argument_spec)
    return spec


class CortexModuleMixin(object):
    """The Cortex part of a module: the connection options, one API client, the engine and the result.

    It sits in front of a class with the interface of AnsibleModule (``params``, ``check_mode``, ``_diff``,
    ``argument_spec``, ``no_log_values``, ``warn``, ``exit_json``, ``fail_json``): AnsibleModule in a module run
    (:class:`CortexModule`), or the controller's in-process module of ``plugin_utils/cortex_inprocess.py``.
    A module file declares ``SPEC`` (these keyword arguments) and ``run(module)``; ``main()`` is
    ``run(CortexModule(**SPEC))``.
    """

    invocation_params = None  # the parameters as given, when a bulk list came as a JSON text
    _pool = None  # the module's threads (parallel)

    def __init__(self, argument_spec, with_wait=True, bulk=False, batch=False, packed=None, **kwargs):
        kwargs.setdefault("supports_check_mode", True)
        if packed:
            argument_spec, kwargs = packed_spec(argument_spec, packed, kwargs)
        super(CortexModuleMixin, self).__init__(
            argument_spec=cortex_argument_spec(argument_spec, with_wait, bulk, batch), **kwargs)
        if packed:
            self._unpack(packed)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        self.started = time.monotonic()
        self._in_pool = threading.local()
        self.concurrency = max(1, min(self.params.get("concurrency") or DEFAULT_CONCURRENCY, 64))
        self.batch_size = max(1, min(self.params.get("batch_size") or DEFAULT_BATCH_SIZE, 500))
        self._api = None
        if self.params.get("tenant") is not None and code_problems(self.params["tenant"]):
            # an empty code would address the caller's own customer - the partner's - on a real Cortex
            self.fail_json(msg="tenant: %s" % "; ".join(code_problems(self.params["tenant"])))

    def _unpack(self, key):
        """The bulk list given as one JSON text (``<key>_json``): read, validated as the list option is (the same
        suboptions, defaults and conversions), its secrets masked as the list's would be, and set as the list. The
        invocation shows what the task gave: the text, masked whole."""
        text = self.params.get(key + PACKED_SUFFIX)
        if text is None:
            return
        self.invocation_params = dict(self.params)
        self.invocation_params[key + PACKED_SUFFIX] = NO_LOG_PLACEHOLDER
        if isinstance(text, list):  # read already by Ansible's templating (before 2.19): the list itself
            text = json.dumps(text)
        if not isinstance(text, str):
            self.fail_json(msg="%s%s: a JSON text is expected" % (key, PACKED_SUFFIX))
        try:
            value = json.loads(text, object_hook=Decoded)
        except ValueError as exc:
            where = (getattr(exc, "lineno", "?"), getattr(exc, "colno", "?"))  # never the text: it holds secrets
            self.fail_json(msg="%s%s: not JSON text (line %s, column %s)" % ((key, PACKED_SUFFIX) + where))
        option = dict(self.argument_spec[key], required=False)
        self.no_log_values.update(no_log_values({key: option}, {key: value}))
        if not isinstance(value, list):
            self.fail_json(msg="%s%s: a JSON list is expected" % (key, PACKED_SUFFIX))
        validation = ArgumentSpecValidator({key: option}).validate({key: value})
        if validation.error_messages:
            self.fail_json(msg="%s%s: %s" % (key, PACKED_SUFFIX, validation.errors.msg))
        self.params[key] = validation.validated_parameters[key]
        self.params[key + PACKED_SUFFIX] = None

    def exit_json(self, **kwargs):
        self._close_pool()
        self._narrow_no_log_values(kwargs)
        super(CortexModuleMixin, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        self._close_pool()
        kwargs["msg"] = msg
        self._narrow_no_log_values(kwargs)
        msg = kwargs.pop("msg")
        super(CortexModuleMixin, self).fail_json(msg, **kwargs)

    def message_texts(self):
        """The texts of the warnings and deprecations the result will carry (AnsibleModule keeps them globally)."""
        return [str(w) for w in get_warning_messages()] + [str(d) for d in get_deprecation_messages()]

    def _narrow_no_log_values(self, result):
        """Keep only the secrets that occur in the result, before Ansible masks it.

        Ansible's masking replaces each no_log value in each string of the result: with 1,000 passwords in a bulk
        form and 15,000 strings, that is 15 million replacements and seconds of CPU. Secrets that occur nowhere in
        the result need no replacement, and :func:`occurring_in_result` finds those that do in one pass over the
        result. The invocation, where the secrets do occur, gets Ansible's placeholder at their places, as its
        masking would give. Ansible's masking then still runs over the whole result, with every secret it contains.
        """
        if self.invocation_params is not None:  # a bulk list given as text: the invocation shows the text, masked
            result.setdefault("invocation", {"module_args": masked_params(self.argument_spec, self.invocation_params)})
        if len(self.no_log_values) < NARROW_NO_LOG_FROM:
            return
        if "invocation" not in result:
            result["invocation"] = {"module_args": masked_params(self.argument_spec, self.params)}
        self.no_log_values = self._occurring_secrets(result)

    def _occurring_secrets(self, result):
        """The secrets that occur in the result about to be returned (:func:`occurring_in_result`)."""
        return occurring_in_result(self.no_log_values, result, self.message_texts())

    @property
    def api(self):
        if self._api is None:
            params = self.params
            try:
                client = CortexClient(
                    params["cortex_url"], params["cortex_username"], params["cortex_password"],
                    validate_certs=params["validate_certs"], ca_path=params["ca_path"], timeout=params["timeout"],
                    auth=params["auth"], pool_size=self.concurrency, retry_budget=params["retry_timeout"],
                    unreachable_after=params["retry_timeout"])
            except CortexError as exc:
                self.fail_json(msg=exc.message)
            for warning in connection_warnings(params["cortex_url"], params["validate_certs"]):
                self.warn(warning)  # the same text from every task: Ansible shows it once per run
            self._api = CortexAPI(client)
        return self._api

    # -- helpers ---------------------------------------------------------------------------------------
    def parallel(self, function, items, threads=True):
        """``function(item)`` for every item, ``concurrency`` at a time (in turn without ``threads``: work that sends
        no request); returns results in order.

        Exceptions are returned in place of results, so one failing item does not hide the others. The threads are
        the module's, started once (a wait makes dozens of calls); a call from one of them (a batch read again while
        it is being written) gets threads of its own, so that it never waits for a thread of the pool it holds.
        """
        if not threads or len(items) <= 1 or self.concurrency == 1:
            return serial(function, items)
        if getattr(self._in_pool, "active", False):
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items)), initializer=self._enter_pool) as pool:
                return list(pool.map(lambda item: guarded(function, item), items))
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.concurrency, initializer=self._enter_pool)
        futures = [self._pool.submit(guarded, function, item) for item in items]
        try:
            return [future.result() for future in futures]
        except BaseException:  # the module's exit from one of them: every item started ends first, as it did alone
            wait_for(futures)
            raise

    def _enter_pool(self):
        self._in_pool.active = True

    def _close_pool(self):
        """Let the module's threads end once idle (never waiting for them: the exit may come from one of them)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def read_all(self, function, items, label, threads=True):
        """``function(item)`` for every item (in parallel unless ``threads`` is false: reads that send no request);
        the first failure fails the module, naming its item with ``label(item)``."""
        found = self.parallel(function, items, threads)
        for item, result in zip(items, found):
            if isinstance(result, Exception):
                self.fail_cortex(result, label(item))
        return found

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

    # -- running an entity -----------------------------------------------------------------------------
    def run(self, entity, items, key=None, bulk_key=None):
        """Reconcile the items, wait when asked, and exit with the module's result (failing when an item failed).

        The single form returns the object under ``key`` (at the top level when ``key`` is None); the bulk form
        returns a list of per-item results under ``bulk_key`` and a ``summary`` of counts.
        """
        Engine(self, entity).reconcile(items)
        result = self.result(entity, items, key, bulk_key)
        jobs = [job for item in items for job in item.jobs]
        if jobs and not self.check_mode:
            if self.params.get("wait", True):
                state = dict(key=key, bulk_key=bulk_key, kind=entity.kind, labels=[item.label for item in items],
                             done=self.done_views(entity, items, key, bulk_key))
                finished, jobs, outage = self.wait_jobs(jobs)
                if not finished:
                    # Returned early so that the action plugin prints progress; it goes on waiting, then settles.
                    result[results.WAIT_KEY] = dict(state, jobs=jobs, wait_left=self.wait_left())
                    self.exit_json(**result)
                results.settle(result, jobs, state, self.params.get("wait_timeout"), outage)
            else:
                result["jobs"] = jobs
        self.finish(result)

    def done_views(self, entity, items, key, bulk_key):
        """How each object with provisioning under way will show once it has succeeded (index -> view)."""
        views = {}
        for index, item in enumerate(items):
            if item.jobs:
                status = item.status
                item.status = "Deleted" if item.action == "delete" else "Provisioned"
                views[str(index)] = self.item_result(entity, item, key, brief=bulk_key is not None)[key]
                item.status = status
        return views

    def wait_left(self):
        return max(self.params.get("wait_timeout", 600) - (time.monotonic() - self.started), 0)

    def wait_jobs(self, jobs):
        """Poll jobs (dicts) for up to ``progress_interval`` seconds (all of ``wait_timeout`` when it is 0).
        Returns (whether the wait is over, the jobs as dicts, None or why Cortex could not be asked any more)."""
        scheduler = Scheduler(self.api, retries=self.params.get("provisioning_retries", 2),
                              concurrency=self.concurrency, parallel=self.parallel,
                              unreachable_after=self.params.get("retry_timeout") or 60)
        scheduler.add([Job.from_dict(job) for job in jobs])
        now = time.time()  # the scheduler's clock
        until = now + self.wait_left()
        interval = self.params.get("progress_interval") or 0
        if interval > 0:
            until = min(until, now + interval)
        outage = None
        try:
            finished = scheduler.run(until)
        except CortexUnreachable as exc:  # the circuit breaker: what is not confirmed is a failure, counted
            finished, outage = True, exc.message
        except CortexError as exc:
            self.fail_cortex(exc, "waiting for %d provisioning request(s)" % len(jobs))
        done = [job.to_dict() for job in scheduler.jobs]
        return finished or self.wait_left() <= 0, done, outage

    def result(self, entity, items, key, bulk_key):
        item_results = [self.item_result(entity, item, key, brief=bulk_key is not None) for item in items]
        if bulk_key is None:
            output = item_results[0]
            if key is None:  # the object's fields are the result's top level
                output.update(output.pop(None) or {})
        else:
            output = {bulk_key: item_results, "summary": results.bulk_summary(item_results)}
            message = results.bulk_message(item_results, entity.kind)
            if message:
                output["failed"], output["msg"] = True, message
        output["changed"] = any(self.changed(item) for item in items)
        if self._diff:
            before, after = {}, {}
            for item in items:
                if item.action:
                    before[item.label], after[item.label] = entity.diff(item)
            header = "%d %s(s)" % (len(before), entity.kind)
            if bulk_key is None and items and items[0].action:
                before, after, header = before[items[0].label], after[items[0].label], items[0].label
            output["diff"] = dict(before=diff_text(before), after=diff_text(after), before_header=header,
                                  after_header=header)
        return output

    def changed(self, item):
        """An item changed something when it has an action and, outside check mode, something was written for it."""
        return bool(item.action) and (self.check_mode or item.wrote)

    def item_result(self, entity, item, key, brief=False):
        """The body of the single form's result, or (``brief``) one item of a bulk form's list."""
        result = dict(action=item.action or "none", request_ids=item.request_ids)
        if brief:
            result["changed"] = self.changed(item)
        shown = entity.present(item)
        if brief:
            # A bulk list of thousands is carried through Ansible's controller item by item: keep what identifies
            # the object and its status; the info modules return whole objects.
            shown = dict((name, shown[name]) for name in entity.brief + ("status", "status_color") if name in shown)
        result[key] = shown
        if item.error:
            result["failed"] = True
            result["msg"] = "%s: %s" % (item.label, item.error)
        if item.note:
            result["note"] = item.note
        return result

    def finish(self, result):
        if result.get("failed"):
            msg = result.pop("msg")
            result.pop("failed")
            self.fail_json(msg=msg, **result)
        self.exit_json(**result)


class CortexModule(CortexModuleMixin, AnsibleModule):
    """AnsibleModule with the connection options, one API client, and the engine: a module run."""
