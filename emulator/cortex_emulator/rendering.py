"""From records to response nodes, in the element order of docs/protocol.md §4 (the S0 samples).

Nodes are the ``(tag, attrs, content)`` tuples of :mod:`xmlio`. Nothing here reads the store: whatever a node
shows beyond its record (domains, plan usage, the partner's name) is passed in.
"""

from __future__ import annotations

import datetime

from .catalog import Catalog
from .models.records import LOCATION, NOT_PROVISIONED, USER_LOCATION, Customer, Request, Service, User
from .xmlio import boolstr

PASSWORD_MAX_AGE_DAYS = 42  # AD default, for password/expires
REQUEST_TYPES = {
    "provision": "Object Provision",
    "modify": "Object Modify",
    "deprovision": "Object Deprovision",
    "delete": "Object Delete",
}


def request_id(rid: int) -> tuple:
    return ("request", None, [("id", None, str(rid))])


def errors(pairs) -> list:
    return [("error", None, [("id", None, code), ("message", None, message)]) for code, message in pairs]


def roles(catalog: Catalog, names) -> list:
    nodes = []
    for name in catalog.role_order(names):
        entry = catalog.roles.get(name.lower())
        nodes.append(("role", (("id", entry[1] if entry else ""),), name))
    return nodes


# ---------------------------------------------------------------------------------------------- customers

def customer_summary(c: Customer) -> list:
    return [
        ("name", None, c.code), ("id", None, str(c.id)), ("fullname", None, c.fullname),
        ("billingid", None, c.billingid), ("primarydomain", None, c.primarydomain),
        ("status", None, c.status), ("approvalpending", None, "False"),
    ]


def customer_detail(catalog: Catalog, c: Customer, partner: str, domains: list[str], properties=None) -> list:
    nodes = [
        ("name", None, c.code), ("id", None, str(c.id)), ("fullname", None, c.fullname),
        ("location", None, LOCATION), ("billingid", None, c.billingid), ("primarydomain", None, c.primarydomain),
        ("parent", None, [("name", None, partner), ("id", None, str(c.partner_id)), ("fullname", None, partner),
                          ("billingid", None, ""), ("primarydomain", None, "")]),
        ("contactname", None, c.contactname), ("contactemail", None, c.contactemail),
        ("address", None, c.address), ("phone", None, c.phone), ("fax", None, c.fax),
        ("customerou", None, f"{c.fullname}({c.code}),{partner},Customers"),
        ("customeroustructure", None, "ungrouped"),
        ("domains", None, [("domain", None, d) for d in domains]),
        ("locations", None, [("name", None, LOCATION)]),
        ("departments", None, None),
        ("password", None, [
            ("minimumlength", None, str(c.minpwlen)), ("bannerdisplaydays", None, str(c.bannerdays)),
            ("changeatnextlogon", None, boolstr(c.pw_changeatnextlogon)),
            ("allowneverexpires", None, boolstr(c.allowneverexpires)),
        ]),
        ("roles", None, roles(catalog, c.roles)),
        ("enabled", None, boolstr(c.enabled)), ("status", None, c.status), ("approvalpending", None, "False"),
    ]
    if properties is not None:
        nodes.append(properties_node(catalog, "customer", c.properties, properties.detail))
    return nodes


def properties_node(catalog: Catalog, kind: str, values: dict, detail: bool) -> tuple:
    """``<properties>``: every property of the metadata (sort order), then the others stored, by name."""
    meta = catalog.property_meta[kind]
    stored = {k.lower(): (k, v) for k, v in values.items()}
    nodes = []
    names = [p["name"] for p in sorted(meta.values(), key=lambda p: p.get("sortorder", 0))]
    names += sorted(k for k, _ in stored.values() if k.lower() not in meta)
    for name in names:
        value = stored.get(name.lower(), (name, ""))[1]
        if not detail:
            nodes.append(("property", None, [("name", None, name), ("value", None, value)]))
            continue
        m = meta.get(name.lower(), {})
        validation = dict(m.get("validation") or {"name": "Text", "type": "Text", "errormessage": ""})
        vnodes = [("name", None, str(validation.get("name", ""))), ("type", None, str(validation.get("type", ""))),
                  ("errormessage", None, str(validation.get("errormessage", "")))]
        if "value" in validation:
            vnodes.append(("value", None, str(validation["value"])))
        options = validation.get("options")
        if options == "countries":
            options = [{"name": n, "value": n} for n in catalog.country_options]
        if options:
            vnodes.append(("options", None, [
                ("option", None, [("name", None, str(o["name"])), ("value", None, str(o["value"]))])
                for o in options]))
        nodes.append(("property", None, [
            ("name", None, name), ("fullname", None, str(m.get("fullname", name))),
            ("mandatory", None, boolstr(m.get("mandatory"))), ("value", None, value),
            ("category", None, str(m.get("category", "General"))),
            ("description", None, str(m.get("description", ""))),
            ("sortorder", None, str(m.get("sortorder", 100))), ("visible", None, "True"),
            ("readonly", None, "False"), ("adattribute", None, str(m.get("adattribute", ""))),
            ("validation", None, vnodes),
        ]))
    return ("properties", None, nodes)


# ---------------------------------------------------------------------------------------------- users

def user_summary(u: User) -> list:
    return [
        ("name", None, u.login), ("id", None, str(u.id)), ("fullname", None, u.fullname),
        ("upn", None, u.upn), ("location", None, USER_LOCATION), ("department", None, USER_LOCATION),
        ("status", None, u.status), ("approvalpending", None, "False"),
    ]


def user_detail(catalog: Catalog, u: User, mailbox_live: bool, properties=None) -> list:
    if u.pw_neverexpires:
        expires = "Never"
    else:
        set_on = datetime.date.fromisoformat(u.pw_set)
        expires = (set_on + datetime.timedelta(days=PASSWORD_MAX_AGE_DAYS)).strftime("%Y%m%d")
    legacy = (f"/o=Cortex/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={u.login}"
              if mailbox_live else "")
    nodes = [
        ("name", None, u.login), ("id", None, str(u.id)), ("fullname", None, u.fullname),
        ("upn", None, u.upn), ("firstname", None, u.firstname), ("lastname", None, u.lastname),
        ("externalemail", None, ""), ("location", None, USER_LOCATION), ("department", None, USER_LOCATION),
        ("phone", None, ""), ("customfield1", None, ""), ("customfield2", None, ""), ("expires", None, "Never"),
        ("legacyexchangedn", None, legacy), ("securityquestions", None, None),
        ("password", None, [("changeatnextlogon", None, boolstr(u.pw_changeatnextlogon)),
                            ("expires", None, expires)]),
        ("addresses", None, [("address", (("primary", "True"),), u.upn.lower())]),
        ("x500proxyaddresses", None, None),
        ("roles", None, roles(catalog, u.roles)),
        ("locked", None, "False"), ("enabled", None, boolstr(u.enabled)), ("status", None, u.status),
        ("approvalpending", None, "False"),
    ]
    if properties is not None:
        nodes.append(properties_node(catalog, "user", u.properties, properties.detail))
    return nodes


# ---------------------------------------------------------------------------------------------- services

def customer_service_summary(s: Service) -> list:
    return [("name", None, s.code), ("fullname", None, s.fullname), ("location", None, LOCATION),
            ("status", None, s.status), ("approvalpending", None, "False")]


def customer_service_detail(catalog: Catalog, c: Customer, s: Service, domains: list[str],
                            used: dict[str, int]) -> list:
    """``domains``: the customer's (shown once HE is provisioned); ``used``: mailboxes per lower-case plan name."""
    nodes = [("name", None, s.code), ("fullname", None, s.fullname),
             ("location", None, LOCATION), ("userlimit", None, "Unlimited"),
             ("isbilled", None, boolstr(s.status != NOT_PROVISIONED)), ("status", None, s.status),
             ("approvalpending", None, "False")]
    if s.code != "HE":
        return nodes
    if s.status == NOT_PROVISIONED:
        domains = []
    enabled = {n.lower() for n in s.userpackages}
    version = s.version
    plans = []
    for key, plan in catalog.user_plans.items():
        if version and version not in plan.versions and key not in enabled:
            continue
        if not version and key not in enabled:
            continue
        plans.append(("userpackage", None, [
            ("name", None, plan.name), ("fullname", None, plan.fullname),
            ("userlimit", None, "Unlimited" if plan.userlimit is None else str(plan.userlimit)),
            ("used", None, str(used.get(key, 0))), ("enabled", None, boolstr(key in enabled)),
        ]))
    package = catalog.customer_plans.get(s.package.lower()) if s.package else None
    nodes += [
        ("authoritativedomains", None, [("domain", None, d) for d in domains]),
        ("domains", None, [("domain", (("type", "authoritative"),), d) for d in domains]),
        ("UpdateEmailAddressPolicy", None, "False"),
        ("customeraddressformats", None, [("customerwide", None, "True")] + [
            ("address", None, [("example", None, f"firstname.lastname@{d}"), ("domain", None, d),
                               ("pattern", None, "%g.%s"), ("primary", None, boolstr(d == c.primarydomain)),
                               ("assigned", None, "True")]) for d in domains]),
        ("version", None, version), ("mailboxstoragelimit", None, "Unlimited"),
        ("publicfolder", None, [("overridetemplate", None, "False"), ("create", None, "False"),
                                ("storagelimit", None, "Unlimited"), ("warninglimit", None, "Unlimited"),
                                ("itemlimit", None, "Unlimited")]),
        *plans,
        ("package", None, [("name", None, package.name if package else ""),
                           ("fullname", None, package.fullname if package else ""),
                           ("enabled", None, boolstr(package is not None))]),
    ]
    return nodes


def user_service_summary(s: Service) -> list:
    return [("name", None, s.code), ("fullname", None, s.fullname), ("status", None, s.status),
            ("approvalpending", None, "False")]


def user_service_detail(catalog: Catalog, u: User, s: Service) -> list:
    plan = catalog.user_plans.get(s.userpackage.lower()) if s.userpackage else None
    return [("name", None, s.code), ("fullname", None, s.fullname), ("status", None, s.status),
            ("approvalpending", None, "False"), ("replyaddress", None, u.upn.lower()),
            ("userpackage", None, [("name", None, plan.name), ("fullname", None, plan.fullname)] if plan else None)]


# ---------------------------------------------------------------------------------------------- requests

def request(r: Request) -> tuple:
    nodes = [
        ("id", None, str(r.id)), ("type", None, REQUEST_TYPES[r.kind]),
        ("name", None, ""), ("description", None, r.description), ("status", None, r.status),
        ("object", None, [("type", None, r.object_type), ("name", None, r.object_name),
                          ("description", None, r.object_description), ("status", None, r.object_status)]),
    ]
    if r.status == "Failed":
        nodes.append(("message", None, r.message or "Provisioning failed"))
    return ("request", None, nodes)
