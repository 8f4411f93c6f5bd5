# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the client onboarding: plan a client description into module inputs (checking it as a whole, with what
Cortex already holds and what it offers), summarise the results, read users from CSV text. They run on the
controller, so checking 1,000 users costs no module run. The rules are those of the modules
(module_utils/cortex_validation.py): written once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_catalog as catalog_rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_csv import CsvError, read_users
from ansible_collections.cloudforyou.cortex.plugins.plugin_utils.onboarding_summary import onboarding_summary

TENANT_KEYS = ("name", "code", "contact_name", "contact_email", "address", "city", "zip_code", "country",
               "password_never_expires", "min_password_length", "roles")
REQUIRED_TENANT_KEYS = ("name", "contact_name", "contact_email", "address", "city", "zip_code", "country")
USER_KEYS = ("upn", "login", "first_name", "last_name", "display_name", "password", "update_password",
             "password_never_expires", "change_password_at_next_logon", "enabled")
ADMIN_KEYS = USER_KEYS + ("roles", "plan")
CLIENT_KEYS = TENANT_KEYS + ("domains", "admin", "exchange", "users", "allow_rename")
ADMIN_ROLE = "customer administrator"

# The type of each key of a description, as the modules' argument specs would convert it: YAML, a survey or -e may
# give "no" for false or 1234 for a login. zip_code and password are not here: they must be text as given (a postcode
# 01000 read as a number has lost its zero; a password is kept byte for byte).
BOOL_KEYS = frozenset(("password_never_expires", "allow_rename", "primary", "change_password_at_next_logon", "enabled"))
TEXT_KEYS = frozenset(("name", "code", "contact_name", "contact_email", "address", "city", "country", "upn", "login",
                       "first_name", "last_name", "display_name", "version", "customer_plan", "plan",
                       "update_password", "state"))
INT_KEYS = frozenset(("min_password_length",))
TEXT_LIST_KEYS = frozenset(("roles", "user_plans"))


def kind_of(value):
    """What a value is, in the words of a description (not Ansible's internal type names)."""
    for types, word in ((bool, "a boolean"), ((int, float), "a number"), (str, "text"), (dict, "a mapping"),
                        ((list, tuple), "a list")):
        if isinstance(value, types):
            return word
    return type(value).__name__


def typed(entry, keys=None):
    """``entry`` with each known key converted to its type, as the modules' argument specs would convert it, and the
    problems of the values that cannot be (those keys are left out of the result)."""
    converted, problems = dict(entry), []
    for key, value in entry.items():
        if value is None or (keys is not None and key not in keys):
            continue
        issue = None
        if key in BOOL_KEYS:
            try:
                converted[key] = boolean(value, strict=True)
            except TypeError:
                issue = "%s must be true or false, not %r" % (key, value)
        elif key in TEXT_KEYS:
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                issue = "%s must be text, not %s" % (key, kind_of(value))
            else:
                converted[key] = str(value)
        elif key in INT_KEYS:
            try:
                if isinstance(value, (bool, float)):
                    raise ValueError()
                converted[key] = int(value)
            except (TypeError, ValueError):
                issue = "%s must be a whole number, not %r" % (key, value)
        elif key in TEXT_LIST_KEYS:
            if isinstance(value, str):  # as a list option takes it: comma-separated names
                converted[key] = [v.strip() for v in value.split(",") if v.strip()]
            elif not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                issue = "%s must be a list of names, not %s" % (key, kind_of(value))
            else:
                converted[key] = [str(v) for v in value]
        if issue:
            problems.append(issue)
            converted.pop(key)
    return converted, problems


class ClientPlan(object):
    """One client description checked as a whole, and split into what each module of the role needs.

    ``existing`` is what cortex_client_info returned for the client (``found``, ``client``, ``state``), or None.
    """

    def __init__(self, client, existing=None, catalog=None, prune=False, prune_max=10, update_password="on_create"):
        self.problems = []
        self.refused = set()  # the objects with a problem
        self.client, issues = typed(client, CLIENT_KEYS)
        self.bad_keys = set(client) - set(self.client)  # given, but of a type that cannot be converted
        self.problem("client", issues)
        self.update_password = update_password
        self.existing = existing if existing and existing.get("found") else None
        self.catalog = catalog if catalog is not None else (existing or {}).get("catalog") or {}
        self.prune = prune
        self.prune_max = prune_max
        state = (self.existing or {}).get("state") or {}
        self.current_users = dict((rules.upn_key(u.get("upn")), u) for u in state.get("users") or [])
        self.logins = None  # login (folded) -> current user, built when first needed
        self.code = self.client.get("code") or ((self.existing or {}).get("client") or {}).get("code") \
            or rules.generated_code(self.client.get("name") if isinstance(self.client.get("name"), str) else "")

    def forget_existing(self):
        self.existing = None
        self.current_users, self.logins = {}, None
        self.catalog = dict(self.catalog, used={})

    def problem(self, where, issues):
        for issue in issues:
            self.problems.append("%s: %s" % (where, issue))
            self.refused.add(where)

    def exists(self, upn):
        return rules.upn_key(upn) in self.current_users

    # -- the tenant and its domains --------------------------------------------------------------------
    def domains(self):
        entries = self.client.get("domains") or []
        if not isinstance(entries, list) or not entries:
            self.problem("domains", ["at least one domain is needed (a list)"])
            return []
        planned, seen = [], set()
        for index, entry in enumerate(entries):
            if not isinstance(entry, (str, dict)):
                self.problem("domains[%d]" % index, ["must be a domain name or a mapping with name and primary"])
                continue
            entry = {"name": entry} if isinstance(entry, str) else dict(entry)
            where = "domains[%d] '%s'" % (index, entry.get("name"))
            entry, issues = typed(entry)
            unknown = sorted(set(entry) - set(("name", "primary")))
            if unknown:
                issues.append("unknown key(s): %s" % ", ".join(unknown))
            issues += rules.domain_problems(entry.get("name"))
            if issues:
                self.problem(where, issues)
                continue
            name = rules.normalize_domain(entry["name"])
            if name in seen:
                self.problem(where, ["listed twice"])
            holder = (self.catalog.get("domains") or {}).get(rules.domain_key(name))
            if holder:
                self.problem(where, ["already a domain of client %s" % holder])
            seen.add(name)
            planned.append({"name": name, "primary": bool(entry.get("primary"))})
        primaries = [d["name"] for d in planned if d["primary"]]
        if not primaries and len(planned) == 1:
            planned[0]["primary"] = True
        elif len(primaries) != 1 and planned:
            self.problem("domains", ["exactly one domain must be primary (found %d: %s)"
                                     % (len(primaries), ", ".join(primaries) or "none")])
        return planned

    def tenant(self, domains):
        client = self.client
        tenant = dict((key, client.get(key)) for key in TENANT_KEYS if client.get(key) is not None)
        if self.existing is None:
            missing = [key for key in REQUIRED_TENANT_KEYS if client.get(key) in (None, "") and key not in self.bad_keys]
            if missing:
                self.problem("client", ["missing %s (needed to create the tenant)" % ", ".join(missing)])
        self.problem("client", rules.tenant_problems(tenant))
        unknown = sorted(set(client) - set(CLIENT_KEYS))
        if unknown:
            self.problem("client", ["unknown key(s): %s" % ", ".join(unknown)])
        current = (self.existing or {}).get("client") or {}
        if current and client.get("code") and client.get("name") and not client.get("allow_rename") \
                and current.get("name", "").casefold() != client["name"].casefold():
            message = "code '%s' is the tenant '%s', not '%s': check the code (to rename that tenant deliberately, " \
                "set allow_rename: true)" % (current.get("code"), current.get("name"), client["name"])
            self.problem("client", [message])
        if current and not client.get("code"):
            other = rules.other_client_by_name(current, [d["name"] for d in domains],
                                               [d.get("name") for d in current.get("domains") or [] if isinstance(d, dict)])
            if other:
                self.problem("client", [other])
                self.forget_existing()  # its users, logins and plans are another client's: no more problems from them
        self.catalog_problems(tenant)
        tenant["primary_domain"] = next((d["name"] for d in domains if d["primary"]), None)
        tenant["domains"] = [d["name"] for d in domains if not d["primary"]]
        tenant["allow_rename"] = bool(client.get("allow_rename"))
        return tenant

    def catalog_problems(self, tenant):
        """What only this Cortex can say: its countries, roles and postal code rule (cortex_client_info catalog)."""
        self.problem("client", catalog_rules.tenant_problems(self.catalog, tenant.get("country"), tenant.get("roles"),
                                                             tenant.get("zip_code")))

    # -- users -----------------------------------------------------------------------------------------
    def user(self, entry, where, domains, keys, allowed_roles=None):
        if not isinstance(entry, dict):
            self.problem(where, ["must be a mapping of user keys"])
            return {}
        entry, issues = typed(entry)
        user = dict((key, entry[key]) for key in keys if entry.get(key) is not None)
        state = entry.get("state", "present")
        if issues:  # the rules below expect the types
            self.problem(where, issues)
            return dict(upn=entry.get("upn"), state=state) if isinstance(entry.get("upn"), str) else {}
        issues = rules.user_problems(user)
        if state not in ("present", "absent"):
            issues.append("state must be present or absent")
        if user.get("update_password", "on_create") not in ("on_create", "always"):
            issues.append("update_password must be on_create or always")
        elif state != "absent":
            user.setdefault("update_password", self.update_password)
        if not issues:
            user["upn"] = rules.normalize_upn(entry["upn"])
            issues += rules.upn_problems(user["upn"], domains)
        unknown = sorted(set(entry) - set(keys) - set(("state",)))
        if unknown:
            issues.append("unknown key(s): %s" % ", ".join(unknown))
        if state == "absent":
            self.problem(where, issues)
            return dict(upn=user.get("upn", entry.get("upn")), state="absent")
        login = entry.get("login") or (rules.default_login(user["upn"], self.code) if user.get("upn") else None)
        if login and not issues:
            issues += rules.login_problems(login, self.code)
        new = not self.exists(user.get("upn"))
        if user.get("password") is None:
            if new:
                issues.append("password is required to create the user (users that exist need none)")
            elif user.get("update_password") == "always":
                issues.append("password is required with update_password: always")
        elif isinstance(user["password"], str):
            display = entry.get("display_name") or " ".join(
                n for n in (entry.get("first_name"), entry.get("last_name")) if isinstance(n, str) and n)
            issues += rules.password_problems(user["password"], login=login, upn=user.get("upn"),
                                              display_name=display,
                                              min_length=self.client.get("min_password_length"))
        if entry.get("password_never_expires") and not self.client.get("password_never_expires"):
            issues.append("password_never_expires needs the client's password_never_expires: true")
        if allowed_roles is not None:
            refused = [r for r in entry.get("roles") or [] if isinstance(r, str) and r.casefold() not in allowed_roles]
            if refused:
                issues.append("roles not allowed for the client: %s" % ", ".join(refused))
        self.problem(where, issues)
        return user

    def claim_login(self, logins, user, entry, where):
        """Refuse a user whose login is another user's - of the description, or already in Cortex: Cortex addresses
        users by login, so its create would change that user instead."""
        if not user.get("upn") or self.problems_of(where):
            return
        login = rules.stored_login(user.get("login") or rules.default_login(user["upn"], self.code), self.code)
        current = self.current_users.get(rules.upn_key(user["upn"]))
        if current is not None and current.get("login"):
            if user.get("login") and current["login"].casefold() not in (user["login"].casefold(), login.casefold()):
                # Cortex cannot rename a login: the user step would refuse it after the tenant was written
                self.problem(where, ["login is '%s' and cannot change (asked: '%s')" % (current["login"], user["login"])])
                return
            login = current["login"]
        key = login.casefold()
        if key in logins:
            self.problem(where, ["login '%s' is also the login of %s: set login for one of them" % (login, logins[key])])
            return
        holder = self.login_holder(key)
        if holder is not None and holder["upn"].casefold() != user["upn"].casefold() and not self.exists(user["upn"]):
            self.problem(where, ["login '%s' is already used by user '%s' of the tenant: set login for this user"
                                 % (holder["login"], holder["upn"])])
        logins[key] = where

    def login_holder(self, key):
        if self.logins is None:
            self.logins = dict(((u.get("login") or "").casefold(), u) for u in self.current_users.values())
        return self.logins.get(key)

    def problems_of(self, where):
        return where in self.refused

    def plans(self, exchange):
        """The user plans of the client's exchange section, checked against the catalogue when it was read."""
        if not exchange:
            return None
        converted, issues = typed(exchange)
        unknown = sorted(set(exchange) - set(("version", "customer_plan", "user_plans")))
        if unknown:
            issues.append("unknown key(s): %s" % ", ".join(unknown))
        self.problem("exchange", issues)
        exchange.update(converted)
        if not isinstance(exchange.get("user_plans"), list) or issues:
            exchange["user_plans"] = [p for p in exchange.get("user_plans") or [] if isinstance(p, str)] \
                if isinstance(exchange.get("user_plans"), list) else []
            return set(p.casefold() for p in exchange["user_plans"])
        missing = [key for key in ("version", "customer_plan", "user_plans") if not exchange.get(key)]
        if missing:
            self.problem("exchange", ["missing %s" % ", ".join(missing)])
        exchange["version"] = str(exchange["version"]) if exchange.get("version") is not None else None
        self.problem("exchange", catalog_rules.exchange_problems(self.catalog, exchange.get("version"),
                                                                 exchange.get("customer_plan"),
                                                                 exchange.get("user_plans")))
        return set(p.casefold() for p in exchange.get("user_plans") or [] if isinstance(p, str))

    def plan_limits(self, mailboxes):
        """New mailboxes of a plan beyond its user limit (the catalogue's limits; mailboxes that exist count)."""
        offered = dict((p["name"].casefold(), p) for p in (self.catalog.get("exchange") or {}).get("user_plans") or [])
        new = {}
        for mailbox in mailboxes:
            if not self.has_mailbox(mailbox["user"]):
                new.setdefault(mailbox["plan"].casefold(), []).append(mailbox["user"])
        used = self.catalog.get("used") or {}
        for name, users in sorted(new.items()):
            plan = offered.get(name) or {}
            limit = plan.get("user_limit")
            if isinstance(limit, int) and len(users) + (used.get(name) or 0) > limit:
                message = "%d new mailbox(es) asked, %d used, limit %d" % (len(users), used.get(name) or 0, limit)
                self.problem("plan '%s'" % plan["name"], [message])

    def plans_in_use(self, exchange):
        """A user plan the description drops while mailboxes of the tenant are on it: the Exchange step, which runs
        before the mailboxes are moved, would be refused by Cortex after the tenant was written."""
        current = (self.existing or {}).get("client") or {}
        if not exchange or not (current.get("exchange") or {}).get("user_plans"):
            return
        kept = set(p.casefold() for p in exchange.get("user_plans") or [])
        # mailboxes per plan (folded): counted by cortex_client_info's catalogue, else from the users it described
        used = self.catalog.get("used") or catalog_rules.count_plans(
            list(current.get("users") or []) + ([current["admin"]] if current.get("admin") else []))
        for plan in current["exchange"]["user_plans"]:
            if plan.casefold() not in kept and used.get(plan.casefold()):
                self.problem("exchange", [
                    "user plan '%s' is dropped from user_plans but %d mailbox(es) are on it: move them to another plan "
                    "in one run, then drop the plan in the next" % (plan, used[plan.casefold()])])

    def has_mailbox(self, upn):
        current = self.current_users.get(rules.upn_key(upn))
        return current is not None and current.get("mailbox", "NotProvisioned") != "NotProvisioned"

    def plan(self):
        client = self.client
        domains = self.domains()
        names = set(d["name"] for d in domains)
        tenant = self.tenant(domains)
        # the roles an administrator may hold: the client's own list, else what the tenant allows now, else what a
        # new tenant inherits (the partner's roles, from the catalogue)
        offered = client.get("roles") if isinstance(client.get("roles"), list) else \
            ((self.existing or {}).get("client") or {}).get("roles") or self.catalog.get("roles")
        allowed = set(r.casefold() for r in offered if isinstance(r, str)) if isinstance(offered, list) else None

        logins, seen = {}, {}
        admin = None
        if client.get("admin"):
            where = "admin '%s'" % (client["admin"].get("upn") if isinstance(client["admin"], dict) else client["admin"])
            entry = dict(client["admin"]) if isinstance(client["admin"], dict) else client["admin"]
            if isinstance(entry, dict) and entry.get("roles") is None:
                entry["roles"] = ["Customer Administrator"]  # the default, checked as if written
            admin = self.user(entry, where, names, ADMIN_KEYS, allowed)
            if admin.get("upn"):
                admin.setdefault("roles", ["Customer Administrator"])
                seen[rules.upn_key(admin["upn"])] = "admin"
                self.claim_login(logins, admin, client["admin"], where)

        exchange = dict(client["exchange"]) if isinstance(client.get("exchange"), dict) else None
        plans = self.plans(exchange)

        users, mailboxes, removals = [], [], []
        entries = client.get("users") or []
        if not isinstance(entries, list):
            self.problem("users", ["must be a list"])
            entries = []
        described = set()
        if admin and admin.get("plan"):
            mailboxes.append({"user": admin["upn"], "plan": admin.pop("plan")})
        for index, entry in enumerate(entries):
            where = "users[%d] '%s'" % (index, (entry or {}).get("upn") if isinstance(entry, dict) else entry)
            user = self.user(entry, where, names, USER_KEYS + ("plan",))
            key = rules.upn_key(user.get("upn"))
            if key and key in seen:
                self.problem(where, ["same UPN as %s" % seen[key]])
            elif user.get("state") != "absent":
                self.claim_login(logins, user, entry, where)
            seen.setdefault(key, "users[%d]" % index)
            described.add(key)
            plan = user.pop("plan", None)
            if user.get("state") == "absent":
                if self.exists(user.get("upn")):
                    users.append(user)
                    if self.has_mailbox(user["upn"]):
                        removals.append({"user": user["upn"], "state": "absent"})
                continue
            users.append(user)
            if plan:
                if plans is None:
                    self.problem(where, ["plan '%s' given but the client has no exchange section" % plan])
                elif plan.casefold() not in plans:
                    self.problem(where, ["plan '%s' is not among the client's user_plans (%s)"
                                         % (plan, ", ".join(exchange.get("user_plans") or []))])
                mailboxes.append({"user": user.get("upn"), "plan": plan})
        self.plan_limits([m for m in mailboxes if m.get("user") and m.get("plan")])
        self.plans_in_use(exchange)

        if admin and admin.get("upn"):
            described.add(rules.upn_key(admin["upn"]))
        undescribed = [u for k, u in sorted(self.current_users.items()) if k not in described]
        pruned, kept = [], []
        for current in undescribed:
            holds_admin = ADMIN_ROLE in [r.casefold() for r in current.get("roles") or []]
            (kept if holds_admin or not self.prune else pruned).append(current)
        if self.prune and current_roles_unknown(undescribed):
            self.problem("client_onboarding_prune", ["the users' roles were not read: the administrator cannot be told "
                                                     "apart (read the client with detail: true)"])
        if self.prune and pruned and not entries:
            self.problem("client_onboarding_prune", [
                "the description lists no user (an empty list, or a CSV file with no row?): pruning would remove every "
                "user of the tenant (%s); nothing was removed - list the users to keep, or remove users with state: "
                "absent" % ", ".join(u["upn"] for u in pruned[:10])])
        if len(pruned) > self.prune_max:
            self.problem("client_onboarding_prune", [
                "%d users of the tenant are not in the description, more than client_onboarding_prune_max=%d; nothing "
                "was removed: %s" % (len(pruned), self.prune_max, ", ".join(u["upn"] for u in pruned))])
        for current in pruned:
            users.append({"upn": current["upn"], "state": "absent"})
            if current.get("mailbox", "NotProvisioned") != "NotProvisioned":
                removals.append({"user": current["upn"], "state": "absent"})
        return {
            "problems": self.problems,
            "tenant": tenant,
            "domains": domains,
            "admin": admin,
            "exchange": exchange,
            "users": users,
            "mailboxes": mailboxes,
            "mailbox_removals": removals,
            "pruned": [u["upn"] for u in pruned],
            "undescribed": [u["upn"] for u in kept],
            "code": (self.existing or {}).get("client", {}).get("code") or client.get("code"),
        }


def current_roles_unknown(users):
    return any(u.get("roles") is None for u in users)


def onboarding_plan(client, existing=None, catalog=None, prune=False, prune_max=10, update_password="on_create"):
    """Check a cortex_client description as a whole and split it into the inputs of each module.

    ``existing``: the result of cortex_client_info for the client (what Cortex holds), so that users that exist need
    no password and new logins are checked against the tenant's; ``catalog``: the result of cortex_catalog_info (what
    this Cortex offers: versions, plans and their limits, roles, countries); ``prune``: remove the tenant's users the
    description does not list (its administrator excepted), at most ``prune_max``; ``update_password``: for the users
    (and administrator) whose entry does not set it.
    """
    if not isinstance(client, dict):
        raise AnsibleFilterError("onboarding_plan expects the cortex_client dictionary, got %s" % type(client).__name__)
    return ClientPlan(client, existing, catalog, prune, prune_max, update_password).plan()


def offboarding_plan(users):
    """Items removing a tenant's users and their mailboxes, from the ``users`` of cortex_user_info."""
    mailboxes = [{"user": u["upn"], "state": "absent"} for u in users or []
                 if (u.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"]
    return {"mailboxes": mailboxes, "users": [{"upn": u["upn"], "state": "absent"} for u in users or []]}


def users_from_csv(text, delimiter=None):
    """Users of a CSV export (first name, last name, display name, UPN, password, plan), for cortex_client.users.

    Parsed with Python's csv module (module_utils/cortex_csv.py): the separator is sniffed (``;``, ``,`` or tab, or
    Excel's ``sep=`` line) unless given; headers may be English or French. To read a file in any encoding, use the
    lookup ``cloudforyou.cortex.users_csv``: this filter gets text that Ansible has already decoded.
    """
    try:
        return read_users(text or "", "CSV text", delimiter=delimiter) if (text or "").strip() else []
    except CsvError as exc:
        raise AnsibleFilterError("users_from_csv: %s" % exc)


def fleet_summary(summaries):
    """Lines summing up onboarding_summary results per client (None for a client stopped before its summary)."""
    counts = dict(onboarded=0, unchanged=0, failed=0)
    objects = dict(created=0, changed=0, removed=0)
    failures = []
    for client, summary in sorted((summaries or {}).items()):
        if not summary:
            counts["failed"] += 1
            failures.append("FAILED %s: stopped before its summary (description refused before any write, or Cortex "
                            "unreachable; see its tasks above)" % client)
            continue
        for key in objects:
            objects[key] += summary.get(key) or 0
        if summary.get("failed"):
            counts["failed"] += 1
            failures.append("FAILED %s: %d object(s) failed: %s" % (client, summary["failed"], ", ".join(
                f["object"] for f in summary.get("failures") or [])))
        elif summary.get("created") or summary.get("changed") or summary.get("removed"):
            counts["onboarded"] += 1
        else:
            counts["unchanged"] += 1
    head = "Fleet: %d client(s) - %d onboarded or changed, %d unchanged, %d failed; objects %d created, %d changed, " \
        "%d removed" % (len(summaries or {}), counts["onboarded"], counts["unchanged"], counts["failed"],
                        objects["created"], objects["changed"], objects["removed"])
    return [head] + failures


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
            "offboarding_plan": offboarding_plan,
            "users_from_csv": users_from_csv,
            "usage_csv": usage_csv,
            "fleet_summary": fleet_summary,
        }
