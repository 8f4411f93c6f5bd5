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
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_results as results
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_connection import OPTION_NAMES
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_poll import human_duration

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


class CortexWaitingAction(ActionBase):
    """Runs the task's module, then keeps waiting in short ``cortex_wait`` runs, printing progress in between."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(CortexWaitingAction, self).run(tmp, task_vars)
        args = dict(self._task.args)
        if args.get("progress_interval") is None:
            args["progress_interval"] = DEFAULT_PROGRESS_INTERVAL
        started = time.monotonic()
        result.update(self._execute_module(module_name=self._task.resolved_action, module_args=args,
                                           task_vars=task_vars))
        state = first = result.pop(results.WAIT_KEY, None)
        if not state:
            return result
        jobs = state["jobs"]
        while True:
            display.display(progress_line(jobs, started))
            waited = self._execute_module(module_name=WAIT_MODULE, module_args=self.wait_args(args, jobs, state),
                                          task_vars=task_vars)
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
        result.update(results.wait_result(jobs, args.get("wait_timeout", 600), outage))
