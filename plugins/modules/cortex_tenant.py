#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_tenant
short_description: Manage a Cortex tenant (customer)
version_added: 1.0.0
description:
  - Creates, updates or removes a tenant (a customer, a "client" in the Cortex console) on Cortex through the CortexAPI,
    and provisions it.
  - The tenant is found by O(code) when given, else by its full name O(name).
  - Options left out are not managed. O(roles) is compared as a set and replaces the tenant's list.
  - O(domains) adds domains; removing one, or changing the primary domain alone, is done with
    M(cloudforyou.cortex.cortex_domain).
  - Removing a tenant needs its users removed and its services deprovisioned first
    (see the role C(cloudforyou.cortex.client_offboarding)).
author:
  - cloudforyou infra team (@cloudforyou)
options:
  domains:
    description:
      - The tenant's domains besides O(primary_domain), for example V([martin-patisserie.com]). Internationalised names
        are converted to punycode.
      - On create the tenant is created with all of them in one request, so a domain already held by another client
        refuses the create as a whole and nothing is left half-written.
      - On an existing tenant, the ones it lacks are added; its other domains are kept (remove a domain with
        M(cloudforyou.cortex.cortex_domain)).
    type: list
    elements: str
  allow_rename:
    description:
      - A tenant found by O(code) whose full name is not O(name) belongs, as far as the module can tell, to another
        client (a mistyped code is enough), so by default the task is refused before anything is written.
      - Set V(true) to rename the tenant with that code to O(name) deliberately.
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the tenant and (re)provisions it; a tenant whose provisioning V(Failed) is provisioned again.
      - V(absent) removes it.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - cloudforyou.cortex.tenant
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.wait
  - cloudforyou.cortex.cortex.attributes
notes:
  - A create without O(code) is protected against duplicates even when its answer is lost, because the module
    reads the tenant again by name before writing again.
seealso:
  - module: cloudforyou.cortex.cortex_domain
  - module: cloudforyou.cortex.cortex_tenant_info
"""

EXAMPLES = r"""
- name: Create the tenant of Boulangerie Martin, as in the partner guide
  cloudforyou.cortex.cortex_tenant:
    cortex_url: https://admin.cloudforyou.fr
    cortex_username: "{{ cortex_username }}"
    cortex_password: "{{ cortex_password }}"
    name: Boulangerie Martin SARL
    contact_name: Paul Martin
    contact_email: paul@boulangerie-martin.fr
    address: 12 rue des Lilas
    city: Lyon
    zip_code: "69003"
    country: France
    primary_domain: boulangerie-martin.fr
    password_never_expires: true
  register: tenant

- name: Show the generated code
  ansible.builtin.debug:
    msg: "{{ tenant.tenant.code }} is {{ tenant.tenant.status }}"

- name: Connection set once for the play (credentials from CORTEX_* variables or an AWX credential)
  module_defaults:
    group/cloudforyou.cortex.cortex:
      cortex_url: https://admin.cloudforyou.fr
  block:
    - name: Restrict the roles the tenant may hand out
      cloudforyou.cortex.cortex_tenant:
        code: BMS
        roles:
          - Customer Administrator
          - Exchange Users

    - name: Remove a tenant (its users and services must be gone)
      cloudforyou.cortex.cortex_tenant:
        code: OLD1
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
tenant:
  description: The tenant after the task (before it, in check mode); empty once removed.
  returned: always
  type: dict
  contains:
    code:
      description: The tenant's code (in check mode, the code Cortex would generate).
      type: str
      sample: BMS
    id:
      description: Cortex's numeric id.
      type: int
      sample: 34
    name:
      description: Full name.
      type: str
      sample: Boulangerie Martin SARL
    primary_domain:
      description: Primary domain.
      type: str
      sample: boulangerie-martin.fr
    domains:
      description: All the tenant's domains, the primary one included.
      type: list
      elements: str
      sample: [boulangerie-martin.fr, martin-patisserie.com]
    roles:
      description: The tenant's allowed roles.
      type: list
      elements: str
    status:
      description: Cortex provisioning status (V(NotProvisioned), V(Requested), V(InProgress), V(Provisioned), V(Failed), V(Pending)).
      type: str
      sample: Provisioned
    status_color:
      description: The colour the console shows for O(ignore:status) (grey, yellow, orange, green, red, blue).
      type: str
      sample: green
action:
  description: What the task did (or would do in check mode).
  returned: always
  type: str
  sample: create
  choices: [create, update, reprovision, delete, none]
request_ids:
  description: Ids of the provisioning requests the task started.
  returned: always
  type: list
  elements: int
  sample: [45012]
note:
  description: A remark on what happened, for example when a lost answer was resolved by reading the tenant again.
  returned: when there is one
  type: str
"""

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_engine import Item
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_tenants import Tenant, tenant_argument_spec


# The module's declaration: CortexModule's keyword arguments (the action plugin runs ``run`` with the same).
SPEC = dict(argument_spec=tenant_argument_spec(), required_one_of=[("name", "code")])


def run(module):
    params = module.params
    desired = dict((field.name, params[field.name]) for field in Tenant.fields)
    desired["domains"] = params["domains"]
    item = Item("tenant '%s'" % (params["code"] or params["name"]), desired, params["state"])
    module.run(Tenant(module), [item], "tenant")


def main():
    run(CortexModule(**SPEC))


if __name__ == "__main__":
    main()
