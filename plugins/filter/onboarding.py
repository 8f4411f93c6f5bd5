# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the client onboarding and offboarding: thin adapters of the client plan (module_utils/cortex_plan.py,
where every rule is, shared with the modules), the summary, users from CSV text, the fleet summary and the usage CSV.
They run on the controller, so planning 1,000 users costs no module run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io
import json

from ansible.errors import AnsibleFilterError
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_csv import CsvError, read_users
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_plan import (
    pack_plan, plan_client, plan_offboarding, step_text)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_results import from_text, jobs_text
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_schema import USER_FIELDS, uses_extended
from ansible_collections.cloudforyou.cortex.plugins.plugin_utils.cortex_text import unsafe_text
from ansible_collections.cloudforyou.cortex.plugins.plugin_utils.onboarding_summary import onboarding_summary


def onboarding_plan(client, existing=None, catalog=None, prune=False, prune_max=10, update_password="on_create",
                    full=True, packed=False, users_json=None):
    """The plan of a cortex_client description (module_utils/cortex_plan.py): every problem, and each step's inputs.

    ``existing``: the result of cortex_client_info with ``snapshot: true`` for the client - what Cortex holds and
    offers; without it the client is planned as new, against ``catalog`` (deprecated: a 1.0 result of
    cortex_client_info without snapshot is still read, with what it holds). ``prune``: remove the tenant's users the
    description does not list (its administrators excepted), at most ``prune_max``; ``update_password``: for the users
    (and administrator) whose entry does not set it. ``full=False`` leaves out the lists of every described user and
    mailbox (``users``, ``mailboxes``, ``mailbox_removals``): the role needs only ``steps``. ``packed=True`` gives the
    steps' items and the objects as JSON texts (``steps_json``, ``objects_json``, with ``step_sizes``).
    ``users_json``: more users, after the description's, as one JSON text (the ``users_csv`` lookup with
    ``packed=true``): read as text, not as thousands of values that Ansible templates one by one.
    """
    if not isinstance(client, dict):
        raise AnsibleFilterError("onboarding_plan expects the cortex_client dictionary, got %s"
                                 % ("a list" if isinstance(client, list) else "text" if isinstance(client, str)
                                    else "another kind of value"))
    snapshot = snapshot_of(existing)
    if snapshot is None:
        snapshot = legacy_snapshot(existing or {}, catalog)
    client = materialized(client)
    more = from_text(users_json) if users_json is not None else []
    if not isinstance(more, list):
        raise AnsibleFilterError("onboarding_plan: users_json must be a JSON list of users, as the users_csv lookup "
                                 "gives it with packed=true")
    if more and isinstance(client.get("users") or [], list):  # (users not a list: the plan names that problem)
        client["users"] = list(client.get("users") or []) + more
    plan = plan_client(client, snapshot, bool(prune), int(prune_max), update_password)
    if not full:
        for key in ("users", "mailboxes", "mailbox_removals"):
            plan.pop(key)
    if packed:
        pack_plan(plan)
    return wrap_var(plan)


def materialized(value):
    """Plain dicts and lists holding what ``value``'s hold: each value read once. From ansible-core 2.19 a filter is
    given lazy containers, which template a value each time it is read; the planner reads most values more than
    once (a tenth of a second for 10,000 users)."""
    if isinstance(value, dict):
        return dict((key, materialized(item)) for key, item in value.items())
    if isinstance(value, list):
        return [materialized(item) for item in value]
    return value


def onboarding_step(plan, step, users=None, admin=None):
    """The items of one of the role's bulk steps (``users`` or ``mailboxes``), as one JSON text for the module's
    ``users_json`` or ``mailboxes_json``: the plan's, without the mailboxes of users whose step failed
    (module_utils/cortex_plan.py ``step_text``; ``users`` and ``admin``: the results of those steps)."""
    if step not in ("users", "mailboxes"):
        raise AnsibleFilterError("onboarding_step: the step is users or mailboxes, not %r" % (step,))
    return unsafe_text(step_text(plan or {}, step, users, admin))


def onboarding_jobs(results):
    """The provisioning jobs of the steps' results (a list of registered results; ``jobs``, or ``jobs_json`` when
    packed), as one JSON text for cortex_wait's ``jobs_json``."""
    if not isinstance(results, list):
        raise AnsibleFilterError("onboarding_jobs expects a list of registered results")
    return unsafe_text(jobs_text(r for r in results if isinstance(r, dict)))


def snapshot_of(existing):
    """The snapshot in a result of cortex_client_info: ``snapshot``, or ``snapshot_json`` (``packed: true``, one text
    that Ansible carries far faster than the values of thousands of users) read back. The plans made from it are
    marked unsafe (:func:`wrap_var`), as a module's result is: no text read from Cortex, and no value of the
    description already templated once, is ever templated again by a later task."""
    existing = existing or {}
    if existing.get("snapshot_json") is not None:
        return json.loads(existing["snapshot_json"])
    return existing.get("snapshot")


def legacy_snapshot(existing, catalog=None):
    """A snapshot from what cortex_client_info returned in 1.0 (``client``, ``state``, ``catalog``) - deprecated, kept
    so that plays calling the filter with it go on working until 2.0.0."""
    catalog = dict(catalog or existing.get("catalog") or {})
    snapshot = dict(catalog=catalog, held=catalog.get("domains") or {}, tenants=[], users=[])
    client = existing.get("client") or {}
    if not existing.get("found") or not client.get("code"):
        return snapshot
    domains = [d.get("name") for d in client.get("domains") or [] if isinstance(d, dict)]
    primary = next((d.get("name") for d in client.get("domains") or [] if isinstance(d, dict) and d.get("primary")),
                   None)
    tenant = dict((k, v) for k, v in client.items() if k not in ("domains", "admin", "exchange", "users"))
    tenant.update(domains=domains, primary_domain=primary, status=(existing.get("state") or {}).get("status"))
    plans = dict((u["upn"].casefold(), u.get("plan")) for u in client.get("users") or [] if u.get("upn"))
    users = [dict(upn=u["upn"], login=u["login"], status=u.get("status"), roles=u.get("roles"),
                  exchange=dict(status=u.get("mailbox") or "NotProvisioned", plan=plans.get(u["upn"].casefold())))
             for u in (existing.get("state") or {}).get("users") or []]
    exchange = dict(client["exchange"], status="Provisioned") if client.get("exchange") else None
    snapshot.update(tenant=tenant, users=users, exchange=exchange,
                    tenants=[dict(code=client["code"], name=client.get("name"))])
    return snapshot


def offboarding_plan(client, existing=None, confirm=None):
    """What removing a client takes (module_utils/cortex_plan.py ``plan_offboarding``), from the result of
    cortex_client_info with ``snapshot: true``: the client found as onboarding finds it, never the partner's own
    customer, and ``confirm`` must name its code.

    Deprecated 1.0 form: given the ``users`` of cortex_user_info (a list), the items removing their mailboxes and them.
    """
    if isinstance(client, list):
        mailboxes = [{"user": u["upn"], "state": "absent"} for u in client
                     if (u.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"]
        return {"mailboxes": mailboxes, "users": [{"upn": u["upn"], "state": "absent"} for u in client]}
    return wrap_var(plan_offboarding(client, snapshot_of(existing) or {}, confirm))


def client_domains(client):
    """The domain names of a cortex_client description, whatever their form (names, or mappings with ``name``)."""
    entries = (client or {}).get("domains") if isinstance(client, dict) else None
    names = []
    for entry in entries if isinstance(entries, list) else []:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if isinstance(name, str) and name.strip():
            names.append(name)
    return names


def uses_user_properties(client):
    """Whether a cortex_client description sets, on a user or its administrator, a field Cortex stores as an extended
    property (such fields are read only when asked for)."""
    entries = []
    if isinstance(client, dict):
        entries = [u for u in client.get("users") or [] if isinstance(u, dict)] if isinstance(client.get("users"), list) \
            else []
        if isinstance(client.get("admin"), dict):
            entries.append(client["admin"])
    return uses_extended(USER_FIELDS, entries)


def users_from_csv(text, delimiter=None):
    """Users of a CSV export (first name, last name, display name, UPN, password, plan), for cortex_client.users.

    Parsed by module_utils/cortex_csv.py: the separator is sniffed (``;``, ``,`` or tab, or
    Excel's ``sep=`` line) unless given; headers may be English or French. To read a file in any encoding, use the
    lookup ``cloudforyou.cortex.users_csv``: this filter gets text that Ansible has already decoded.
    """
    try:
        return read_users(text or "", "CSV text", delimiter=delimiter) if (text or "").strip() else []
    except CsvError as exc:
        raise AnsibleFilterError("users_from_csv: %s" % exc)


def fleet_summary(summaries, check_mode=False):
    """Lines summing up onboarding_summary results per client: the fleet's counts, then each client that failed with
    its reason (a client refused before any write has its problems; None: a client stopped before its summary)."""
    counts = dict(onboarded=0, unchanged=0, failed=0)
    objects = dict(created=0, changed=0, removed=0)
    failures, notes = [], []
    for client, summary in sorted((summaries or {}).items()):
        if not summary:
            counts["failed"] += 1
            failures.append("FAILED %s: stopped before its summary (Cortex unreachable, or a task failed; see its "
                            "tasks above)" % client)
            continue
        if summary.get("refused"):
            counts["failed"] += 1
            failures.append("FAILED %s: refused before any write: %s" % (client, " | ".join(summary["refused"])))
            continue
        for key in objects:
            objects[key] += summary.get(key) or 0
        if summary.get("failed"):
            counts["failed"] += 1
            failures.append("FAILED %s: %d object(s) failed: %s" % (client, summary["failed"], ", ".join(
                "%s (%s)" % (f["object"], f["reason"]) for f in summary.get("failures") or [])))
        elif summary.get("created") or summary.get("changed") or summary.get("removed"):
            counts["onboarded"] += 1
        else:
            counts["unchanged"] += 1
        code = summary.get("code") or ""
        if not summary.get("code_given") and code and not code.startswith("(") and code.casefold() != client.casefold():
            notes.append("WARNING %s: its cortex_client has no code and its tenant's code is %s: add 'code: %s' to its "
                         "file (host_vars/%s.yml), or name the host %s, so that every run and the inventory plugin "
                         "find it by its code" % (client, code, code, client, code))
    would = "would be " if check_mode else ""
    head = "Fleet%s: %d client(s) - %d %sonboarded or changed, %d unchanged, %d failed; objects %d %screated, %d %s" \
        "changed, %d %sremoved" % (" [check mode: nothing written]" if check_mode else "", len(summaries or {}),
                                   counts["onboarded"], would, counts["unchanged"], counts["failed"], objects["created"],
                                   would, objects["changed"], would, objects["removed"], would)
    return [head] + failures + notes


def usage_csv(tenants):
    """CSV text (tenant code, name, plan, mailboxes) of cortex_tenant_info's tenants read with ``usage: true``: one
    row per tenant and plan, a row with no plan for a tenant without mailboxes. Quoted by Python's csv module."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["tenant_code", "tenant_name", "plan", "mailboxes"])
    for tenant in tenants or []:
        plans = ((tenant.get("usage") or {}).get("mailboxes")) or {}
        if not plans:
            writer.writerow([tenant.get("code"), tenant.get("name"), "", 0])
        for plan, count in sorted(plans.items()):
            writer.writerow([tenant.get("code"), tenant.get("name"), plan, count])
    return out.getvalue()


class FilterModule(object):
    def filters(self):
        return {
            "onboarding_plan": onboarding_plan,
            "onboarding_summary": onboarding_summary,
            "onboarding_step": onboarding_step,
            "onboarding_jobs": onboarding_jobs,
            "offboarding_plan": offboarding_plan,
            "client_domains": client_domains,
            "uses_user_properties": uses_user_properties,
            "users_from_csv": users_from_csv,
            "usage_csv": usage_csv,
            "fleet_summary": fleet_summary,
        }
