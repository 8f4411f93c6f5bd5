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

LOCATION = "Default"  # every customer's location
USER_LOCATION = "Unassigned"  # every user's location and department
# The services every customer has (HE is managed, ServiceAdmins listed only) and every user has.
CUSTOMER_SERVICES = {"HE": "Hosted Exchange", "ServiceAdmins": "Service Administration"}
USER_SERVICES = {"HE": "Hosted Exchange"}
# What the "@name" FIND filters compare with.
CONSTANTS = {"customer": {"approvalpending": "False", "location": LOCATION, "department": USER_LOCATION},
             "user": {"approvalpending": "False", "location": USER_LOCATION, "department": USER_LOCATION}}


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

    @classmethod
    def from_row(cls, row) -> Customer:
        return _from_row(cls, row, {"roles": list, "properties": dict})

    @property
    def key(self) -> str:
        return f"C:{self.id}"


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

    @classmethod
    def from_row(cls, row) -> Service:
        return _from_row(cls, row, {"userpackages": list})

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
