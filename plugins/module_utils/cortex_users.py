# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users of a tenant, as cortex_user and cortex_admin manage them (an administrator is a user with roles)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import Entity, Field, Item
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_tenancy import load_tenant
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules

# The options of one user, shared by the single form (top level) and the bulk form (items of ``users``).
USER_OPTIONS = dict(
    upn=dict(type="str"),
    login=dict(type="str"),
    first_name=dict(type="str"),
    last_name=dict(type="str"),
    display_name=dict(type="str"),
    password=dict(type="str", no_log=True),
    update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
    password_never_expires=dict(type="bool", no_log=False),
    change_password_at_next_logon=dict(type="bool", no_log=False),
    enabled=dict(type="bool"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)

USER_FIELDS = (
    Field("upn", "ci"),
    Field("login", create_only=True),
    Field("first_name"),
    Field("last_name"),
    Field("display_name"),
    Field("password", secret=True),
    Field("password_never_expires", "bool"),
    # Qualifies the password being set; the user clears it by changing the password, so it is never compared.
    Field("change_password_at_next_logon", "bool", create_only=True),
    Field("enabled", "bool"),
)
# Fields that only a GET returns (a FIND summary lacks them).
DETAIL_FIELDS = ("first_name", "last_name", "password_never_expires", "enabled", "roles")


def user_argument_spec(extra=None):
    """Top-level options for the single form plus ``users`` for the bulk form, from one definition."""
    options = dict(USER_OPTIONS)
    options.update(extra or {})
    item_options = dict(options)
    item_options["upn"] = dict(type="str", required=True)
    spec = dict(options)
    spec["tenant"] = dict(type="str", required=True)
    spec["users"] = dict(type="list", elements="dict", options=item_options)
    return spec


def user_items(params, option_names):
    """Items from the single form's top-level options or from ``users``."""
    entries = params["users"] if params.get("users") is not None else [params]
    items = []
    for index, entry in enumerate(entries):
        desired = dict((name, entry.get(name)) for name in option_names if name != "state")
        label = "user '%s'" % entry.get("upn") if params.get("users") is None else "users[%d] '%s'" % (
            index, entry.get("upn"))
        items.append(Item(label, desired, entry.get("state") or "present", index))
    return items


class UserEntity(Entity):
    kind = "user"
    fields = USER_FIELDS
    brief = ("login", "upn")

    def __init__(self, module):
        super(UserEntity, self).__init__(module)
        self.code = module.params["tenant"]
        self.tenant = None
        self.by_upn = {}
        self.by_login = {}
        self.listed_all = False  # whether by_login holds every user of the tenant (else logins are looked up)

    def key(self, item):
        return (item.desired.get("upn") or "").casefold()

    def check(self, item):
        desired = item.desired
        problems = rules.upn_problems(desired.get("upn"))
        if problems:
            return problems
        desired["upn"] = rules.normalize_upn(desired["upn"])
        if desired.get("login"):
            problems += rules.login_problems(desired["login"])
        if desired.get("roles") is not None and not all(desired["roles"]):
            problems.append("roles holds an empty name")
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

    def remember(self, summary):
        self.by_upn[(summary["upn"] or "").casefold()] = summary
        self.by_login[(summary["login"] or "").casefold()] = summary

    def holder_of(self, login):
        """The existing user whose stored login is ``login`` (case-insensitive, as Windows compares), or None."""
        key = login.casefold()
        if key not in self.by_login and not self.listed_all:
            for summary in self.api.find_users(self.code, login=login) or []:
                self.remember(summary)
        return self.by_login.get(key)

    def read(self, item):
        summary = self.by_upn.get(item.desired["upn"].casefold())
        if summary is None or item.state == "absent":
            return summary
        if any(item.desired.get(name) is not None for name in DETAIL_FIELDS):
            return self.api.get_user(self.code, summary["login"])
        return summary

    def reread(self, item):
        found = self.api.find_users(self.code, upn=item.desired["upn"]) or []
        if found:
            self.remember(found[0])
        else:
            self.by_upn[item.desired["upn"].casefold()] = None
        return self.read(item)

    def login_for(self, item):
        return item.desired.get("login") or rules.default_login(item.desired["upn"], self.code)

    def plan(self, item):
        super(UserEntity, self).plan(item)
        desired = item.desired
        if item.action == "create":
            item.changes["login"] = self.login_for(item)
            if desired.get("display_name") is None and desired.get("first_name") and desired.get("last_name"):
                item.changes["display_name"] = "%s %s" % (desired["first_name"], desired["last_name"])
        elif item.current is not None and item.state == "present" and desired.get("password") is not None \
                and desired.get("update_password") == "always":
            item.changes["password"] = desired["password"]
            if desired.get("change_password_at_next_logon") is not None:
                item.changes["change_password_at_next_logon"] = desired["change_password_at_next_logon"]
            item.action = "update"
        if item.action == "create" and self.tenant is None:
            item.note = "tenant '%s' does not exist yet: it would be created by an earlier task" % self.code

    def check_plan(self, item):
        if self.tenant is None or item.action in ("delete", "reprovision"):
            return []
        changes = item.changes
        desired = item.desired
        problems = []
        if item.action == "create":
            if not desired.get("password"):
                problems.append("password is required to create a user")
            problems += rules.login_problems(changes["login"], self.code)
            problems += rules.upn_problems(desired["upn"], set(self.tenant.get("domains") or []))
            holder = self.holder_of(rules.stored_login(changes["login"], self.code))
            if holder is not None:
                # Cortex addresses a user by its login: a create on a taken login would change that user instead.
                problems.append("login '%s' is already used by user '%s': set login to another name for this user"
                                % (holder["login"], holder["upn"]))
        elif desired.get("login") and item.current["login"].casefold() not in (
                desired["login"].casefold(), rules.stored_login(desired["login"], self.code).casefold()):
            problems.append("login is '%s' and cannot change (asked: '%s')"
                            % (item.current["login"], desired["login"]))
        if changes.get("password"):
            display = changes.get("display_name") or (item.current or {}).get("display_name")
            login = changes.get("login") or (item.current or {}).get("login", "")
            short_login = login[:-len(self.code) - 1] if login.lower().endswith("_" + self.code.lower()) else login
            problems += rules.password_problems(changes["password"], login=short_login, upn=desired["upn"],
                                                display_name=display,
                                                min_length=self.tenant.get("min_password_length"))
        if changes.get("password_never_expires") and not self.tenant.get("password_never_expires"):
            problems.append("password_never_expires needs the tenant to allow never-expiring passwords "
                            "(cortex_tenant password_never_expires: true)")
        if changes.get("roles"):
            allowed = set(r.casefold() for r in self.tenant.get("roles") or [])
            refused = [r for r in changes["roles"] if r.casefold() not in allowed]
            if refused:
                problems.append("roles not allowed on tenant '%s': %s (allowed: %s)"
                                % (self.code, ", ".join(refused), ", ".join(self.tenant.get("roles") or [])))
        return problems

    def check_all(self, items):
        """Two new users of one run whose logins would be the same: each would overwrite the other."""
        first = {}
        problems = []
        for item in items:
            if item.action != "create":
                continue
            login = rules.stored_login(item.changes["login"], self.code).casefold()
            if login in first:
                problems.append((item.label, ["login '%s' is also the login of %s: set login to tell them apart"
                                              % (rules.stored_login(item.changes["login"], self.code),
                                                 first[login].label)]))
            else:
                first[login] = item
        return problems

    def create(self, item):
        fields = dict(item.changes)
        login = fields.pop("login")
        return self.api.create_user(self.code, login, fields)

    def update(self, item):
        return self.api.update_user(self.code, item.current["login"], item.changes)

    def delete(self, item):
        return self.api.delete_user(self.code, item.current["login"])

    def present(self, item):
        shown = super(UserEntity, self).present(item)
        if shown and item.action == "create" and "login" in shown and not item.current:
            shown["login"] = rules.stored_login(shown["login"], self.code)
        return shown
