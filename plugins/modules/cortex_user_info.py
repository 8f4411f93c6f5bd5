#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_user_info
short_description: List the users of a Cortex tenant with their mailboxes
version_added: 1.0.0
description:
  - Lists the users of a tenant, or the one with O(upn), with names, roles, account state, provisioning status and
    mailbox (status, plan, reply address).
  - One listing of the users, then one read per user (user and mailbox in the same request), in parallel.
author:
  - cloudforyou infra team (@cloudforyou)
options:
  tenant:
    description: Code of the tenant.
    type: str
    required: true
  upn:
    description: Only the user with this UPN.
    type: str
extends_documentation_fragment:
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.concurrency
  - cloudforyou.cortex.cortex.info_attributes
"""

EXAMPLES = r"""
- name: All users of a client
  cloudforyou.cortex.cortex_user_info:
    tenant: BMS
  register: bms_users

- name: Users whose mailbox is not ready
  ansible.builtin.debug:
    msg: "{{ bms_users.users | rejectattr('exchange.status', 'equalto', 'Provisioned') | map(attribute='upn') }}"
"""

RETURN = r"""
users:
  description: The users found (an empty list when none matches).
  returned: always
  type: list
  elements: dict
  contains:
    login:
      description: Logon name as stored (V(login_CODE)).
      type: str
      sample: claire.dubois_BMS
    upn:
      description: User principal name.
      type: str
    first_name:
      description: First name.
      type: str
    last_name:
      description: Last name.
      type: str
    display_name:
      description: Display name.
      type: str
    roles:
      description: Roles held.
      type: list
      elements: str
    enabled:
      description: Whether the account is enabled.
      type: bool
    locked:
      description: Whether the account is locked out.
      type: bool
    password_never_expires:
      description: Whether the password never expires.
      type: bool
    status:
      description: Provisioning status of the user.
      type: str
    status_color:
      description: Console colour of the status.
      type: str
    exchange:
      description: The user's mailbox - C(status), C(status_color), and when provisioned C(plan), C(plan_name), C(reply_address).
      type: dict
      sample: {status: Provisioned, status_color: green, plan: FORFAIT_2GO, reply_address: claire.dubois@boulangerie-martin.fr}
"""

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules


# The module's declaration: CortexModule's keyword arguments (the action plugin runs ``run`` with the same).
SPEC = dict(
    argument_spec=dict(tenant=dict(type="str", required=True), upn=dict(type="str")),
    with_wait=False,
    bulk=True,
)


def run(module):
    api, code, upn = module.api, module.params["tenant"], module.params["upn"]
    if upn:
        problems = rules.upn_problems(upn)
        if problems:
            module.fail_json(msg="upn: %s" % "; ".join(problems))
        upn = rules.normalize_upn(upn)
    try:
        found = api.find_users(code, upn=upn, with_exchange=True)
    except CortexError as exc:
        module.fail_cortex(exc, "users of tenant '%s'" % code)
    if found is None:
        module.fail_json(msg="tenant '%s' not found (or not visible to %s)" % (code, module.params["cortex_username"]))

    bulk = api.get_users(code, with_exchange=True) if upn is None and len(found) > 1 else None
    if bulk is not None:
        for user in bulk:
            user.setdefault("exchange", {"status": "NotProvisioned", "status_color": "grey"})
        module.exit_json(changed=False, users=bulk)

    def read(summary):
        has_mailbox = (summary.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"
        user = api.get_user(code, summary["login"], with_exchange=has_mailbox)
        user.setdefault("exchange", summary.get("exchange") or {"status": "NotProvisioned", "status_color": "grey"})
        return user

    users = module.read_all(read, found, lambda summary: "user '%s'" % summary["upn"])
    module.exit_json(changed=False, users=users)


def main():
    run(CortexModule(**SPEC))


if __name__ == "__main__":
    main()
