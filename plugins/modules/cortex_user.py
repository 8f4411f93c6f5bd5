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
  - A new user never lands on an existing login - Cortex addresses users by login, so the module refuses, before any
    write, a new user whose login is another user's (for example V(contact@) on two of the tenant's domains).
  - A user created by this module holds no role - Cortex would otherwise make the first user of a tenant its Customer
    Administrator; administrators are made with M(cloudforyou.cortex.cortex_admin).
  - Mailboxes are given with M(cloudforyou.cortex.cortex_exchange).
author:
  - cloudforyou infra team (@cloudforyou)
options:
  users_json:
    description:
      - The bulk form's O(users) as one JSON text - the same list, validated the same way (see O(packed)).
      - Use it instead of O(users). It is masked whole in the output, as it holds the passwords.
      - The list itself is taken too (ansible-core before 2.19 may have read the text into it).
    type: raw
    version_added: 1.2.0
extends_documentation_fragment:
  - cloudforyou.cortex.user
  - cloudforyou.cortex.user.bulk
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.wait
  - cloudforyou.cortex.cortex.concurrency
  - cloudforyou.cortex.cortex.batch
  - cloudforyou.cortex.cortex.packed
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

- name: Wait once for all of them (failed provisioning is queued again), printing progress
  cloudforyou.cortex.cortex_wait:
    jobs: "{{ created.jobs }}"

- name: Remove a user (deprovision the mailbox first)
  cloudforyou.cortex.cortex_user:
    tenant: BMS
    upn: ancien.salarie@boulangerie-martin.fr
    state: absent
"""

RETURN = r"""
users_json:
  description: RV(users) as one JSON text.
  returned: with O(packed=true), instead of RV(users)
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
    USER_EXTRA_OPTIONS, USER_OPTION_FIELDS, UserEntity, user_argument_spec, user_items)


_NAMES = [field.name for field in USER_OPTION_FIELDS] + list(USER_EXTRA_OPTIONS)

# The module's declaration: CortexModule's keyword arguments (the action plugin runs ``run`` with the same).
SPEC = dict(
    argument_spec=user_argument_spec(),
    bulk=True,
    batch=True,
    packed="users",  # also users_json, and packed results
    required_one_of=[("upn", "users")],
    # The bulk form takes every option per item: a single-form option beside ``users`` would be ignored.
    mutually_exclusive=[(name, "users") for name in _NAMES],
)


def run(module):
    module.run(UserEntity(module), user_items(module.params, _NAMES), "user",
               bulk_key="users" if module.params["users"] is not None else None)


def main():
    run(CortexModule(**SPEC))


if __name__ == "__main__":
    main()
