"""Provisioning requests: queueing them (through the engine), polling them, counting them."""

from __future__ import annotations

from ..engine import split_key
from .records import Principal, Request


class RequestsBackend:
    def __init__(self, backend):
        self.backend = backend
        self.conn = backend.conn
        self.engine = backend.engine

    def queue(self, kind: str, obj, ancestors: list[str], *, object_type: str, object_name: str,
              object_description: str, description: str, customer, forced: str | None) -> int:
        """Record a provisioning request on ``obj`` (a customer, user or service record) after ``ancestors``
        (object keys); its status and the object's follow the engine. Returns the request id."""
        return self.engine.enqueue(
            kind, obj.key, ancestors, object_type=object_type, object_name=object_name,
            object_description=object_description, description=description, partner_id=customer.partner_id,
            customer_id=customer.id, forced_failure=forced,
        )

    def change(self, obj, ancestors: list[str], *, object_type: str, object_name: str, object_description: str,
               what: str, customer, forced: str | None) -> int:
        """A provision of an object never provisioned, else a modify: "Provision customer X" / "Modify customer X"."""
        kind = "modify" if obj.ever_provisioned else "provision"
        return self.queue(kind, obj, ancestors, object_type=object_type, object_name=object_name,
                          object_description=object_description, description=f"{kind.capitalize()} {what}",
                          customer=customer, forced=forced)

    def pending_same(self, obj, kind: str) -> int | None:
        """The id of the unfinished request on ``obj`` when it is of ``kind`` (a repeated delete answers it)."""
        latest = self.engine.latest_request(obj.key)
        return latest[0] if latest is not None and latest[1] == kind else None

    def get(self, principal: Principal, rid: int | None) -> Request | None:
        """A request the caller may see, with its object's current status; None otherwise."""
        if rid is None:
            return None
        row = self.conn.execute("SELECT * FROM requests WHERE id=?", (rid,)).fetchone()
        if row is None:
            return None
        if principal.kind == "customer" and row["customer_id"] != principal.customer_id:
            return None
        if row["partner_id"] != principal.partner_id:
            return None
        table, ident = split_key(row["object_key"])
        obj = self.conn.execute(f"SELECT status FROM {table} WHERE id=?", (ident,)).fetchone()
        return Request(
            id=row["id"], kind=row["kind"], description=row["description"], status=row["status"],
            message=row["message"], object_type=row["object_type"], object_name=row["object_name"],
            object_description=row["object_description"],
            object_status=obj["status"] if obj is not None else "NotProvisioned",
        )

    def count_by_status(self, partner_id: int | None = None) -> dict[str, int]:
        """Provisioning requests per status: of one partner's objects, or of all (``partner_id`` None)."""
        counts = {"Requested": 0, "InProgress": 0, "Provisioned": 0, "Failed": 0}
        if partner_id is None:
            rows = self.conn.execute("SELECT status, COUNT(*) FROM requests GROUP BY status")
        else:
            rows = self.conn.execute("SELECT status, COUNT(*) FROM requests WHERE partner_id=? GROUP BY status",
                                     (partner_id,))
        for row in rows:
            counts[row[0]] = row[1]
        return counts

    @property
    def pending(self) -> int:
        """Requests not yet Provisioned or Failed."""
        return self.engine.pending

    def pending_of(self, partner_id: int | None) -> int:
        """Requests not yet Provisioned or Failed, of one partner's objects (all for None)."""
        return self.engine.pending if partner_id is None else self.engine.pending_of(partner_id)

    def fail_next(self, match: str, count: int, message: str, partner_id: int | None = None) -> list[dict]:
        """The next ``count`` requests (of ``partner_id``'s objects, or any) whose names or descriptions contain
        ``match`` will fail with ``message``."""
        return self.engine.add_fail_rule(match, count, message, partner_id)
