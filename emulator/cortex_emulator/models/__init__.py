"""The emulator's backend: one store (SQLite), one catalogue, one provisioning engine, a backend per entity.

Each entity backend holds the rules of docs/protocol.md for its objects and the SQL that keeps them; everything
above (the API handlers, the status page, the control endpoints) sees plain records only (:mod:`.records`).
All of it is synchronous and runs on the event loop's thread: a request is checked and written without an
``await`` in between, so two concurrent identical creates cannot both pass the checks.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

from .. import rules
from ..catalog import Catalog
from ..engine import Engine
from ..partners import Company, Partner
from .customers import CustomersBackend
from .records import (
    DEFAULT_LOCATION, PROVIDER, PROVISIONED, RESELLER, STORED_CUSTOMER_SERVICES, UNASSIGNED, Customer, Principal,
    Request, Service, User,
)
from .requests import RequestsBackend
from .services import ServicesBackend
from .users import UsersBackend

__all__ = ["Backend", "Customer", "Principal", "Request", "Service", "SetupError", "User"]


class SetupError(ValueError):
    """The provider or a reseller cannot be made as configured (e.g. its code is another customer's)."""


class Backend:
    def __init__(self, conn, catalog: Catalog, engine: Engine, *, location: str = DEFAULT_LOCATION):
        self.conn = conn
        self.catalog = catalog
        self.engine = engine
        self.location = location  # the deployment location customers and their services show
        # what the FIND filters on constant elements compare with
        self.constants = {"customer": {"approvalpending": "False", "location": location},
                          "user": {"approvalpending": "False", "location": UNASSIGNED, "department": UNASSIGNED}}
        self.partner_names: dict[int, str] = {}
        self.resellers: dict[int, int] = {}  # partner id -> id of its reseller customer
        self.provider_id = 0
        self.prepared_hashes: dict[str, list[str]] = {}  # password -> hashes made off the loop for this request
        # bumped whenever a change may affect a customer API user's credentials (the app's auth cache reads it)
        self.auth_epoch = 0
        self.requests = RequestsBackend(self)
        self.customers = CustomersBackend(self)
        self.users = UsersBackend(self)
        self.services = ServicesBackend(self)
        engine.on_delete = lambda key: self.credentials_changed()

    def hash_password(self, password: str) -> str:
        """A stored form of ``password``: one prepared for the request being handled, else made now."""
        prepared = self.prepared_hashes.get(password)
        return prepared.pop() if prepared else rules.hash_password(password)

    def credentials_changed(self) -> None:
        self.auth_epoch += 1

    # ----- the service provider and the partners' reseller customers (made at start) -------------------------

    def setup(self, provider: Company, partners: list[Partner]) -> dict[str, int]:
        """Make (or update) the provider and each partner's reseller customer; the partner ids by login."""
        with self.write():
            self.provider_id = self._company(PROVIDER, 0, 0, provider)
            ids = {}
            for partner in partners:
                row = self.conn.execute("SELECT id FROM partners WHERE name=?", (partner.login,)).fetchone()
                pid = row["id"] if row is not None else self.conn.execute(
                    "INSERT INTO partners (name) VALUES (?)", (partner.login,)).lastrowid
                rid = self._company(RESELLER, pid, self.provider_id, partner.reseller)
                self.conn.execute("UPDATE partners SET customer_id=? WHERE id=?", (rid, pid))
                # customers of a database made before resellers existed hang under the reseller from now on
                self.conn.execute("UPDATE customers SET parent_id=? WHERE partner_id=? AND kind='customer'"
                                  " AND parent_id=0", (rid, pid))
                self.partner_names[pid] = partner.login
                self.resellers[pid] = rid
                ids[partner.login] = pid
        return ids

    def _company(self, kind: str, partner_id: int, parent_id: int, company: Company) -> int:
        """The id of the provider or reseller row, made or brought in line with ``company``."""
        conn = self.conn
        row = conn.execute("SELECT * FROM customers WHERE kind=? AND partner_id=?", (kind, partner_id)).fetchone()
        clash = conn.execute("SELECT kind FROM customers WHERE code=? AND (kind!=? OR partner_id!=?)",
                             (company.code, kind, partner_id)).fetchone()
        what = "the service provider" if kind == PROVIDER else f"the reseller {company.fullname}"
        if clash is not None:
            raise SetupError(f"cannot make {what}: code {company.code} is already used by another customer")
        owner = conn.execute("SELECT customer_id FROM domains WHERE name=?", (company.domain,)).fetchone()
        if owner is not None and (row is None or owner[0] != row["id"]):
            raise SetupError(f"cannot make {what}: domain {company.domain} is already used by another customer")
        if row is None:
            cid = conn.execute(
                "INSERT INTO customers (partner_id, code, fullname, fullname_key, contactname, contactemail,"
                " primarydomain, roles, status, ever_provisioned, kind, parent_id)"
                " VALUES (?,?,?,?,?,?,?,?,?,1,?,?)",
                (partner_id, company.code, company.fullname, company.fullname.casefold(), company.fullname,
                 f"contact@{company.domain}", company.domain, json.dumps(self._roles(kind)), PROVISIONED, kind,
                 parent_id),
            ).lastrowid
            conn.executemany("INSERT INTO services (customer_id, user_id, code, status, ever_provisioned)"
                             " VALUES (?, 0, ?, ?, ?)",
                             [(cid, code, PROVISIONED if code == "HE" else "NotProvisioned", int(code == "HE"))
                              for code in STORED_CUSTOMER_SERVICES])
        else:
            cid = row["id"]
            conn.execute("UPDATE customers SET code=?, fullname=?, fullname_key=?, primarydomain=?, roles=?,"
                         " parent_id=? WHERE id=?",
                         (company.code, company.fullname, company.fullname.casefold(), company.domain,
                          json.dumps(self._roles(kind)), parent_id, cid))
            conn.execute("DELETE FROM domains WHERE customer_id=?", (cid,))
        conn.execute("INSERT INTO domains (name, customer_id, position) VALUES (?, ?, 0)", (company.domain, cid))
        return cid

    def _roles(self, kind: str) -> list[str]:
        roles = self.catalog.reseller_roles if kind == RESELLER else [n for n, _ in self.catalog.roles.values()]
        return self.catalog.role_order(roles)

    def partner_name(self, partner_id: int) -> str:
        return self.partner_names.get(partner_id, "")

    def reseller(self, partner_id: int) -> Customer | None:
        rid = self.resellers.get(partner_id)
        return self.customers.get(rid) if rid else None

    @contextmanager
    def write(self):
        """One transaction: committed at the end of the block, rolled back (with the requests it queued) on error.
        The requests queued in it go to the workers once it is committed."""
        conn = self.conn
        conn.execute("BEGIN")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self.engine.rollback()
            raise
        self.engine.activate()
