# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosted Exchange, as cortex_exchange manages it: the organisation of a tenant, and the mailboxes of its users.

Two entities, one kind of object each: :class:`TenantExchange` (the customer-level ``HE`` service: version, customer
plan, user plans) and :class:`Mailboxes` (the user-level ``HE`` service: a user's plan).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_catalog as catalog_rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_engine import Entity, Obstacle, items_from
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import is_not_found
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_schema import EXCHANGE_FIELDS, Field
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_tenancy import load_tenant, settle

MISSING_TENANT = "tenant '%s' does not exist yet: it would be created by an earlier task"
# From this many mailboxes to compare, the plans of all are read in one request.
BULK_DETAIL_FROM = 5
MAILBOX_SPEC = dict(
    user=dict(type="str", required=True),
    plan=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


# ---------------------------------------------------------------- the rules (the module and the client plan)

def exchange_plan_problems(action, desired, changes, current, catalog, tenant_status=None, used=None):
    """Problems of a Hosted Exchange plan, before any write: what provisioning needs (a version, a customer plan, user
    plans, a Provisioned tenant - ``tenant_status`` None: not read, it is being planned), what this Cortex offers
    (``catalog``), a version that cannot change once provisioned, and user plans dropped while mailboxes are on them
    (``used``: mailboxes per folded plan name; without it, the plans' own ``used`` flags)."""
    problems = []
    if action == "create":
        missing = [name for name in ("version", "customer_plan", "user_plans") if not desired.get(name)]
        if missing:
            problems.append("%s required to provision Hosted Exchange" % ", ".join(missing))
        if tenant_status is not None and tenant_status != "Provisioned":
            problems.append("its tenant is %s; it must be Provisioned first" % tenant_status)
    if action in ("create", "update"):
        values = desired if action == "create" else changes
        problems += catalog_rules.exchange_problems(catalog, (current or {}).get("version") or desired.get("version"),
                                                    values.get("customer_plan"), values.get("user_plans"))
    if action == "update" and "version" in changes:
        problems.append("version is %s and cannot change once provisioned (asked: %s)"
                        % (current["version"], desired["version"]))
    if action == "update" and "user_plans" in changes:
        kept = set(p.casefold() for p in changes["user_plans"])
        if used is not None:
            in_use = ["%s (%d mailbox(es))" % (p, used[p.casefold()]) for p in current.get("user_plans") or []
                      if p.casefold() not in kept and used.get(p.casefold())]
        else:
            in_use = [p["name"] for p in current.get("plans") or [] if p.get("used") and p["name"].casefold() not in kept]
        if in_use:
            problems.append("user plans still used by mailboxes cannot be dropped: %s - move the mailboxes to another "
                            "plan in one run, then drop the plan in the next" % ", ".join(in_use))
    return problems


def mailbox_plan_problems(plan, enabled, code):
    """A mailbox's plan must be given, and enabled on its tenant (``enabled``: the plan names, as read or planned)."""
    if plan is None:
        return ["plan required to provision a mailbox"]
    if plan.casefold() not in set(p.casefold() for p in enabled):
        return ["plan '%s' is not enabled on tenant '%s' (enabled: %s)" % (plan, code, ", ".join(enabled) or "none")]
    return []


def plan_limit_problems(plans, used, moves):
    """Mailboxes beyond a plan's user limit, before any write. ``plans``: (name, user_limit) of the tenant's plans;
    ``used``: mailboxes per folded plan name now; ``moves``: (plan a mailbox leaves or None for a new one, plan it
    goes to) - a mailbox moved into a plan counts against its limit like a new one, and frees its old plan."""
    gained, freed = {}, {}
    for old, new in moves:
        if old is not None and old.casefold() == new.casefold():
            continue
        gained[new.casefold()] = gained.get(new.casefold(), 0) + 1
        if old is not None:
            freed[old.casefold()] = freed.get(old.casefold(), 0) + 1
    problems = []
    for name, limit in plans:
        key = name.casefold()
        if limit is None or not gained.get(key):
            continue
        now = used.get(key, 0)
        if now - freed.get(key, 0) + gained[key] > limit:
            problems.append(("plan '%s'" % name, ["%d new mailbox(es) asked, %d used, limit %d (a mailbox moved into "
                                                  "the plan counts as new)" % (gained[key], now, limit)]))
    return problems


class TenantExchange(Entity):
    """The Hosted Exchange organisation of a tenant."""

    kind = "Exchange service"
    fields = EXCHANGE_FIELDS

    def __init__(self, module):
        super(TenantExchange, self).__init__(module)
        self.code = module.params["tenant"]
        self._catalog = None

    def normalize(self, desired):
        desired = dict(desired)
        if desired.get("version") is not None:
            desired["version"] = str(desired["version"])
        return desired

    def reads_ahead(self, items):
        return [lambda: self.api.get_tenant(self.code), lambda: self.api.get_tenant_exchange(self.code)]

    def read(self, item):
        tenant = load_tenant(self.module, self.code)
        if tenant is None:
            item.note = MISSING_TENANT % self.code
            return None
        ref = dict(kind="tenant", tenant=self.code)
        item.context["tenant_status"] = settle(
            self.module, ref, lambda: self.api.get_tenant(self.code), "tenant '%s'" % self.code, tenant)["status"]
        service = self.api.get_tenant_exchange(self.code)
        return None if service["status"] == "NotProvisioned" else service

    def check_plan(self, item):
        used = None
        if item.action == "update" and "user_plans" in item.changes and self.module.params.get("tenant"):
            used = self.used()
        catalog = self.catalog() if item.action in ("create", "update") else None
        return exchange_plan_problems(item.action, item.desired, item.changes, item.current, catalog,
                                      item.context.get("tenant_status"), used)

    def used(self):
        """Mailboxes of the tenant per folded plan name, counted from its users' mailboxes (one request where Cortex
        answers every user at once)."""
        users = self.api.get_users(self.code, with_exchange=True)
        if users is None:
            users = [self.api.get_user(self.code, u["login"], with_exchange=True)
                     for u in self.api.find_users(self.code, with_exchange=True) or []
                     if (u.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"]
        return catalog_rules.count_plans([dict(plan=(u.get("exchange") or {}).get("plan")) for u in users
                                          if (u.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"])

    def catalog(self):
        """What this Cortex offers (read once, when a change needs checking)."""
        if self._catalog is None:
            self._catalog = catalog_rules.read_catalog(self.api, parallel=self.module.parallel)
        return self._catalog

    def create(self, item):
        return self.api.set_tenant_exchange(self.code, item.desired["version"], item.desired["customer_plan"],
                                            item.desired["user_plans"])

    def update(self, item):
        changes = item.changes
        return self.api.set_tenant_exchange(self.code, changes.get("version"), changes.get("customer_plan"),
                                            changes.get("user_plans"))

    def delete(self, item):
        return self.api.deprovision_tenant_exchange(self.code)

    def ref(self, item):
        return dict(kind="exchange", tenant=self.code, action="deprovision" if item.action == "delete" else "provision")

    def present(self, item):
        shown = super(TenantExchange, self).present(item)
        for key in ("plans", "customer_plans", "versions"):
            shown.pop(key, None)
        if item.status in ("Deleted", "NotProvisioned") or (not shown and item.state == "absent"):
            shown = dict(status="NotProvisioned", status_color="grey")
        return shown


def mailbox_items(params):
    return items_from(params, "mailboxes", "user", "mailbox of '%s'",
                      lambda entry: dict(user=entry["user"], plan=entry.get("plan")))


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
        self.plans = {}  # login (folded) -> plan of its mailbox, as read
        self.mailboxes = {}  # login (folded) -> mailbox detail, when read in one GET

    def key(self, desired):
        return rules.upn_key(desired["user"])

    def normalize(self, desired):
        desired = dict(desired)
        if not rules.upn_problems(desired["user"]):
            desired["user"] = rules.normalize_upn(desired["user"])
        return desired

    def check(self, desired):
        return rules.upn_problems(desired["user"])

    @staticmethod
    def listed_upn(items):
        """The UPN the FIND of the users is filtered on: a single mailbox's user; None (every user) for a list."""
        return items[0].desired["user"] if len(items) == 1 else None

    def reads_ahead(self, items):
        upn = self.listed_upn(items)
        reads = [lambda: self.api.get_tenant(self.code),
                 lambda: self.api.find_users(self.code, upn=upn, with_exchange=True)]
        if any(item.state == "present" for item in items):
            reads.append(lambda: self.api.get_tenant_exchange(self.code))
        return reads

    def prefetch(self, items):
        if load_tenant(self.module, self.code) is None:
            return
        if any(item.state == "present" for item in items):
            service = settle(self.module, dict(kind="exchange", tenant=self.code),
                             lambda: self.api.get_tenant_exchange(self.code), "Hosted Exchange of tenant '%s'" % self.code)
            if service["status"] != "NotProvisioned":
                self.tenant_exchange = service
        upn = self.listed_upn(items)
        for user in self.api.find_users(self.code, upn=upn, with_exchange=True) or []:
            self.users[rules.upn_key(user["upn"])] = user
        # Many plans to compare: every user's mailbox in one GET instead of one GET each.
        compared = [item for item in items if item.state == "present" and item.desired.get("plan")
                    and ((self.users.get(rules.upn_key(item.desired["user"])) or {}).get("exchange") or {}).get(
                        "status", "NotProvisioned") != "NotProvisioned"]
        if len(compared) > BULK_DETAIL_FROM:
            self.read_plans()

    def read_plans(self):
        """The plan of every mailbox of the tenant, in one GET when the server answers so."""
        for user in self.api.get_users(self.code, with_exchange=True) or []:
            mailbox = user.get("exchange")
            if mailbox and mailbox.get("status", "NotProvisioned") != "NotProvisioned":
                self.plans[user["login"].casefold()] = mailbox.get("plan")
                self.mailboxes[user["login"].casefold()] = mailbox

    def reads_locally(self, item):
        user = self.users.get(rules.upn_key(item.desired["user"]))
        if user is None or (user.get("exchange") or {}).get("status", "NotProvisioned") == "NotProvisioned":
            return True
        return not ((item.state == "present" and item.desired.get("plan") is not None) or (
            item.state == "absent" and self.module._diff)) or user["login"].casefold() in self.mailboxes

    def read(self, item):
        user = self.users.get(rules.upn_key(item.desired["user"]))
        item.context["user"] = user
        if user is None:
            return None
        mailbox = user.get("exchange") or {"status": "NotProvisioned"}
        if mailbox["status"] == "NotProvisioned":
            return None
        # The listing has no plan: read the mailbox to compare plans, or to show a deprovisioning's --diff.
        if (item.state == "present" and item.desired.get("plan") is not None) or (
                item.state == "absent" and self.module._diff):
            mailbox = self.mailbox_of(user) or mailbox
        return dict(mailbox, user=user["upn"], login=user["login"])

    def mailbox_of(self, user):
        if user["login"].casefold() in self.mailboxes:
            return self.mailboxes[user["login"].casefold()]
        try:
            mailbox = self.api.get_user(self.code, user["login"], with_exchange=True).get("exchange")
        except CortexError as exc:
            if not is_not_found(exc):
                raise
            return None
        if mailbox:
            self.plans[user["login"].casefold()] = mailbox.get("plan")
        return mailbox

    def reread(self, item):
        self.mailboxes.clear()
        found = self.api.find_users(self.code, upn=item.desired["user"], with_exchange=True) or []
        self.users[rules.upn_key(item.desired["user"])] = found[0] if found else None
        return self.read(item)

    def reread_all(self, items):
        self.mailboxes.clear()
        for user in self.api.find_users(self.code, with_exchange=True) or []:
            self.users[rules.upn_key(user["upn"])] = user
        return self.module.parallel(self.read, items)

    def check_plan(self, item):
        if item.action in ("delete", "reprovision"):
            return []
        if item.context.get("user") is None and self.module.check_mode:
            item.note = "user '%s' does not exist yet: it would be created by an earlier task" % item.desired["user"]
            return []
        plan = item.desired.get("plan")
        if plan is None and item.action != "create":
            return []
        if self.tenant_exchange is None:
            if self.module.check_mode:
                item.note = "Hosted Exchange of tenant '%s' is not provisioned yet" % self.code
                return []
            return ["Hosted Exchange is not provisioned on tenant '%s' (cortex_exchange with version, "
                    "customer_plan and user_plans first)" % self.code]
        return mailbox_plan_problems(plan, [p["name"] for p in self.tenant_exchange["plans"] if p["enabled"]], self.code)

    def obstacle(self, item):
        """The state of the user, not the input: a missing user fails this mailbox alone; a user whose provisioning
        failed (or is still under way) gets its mailbox queued for when it is provisioned."""
        if item.action in ("delete",):
            return None
        user = item.context.get("user")
        if user is None:
            if self.module.check_mode:
                return None
            return Obstacle("user '%s' not found in tenant '%s'" % (item.desired["user"], self.code))
        if user.get("status") == "Failed":
            return Obstacle("user '%s' failed to provision: its mailbox is queued for when it is provisioned again"
                            % item.desired["user"], waits_for=dict(kind="user", tenant=self.code, login=user["login"],
                                                                   upn=user["upn"]))
        return None

    def check_all(self, items):
        """Refuse before any write the mailboxes beyond a plan's user limit, new ones and ones moved into the plan
        (mailboxes counted per plan from the users' services: the HE service says only whether a plan is used)."""
        if self.tenant_exchange is None:
            return []
        moves = [((item.current or {}).get("plan") if item.action == "update" else None, item.desired["plan"])
                 for item in items if item.action in ("create", "update") and item.desired.get("plan")]
        limited = [(p["name"], p.get("user_limit")) for p in self.tenant_exchange["plans"] if p.get("user_limit") is not None]
        targets = set(new.casefold() for dummy, new in moves)
        if not any(name.casefold() in targets for name, dummy in limited):
            return []
        used = dict((name.casefold(), self.count(name)) for name, dummy in limited if name.casefold() in targets)
        return plan_limit_problems(limited, used, moves)

    def count(self, plan):
        """Mailboxes of the tenant on a plan (the plans not read yet are read, in parallel)."""
        users = [u for u in self.api.find_users(self.code, with_exchange=True) or []
                 if (u.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"]
        unread = [u for u in users if u["login"].casefold() not in self.plans]
        if len(unread) > BULK_DETAIL_FROM:
            self.read_plans()
            unread = [u for u in users if u["login"].casefold() not in self.plans]
        self.module.read_all(self.mailbox_of, unread, lambda user: "mailbox of '%s'" % user["upn"])
        return sum(1 for u in users if (self.plans.get(u["login"].casefold()) or "").casefold() == plan.casefold())

    def batchable(self, action):
        return action in ("create", "update", "reprovision")

    def write_batch(self, action, items):
        return self.api.set_mailboxes(self.code, [(self.login(item), self.plan_for(item)) for item in items])

    def login(self, item):
        return (item.current or {}).get("login") or item.context["user"]["login"]

    def plan_for(self, item):
        return item.desired.get("plan") or (item.current or {}).get("plan")

    def create(self, item):
        return self.api.set_mailbox(self.code, self.login(item), item.desired["plan"])

    def update(self, item):
        return self.api.set_mailbox(self.code, self.login(item), self.plan_for(item))

    def reprovision(self, item):
        return self.api.set_mailbox(self.code, self.login(item), self.plan_for(item))

    def delete(self, item):
        return self.api.deprovision_mailbox(self.code, item.current["login"])

    def ref(self, item):
        user = item.context.get("user") or {}
        return dict(kind="mailbox", tenant=self.code, login=(item.current or {}).get("login") or user.get("login"),
                    upn=item.desired["user"], plan=self.plan_for(item),
                    action="deprovision" if item.action == "delete" else "provision")

    def present(self, item):
        shown = super(Mailboxes, self).present(item)
        shown["user"] = item.desired["user"]
        if item.status in ("Deleted", "NotProvisioned") or (item.current is None and item.state == "absent"):
            shown.update(status="NotProvisioned", status_color="grey")
        return shown
