# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users of a tenant, as cortex_user and cortex_admin manage them (an administrator is a user with roles)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_schema as schema
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_engine import Entity, Plan, items_from
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_poll import Job, Scheduler
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import BUSY_STATUSES, is_not_found
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_tenancy import load_tenant, partner_code

# cortex_user's fields: roles belong to cortex_admin.
USER_OPTION_FIELDS = schema.fields_without(schema.USER_FIELDS, "roles")
ADMIN_OPTION_FIELDS = schema.USER_FIELDS
# From this many users to compare in detail, every user's detail is read in one request.
BULK_DETAIL_FROM = 5
# Options of one user that are not fields of the object.
USER_EXTRA_OPTIONS = dict(
    update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def user_argument_spec(fields=USER_OPTION_FIELDS, bulk=True, **overrides):
    """Top-level options for the single form plus, with ``bulk``, ``users`` for the bulk form, from one declaration."""
    options = schema.argument_spec(fields, **overrides)
    options.update(USER_EXTRA_OPTIONS)
    spec = dict(options, tenant=dict(type="str", required=True))
    if bulk:
        spec["users"] = dict(type="list", elements="dict", options=dict(options, upn=dict(type="str", required=True)))
    return spec


# ---------------------------------------------------------------- the rules (the modules and the client plan)

PASSWORD_REQUIRED = "password is required to create a user (a user that exists is managed without it)"


def user_plan(current, desired, code, fields, state="present"):
    """The plan of one user: create (with its stored login, its display name from its names, and no role unless
    roles are managed), update (the compared fields that differ, and the password with ``update_password: always``),
    reprovision (a Failed user as asked), delete, or nothing."""
    if state == "absent":
        return Plan("delete" if current is not None else None)
    if current is None:
        changes = dict((k, v) for k, v in desired.items() if v is not None)
        changes["login"] = desired.get("login") or rules.default_login(desired["upn"], code)
        if desired.get("display_name") is None and desired.get("first_name") and desired.get("last_name"):
            changes["display_name"] = "%s %s" % (desired["first_name"], desired["last_name"])
        if changes.get("roles") is None:
            # Cortex makes the first user of a tenant its Customer Administrator unless told otherwise: a user
            # becomes an administrator only when asked (cortex_admin, the description's admin).
            changes["roles"] = []
        return Plan("create", changes)
    changes = schema.changes(current, desired, fields)
    if desired.get("password") is not None and desired.get("update_password") == "always":
        changes["password"] = desired["password"]
        if desired.get("change_password_at_next_logon") is not None:
            changes["change_password_at_next_logon"] = desired["change_password_at_next_logon"]
    if changes:
        return Plan("update", changes)
    if current.get("status") == "Failed":
        return Plan("reprovision")
    return Plan()


def login_change_problems(current, desired, code):
    """A login asked for a user that exists with another one: Cortex cannot rename a login, and a plan never shows it
    (login is not compared), so it is refused whatever the plan - also when nothing else changes."""
    if current is None or not desired.get("login"):
        return []
    if current["login"].casefold() in (desired["login"].casefold(), rules.stored_login(desired["login"], code).casefold()):
        return []
    return ["login is '%s' and cannot change (asked: '%s')" % (current["login"], desired["login"])]


def login_taken_problems(login, holder):
    """A new user whose stored login is ``holder``'s (an existing user): Cortex addresses users by login, so the
    create would change that user instead."""
    if holder is None:
        return []
    return ["login '%s' is already used by user '%s': set login to another name for this user"
            % (holder["login"], holder["upn"])]


def user_plan_problems(action, desired, changes, current, tenant, code):
    """Problems of a user's plan against its tenant (a tenant dict as read, or as planned): the password needed to
    create and its rule (the tenant's minimum length, no part of the login, UPN or display name), the login's rule,
    the UPN's domain among the tenant's, never-expiring passwords and roles the tenant allows."""
    if action not in ("create", "update"):
        return []
    problems = []
    if action == "create":
        if not desired.get("password"):
            problems.append(PASSWORD_REQUIRED)
        problems += rules.login_problems(changes["login"], code)
        problems += rules.upn_problems(desired["upn"], set(rules.domain_key(d) for d in tenant.get("domains") or []))
    if changes.get("password"):
        display = changes.get("display_name") or (current or {}).get("display_name")
        login = changes.get("login") or (current or {}).get("login", "")
        problems += rules.password_problems(changes["password"], login=rules.short_login(login, code),
                                            upn=desired["upn"], display_name=display,
                                            min_length=tenant.get("min_password_length"))
    problems += rules.user_tenant_problems(changes, tenant)
    return problems


def same_login_problems(items, code):
    """New users of one run whose logins would be the same: each would overwrite the other. ``items`` are
    (label, stored or short login); returns (label, problems) for each but the first of a login."""
    first, problems = {}, []
    for label, login in items:
        login = rules.stored_login(login, code)
        if login.casefold() in first:
            problems.append((label, ["login '%s' is also the login of %s: set login to tell them apart"
                                     % (login, first[login.casefold()])]))
        else:
            first[login.casefold()] = label
    return problems


def has_mailbox(user):
    return ((user or {}).get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"


def user_items(params, option_names):
    """Items from the single form's top-level options or from ``users``."""
    return items_from(params, "users", "upn", "user '%s'",
                      lambda entry: dict((name, entry.get(name)) for name in option_names if name != "state"))


class UserEntity(Entity):
    kind = "user"
    fields = USER_OPTION_FIELDS
    brief = ("login", "upn")

    def __init__(self, module):
        super(UserEntity, self).__init__(module)
        self.code = module.params["tenant"]
        self.tenant = None
        self.by_upn = {}
        self.by_login = {}
        self.listed_all = False  # whether by_login holds every user of the tenant (else logins are looked up)
        self.confirmed = False  # whether the users were also read one by one, or all in detail (never from a listing alone)
        self.details = {}  # login (folded) -> detail, when read in one GET
        self.with_exchange = False  # whether the listings hold each user's mailbox (read when users are removed)
        self.properties = False  # whether the details hold the extended properties (read when a field stored so is set)

    def normalize(self, desired):
        desired = dict(desired)
        if not rules.upn_problems(desired.get("upn")):
            desired["upn"] = rules.normalize_upn(desired["upn"])
        return desired

    def key(self, desired):
        return rules.upn_key(desired.get("upn"))

    def check(self, desired):
        problems = rules.user_problems(desired)
        if desired.get("update_password") == "always" and desired.get("password") in (None, ""):
            problems.append("update_password: always needs a password (it sets the password on every run)")
        return problems

    @staticmethod
    def listing(items):
        """The FIND of the users that :meth:`prefetch` makes: ``(upn, with_exchange)`` - one FIND for the whole list,
        filtered on its UPN for a single user; with the mailboxes when a user is removed (its mailbox goes first)."""
        return (items[0].desired["upn"] if len(items) == 1 else None), any(item.state == "absent" for item in items)

    def reads_ahead(self, items):
        upn, with_exchange = self.listing(items)
        return [lambda: self.api.get_tenant(self.code),
                lambda: self.api.find_users(self.code, upn=upn, with_exchange=with_exchange)]

    def prefetch(self, items):
        self.tenant = load_tenant(self.module, self.code)
        if self.tenant is None:
            return
        upn, self.with_exchange = self.listing(items)
        self.properties = schema.uses_extended(self.fields, [item.desired for item in items])
        self.listed_all = upn is None
        for summary in self.find(upn=upn):
            self.remember(summary)
        # Many users to compare in detail: one GET of every user's detail instead of one GET each.
        detailed = [item for item in items if self.needs_detail(item) and self.by_upn.get(rules.upn_key(item.desired["upn"]))]
        new = [item for item in items if item.state == "present" and rules.upn_key(item.desired["upn"]) not in self.by_upn]
        if new:
            self.api.read_ahead(self.reads_for_creates(new, len(detailed) > BULK_DETAIL_FROM), self.module.parallel)
        if len(detailed) > BULK_DETAIL_FROM:
            self.read_details()
        if new and self.listed_all:
            self.confirm_listing()

    def reads_for_creates(self, new, every_detail):
        """A create follows: the reads it needs, sent at once - every user's detail (the listing confirmed) or, for
        one user, whoever holds its login (:meth:`holder_of`), and the listing of the partner check."""
        reads = [lambda: partner_code(self.api)]
        if every_detail or self.listed_all:
            reads.append(self.every_user)
        else:
            login = rules.stored_login(self.login_for(new[0]), self.code)
            if login.casefold() not in self.by_login:
                reads.append(lambda: self.api.get_user(self.code, login))
        return reads

    def find(self, upn=None, login=None):
        return self.api.find_users(self.code, upn=upn, login=login, with_exchange=self.with_exchange) or []

    def read_details(self):
        """Every user's detail in one GET (True), or False when the server does not answer so."""
        users = self.every_user()
        if users is None:
            return False
        for user in users:
            self.details[(user.get("login") or "").casefold()] = user
            if rules.upn_key(user.get("upn")) not in self.by_upn:
                self.remember(user)  # a user the listing did not show: the listing was not whole
        self.confirmed = True
        return True

    def every_user(self):
        """Every user of the tenant in detail, as the listing was asked (None where Cortex does not answer so)."""
        return self.api.get_users(self.code, with_exchange=self.with_exchange, properties=self.properties)

    def confirm_listing(self):
        """Before a create, the listing that shows no such user is confirmed by reading the users themselves: a
        listing can come back short (a server quirk, a proxy, a partial answer), and a create on a login that exists
        would change that user (its password, its roles). Every user's detail in one GET where the server answers so;
        else each new login is read on its own when it is checked (:meth:`holder_of`)."""
        if not self.confirmed:
            self.read_details()

    def needs_detail(self, item):
        return item.state == "present" and any(
            f.detail and f.compared and item.desired.get(f.name) is not None for f in self.fields)

    def remember(self, summary):
        self.by_upn[rules.upn_key(summary["upn"])] = summary
        self.by_login[(summary["login"] or "").casefold()] = summary

    def holder_of(self, login):
        """The existing user whose stored login is ``login`` (case-insensitive, as Windows compares), or None. Read
        on its own when the users were not all read in detail (a listing alone never says a login is free)."""
        key = login.casefold()
        if key in self.by_login:
            return self.by_login[key]
        if not self.confirmed:
            try:
                user = self.api.get_user(self.code, login)
            except CortexError as exc:
                if not is_not_found(exc):
                    raise
                user = None
            if user is not None:
                self.remember(user)
        return self.by_login.get(key)

    def reads_locally(self, item):
        summary = self.by_upn.get(rules.upn_key(item.desired["upn"]))
        return summary is None or item.state == "absent" or not self.needs_detail(item) or (
            summary["login"].casefold() in self.details)

    def read(self, item):
        summary = self.by_upn.get(rules.upn_key(item.desired["upn"]))
        if summary is None or item.state == "absent":
            return summary
        if self.needs_detail(item):
            return self.details.get(summary["login"].casefold()) or self.api.get_user(
                self.code, summary["login"], properties=self.properties)
        return summary

    def reread(self, item):
        self.details.pop((((item.current or {}).get("login")) or "").casefold(), None)
        found = self.find(upn=item.desired["upn"])
        if found:
            self.remember(found[0])
        else:
            self.by_upn[rules.upn_key(item.desired["upn"])] = None
        return self.read(item)

    def reread_all(self, items):
        self.details.clear()
        for summary in self.find():
            self.remember(summary)
        return self.module.parallel(self.read, items)

    def login_for(self, item):
        return item.desired.get("login") or rules.default_login(item.desired["upn"], self.code)

    def plan(self, item):
        plan = user_plan(item.current, item.desired, self.code, self.fields, item.state)
        if plan.action == "create" and self.tenant is None:
            plan.note = "tenant '%s' does not exist yet: it would be created by an earlier task" % self.code
        if plan.action == "delete" and has_mailbox(item.current):
            plan.note = "its mailbox %s deprovisioned first" % ("would be" if self.module.check_mode else "is")
        return plan

    def check_current(self, item):
        if item.state != "present":
            return []
        return login_change_problems(item.current, item.desired, self.code)

    def check_plan(self, item):
        if item.action in ("delete", "reprovision"):
            return []
        if self.tenant is None:  # check mode below a tenant an earlier task would create: what needs no tenant
            return [PASSWORD_REQUIRED] if item.action == "create" and not item.desired.get("password") else []
        problems = user_plan_problems(item.action, item.desired, item.changes, item.current, self.tenant, self.code)
        if item.action == "create":
            outside = rules.upn_problems(item.desired["upn"], set(self.tenant.get("domains") or []))
            if outside and self.module.check_mode and not rules.upn_problems(item.desired["upn"]):
                # the domain may be added by an earlier task of the play (cortex_tenant domains, cortex_domain), whose
                # check mode wrote nothing: say so rather than refuse what the real run would accept
                problems = [p for p in problems if p not in outside]
                item.note = "the domain of '%s' is not a domain of tenant '%s' yet: an earlier task must add it" % (
                    item.desired["upn"], self.code)
            problems += login_taken_problems(item.changes["login"],
                                             self.holder_of(rules.stored_login(item.changes["login"], self.code)))
        return problems

    def check_all(self, items):
        """Two new users of one run whose logins would be the same: each would overwrite the other."""
        return same_login_problems([(item.label, item.changes["login"]) for item in items if item.action == "create"],
                                   self.code)

    def batchable(self, action):
        return action in ("create", "update", "reprovision")

    def write_batch(self, action, items):
        entries = []
        for item in items:
            if action == "create":
                fields = dict(item.changes)
                entries.append((fields.pop("login"), fields))
            else:
                entries.append((item.current["login"], item.changes))
        return self.api.set_users(self.code, entries)

    def create(self, item):
        fields = dict(item.changes)
        login = fields.pop("login")
        return self.api.create_user(self.code, login, fields)

    def update(self, item):
        return self.api.update_user(self.code, item.current["login"], item.changes)

    def delete(self, item):
        """A user with a mailbox: the mailbox is deprovisioned first and waited for (Cortex refuses to remove a user
        whose services are provisioned), then the user is removed."""
        if has_mailbox(item.current):
            self.deprovision_mailbox(item)
        return self.api.delete_user(self.code, item.current["login"])

    def deprovision_mailbox(self, item):
        login = item.current["login"]
        ref = dict(kind="mailbox", tenant=self.code, login=login, upn=item.desired["upn"], action="deprovision")
        status = (item.current.get("exchange") or {}).get("status")
        ids = [] if status in BUSY_STATUSES else self.api.deprovision_mailbox(self.code, login)
        job = Job(ref, ids[0] if ids else None)
        scheduler = Scheduler(self.api, retries=self.module.params.get("provisioning_retries", 2), concurrency=1,
                              unreachable_after=self.module.params.get("retry_timeout") or 60)
        scheduler.add([job])
        scheduler.run(time.time() + self.module.wait_left())
        if not (job.final and job.succeeded):
            raise CortexError("its mailbox could not be deprovisioned first (%s): the user is kept"
                              % (job.message or "still %s after wait_timeout" % job.status))
        item.context["mailbox_removed"] = True

    def ref(self, item):
        current = item.current or {}
        login = current.get("login") or rules.stored_login(item.changes.get("login") or self.login_for(item), self.code)
        return dict(kind="user", tenant=self.code, login=login, upn=item.desired["upn"],
                    action="delete" if item.action == "delete" else "provision")

    def request_key(self, item):
        login = (item.current or {}).get("login") or (
            rules.stored_login(item.changes["login"], self.code) if item.changes.get("login") else None)
        return login.casefold() if login else None

    def present(self, item):
        shown = super(UserEntity, self).present(item)
        if shown and item.action == "create" and "login" in shown and not item.current:
            shown["login"] = rules.stored_login(shown["login"], self.code)
        if item.action == "create" and item.changes.get("roles") == [] and "roles" not in [f.name for f in self.fields]:
            shown.pop("roles", None)
        shown.pop("exchange", None)
        return shown


class AdminEntity(UserEntity):
    kind = "administrator"
    fields = ADMIN_OPTION_FIELDS
