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
  - A domain to add that another client (or the partner itself) already holds is refused before any write, and in
    check mode, naming that client (the other clients are read only when a domain is to be added).
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
jobs:
  description:
    - The provisioning work the task started, to hand to M(cloudforyou.cortex.cortex_wait) - each item with the request
      id (none when Cortex answered the write without one) and the object it provisions.
  returned: when O(wait=false) and something was written
  type: list
  elements: dict
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

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_domains import ENTRY_SPEC, TenantDomains
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_engine import Item
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule


# The module's declaration: CortexModule's keyword arguments (the action plugin runs ``run`` with the same).
SPEC = dict(
    argument_spec=dict(
        tenant=dict(type="str", required=True),
        name=dict(type="str"),
        primary=dict(type="bool"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        domains=dict(type="list", elements="dict", options=ENTRY_SPEC),
    ),
    required_one_of=[("name", "domains")],
    mutually_exclusive=[("name", "domains"), ("primary", "domains"), ("state", "domains")],
)


def run(module):
    params = module.params
    entries = params["domains"] or [dict(name=params["name"], primary=params["primary"], state=params["state"])]
    item = Item("domains of tenant '%s'" % params["tenant"], dict(entries=entries))
    module.run(TenantDomains(module), [item])


def main():
    run(CortexModule(**SPEC))


if __name__ == "__main__":
    main()
