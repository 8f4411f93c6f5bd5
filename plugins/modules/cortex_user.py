#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_user
short_description: Manage users of a Cortex tenant, one or many per task
version_added: 1.0.0
description:
  - Creates, updates or removes users of a tenant and provisions them, found by their UPN.
  - The bulk form O(users) manages any number of users in one task - one listing of the tenant's users, then the
    reads and writes each user needs, O(concurrency) at a time. Every item is validated before the first write
    - one bad item fails the task, naming every bad item, with nothing written.
  - Passwords are checked before any write with the Cortex rule - at least the tenant's minimum length (8 by default),
    at most 256 characters, none of the login nor any part of 3 or more characters of the UPN or display name,
    and 3 of upper case, lower case, digit and other character.
  - Mailboxes are given with M(cloudforyou.cortex.cortex_exchange); administrators with M(cloudforyou.cortex.cortex_admin).
author:
  - cloudforyou infra team (@cloudforyou)
options:
  tenant:
    description: Code of the tenant.
    type: str
    required: true
  upn: &upn
    description:
      - User principal name, V(claire.dubois@boulangerie-martin.fr); its domain must be one of the tenant's domains.
      - Identifies the user. Required unless O(users) is given.
    type: str
  login: &login
    description:
      - Windows logon name. Cortex stores it as V(login_CODE), at most 20 characters, and it cannot change.
      - Defaults to the part of the UPN before V(@), shortened to fit.
    type: str
  first_name: &first_name
    description: First name.
    type: str
  last_name: &last_name
    description: Last name.
    type: str
  display_name: &display_name
    description: Display name. Defaults to O(first_name) and O(last_name) on create.
    type: str
  password: &password
    description:
      - Password, required to create a user. Write-only - Cortex never returns it, so it cannot be compared.
      - Sent on create only, unless O(update_password=always).
    type: str
  update_password: &update_password
    description:
      - V(on_create) sets the password when the user is created only.
      - V(always) sends it on every run. As a password cannot be read back, the task then always reports a change.
    type: str
    default: on_create
    choices: [on_create, always]
  password_never_expires: &password_never_expires
    description:
      - The password never expires.
      - The tenant must allow it (O(cloudforyou.cortex.cortex_tenant#module:password_never_expires)).
    type: bool
  change_password_at_next_logon: &change_password_at_next_logon
    description:
      - The user must change the password at next logon.
      - It qualifies the password being set, so it is sent with it - on create, or on every run with
        O(update_password=always) - and never compared afterwards (the user clears it by changing the password).
    type: bool
  enabled: &enabled
    description: Whether the account is enabled.
    type: bool
  state: &state
    description:
      - V(present) creates or updates the user; a user whose provisioning V(Failed) is provisioned again.
      - V(absent) removes the user; its mailbox must be deprovisioned first.
    type: str
    default: present
    choices: [present, absent]
  users:
    description:
      - Bulk form - a list of users, each with the keys of the single form (O(users[].state) included).
      - Use it instead of O(upn) and the other single-form options.
    type: list
    elements: dict
    suboptions:
      upn:
        description: User principal name (required).
        type: str
        required: true
      login: *login
      first_name: *first_name
      last_name: *last_name
      display_name: *display_name
      password: *password
      update_password: *update_password
      password_never_expires: *password_never_expires
      change_password_at_next_logon: *change_password_at_next_logon
      enabled: *enabled
      state: *state
extends_documentation_fragment:
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.wait
  - cloudforyou.cortex.cortex.concurrency
  - cloudforyou.cortex.cortex.attributes
seealso:
  - module: cloudforyou.cortex.cortex_admin
  - module: cloudforyou.cortex.cortex_exchange
  - module: cloudforyou.cortex.cortex_user_info
"""

EXAMPLES = r"""
- name: Create one user
  cloudforyou.cortex.cortex_user:
    tenant: BMS
    upn: claire.dubois@boulangerie-martin.fr
    first_name: Claire
    last_name: Dubois
    password: "{{ vault_claire_password }}"

- name: Create every user of a client in one task, starting provisioning without waiting
  cloudforyou.cortex.cortex_user:
    tenant: BMS
    users: "{{ client_users }}"
    wait: false
  register: created

- name: Wait once for all of them
  cloudforyou.cortex.cortex_request_info:
    ids: "{{ created.users | map(attribute='request_ids') | flatten }}"
    wait: true

- name: Remove a user (deprovision the mailbox first)
  cloudforyou.cortex.cortex_user:
    tenant: BMS
    upn: ancien.salarie@boulangerie-martin.fr
    state: absent
"""

RETURN = r"""
user:
  description: The user after the task (single form); empty once removed. Never holds the password.
  returned: when O(upn) is given
  type: dict
  contains:
    login:
      description: Logon name as Cortex stores it.
      type: str
      sample: claire.dubois_BMS
    upn:
      description: User principal name.
      type: str
    first_name:
      description: First name (when read or set).
      type: str
    last_name:
      description: Last name (when read or set).
      type: str
    display_name:
      description: Display name.
      type: str
    enabled:
      description: Whether the account is enabled (when read or set).
      type: bool
    status:
      description: Cortex provisioning status.
      type: str
      sample: Provisioned
    status_color:
      description: Console colour of the status.
      type: str
      sample: green
action:
  description: What the task did to the user (single form).
  returned: when O(upn) is given
  type: str
  choices: [create, update, reprovision, delete, none]
request_ids:
  description: Ids of the provisioning requests started (single form).
  returned: when O(upn) is given
  type: list
  elements: int
users:
  description: One result per item of O(users), in order.
  returned: when O(users) is given
  type: list
  elements: dict
  contains:
    changed:
      description: Whether this user changed.
      type: bool
    action:
      description: What was done to this user.
      type: str
    request_ids:
      description: Provisioning requests started for this user.
      type: list
      elements: int
    user:
      description:
        - The user's C(login), C(upn), C(status) and C(status_color); M(cloudforyou.cortex.cortex_user_info) returns
          whole users.
      type: dict
    failed:
      description: Present and true when this user failed.
      type: bool
    msg:
      description: Why this user failed.
      type: str
summary:
  description: Counts of the bulk form - total, failed, and one count per action.
  returned: when O(users) is given
  type: dict
  sample: {total: 50, failed: 0, create: 48, none: 2}
"""

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_users import (
    USER_OPTIONS, UserEntity, user_argument_spec, user_items)


def main():
    module = CortexModule(
        argument_spec=user_argument_spec(),
        bulk=True,
        required_one_of=[("upn", "users")],
        # The bulk form takes every option per item: a single-form option beside ``users`` would be ignored.
        mutually_exclusive=[(name, "users") for name in USER_OPTIONS],
    )
    entity = UserEntity(module)
    items = user_items(module.params, USER_OPTIONS)
    module.reconcile(entity, items)
    module.finish(entity, items, "user", bulk_key="users" if module.params["users"] is not None else None)


if __name__ == "__main__":
    main()
