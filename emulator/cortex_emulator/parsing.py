"""From request elements to plain specs: what the caller asked, as strings and lists, not yet checked.

Parsing never refuses anything: the backends check the values (docs/protocol.md §4, §6, §7) and say what is wrong,
in the order of the fields. ``None`` always means "the element is absent" (so: not managed by this SET).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from .xmlio import child, children, local, text

# FIND filters: element -> record attribute; "@name" filters compare with a constant (see rendering).
CUSTOMER_FILTERS = {
    "name": "code", "id": "id", "fullname": "fullname", "billingid": "billingid", "primarydomain": "primarydomain",
    "status": "status", "contactname": "contactname", "contactemail": "contactemail",
}
USER_FILTERS = {
    "name": "login", "id": "id", "fullname": "fullname", "upn": "upn", "status": "status",
    "firstname": "firstname", "lastname": "lastname",
}
CONSTANT_FILTERS = ("approvalpending", "location", "department")
SERVICE_FILTERS = ("name", "fullname", "status", "location")


def to_int(value: str | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def tags(el: Element) -> list[str]:
    """Lower-case names of the element children (comments and processing instructions left out)."""
    return [local(c.tag) for c in el if isinstance(c.tag, str)]


# ---------------------------------------------------------------------------------------------- shared parts

@dataclass
class RoleRef:
    """A ``<role>``: by name (its text) or, without text, by its ``id="{GUID}"``."""

    name: str | None
    guid: str | None


def roles(el: Element | None) -> list[RoleRef] | None:
    if el is None:
        return None
    refs = []
    for r in children(el, "role"):
        value = (r.text or "").strip()
        if value:
            refs.append(RoleRef(value, None))
        elif r.get("id"):
            refs.append(RoleRef(None, r.get("id")))
    return refs


def properties(el: Element | None) -> list[tuple[str, str]] | None:
    """``<properties><property><name/><value/></property>…``: (name, value) pairs, unnamed ones skipped."""
    if el is None:
        return None
    pairs = []
    for prop in children(el, "property"):
        name = text(prop, "name")
        if name:
            pairs.append((name, text(prop, "value") or ""))
    return pairs


def domains(el: Element | None) -> list[str] | None:
    if el is None:
        return None
    return [(d.text or "").strip().rstrip(".") for d in children(el, "domain")]


def leaf_filters(el: Element, known: dict) -> list[tuple[str, str]]:
    """Exact, case-insensitive, AND-combined filters from the leaf children of ``el`` (empty ones ignored)."""
    filters = []
    for c in el:
        tag = local(c.tag)
        if len(c) or not (c.text or "").strip():
            continue
        if tag in known:
            filters.append((known[tag], c.text.strip().casefold()))
        elif tag in CONSTANT_FILTERS:
            filters.append(("@" + tag, c.text.strip().casefold()))
    return filters


def service_filters(el: Element) -> list[tuple[str, str]]:
    filters = []
    for c in el:
        tag = local(c.tag)
        if tag in SERVICE_FILTERS and not len(c) and (c.text or "").strip():
            filters.append((tag, c.text.strip().casefold()))
    return filters


@dataclass
class UserKey:
    """How a request names a user: stored login (``name``), ``upn``, or ``id``."""

    name: str | None
    upn: str | None
    id: int | None
    id_text: str | None

    @property
    def given(self) -> bool:
        return bool(self.name or self.upn or self.id is not None)

    @property
    def label(self) -> str:
        return self.name or self.upn or self.id_text or "?"


def user_key(el: Element) -> UserKey:
    id_text = text(el, "id")
    return UserKey(text(el, "name"), text(el, "upn"), to_int(id_text), id_text)


# ---------------------------------------------------------------------------------------------- SET

@dataclass
class CustomerSet:
    code: str | None
    given_code: str | None  # a <code> element: the code cannot change
    fullname: str | None
    contactname: str | None
    contactemail: str | None
    address: str | None
    phone: str | None
    fax: str | None
    billingid: str | None
    primarydomain: str | None
    domains: list[str] | None
    enabled: str | None
    password_policy: dict[str, str] | None  # tag -> raw value, for the tags present
    roles: list[RoleRef] | None
    properties: list[tuple[str, str]] | None
    has_fields: bool  # carries more than <name> and children
    is_target: bool  # has fields, or leads to nothing else: a Failed customer is retried


POLICY_TAGS = ("minimumlength", "bannerdisplaydays", "changeatnextlogon", "allowneverexpires")


def customer_set(el: Element) -> CustomerSet:
    names = tags(el)
    has_fields = any(t not in ("name", "user", "service") for t in names)
    policy_el = child(el, "password")
    policy = None
    if policy_el is not None:
        policy = {tag: value for tag in POLICY_TAGS if (value := text(policy_el, tag)) is not None}
    return CustomerSet(
        code=text(el, "name"), given_code=text(el, "code"), fullname=text(el, "fullname"),
        contactname=text(el, "contactname"), contactemail=text(el, "contactemail"), address=text(el, "address"),
        phone=text(el, "phone"), fax=text(el, "fax"), billingid=text(el, "billingid"),
        primarydomain=text(el, "primarydomain"), domains=domains(child(el, "domains")), enabled=text(el, "enabled"),
        password_policy=policy, roles=roles(child(el, "roles")), properties=properties(child(el, "properties")),
        has_fields=has_fields, is_target=has_fields or not any(t in ("user", "service") for t in names),
    )


@dataclass
class PasswordSet:
    password: str | None  # None: the <password> block holds no password (only flags)
    flags: dict[str, str] = field(default_factory=dict)  # changeatnextlogon / neverexpires -> raw value


def password(el: Element | None) -> PasswordSet | None:
    """``<password><password>…</password><changeatnextlogon/>…</password>``, or ``<password>TEXT</password>``."""
    if el is None:
        return None
    if not len(el):
        return PasswordSet(el.text or "")
    inner = child(el, "password")
    flags = {tag: value for tag in ("changeatnextlogon", "neverexpires") if (value := text(el, tag)) is not None}
    return PasswordSet((inner.text or "") if inner is not None else None, flags)


@dataclass
class UserSet:
    name: str | None
    upn: str | None
    firstname: str | None
    lastname: str | None
    fullname: str | None
    password: PasswordSet | None
    roles: list[RoleRef] | None
    enabled: str | None
    properties: list[tuple[str, str]] | None
    has_fields: bool
    is_target: bool


def user_set(el: Element) -> UserSet:
    has_fields = any(t not in ("name", "service") for t in tags(el))
    return UserSet(
        name=text(el, "name"), upn=text(el, "upn"), firstname=text(el, "firstname"), lastname=text(el, "lastname"),
        fullname=text(el, "fullname"), password=password(child(el, "password")), roles=roles(child(el, "roles")),
        enabled=text(el, "enabled"), properties=properties(child(el, "properties")), has_fields=has_fields,
        is_target=has_fields or child(el, "service") is None,
    )


PUBLIC_FOLDER_TAGS = ("overridetemplate", "create", "storagelimit", "warninglimit", "itemlimit")


@dataclass
class CustomerServiceSet:
    name: str | None
    version: str | None
    package: str | None
    userpackages: list[tuple[str, str]] | None  # (plan, raw enabled flag); None: no <userpackage> sent
    authoritative: list[str] | None = None  # <authoritativedomains><domain>…
    domains: list[tuple[str, str]] | None = None  # <domains><domain type="…">…: (domain, raw type)
    publicfolder: dict[str, str] | None = None  # tag -> raw value, for the tags present


def customer_service_set(el: Element) -> CustomerServiceSet:
    package_el = child(el, "package")
    plans = None
    upkg_els = children(el, "userpackage")
    if upkg_els:
        plans = [(name, text(up, "enabled") or "True") for up in upkg_els if (name := text(up, "name"))]
    typed = child(el, "domains")
    folder = child(el, "publicfolder")
    return CustomerServiceSet(
        name=text(el, "name"), version=text(el, "version"),
        package=text(package_el, "name") if package_el is not None else None, userpackages=plans,
        authoritative=domains(child(el, "authoritativedomains")),
        domains=None if typed is None else [((d.text or "").strip().rstrip("."), (d.get("type") or "").strip())
                                            for d in children(typed, "domain")],
        publicfolder=None if folder is None else {
            tag: value for tag in PUBLIC_FOLDER_TAGS if (value := text(folder, tag)) is not None},
    )


@dataclass
class UserServiceSet:
    name: str | None
    userpackage: str | None


def user_service_set(el: Element) -> UserServiceSet:
    upkg = child(el, "userpackage")
    return UserServiceSet(text(el, "name"), text(upkg, "name") if upkg is not None else None)


# ---------------------------------------------------------------------------------------------- FIND / GET

@dataclass
class CustomerFind:
    filters: list[tuple[str, str]]
    code: str | None  # the casefolded <name> filter, to look it up directly
    domains: list[str]  # an extension: the customer owning these domains


def customer_find(el: Element) -> CustomerFind:
    filters = leaf_filters(el, CUSTOMER_FILTERS)
    owned = [(d.text or "").strip().casefold() for dl in children(el, "domains") for d in children(dl, "domain")]
    return CustomerFind(filters, next((v for f, v in filters if f == "code"), None), [d for d in owned if d])


@dataclass
class UserFind:
    filters: list[tuple[str, str]]
    login: str | None
    services: list[list[tuple[str, str]]]  # one filter list per <service> selector


def user_find(el: Element) -> UserFind:
    filters = leaf_filters(el, USER_FILTERS)
    return UserFind(filters, next((v for f, v in filters if f == "login"), None),
                    [service_filters(s) for s in children(el, "service")])


@dataclass
class PropertiesView:
    detail: bool  # <properties detail="true"/>: with the metadata


def properties_view(el: Element, parse_bool) -> PropertiesView | None:
    props = child(el, "properties")
    if props is None:
        return None
    return PropertiesView(bool(parse_bool(props.get("detail") or "false")))
