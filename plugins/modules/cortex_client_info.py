#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_client_info
short_description: Read a Cortex tenant as a client description the onboarding role accepts
version_added: 1.0.0
description:
  - Reads a tenant and returns it as RV(client) - a C(cortex_client) description for the role
    C(cloudforyou.cortex.client_onboarding) - tenant fields, domains with the primary one, administrator, Hosted
    Exchange version and plans, users with their plans. Passwords are never part of it (Cortex never returns them).
  - Onboarding with it changes nothing (C(changed=0), also with C(--check --diff)), so a client created in the console
    before the collection can be brought under code - write it to a file (C(playbooks/export_client.yml)) and keep
    it in version control.
  - The administrator is the first user holding the C(Customer Administrator) role.
author:
  - cloudforyou infra team (@cloudforyou)
options:
  tenant:
    description: Code of the tenant.
    type: str
  name:
    description: Full name of the tenant, to find it when its code is not known.
    type: str
  catalog:
    description:
      - Also return RV(catalog) - what this Cortex offers the partner's clients (roles, countries, Exchange versions,
        customer and user plans with their versions and user limits), read from the partner's own reseller customer
        (three requests), and, for a tenant that exists, how many of its mailboxes each limited plan holds.
      - The role C(cloudforyou.cortex.client_onboarding) checks a description against it before any write.
    type: bool
    default: false
  detail:
    description:
      - V(true) reads every user (names, roles, mailbox plan), one request each, in parallel.
      - V(false) takes the users from one listing (UPN, login, display name, status) - what the role checks before it
        writes; RV(client) then lacks the users' names, plans and the administrator.
    type: bool
    default: true
extends_documentation_fragment:
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.concurrency
  - cloudforyou.cortex.cortex.info_attributes
seealso:
  - module: cloudforyou.cortex.cortex_tenant_info
  - module: cloudforyou.cortex.cortex_user_info
"""

EXAMPLES = r"""
- name: Read a client created in the console
  cloudforyou.cortex.cortex_client_info:
    tenant: BMS
  register: found

- name: Keep its description as code
  ansible.builtin.copy:
    content: "{{ {'cortex_client': found.client} | to_nice_yaml(allow_unicode=true) }}"
    dest: "host_vars/BMS.yml"
    mode: "0600"
"""

RETURN = r"""
found:
  description: Whether the tenant exists.
  returned: always
  type: bool
client:
  description: The tenant as a C(cortex_client) description (empty when not found). No password.
  returned: always
  type: dict
  sample:
    name: Boulangerie Martin SARL
    code: BMS
    contact_name: Paul Martin
    contact_email: paul@boulangerie-martin.fr
    address: 12 rue des Lilas
    city: Lyon
    zip_code: "69003"
    country: France
    password_never_expires: true
    min_password_length: 8
    domains: [{name: boulangerie-martin.fr, primary: true}, {name: martin-patisserie.com}]
    admin: {upn: admin@boulangerie-martin.fr, login: admin, first_name: Paul, last_name: Martin,
            display_name: Paul Martin, roles: [Customer Administrator]}
    exchange: {version: "2010", customer_plan: Default, user_plans: [FORFAIT_2GO, FORFAIT_10GO]}
    users:
      - {upn: claire.dubois@boulangerie-martin.fr, login: claire.dubois, first_name: Claire, last_name: Dubois,
         display_name: Claire Dubois, plan: FORFAIT_2GO}
catalog:
  description:
    - With O(catalog=true) - C(partner) (the reseller's code), C(roles), C(countries), C(zip_pattern) (when the
      deployment has one), C(exchange) (C(versions), C(customer_plans), C(user_plans), each plan with C(name),
      C(versions), C(user_limit)), C(used) (mailboxes of this tenant per limited plan, by folded plan name), and
      C(domains) (the domains of the other clients, by folded name, with the code of the client that holds each).
    - Empty when this Cortex shows none of it; the checks that need it are then left to the server.
  returned: with O(catalog=true)
  type: dict
  sample: {partner: DEMO, roles: [Customer Administrator, Exchange Users], countries: [France, Belgium],
           exchange: {versions: ["2010", "2013"], customer_plans: [{name: Default, versions: ["2010", "2013"], user_limit: null}],
                      user_plans: [{name: FORFAIT_ESSAI, versions: ["2010", "2013"], user_limit: 5}]},
           used: {forfait_essai: 2}}
state:
  description:
    - What is not part of a description - the tenant's status, and each user's login, status, mailbox status and roles
      (roles only with O(detail=true)).
  returned: when found
  type: dict
"""

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_catalog import (
    count_plans, domains_in_use, plans_used, read_catalog)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_clients import describe, find_tenant
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule


# The module's declaration: CortexModule's keyword arguments (the action plugin runs ``run`` with the same).
SPEC = dict(
    argument_spec=dict(tenant=dict(type="str"), name=dict(type="str"), detail=dict(type="bool", default=True),
                       catalog=dict(type="bool", default=False)),
    with_wait=False,
    bulk=True,
    required_one_of=[("tenant", "name")],
    mutually_exclusive=[("tenant", "name")],
)


def run(module):
    params = module.params
    label = "tenant '%s'" % (params["tenant"] or params["name"])
    extra = {}
    try:
        if params["catalog"]:
            extra["catalog"] = read_catalog(module.api)
        code = find_tenant(module.api, code=params["tenant"], name=params["name"])
        if params["catalog"]:
            extra["catalog"]["domains"] = domains_in_use(module.api, code)
        if code is None:
            module.exit_json(changed=False, found=False, client={}, **extra)
        client, state = describe(module, code, detail=params["detail"])
        if params["catalog"]:
            if params["detail"]:  # the users were read with their mailboxes: count them, no second read
                entries = list(client.get("users") or []) + ([client["admin"]] if client.get("admin") else [])
                extra["catalog"]["used"] = count_plans(entries)
            else:
                extra["catalog"]["used"] = plans_used(module.api, code, extra["catalog"])
    except CortexError as exc:
        module.fail_cortex(exc, label)
    module.exit_json(changed=False, found=True, client=client, state=state, **extra)


def main():
    run(CortexModule(**SPEC))


if __name__ == "__main__":
    main()
