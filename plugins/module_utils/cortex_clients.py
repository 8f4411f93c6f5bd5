# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Cortex holds of a client, read once: the snapshot every path plans a client from (module_utils/cortex_plan.py),
and the facts the inventory and the usage report give of each tenant.

Reading costs a constant number of requests whatever the number of users where Cortex answers every user's detail at
once: every customer the account sees (its first is the partner's own customer), the catalogue (two more), the
client's tenant, its Hosted Exchange, its users read themselves in detail (a listing alone never says a user is absent),
and, only when a domain is to be added, every customer's domains.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_catalog import domains_in_use, read_catalog
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_poll import serial
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import is_not_found

NO_MAILBOX = dict(status="NotProvisioned", status_color="grey")


def partner_of(listed):
    """The code of the partner's own (reseller) customer: the first of every customer the account sees
    (docs/protocol.md); None for an empty listing."""
    return listed[0]["code"] if listed else None


def target_of(listed, code=None, name=None):
    """The customer (a listing entry) a description names: by code, else the one with that full name; never the
    partner's own customer, and none when the name is several customers'."""
    partner = (partner_of(listed) or "").casefold()
    if code:
        found = [t for t in listed if (t.get("code") or "").casefold() == code.casefold()]
    else:
        found = [t for t in listed if name and (t.get("name") or "").casefold() == name.casefold()]
    if len(found) != 1 or (found[0].get("code") or "").casefold() == partner:
        return None
    return found[0]


def read_users(api, code, parallel=None, properties=False):
    """The users of tenant ``code`` in detail, each with its mailbox (``exchange``), read themselves - never from a
    listing alone: every user's detail in one GET where Cortex answers so; when that answer holds no user, or Cortex
    does not answer so, the listing too, and each user it shows that the detail did not is read on its own (two reads
    must agree before a tenant is taken for one without users). ``parallel(function, items)`` reads several at once;
    ``properties``: with their extended properties."""
    detail = api.get_users(code, with_exchange=True, properties=properties)
    by_login = dict(((u.get("login") or "").casefold(), u) for u in detail or [])
    listed = {}
    if not by_login:
        listing = api.find_users(code, with_exchange=True)
        if listing is None:
            raise CortexError("tenant '%s' is listed but its users cannot be listed" % code)
        listed = dict(((u.get("login") or "").casefold(), u) for u in listing)

        def read(summary):
            try:
                user = api.get_user(code, summary["login"], with_exchange=True, properties=properties)
            except CortexError as exc:
                if is_not_found(exc):  # removed while we read
                    return None
                raise
            user.setdefault("exchange", summary.get("exchange"))
            return user

        for user in (parallel or serial)(read, list(listed.values())):
            if isinstance(user, Exception):
                raise user
            if user is not None:
                by_login[(user.get("login") or "").casefold()] = user
    users = []
    for login, user in by_login.items():
        user = dict(user)
        if not user.get("exchange"):
            user["exchange"] = dict((listed.get(login) or {}).get("exchange") or NO_MAILBOX)
        users.append(user)
    return sorted(users, key=lambda u: rules.upn_key(u.get("upn")))


def read_snapshot(api, code=None, name=None, domains=None, parallel=None, catalog=True, user_properties=False):
    """What Cortex holds and offers for the client named by ``code`` (else ``name``): the snapshot
    (module_utils/cortex_plan.py). ``domains``: the client's domains as described - every customer's domains are read
    only when one of them is not already the tenant's. ``catalog``: read what this Cortex offers (two requests);
    ``user_properties``: read the users' extended properties too (when the description sets a field stored so)."""
    listed = api.find_tenants()
    snapshot = dict(partner=partner_of(listed), tenants=[dict(code=t["code"], name=t.get("name")) for t in listed],
                    catalog={}, tenant=None, exchange=None, users=[])
    target = target_of(listed, code, name)
    wanted = [rules.domain_key(d) for d in domains or [] if d]
    # What the listing decides, read at once (each part's requests are independent of the others'): a Cortex that
    # answers in 0.1 s makes this one round trip instead of five.
    parts = dict(catalog=lambda: read_catalog(api, listed, parallel) if catalog else {})
    if target is not None:
        parts.update(tenant=lambda: api.get_tenant(target["code"]),
                     exchange=lambda: api.get_tenant_exchange(target["code"]),
                     users=lambda: read_users(api, target["code"], parallel, user_properties))
    elif wanted:  # a new tenant holds no domain yet: every domain it is given is checked against the others'
        parts.update(held=lambda: domains_in_use(api, None))
    names = sorted(parts)
    for part, answer in zip(names, (parallel or serial)(lambda part: parts[part](), names)):
        if isinstance(answer, Exception):
            raise answer
        snapshot[part] = answer
    held = set(rules.domain_key(d) for d in (snapshot["tenant"] or {}).get("domains") or [])
    if target is not None and any(d not in held for d in wanted):
        snapshot["held"] = domains_in_use(api, target["code"])
    return snapshot


def without_partner(tenants, partner=None):
    """The tenants the account manages: every customer it can see but the partner's own (reseller) customer - the
    first of every customer listed (``partner``), and the parent of the others (docs/protocol.md)."""
    parents = set((t.get("parent") or "").casefold() for t in tenants)
    if partner:
        parents.add(partner.casefold())
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
