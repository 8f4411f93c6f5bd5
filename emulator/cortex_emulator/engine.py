"""The provisioning engine: Requested -> InProgress -> Provisioned | Failed.

Every state-changing SET or DELETE inserts a row in ``requests`` (inside the caller's transaction) through
:meth:`Engine.enqueue`. A request depends on the latest unfinished request of its own object and of each
ancestor object (customer, user, customer HE), so requests on one object run in order and after the
pending requests of their parents; a request whose prerequisite failed fails too. ``--workers`` asyncio tasks on
the server's loop execute ready requests, lowest id first, each spending ``--delay`` seconds.
State lives in SQLite only: after a restart (even SIGKILL) the unfinished requests are loaded and resumed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

log = logging.getLogger("cortex_emulator.engine")

TABLES = {"C": "customers", "U": "users", "S": "services"}
UNFINISHED = ("Requested", "InProgress")
DEFAULT_FAIL_MESSAGE = "Simulated provisioning failure"


@dataclass
class FailRule:
    match: str
    remaining: int
    message: str
    partner_id: int | None = None  # only requests on this partner's objects (None: any partner's)


def split_key(key: str) -> tuple[str, int]:
    kind, _, ident = key.partition(":")
    return TABLES[kind], int(ident)


class Engine:
    def __init__(self, conn, *, delay: float = 1.0, workers: int = 4):
        self.conn = conn
        self.delay = delay
        self.worker_count = workers
        self.latest: dict[str, int] = {}  # object key -> latest unfinished request id on it
        self.kinds: dict[int, str] = {}  # unfinished request id -> kind
        self.keys: dict[int, str] = {}  # unfinished request id -> object key
        self.partners: dict[int, int] = {}  # unfinished request id -> partner id
        self.blockers: dict[int, int] = {}  # request id -> number of unfinished prerequisites
        self.waiters: dict[int, list[int]] = {}  # request id -> requests waiting for it
        self.fresh: list[int] = []  # enqueued in the open transaction, not yet runnable
        self.running: set[int] = set()
        self.fail_rules: list[FailRule] = []
        self.on_delete = None  # callback(object key) once an object is gone (auth cache)
        self.queue: asyncio.PriorityQueue | None = None
        self.tasks: list[asyncio.Task] = []

    # ----- lifecycle -------------------------------------------------------------------------------------

    def load(self) -> None:
        """(Re)build the in-memory scheduling state from the unfinished requests in the store."""
        self.latest.clear()
        self.kinds.clear()
        self.keys.clear()
        self.partners.clear()
        self.blockers.clear()
        self.waiters.clear()
        self.fresh.clear()
        rows = self.conn.execute(
            "SELECT id, kind, object_key, deps, partner_id FROM requests WHERE status IN ('Requested', 'InProgress')"
            " ORDER BY id"
        ).fetchall()
        for row in rows:
            self.kinds[row["id"]] = row["kind"]
            self.keys[row["id"]] = row["object_key"]
            self.partners[row["id"]] = row["partner_id"]
            self.latest[row["object_key"]] = row["id"]
        ready = []
        for row in rows:
            deps = [int(d) for d in row["deps"].split(",") if d and int(d) in self.kinds]
            self.blockers[row["id"]] = len(deps)
            for dep in deps:
                self.waiters.setdefault(dep, []).append(row["id"])
            if not deps:
                ready.append(row["id"])
        return ready

    async def start(self) -> None:
        self.queue = asyncio.PriorityQueue()
        for rid in self.load():
            self.queue.put_nowait(rid)
        self.tasks = [asyncio.create_task(self._worker(), name=f"provisioning-worker-{i}")
                      for i in range(self.worker_count)]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks = []

    @property
    def pending(self) -> int:
        return len(self.kinds)

    def pending_of(self, partner_id: int) -> int:
        """Unfinished requests on one partner's objects."""
        return sum(1 for pid in self.partners.values() if pid == partner_id)

    # ----- used by the API inside its transaction ---------------------------------------------------------

    def latest_request(self, key: str) -> tuple[int, str] | None:
        rid = self.latest.get(key)
        return (rid, self.kinds[rid]) if rid is not None else None

    def enqueue(
        self,
        kind: str,
        key: str,
        ancestors: list[str],
        *,
        object_type: str,
        object_name: str,
        object_description: str,
        description: str,
        partner_id: int,
        customer_id: int,
        forced_failure: str | None = None,
    ) -> int:
        """Record a provisioning request and update its object's status. Call :meth:`activate` after COMMIT."""
        deps = sorted({self.latest[k] for k in [key, *ancestors] if k in self.latest})
        if forced_failure is None:
            forced_failure = self._take_fail_rule(partner_id, object_name, description, object_description)
        cur = self.conn.execute(
            "INSERT INTO requests (kind, description, status, object_type, object_key, object_name,"
            " object_description, partner_id, customer_id, deps, forced_failure, created)"
            " VALUES (?, ?, 'Requested', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, description, object_type, key, object_name, object_description, partner_id, customer_id,
             ",".join(map(str, deps)), forced_failure, time.time()),
        )
        rid = cur.lastrowid
        table, ident = split_key(key)
        row = self.conn.execute(f"SELECT status, ever_provisioned FROM {table} WHERE id=?", (ident,)).fetchone()
        busy = key in self.latest
        if row is not None and (not busy or row["status"] == "Failed"):
            # A change waiting on an object that is (or was) provisioned shows Pending, a first provisioning Requested.
            was_live = row["status"] in ("Provisioned", "Pending") or (
                row["status"] == "Failed" and row["ever_provisioned"])
            status = "Pending" if was_live else "Requested"
            self.conn.execute(f"UPDATE {table} SET status=?, message=NULL WHERE id=?", (status, ident))
        if kind == "delete":
            self.conn.execute(f"UPDATE {table} SET deleting=1 WHERE id=?", (ident,))
        self.latest[key] = rid
        self.kinds[rid] = kind
        self.keys[rid] = key
        self.partners[rid] = partner_id
        self.blockers[rid] = len(deps)
        for dep in deps:
            self.waiters.setdefault(dep, []).append(rid)
        self.fresh.append(rid)
        return rid

    def activate(self) -> None:
        """The transaction that enqueued requests committed: hand the runnable ones to the workers."""
        for rid in self.fresh:
            if self.blockers.get(rid) == 0 and self.queue is not None:
                self.queue.put_nowait(rid)
        self.fresh.clear()

    def rollback(self) -> None:
        """The transaction was rolled back: forget what it enqueued by reloading from the store."""
        queued = set()
        if self.queue is not None:
            while not self.queue.empty():
                queued.add(self.queue.get_nowait())
        ready = self.load()
        if self.queue is not None:
            for rid in sorted((set(ready) | {r for r in queued if r in self.kinds}) - self.running):
                self.queue.put_nowait(rid)

    def add_fail_rule(self, match: str, count: int, message: str, partner_id: int | None = None) -> list[dict]:
        """Fail the next ``count`` requests (of ``partner_id``'s objects, or any) whose texts contain ``match``;
        returns the rules now in force that the caller may see (its own, or all for ``partner_id`` None)."""
        self.fail_rules.append(FailRule(match, count, message, partner_id))
        return [{"match": r.match, "remaining": r.remaining, "message": r.message} for r in self.fail_rules
                if partner_id is None or r.partner_id == partner_id]

    def _take_fail_rule(self, partner_id: int, *texts: str) -> str | None:
        for rule in self.fail_rules:
            if rule.partner_id is not None and rule.partner_id != partner_id:
                continue
            if rule.remaining > 0 and any(rule.match in (t or "").lower() for t in texts):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.fail_rules.remove(rule)
                return rule.message
        return None

    # ----- workers ---------------------------------------------------------------------------------------

    async def _worker(self) -> None:
        while True:
            rid = await self.queue.get()
            if rid not in self.kinds or rid in self.running:  # finished, or queued twice by a reload
                continue
            self.running.add(rid)
            try:
                await self._run(rid)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not kill the worker; the request ends Failed
                log.exception("provisioning request %s crashed", rid)
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                try:
                    self._finish(rid, failed="Internal error in the provisioning engine")
                except Exception:
                    log.exception("provisioning request %s could not be marked Failed", rid)
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
            finally:
                self.running.discard(rid)

    async def _run(self, rid: int) -> None:
        conn = self.conn
        row = conn.execute("SELECT deps, forced_failure FROM requests WHERE id=?", (rid,)).fetchone()
        if row["deps"]:
            bad = conn.execute(
                f"SELECT id, description FROM requests WHERE status='Failed' AND id IN ({row['deps']}) ORDER BY id"
            ).fetchone()
            if bad is not None:
                self._finish(rid, failed=f"Prerequisite request {bad['id']} ({bad['description']}) failed")
                return
        if self.delay > 0:
            table, ident = split_key(self.keys[rid])
            conn.execute("BEGIN")
            conn.execute("UPDATE requests SET status='InProgress' WHERE id=?", (rid,))
            conn.execute(f"UPDATE {table} SET status='InProgress' WHERE id=?", (ident,))
            conn.execute("COMMIT")
            await asyncio.sleep(self.delay)
        self._finish(rid, failed=row["forced_failure"])

    def _finish(self, rid: int, failed: str | None = None) -> None:
        conn = self.conn
        key = self.keys[rid]
        kind = self.kinds[rid]
        table, ident = split_key(key)
        more = self.latest.get(key) != rid  # another request on the same object is queued behind this one
        conn.execute("BEGIN")
        if failed:
            conn.execute("UPDATE requests SET status='Failed', message=?, finished=? WHERE id=?",
                         (failed, time.time(), rid))
            conn.execute(f"UPDATE {table} SET status='Failed', message=?, deleting=0 WHERE id=?", (failed, ident))
        else:
            conn.execute("UPDATE requests SET status='Provisioned', finished=? WHERE id=?", (time.time(), rid))
            if kind == "delete":
                if table == "customers":
                    conn.execute("DELETE FROM domains WHERE customer_id=?", (ident,))
                    conn.execute("DELETE FROM services WHERE customer_id=?", (ident,))
                    conn.execute("DELETE FROM users WHERE customer_id=?", (ident,))
                else:
                    conn.execute("DELETE FROM services WHERE user_id=?", (ident,))
                conn.execute(f"DELETE FROM {table} WHERE id=?", (ident,))
            elif kind == "deprovision":
                conn.execute(
                    "UPDATE services SET status=?, message=NULL, ever_provisioned=0, version='', package='',"
                    " userpackages='[]', userpackage='' WHERE id=?",
                    ("Requested" if more else "NotProvisioned", ident),
                )
            else:
                conn.execute(
                    f"UPDATE {table} SET status=?, message=NULL, ever_provisioned=1 WHERE id=?",
                    ("Pending" if more else "Provisioned", ident),
                )
        conn.execute("COMMIT")
        # Scheduling bookkeeping, after the commit.
        del self.kinds[rid]
        del self.keys[rid]
        self.partners.pop(rid, None)
        self.blockers.pop(rid, None)
        if not more:
            self.latest.pop(key, None)
        for waiter in self.waiters.pop(rid, ()):
            if waiter in self.blockers:
                self.blockers[waiter] -= 1
                if self.blockers[waiter] == 0 and waiter not in self.fresh:
                    self.queue.put_nowait(waiter)
        if kind == "delete" and not failed and self.on_delete is not None:
            self.on_delete(key)
