# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tenants (customers), as cortex_tenant manages them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_catalog as catalog_rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_schema as schema
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_engine import Entity, Plan

REQUIRED_TO_CREATE = ("name", "contact_name", "contact_email", "address", "city", "zip_code", "country",
                      "primary_domain")
TENANT_OPTION_FIELDS = schema.TENANT_FIELDS
# The fields a tenant's plan compares (its domains are added to, not compared: see tenant_plan).
PLANNED_FIELDS = tuple(f for f in TENANT_OPTION_FIELDS if f.name != "domains")


def tenant_argument_spec():
    spec = schema.argument_spec(TENANT_OPTION_FIELDS)
    spec.update(
        domains=dict(type="list", elements="str"),
        allow_rename=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    return spec


# ---------------------------------------------------------------- the rules (the module and the client plan)

def tenant_plan(current, desired):
    """The plan of a tenant that is to be present: create (every field given), update (the compared fields that
    differ, and the domains asked for that it lacks - added to the complete list sent, never removed), reprovision (a
    Failed tenant as asked), or nothing. ``desired`` holds ``domains`` with the primary domain first."""
    if current is None:
        return Plan("create", dict((k, v) for k, v in desired.items() if v is not None))
    changes = schema.changes(current, desired, PLANNED_FIELDS)
    wanted = desired.get("domains")
    if wanted is not None:
        have = list(current.get("domains") or [])
        held = set(rules.domain_key(d) for d in have)
        missing = [d for d in wanted if rules.domain_key(d) not in held]
        if missing:
            changes["domains"] = have + missing
    if changes:
        return Plan("update", changes)
    if current.get("status") == "Failed":
        return Plan("reprovision")
    return Plan()


def tenant_plan_problems(action, current, desired, changes, catalog, allow_rename=False, same_name=(),
                         users=None):
    """Problems of a tenant's plan that are bad input, before any write:

    * a ``code`` of a tenant whose full name is another (a mistyped code renames another client) unless
      ``allow_rename``;
    * a create without every field Cortex needs, or with the full name of another client (``same_name``: the codes of
      the tenants already named so - Cortex refuses a second one);
    * a country, allowed roles or postal code this Cortex does not offer (``catalog``);
    * allowed roles that drop a role one of its users holds (``users``: the users in detail, when read).
    """
    problems = []
    renamed = action == "update" and "name" in changes and current["name"].casefold() != desired["name"].casefold()
    if renamed and desired.get("code") and not allow_rename:
        problems.append("code '%s' is the tenant '%s', not '%s': check the code, or set allow_rename: true to rename "
                        "that tenant" % (current["code"], current["name"], desired["name"]))
    if action not in ("create", "update"):
        return problems
    values = desired if action == "create" else changes
    if any(values.get(key) is not None for key in ("country", "roles", "zip_code")):
        problems += catalog_rules.tenant_problems(catalog, values.get("country"), values.get("roles"),
                                                  values.get("zip_code"))
    if action == "create":
        missing = [name for name in REQUIRED_TO_CREATE if desired.get(name) in (None, "")]
        if missing:
            problems.append("%s required to create the tenant" % ", ".join(missing))
        if same_name:
            problems.append("the full name '%s' is already the tenant %s's (another client): give this client a name "
                            "of its own, or give code: %s to manage that tenant"
                            % (desired.get("name"), ", ".join(same_name), same_name[0]))
    if action == "update" and changes.get("roles") is not None and users:
        kept = set(r.casefold() for r in changes["roles"])
        holders = {}
        for user in users:
            for role in user.get("roles") or []:
                if role.casefold() not in kept:
                    holders.setdefault(role, []).append(user.get("upn") or user.get("login"))
        for role, who in sorted(holders.items()):
            problems.append("roles drops '%s', which %d user(s) hold (%s): take it from them first"
                            % (role, len(who), ", ".join(sorted(who)[:5]) + (", ..." if len(who) > 5 else "")))
    return problems


def same_name_codes(tenants, name, code=None):
    """The codes of the tenants (a listing) whose full name is ``name``, other than ``code``."""
    if not isinstance(name, str):
        return []
    return [t["code"] for t in tenants if (t.get("name") or "").casefold() == name.casefold()
            and (t.get("code") or "").casefold() != (code or "").casefold()]


def predicted_code(name, taken):
    """The code Cortex would generate for a full name, skipping ``taken`` codes (folded)."""
    base = rules.generated_code(name)
    candidate, suffix = base, 1
    while candidate.casefold() in taken:
        suffix += 1
        candidate = "%s%d" % (base, suffix)
    return candidate


class Tenant(Entity):
    kind = "tenant"
    fields = tuple(f for f in TENANT_OPTION_FIELDS if f.name != "domains")

    def normalize(self, desired):
        desired = dict(desired)
        if desired.get("primary_domain") is not None and not rules.domain_problems(desired["primary_domain"]):
            desired["primary_domain"] = rules.normalize_domain(desired["primary_domain"])
        if desired.get("domains") is not None:
            names = [rules.normalize_domain(d) if not rules.domain_problems(d) else d for d in desired["domains"]]
            primary = desired.get("primary_domain")
            desired["domains"] = ([primary] if primary else []) + [d for d in names if d != primary]
        return desired

    def check(self, desired):
        return rules.tenant_problems(desired)

    def read(self, item):
        code, name = item.desired.get("code"), item.desired.get("name")
        found = self.api.find_tenants(code=code) if code else self.api.find_tenants(name=name)
        if len(found) > 1:
            codes = ", ".join(t["code"] for t in found)
            raise CortexError("several tenants are named '%s' (codes %s): give code" % (name, codes))
        return self.api.get_tenant(found[0]["code"]) if found else None

    def plan(self, item):
        if item.state == "absent":
            return super(Tenant, self).plan(item)
        return tenant_plan(item.current, item.desired)

    def check_plan(self, item):
        same_name = []
        if item.action == "create" and item.desired.get("code") and item.desired.get("name"):
            same_name = same_name_codes(self.api.find_tenants(name=item.desired["name"]), item.desired["name"],
                                        item.desired["code"])
        users = None
        if item.action == "update" and item.changes.get("roles") is not None:
            users = self.api.get_users(item.current["code"])
            if users is None:  # a server that does not answer every user at once: one at a time
                users = [self.api.get_user(item.current["code"], u["login"])
                         for u in self.api.find_users(item.current["code"]) or []]
        catalog = None
        if any((item.desired if item.action == "create" else item.changes).get(key) is not None
               for key in ("country", "roles", "zip_code")):
            catalog = catalog_rules.read_catalog(self.api, parallel=self.module.parallel)
        return tenant_plan_problems(item.action, item.current, item.desired, item.changes, catalog,
                                    self.module.params["allow_rename"], same_name, users)

    def check_current(self, item):
        """Found by name only, another client of the same name (it holds none of the domains asked for) is refused
        whatever the plan."""
        current, desired = item.current, item.desired
        if current is None or desired.get("code") or item.state == "absent":
            return []
        problem = rules.other_client_by_name(current, [desired.get("primary_domain")] + list(desired.get("domains") or []),
                                             [current.get("primary_domain")] + list(current.get("domains") or []))
        return [problem] if problem else []

    def create(self, item):
        # All the domains in the one create: a domain held by another client refuses the create as a whole.
        request_ids = self.api.create_tenant(item.desired)
        if not item.desired.get("code"):
            # The server generated the code: learn it by the full name, which is unique per partner.
            found = self.api.find_tenants(name=item.desired["name"])
            if found:
                item.plan.changes["code"] = found[0]["code"]
        return request_ids

    def update(self, item):
        return self.api.update_tenant(item.current["code"], item.changes)

    def delete(self, item):
        return self.api.delete_tenant(item.current["code"])

    def ref(self, item):
        code = (item.current or {}).get("code") or item.changes.get("code") or item.desired.get("code")
        return dict(kind="tenant", tenant=code, action="delete" if item.action == "delete" else "provision")

    def target_tenant(self, item):
        return (item.current or {}).get("code") or item.desired.get("code")

    def present(self, item):
        shown = super(Tenant, self).present(item)
        if item.action == "create" and not shown.get("code") and self.module.check_mode:
            shown["code"] = predicted_code(item.desired["name"],
                                           set(t["code"].casefold() for t in self.api.find_tenants()))
        if item.action in ("create", "update") and item.changes.get("domains"):
            shown["domains"] = item.changes["domains"]
        elif item.action == "create" and shown:
            shown.setdefault("domains", [shown.get("primary_domain")])
        return shown

    def diff(self, item):
        before, after = super(Tenant, self).diff(item)
        if item.action == "create" and item.desired.get("domains"):
            after["domains"] = sorted(item.desired["domains"])
        elif item.changes.get("domains"):
            before["domains"] = sorted((item.current or {}).get("domains") or [])
            after["domains"] = sorted(item.changes["domains"])
        return before, after
