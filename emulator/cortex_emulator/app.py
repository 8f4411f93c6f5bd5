"""The raw ASGI application: routing, Basic auth, body limits, fault injection and the control endpoints."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import random
from dataclasses import dataclass

from . import rules, statuspage
from .api import BadRequest, Cortex, Principal
from .engine import DEFAULT_FAIL_MESSAGE, FailRule
from .xmlio import XmlRejected, error_response, parse

log = logging.getLogger("cortex_emulator")

API_PATH = "/cortexapi/default.aspx"
MAX_BODY = 16 * 1024 * 1024
FAULT_KINDS = ("500", "503", "drop", "slow", "fail")
WRITE_ACTIONS = ("SET", "DELETE")
XML_TYPE = b"text/xml; charset=utf-8"
JSON_TYPE = b"application/json"
UNAUTHORIZED_BODY = b"401 - Unauthorized: Access is denied due to invalid credentials.\r\n"


class DropConnection(Exception):
    """Raised after the response head was sent, so uvicorn closes the connection before the body."""


class _HideDrops(logging.Filter):
    """uvicorn logs every exception out of the app; the ones we raise on purpose are not errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DropConnection)


logging.getLogger("uvicorn.error").addFilter(_HideDrops())


class TooLarge(Exception):
    pass


class Disconnected(Exception):
    pass


@dataclass
class Faults:
    rate: float
    kinds: tuple[str, ...]
    rng: random.Random

    def pick(self) -> str | None:
        if self.rate <= 0 or not self.kinds:
            return None
        if self.rng.random() >= self.rate:
            return None
        return self.rng.choice(self.kinds)


class Stats:
    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.by_action = {"FIND": 0, "GET": 0, "SET": 0, "DELETE": 0}
        self.by_status: dict[str, int] = {}
        self.writes = 0
        self.faults = {kind: 0 for kind in FAULT_KINDS}

    def status(self, code: int) -> None:
        key = str(code)
        self.by_status[key] = self.by_status.get(key, 0) + 1


class EmulatorApp:
    def __init__(self, cortex: Cortex, partners: dict[str, str], faults: Faults):
        self.cortex = cortex
        self.engine = cortex.engine
        self.partner_hashes = {name: rules.hash_password(password) for name, password in partners.items()}
        self.partner_ids = {name: cortex.register_partner(name) for name in partners}
        self.faults = faults
        self.stats = Stats()
        self.auth_cache: dict[bytes, tuple[Principal, int | None]] = {}
        self.engine.on_delete = lambda key: self._invalidate_auth()

    def _invalidate_auth(self) -> None:
        self.cortex.auth_epoch += 1

    # ----- ASGI entry point ------------------------------------------------------------------------------

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        method = scope["method"]
        if path.lower() == API_PATH:
            await self._api(scope, receive, send, method)
        elif path == "/":
            if method not in ("GET", "HEAD"):
                await self._respond(send, 405, b"Method Not Allowed\n", b"text/plain", [(b"allow", b"GET")])
            else:
                body = statuspage.render(self.cortex.conn, self.cortex.partner_names, self.engine.pending)
                await self._respond(send, 200, body, b"text/html; charset=utf-8")
        elif path.startswith("/_emulator/"):
            await self._control(scope, receive, send, path[len("/_emulator/"):], method)
        else:
            await self._respond(send, 404, b"Not Found\n", b"text/plain")

    @staticmethod
    async def _respond(send, status: int, body: bytes, content_type: bytes, headers=()) -> None:
        await send({
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *headers],
        })
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def _read_body(scope, receive) -> bytes:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    if int(value) > MAX_BODY:
                        raise TooLarge
                except ValueError:
                    pass
        chunks = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                raise TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    # ----- authentication --------------------------------------------------------------------------------

    def authenticate(self, scope, partners_only: bool = False) -> Principal | None:
        header = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value
                break
        if not header:
            return None
        cached = self.auth_cache.get(header)
        if cached is not None and (cached[1] is None or cached[1] == self.cortex.auth_epoch):
            principal = cached[0]
            return None if partners_only and principal.kind != "partner" else principal
        scheme, _, token = header.partition(b" ")
        if scheme.lower() != b"basic":
            return None
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, colon, password = decoded.partition(":")
        if not colon:
            return None
        principal, epoch = None, None
        stored = self.partner_hashes.get(username)
        if stored is not None:
            if rules.check_password(password, stored):
                principal = Principal("partner", username, self.partner_ids[username])
        elif not partners_only:
            epoch = self.cortex.auth_epoch
            principal = self._customer_user(username, password)
        if principal is None:
            return None
        if len(self.auth_cache) > 10000:  # bounded: stale entries of changed users would pile up otherwise
            self.auth_cache.clear()
        self.auth_cache[header] = (principal, epoch)
        return None if partners_only and principal.kind != "partner" else principal

    def _customer_user(self, username: str, password: str) -> Principal | None:
        """A customer user holding the API role, by stored login or UPN (docs/protocol.md §8)."""
        conn = self.cortex.conn
        u = conn.execute(
            "SELECT u.*, c.partner_id FROM users u JOIN customers c ON c.id = u.customer_id"
            " WHERE (u.login=? OR u.upn=?) AND u.enabled=1 AND u.deleting=0 AND u.ever_provisioned=1"
            " AND c.deleting=0 LIMIT 1",
            (username, username),
        ).fetchone()
        if u is None or self.cortex.catalog.api_role not in json.loads(u["roles"]):
            return None
        if not rules.check_password(password, u["pw_hash"]):
            return None
        return Principal("customer", u["login"], u["partner_id"], u["customer_id"], u["id"])

    # ----- the CortexAPI endpoint ------------------------------------------------------------------------

    async def _api(self, scope, receive, send, method: str) -> None:
        stats = self.stats
        stats.requests += 1
        if method != "POST":
            stats.status(405)
            await self._respond(send, 405, b"Method Not Allowed: the CortexAPI accepts POST only.\n",
                                b"text/plain; charset=utf-8", [(b"allow", b"POST")])
            return
        principal = self.authenticate(scope)
        if principal is None:
            stats.status(401)
            await self._respond(send, 401, UNAUTHORIZED_BODY, b"text/plain; charset=utf-8",
                                [(b"www-authenticate", b'Basic realm="CortexAPI"')])
            return
        try:
            body = await self._read_body(scope, receive)
            root = parse(body)
        except TooLarge:
            stats.status(400)
            await self._respond(send, 400, error_response([("BadRequest", "The request body is larger than 16 MiB.")]),
                                XML_TYPE, [(b"connection", b"close")])
            return
        except Disconnected:
            return
        except XmlRejected as exc:
            stats.status(400)
            await self._respond(send, 400, error_response([("BadRequest", str(exc))]), XML_TYPE)
            return
        action = (root.get("action") or "").strip().upper()
        if action in stats.by_action:
            stats.by_action[action] += 1
            if action in WRITE_ACTIONS:
                stats.writes += 1
        fault = self.faults.pick()
        if fault == "500":
            stats.faults["500"] += 1
            stats.status(500)
            await self._respond(send, 500, error_response([("InternalError", "Simulated fault: internal error; "
                                                            "nothing was committed.")]), XML_TYPE)
            return
        if fault == "503":
            stats.faults["503"] += 1
            stats.status(503)
            await self._respond(send, 503, error_response([("Busy", "Simulated fault: server busy; nothing was "
                                                            "committed. Retry later.")]), XML_TYPE,
                                [(b"retry-after", b"1")])
            return
        forced = None
        if fault == "fail":
            if action in WRITE_ACTIONS:
                stats.faults["fail"] += 1
                forced = "Simulated fault (fail): provisioning failed by fault injection"
            fault = None
        try:
            status, payload = self.cortex.handle(principal, root, forced_failure=forced)
        except BadRequest as exc:
            status, payload = 400, error_response([("BadRequest", str(exc))])
        except Exception:
            log.exception("request failed")
            status, payload = 500, error_response([("InternalError", "The request could not be processed.")])
        stats.status(status)
        if fault == "slow":
            stats.faults["slow"] += 1
            await asyncio.sleep(self.faults.rng.uniform(0.5, 2.0))
        if fault == "drop":
            # The write is committed; the client sees the head and then a closed connection (outcome unknown).
            stats.faults["drop"] += 1
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", XML_TYPE), (b"content-length", str(len(payload)).encode())]})
            raise DropConnection
        await self._respond(send, status, payload, XML_TYPE)

    # ----- control endpoints -----------------------------------------------------------------------------

    async def _control(self, scope, receive, send, name: str, method: str) -> None:
        routes = {"stats": "GET", "idle": "GET", "reset-stats": "POST", "fail-next": "POST"}
        if name not in routes:
            await self._respond(send, 404, b"Not Found\n", b"text/plain")
            return
        if method != routes[name]:
            await self._respond(send, 405, b"Method Not Allowed\n", b"text/plain", [(b"allow", routes[name].encode())])
            return
        if name == "stats":
            await self._json(send, 200, self._stats())
            return
        if name == "idle":
            await self._json(send, 200, {"pending": self.engine.pending})
            return
        if self.authenticate(scope, partners_only=True) is None:
            await self._respond(send, 401, UNAUTHORIZED_BODY, b"text/plain; charset=utf-8",
                                [(b"www-authenticate", b'Basic realm="CortexAPI"')])
            return
        try:
            body = await self._read_body(scope, receive)
        except (TooLarge, Disconnected):
            await self._json(send, 400, {"error": "body too large"})
            return
        if name == "reset-stats":
            self.stats.reset()
            await self._json(send, 200, {"ok": True})
            return
        try:
            spec = json.loads(body or b"{}")
            match = str(spec["match"]).strip().lower()
            count = int(spec.get("count", 1))
            message = str(spec.get("message") or DEFAULT_FAIL_MESSAGE)
            if not match or count < 1:
                raise ValueError
        except (ValueError, KeyError, TypeError, AttributeError):
            await self._json(send, 400, {"error": 'expected {"match": "text", "count": 1, "message": "optional"}'})
            return
        self.engine.fail_rules.append(FailRule(match, count, message))
        await self._json(send, 200, {"ok": True, "rules": [r.__dict__ for r in self.engine.fail_rules]})

    async def _json(self, send, status: int, data) -> None:
        await self._respond(send, status, json.dumps(data).encode(), JSON_TYPE)

    def _stats(self) -> dict:
        provisioning = {"Requested": 0, "InProgress": 0, "Provisioned": 0, "Failed": 0}
        for row in self.cortex.conn.execute("SELECT status, COUNT(*) FROM requests GROUP BY status"):
            provisioning[row[0]] = row[1]
        s = self.stats
        return {
            "requests": s.requests,
            "by_action": dict(s.by_action),
            "by_status": dict(s.by_status),
            "writes": s.writes,
            "faults": dict(s.faults),
            "provisioning": provisioning,
        }
