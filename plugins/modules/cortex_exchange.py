#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_exchange
short_description: Provision Hosted Exchange on a Cortex tenant and give mailboxes to its users
version_added: 1.0.0
description:
  - Without O(user) or O(mailboxes) - provisions the Hosted Exchange service on the tenant with a version, a customer
    plan and the user plans ("forfaits") its users may get, changes them, or deprovisions the service.
  - With O(user) - gives one user a mailbox on a plan, changes the plan, or deprovisions the mailbox.
  - With O(mailboxes) (bulk form) - the same for any number of users in one task, validated all before the first
    write (the user exists, the plan is enabled on the tenant and under its user limit).
  - The tenant must be provisioned before its Exchange service, and the tenant's Exchange before a mailbox. With
    O(wait=true) the module waits for a tenant or service still provisioning rather than failing.
  - A mailbox may be requested while its user is still being provisioned; Cortex provisions it right after the user.
author:
  - cloudforyou infra team (@cloudforyou)
options:
  tenant:
    description: Code of the tenant.
    type: str
    required: true
  version:
    description:
      - Exchange version of the tenant's service, V(2010) or V(2013) in the default catalogue. Required to provision it.
      - It cannot change once provisioned.
    type: str
  customer_plan:
    description: The customer plan (package), V(Default) in the default catalogue. Required to provision.
    type: str
  user_plans:
    description:
      - The user plans (mailbox sizes, "forfaits") enabled on the tenant. At least one is required to provision.
      - Replaces the tenant's list; a plan still used by a mailbox cannot be removed.
    type: list
    elements: str
  user:
    description: UPN of the user whose mailbox is managed.
    type: str
  plan:
    description: The user plan of the mailbox (required to provision it); must be one of the tenant's O(user_plans).
    type: str
  state:
    description:
      - V(present) provisions (or changes) the service or mailbox; one whose provisioning V(Failed) is provisioned again.
      - V(absent) deprovisions it; the tenant's service can be deprovisioned only once no mailbox is left.
    type: str
    default: present
    choices: [present, absent]
  mailboxes:
    description:
      - Bulk form - a list of mailboxes, each with O(mailboxes[].user), O(mailboxes[].plan) and O(mailboxes[].state).
    type: list
    elements: dict
    suboptions:
      user:
        description: UPN of the user.
        type: str
        required: true
      plan:
        description: The user plan (required to provision).
        type: str
      state:
        description: V(present) or V(absent).
        type: str
        default: present
        choices: [present, absent]
  mailboxes_json:
    description:
      - The bulk form's O(mailboxes) as one JSON text - the same list, validated the same way (see O(packed)).
      - Use it instead of O(mailboxes).
      - The list itself is taken too (ansible-core before 2.19 may have read the text into it).
    type: raw
    version_added: 1.2.0
extends_documentation_fragment:
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.wait
  - cloudforyou.cortex.cortex.concurrency
  - cloudforyou.cortex.cortex.batch
  - cloudforyou.cortex.cortex.packed
  - cloudforyou.cortex.cortex.attributes
seealso:
  - module: cloudforyou.cortex.cortex_user
  - module: cloudforyou.cortex.cortex_user_info
"""

EXAMPLES = r"""
- name: Provision Hosted Exchange 2010 on the tenant with two plans
  cloudforyou.cortex.cortex_exchange:
    tenant: BMS
    version: "2010"
    customer_plan: Default
    user_plans: [FORFAIT_2GO, FORFAIT_10GO]

- name: Give Claire a 2 GB mailbox
  cloudforyou.cortex.cortex_exchange:
    tenant: BMS
    user: claire.dubois@boulangerie-martin.fr
    plan: FORFAIT_2GO

- name: Mailboxes for the whole client in one task
  cloudforyou.cortex.cortex_exchange:
    tenant: BMS
    mailboxes:
      - {user: claire.dubois@boulangerie-martin.fr, plan: FORFAIT_2GO}
      - {user: paul.martin@boulangerie-martin.fr, plan: FORFAIT_10GO}
      - {user: ancien.salarie@boulangerie-martin.fr, state: absent}
"""

RETURN = r"""
mailboxes_json:
  description: RV(mailboxes) as one JSON text.
  returned: with O(packed=true), instead of RV(mailboxes)
  type: str
  version_added: 1.2.0
jobs_json:
  description: RV(jobs) as one JSON text.
  returned: with O(packed=true), instead of RV(jobs)
  type: str
  version_added: 1.2.0
jobs:
  description:
    - The provisioning work the task started, to hand to M(cloudforyou.cortex.cortex_wait) - each item with the request
      id (none when Cortex answered the write without one) and the object it provisions.
  returned: when O(wait=false) and something was written
  type: list
  elements: dict
service:
  description: The tenant's Exchange service or the user's mailbox after the task (single forms).
  returned: when O(mailboxes) is not given
  type: dict
  contains:
    status:
      description: Cortex provisioning status; V(NotProvisioned) once deprovisioned.
      type: str
      sample: Provisioned
    status_color:
      description: Console colour of the status.
      type: str
      sample: green
    version:
      description: Exchange version (tenant level).
      type: str
      sample: "2010"
    customer_plan:
      description: Customer plan (tenant level).
      type: str
      sample: Default
    user_plans:
      description: User plans enabled on the tenant (tenant level).
      type: list
      elements: str
    user:
      description: UPN of the mailbox's user (user level).
      type: str
    plan:
      description: The mailbox's plan (user level).
      type: str
      sample: FORFAIT_2GO
    reply_address:
      description: The mailbox's reply address (user level, when read).
      type: str
action:
  description: What the task did (single forms).
  returned: when O(mailboxes) is not given
  type: str
  choices: [create, update, reprovision, delete, none]
request_ids:
  description: Ids of the provisioning requests started (single forms).
  returned: when O(mailboxes) is not given
  type: list
  elements: int
mailboxes:
  description:
    - One result per item of O(mailboxes), in order, each with C(changed), C(action), C(request_ids), C(service)
      (the mailbox's C(user), C(plan), C(status) and C(status_color)), and C(failed)/C(msg) on failure.
  returned: when O(mailboxes) is given
  type: list
  elements: dict
summary:
  description: Counts of the bulk form - total, failed, and one count per action.
  returned: when O(mailboxes) is given
  type: dict
  sample: {total: 50, failed: 0, create: 50}
"""

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_engine import Item
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_exchange import (
    MAILBOX_SPEC, Mailboxes, TenantExchange, mailbox_items)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule


# The module's declaration: CortexModule's keyword arguments (the action plugin runs ``run`` with the same).
SPEC = dict(
    argument_spec=dict(
        tenant=dict(type="str", required=True),
        version=dict(type="str"),
        customer_plan=dict(type="str"),
        user_plans=dict(type="list", elements="str"),
        user=dict(type="str"),
        plan=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        mailboxes=dict(type="list", elements="dict", options=MAILBOX_SPEC),
    ),
    bulk=True,
    batch=True,
    packed="mailboxes",  # also mailboxes_json, and packed results
    mutually_exclusive=[("user", "mailboxes"), ("version", "user"), ("version", "mailboxes"),
                        ("user_plans", "user"), ("user_plans", "mailboxes"), ("plan", "mailboxes"),
                        ("customer_plan", "user"), ("customer_plan", "mailboxes"), ("state", "mailboxes")],
)


def run(module):
    params = module.params
    if params["user"] is None and params["mailboxes"] is None:  # (mailboxes_json is read into mailboxes)
        desired = dict(version=params["version"], customer_plan=params["customer_plan"], user_plans=params["user_plans"])
        item = Item("Hosted Exchange of tenant '%s'" % params["tenant"], desired, params["state"])
        module.run(TenantExchange(module), [item], "service")
    module.run(Mailboxes(module), mailbox_items(params), "service",
               bulk_key="mailboxes" if params["mailboxes"] is not None else None)


def main():
    run(CortexModule(**SPEC))


if __name__ == "__main__":
    main()
