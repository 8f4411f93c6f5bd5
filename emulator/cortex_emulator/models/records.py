"""The plain records the backends hand out: no SQL row, no XML element leaves the backend or the parser.

A record is a snapshot; after a write, ask the backend again for the new state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

# Statuses (docs/protocol.md §7).
NOT_PROVISIONED = "NotProvisioned"
REQUESTED = "Requested"
IN_PROGRESS = "InProgress"
PROVISIONED = "Provisioned"
FAILED = "Failed"
PENDING = "Pending"
LIVE = (PROVISIONED, PENDING)

DEFAULT_LOCATION = "Location CFY"  # the deployment location of customers and their services (--location)
UNASSIGNED = "Unassigned"  # every user's location and department, every customer's locations and departments
# The services every customer lists, in the order Cortex lists them: Proxy (shown, provisioned with the customer),
# HE (managed), ServiceAdmins (listed only). Stored rows are HE and ServiceAdmins; Proxy is derived.
CUSTOMER_SERVICES = {"Proxy": "Customer Portal Settings", "HE": "Hosted Exchange",
                     "ServiceAdmins": "Service Administration"}
STORED_CUSTOMER_SERVICES = ("HE", "ServiceAdmins")
USER_SERVICES = {"HE": "Hosted Exchange"}
# Kinds of customers: the service provider (the resellers' parent, never in a partner's scope), a partner's reseller
# customer (read-only through the API), and the partners' customers.
PROVIDER, RESELLER, CUSTOMER = "provider", "reseller", "customer"


@dataclass(frozen=True)
class Principal:
    """Who sends a request: a partner (reseller) account or a customer's API user."""

    kind: str  # "partner" or "customer"
    name: str
    partner_id: int
    customer_id: int | None = None
    user_id: int | None = None

    @property
    def is_partner(self) -> bool:
        return self.kind == "partner"


_FIELDS: dict[type, tuple[str, ...]] = {}


def _from_row(cls, row, decoded: dict):
    """A record from a row of its table; the ``decoded`` columns hold JSON (a list or a dict)."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))
    values = {name: row[name] for name in names}
    for name, kind in decoded.items():
        values[name] = json.loads(values[name]) if values[name] else kind()
    return cls(**values)


class _Provisionable:
    """Status rules shared by customers, users and services."""

    status: str
    ever_provisioned: int

    @property
    def is_live(self) -> bool:
        """Provisioned, possibly with changes queued or running."""
        return self.status in LIVE or (self.status == IN_PROGRESS and self.ever_provisioned == 1)


@dataclass
class Customer(_Provisionable):
    id: int
    partner_id: int
    code: str
    fullname: str
    contactname: str
    contactemail: str
    address: str
    phone: str
    fax: str
    billingid: str
    primarydomain: str
    minpwlen: int
    bannerdays: int
    pw_changeatnextlogon: int
    allowneverexpires: int
    roles: list
    properties: dict
    enabled: int
    status: str
    message: str | None
    ever_provisioned: int
    deleting: int
    kind: str
    parent_id: int

    @classmethod
    def from_row(cls, row) -> Customer:
        return _from_row(cls, row, {"roles": list, "properties": dict})

    @property
    def key(self) -> str:
        return f"C:{self.id}"

    @property
    def is_reseller(self) -> bool:
        return self.kind == RESELLER


@dataclass
class User(_Provisionable):
    id: int
    customer_id: int
    login: str
    upn: str
    firstname: str
    lastname: str
    fullname: str
    pw_hash: str
    pw_changeatnextlogon: int
    pw_neverexpires: int
    pw_set: str
    roles: list
    properties: dict
    enabled: int
    status: str
    message: str | None
    ever_provisioned: int
    deleting: int

    @classmethod
    def from_row(cls, row) -> User:
        return _from_row(cls, row, {"roles": list, "properties": dict})

    @property
    def key(self) -> str:
        return f"U:{self.id}"


@dataclass
class Service(_Provisionable):
    id: int
    customer_id: int
    user_id: int  # 0 for a customer service
    code: str
    status: str
    message: str | None
    ever_provisioned: int
    version: str
    package: str
    userpackages: list  # enabled user plans of a customer HE
    userpackage: str  # the plan of a mailbox
    deleting: int
    authdomains: list  # accepted domains of a customer HE, [domain, type] pairs; empty: never set
    publicfolder: dict  # public-folder settings of a customer HE sent so far

    @classmethod
    def from_row(cls, row) -> Service:
        return _from_row(cls, row, {"userpackages": list, "authdomains": list, "publicfolder": dict})

    @classmethod
    def derived(cls, customer_id: int, code: str, status: str) -> Service:
        """A service that has no row of its own (Proxy): listed, never managed."""
        return cls(id=0, customer_id=customer_id, user_id=0, code=code, status=status, message=None,
                   ever_provisioned=int(status != NOT_PROVISIONED), version="", package="", userpackages=[],
                   userpackage="", deleting=0, authdomains=[], publicfolder={})

    @property
    def key(self) -> str:
        return f"S:{self.id}"

    @property
    def fullname(self) -> str:
        names = USER_SERVICES if self.user_id else CUSTOMER_SERVICES
        return names.get(self.code, self.code)


@dataclass
class Request:
    """A provisioning request, with the current status of its object (``NotProvisioned`` once it is gone)."""

    id: int
    kind: str
    description: str
    status: str
    message: str | None
    object_type: str
    object_name: str
    object_description: str
    object_status: str
