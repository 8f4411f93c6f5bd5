# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The summary of an onboarding: what each step of the role created, changed, removed, left unchanged or failed,
counted from the modules' registered results and the wait's outcome (the filter ``onboarding_summary``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _failed_jobs(waited):
    failed = {}
    for failure in (waited or {}).get("failures") or []:
        failed[failure["object"].casefold()] = failure["message"]
    return failed


STEP_LABELS = {"mailbox_removals": "mailboxes of removed users"}


def _object_name(step, item, result):
    if item is result and step in ("users", "mailboxes", "mailbox_removals") and "action" not in result:
        return "%s (the whole task)" % STEP_LABELS.get(step, step)
    obj = item.get("user") or item.get("service") or item.get("tenant") or {}
    if step in ("mailboxes", "mailbox_removals"):
        return "mailbox of '%s'" % obj.get("user")
    if step in ("users", "admin"):
        return "user '%s'" % obj.get("upn")
    if step == "exchange":
        return "Hosted Exchange of tenant '%s'" % (result.get("tenant_code") or "")
    return "tenant '%s'" % obj.get("code")


def onboarding_summary(steps, waited=None, plan=None, check_mode=False):
    """Counts of created / changed / removed / unchanged / failed objects over the role's steps, and each failure.

    ``steps`` maps a step name to its registered module result (single or bulk form); ``waited`` is the result of
    cortex_wait, whose failures fail the objects that started them; ``plan`` the onboarding plan (its users that are
    not described, its mailboxes not attempted because their user failed).
    """
    failed_jobs = _failed_jobs(waited)
    counts = dict(created=0, changed=0, removed=0, unchanged=0, failed=0)
    failures, per_step = [], {}
    failed_users = set()
    for step, result in steps.items():
        if not result or result.get("skipped"):
            continue
        items = None
        for bulk_key in ("users", "mailboxes"):
            if isinstance(result.get(bulk_key), list):
                items = result[bulk_key]
        if items is None:
            items = [result]
        step_counts = dict(created=0, changed=0, removed=0, unchanged=0, failed=0)
        for item in items:
            name = _object_name(step, item, result)
            reason = item.get("msg") if item.get("failed") else None
            if reason is None and result.get("failed") and items == [result]:
                reason = result.get("msg")
            if reason is None:
                reason = failed_jobs.get(name.casefold())
            if reason:
                bucket = "failed"
                failures.append({"step": step, "object": name, "reason": reason})
                if step == "users":
                    failed_users.add(((item.get("user") or {}).get("upn") or "").casefold())
            elif item.get("action") == "create":
                bucket = "created"
            elif item.get("action") == "delete":
                bucket = "removed"
            elif item.get("action") in ("update", "reprovision"):
                bucket = "changed"
            else:
                bucket = "unchanged"
            step_counts[bucket] += 1
            counts[bucket] += 1
        if step == "tenant" and result.get("tenant", {}).get("domains") and step_counts["created"]:
            step_counts["domains"] = len(result["tenant"]["domains"])
        per_step[step] = step_counts
    sent = set(((item.get("service") or {}).get("user") or "").casefold()
               for item in (steps.get("mailboxes") or {}).get("mailboxes") or [])
    for mailbox in (plan or {}).get("mailboxes") or []:
        user = (mailbox.get("user") or "").casefold()
        if user in failed_users and user not in sent:
            counts["failed"] += 1
            failures.append({"step": "mailboxes", "object": "mailbox of '%s'" % mailbox["user"],
                             "reason": "not provisioned: its user failed"})
    would = "would be " if check_mode else ""
    words = dict(created=would + "created", changed=would + "changed", removed=would + "removed",
                 unchanged="unchanged", failed="failed")
    lines = []
    for step, c in per_step.items():
        text = ", ".join("%d %s" % (n, words[what]) for what, n in c.items() if n and what in words)
        if c.get("domains"):
            text += " (with %d domain%s)" % (c["domains"], "" if c["domains"] == 1 else "s")
        lines.append("%s: %s" % (STEP_LABELS.get(step, step), text or "nothing to do"))
    undescribed = (plan or {}).get("undescribed") or []
    if undescribed:
        lines.append("in Cortex but not in the description (kept; client_onboarding_prune removes them): %s"
                     % ", ".join(undescribed))
    lines += ["FAILED %s (%s): %s" % (f["object"], f["step"], f["reason"]) for f in failures]
    code = ((steps.get("tenant") or {}).get("tenant") or {}).get("code") or (plan or {}).get("code")
    return dict(counts, steps=per_step, failures=failures, lines=lines, words=words,
                code=code or ("(would be made by Cortex)" if check_mode else "(no code yet)"))
