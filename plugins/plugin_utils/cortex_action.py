# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin in front of every module that waits for provisioning: it prints progress while it waits.

A module cannot print while it runs; an action plugin runs on the controller and can. So the plugin runs the module
with ``progress_interval`` (10 s unless the task sets it): the module writes, polls for at most that long, and, if
provisioning is still under way, returns its jobs instead of a final result. The plugin then prints a progress line
(``BMS: 812/2004 provisioned, 1190 in progress, 2 failed, about 3 min left``), runs ``cortex_wait`` for the next
interval with those jobs, prints again, and so on until everything has ended or ``wait_timeout`` has passed. Last,
it settles the module's result with the jobs' outcome (statuses, failures), exactly as the module would have.

At zero latency everything ends within the first interval: one module run, no line printed, nothing added.

Every module of the collection has an action plugin on :class:`CortexAction` (the waiting ones on
:class:`CortexWaitingAction`): when the task's connection is ``local``, it runs the module in the worker process
(``cortex_inprocess.py``) instead of as a module run, with the same result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_results as results
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_connection import OPTION_NAMES
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_poll import human_duration
from ansible_collections.cloudforyou.cortex.plugins.plugin_utils import cortex_inprocess as inprocess
from ansible_collections.cloudforyou.cortex.plugins.plugin_utils.cortex_text import unsafe_text

display = Display()

DEFAULT_PROGRESS_INTERVAL = 10
CONNECTION_OPTIONS = OPTION_NAMES
WAIT_MODULE = "cloudforyou.cortex.cortex_wait"


def progress_line(jobs, started):
    """One line of progress over job dicts: ``BMS: 812/2004 provisioned, 1190 in progress, 2 failed, ...``."""
    tenants = sorted(set(job["ref"].get("tenant") or "?" for job in jobs))
    label = ", ".join(tenants) if len(tenants) <= 3 else "%d tenants" % len(tenants)
    summary = results.wait_result(jobs)["summary"]
    done, failed = summary["provisioned"], summary["failed"]
    line = "%s: %d/%d provisioned, %d in progress, %d failed" % (label, done, len(jobs), summary["pending"], failed)
    if summary["retried"]:
        line += " (%d queued again)" % summary["retried"]
    elapsed = time.monotonic() - started
    if summary["pending"] and done + failed and elapsed > 0:
        line += ", about %s left" % human_duration(summary["pending"] * elapsed / float(done + failed))
    return line


class CortexAction(ActionBase):
    """Runs the task's module: in-process when it can (``cortex_inprocess.refusal``), else as a module run."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def packed(self):
        """Whether the task asks for its bulk lists as texts (``packed``)."""
        return boolean(self._task.args.get("packed") or False, strict=False)

    def run(self, tmp=None, task_vars=None):
        result = self.run_task(tmp, task_vars)
        if self.packed() and not result.get("skipped"):
            # the module's lists as texts: the module run gives lists, whatever runs it; before 2.19, marked unsafe
            # as the rest of a module's result is, and as texts that no later template reads back into lists
            for key, value in results.pack(result).items():
                if key.endswith(results.PACKED_SUFFIX) and inprocess.wrap_var is not None:
                    result[key] = unsafe_text(value)
        return result

    def run_task(self, tmp=None, task_vars=None):
        result = super(CortexAction, self).run(tmp, task_vars)
        result.update(self.run_module(self._task.resolved_action, dict(self._task.args), task_vars,
                                      packed=self.packed()))
        return result

    def run_module(self, module_name, module_args, task_vars, packed=False):
        """The module's result, from a run in this process or from a module run on the task's host. ``packed``: the
        task's own module, whose result is the task's: a run in this process packs its lists itself, before they go
        through JSON (:meth:`run` packs those of a module run)."""
        reason = inprocess.refusal(self._task, self._connection, self._play_context, module_name)
        if reason is None:
            display.vvv("%s: running in-process on the controller" % module_name, host=self._play_context.remote_addr)
            return inprocess.run_module(inprocess.module_file(module_name), module_name, module_args,
                                        check_mode=self._task.check_mode, diff=self._task.diff, packed=packed)
        display.vvv("%s: a module run (%s)" % (module_name, reason), host=self._play_context.remote_addr)
        return self._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars)


class CortexWaitingAction(CortexAction):
    """Runs the task's module, then keeps waiting in short ``cortex_wait`` runs, printing progress in between."""

    def run_task(self, tmp=None, task_vars=None):
        result = ActionBase.run(self, tmp, task_vars)  # its own module run below, not CortexAction's
        args = dict(self._task.args)
        if args.get("progress_interval") is None:
            args["progress_interval"] = DEFAULT_PROGRESS_INTERVAL
        started = time.monotonic()
        result.update(self.run_module(self._task.resolved_action, args, task_vars, packed=self.packed()))
        state = first = result.pop(results.WAIT_KEY, None)
        if not state:
            return result
        jobs = state["jobs"]
        while True:
            display.display(progress_line(jobs, started))
            waited = self.run_module(WAIT_MODULE, self.wait_args(args, jobs, state), task_vars)
            if waited.get("jobs") is None:
                # the wait itself failed (refused, or an error reading): what is not confirmed is a failure, named
                outage = waited.get("msg") or "waiting for the provisioning failed"
                break
            jobs, outage = waited["jobs"], waited.get("outage")
            state = waited.get(results.WAIT_KEY)
            if not state:
                break
        display.display(progress_line(jobs, started))
        self.settle(result, jobs, args, first, outage)
        return result

    def wait_args(self, args, jobs, state):
        wait_args = dict((name, args[name]) for name in CONNECTION_OPTIONS if args.get(name) is not None)
        wait_args.update(jobs=jobs, wait_timeout=max(int(state.get("wait_left") or 0), 0),
                         progress_interval=args["progress_interval"])
        for name in ("provisioning_retries", "concurrency"):
            if args.get(name) is not None:
                wait_args[name] = args[name]
        return wait_args

    def settle(self, result, jobs, args, first, outage=None):
        """Put the outcome into the module's result, as the module would have (statuses, failed items)."""
        results.settle(result, jobs, first, args.get("wait_timeout", 600), outage)


class CortexWaitAction(CortexWaitingAction):
    """cortex_wait itself: its result is the jobs' outcome."""

    def settle(self, result, jobs, args, first, outage=None):
        result.update(results.wait_result(jobs, args.get("wait_timeout", 600), outage, args.get("return_jobs") or "all"))
