# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every object below a tenant needs: the tenant itself, read once per module run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_poll import Job, Scheduler
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import BUSY_STATUSES, is_not_found

TENANT_OPTION = dict(type="str", required=True)
PARTNER_REFUSAL = "tenant '%s' is the partner's own (reseller) customer, the parent of its clients: never a target of a " \
    "write or a removal"


def partner_code(api):
    """The code of the partner's own (reseller) customer: the first customer a FIND of every customer lists
    (docs/protocol.md). Read once per API object; None when the account sees no customer."""
    if getattr(api, "_partner_code", None) is None:
        listed = api.find_tenants()
        api._partner_code = listed[0]["code"] if listed else ""
    return api._partner_code or None


def is_partner(api, code):
    partner = partner_code(api)
    return bool(code and partner and code.casefold() == partner.casefold())


def load_tenant(module, code):
    """The tenant's detail, or None in check mode when it does not exist (an earlier task would create it).

    Outside check mode a missing tenant fails the module: nothing below it can be written.
    """
    try:
        return module.api.get_tenant(code)
    except CortexError as exc:
        if not is_not_found(exc):
            module.fail_cortex(exc, "tenant '%s'" % code)
    if module.check_mode:
        return None
    module.fail_json(msg="tenant '%s' not found (or not visible to %s)" % (code, module.params["cortex_username"]))


def settle(module, ref, read, label, first=None):
    """Wait, before any write, for an object that is still provisioning (``wait: true`` only).

    A tenant created with ``wait: false`` a moment ago is ``Requested``; its services can only be provisioned once
    it is ``Provisioned``, so rather than fail we give it up to ``wait_timeout`` to get there, watching it with the
    poll scheduler (``ref`` names it). ``read()`` returns the object (a dict with ``status``); ``first`` is a copy
    already read. Returns the last copy read.
    """
    obj = first if first is not None else read()
    if obj["status"] not in BUSY_STATUSES or not module.params.get("wait", True) or module.check_mode:
        return obj
    scheduler = Scheduler(module.api, retries=0, concurrency=1)
    scheduler.add([Job(ref)])
    try:
        scheduler.run(time.time() + module.wait_left())
    except CortexError as exc:
        module.fail_cortex(exc, label)
    obj = read()
    if obj["status"] in BUSY_STATUSES:
        module.fail_json(msg="%s is still %s after wait_timeout=%ss"
                         % (label, obj["status"], module.params["wait_timeout"]))
    return obj
