# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a module returns, built from its items and their provisioning jobs.

Pure functions on plain data, shared by the modules (which build their result) and the action plugins (which keep
waiting after a module run returned, and then settle the same result with the jobs' outcomes).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_kinds import describe as describe_ref
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import status_color

# The key under which a module that returned before its provisioning ended hands its jobs to its action plugin.
WAIT_KEY = "_cortex_wait"
# The lists of a result that ``packed: true`` returns as JSON texts (``<key>_json``), and the suffix.
PACKED_LISTS = ("users", "mailboxes", "jobs")
PACKED_SUFFIX = "_json"


def pack(result, default=None):
    """The result with its bulk lists (``PACKED_LISTS``) as JSON texts, in place: what ``packed: true`` returns.
    ``default`` is json.dumps's, for values JSON has no form of."""
    for key in PACKED_LISTS:
        if isinstance(result.get(key), list):
            result[key + PACKED_SUFFIX] = json.dumps(result.pop(key), sort_keys=True, separators=(",", ":"),
                                                     default=default)
    return result


def jobs_text(results):
    """The jobs of several results (``jobs``, or ``jobs_json`` when packed) as one JSON text, what one wait is given,
    without reading packed texts back: a packed ``jobs_json`` (an array, as :func:`pack` writes it) is joined as text.
    With 20,000 jobs, reading them and writing them again costs a third of a second, joining them nothing; the module
    that takes the joined text reads and validates it whole."""
    parts = []
    for result in results or []:
        text = (result or {}).get("jobs" + PACKED_SUFFIX)
        text = text.strip() if isinstance(text, str) else None
        if text and text.startswith("[") and text.endswith("]"):
            inner = text[1:-1].strip()
        else:
            jobs = unpack(result or {}).get("jobs") or []
            inner = json.dumps(jobs, sort_keys=True, separators=(",", ":"))[1:-1] if jobs else ""
        if inner:
            parts.append(inner)
    return "[" + ",".join(parts) + "]"


def unpack(result, keys=PACKED_LISTS):
    """A copy of a result with its packed lists (:func:`pack`) read back as lists - all, or those of ``keys`` -; any
    other result as it is."""
    if not isinstance(result, dict) or not any(key + PACKED_SUFFIX in result for key in keys):
        return result
    result = dict(result)
    for key in keys:
        if key + PACKED_SUFFIX in result:
            result[key] = from_text(result.pop(key + PACKED_SUFFIX))
    return result


def from_text(value):
    """What a packed text holds. Ansible before 2.19 may already have read a text that looks like a list into that
    list, when a template handed it on: taken as it is."""
    return json.loads(value) if isinstance(value, str) else value


def job_outcome(jobs):
    """(status, error) of an object from the jobs provisioning it: the first failure, else the last status."""
    for job in jobs:
        if job["status"] == "Failed":
            what = "provisioning request %s failed" % job["id"] if job.get("id") else "provisioning failed"
            if job.get("retries"):
                what += " (queued again %d time(s), failed each time)" % job["retries"]
            return "Failed", "%s: %s" % (what, job.get("message") or "no reason given")
    if any(job["status"] not in ("Provisioned", "Deleted", "NotProvisioned") for job in jobs):
        status = next(job["status"] for job in jobs if job["status"] not in ("Provisioned", "Deleted", "NotProvisioned"))
        return status, None
    if any(job["ref"].get("action") in ("delete",) for job in jobs):
        return "Deleted", None
    if any(job["ref"].get("action") in ("deprovision",) for job in jobs):
        return "NotProvisioned", None
    return "Provisioned", None


def bulk_summary(results):
    counts = {}
    for result in results:
        counts[result["action"]] = counts.get(result["action"], 0) + 1
    failed = [r for r in results if r.get("failed")]
    return dict(total=len(results), failed=len(failed), **counts)


def bulk_message(results, kind):
    failed = [r for r in results if r.get("failed")]
    if not failed:
        return None
    return "%d of %d %s(s) failed: %s" % (len(failed), len(results), kind, " | ".join(r["msg"] for r in failed))


def settle(result, jobs, state, timeout=None, outage=None):
    """Put the outcome of ``jobs`` (dicts) into a module result, in place: each object as it shows once provisioned
    (``state["done"]``, computed by the module), or its failure - an object still in progress when the wait ended
    (``wait_timeout``, or ``outage``: why Cortex could not be asked any more) is a failure too. ``state`` also holds
    the result's ``key`` and ``bulk_key``, the entity's ``kind`` and each item's label."""
    key, bulk_key = state["key"], state["bulk_key"]
    by_item = {}
    for job in jobs:
        by_item.setdefault(job.get("item") or 0, []).append(job)
    items = result[bulk_key] if bulk_key else [result]
    for index, item_jobs in by_item.items():
        item = items[index]
        status, error = job_outcome(item_jobs)
        if status not in ("Provisioned", "Deleted", "NotProvisioned", "Failed") and error is None:
            error = "not confirmed, still %s: %s" % (status, outage) if outage else \
                "still %s after wait_timeout=%ss" % (status, timeout)
        view = dict(state["done"].get(str(index)) or {})
        if status not in ("Provisioned", "Deleted", "NotProvisioned"):
            view.update(status=status, status_color=status_color(status))
        if key:
            item[key] = view
        else:
            item.update(view)
        if error:
            item["failed"] = True
            item["msg"] = "%s: %s" % (state["labels"][index], error)
        retried = [job for job in item_jobs if job.get("retries")]
        if retried and not error:
            item["note"] = "provisioning failed and was queued again (%d time(s)) before it succeeded; last reason: %s" % (
                sum(job["retries"] for job in retried), retried[0].get("message") or "none given")
    if bulk_key:
        result["summary"] = bulk_summary(result[bulk_key])
        message = bulk_message(result[bulk_key], state["kind"])
        if message:
            result["failed"], result["msg"] = True, message
    return result


def wait_result(jobs, timeout=None, outage=None, returned="all"):
    """The result of cortex_wait for jobs (dicts): counts, each failure, and whether the task failed. Jobs still in
    progress fail it when it waited (``timeout`` given) or could not go on waiting (``outage``: why). ``returned``:
    the jobs the result holds, ``all``, or ``unconfirmed`` - those that failed or were still in progress."""
    summary = dict(total=len(jobs), provisioned=0, failed=0, pending=0,
                   retried=sum(job.get("retries") or 0 for job in jobs))
    failures = []
    unconfirmed = []
    waited = timeout is not None or outage
    for job in jobs:
        status, error = job_outcome([job])
        if error:
            summary["failed"] += 1
            unconfirmed.append(job)
            failures.append(dict(object=describe_ref(job["ref"]), request_id=job.get("id"), message=error))
        elif status in ("Provisioned", "Deleted", "NotProvisioned"):
            summary["provisioned"] += 1
        else:
            summary["pending"] += 1
            unconfirmed.append(job)
            if waited:  # not confirmed when the wait ended: a failure of the run, named with its object
                failures.append(dict(object=describe_ref(job["ref"]), request_id=job.get("id"), pending=True,
                                     message="not confirmed, still %s: %s" % (status, outage) if outage else
                                     "still %s after wait_timeout=%ss" % (status, timeout)))
    result = dict(changed=bool(summary["retried"]) or any(job.get("sent") for job in jobs),
                  jobs=unconfirmed if returned == "unconfirmed" else jobs, summary=summary, failures=failures)
    problems = ["%s: %s" % (f["object"], f["message"]) for f in failures]
    if summary["pending"] and outage:
        problems.append("%d not confirmed (still in progress when the wait stopped): %s" % (summary["pending"], outage))
        result["outage"] = outage
    elif summary["pending"] and timeout is not None:
        problems.append("%d still in progress after wait_timeout=%ss" % (summary["pending"], timeout))
    if problems:
        result["failed"] = True
        result["msg"] = "%d of %d provisioning job(s) did not succeed: %s" % (
            summary["failed"] + summary["pending"], len(jobs), " | ".join(problems[:50]))
    return result
