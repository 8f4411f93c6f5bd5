# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A tenant as a ``cortex_client`` description (what the role client_onboarding accepts), read from Cortex.

Re-applying the description to the tenant it was read from changes nothing: every value is what Cortex holds, in
the form the modules compare (short logins, punycode domains, plan names). Passwords are never part of it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import is_not_found

ADMIN_ROLE = "Customer Administrator"
TENANT_KEYS = ("name", "code", "contact_name", "contact_email", "address", "city", "zip_code", "country",
               "password_never_expires", "min_password_length", "roles")


def find_tenant(api, code=None, name=None):
    """The tenant's code by code or full name; None when there is none. Several with the name is an error."""
    found = api.find_tenants(code=code) if code else api.find_tenants(name=name)
    if len(found) > 1:
        raise CortexError("several tenants are named '%s' (codes %s): give the code"
                          % (name, ", ".join(t["code"] for t in found)))
    return found[0]["code"] if found else None


def _user_entry(user, code):
    entry = dict(upn=user["upn"], login=rules.short_login(user["login"], code))
    for key in ("first_name", "last_name", "display_name"):
        if user.get(key):
            entry[key] = user[key]
    if user.get("enabled") is False:
        entry["enabled"] = False
    if user.get("password_never_expires"):
        entry["password_never_expires"] = True
    mailbox = user.get("exchange") or {}
    if mailbox.get("plan") and mailbox.get("status", "NotProvisioned") != "NotProvisioned":
        entry["plan"] = mailbox["plan"]
    return entry


def describe(module, code, detail=True):
    """The tenant ``code`` as a cortex_client description, plus what is not part of one (statuses, mailboxes).

    ``detail``: read every user (names, roles, plan; one request each, in parallel). Without it, users come from
    one listing (UPN, login, display name, status, mailbox status) - enough for the checks made before writing.
    """
    api = module.api
    tenant = api.get_tenant(code)
    client = dict((key, tenant[key]) for key in TENANT_KEYS if tenant.get(key) is not None)
    client["domains"] = [dict(name=tenant["primary_domain"], primary=True)] + [
        dict(name=d) for d in tenant.get("domains") or [] if d.casefold() != (tenant["primary_domain"] or "").casefold()]
    service = api.get_tenant_exchange(code)
    if service.get("status", "NotProvisioned") != "NotProvisioned":
        client["exchange"] = dict(version=service["version"], customer_plan=service["customer_plan"],
                                  user_plans=service["user_plans"])
    listing = api.find_users(code, with_exchange=True) or []
    bulk = api.get_users(code, with_exchange=True) if detail and len(listing) > 1 else None
    if bulk is not None:
        users = bulk
    elif detail:
        def read(summary):
            has_mailbox = (summary.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"
            try:
                user = api.get_user(code, summary["login"], with_exchange=has_mailbox)
            except CortexError as exc:
                if is_not_found(exc):  # removed while we read
                    return None
                raise
            user.setdefault("exchange", summary.get("exchange"))
            return user
        users = [u for u in module.read_all(read, listing, lambda s: "user '%s'" % s["upn"]) if u is not None]
    else:
        users = listing
    admin = next((u for u in users if ADMIN_ROLE.casefold() in [r.casefold() for r in u.get("roles") or []]), None)
    if admin is not None:
        entry = _user_entry(admin, code)
        entry["roles"] = admin["roles"]
        client["admin"] = entry
    client["users"] = [_user_entry(u, code) for u in users if u is not admin]
    state = dict(status=tenant["status"], users=[dict(upn=u["upn"], login=u["login"], status=u.get("status"),
                                                      mailbox=(u.get("exchange") or {}).get("status", "NotProvisioned"),
                                                      roles=u.get("roles"))
                                                 for u in users])
    return client, state


def without_partner(tenants):
    """The tenants the account manages, from details that hold their ``parent``: every customer it can see but the
    partner's own (reseller) customer, which is the parent of the others (docs/protocol.md)."""
    parents = set((t.get("parent") or "").casefold() for t in tenants)
    return [t for t in tenants if (t.get("code") or "").casefold() not in parents]


def tenant_facts(api, code, with_users=True, tenant=None):
    """What the inventory says of a tenant: its identity, domains, status, Exchange, and (``with_users``) how many users
    and mailboxes per plan - a constant number of requests per tenant where Cortex answers every user at once.
    ``tenant``: its detail when already read."""
    tenant = tenant or api.get_tenant(code)
    facts = dict(code=tenant["code"], name=tenant["name"], primary_domain=tenant["primary_domain"],
                 domains=tenant.get("domains") or [], status=tenant["status"], parent=tenant.get("parent"))
    service = api.get_tenant_exchange(code)
    facts["exchange_status"] = service.get("status")
    facts["exchange_version"] = service.get("version") if service.get("status") != "NotProvisioned" else None
    if with_users:
        users = api.get_users(code, with_exchange=True)
        if users is None:  # a server that does not answer every user at once: the listing, then each mailbox
            listing = api.find_users(code, with_exchange=True) or []
            users = [api.get_user(code, u["login"], with_exchange=True)
                     if (u.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned" else u
                     for u in listing]
        mailboxes = {}
        for user in users:
            mailbox = user.get("exchange") or {}
            if mailbox.get("status", "NotProvisioned") != "NotProvisioned" and mailbox.get("plan"):
                mailboxes[mailbox["plan"]] = mailboxes.get(mailbox["plan"], 0) + 1
        facts.update(users=len(users), mailboxes=mailboxes)
    return facts
