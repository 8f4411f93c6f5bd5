# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain list of a tenant, as cortex_domain manages it.

On the wire a tenant's domains are one list (replace semantics: the list sent becomes the list), so the object this
entity manages is that list: one item, whose desired state is the task's domain entries (add, remove, make
primary). Sending the whole list in one request keeps a change atomic: a domain Cortex refuses refuses them all.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_catalog as catalog_rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_schema as schema
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_engine import Entity, Plan
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import with_color
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_schema import Field
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_tenancy import load_tenant

ENTRY_SPEC = dict(
    name=dict(type="str", required=True),
    primary=dict(type="bool"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def domain_removal_problems(removed, users):
    """Domains to remove that a user's UPN is on (``users``: dicts with ``upn``): Cortex would leave those users with
    an address in a domain the tenant no longer has, or refuse the list after other changes were written."""
    problems = []
    for name in removed:
        on_it = sorted(u["upn"] for u in users if rules.domain_key((u.get("upn") or "").rpartition("@")[2]) ==
                       rules.domain_key(name))
        if on_it:
            problems.append("domain '%s' cannot be removed: %d user(s) have their UPN on it (%s)" % (
                name, len(on_it), ", ".join(on_it[:5]) + (", ..." if len(on_it) > 5 else "")))
    return problems


class TenantDomains(Entity):
    """The domain list of one tenant; ``desired`` is ``{"entries": [{name, primary, state}, ...]}``."""

    kind = "domain list"
    fields = (Field("domains", "domain_set"), Field("primary_domain", "domain"))

    def __init__(self, module):
        super(TenantDomains, self).__init__(module)
        self.code = module.params["tenant"]

    def normalize(self, desired):
        entries = []
        for entry in desired["entries"]:
            entry = dict(entry)
            if not rules.domain_problems(entry["name"]):
                entry["name"] = rules.normalize_domain(entry["name"])
            entries.append(entry)
        return dict(entries=entries)

    def check(self, desired):
        entries = desired["entries"]
        problems = []
        for entry in entries:
            problems += rules.domain_problems(entry["name"])
        primaries = [e["name"] for e in entries if e.get("primary")]
        if len(primaries) > 1:
            problems.append("only one domain can be primary (asked: %s)" % ", ".join(primaries))
        for entry in entries:
            if entry.get("primary") and entry["state"] == "absent":
                problems.append("domain '%s' cannot be primary and absent" % entry["name"])
        names = [e["name"] for e in entries]
        problems += ["domain '%s' is listed twice" % n for n in sorted(set(n for n in names if names.count(n) > 1))]
        return problems

    def read(self, item):
        tenant = load_tenant(self.module, self.code)
        if tenant is None:
            item.context["missing_tenant"] = True
            return None
        return dict(domains=tenant["domains"], primary_domain=tenant["primary_domain"], status=tenant["status"])

    def target(self, item):
        """The domain list and primary domain the entries ask for, from what exists."""
        current = item.current or dict(domains=[], primary_domain=None)
        domains = list(current["domains"])
        primary = current["primary_domain"]
        for entry in item.desired["entries"]:
            known = [d for d in domains if rules.domain_key(d) == entry["name"]]
            if entry["state"] == "absent":
                domains = [d for d in domains if rules.domain_key(d) != entry["name"]]
            elif not known:
                domains.append(entry["name"])
            if entry.get("primary"):
                primary = entry["name"]
        return dict(domains=domains, primary_domain=primary)

    def plan(self, item):
        target = self.target(item)
        if item.context.get("missing_tenant"):
            return Plan("update", target, "tenant '%s' does not exist yet: it would be created by an earlier task"
                        % self.code)
        if schema.changes(item.current, target, self.fields):
            return Plan("update", target)  # replace semantics: the whole list, with the primary domain
        if item.current.get("status") == "Failed":
            return Plan("reprovision")
        return Plan()

    def check_current(self, item):
        """Asks that are wrong about the primary domain; ``primary: false`` on it changes nothing, so this runs
        whatever the plan."""
        primary = self.target(item)["primary_domain"]
        problems = []
        for entry in item.desired["entries"]:
            if entry.get("primary") is False and primary and entry["name"] == rules.domain_key(primary):
                problems.append("domain '%s' is the primary domain of tenant '%s': make another domain primary "
                                "instead of primary: false" % (entry["name"], self.code))
            if entry["state"] == "absent" and primary and entry["name"] == rules.domain_key(primary):
                problems.append("domain '%s' is the primary domain of tenant '%s' and cannot be removed"
                                % (entry["name"], self.code))
        return problems

    def check_plan(self, item):
        """A domain to add that another client holds: Cortex would refuse the whole list ("already in use"), so it
        is refused before any write and in check mode. Read only when a domain is to be added."""
        if item.action != "update":
            return []
        held = set(rules.domain_key(d) for d in (item.current or {}).get("domains") or [])
        kept = set(rules.domain_key(d) for d in item.changes["domains"])
        removed = [d for d in (item.current or {}).get("domains") or [] if rules.domain_key(d) not in kept]
        problems = []
        if removed:
            try:
                problems += domain_removal_problems(removed, self.api.find_users(self.code) or [])
            except CortexError as exc:
                self.module.fail_cortex(exc, "users of tenant '%s'" % self.code)
        added = [d for d in item.changes["domains"] if rules.domain_key(d) not in held]
        if not added:
            return problems
        try:
            in_use = catalog_rules.domains_in_use(self.api, self.code)
        except CortexError as exc:
            self.module.fail_cortex(exc, "domains of tenant '%s'" % self.code)
        return problems + ["domain '%s' is already a domain of client '%s'" % (name, in_use[rules.domain_key(name)])
                           for name in added if rules.domain_key(name) in in_use]

    def update(self, item):
        changes = dict(domains=item.changes["domains"])
        if item.current is None or rules.domain_key(item.changes["primary_domain"]) != rules.domain_key(
                item.current["primary_domain"]):
            changes["primary_domain"] = item.changes["primary_domain"]
        return self.api.update_tenant(self.code, changes)

    def ref(self, item):
        return dict(kind="tenant", tenant=self.code, action="provision")

    def present(self, item):
        shown = dict(item.current or {})
        if item.action == "update":
            shown.update(item.changes)
        if item.status:
            shown["status"] = item.status
        return with_color(shown)
