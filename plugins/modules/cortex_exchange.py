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
extends_documentation_fragment:
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.wait
  - cloudforyou.cortex.cortex.concurrency
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

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule, Entity, Field, Item
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import is_not_found
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_tenancy import load_tenant, settle
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules

MISSING_TENANT = "tenant '%s' does not exist yet: it would be created by an earlier task"


class TenantExchange(Entity):
    """The Hosted Exchange organisation of a tenant."""

    kind = "Exchange service"
    fields = (Field("version"), Field("customer_plan", "ci"), Field("user_plans", "ci_set"))

    def __init__(self, module):
        super(TenantExchange, self).__init__(module)
        self.code = module.params["tenant"]

    def read(self, item):
        tenant = load_tenant(self.module, self.code)
        if tenant is None:
            item.note = MISSING_TENANT % self.code
            return None
        item.context["tenant_status"] = settle(
            self.module, lambda: self.api.get_tenant(self.code), "tenant '%s'" % self.code, tenant)["status"]
        service = self.api.get_tenant_exchange(self.code)
        return None if service["status"] == "NotProvisioned" else service

    def check_plan(self, item):
        desired, current = item.desired, item.current
        problems = []
        if item.action == "create":
            missing = [name for name in ("version", "customer_plan", "user_plans") if not desired.get(name)]
            if missing:
                problems.append("%s required to provision Hosted Exchange" % ", ".join(missing))
            status = item.context.get("tenant_status")
            if status is not None and status != "Provisioned":
                problems.append("tenant '%s' is %s; it must be Provisioned first" % (self.code, status))
        if item.action == "update" and "version" in item.changes:
            problems.append("version is %s and cannot change once provisioned (asked: %s)"
                            % (current["version"], desired["version"]))
        if item.action == "update" and "user_plans" in item.changes:
            kept = set(p.casefold() for p in desired["user_plans"])
            in_use = [p["name"] for p in current.get("plans") or [] if p.get("used") and p["name"].casefold() not in kept]
            if in_use:
                problems.append("user plans still used by mailboxes cannot be removed: %s" % ", ".join(in_use))
        return problems

    def create(self, item):
        return self.api.set_tenant_exchange(self.code, item.desired["version"], item.desired["customer_plan"],
                                            item.desired["user_plans"])

    def update(self, item):
        changes = item.changes
        return self.api.set_tenant_exchange(self.code, changes.get("version"), changes.get("customer_plan"),
                                            changes.get("user_plans"))

    def reprovision(self, item):
        current = item.current
        return self.api.set_tenant_exchange(self.code, current["version"], current["customer_plan"],
                                            current["user_plans"])

    def delete(self, item):
        return self.api.deprovision_tenant_exchange(self.code)

    def present(self, item):
        shown = super(TenantExchange, self).present(item)
        shown.pop("plans", None)
        if item.status == "Deleted" or (not shown and item.state == "absent"):
            shown = dict(status="NotProvisioned", status_color="grey")
        return shown


class Mailboxes(Entity):
    """Mailboxes (the user-level Hosted Exchange service) of a tenant's users."""

    kind = "mailbox"
    fields = (Field("plan", "ci"),)
    brief = ("user", "plan")

    def __init__(self, module):
        super(Mailboxes, self).__init__(module)
        self.code = module.params["tenant"]
        self.tenant_exchange = None
        self.users = {}

    def key(self, item):
        return item.desired["user"].casefold()

    def check(self, item):
        problems = rules.upn_problems(item.desired["user"])
        if not problems:
            item.desired["user"] = rules.normalize_upn(item.desired["user"])
        return problems

    def prefetch(self, items):
        if load_tenant(self.module, self.code) is None:
            return
        if any(item.state == "present" for item in items):
            service = settle(self.module, lambda: self.api.get_tenant_exchange(self.code),
                             "Hosted Exchange of tenant '%s'" % self.code)
            if service["status"] != "NotProvisioned":
                self.tenant_exchange = service
        upn = items[0].desired["user"] if len(items) == 1 else None
        for user in self.api.find_users(self.code, upn=upn, with_exchange=True) or []:
            self.users[(user["upn"] or "").casefold()] = user

    def read(self, item):
        user = self.users.get(item.desired["user"].casefold())
        item.context["user"] = user
        if user is None:
            return None
        mailbox = user.get("exchange") or {"status": "NotProvisioned"}
        if mailbox["status"] == "NotProvisioned":
            return None
        # The listing has no plan: read the mailbox to compare plans, or to show a deprovisioning's --diff.
        if (item.state == "present" and item.desired.get("plan") is not None) or (
                item.state == "absent" and self.module._diff):
            try:
                mailbox = self.api.get_user(self.code, user["login"], with_exchange=True).get("exchange") or mailbox
            except CortexError as exc:
                if not is_not_found(exc):
                    raise
        return dict(mailbox, user=user["upn"], login=user["login"])

    def reread(self, item):
        found = self.api.find_users(self.code, upn=item.desired["user"], with_exchange=True) or []
        self.users[item.desired["user"].casefold()] = found[0] if found else None
        return self.read(item)

    def check_plan(self, item):
        if item.action in ("delete", "reprovision"):
            return []
        if item.context.get("user") is None:
            if self.module.check_mode:
                item.note = "user '%s' does not exist yet: it would be created by an earlier task" % item.desired["user"]
                return []
            return ["user '%s' not found in tenant '%s'" % (item.desired["user"], self.code)]
        if item.context["user"].get("status") == "Failed":
            return ["user '%s' failed to provision; provision it again first (cortex_user)" % item.desired["user"]]
        plan = item.desired.get("plan")
        if plan is None:
            return ["plan required to provision a mailbox"] if item.action == "create" else []
        if self.tenant_exchange is None:
            if self.module.check_mode:
                item.note = "Hosted Exchange of tenant '%s' is not provisioned yet" % self.code
                return []
            return ["Hosted Exchange is not provisioned on tenant '%s' (cortex_exchange with version, "
                    "customer_plan and user_plans first)" % self.code]
        enabled = dict((p["name"].casefold(), p) for p in self.tenant_exchange["plans"] if p["enabled"])
        if plan.casefold() not in enabled:
            return ["plan '%s' is not enabled on tenant '%s' (enabled: %s)"
                    % (plan, self.code, ", ".join(p["name"] for p in enabled.values()) or "none")]
        return []

    def check_all(self, items):
        """Refuse before any write the mailboxes beyond a plan's user limit."""
        if self.tenant_exchange is None:
            return []
        wanted = {}
        for item in items:
            if item.action in ("create", "update") and item.desired.get("plan"):
                wanted.setdefault(item.desired["plan"].casefold(), []).append(item)
        problems = []
        for plan in self.tenant_exchange["plans"]:
            limit = plan.get("user_limit")
            new = wanted.get(plan["name"].casefold(), [])
            if limit and limit.isdigit() and new and (plan.get("used") or 0) + len(new) > int(limit):
                problems.append(("plan '%s'" % plan["name"], [
                    "%d new mailbox(es) asked, %d used of a limit of %s" % (len(new), plan.get("used") or 0, limit)]))
        return problems

    def create(self, item):
        return self.api.set_mailbox(self.code, item.context["user"]["login"], item.desired["plan"])

    def update(self, item):
        return self.api.set_mailbox(self.code, item.current["login"], item.desired.get("plan") or item.current["plan"])

    def reprovision(self, item):
        return self.api.set_mailbox(self.code, item.current["login"], item.current.get("plan") or item.desired["plan"])

    def delete(self, item):
        return self.api.deprovision_mailbox(self.code, item.current["login"])

    def present(self, item):
        shown = super(Mailboxes, self).present(item)
        shown["user"] = item.desired["user"]
        if item.status == "Deleted" or (item.current is None and item.state == "absent"):
            shown.update(status="NotProvisioned", status_color="grey")
        return shown


def main():
    module = CortexModule(
        argument_spec=dict(
            tenant=dict(type="str", required=True),
            version=dict(type="str"),
            customer_plan=dict(type="str"),
            user_plans=dict(type="list", elements="str"),
            user=dict(type="str"),
            plan=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            mailboxes=dict(type="list", elements="dict", options=dict(
                user=dict(type="str", required=True),
                plan=dict(type="str"),
                state=dict(type="str", default="present", choices=["present", "absent"]),
            )),
        ),
        bulk=True,
        mutually_exclusive=[("user", "mailboxes"), ("version", "user"), ("version", "mailboxes"),
                            ("user_plans", "user"), ("user_plans", "mailboxes"), ("plan", "mailboxes"),
                            ("customer_plan", "user"), ("customer_plan", "mailboxes"), ("state", "mailboxes")],
    )
    params = module.params
    if params["user"] is None and params["mailboxes"] is None:
        entity = TenantExchange(module)
        desired = dict(version=params["version"], customer_plan=params["customer_plan"], user_plans=params["user_plans"])
        items = [Item("Hosted Exchange of tenant '%s'" % params["tenant"], desired, params["state"])]
        module.reconcile(entity, items)
        module.finish(entity, items, "service")
    entity = Mailboxes(module)
    entries = params["mailboxes"] if params["mailboxes"] is not None else [params]
    items = [Item("mailbox of '%s'" % e["user"] if params["mailboxes"] is None else
                  "mailboxes[%d] '%s'" % (index, e["user"]), dict(user=e["user"], plan=e.get("plan")),
                  e.get("state") or "present", index) for index, e in enumerate(entries)]
    module.reconcile(entity, items)
    module.finish(entity, items, "service", bulk_key="mailboxes" if params["mailboxes"] is not None else None)


if __name__ == "__main__":
    main()
