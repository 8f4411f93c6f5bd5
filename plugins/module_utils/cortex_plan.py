# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One plan of a client, from one read of what Cortex holds and offers: every path plans a client here.

A *snapshot* is that read (``cortex_client_info`` with ``snapshot: true`` makes it, :func:`read_snapshot`): the
partner's own customer and every customer the account sees (code and name), the client's tenant, its Hosted Exchange
and its users in detail (with their mailboxes, confirmed: never from a listing alone), the domains other customers
hold, and the catalogue of what this Cortex offers.

:class:`ClientPlan` resolves the client's identity once - by code; by full name only with the evidence of its domains;
never the partner's own customer - then computes every step's actions (tenant, administrator, Hosted Exchange, users,
mailboxes, removals, prune) with the entities' own rule functions (``cortex_tenants.tenant_plan`` and
``tenant_plan_problems``, ``cortex_users.user_plan`` and ``user_plan_problems``, ``cortex_exchange``'s
``exchange_plan_problems``, ``mailbox_plan_problems`` and ``plan_limit_problems``...): the module checking its own
read and the plan checking the whole client call the same function on the same data. A *planned-state overlay* - the
tenant as it will be once its step ran (its code, domains, password rule, allowed roles), its Exchange plans, the logins
of the users to create - feeds the later steps' checks, so the plan is exact in check mode too.

:func:`plan_offboarding` resolves the client to remove the same way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_catalog as catalog_rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_description as description_schema
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_schema as schema
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_results import from_text, unpack
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_exchange import (
    exchange_plan_problems, mailbox_plan_problems, plan_limit_problems)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_tenancy import PARTNER_REFUSAL
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_tenants import (
    same_name_codes, predicted_code, tenant_plan, tenant_plan_problems)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_users import (
    ADMIN_OPTION_FIELDS, USER_OPTION_FIELDS, has_mailbox, login_change_problems, login_taken_problems, user_plan,
    user_plan_problems)

ADMIN_ROLE = description_schema.ADMIN_ROLE
TENANT_OPTIONS = ("name", "code", "contact_name", "contact_email", "address", "city", "zip_code", "country",
                  "password_never_expires", "min_password_length", "roles")
# The words of the summary for each action.
OUTCOMES = {"create": "created", "update": "changed", "reprovision": "changed", "delete": "removed", None: "unchanged"}


def folded(name):
    return (name or "").casefold()


def _is_admin(user):
    return ADMIN_ROLE.casefold() in [folded(r) for r in user.get("roles") or []]


def resolve(snapshot, code=None, name=None, domains=()):
    """The client's identity in a snapshot: (tenant detail or None, problems). ``code`` finds it; without one, ``name``
    does, and only with the evidence of its domains (``domains``: those described) - a tenant of the same name
    holding none of them is another client. The partner's own customer is never the client."""
    partner = folded(snapshot.get("partner"))
    listing = snapshot.get("tenants") or []
    tenant = snapshot.get("tenant")
    if code:
        if partner and folded(code) == partner:
            return None, [PARTNER_REFUSAL % code]
        if tenant is not None and folded(tenant.get("code")) == folded(code):
            return tenant, []
        return None, []
    named = same_name_codes(listing, name)
    if partner and partner in [folded(c) for c in named]:
        return None, [PARTNER_REFUSAL % next(c for c in named if folded(c) == partner)]
    if len(named) > 1:
        return None, ["several tenants are named '%s' (codes %s): give code" % (name, ", ".join(named))]
    if not named or tenant is None or folded(tenant.get("code")) != folded(named[0]):
        return None, []
    other = rules.other_client_by_name(tenant, list(domains), [tenant.get("primary_domain")] +
                                       list(tenant.get("domains") or []))
    if other:
        return None, [other]
    return tenant, []


class ClientPlan(object):
    """A client description (``cortex_client``) planned against a snapshot; :meth:`plan` gives the plan (a dict)."""

    def __init__(self, client, snapshot=None, prune=False, prune_max=10, update_password="on_create"):
        self.raw = client
        self.snapshot = snapshot or {}
        self.catalog = self.snapshot.get("catalog") or {}
        self.prune = prune
        self.prune_max = prune_max
        self.update_password = update_password
        self.problems = []
        self.refused = set()
        self.objects = []  # every object of the client the run has work for: [{object, step, action}]
        self.unchanged = {}  # step -> how many of its objects are left as they are
        self.current = None
        self.code = None
        self.view = {}  # the tenant as planned (after its step)
        self.users = {}  # upn key -> the user as read
        self.logins = {}  # stored login (folded) -> (upn, who: an existing user or a label of this run)
        self.enabled = None  # the Exchange user plans as planned (None: no Exchange section, none provisioned)

    # -- bookkeeping -----------------------------------------------------------------------------------
    def problem(self, where, issues):
        for issue in issues:
            self.problems.append("%s: %s" % (where, issue))
            self.refused.add(where)

    def record(self, step, label, action, **extra):
        """An object of the client with the run's action on it; an object left as it is only counted (a client of
        10,000 users with nothing to change plans no list of them)."""
        if action:
            self.objects.append(dict(extra, step=step, object=label, action=action))
        else:
            self.unchanged[step] = self.unchanged.get(step, 0) + 1

    # -- the plan --------------------------------------------------------------------------------------
    def plan(self):
        self.client, issues = description_schema.typed(self.raw, description_schema.CLIENT_KEYS)
        self.problem("client", issues)
        domains = self.domains()
        self.resolve(domains)
        tenant = self.tenant_step(domains)
        admin, admin_mailbox = self.admin_step()
        exchange = self.exchange_step()
        users, mailboxes = self.users_step(admin_mailbox)
        pruned, kept = self.prune_step(users)
        return {
            "problems": self.problems,
            "code": self.code,
            "code_given": bool(self.client.get("code")),
            "exists": self.current is not None,
            "tenant": tenant,
            "domains": domains,
            "admin": admin,
            "exchange": exchange,
            # every user and mailbox the description (and prune) names, as module inputs (1.0 semantics)...
            "users": [dict((k, v) for k, v in u.items() if k != "_action") for u in users
                      if u.get("state") != "absent" or u["_action"]],
            "mailboxes": [dict((k, v) for k, v in m.items() if k != "_action") for m in mailboxes],
            "mailbox_removals": [dict(user=o["object"][len("user '"):-1], state="absent") for o in self.objects
                                 if o["action"] == "delete" and o.get("mailbox")],
            # ...and those the run has work for: what the role's steps are given
            "steps": dict(users=[dict((k, v) for k, v in u.items() if k != "_action") for u in users if u["_action"]],
                          mailboxes=[dict((k, v) for k, v in m.items() if k != "_action") for m in mailboxes
                                     if m["_action"]]),
            "pruned": [u["upn"] for u in pruned],
            "undescribed": [u["upn"] for u in kept],
            "objects": self.objects,
            "unchanged": sum(self.unchanged.values()),
            "unchanged_by_step": self.unchanged,
            "work": bool(self.objects),
        }

    # -- identity --------------------------------------------------------------------------------------
    def resolve(self, domains):
        client = self.client
        self.current, issues = resolve(self.snapshot, client.get("code"), client.get("name"),
                                       [d["name"] for d in domains])
        self.problem("client", issues)
        if self.current is not None:
            self.code = self.current["code"]
            self.users = dict((rules.upn_key(u.get("upn")), u) for u in self.snapshot.get("users") or [])
            for user in self.users.values():
                self.logins[folded(user.get("login"))] = (user.get("upn"), user)
        elif client.get("code"):
            self.code = client["code"]
        elif isinstance(client.get("name"), str) and client["name"]:
            taken = set(folded(t.get("code")) for t in self.snapshot.get("tenants") or [])
            self.code = predicted_code(client["name"], taken)

    # -- the tenant and its domains --------------------------------------------------------------------
    def domains(self):
        entries = self.client.get("domains")
        if not isinstance(entries, list) or not entries:
            self.problem("domains", ["at least one domain is needed (a list)"])
            return []
        planned, seen = [], set()
        for index, entry in enumerate(entries):
            entry = {"name": entry} if isinstance(entry, str) else entry
            where = "domains[%d] '%s'" % (index, entry.get("name") if isinstance(entry, dict) else entry)
            entry, issues = description_schema.typed(entry, description_schema.DOMAIN_KEYS)
            if not issues:
                issues = rules.domain_problems(entry.get("name"))
            if issues:
                self.problem(where, issues)
                continue
            name = rules.normalize_domain(entry["name"])
            if name in seen:
                self.problem(where, ["listed twice"])
            seen.add(name)
            planned.append({"name": name, "primary": bool(entry.get("primary")), "where": where})
        primaries = [d["name"] for d in planned if d["primary"]]
        if not primaries and len(planned) == 1:
            planned[0]["primary"] = True
        elif len(primaries) != 1 and planned:
            self.problem("domains", ["exactly one domain must be primary (found %d: %s)"
                                     % (len(primaries), ", ".join(primaries) or "none")])
        return planned

    def tenant_step(self, domains):
        client, current = self.client, self.current
        desired = dict((key, client[key]) for key in TENANT_OPTIONS if client.get(key) is not None)
        primary = next((d["name"] for d in domains if d["primary"]), None)
        desired["primary_domain"] = primary
        desired["domains"] = ([primary] if primary else []) + [d["name"] for d in domains if d["name"] != primary]
        self.problem("client", rules.tenant_problems(dict(desired, domains=None)))
        plan = tenant_plan(current, desired)
        same_name = same_name_codes(self.snapshot.get("tenants") or [], client.get("name"), client.get("code")) \
            if current is None and client.get("code") else []
        self.problem("client", tenant_plan_problems(plan.action, current, desired, plan.changes, self.catalog,
                                                    bool(client.get("allow_rename")), same_name,
                                                    list(self.users.values()) if current is not None else None))
        held = self.snapshot.get("held") or {}
        have = set(rules.domain_key(d) for d in (current or {}).get("domains") or [])
        for domain in domains:
            holder = held.get(rules.domain_key(domain["name"]))
            if domain["name"] not in have and holder and folded(holder) != folded(self.code):
                self.problem(domain["where"], ["already a domain of client %s" % holder])
        for domain in domains:
            domain.pop("where", None)
        # the tenant as its step leaves it, for the later steps' checks
        view = dict(current or {}, code=self.code, status="Provisioned")
        for key in ("min_password_length", "password_never_expires", "roles"):
            if desired.get(key) is not None:
                view[key] = desired[key]
        if view.get("roles") is None and current is None:
            view["roles"] = self.catalog.get("roles")  # a new tenant allows what its reseller allows
        view["domains"] = list(plan.changes.get("domains") or (current or {}).get("domains") or desired["domains"])
        self.view = view
        self.record("tenant", "tenant '%s'" % (self.code or client.get("name")), plan.action,
                    **(dict(domains=len(desired["domains"])) if plan.action == "create" else {}))
        options = dict(desired, allow_rename=bool(client.get("allow_rename")))
        options["domains"] = [d["name"] for d in domains if d["name"] != primary]
        return dict(options, action=plan.action)

    # -- users -----------------------------------------------------------------------------------------
    def user_step(self, entry, where, keys, fields, step):
        """One user (or the administrator): its options for the module, with ``_action``; None when refused."""
        entry, issues = description_schema.typed(entry, keys)
        state = entry.get("state") or "present"
        issues += rules.user_problems(dict((k, v) for k, v in entry.items() if k != "plan"))
        if issues or not isinstance(entry.get("upn"), str):
            self.problem(where, issues or ["upn is required"])
            return None
        entry["upn"] = rules.normalize_upn(entry["upn"])
        current = self.users.get(rules.upn_key(entry["upn"]))
        label = "user '%s'" % entry["upn"]
        if state == "absent":
            action = "delete" if current is not None else None
            self.record(step, label, action, mailbox=has_mailbox(current))
            return dict(upn=entry["upn"], state="absent", _action=action)
        entry.setdefault("update_password", self.update_password)
        desired = dict((f.name, entry.get(f.name)) for f in fields)
        desired["update_password"] = entry["update_password"]
        plan = user_plan(current, desired, self.code or "", fields)
        issues = login_change_problems(current, desired, self.code or "")
        if plan.action:
            issues += user_plan_problems(plan.action, desired, plan.changes, current, self.view, self.code or "")
        if plan.action == "create" and not issues:
            stored = rules.stored_login(plan.changes["login"], self.code or "")
            holder = self.logins.get(folded(stored))
            if holder is not None and isinstance(holder[1], dict):
                issues += login_taken_problems(stored, holder[1])
            elif holder is not None:
                issues.append("login '%s' is also the login of %s: set login for one of them" % (stored, holder[1]))
            else:
                self.logins[folded(stored)] = (entry["upn"], where)
        self.problem(where, issues)
        self.record(step, label, plan.action)
        options = dict((k, v) for k, v in entry.items() if k not in ("plan",) and v is not None)
        options["_action"] = plan.action
        return options

    def admin_step(self):
        entry = self.client.get("admin")
        if entry is None:
            return None, None
        where = "admin '%s'" % (entry.get("upn") if isinstance(entry, dict) else entry)
        if not isinstance(entry, dict):
            self.problem(where, ["must be a mapping of user keys"])
            return None, None
        entry = dict(entry)
        if entry.get("roles") is None:
            entry["roles"] = [ADMIN_ROLE]  # the default, checked as if written
        admin = self.user_step(entry, where, description_schema.ADMIN_KEYS, ADMIN_OPTION_FIELDS, "admin")
        if admin is None:
            return None, None
        action = admin.pop("_action")
        mailbox = dict(user=admin["upn"], plan=entry["plan"], where=where) if entry.get("plan") else None
        return dict(admin, action=action), mailbox

    def exchange_step(self):
        entry = self.client.get("exchange")
        service = self.snapshot.get("exchange") if self.current is not None else None
        current = service if service and service.get("status", "NotProvisioned") != "NotProvisioned" else None
        if entry is None:
            self.enabled = list(current.get("user_plans") or []) if current else None
            return None
        desired, issues = description_schema.typed(entry, description_schema.EXCHANGE_KEYS)
        self.problem("exchange", issues)
        missing = [key for key in ("version", "customer_plan", "user_plans") if not desired.get(key)]
        if missing and not issues:
            self.problem("exchange", ["missing %s" % ", ".join(missing)])
        if current is None:
            action, changes = "create", desired
        else:
            changes = schema.changes(current, desired, schema.EXCHANGE_FIELDS)
            action = "update" if changes else ("reprovision" if current.get("status") == "Failed" else None)
        self.problem("exchange", exchange_plan_problems(action, desired, changes, current, self.catalog, None,
                                                        self.used()))
        self.enabled = list(desired.get("user_plans") or [])
        self.record("exchange", "Hosted Exchange of tenant '%s'" % self.code, action)
        return dict(desired, action=action)

    def used(self):
        """Mailboxes of the tenant per folded plan name, as read."""
        return catalog_rules.count_plans([dict(plan=(u.get("exchange") or {}).get("plan")) for u in self.users.values()
                                          if has_mailbox(u)])

    def users_step(self, admin_mailbox):
        entries = self.client.get("users") or []
        users, mailboxes, seen = [], [], {}
        if self.client.get("admin") and isinstance(self.client["admin"], dict):
            seen[rules.upn_key(self.client["admin"].get("upn"))] = "admin"
        wanted = [admin_mailbox] if admin_mailbox else []
        for index, entry in enumerate(entries):
            where = "users[%d] '%s'" % (index, entry.get("upn") if isinstance(entry, dict) else entry)
            if not isinstance(entry, dict):
                self.problem(where, ["must be a mapping of user keys"])
                continue
            key = rules.upn_key(entry.get("upn")) if isinstance(entry.get("upn"), str) else None
            if key and key in seen:
                self.problem(where, ["same UPN as %s" % seen[key]])
                continue
            if key:
                seen[key] = "users[%d]" % index
            user = self.user_step(entry, where, description_schema.USER_ENTRY_KEYS, USER_OPTION_FIELDS, "users")
            if user is None:
                continue
            users.append(user)
            if user.get("state") != "absent" and entry.get("plan") is not None:
                wanted.append(dict(user=user["upn"], plan=str(entry["plan"]), where=where))
        for mailbox in wanted:
            mailboxes.append(self.mailbox_step(mailbox))
        moves = [(m["_from"], m["plan"]) for m in mailboxes if m["_action"] in ("create", "update")]
        limits = self.limits()
        for where, issues in plan_limit_problems(limits, self.used(), moves):
            self.problem(where, issues)
        for mailbox in mailboxes:
            mailbox.pop("_from")
        return users, mailboxes

    def mailbox_step(self, mailbox):
        where, upn, plan = mailbox["where"], rules.normalize_upn(mailbox["user"]), mailbox["plan"]
        current = (self.users.get(rules.upn_key(upn)) or {}).get("exchange") or {}
        if self.enabled is None:
            self.problem(where, ["plan '%s' given but the client has no exchange section" % plan])
        else:
            self.problem(where, mailbox_plan_problems(plan, self.enabled, self.code))
        live = current.get("status", "NotProvisioned") != "NotProvisioned"
        if not live:
            action = "create"
        elif folded(current.get("plan")) != folded(plan):
            action = "update"
        elif current.get("status") == "Failed":
            action = "reprovision"
        else:
            action = None
        self.record("mailboxes", "mailbox of '%s'" % upn, action)
        return dict(user=upn, plan=plan, _action=action, _from=current.get("plan") if live else None)

    def limits(self):
        """(plan, user limit) of the plans with a limit: the tenant's Exchange plans as read, else the catalogue's."""
        found = dict((folded(p["name"]), (p["name"], p.get("user_limit")))
                     for p in ((self.catalog.get("exchange") or {}).get("user_plans") or []))
        for plan in ((self.snapshot.get("exchange") or {}).get("plans") or []) if self.current is not None else []:
            found[folded(plan["name"])] = (plan["name"], plan.get("user_limit"))
        return [value for value in found.values() if value[1] is not None]

    # -- prune -----------------------------------------------------------------------------------------
    def prune_step(self, users):
        """The tenant's users the description does not list: kept (named in the summary), or with prune removed -
        never its administrators, only when the description lists at least one user to keep, and at most
        ``prune_max`` (an explicit ``state: absent`` is not counted: it names its user)."""
        described = set(rules.upn_key(u["upn"]) for u in users)
        if isinstance(self.client.get("admin"), dict):
            described.add(rules.upn_key(self.client["admin"].get("upn")))
        undescribed = [u for key, u in sorted(self.users.items()) if key not in described]
        if not self.prune:
            return [], undescribed
        if any(u.get("roles") is None for u in undescribed):
            self.problem("client_onboarding_prune", ["the users' roles were not read: the administrator cannot be "
                                                     "told apart (read the client with detail: true)"])
            return [], undescribed
        pruned = [u for u in undescribed if not _is_admin(u)]
        kept = [u for u in undescribed if _is_admin(u)]
        keeping = [u for u in users if u.get("state") != "absent"]
        if pruned and not keeping:
            self.problem("client_onboarding_prune", [
                "the description lists no user to keep (an empty list, only users with state: absent, or a CSV file "
                "with no row?): pruning would remove every user of the tenant (%s); nothing was removed - list the "
                "users to keep, or remove users with state: absent" % ", ".join(u["upn"] for u in pruned[:10])])
            return [], undescribed
        if len(pruned) > self.prune_max:
            self.problem("client_onboarding_prune", [
                "%d users of the tenant are not in the description, more than client_onboarding_prune_max=%d; nothing "
                "was removed: %s" % (len(pruned), self.prune_max, ", ".join(u["upn"] for u in pruned))])
            return [], undescribed
        for user in pruned:
            users.append(dict(upn=user["upn"], state="absent", _action="delete"))
            self.record("users", "user '%s'" % user["upn"], "delete", mailbox=has_mailbox(user), pruned=True)
        return pruned, kept


def plan_client(client, snapshot=None, prune=False, prune_max=10, update_password="on_create"):
    """The plan of a client description against a snapshot (see the module's docstring)."""
    return ClientPlan(client, snapshot, prune, prune_max, update_password).plan()


def pack_plan(plan):
    """The plan with its lists of thousands - the steps' items and the objects - as JSON texts (``steps_json``,
    ``objects_json``) and the steps' sizes (``step_sizes``), in place: Ansible carries one text far faster than the
    values of thousands of users (the onboarding role plans with ``packed=true``)."""
    steps = plan.pop("steps")
    plan["steps_json"] = dict((step, _text(items)) for step, items in steps.items())
    plan["step_sizes"] = dict((step, len(items)) for step, items in steps.items())
    plan["objects_json"] = _text(plan.pop("objects"))
    return plan


def _text(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def plan_objects(plan):
    """The objects of a plan, packed (:func:`pack_plan`) or not."""
    if plan.get("objects_json") is not None:
        return from_text(plan["objects_json"])
    return plan.get("objects") or []


def step_text(plan, step, users=None, admin=None):
    """The items of a step (:func:`step_items`) as one JSON text: the plan's own text when it is packed and none is
    left out (no user failed), without reading it back."""
    packed = (plan.get("steps_json") or {}).get(step)
    if isinstance(packed, str) and (step != "mailboxes" or not failed_users(plan, users, admin)):
        return packed
    return json.dumps(step_items(plan, step, users, admin), sort_keys=True, separators=(",", ":"))


def step_items(plan, step, users=None, admin=None):
    """The items a step of the role is given, from the plan (packed or not): the users to create, change or remove;
    the mailboxes to create or change, except those of a user whose step failed - the user's item failed in the
    result of the users step (``users``), or the administrator's step failed (``admin``) - since Cortex cannot give a
    mailbox to a user that does not exist (the summary says so: "not provisioned: its user failed")."""
    if plan.get("steps_json") is not None:
        items = list(from_text(plan["steps_json"][step]))
    else:
        items = list((plan.get("steps") or {}).get(step) or [])
    if step != "mailboxes":
        return items
    failed = failed_users(plan, users, admin)
    return [item for item in items if folded(item.get("user")) not in failed]


def failed_users(plan, users=None, admin=None):
    """The UPNs (folded) of the users whose step failed: an item failed in the result of the users step (read only
    when its ``summary`` does not say that none failed), or the administrator's step."""
    failed = set()
    if ((users or {}).get("summary") or {}).get("failed") != 0:
        failed.update(folded((item.get("user") or {}).get("upn")) for item in unpack(users or {}).get("users") or []
                      if isinstance(item, dict) and item.get("failed"))
    if (admin or {}).get("failed") and plan.get("admin"):
        failed.add(folded(plan["admin"].get("upn")))
    return failed


def plan_offboarding(client, snapshot, confirm=None):
    """What removing a client takes, in order: its users (each mailbox deprovisioned first), its Hosted Exchange, its
    tenant. The client is found as onboarding finds it (:func:`resolve`): by code; by full name only with the evidence
    of its domains; never the partner's own customer. ``confirm`` must name the code found, or nothing is removed."""
    if not isinstance(client, dict):
        return dict(problems=["cortex_client: must be a mapping with code or name"], found=False)
    domains = []
    for entry in client.get("domains") or []:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if isinstance(name, str) and not rules.domain_problems(name):
            domains.append(rules.normalize_domain(name))
    code, name = client.get("code"), client.get("name")
    problems = []
    if not code and not name:
        problems.append("cortex_client: give code (or name with the client's domains)")
    elif code and rules.code_problems(code):
        problems += ["cortex_client: %s" % p for p in rules.code_problems(code)]
    if problems:
        return dict(problems=problems, found=False)
    if not code and not domains:
        return dict(problems=["cortex_client: a client found by name alone could be another client of that name: give "
                              "its code, or its domains as evidence"], found=False)
    tenant, issues = resolve(snapshot, code, name, domains)
    if issues:
        return dict(problems=["cortex_client: %s" % issue for issue in issues], found=False)
    if tenant is None:
        return dict(problems=[], found=False)
    users = snapshot.get("users") or []
    found = tenant["code"]
    if confirm != found:
        problems.append("refusing to offboard tenant %s (%s): set client_offboarding_confirm=%s to confirm the removal "
                        "of the tenant and its %d user(s)" % (found, tenant.get("name"), found, len(users)))
    exchange = snapshot.get("exchange") or {}
    return dict(problems=problems, found=True, code=found, name=tenant.get("name"),
                users=[dict(upn=u["upn"], state="absent") for u in users],
                mailboxes=sum(1 for u in users if has_mailbox(u)),
                exchange=exchange.get("status", "NotProvisioned") != "NotProvisioned")
