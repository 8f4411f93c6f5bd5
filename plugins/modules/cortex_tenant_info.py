#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_tenant_info
short_description: List Cortex tenants with their domains and services
version_added: 1.0.0
description:
  - Lists the tenants the account can see, or those matching O(code) or O(name), with their domains, allowed
    roles, services and statuses.
  - One listing, then the reads of each tenant in parallel.
author:
  - cloudforyou infra team (@cloudforyou)
options:
  code:
    description: Only the tenant with this code.
    type: str
  name:
    description: Only the tenant with this full name (case-insensitive).
    type: str
  usage:
    description:
      - Also return each tenant's RV(tenants[].usage) - how many users, how many mailboxes per plan, the Exchange
        version - for billing (C(playbooks/usage_report.yml) writes it as CSV). One more request per tenant where
        Cortex answers every user's detail at once.
    type: bool
    default: false
extends_documentation_fragment:
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.concurrency
  - cloudforyou.cortex.cortex.info_attributes
"""

EXAMPLES = r"""
- name: Every tenant of the partner account
  cloudforyou.cortex.cortex_tenant_info:
  register: all_tenants

- name: One tenant
  cloudforyou.cortex.cortex_tenant_info:
    code: BMS
  register: bms

- name: Is its Exchange ready?
  ansible.builtin.assert:
    that: (bms.tenants[0].services | selectattr('name', 'equalto', 'HE') | first).status == 'Provisioned'
"""

RETURN = r"""
tenants:
  description: The tenants found (an empty list when none matches).
  returned: always
  type: list
  elements: dict
  contains:
    code:
      description: Tenant code.
      type: str
      sample: BMS
    id:
      description: Numeric id.
      type: int
    name:
      description: Full name.
      type: str
    contact_name:
      description: Contact name.
      type: str
    contact_email:
      description: Contact e-mail.
      type: str
    address:
      description: Street address.
      type: str
    city:
      description: City.
      type: str
    zip_code:
      description: Postal code.
      type: str
    country:
      description: Country.
      type: str
    primary_domain:
      description: Primary domain.
      type: str
    domains:
      description: All domains, the primary one included.
      type: list
      elements: str
    roles:
      description: Allowed roles.
      type: list
      elements: str
    password_never_expires:
      description: Whether passwords may never expire.
      type: bool
    min_password_length:
      description: Minimum password length.
      type: int
    status:
      description: Provisioning status.
      type: str
    status_color:
      description: Console colour of the status.
      type: str
    services:
      description: Services available to the tenant (V(HE) is Hosted Exchange), with their status and colour.
      type: list
      elements: dict
      sample: [{name: HE, fullname: Hosted Exchange, status: Provisioned, status_color: green}]
    usage:
      description: With O(usage=true) - C(users), C(mailboxes) (a count per plan), C(exchange_version).
      type: dict
      returned: with O(usage=true)
      sample: {users: 12, mailboxes: {FORFAIT_2GO: 9, FORFAIT_10GO: 2}, exchange_version: "2010"}
"""

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_clients import (
    partner_of, tenant_facts, without_partner)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule


# The module's declaration: CortexModule's keyword arguments (the action plugin runs ``run`` with the same).
SPEC = dict(
    argument_spec=dict(code=dict(type="str"), name=dict(type="str"), usage=dict(type="bool", default=False)),
    with_wait=False,
    bulk=True,
)


def run(module):
    api = module.api
    try:
        found = api.find_tenants(code=module.params["code"], name=module.params["name"])
        # every customer listed: the first is the partner's own, never one of its clients (also with none yet)
        partner = partner_of(found) if module.params["code"] is None and module.params["name"] is None else None
    except CortexError as exc:
        module.fail_cortex(exc, "tenants")

    def read(summary):
        tenant = api.get_tenant(summary["code"])
        tenant["services"] = api.tenant_services(summary["code"])
        if module.params["usage"]:
            facts = tenant_facts(api, summary["code"], tenant=tenant)
            tenant["usage"] = dict(users=facts["users"], mailboxes=facts["mailboxes"],
                                   exchange_version=facts["exchange_version"])
        return tenant

    tenants = module.read_all(read, found, lambda summary: "tenant '%s'" % summary["code"])
    module.exit_json(changed=False, tenants=without_partner(tenants, partner))


def main():
    run(CortexModule(**SPEC))


if __name__ == "__main__":
    main()
