# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What this Cortex offers the partner's clients, read from the partner's own (reseller) customer - so that a client
description is checked against it before anything is written (docs/protocol.md, "The partner's reseller customer").

* the roles a client may allow (the reseller's ``<roles>``);
* the Exchange versions, customer plans and user plans it may give, each plan with its versions and its user limit
  per client (the reseller's Hosted Exchange offer);
* the countries and the property rules (the property metadata: ``Country`` options, a ``ZipCode`` pattern when the
  deployment has one).

Three requests. A server that shows none of it (an older Cortex, an account that cannot read its reseller) gives an
empty catalogue: the checks that need it are then left to the server, as before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_validation import domain_key
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import is_not_found

# A property pattern is used only when Python can compile it and it is short (the recorded ones use .NET-only
# classes such as \p{L}, and one e-mail pattern backtracks for ever on some inputs).
MAX_PATTERN = 200


def compiled(pattern):
    """The property pattern as a Python regex, or None when it cannot be used safely."""
    if not pattern or len(pattern) > MAX_PATTERN or r"\p" in pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def read_catalog(api, listed=None, parallel=None):
    """The catalogue as a dict (empty when this Cortex shows none): ``partner`` (the reseller's code), ``roles``,
    ``countries``, ``zip_pattern``, ``exchange`` {``versions``, ``customer_plans``, ``user_plans``} (each plan a dict
    with ``name``, ``versions``, ``user_limit``). ``listed``: every customer, when already read; ``parallel``: the
    partner's rules and Exchange offer are then read at once."""
    if listed is None:
        listed = api.find_tenants()
    if not listed:
        return {}
    partner = listed[0]["code"]  # the reseller comes first in FIND <customer/> (docs/protocol.md)
    if parallel is not None:
        api.read_ahead([lambda: api.get_tenant_rules(partner), lambda: api.get_tenant_exchange(partner)], parallel)
    try:
        customer, rules = api.get_tenant_rules(partner)
        if (customer.get("parent") or "").casefold() in set((t["code"] or "").casefold() for t in listed):
            return {}  # the first customer listed is a tenant under another one: no reseller shown to this account
        catalog = dict(partner=partner, roles=customer.get("roles") or [])
        countries = (rules.get("Country") or {}).get("options")
        if countries:
            catalog["countries"] = countries
        zip_rule = rules.get("ZipCode") or {}
        if zip_rule.get("pattern") and compiled(zip_rule["pattern"]):
            catalog["zip_pattern"] = zip_rule["pattern"]
        service = api.get_tenant_exchange(partner)
    except CortexError as exc:
        if is_not_found(exc) or exc.status in (400, 401):
            return {}
        raise
    if service.get("plans") is not None:
        catalog["exchange"] = dict(
            versions=service.get("versions") or ([service["version"]] if service.get("version") else []),
            customer_plans=[plan_entry(p) for p in service.get("customer_plans") or []],
            user_plans=[plan_entry(p) for p in service.get("plans") or []])
    return catalog


def plan_entry(plan):
    return dict(name=plan["name"], versions=plan.get("versions"), user_limit=plan.get("user_limit"))


def exchange_problems(catalog, version=None, customer_plan=None, user_plans=None):
    """Problems of a Hosted Exchange setting against the catalogue (none when the catalogue shows no offer)."""
    offer = (catalog or {}).get("exchange")
    if not offer:
        return []
    problems = []
    version = str(version) if version is not None else None
    if version and offer.get("versions") and version not in offer["versions"]:
        problems.append("version %s is not offered (offered: %s)" % (version, ", ".join(offer["versions"])))
        version = None  # the plans are checked for existing, not against a version that is not offered
    for kind, names in (("customer plan", [customer_plan] if customer_plan else []), ("user plan", user_plans or [])):
        offered = dict((p["name"].casefold(), p) for p in offer["customer_plans" if kind == "customer plan" else
                                                                "user_plans"])
        for name in names:
            plan = offered.get(str(name).casefold())
            if plan is None:
                problems.append("%s '%s' is not offered (offered: %s)"
                                % (kind, name, ", ".join(p["name"] for p in offered.values()) or "none"))
            elif version and plan.get("versions") and version not in plan["versions"]:
                problems.append("%s '%s' does not exist for Exchange %s (only %s)"
                                % (kind, name, version, ", ".join(plan["versions"])))
    return problems


def tenant_problems(catalog, country=None, roles=None, zip_code=None):
    """Problems of a tenant's country, allowed roles and postal code against the catalogue."""
    catalog = catalog or {}
    problems = []
    countries = catalog.get("countries")
    if countries and isinstance(country, str) and country.casefold() not in set(c.casefold() for c in countries):
        close = [c for c in countries if c.casefold().startswith(country[:3].casefold())][:3]
        problems.append("country '%s' is not one this Cortex knows%s" % (
            country, " (did you mean %s?)" % ", ".join(close) if close else ""))
    offered = catalog.get("roles")
    if offered and roles:
        folded = set(r.casefold() for r in offered)
        refused = [r for r in roles if isinstance(r, str) and r.casefold() not in folded]
        if refused:
            problems.append("roles not offered by this Cortex: %s" % ", ".join(refused))
    pattern = compiled(catalog.get("zip_pattern"))
    if pattern is not None and isinstance(zip_code, str) and not pattern.match(zip_code):
        problems.append("zip_code '%s' does not match the rule of this Cortex (%s)" % (zip_code, pattern.pattern))
    return problems


def plans_used(api, code, catalog):
    """Mailboxes of tenant ``code`` on each of its plans, by folded plan name (one request where Cortex answers every
    user at once); empty when the catalogue offers no Exchange. For the user limits, and so that a plan still used is
    not dropped."""
    if not ((catalog or {}).get("exchange") or {}).get("user_plans"):
        return {}
    users = api.get_users(code, with_exchange=True)
    if users is None:
        users = [api.get_user(code, u["login"], with_exchange=True)
                 for u in api.find_users(code, with_exchange=True) or []
                 if (u.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"]
    return count_plans([dict(plan=(u.get("exchange") or {}).get("plan")) for u in users
                        if (u.get("exchange") or {}).get("status", "NotProvisioned") != "NotProvisioned"])


def count_plans(entries):
    """Mailboxes per folded plan name, over entries holding ``plan`` (a provisioned mailbox's plan, or None)."""
    used = {}
    for entry in entries:
        plan = (entry.get("plan") or "").casefold()
        if plan:
            used[plan] = used.get(plan, 0) + 1
    return used


def domains_in_use(api, own=None):
    """The domains of the customers other than ``own``, name (punycode, lower case) -> code (one request where Cortex
    answers every customer's detail at once, else the primary domains of one listing): a new domain is checked against
    them before any write. The domains of the partner's own (reseller) customer count: a client cannot hold them
    either."""
    tenants = api.get_tenants()
    if tenants is None:
        tenants = [dict(t, domains=[t.get("primary_domain")]) for t in api.find_tenants()]
    skip = set([own.casefold()]) if own else set()
    found = {}
    for tenant in tenants:
        if (tenant.get("code") or "").casefold() in skip:
            continue
        for domain in tenant.get("domains") or []:
            if domain:
                found[domain_key(domain)] = tenant["code"]
    return found
