"""The raw ASGI application: routing by path, Basic auth, body limits, fault injection and the counters.

The CortexAPI itself is :func:`urls.handle`; the status page and ``/_emulator/*`` are :mod:`statuspage` and
:mod:`control`. All of them read and write through the backend (:mod:`models`), never the store directly.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging

from . import control, faults as fault_kinds, rules, statuspage, urls
from .exceptions import BAD_REQUEST, BUSY, INTERNAL_ERROR, BadRequest
from .faults import Faults
from .httpio import (
    CHALLENGE, TEXT_TYPE, UNAUTHORIZED_BODY, XML_TYPE, Disconnected, TooLarge, read_body, respond,
)
from .models import Backend, Principal
from .xmlio import XmlRejected, error_response, parse, response

log = logging.getLogger("cortex_emulator")

API_PATH = "/cortexapi/default.aspx"


class DropConnection(Exception):
    """Raised after the response head was sent, so uvicorn closes the connection before the body."""


class _HideDrops(logging.Filter):
    """uvicorn logs every exception out of the app; the ones we raise on purpose are not errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DropConnection)


logging.getLogger("uvicorn.error").addFilter(_HideDrops())


class Stats:
    """The counters of ``/_emulator/stats`` (the provisioning part comes from the backend)."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.by_action = {action: 0 for action in urls.ACTIONS}
        self.by_status: dict[str, int] = {}
        self.writes = 0
        self.faults = {kind: 0 for kind in fault_kinds.KINDS}

    def status(self, code: int) -> None:
        key = str(code)
        self.by_status[key] = self.by_status.get(key, 0) + 1

    def as_dict(self) -> dict:
        return {"requests": self.requests, "by_action": dict(self.by_action), "by_status": dict(self.by_status),
                "writes": self.writes, "faults": dict(self.faults)}


class EmulatorApp:
    def __init__(self, backend: Backend, partners: list, partner_ids: dict[str, int], faults: Faults, *,
                 empty_write_answers: bool = False):
        self.backend = backend
        self.partner_hashes = {p.login: rules.hash_password(p.password) for p in partners}
        self.partner_ids = partner_ids
        self.faults = faults
        self.empty_write_answers = empty_write_answers  # writes answered without their request ids
        self.stats = Stats()
        self.auth_cache: dict[bytes, tuple[Principal, int | None]] = {}

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
                await respond(send, 405, b"Method Not Allowed\n", b"text/plain", [(b"allow", b"GET")])
            else:
                await respond(send, 200, statuspage.render(self.backend), b"text/html; charset=utf-8")
        elif path.startswith("/_emulator/"):
            await control.handle(self, scope, receive, send, path[len("/_emulator/"):], method)
        else:
            await respond(send, 404, b"Not Found\n", b"text/plain")

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
        if cached is not None and (cached[1] is None or cached[1] == self.backend.auth_epoch):
            principal = cached[0]
            return None if partners_only and not principal.is_partner else principal
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
            epoch = self.backend.auth_epoch
            principal = self.backend.users.api_user(username, password)
        if principal is None:
            return None
        if len(self.auth_cache) > 10000:  # bounded: stale entries of changed users would pile up otherwise
            self.auth_cache.clear()
        self.auth_cache[header] = (principal, epoch)
        return None if partners_only and not principal.is_partner else principal

    # ----- the CortexAPI endpoint ------------------------------------------------------------------------

    async def _api(self, scope, receive, send, method: str) -> None:
        stats = self.stats
        stats.requests += 1
        if method != "POST":
            stats.status(405)
            await respond(send, 405, b"Method Not Allowed: the CortexAPI accepts POST only.\n", TEXT_TYPE,
                          [(b"allow", b"POST")])
            return
        principal = self.authenticate(scope)
        if principal is None:
            stats.status(401)
            await respond(send, 401, UNAUTHORIZED_BODY, TEXT_TYPE, CHALLENGE)
            return
        try:
            root = parse(await read_body(scope, receive))
        except TooLarge:
            stats.status(400)
            await respond(send, 400, error_response([(BAD_REQUEST, "The request body is larger than 16 MiB.")]),
                          XML_TYPE, [(b"connection", b"close")])
            return
        except Disconnected:
            return
        except XmlRejected as exc:
            stats.status(400)
            await respond(send, 400, error_response([(BAD_REQUEST, str(exc))]), XML_TYPE)
            return
        action = urls.action_of(root)
        write = action in urls.WRITE_ACTIONS
        if action in stats.by_action:
            stats.by_action[action] += 1
            stats.writes += write
        fault = self.faults.pick()
        if fault == fault_kinds.INTERNAL_ERROR:
            stats.faults[fault] += 1
            stats.status(500)
            await respond(send, 500, error_response([(INTERNAL_ERROR, "Simulated fault: internal error; "
                                                      "nothing was committed.")]), XML_TYPE)
            return
        if fault == fault_kinds.BUSY:
            stats.faults[fault] += 1
            stats.status(503)
            await respond(send, 503, error_response([(BUSY, "Simulated fault: server busy; nothing was "
                                                      "committed. Retry later.")]), XML_TYPE, [(b"retry-after", b"1")])
            return
        forced = None
        if fault in (fault_kinds.FAIL, fault_kinds.EMPTY_ANSWER):
            if write:
                stats.faults[fault] += 1
                forced = fault_kinds.FAIL_MESSAGE if fault == fault_kinds.FAIL else None
            else:
                fault = None  # reads are answered normally
        try:
            status, nodes = urls.handle(self.backend, principal, root, forced_failure=forced)
            if write and status == 200 and (self.empty_write_answers or fault == fault_kinds.EMPTY_ANSWER):
                # as a real CPSM answered a user create: <response version="1.0" />, the requests queued all the same
                nodes = [node for node in nodes if node[0] != "request"]
            payload = response(nodes)
        except BadRequest as exc:
            status, payload = 400, error_response([(BAD_REQUEST, str(exc))])
        except Exception:
            log.exception("request failed")
            status, payload = 500, error_response([(INTERNAL_ERROR, "The request could not be processed.")])
        stats.status(status)
        if fault == fault_kinds.SLOW:
            stats.faults[fault] += 1
            await asyncio.sleep(self.faults.slow_delay())
        if fault == fault_kinds.DROP:
            # The write is committed; the client sees the head and then a closed connection (outcome unknown).
            stats.faults[fault] += 1
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", XML_TYPE), (b"content-length", str(len(payload)).encode())]})
            raise DropConnection
        await respond(send, status, payload, XML_TYPE)
