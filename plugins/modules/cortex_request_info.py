#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_request_info
short_description: Read, or wait for, Cortex provisioning requests
version_added: 1.0.0
description:
  - Every change on Cortex is carried out asynchronously by a provisioning request
    (V(Requested), then V(InProgress), then V(Provisioned) or V(Failed)).
  - This module reads the requests whose ids the other modules return with O(cloudforyou.cortex.cortex_user#module:wait=false),
    and with O(wait=true) polls them, all at once, until each is final. So a play can start hundreds of changes
    and wait once.
  - It reports V(Failed) requests with their reason but does not fail because of them; test RV(summary) (C(summary.Failed)).
author:
  - cloudforyou infra team (@cloudforyou)
options:
  ids:
    description: The request ids. Duplicates are read once.
    type: list
    elements: int
    required: true
  wait:
    description: Poll until every request is V(Provisioned) or V(Failed). The task fails if O(wait_timeout) passes first.
    type: bool
    default: false
  wait_timeout:
    description: How many seconds to wait, in all, when O(wait=true).
    type: int
    default: 600
  return_requests:
    description:
      - V(all) returns every request in RV(requests).
      - V(unsuccessful) returns only those not V(Provisioned) (failed, or still pending) - what a play waiting for
        thousands of requests needs, without carrying thousands of records through Ansible. RV(summary) counts them all.
    type: str
    default: all
    choices: [all, unsuccessful]
extends_documentation_fragment:
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.concurrency
  - cloudforyou.cortex.cortex.info_attributes
"""

EXAMPLES = r"""
- name: Start the users without waiting
  cloudforyou.cortex.cortex_user:
    tenant: BMS
    users: "{{ client_users }}"
    wait: false
  register: users

- name: Wait once for all of them, keeping only the ones that did not succeed
  cloudforyou.cortex.cortex_request_info:
    ids: "{{ users.users | map(attribute='request_ids') | flatten }}"
    wait: true
    wait_timeout: 1800
    return_requests: unsuccessful
  register: provisioning

- name: Report the failures
  ansible.builtin.debug:
    msg: "{{ item.object_name }}: {{ item.message }}"
  loop: "{{ provisioning.requests | selectattr('status', 'equalto', 'Failed') }}"
  loop_control:
    label: "{{ item.id }}"
"""

RETURN = r"""
requests:
  description: The requests, in the order of O(ids) (only those not V(Provisioned) with O(return_requests=unsuccessful)).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Request id.
      type: int
      sample: 45012
    type:
      description: Kind of request.
      type: str
      sample: Object Provision
    description:
      description: What the request does.
      type: str
      sample: Provision HE to Boulangerie Martin SARL
    status:
      description: V(Requested), V(InProgress), V(Provisioned) or V(Failed).
      type: str
    status_color:
      description: Console colour of the status.
      type: str
    object_type:
      description: V(Customer), V(User), V(Customer Service) or V(User Service).
      type: str
    object_name:
      description: Code, login or service of the object.
      type: str
      sample: claire.dubois_BMS
    message:
      description: Why the request failed.
      type: str
summary:
  description: Number of requests by status, and in all.
  returned: always
  type: dict
  sample: {total: 102, Provisioned: 101, Failed: 1}
"""

import time

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_poll import Job, Scheduler
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import FINAL_STATUSES


# The module's declaration: CortexModule's keyword arguments (the action plugin runs ``run`` with the same).
SPEC = dict(
    argument_spec=dict(
        ids=dict(type="list", elements="int", required=True),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        return_requests=dict(type="str", default="all", choices=["all", "unsuccessful"]),
    ),
    with_wait=False,
    bulk=True,
)


def run(module):
    ids = module.params["ids"]
    unique = sorted(set(ids), key=ids.index)
    # Reading only: the scheduler polls oldest first and never queues anything again (retries=0).
    scheduler = Scheduler(module.api, retries=0, concurrency=module.concurrency, parallel=module.parallel)
    scheduler.add([Job(dict(kind="request", tenant=""), request_id) for request_id in unique])
    timeout = module.params["wait_timeout"] if module.params["wait"] else 0
    try:
        scheduler.run(time.time() + timeout)
    except CortexError as exc:
        module.fail_cortex(exc, "provisioning requests")
    requests, summary, pending = [], dict(total=len(unique)), []
    for job in scheduler.jobs:
        answer = scheduler.answers.get(job.id)
        if answer is None:
            module.fail_json(msg="provisioning request %s: %s" % (job.id, job.message or "could not be read"))
        if module.params["return_requests"] == "all" or answer["status"] != "Provisioned":
            requests.append(answer)
        summary[answer["status"]] = summary.get(answer["status"], 0) + 1
        if answer["status"] not in FINAL_STATUSES:
            pending.append(job.id)
    if module.params["wait"] and pending:
        module.fail_json(msg="%d request(s) still pending after wait_timeout=%ss: %s"
                         % (len(pending), module.params["wait_timeout"], ", ".join(map(str, pending[:20]))),
                         requests=requests, summary=summary)
    module.exit_json(changed=False, requests=requests, summary=summary)


def main():
    run(CortexModule(**SPEC))


if __name__ == "__main__":
    main()
