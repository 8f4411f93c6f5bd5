#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_admin
short_description: Manage the administrator of a Cortex tenant
version_added: 1.0.0
description:
  - Creates, updates or removes a tenant administrator - a user of the tenant holding administration roles, so the
    client can run its own mail platform from the Cortex console (step 2 of the partner guide).
  - Same behaviour as M(cloudforyou.cortex.cortex_user), plus O(roles).
  - The password is checked before any write - at least the tenant's minimum length (8 by default), no part of
    the UPN or display name, 3 character classes.
author:
  - cloudforyou infra team (@cloudforyou)
extends_documentation_fragment:
  - cloudforyou.cortex.user.admin
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.wait
  - cloudforyou.cortex.cortex.attributes
seealso:
  - module: cloudforyou.cortex.cortex_user
"""

EXAMPLES = r"""
- name: Give the client an administrator
  cloudforyou.cortex.cortex_admin:
    tenant: BMS
    upn: admin@boulangerie-martin.fr
    first_name: Paul
    last_name: Martin
    password: "{{ vault_admin_password }}"

- name: An administrator who may only manage users and reset passwords
  cloudforyou.cortex.cortex_admin:
    tenant: BMS
    upn: assistant@boulangerie-martin.fr
    first_name: Julie
    last_name: Moreau
    password: "{{ vault_assistant_password }}"
    roles:
      - User Administrator
      - Partial User Administrator (Reset Passwords)
"""

RETURN = r"""
jobs:
  description:
    - The provisioning work the task started, to hand to M(cloudforyou.cortex.cortex_wait) - each item with the request
      id (none when Cortex answered the write without one) and the object it provisions.
  returned: when O(wait=false) and something was written
  type: list
  elements: dict
user:
  description: The administrator after the task; empty once removed. Never holds the password.
  returned: always
  type: dict
  contains:
    login:
      description: Logon name as Cortex stores it.
      type: str
      sample: admin_BMS
    upn:
      description: User principal name.
      type: str
    roles:
      description: Roles of the account.
      type: list
      elements: str
      sample: [Customer Administrator]
    status:
      description: Cortex provisioning status.
      type: str
    status_color:
      description: Console colour of the status.
      type: str
action:
  description: What the task did.
  returned: always
  type: str
  choices: [create, update, reprovision, delete, none]
request_ids:
  description: Ids of the provisioning requests started.
  returned: always
  type: list
  elements: int
"""

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_users import (
    ADMIN_OPTION_FIELDS, USER_EXTRA_OPTIONS, AdminEntity, user_argument_spec, user_items)


# The module's declaration: CortexModule's keyword arguments (the action plugin runs ``run`` with the same).
SPEC = dict(argument_spec=user_argument_spec(ADMIN_OPTION_FIELDS, bulk=False, upn=dict(required=True),
                                             roles=dict(default=["Customer Administrator"])))


def run(module):
    names = [field.name for field in ADMIN_OPTION_FIELDS] + list(USER_EXTRA_OPTIONS)
    module.run(AdminEntity(module), user_items(dict(module.params, users=None), names), "user")


def main():
    run(CortexModule(**SPEC))


if __name__ == "__main__":
    main()
