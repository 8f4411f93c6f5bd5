# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The summary of an onboarding (the filter ``onboarding_summary``): what became of each object of the client plan.

The objects the plan leaves as they are are counted unchanged (``unchanged_by_step``); every object it has work for
(module_utils/cortex_plan.py, ``objects``) gets one outcome: what its step's module did with it - ``created``,
``changed``, ``removed`` - unless it
failed: its item failed, its step failed as a whole, its provisioning ended ``Failed``, or it was not confirmed when the
wait ended (``wait_timeout`` reached, Cortex unreachable, the wait itself failed). Nothing is counted done that Cortex
did not confirm, so a run ends well only when every object it touched is confirmed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_kinds import KINDS
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_plan import plan_objects
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_results import PACKED_SUFFIX, unpack

OUTCOMES = {"create": "created", "update": "changed", "reprovision": "changed", "delete": "removed"}
STEPS = ("tenant", "admin", "exchange", "users", "mailboxes")
OBJECT_LISTS = ("users", "mailboxes")
LABELS = dict((kind.summary, kind.summary) for kind in KINDS.values())
LABELS.update(admin="administrator")


def _key(name):
    return (name or "").casefold()


def _items(step, result):
    """The per-object results of a step's module result, by object name (folded)."""
    if not result or result.get("skipped"):
        return None
    found = {}
    if isinstance(result.get("users"), list) or isinstance(result.get("mailboxes"), list):
        for item in result.get("users") or result.get("mailboxes") or []:
            if step == "mailboxes":
                found[_key("mailbox of '%s'" % (item.get("service") or {}).get("user"))] = item
            else:
                found[_key("user '%s'" % (item.get("user") or {}).get("upn"))] = item
    elif "action" in result:
        found["*"] = result  # a single form: the step's one object
    return found


def _has_jobs(result):
    """Whether a step's result has provisioning jobs (``jobs``, or ``jobs_json`` when packed), started without
    waiting."""
    return result.get("jobs") is not None or result.get("jobs" + PACKED_SUFFIX) is not None


def _waited_failures(waited):
    """Objects the wait did not confirm: name (folded) -> reason; and the reason for every object when the wait itself
    failed without telling which."""
    failed = {}
    for failure in (waited or {}).get("failures") or []:
        failed[_key(failure["object"])] = failure["message"]
    whole = None
    if waited and not waited.get("skipped") and waited.get("failed") and waited.get("summary") is None:
        whole = "not confirmed: the wait for the provisioning failed (%s)" % (waited.get("msg") or "no reason given")
    return failed, whole


def onboarding_summary(steps, waited=None, plan=None, check_mode=False):
    """Counts of created / changed / removed / unchanged / failed objects, each failure, lines to print.

    ``steps`` maps a step name (tenant, admin, exchange, users, mailboxes) to its registered module result; ``waited``
    is the result of cortex_wait; ``plan`` the client plan (its ``objects``, ``pruned``, ``undescribed``, ``code``).
    Results and plan may be packed (``packed: true``: their lists as JSON texts).
    """
    plan = plan or {}
    # packed lists read back: the steps' objects; of the jobs, only whether a step has some (the wait's failures say
    # which were not confirmed)
    steps = dict((step, unpack(result, OBJECT_LISTS)) for step, result in (steps or {}).items())
    failed_jobs, wait_failed = _waited_failures(waited)
    wait_ran = bool(waited) and not waited.get("skipped")
    counts = dict(created=0, changed=0, removed=0, unchanged=0, failed=0)
    per_step, failures, outcomes = {}, [], {}
    results = dict((step, _items(step, (steps or {}).get(step))) for step in STEPS)
    for step, count in (plan.get("unchanged_by_step") or {}).items():  # left as they are: counted, not listed
        counts["unchanged"] += count
        per_step.setdefault(step, dict(created=0, changed=0, removed=0, unchanged=0, failed=0))["unchanged"] += count
    for obj in plan_objects(plan):
        step, name, action = obj["step"], obj["object"], obj["action"]
        outcome, reason = "unchanged", None
        if action != "none":
            result = (steps or {}).get(step) or {}
            items = results.get(step)
            item = None if items is None else items.get(_key(name), items.get("*"))
            user = "user '%s'" % name[len("mailbox of '"):-1] if step == "mailboxes" else None
            if item is None and user is not None and outcomes.get(user) == "failed":
                reason = "not provisioned: its user failed"
            elif item is None and items is None:
                reason = result.get("msg") if result.get("failed") else "not attempted (an earlier step failed)"
            elif item is None:
                reason = result.get("msg") if result.get("failed") else "not in its step's result"
            elif item.get("failed") or (item is result and result.get("failed")):
                reason = item.get("msg") or result.get("msg") or "failed"
            elif item.get("action", "none") == "none":
                outcome = "unchanged"  # found as asked by the module (another run made it meanwhile)
            else:
                outcome = OUTCOMES.get(item.get("action"), "changed")
            if reason is None and outcome != "unchanged" and not check_mode and _has_jobs(result):
                # started without waiting: confirmed only by the wait
                reason = failed_jobs.get(_key(name)) or wait_failed or (
                    None if wait_ran else "not confirmed: the run stopped before waiting for its provisioning")
            elif reason is None and outcome != "unchanged" and not check_mode:
                reason = failed_jobs.get(_key(name))
            if reason is not None:
                outcome = "failed"
                failures.append({"step": step, "object": name, "reason": reason})
        outcomes[name] = outcome
        counts[outcome] += 1
        step_counts = per_step.setdefault(step, dict(created=0, changed=0, removed=0, unchanged=0, failed=0))
        step_counts[outcome] += 1
        if obj.get("mailbox") and outcome == "removed":  # its mailbox was deprovisioned first, with it
            counts["removed"] += 1
            step_counts["mailboxes"] = step_counts.get("mailboxes", 0) + 1
        if obj.get("domains") and outcome == "created":
            step_counts["domains"] = obj["domains"]
    would = "would be " if check_mode else ""
    words = dict(created=would + "created", changed=would + "changed", removed=would + "removed",
                 unchanged="unchanged", failed="failed")
    lines = []
    for step in STEPS:
        c = per_step.get(step)
        if not c:
            continue
        parts = []
        for what, n in c.items():
            if n and what in words:
                parts.append("%d %s" % (n, words[what]))
                if what == "removed" and c.get("mailboxes"):
                    parts[-1] += " (with %d mailbox%s)" % (c["mailboxes"], "" if c["mailboxes"] == 1 else "es")
                if what == "created" and c.get("domains"):
                    parts[-1] += " (with %d domain%s)" % (c["domains"], "" if c["domains"] == 1 else "s")
        text = ", ".join(parts)
        lines.append("%s: %s" % (LABELS.get(step, step), text or "nothing to do"))
    if plan.get("pruned"):
        removed = " - would be removed" if check_mode else ""
        lines.append("pruned (not in the description)%s: %s" % (removed, ", ".join(plan["pruned"])))
    if plan.get("undescribed"):
        lines.append("in Cortex but not in the description (kept; client_onboarding_prune removes them): %s"
                     % ", ".join(plan["undescribed"]))
    lines += ["FAILED %s (%s): %s" % (f["object"], f["step"], f["reason"]) for f in failures]
    if failures:
        lines.append("%d object(s) failed or were not confirmed; fix the cause and run again (failed objects are "
                     "provisioned again): %s" % (len(failures), ", ".join(f["object"] for f in failures)))
    code = ((steps or {}).get("tenant") or {}).get("tenant", {}).get("code") or plan.get("code")
    return dict(counts, steps=per_step, failures=failures, lines=lines, words=words, objects=outcomes,
                code=code or ("(would be made by Cortex)" if check_mode else "(no code yet)"),
                code_given=bool(plan.get("code_given")))
