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
  - A tenant is found by O(tenant) (its code), else by its full name O(name). The partner's own (reseller) customer is
    never a client - RV(found) is false for it.
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
      - V(true) reads every user in detail (names, roles, mailbox plan) - one request where Cortex answers every user at
        once, else one each, in parallel - and confirms them against the listing.
      - V(false) takes the users from one listing (UPN, login, display name, status); RV(client) then lacks the users'
        names, plans and the administrator.
    type: bool
    default: true
  snapshot:
    description:
      - Also return RV(snapshot) - what Cortex holds and offers for the client, as the client plan reads it
        (module_utils/cortex_plan.py) - the role C(cloudforyou.cortex.client_onboarding) plans the client from it.
      - Implies O(detail=true).
    type: bool
    default: false
    version_added: 1.1.0
  describe:
    description:
      - Return RV(client) and RV(state). V(false), with O(snapshot=true), returns only RV(snapshot) (what the role
        C(cloudforyou.cortex.client_onboarding) plans from), a third of the result for a large tenant.
    type: bool
    default: true
    version_added: 1.1.0
  packed:
    description:
      - With O(snapshot=true), return the snapshot as one JSON text, RV(snapshot_json), instead of RV(snapshot).
        Ansible carries one text far faster than the values of thousands of users (in a no-op run of the role over
        10,000 users, the read went from 4.5 s to 3.3 s and the plan from 3.2 s to 1.8 s).
      - The filters C(cloudforyou.cortex.onboarding_plan) and C(cloudforyou.cortex.offboarding_plan) read either form.
    type: bool
    default: false
    version_added: 1.1.0
  user_properties:
    description:
      - Also read the users' extended properties - the fields stored so (C(mobile_phone)) are then part of the users
        read. The role C(cloudforyou.cortex.client_onboarding) asks for them when its description sets such a field.
    type: bool
    default: false
    version_added: 1.1.0
  domains:
    description:
      - The client's domains as described. With O(snapshot=true), every customer's domains are read (one request)
        only when one of these is not already the tenant's, to refuse a domain another client holds.
      - With O(name) (no O(tenant)), the evidence that the tenant of that name is this client and not another one of
        the same name.
    type: list
    elements: str
    version_added: 1.1.0
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
  returned: unless O(describe=false) and the tenant is found
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
  returned: when found, unless O(describe=false)
  type: dict
snapshot:
  description:
    - With O(snapshot=true) - C(partner) (the code of the partner's own customer), C(tenants) (every customer the
      account sees, code and name), C(tenant) (the tenant's detail, or null), C(exchange) (its Hosted Exchange),
      C(users) (its users in detail, with their mailboxes), C(held) (domains of other customers, when read) and
      C(catalog). No password.
  returned: with O(snapshot=true), unless O(packed=true)
  type: dict
  version_added: 1.1.0
snapshot_json:
  description:
    - RV(snapshot) as one JSON text.
  returned: with O(snapshot=true) and O(packed=true)
  type: str
  version_added: 1.1.0
"""

import json

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_catalog import count_plans, domains_in_use
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_clients import read_snapshot
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_description import export
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule


# The module's declaration: CortexModule's keyword arguments (the action plugin runs ``run`` with the same).
SPEC = dict(
    argument_spec=dict(tenant=dict(type="str"), name=dict(type="str"), detail=dict(type="bool", default=True),
                       catalog=dict(type="bool", default=False), snapshot=dict(type="bool", default=False),
                       domains=dict(type="list", elements="str"),
                       user_properties=dict(type="bool", default=False), describe=dict(type="bool", default=True),
                       packed=dict(type="bool", default=False)),
    with_wait=False,
    bulk=True,
    required_one_of=[("tenant", "name")],
    mutually_exclusive=[("tenant", "name")],
)


def run(module):
    params = module.params
    label = "tenant '%s'" % (params["tenant"] or params["name"])
    try:
        snap = read_snapshot(module.api, params["tenant"], params["name"],
                             params["domains"] if params["snapshot"] else None, parallel=module.parallel,
                             catalog=params["snapshot"] or params["catalog"],
                             user_properties=params["user_properties"])
        tenant, users = snap["tenant"], snap["users"]
        if tenant is not None and not (params["detail"] or params["snapshot"]):
            users = module.api.find_users(tenant["code"], with_exchange=True) or []
        extra = {}
        if params["snapshot"] and params["packed"]:
            extra["snapshot_json"] = json.dumps(snap, sort_keys=True)
        elif params["snapshot"]:
            extra["snapshot"] = snap
        if params["catalog"]:
            extra["catalog"] = dict(snap["catalog"], used=count_plans(
                [dict(plan=(u.get("exchange") or {}).get("plan")) for u in users
                 if (u.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"]))
            extra["catalog"]["domains"] = snap.get("held") if snap.get("held") is not None else \
                domains_in_use(module.api, tenant["code"] if tenant else None)
    except CortexError as exc:
        module.fail_cortex(exc, label)
    if tenant is None:
        module.exit_json(changed=False, found=False, client={}, **extra)
    if params["snapshot"] and not params["describe"]:
        module.exit_json(changed=False, found=True, **extra)
    client = export(tenant, snap["exchange"], users if (params["detail"] or params["snapshot"]) else [])
    if not (params["detail"] or params["snapshot"]):
        client["users"] = [dict(upn=u["upn"], login=u["login"]) for u in users]
    state = dict(status=tenant["status"], users=[dict(upn=u["upn"], login=u["login"], status=u.get("status"),
                                                      mailbox=(u.get("exchange") or {}).get("status", "NotProvisioned"),
                                                      roles=u.get("roles")) for u in users])
    module.exit_json(changed=False, found=True, client=client, state=state, **extra)


def main():
    run(CortexModule(**SPEC))


if __name__ == "__main__":
    main()
