# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users of a tenant, as cortex_user and cortex_admin manage them (an administrator is a user with roles)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_schema as schema
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_engine import Entity, items_from
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_tenancy import load_tenant

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
        self.details = {}  # login (folded) -> detail, when read in one GET

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

    def prefetch(self, items):
        self.tenant = load_tenant(self.module, self.code)
        if self.tenant is None:
            return
        # One FIND for the whole list; for a single user, filter on its UPN.
        upn = items[0].desired["upn"] if len(items) == 1 else None
        self.listed_all = upn is None
        for summary in self.api.find_users(self.code, upn=upn) or []:
            self.remember(summary)
        # Many users to compare in detail: one GET of every user's detail instead of one GET each.
        detailed = [item for item in items if self.needs_detail(item) and self.by_upn.get(rules.upn_key(item.desired["upn"]))]
        if len(detailed) > BULK_DETAIL_FROM:
            for user in self.api.get_users(self.code) or []:
                self.details[(user.get("login") or "").casefold()] = user

    def needs_detail(self, item):
        return item.state == "present" and any(
            f.detail and f.compared and item.desired.get(f.name) is not None for f in self.fields)

    def remember(self, summary):
        self.by_upn[rules.upn_key(summary["upn"])] = summary
        self.by_login[(summary["login"] or "").casefold()] = summary

    def holder_of(self, login):
        """The existing user whose stored login is ``login`` (case-insensitive, as Windows compares), or None."""
        key = login.casefold()
        if key not in self.by_login and not self.listed_all:
            for summary in self.api.find_users(self.code, login=login) or []:
                self.remember(summary)
        return self.by_login.get(key)

    def read(self, item):
        summary = self.by_upn.get(rules.upn_key(item.desired["upn"]))
        if summary is None or item.state == "absent":
            return summary
        if self.needs_detail(item):
            return self.details.get(summary["login"].casefold()) or self.api.get_user(self.code, summary["login"])
        return summary

    def reread(self, item):
        self.details.pop((((item.current or {}).get("login")) or "").casefold(), None)
        found = self.api.find_users(self.code, upn=item.desired["upn"]) or []
        if found:
            self.remember(found[0])
        else:
            self.by_upn[rules.upn_key(item.desired["upn"])] = None
        return self.read(item)

    def reread_all(self, items):
        self.details.clear()
        for summary in self.api.find_users(self.code) or []:
            self.remember(summary)
        return self.module.parallel(self.read, items)

    def login_for(self, item):
        return item.desired.get("login") or rules.default_login(item.desired["upn"], self.code)

    def plan(self, item):
        plan = super(UserEntity, self).plan(item)
        desired = item.desired
        if plan.action == "create":
            plan.changes["login"] = self.login_for(item)
            if desired.get("display_name") is None and desired.get("first_name") and desired.get("last_name"):
                plan.changes["display_name"] = "%s %s" % (desired["first_name"], desired["last_name"])
            if plan.changes.get("roles") is None:
                # Cortex makes the first user of a tenant its Customer Administrator unless told otherwise: a user
                # becomes an administrator only when asked (cortex_admin).
                plan.changes["roles"] = []
            if self.tenant is None:
                plan.note = "tenant '%s' does not exist yet: it would be created by an earlier task" % self.code
        elif item.current is not None and item.state == "present" and desired.get("password") is not None \
                and desired.get("update_password") == "always":
            plan.changes["password"] = desired["password"]
            if desired.get("change_password_at_next_logon") is not None:
                plan.changes["change_password_at_next_logon"] = desired["change_password_at_next_logon"]
            plan.action = "update"
        return plan

    def check_current(self, item):
        """A login asked for a user that exists with another one: Cortex cannot rename a login, and a plan never
        shows it (login is not compared), so it is refused whatever the plan - also when nothing else changes."""
        desired, current = item.desired, item.current
        if item.state != "present" or current is None or not desired.get("login"):
            return []
        if current["login"].casefold() in (desired["login"].casefold(),
                                           rules.stored_login(desired["login"], self.code).casefold()):
            return []
        return ["login is '%s' and cannot change (asked: '%s')" % (current["login"], desired["login"])]

    def check_plan(self, item):
        if item.action in ("delete", "reprovision"):
            return []
        if self.tenant is None:  # check mode below a tenant an earlier task would create: what needs no tenant
            if item.action == "create" and not item.desired.get("password"):
                return ["password is required to create a user (a user that exists is managed without it)"]
            return []
        changes = item.changes
        desired = item.desired
        problems = []
        if item.action == "create":
            if not desired.get("password"):
                problems.append("password is required to create a user (a user that exists is managed without it)")
            problems += rules.login_problems(changes["login"], self.code)
            domain_issues = rules.upn_problems(desired["upn"], set(self.tenant.get("domains") or []))
            if domain_issues and self.module.check_mode and not rules.upn_problems(desired["upn"]):
                # the domain may be added by an earlier task of the play (cortex_tenant domains, cortex_domain), whose
                # check mode wrote nothing: say so rather than refuse what the real run would accept
                item.note = "the domain of '%s' is not a domain of tenant '%s' yet: an earlier task must add it" % (
                    desired["upn"], self.code)
            else:
                problems += domain_issues
            holder = self.holder_of(rules.stored_login(changes["login"], self.code))
            if holder is not None:
                # Cortex addresses a user by its login: a create on a taken login would change that user instead.
                problems.append("login '%s' is already used by user '%s': set login to another name for this user"
                                % (holder["login"], holder["upn"]))
        if changes.get("password"):
            display = changes.get("display_name") or (item.current or {}).get("display_name")
            login = changes.get("login") or (item.current or {}).get("login", "")
            problems += rules.password_problems(changes["password"], login=rules.short_login(login, self.code),
                                                upn=desired["upn"], display_name=display,
                                                min_length=self.tenant.get("min_password_length"))
        problems += rules.user_tenant_problems(changes, self.tenant)
        return problems

    def check_all(self, items):
        """Two new users of one run whose logins would be the same: each would overwrite the other."""
        first = {}
        problems = []
        for item in items:
            if item.action != "create":
                continue
            login = rules.stored_login(item.changes["login"], self.code)
            if login.casefold() in first:
                problems.append((item.label, ["login '%s' is also the login of %s: set login to tell them apart"
                                              % (login, first[login.casefold()].label)]))
            else:
                first[login.casefold()] = item
        return problems

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
        return self.api.delete_user(self.code, item.current["login"])

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
        return shown


class AdminEntity(UserEntity):
    kind = "administrator"
    fields = ADMIN_OPTION_FIELDS
