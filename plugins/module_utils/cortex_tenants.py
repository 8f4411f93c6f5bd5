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


def tenant_argument_spec():
    spec = schema.argument_spec(TENANT_OPTION_FIELDS)
    spec.update(
        domains=dict(type="list", elements="str"),
        allow_rename=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    return spec


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
        plan = super(Tenant, self).plan(item)
        wanted = item.desired.get("domains")
        if plan.action in ("update", None, "reprovision") and wanted is not None and item.current is not None:
            # Additive: missing domains are added; the tenant's other domains are kept (the list sent is complete).
            have = item.current.get("domains") or []
            missing = [d for d in wanted if rules.domain_key(d) not in set(rules.domain_key(h) for h in have)]
            if missing:
                plan = Plan("update", dict(plan.changes, domains=have + missing))
        return plan

    def check_plan(self, item):
        renamed = item.action == "update" and "name" in item.changes \
            and item.current["name"].casefold() != item.desired["name"].casefold()
        if renamed and item.desired.get("code") and not self.module.params["allow_rename"]:
            return ["code '%s' is the tenant '%s', not '%s': check the code, or set allow_rename: true to rename "
                    "that tenant" % (item.current["code"], item.current["name"], item.desired["name"])]
        if item.action not in ("create", "update"):
            return []
        problems = []
        changes = item.desired if item.action == "create" else item.changes
        if any(changes.get(key) is not None for key in ("country", "roles", "zip_code")):
            problems += catalog_rules.tenant_problems(catalog_rules.read_catalog(self.api), changes.get("country"),
                                                      changes.get("roles"), changes.get("zip_code"))
        if item.action == "create":
            missing = [name for name in REQUIRED_TO_CREATE if item.desired.get(name) is None]
            if missing:
                problems.append("%s required to create the tenant" % ", ".join(missing))
        return problems

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

    def present(self, item):
        shown = super(Tenant, self).present(item)
        if item.action == "create" and not shown.get("code") and self.module.check_mode:
            shown["code"] = self.predicted_code(item.desired["name"])
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

    def predicted_code(self, name):
        """The code Cortex would generate, skipping the codes of tenants we can see."""
        base = rules.generated_code(name)
        candidate, suffix = base, 1
        while self.api.find_tenants(code=candidate):
            suffix += 1
            candidate = "%s%d" % (base, suffix)
        return candidate
