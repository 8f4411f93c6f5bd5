#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_wait
short_description: Wait for the provisioning started by other Cortex tasks, queuing failures again
version_added: 1.0.0
description:
  - Waits, once for many objects, for the provisioning work that tasks run with O(cloudforyou.cortex.cortex_user#module:wait=false)
    (or any other writing module of the collection) returned as RV(cloudforyou.cortex.cortex_user#module:jobs).
  - Gentle on a slow Cortex - requests are read oldest first and a round ends at the first one still running, rounds
    are spaced by how fast the work completes, and an object written without a request id is watched through one
    listing per tenant. The requests sent grow with the work, not with the time it takes.
  - A provisioning that V(Failed) is queued again, after the object is read again, up to O(provisioning_retries) times;
    work waiting for another object (a mailbox whose user failed) is sent once that object is provisioned.
  - Prints progress while it waits (see O(progress_interval)).
  - Fails when any object did not end provisioned, naming each one with the server's reason; RV(failures) lists them.
author:
  - cloudforyou infra team (@cloudforyou)
options:
  jobs:
    description:
      - The jobs to wait for, as the writing modules return them in RV(cloudforyou.cortex.cortex_user#module:jobs)
        (several tasks' lists may be joined).
      - One of O(jobs) and O(jobs_json) is required.
    type: list
    elements: dict
  jobs_json:
    description:
      - O(jobs) as one JSON text, as the writing modules return it with O(cloudforyou.cortex.cortex_user#module:packed=true)
        in RV(cloudforyou.cortex.cortex_user#module:jobs_json) (see O(packed)).
      - The list itself is taken too (ansible-core before 2.19 may have read the text into it).
    type: raw
    version_added: 1.2.0
  return_jobs:
    description:
      - The jobs RV(jobs) returns - V(all), or V(unconfirmed), only those that failed or were still in progress when
        the wait ended (RV(failures) names their objects, RV(summary) counts all of them).
      - V(unconfirmed) keeps the result small when thousands of objects were provisioned, a result that Ansible, and
        AWX in its job events, carry much faster.
    type: str
    choices: [all, unconfirmed]
    default: all
    version_added: 1.2.0
extends_documentation_fragment:
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.wait
  - cloudforyou.cortex.cortex.concurrency
  - cloudforyou.cortex.cortex.packed
attributes:
  check_mode:
    support: full
    description: Reads the requests once, queues nothing again.
  diff_mode:
    support: none
    description: Nothing to show.
  action_group:
    description: Use C(group/cloudforyou.cortex.cortex) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - cloudforyou.cortex.cortex
notes:
  - O(wait) is accepted for symmetry with the other modules; V(false) reads each request once.
seealso:
  - module: cloudforyou.cortex.cortex_request_info
"""

EXAMPLES = r"""
- name: Create the users without waiting
  cloudforyou.cortex.cortex_user:
    tenant: BMS
    users: "{{ client_users }}"
    wait: false
  register: users

- name: Give them mailboxes without waiting
  cloudforyou.cortex.cortex_exchange:
    tenant: BMS
    mailboxes: "{{ client_mailboxes }}"
    wait: false
  register: mailboxes

- name: Wait once for all of it, printing progress, with failures queued again twice at most
  cloudforyou.cortex.cortex_wait:
    jobs: "{{ users.jobs | default([]) + mailboxes.jobs | default([]) }}"
    wait_timeout: 3600
"""

RETURN = r"""
jobs_json:
  description: RV(jobs) as one JSON text.
  returned: with O(packed=true), instead of RV(jobs)
  type: str
  version_added: 1.2.0
jobs:
  description:
    - The jobs as they ended (status, the request id last read, how many times each was queued again).
    - With O(return_jobs=unconfirmed), only those that failed or were still in progress.
  returned: always, as RV(jobs_json) with O(packed=true)
  type: list
  elements: dict
summary:
  description: Counts of the jobs.
  returned: always
  type: dict
  sample: {total: 2004, provisioned: 2003, failed: 1, pending: 0, retried: 41}
failures:
  description: Each object that did not end provisioned, with the server's reason.
  returned: always
  type: list
  elements: dict
  sample: [{object: "user 'claire@boulangerie-martin.fr'", request_id: 46009, message: "provisioning request 46009 failed: ..."}]
"""

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_poll import job_problems
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_results as results


# The module's declaration: CortexModule's keyword arguments (the action plugin runs ``run`` with the same).
SPEC = dict(argument_spec=dict(jobs=dict(type="list", elements="dict", required=True),
                               return_jobs=dict(type="str", choices=["all", "unconfirmed"], default="all")), bulk=True,
            packed="jobs")  # jobs or jobs_json, and packed results


def run(module):
    jobs = module.params["jobs"]
    problems = [("jobs[%d]" % index, issues) for index, issues in enumerate(job_problems(job) for job in jobs) if issues]
    if problems:
        module.fail_items(problems, "job")
    reading = module.check_mode or not module.params["wait"]
    if reading:  # read each request once, queue nothing again
        module.params["provisioning_retries"] = 0
        module.params["wait_timeout"] = 0
    finished, jobs, outage = module.wait_jobs(jobs) if jobs else (True, [], None)
    result = results.wait_result(jobs, None if reading else module.params["wait_timeout"], outage,
                                 module.params["return_jobs"])
    if not finished:
        # The action plugin prints progress and runs this module again with these jobs.
        result.pop("failed", None)
        result.pop("msg", None)
        result[results.WAIT_KEY] = dict(jobs=jobs, wait_left=module.wait_left())
    module.finish(result)


def main():
    run(CortexModule(**SPEC))


if __name__ == "__main__":
    main()
