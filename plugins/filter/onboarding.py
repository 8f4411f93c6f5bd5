# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the client onboarding: plan a client description into module inputs, summarise the results,
read users from a CSV export. They run on the controller, so validating 1,000 users costs no module run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules

TENANT_KEYS = ("name", "code", "contact_name", "contact_email", "address", "city", "zip_code", "country",
               "password_never_expires", "min_password_length", "roles")
REQUIRED_TENANT_KEYS = ("name", "contact_name", "contact_email", "address", "city", "zip_code", "country")
USER_KEYS = ("upn", "login", "first_name", "last_name", "display_name", "password", "password_never_expires",
             "change_password_at_next_logon", "enabled")
CLIENT_KEYS = TENANT_KEYS + ("domains", "admin", "exchange", "users")

# CSV export columns, English and French headers (as the old console exported them), case-insensitive.
CSV_COLUMNS = {
    "first_name": ("first name", "firstname", "first_name", "prénom", "prenom"),
    "last_name": ("last name", "lastname", "last_name", "nom"),
    "display_name": ("display name", "displayname", "display_name", "nom complet", "nom affiché", "nom d'affichage"),
    "upn": ("upn", "login", "user principal name", "identifiant"),
    "password": ("password", "mot de passe"),
    "plan": ("plan", "forfait"),
}


class ClientPlan(object):
    """One client description checked as a whole, and split into what each module of the role needs."""

    def __init__(self, client):
        self.client = client
        self.problems = []

    def problem(self, where, issues):
        for issue in issues:
            self.problems.append("%s: %s" % (where, issue))

    def domains(self):
        entries = self.client.get("domains") or []
        if not entries:
            self.problem("domains", ["at least one domain is needed"])
            return []
        planned, seen = [], set()
        for index, entry in enumerate(entries):
            entry = {"name": entry} if isinstance(entry, str) else dict(entry or {})
            where = "domains[%d] '%s'" % (index, entry.get("name"))
            issues = rules.domain_problems(entry.get("name"))
            if issues:
                self.problem(where, issues)
                continue
            name = rules.normalize_domain(entry["name"])
            if name in seen:
                self.problem(where, ["listed twice"])
            seen.add(name)
            planned.append({"name": name, "primary": bool(entry.get("primary"))})
        primaries = [d["name"] for d in planned if d["primary"]]
        if not primaries and len(planned) == 1:
            planned[0]["primary"] = True
        elif len(primaries) != 1 and planned:
            self.problem("domains", ["exactly one domain must be primary (found %d: %s)"
                                     % (len(primaries), ", ".join(primaries) or "none")])
        return planned

    def tenant(self, primary):
        client = self.client
        tenant = dict((key, client.get(key)) for key in TENANT_KEYS if client.get(key) is not None)
        missing = [key for key in REQUIRED_TENANT_KEYS if not client.get(key)]
        if missing:
            self.problem("client", ["missing %s" % ", ".join(missing)])
        if client.get("name"):
            self.problem("client name", rules.full_name_problems(client["name"]))
        if client.get("code"):
            self.problem("client code", rules.code_problems(client["code"]))
        if client.get("contact_email"):
            self.problem("client contact_email", rules.email_problems(client["contact_email"]))
        unknown = sorted(set(client) - set(CLIENT_KEYS))
        if unknown:
            self.problem("client", ["unknown key(s): %s" % ", ".join(unknown)])
        tenant["primary_domain"] = primary
        return tenant

    def user(self, entry, where, domains, code, allowed_roles=None):
        entry = dict(entry or {})
        user = dict((key, entry[key]) for key in USER_KEYS if entry.get(key) is not None)
        issues = rules.upn_problems(entry.get("upn"), domains)
        if not issues:
            user["upn"] = rules.normalize_upn(entry["upn"])
        login = entry.get("login") or (rules.default_login(entry["upn"], code) if not issues else None)
        if login:
            issues += rules.login_problems(login, code)
        if not entry.get("password"):
            issues.append("password is required")
        else:
            display = entry.get("display_name") or " ".join(
                n for n in (entry.get("first_name"), entry.get("last_name")) if n)
            issues += rules.password_problems(to_text(entry["password"]), login=login, upn=entry.get("upn"),
                                              display_name=display,
                                              min_length=self.client.get("min_password_length"))
        if entry.get("password_never_expires") and not self.client.get("password_never_expires"):
            issues.append("password_never_expires needs the client's password_never_expires: true")
        if allowed_roles is not None:
            refused = [r for r in entry.get("roles") or [] if r.casefold() not in allowed_roles]
            if refused:
                issues.append("roles not among the client's roles: %s" % ", ".join(refused))
        self.problem(where, issues)
        return user

    def claim_login(self, logins, user, entry, code, where):
        """Refuse a second user of the description with the login of an earlier one: Cortex addresses users by
        login, so the second create would change the first user instead."""
        if not user.get("upn"):
            return
        login = rules.stored_login((entry or {}).get("login") or rules.default_login(user["upn"], code), code)
        key = login.casefold()
        if key in logins:
            self.problem(where, ["login '%s' is also the login of %s: set login for one of them" % (login, logins[key])])
        else:
            logins[key] = where

    def plan(self):
        client = self.client
        if not isinstance(client, dict):
            raise AnsibleFilterError("onboarding_plan expects the cortex_client dictionary, got %s" % type(client))
        domains = self.domains()
        primary = next((d["name"] for d in domains if d["primary"]), None)
        names = set(d["name"] for d in domains)
        code = client.get("code") or rules.generated_code(client.get("name") or "")
        tenant = self.tenant(primary)
        allowed = set(r.casefold() for r in client["roles"]) if client.get("roles") else None

        admin = None
        if client.get("admin"):
            admin = self.user(client["admin"], "admin '%s'" % client["admin"].get("upn"), names, code, allowed)
            admin["roles"] = client["admin"].get("roles") or ["Customer Administrator"]

        exchange = client.get("exchange")
        plans = None
        if exchange:
            exchange = dict(exchange)
            missing = [key for key in ("version", "customer_plan", "user_plans") if not exchange.get(key)]
            if missing:
                self.problem("exchange", ["missing %s" % ", ".join(missing)])
            plans = set(p.casefold() for p in exchange.get("user_plans") or [])
            exchange["version"] = to_text(exchange.get("version")) if exchange.get("version") is not None else None

        users, mailboxes, seen, logins = [], [], {}, {}
        if admin and admin.get("upn"):
            seen[admin["upn"].casefold()] = "admin"
            self.claim_login(logins, admin, client["admin"], code, "admin '%s'" % admin["upn"])
        for index, entry in enumerate(client.get("users") or []):
            where = "users[%d] '%s'" % (index, (entry or {}).get("upn"))
            user = self.user(entry, where, names, code)
            unknown = sorted(set(entry or {}) - set(USER_KEYS) - set(("plan",)))
            if unknown:
                self.problem(where, ["unknown key(s): %s" % ", ".join(unknown)])
            key = (user.get("upn") or "").casefold()
            if key and key in seen:
                self.problem(where, ["same UPN as %s" % seen[key]])
            else:
                self.claim_login(logins, user, entry, code, where)
            seen.setdefault(key, "users[%d]" % index)
            users.append(user)
            plan = (entry or {}).get("plan")
            if plan:
                if plans is None:
                    self.problem(where, ["plan '%s' given but the client has no exchange section" % plan])
                elif plan.casefold() not in plans:
                    self.problem(where, ["plan '%s' is not among the client's user_plans (%s)"
                                         % (plan, ", ".join(exchange.get("user_plans") or []))])
                mailboxes.append({"user": user.get("upn"), "plan": plan})
        return {
            "problems": self.problems,
            "tenant": tenant,
            "domains": domains,
            "admin": admin,
            "exchange": exchange,
            "users": users,
            "mailboxes": mailboxes,
        }


def onboarding_plan(client):
    """Check a cortex_client description as a whole and split it into the inputs of each module."""
    return ClientPlan(client).plan()


def _failed_requests(waited):
    failed = {}
    for request in (waited or {}).get("requests") or []:
        if request.get("status") == "Failed":
            failed[request["id"]] = request.get("message") or request.get("description") or "provisioning failed"
    return failed


def onboarding_summary(steps, waited=None):
    """Counts of created / changed / unchanged / failed objects over the role's steps, and each failure.

    ``steps`` maps a step name to its registered module result (single or bulk form); ``waited`` is the result
    of cortex_request_info, whose Failed requests fail the objects that started them.
    """
    failed_requests = _failed_requests(waited)
    counts = dict(created=0, changed=0, unchanged=0, failed=0)
    failures, per_step = [], {}
    for step, result in steps.items():
        if not result or result.get("skipped"):
            continue
        items = None
        for bulk_key in ("users", "mailboxes"):
            if isinstance(result.get(bulk_key), list):
                items = result[bulk_key]
        if items is None:
            items = [result]
        step_counts = dict(created=0, changed=0, unchanged=0, failed=0)
        for item in items:
            reason = item.get("msg") if item.get("failed") else None
            for request_id in item.get("request_ids") or []:
                if request_id in failed_requests and not reason:
                    reason = "provisioning request %s failed: %s" % (request_id, failed_requests[request_id])
            if reason is None and result.get("failed") and items == [result]:
                reason = result.get("msg")
            if reason:
                bucket = "failed"
                obj = item.get("user") or item.get("service") or item.get("tenant") or {}
                name = obj.get("upn") or obj.get("user") or obj.get("code") or step
                failures.append({"step": step, "object": name, "reason": reason})
            elif item.get("action") == "create":
                bucket = "created"
            elif item.get("action") in ("update", "reprovision", "delete"):
                bucket = "changed"
            else:
                bucket = "unchanged"
            step_counts[bucket] += 1
            counts[bucket] += 1
        per_step[step] = step_counts
    lines = ["%s: %s" % (step, ", ".join("%d %s" % (n, what) for what, n in c.items() if n))
             for step, c in per_step.items()]
    lines += ["FAILED %s (%s): %s" % (f["object"], f["step"], f["reason"]) for f in failures]
    return dict(counts, steps=per_step, failures=failures, lines=lines)


def offboarding_plan(users):
    """Items removing a tenant's users and their mailboxes, from the ``users`` of cortex_user_info."""
    mailboxes = [{"user": u["upn"], "state": "absent"} for u in users or []
                 if (u.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"]
    return {"mailboxes": mailboxes, "users": [{"upn": u["upn"], "state": "absent"} for u in users or []]}


def users_from_csv(text, delimiter=None):
    """Users of a CSV export (first name, last name, display name, UPN, password, plan), for cortex_client.users.

    Parsing is Python's csv module; the delimiter is sniffed (comma or semicolon, as French spreadsheets use)
    unless given. Headers may be English or French, in any case and order. Empty cells are left out.
    """
    text = to_text(text).lstrip("\ufeff")
    if not text.strip():
        return []
    if delimiter is None:
        first_line = text.splitlines()[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    mapping = {}
    for header in reader.fieldnames or []:
        wanted = header.strip().casefold()
        for key, names in CSV_COLUMNS.items():
            if wanted in names:
                mapping[header] = key
    if "upn" not in mapping.values():
        raise AnsibleFilterError("users_from_csv: no UPN column among %s (expected one of: %s)"
                                 % (reader.fieldnames, ", ".join(CSV_COLUMNS["upn"])))
    users = []
    for row in reader:
        user = dict((mapping[h], (v or "").strip()) for h, v in row.items() if h in mapping and (v or "").strip())
        if user:
            users.append(user)
    return users


class FilterModule(object):
    def filters(self):
        return {
            "onboarding_plan": onboarding_plan,
            "onboarding_summary": onboarding_summary,
            "offboarding_plan": offboarding_plan,
            "users_from_csv": users_from_csv,
        }
