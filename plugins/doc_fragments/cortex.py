# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection to the CortexAPI, shared by every module.
    DOCUMENTATION = r"""
options:
  cortex_url:
    description:
      - Base URL of the Cortex partner console, for example V(https://admin.cloudforyou.fr).
      - The API path C(/cortexapi/default.aspx) is appended unless the URL already ends with it.
      - If not set, the value of the E(CORTEX_URL) environment variable is used.
    type: str
    required: true
  cortex_username:
    description:
      - Login of a Cortex account with API access (a partner account, or a customer user holding the C(API User) role).
      - Passed to the server verbatim.
      - If not set, the value of the E(CORTEX_USERNAME) environment variable is used.
    type: str
    required: true
  cortex_password:
    description:
      - Password of O(cortex_username).
      - If not set, the value of the E(CORTEX_PASSWORD) environment variable is used.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the server's TLS certificate. Only set to V(false) against a test server.
      - If not set, the value of the E(CORTEX_VALIDATE_CERTS) environment variable is used, else V(true).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the certificate authorities to trust instead of the system ones.
      - If not set, the value of the E(CORTEX_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Deadline in seconds of each HTTP exchange - connecting, sending, and receiving the whole answer. A server that
        sends its answer slowly is cut off when it passes.
      - Reads that fail with a server error or a timeout are retried with backoff (see O(retry_timeout)); writes are
        retried only when the server certainly did nothing, otherwise the object is read again first.
    type: int
    default: 30
  retry_timeout:
    description:
      - How long, in seconds and in all, a read that fails is retried (with backoff, honouring C(Retry-After)).
      - Also the circuit breaker - once Cortex has given no answer at all for this long, the rest of the task's requests
        fail at once with one message instead of each item of a bulk form retrying on its own.
    type: int
    default: 60
  auth:
    description:
      - How to authenticate. V(basic) sends pre-emptive HTTP Basic authentication (use HTTPS).
      - V(ntlm) needs the Python library C(requests_ntlm) on the host that runs the module.
    type: str
    default: basic
    choices: [basic, ntlm]
requirements:
  - python >= 3.9
  - requests >= 2.25
"""

    # Waiting for the provisioning requests a write creates.
    WAIT = r"""
options:
  wait:
    description:
      - Wait until the provisioning this task started has ended (V(Provisioned), or V(Failed) after the retries).
      - A failure fails the object with the server's reason and the object named (in a bulk form, that object alone).
      - An object written without a request id in Cortex's answer is watched through its own status, never assumed
        done.
      - With V(false) the task returns at once with RV(ignore:jobs), so a play can start many changes and wait once
        with M(cloudforyou.cortex.cortex_wait).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait, in all, when O(wait=true).
    type: int
    default: 600
  provisioning_retries:
    description:
      - How many times a provisioning that V(Failed) is queued again (after reading the object again) before the
        object is reported failed. V(0) reports the first failure.
    type: int
    default: 2
  progress_interval:
    description:
      - "While waiting, print a progress line such as C(BMS: 812/2004 provisioned, 1190 in progress, 2 failed, about 3 min
        left) every this many seconds, in the playbook output and in AWX job output."
      - The task's action plugin does it by polling in short module runs of this length and printing between them;
        V(0) waits in one run, silently.
      - If not set, V(10) when the task runs through its action plugin (always, from a playbook).
    type: int
"""

    # Bulk forms.
    CONCURRENCY = r"""
options:
  concurrency:
    description:
      - How many HTTP requests a bulk form sends at once over its one keep-alive connection pool (1 to 64).
      - Reads, writes and the polling of provisioning requests are all bounded by it.
    type: int
    default: 8
"""

    # Bulk forms that write several objects in one request.
    BATCH = r"""
options:
  batch_size:
    description:
      - How many objects a bulk form writes in one request (one SET holding several users or mailboxes; Cortex
        answers one provisioning request per object). V(1) sends one request per object.
      - When such an answer is unclear (an object refused, the answer lost or without request ids), the objects are
        read again and each is decided on its own - nothing is sent twice blindly.
    type: int
    default: 25
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: Reads only; no SET or DELETE is sent. Children of a tenant that would be created are reported as would-be created.
  diff_mode:
    support: full
    description: Before and after of each object created, changed or removed; passwords are shown as C(********).
  action_group:
    description: Use C(group/cloudforyou.cortex.cortex) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - cloudforyou.cortex.cortex
"""

    INFO_ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
  action_group:
    description: Use C(group/cloudforyou.cortex.cortex) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - cloudforyou.cortex.cortex
"""
