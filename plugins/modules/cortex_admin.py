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
options:
  tenant:
    description: Code of the tenant.
    type: str
    required: true
  upn:
    description: User principal name of the administrator; its domain must be one of the tenant's domains.
    type: str
    required: true
  login:
    description:
      - Windows logon name; Cortex stores it as V(login_CODE), at most 20 characters, and it cannot change.
      - Defaults to the part of the UPN before V(@), shortened to fit.
    type: str
  first_name:
    description: First name.
    type: str
  last_name:
    description: Last name.
    type: str
  display_name:
    description: Display name. Defaults to O(first_name) and O(last_name) on create.
    type: str
  password:
    description:
      - Password, required to create. Write-only - Cortex never returns it.
      - Sent on create only, unless O(update_password=always).
    type: str
  update_password:
    description:
      - V(on_create) sets the password on create only; V(always) sends it on every run (always a change).
    type: str
    default: on_create
    choices: [on_create, always]
  password_never_expires:
    description: The password never expires. The tenant must allow it.
    type: bool
  change_password_at_next_logon:
    description:
      - The administrator must change the password at next logon.
      - Sent with the password (on create, or on every run with O(update_password=always)), never compared afterwards.
    type: bool
  enabled:
    description: Whether the account is enabled.
    type: bool
  roles:
    description:
      - The administrator's roles, by name, among the tenant's allowed roles. Replaces the account's roles.
      - Limit them to delegate less, for example V([User Administrator]).
    type: list
    elements: str
    default: [Customer Administrator]
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

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule, Field
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_users import (
    USER_FIELDS, USER_OPTIONS, UserEntity, user_items)


class Admin(UserEntity):
    kind = "administrator"
    fields = USER_FIELDS + (Field("roles", "ci_set"),)


def main():
    options = dict(USER_OPTIONS, roles=dict(type="list", elements="str", default=["Customer Administrator"]))
    spec = dict(options, tenant=dict(type="str", required=True), upn=dict(type="str", required=True))
    module = CortexModule(argument_spec=spec)
    entity = Admin(module)
    items = user_items(dict(module.params, users=None), options)
    module.reconcile(entity, items)
    module.finish(entity, items, "user")


if __name__ == "__main__":
    main()
