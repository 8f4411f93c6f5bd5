"""From records to response nodes, in the element order of docs/protocol.md §4 (the S0 samples).

Nodes are the ``(tag, attrs, content)`` tuples of :mod:`xmlio`. Nothing here reads the store: whatever a node
shows beyond its record (domains, plan usage, the partner's name) is passed in.
"""

from __future__ import annotations

import datetime

from . import rules
from .catalog import Catalog
from .models.records import NOT_PROVISIONED, UNASSIGNED, Customer, Request, Service, User
from .xmlio import boolstr

# The recorded address formats of a customer HE: pattern -> the example shown for a domain.
ADDRESS_FORMATS = (("%1g%s", "FLastname"), ("%g", "Firstname"), ("%g%1s", "FirstnameL"),
                   ("%g.%s", "Firstname.Lastname"))

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


_ROLE_NODES: dict[tuple, list] = {}  # (catalogue, role names) -> nodes: customers share a few role lists


def roles(catalog: Catalog, names) -> list:
    key = (id(catalog), tuple(names))
    nodes = _ROLE_NODES.get(key)
    if nodes is None:
        nodes = []
        for name in catalog.role_order(names):
            entry = catalog.roles.get(name.lower())
            nodes.append(("role", (("id", entry[1] if entry else ""),), name))
        if len(_ROLE_NODES) > 4096:
            _ROLE_NODES.clear()
        _ROLE_NODES[key] = nodes
    return nodes


# ---------------------------------------------------------------------------------------------- customers

def customer_summary(c: Customer) -> list:
    return [
        ("name", None, c.code), ("id", None, str(c.id)), ("fullname", None, c.fullname),
        ("billingid", None, c.billingid), ("primarydomain", None, c.primarydomain),
        ("status", None, c.status), ("approvalpending", None, "False"),
    ]


def customer_detail(catalog: Catalog, c: Customer, *, parent: Customer | None, ou: str, domains: list[str],
                    location: str, properties=None, values: dict | None = None) -> list:
    """The GET form of a customer; ``parent`` (its reseller, or the provider for a reseller), ``ou`` (customerou)
    and ``values`` (every property's value, when ``properties`` asks for them) come from the backend."""
    p = parent
    nodes = [
        ("name", None, c.code), ("id", None, str(c.id)), ("fullname", None, c.fullname),
        ("location", None, location), ("billingid", None, c.billingid), ("primarydomain", None, c.primarydomain),
        ("parent", None, [("name", None, p.code if p else ""), ("id", None, str(p.id) if p else "0"),
                          ("fullname", None, p.fullname if p else ""), ("billingid", None, p.billingid if p else ""),
                          ("primarydomain", None, p.primarydomain if p else "")]),
        ("contactname", None, c.contactname), ("contactemail", None, c.contactemail),
        ("address", None, c.address), ("phone", None, c.phone), ("fax", None, c.fax),
        ("customerou", None, ou),
        ("customeroustructure", None, "ungrouped"),
        ("domains", None, [("domain", None, d) for d in domains]),
        ("locations", None, [("name", None, UNASSIGNED)]),
        ("departments", None, [("name", None, UNASSIGNED)]),
        ("password", None, [
            ("minimumlength", None, str(c.minpwlen)), ("bannerdisplaydays", None, str(c.bannerdays)),
            ("changeatnextlogon", None, boolstr(c.pw_changeatnextlogon)),
            ("allowneverexpires", None, boolstr(c.allowneverexpires)),
        ]),
        ("roles", None, roles(catalog, c.roles)),
        ("enabled", None, boolstr(c.enabled)), ("status", None, c.status), ("approvalpending", None, "False"),
    ]
    if properties is not None:
        nodes.append(properties_node(catalog, "customer", values or {}, c.properties, properties.detail))
    return nodes


def properties_node(catalog: Catalog, kind: str, values: dict, stored: dict, detail: bool) -> tuple:
    """``<properties>``: every property of the metadata, in its order, with ``values[lower-case name]``; then the
    other properties stored, by name (shown as Text properties)."""
    meta = catalog.property_meta[kind]
    entries = [(m, values.get(key, "")) for key, m in meta.items()]
    entries += [({"name": name}, value) for name, value in sorted(stored.items()) if name.lower() not in meta]
    nodes = []
    for m, value in entries:
        name = m["name"]
        if not detail:
            nodes.append(("property", None, [("name", None, name), ("value", None, value)]))
            continue
        nodes.append(("property", None, [
            ("name", None, name), ("fullname", None, str(m.get("fullname", name))),
            ("mandatory", None, boolstr(m.get("mandatory"))), ("value", None, value),
            ("category", None, str(m.get("category", ""))),
            ("description", None, str(m.get("description", ""))),
            ("sortorder", None, str(m.get("sortorder", 0))), ("visible", None, boolstr(m.get("visible", True))),
            ("readonly", None, boolstr(m.get("readonly", False))), ("adattribute", None, str(m.get("adattribute", ""))),
            ("validation", None, validation_node(catalog, m.get("validation"))),
        ]))
    return ("properties", None, nodes)


def validation_node(catalog: Catalog, validation: dict | None) -> list:
    """``name, type, errormessage``, then what the type has: ``value`` (RegularExpression, SqlValidation),
    ``options`` (SQLQueryDDL), ``minimum``/``maximum`` (RangeValidator), ``path`` (ValidationControl)."""
    v = validation or {"name": "Text", "type": "Text"}
    nodes = [("name", None, str(v.get("name", ""))), ("type", None, str(v.get("type", ""))),
             ("errormessage", None, str(v.get("errormessage", "")))]
    for tag in ("value", "minimum", "maximum", "path"):
        if tag in v:
            nodes.append((tag, None, str(v[tag])))
    options = v.get("options")
    if options == "countries":
        options = [{"name": n, "value": n} for n in catalog.country_options]
    if options:
        nodes.append(("options", None, [
            ("option", None, [("name", None, str(o["name"])), ("value", None, str(o["value"]))]) for o in options]))
    return nodes


# ---------------------------------------------------------------------------------------------- users

def user_summary(u: User) -> list:
    return [
        ("name", None, u.login), ("id", None, str(u.id)), ("fullname", None, u.fullname),
        ("upn", None, u.upn), ("location", None, UNASSIGNED), ("department", None, UNASSIGNED),
        ("status", None, u.status), ("approvalpending", None, "False"),
    ]


def user_detail(catalog: Catalog, u: User, mailbox_live: bool, properties=None, values: dict | None = None) -> list:
    if u.pw_neverexpires:
        expires = "Never"
    else:
        set_on = datetime.date.fromisoformat(u.pw_set)
        expires = (set_on + datetime.timedelta(days=PASSWORD_MAX_AGE_DAYS)).strftime("%Y%m%d")
    legacy = rules.legacy_dn(u.login) if mailbox_live else ""
    nodes = [
        ("name", None, u.login), ("id", None, str(u.id)), ("fullname", None, u.fullname),
        ("upn", None, u.upn), ("firstname", None, u.firstname), ("lastname", None, u.lastname),
        ("externalemail", None, ""), ("location", None, UNASSIGNED), ("department", None, UNASSIGNED),
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
        nodes.append(properties_node(catalog, "user", values or {}, u.properties, properties.detail))
    return nodes


# ---------------------------------------------------------------------------------------------- services

def customer_service_summary(s: Service, location: str) -> list:
    return [("name", None, s.code), ("fullname", None, s.fullname), ("location", None, location),
            ("status", None, s.status), ("approvalpending", None, "False")]


def _plan_versions(versions) -> tuple:
    return ("versions", None, [("version", None, v) for v in versions])


def _he_head(c: Customer, s: Service, location: str, accepted: list[tuple[str, str]], folder: dict) -> tuple:
    """(the nodes of a customer HE up to ``customeraddressformats``, those from ``mailboxstoragelimit`` to
    ``publicfolder``), in the recorded order; ``version`` (and ``versions``) go between."""
    head = [("name", None, s.code), ("fullname", None, s.fullname), ("location", None, location),
            ("userlimit", None, "Unlimited"), ("isbilled", None, boolstr(s.status != NOT_PROVISIONED)),
            ("status", None, s.status), ("approvalpending", None, "False"),
            ("authoritativedomains", None, [("domain", None, d) for d, kind in accepted if kind == "authoritative"]),
            ("domains", None, [("domain", (("type", kind),), d) for d, kind in accepted]),
            ("UpdateEmailAddressPolicy", None, "False"),
            ("customeraddressformats", None, [("customerwide", None, "False")] + [
                ("address", None, [("example", None, f"{example}@{c.primarydomain}"),
                                   ("domain", None, c.primarydomain), ("pattern", None, pattern),
                                   ("primary", None, "False"), ("assigned", None, "False")])
                for pattern, example in ADDRESS_FORMATS])]
    tail = [("mailboxstoragelimit", None, "Unlimited"),
            ("publicfolder", None, [(tag, None, folder[tag]) for tag in
                                    ("overridetemplate", "create", "storagelimit", "warninglimit", "itemlimit")])]
    return head, tail


def customer_service_detail(catalog: Catalog, c: Customer, s: Service, *, location: str,
                            accepted: list[tuple[str, str]] = (), folder: dict | None = None,
                            used: dict[str, int] | None = None) -> list:
    """A customer service in detail; for HE also ``accepted`` (its domains and their types), ``folder`` (the
    public-folder settings) and ``used`` (mailboxes per lower-case user plan)."""
    if s.code != "HE":
        return [("name", None, s.code), ("fullname", None, s.fullname), ("location", None, location),
                ("userlimit", None, "Unlimited"), ("isbilled", None, boolstr(s.status != NOT_PROVISIONED)),
                ("status", None, s.status), ("approvalpending", None, "False")]
    used = used or {}
    enabled = {n.lower() for n in s.userpackages}
    version = s.version
    plans = []
    for key, plan in catalog.user_plans.items():  # the plans enabled on the customer, as recorded
        if key not in enabled:
            continue
        plans.append(("userpackage", None, [
            ("name", None, plan.name), ("fullname", None, plan.fullname),
            ("userlimit", None, "Unlimited" if plan.userlimit is None else str(plan.userlimit)),
            ("used", None, boolstr(used.get(key, 0) > 0)), ("enabled", None, boolstr(key in enabled)),
        ]))
    package = catalog.customer_plans.get(s.package.lower()) if s.package else None
    head, tail = _he_head(c, s, location, list(accepted), folder or {})
    return head + [("version", None, version)] + tail + plans + [
        ("package", None, [("name", None, package.name if package else ""),
                           ("fullname", None, package.fullname if package else ""),
                           ("enabled", None, boolstr(package is not None))])]


def reseller_offer(catalog: Catalog, c: Customer, s: Service, *, location: str, used: tuple[set, set]) -> list:
    """The HE of a partner's reseller customer: what it may offer its customers. The recorded HE shape, with the
    newest version as ``version``, every version offered in ``versions``, then every user plan and every customer
    plan of the catalogue (name, fullname, userlimit, used, enabled, versions)."""
    customer_used, user_used = used
    head, tail = _he_head(c, s, location, [(c.primarydomain, "authoritative")],
                          {"overridetemplate": "False", "create": "False", "storagelimit": "Unlimited",
                           "warninglimit": "Unlimited", "itemlimit": "Unlimited"})
    plans = [("userpackage", None, [
        ("name", None, plan.name), ("fullname", None, plan.fullname),
        ("userlimit", None, "Unlimited" if plan.userlimit is None else str(plan.userlimit)),
        ("used", None, boolstr(key in user_used)), ("enabled", None, "True"), _plan_versions(plan.versions),
    ]) for key, plan in catalog.user_plans.items()]
    packages = [("package", None, [
        ("name", None, plan.name), ("fullname", None, plan.fullname), ("userlimit", None, "Unlimited"),
        ("used", None, boolstr(key in customer_used)), ("enabled", None, "True"), _plan_versions(plan.versions),
    ]) for key, plan in catalog.customer_plans.items()]
    return (head + [("version", None, catalog.versions[-1]), _plan_versions(catalog.versions)] + tail
            + plans + packages)


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
