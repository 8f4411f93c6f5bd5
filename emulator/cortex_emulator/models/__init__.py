"""The emulator's backend: one store (SQLite), one catalogue, one provisioning engine, a backend per entity.

Each entity backend holds the rules of docs/protocol.md for its objects and the SQL that keeps them; everything
above (the API handlers, the status page, the control endpoints) sees plain records only (:mod:`.records`).
All of it is synchronous and runs on the event loop's thread: a request is checked and written without an
``await`` in between, so two concurrent identical creates cannot both pass the checks.
"""

from __future__ import annotations

from contextlib import contextmanager

from ..catalog import Catalog
from ..engine import Engine
from .customers import CustomersBackend
from .records import Customer, Principal, Request, Service, User
from .requests import RequestsBackend
from .services import ServicesBackend
from .users import UsersBackend

__all__ = ["Backend", "Customer", "Principal", "Request", "Service", "User"]


class Backend:
    def __init__(self, conn, catalog: Catalog, engine: Engine):
        self.conn = conn
        self.catalog = catalog
        self.engine = engine
        self.partner_names: dict[int, str] = {}
        # bumped whenever a change may affect a customer API user's credentials (the app's auth cache reads it)
        self.auth_epoch = 0
        self.requests = RequestsBackend(self)
        self.customers = CustomersBackend(self)
        self.users = UsersBackend(self)
        self.services = ServicesBackend(self)
        engine.on_delete = lambda key: self.credentials_changed()

    def credentials_changed(self) -> None:
        self.auth_epoch += 1

    def register_partner(self, name: str) -> int:
        row = self.conn.execute("SELECT id FROM partners WHERE name=?", (name,)).fetchone()
        if row is None:
            with self.write():
                pid = self.conn.execute("INSERT INTO partners (name) VALUES (?)", (name,)).lastrowid
        else:
            pid = row["id"]
        self.partner_names[pid] = name
        return pid

    def partner_name(self, partner_id: int) -> str:
        return self.partner_names.get(partner_id, "")

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
