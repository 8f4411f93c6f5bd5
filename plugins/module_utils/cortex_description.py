# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client description (``cortex_client``, what the role client_onboarding takes), declared once.

Its keys come from the entities' fields (:mod:`cortex_schema`: a tenant's, a user's, Hosted Exchange's) plus the keys
only the role has (``domains`` as a list with a primary, ``admin``, ``exchange``, ``users``, ``allow_rename``, a user's
``plan``, ``update_password`` and ``state``). From this one declaration come:

* the typing of a description as the role's argument specification would type it (:func:`typed`), with every
  problem named - a survey or ``-e`` gives ``"no"`` for false and ``1234`` for a login;
* the role's ``meta/argument_specs.yml`` options of ``cortex_client`` and the keys table of its README
  (``tools/render_role_docs.py`` writes them; a unit test fails when they drift);
* the CSV columns a user can have (:data:`CSV_KEYS`);
* the export (:func:`export`): a tenant as Cortex holds it, written as a description that re-applies unchanged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_schema as schema
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules

ADMIN_ROLE = "Customer Administrator"


class Key(object):
    """One key of the description: its type (as an argument spec types it), docs, and sub-keys."""

    def __init__(self, name, type="str", doc=None, elements=None, required=False, default=None, choices=None,
                 no_log=False, options=None):
        self.name = name
        self.type = type
        self.doc = doc
        self.elements = elements
        self.required = required
        self.default = default
        self.choices = choices
        self.no_log = no_log
        self.options = options  # for a dict, or a list of dicts: the sub-keys, by name

    def spec(self):
        """The argument_specs.yml entry of the key."""
        entry = dict(description=self.doc, type=self.type)
        for attr in ("elements", "required", "default", "choices", "no_log"):
            value = getattr(self, attr)
            if value not in (None, False) or (attr == "default" and value is False):
                entry[attr] = value
        if self.options:
            entry["options"] = dict((name, key.spec()) for name, key in self.options.items())
        return entry


def _doc(field):
    """A field's module docs, for the role: a reference to another option of the module (O(first_name)) becomes code
    (C(first_name)) - a key beside it in the description - while references to a module's option stay."""
    lines = field.doc if isinstance(field.doc, list) else [field.doc]
    return [re.sub(r"O\(([^)#]+)\)", r"C(\1)", line) for line in lines]


def _from_field(field, doc=None, **extra):
    option = field.spec()
    return Key(field.name, option["type"], doc or _doc(field), elements=option.get("elements"),
               choices=option.get("choices"), no_log=bool(field.no_log), **extra)


def _keys(*keys):
    return dict((key.name, key) for key in keys)


TENANT_KEYS = _keys(*[_from_field(field, required=field.name == "name") for field in schema.TENANT_FIELDS
                      if field.name not in ("primary_domain", "domains")])
USER_KEYS = _keys(*[_from_field(field, required=field.name == "upn") for field in schema.USER_FIELDS
                    if field.name != "roles"])
UPDATE_PASSWORD = Key("update_password", doc=[
    "V(always) sends the password on this run (a password reset); V(on_create) only when the account is created.",
    "Defaults to O(client_onboarding_update_password)."], choices=["on_create", "always"])
PLAN = Key("plan", doc="User plan of the mailbox, among O(cortex_client.exchange.user_plans); none: no mailbox.")
ADMIN_KEYS = dict(USER_KEYS, roles=Key("roles", "list", elements="str", doc="Roles (default: Customer Administrator)."),
                  plan=PLAN, update_password=UPDATE_PASSWORD)
USER_ENTRY_KEYS = dict(USER_KEYS, plan=PLAN, update_password=UPDATE_PASSWORD, state=Key(
    "state", doc=["V(absent) removes the user (its mailbox deprovisioned first); a user already gone is nothing to do."],
    choices=["present", "absent"], default="present"))
EXCHANGE_KEYS = _keys(*[_from_field(field, required=True) for field in schema.EXCHANGE_FIELDS])
DOMAIN_KEYS = _keys(
    Key("name", doc="Domain name; internationalised names are converted to punycode.", required=True),
    Key("primary", "bool", doc="The primary domain (exactly one; a single domain is primary).", default=False))
CLIENT_KEYS = dict(
    TENANT_KEYS,
    allow_rename=Key("allow_rename", "bool", default=False, doc=[
        "Rename the tenant found by O(cortex_client.code) when its full name is not O(cortex_client.name)."]),
    domains=Key("domains", "list", elements="dict", required=True, options=DOMAIN_KEYS,
                doc="The client's domains; exactly one primary (a single domain is primary)."),
    admin=Key("admin", "dict", options=ADMIN_KEYS, doc=[
        "The client's administrator (optional): a user with administration roles (by default Customer "
        "Administrator), and optionally a mailbox."]),
    exchange=Key("exchange", "dict", options=EXCHANGE_KEYS, doc="Hosted Exchange for the client (needed when users "
                                                                "have a plan)."),
    users=Key("users", "list", elements="dict", options=USER_ENTRY_KEYS,
              doc="The client's users; C(plan) gives the user a mailbox on that plan."),
)
# A user's keys a CSV file may hold as columns (cortex_csv maps its header names onto them).
CSV_KEYS = tuple(name for name in USER_ENTRY_KEYS if name not in ("update_password",))


# ---------------------------------------------------------------- typing a description

def _convert(key, value):
    """(value converted as the argument spec would, problem or None)."""
    if key.type == "bool":
        try:
            return boolean(value, strict=True), None
        except TypeError:
            return None, "%s must be true or false, not %s" % (key.name, rules.kind_of(value))
    if key.type == "str":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return None, "%s must be text, not %s" % (key.name, rules.kind_of(value))
        value = str(value)
        if key.choices and value not in key.choices:
            return None, "%s must be one of %s" % (key.name, ", ".join(key.choices))
        return value, None
    if key.type == "int":
        if isinstance(value, (bool, float)):
            return None, "%s must be a whole number, not %s" % (key.name, rules.kind_of(value))
        try:
            return int(value), None
        except (TypeError, ValueError):
            return None, "%s must be a whole number, not %s" % (key.name, rules.kind_of(value))
    if key.type == "list" and key.elements == "str":
        if isinstance(value, str):  # as a list option takes it: comma-separated names
            return [v.strip() for v in value.split(",") if v.strip()], None
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                                           for v in value):
            return None, "%s must be a list of names, not %s" % (key.name, rules.kind_of(value))
        return [str(v) for v in value], None
    if key.type == "dict" and not isinstance(value, dict):
        return None, "%s must be a mapping, not %s" % (key.name, rules.kind_of(value))
    if key.type == "list" and not isinstance(value, (list, tuple)):
        return None, "%s must be a list, not %s" % (key.name, rules.kind_of(value))
    return value, None  # raw (zip_code, password: checked as given), and the sections


def typed(entry, keys):
    """``entry`` with each known key converted to its type, and the problems: values that cannot be converted (left
    out of the result) and unknown keys. Sections (dicts, lists of dicts) are converted as they are, not their
    entries (:func:`typed` again, per entry, by the planner)."""
    if not isinstance(entry, dict):
        return {}, ["must be a mapping, not %s" % rules.kind_of(entry)]
    converted, problems = {}, []
    for name, value in entry.items():
        key = keys.get(name)
        if key is None:
            continue
        if value is None:
            converted[name] = None
            continue
        value, problem = _convert(key, value)
        if problem:
            problems.append(problem)
        else:
            converted[name] = value
    unknown = sorted(str(name) for name in entry if name not in keys)
    if unknown:
        problems.append("unknown key(s): %s" % ", ".join(unknown))
    return converted, problems


# ---------------------------------------------------------------- the export

def _user_entry(user, code):
    entry = dict(upn=user["upn"], login=rules.short_login(user["login"], code))
    for field in schema.USER_FIELDS:
        name = field.name
        if name in ("upn", "login", "roles") or field.secret or field.create_only or user.get(name) is None:
            continue
        if field.kind == "bool":
            default = True if name == "enabled" else False
            if user[name] != default:  # the defaults are left out, as a hand-written description leaves them
                entry[name] = user[name]
        elif user[name] != "":
            entry[name] = user[name]
    mailbox = user.get("exchange") or {}
    if mailbox.get("plan") and mailbox.get("status", "NotProvisioned") != "NotProvisioned":
        entry["plan"] = mailbox["plan"]
    return entry


def admin_of(users):
    """The administrator among users read in detail: the first holding Customer Administrator, or None."""
    return next((u for u in users if ADMIN_ROLE.casefold() in [r.casefold() for r in u.get("roles") or []]), None)


def export(tenant, exchange, users):
    """A tenant as a description the role accepts and re-applies unchanged: every value as Cortex holds it, in the
    form the modules compare (short logins, punycode domains, plan names). ``users`` read in detail (with their
    mailboxes); no password (Cortex never returns one)."""
    code = tenant["code"]
    client = dict((name, tenant[name]) for name in TENANT_KEYS if tenant.get(name) is not None)
    primary = tenant.get("primary_domain") or ""
    client["domains"] = [dict(name=primary, primary=True)] + [
        dict(name=d) for d in tenant.get("domains") or [] if rules.domain_key(d) != rules.domain_key(primary)]
    if exchange and exchange.get("status", "NotProvisioned") != "NotProvisioned":
        client["exchange"] = dict(version=exchange["version"], customer_plan=exchange["customer_plan"],
                                  user_plans=exchange["user_plans"])
    admin = admin_of(users)
    if admin is not None:
        client["admin"] = dict(_user_entry(admin, code), roles=admin["roles"])
    client["users"] = [_user_entry(u, code) for u in users if u is not admin]
    return client
