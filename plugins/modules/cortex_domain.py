#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_domain
short_description: Manage the domains of a Cortex tenant
version_added: 1.0.0
description:
  - Adds or removes domains of a tenant, and chooses its primary domain (a tenant has exactly one).
  - Internationalised domain names are converted to punycode (V(café.fr) becomes V(xn--caf-dma.fr)) and compared
    case-insensitively.
  - All the changes of one task are sent as one update of the tenant's domain list.
  - Domains not named in the task are left alone.
author:
  - cloudforyou infra team (@cloudforyou)
options:
  tenant:
    description: Code of the tenant.
    type: str
    required: true
  name:
    description: The domain, for example V(martin-patisserie.com). Required unless O(domains) is given.
    type: str
  primary:
    description:
      - Make this domain the tenant's primary domain (adding it if needed).
      - V(false) is accepted only for a domain that is not the primary one; to change the primary domain, make
        another domain primary.
    type: bool
  state:
    description:
      - V(present) adds the domain, V(absent) removes it.
      - The primary domain cannot be removed, nor a domain used by a user's UPN.
    type: str
    default: present
    choices: [present, absent]
  domains:
    description:
      - Bulk form, instead of O(name), O(primary) and O(state) - several domains in one task.
      - At most one item may have O(domains[].primary=true).
    type: list
    elements: dict
    suboptions:
      name:
        description: The domain.
        type: str
        required: true
      primary:
        description: Make this domain the primary one.
        type: bool
      state:
        description: V(present) or V(absent).
        type: str
        default: present
        choices: [present, absent]
extends_documentation_fragment:
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.wait
  - cloudforyou.cortex.cortex.attributes
seealso:
  - module: cloudforyou.cortex.cortex_tenant
"""

EXAMPLES = r"""
- name: Add a second domain
  cloudforyou.cortex.cortex_domain:
    tenant: BMS
    name: martin-patisserie.com

- name: Set all the client's domains at once, one of them primary
  cloudforyou.cortex.cortex_domain:
    tenant: BMS
    domains:
      - name: boulangerie-martin.fr
        primary: true
      - name: martin-patisserie.com
      - name: ancien-domaine.fr
        state: absent
"""

RETURN = r"""
domains:
  description: The tenant's domains after the task (as they would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [boulangerie-martin.fr, martin-patisserie.com]
primary_domain:
  description: The tenant's primary domain after the task.
  returned: always
  type: str
  sample: boulangerie-martin.fr
status:
  description: Provisioning status of the tenant after the task.
  returned: always
  type: str
  sample: Provisioned
status_color:
  description: Console colour of RV(status).
  returned: always
  type: str
  sample: green
action:
  description: V(update) when the domain list changed, V(none) otherwise.
  returned: always
  type: str
request_ids:
  description: Ids of the provisioning requests the task started.
  returned: always
  type: list
  elements: int
"""

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule, Entity, Field, Item
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_tenancy import load_tenant
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules


class TenantDomains(Entity):
    """The domain list of one tenant: every item of the task folds into one desired list."""

    kind = "domain list"
    fields = (Field("domains", "ci_set"), Field("primary_domain", "ci"))

    def __init__(self, module, entries):
        super(TenantDomains, self).__init__(module)
        self.code = module.params["tenant"]
        self.entries = entries

    def check(self, item):
        problems = []
        for entry in self.entries:
            issues = rules.domain_problems(entry["name"])
            if issues:
                problems += issues
            else:
                entry["name"] = rules.normalize_domain(entry["name"])
        primaries = [e["name"] for e in self.entries if e.get("primary")]
        if len(primaries) > 1:
            problems.append("only one domain can be primary (asked: %s)" % ", ".join(primaries))
        for entry in self.entries:
            if entry.get("primary") and entry["state"] == "absent":
                problems.append("domain '%s' cannot be primary and absent" % entry["name"])
        names = [e["name"] for e in self.entries]
        problems += ["domain '%s' is listed twice" % n for n in sorted(set(n for n in names if names.count(n) > 1))]
        return problems

    def read(self, item):
        tenant = load_tenant(self.module, self.code)
        if tenant is None:
            item.note = "tenant '%s' does not exist yet: it would be created by an earlier task" % self.code
            return None
        return dict(domains=tenant["domains"], primary_domain=tenant["primary_domain"], status=tenant["status"])

    def plan(self, item):
        current = item.current or dict(domains=[], primary_domain=None)
        domains = list(current["domains"])
        primary = current["primary_domain"]
        for entry in self.entries:
            known = [d for d in domains if d.casefold() == entry["name"]]
            if entry["state"] == "absent":
                domains = [d for d in domains if d.casefold() != entry["name"]]
            elif not known:
                domains.append(entry["name"])
            if entry.get("primary"):
                primary = entry["name"]
        item.desired = dict(domains=domains, primary_domain=primary)
        if item.current is None:
            item.action, item.changes = "update", dict(item.desired)
            return
        super(TenantDomains, self).plan(item)

    def check_plan(self, item):
        primary = item.desired["primary_domain"]
        problems = []
        for entry in self.entries:
            if entry.get("primary") is False and primary and entry["name"] == primary.casefold():
                problems.append("domain '%s' is the primary domain of tenant '%s': make another domain primary "
                                "instead of primary: false" % (entry["name"], self.code))
            if entry["state"] == "absent" and primary and entry["name"] == primary.casefold():
                problems.append("domain '%s' is the primary domain of tenant '%s' and cannot be removed"
                                % (entry["name"], self.code))
        return problems

    def check_all(self, items):
        """``primary: false`` on the primary domain changes nothing, so check_plan is not run for it: refuse it here."""
        problems = []
        for item in items:
            issues = self.check_plan(item) if item.action is None else []
            if issues:
                problems.append((item.label, issues))
        return problems

    def update(self, item):
        # Replace semantics: the whole list is sent, with the primary domain when it changes.
        changes = dict(domains=item.desired["domains"])
        if "primary_domain" in item.changes:
            changes["primary_domain"] = item.desired["primary_domain"]
        return self.api.update_tenant(self.code, changes)

    def reprovision(self, item):
        return self.api.update_tenant(self.code, {})


def main():
    module = CortexModule(
        argument_spec=dict(
            tenant=dict(type="str", required=True),
            name=dict(type="str"),
            primary=dict(type="bool"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            domains=dict(type="list", elements="dict", options=dict(
                name=dict(type="str", required=True),
                primary=dict(type="bool"),
                state=dict(type="str", default="present", choices=["present", "absent"]),
            )),
        ),
        required_one_of=[("name", "domains")],
        mutually_exclusive=[("name", "domains"), ("primary", "domains"), ("state", "domains")],
    )
    params = module.params
    entries = params["domains"] or [dict(name=params["name"], primary=params["primary"], state=params["state"])]
    entity = TenantDomains(module, entries)
    item = Item("domains of tenant '%s'" % params["tenant"], {})
    module.reconcile(entity, [item])
    module.finish(entity, [item])


if __name__ == "__main__":
    main()
