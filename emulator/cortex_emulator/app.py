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
from .faults import Faults, Latency
from .httpguard import Limits
from .httpio import (
    CHALLENGE, TEXT_TYPE, UNAUTHORIZED_BODY, XML_TYPE, Budget, Disconnected, OverBudget, TooLarge, read_body, respond,
)
from .models import Backend, Principal
from .xmlio import XmlRejected, error_response, local, parse, response

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
    """The counters of ``/_emulator/stats`` (the provisioning part comes from the backend): of the whole emulator,
    or of one partner (the requests it, or its customers' API users, sent)."""

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


class Tally:
    """The counters one API request moves: the emulator's, and its partner's once it is known."""

    def __init__(self, *stats: Stats):
        self.stats = list(stats)

    def add(self, stats: Stats) -> None:
        self.stats.append(stats)

    def status(self, code: int) -> None:
        for s in self.stats:
            s.status(code)

    def action(self, action: str, write: bool) -> None:
        for s in self.stats:
            if action in s.by_action:
                s.by_action[action] += 1
                s.writes += write

    def fault(self, kind: str) -> None:
        for s in self.stats:
            s.faults[kind] += 1


class EmulatorApp:
    def __init__(self, backend: Backend, partners: list, partner_ids: dict[str, int], faults: Faults, *,
                 empty_write_answers: bool = False, limits: Limits | None = None, control_global: bool = False,
                 public_status: bool = False, latency: Latency | None = None):
        self.backend = backend
        self.partner_hashes = {p.login: rules.hash_password(p.password) for p in partners}
        self.partner_ids = partner_ids
        self.faults = faults
        self.empty_write_answers = empty_write_answers  # writes answered without their request ids
        self.limits = limits or Limits()
        self.budget = Budget(self.limits.max_buffered_bytes)
        self.control_global = control_global  # --control: /_emulator/* act on (and show) every partner
        self.public_status = public_status  # --public-status: the status page shows everything, to anyone
        self.latency = latency or Latency()  # --latency: every API answer held back
        self.stats = Stats()
        self.partner_stats: dict[int, Stats] = {pid: Stats() for pid in partner_ids.values()}
        self.auth_cache: dict[bytes, tuple[Principal, int | None]] = {}

    # ----- ASGI entry point ------------------------------------------------------------------------------

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        method = scope["method"]
        if path.lower() == API_PATH:
            if self.latency.active:
                send = _held_back(send, self.latency.draw())
            await self._api(scope, receive, send, method)
        elif path == "/":
            await statuspage.handle(self, scope, send, method)
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
            raw = base64.b64decode(token.strip(), validate=True)
        except binascii.Error:
            return None
        principal, epoch = None, None
        for username, password in _credentials(raw):
            stored = self.partner_hashes.get(username)
            if stored is not None:
                if rules.check_password(password, stored):
                    principal = Principal("partner", username, self.partner_ids[username])
            elif not partners_only:
                epoch = self.backend.auth_epoch
                principal = self.backend.users.api_user(username, password)
            if principal is not None:
                break
        if principal is None:
            return None
        if len(self.auth_cache) > 10000:  # bounded: stale entries of changed users would pile up otherwise
            self.auth_cache.clear()
        self.auth_cache[header] = (principal, epoch)
        return None if partners_only and not principal.is_partner else principal

    # ----- the CortexAPI endpoint ------------------------------------------------------------------------

    async def _api(self, scope, receive, send, method: str) -> None:
        self.stats.requests += 1
        tally = Tally(self.stats)
        if method != "POST":
            tally.status(405)
            await respond(send, 405, b"Method Not Allowed: the CortexAPI accepts POST only.\n", TEXT_TYPE,
                          [(b"allow", b"POST")])
            return
        principal = self.authenticate(scope)
        if principal is None:
            tally.status(401)
            await respond(send, 401, UNAUTHORIZED_BODY, TEXT_TYPE, CHALLENGE)
            return
        mine = self.partner_stats.setdefault(principal.partner_id, Stats())
        mine.requests += 1
        tally.add(mine)
        limits = self.limits
        try:
            body = await read_body(scope, receive, limits.max_body_bytes, self.budget)
            xml_limits = (limits.max_xml_depth, limits.max_xml_elements, limits.max_xml_attributes,
                          limits.max_xml_attributes_per_element)
            if len(body) >= limits.thread_parse_bytes:  # a big body is parsed off the loop: others go on
                root = await asyncio.to_thread(parse, body, *xml_limits)
            else:
                root = parse(body, *xml_limits)
        except TooLarge:
            tally.status(400)
            await respond(send, 400, error_response([(BAD_REQUEST, f"The request body is larger than "
                                                      f"{limits.max_body_bytes} bytes.")]),
                          XML_TYPE, [(b"connection", b"close")])
            return
        except OverBudget:
            tally.status(503)
            await respond(send, 503, error_response([(BUSY, "The server is reading too many request bodies; "
                                                      "nothing was committed. Retry later.")]),
                          XML_TYPE, [(b"retry-after", b"1"), (b"connection", b"close")])
            return
        except Disconnected:
            return
        except XmlRejected as exc:
            tally.status(400)
            await respond(send, 400, error_response([(BAD_REQUEST, str(exc))]), XML_TYPE)
            return
        action = urls.action_of(root)
        write = action in urls.WRITE_ACTIONS
        tally.action(action, write)
        fault = self.faults.pick()
        if fault == fault_kinds.INTERNAL_ERROR:
            tally.fault(fault)
            tally.status(500)
            await respond(send, 500, error_response([(INTERNAL_ERROR, "Simulated fault: internal error; "
                                                      "nothing was committed.")]), XML_TYPE)
            return
        if fault == fault_kinds.BUSY:
            tally.fault(fault)
            tally.status(503)
            await respond(send, 503, error_response([(BUSY, "Simulated fault: server busy; nothing was "
                                                      "committed. Retry later.")]), XML_TYPE, [(b"retry-after", b"1")])
            return
        forced = None
        if fault in (fault_kinds.FAIL, fault_kinds.EMPTY_ANSWER):
            if write:
                tally.fault(fault)
                forced = fault_kinds.FAIL_MESSAGE if fault == fault_kinds.FAIL else None
            else:
                fault = None  # reads are answered normally
        prepared = await self._prepare_passwords(root) if write else None
        try:
            if prepared:  # no await from here to the end of handle(): no other request sees them
                self.backend.prepared_hashes.update(prepared)
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
        finally:
            self.backend.prepared_hashes.clear()
        tally.status(status)
        if fault == fault_kinds.SLOW:
            tally.fault(fault)
            await asyncio.sleep(self.faults.slow_delay())
        if fault == fault_kinds.DROP:
            # The write is committed; the client sees the head and then a closed connection (outcome unknown).
            tally.fault(fault)
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", XML_TYPE), (b"content-length", str(len(payload)).encode())]})
            raise DropConnection
        await respond(send, status, payload, XML_TYPE)

    async def _prepare_passwords(self, root) -> dict[str, list[str]] | None:
        """Hash, in a thread, the passwords of a write that holds many (a bulk create): PBKDF2 would otherwise keep
        the event loop, and every other request, waiting. The backend takes them from ``prepared_hashes``."""
        passwords = [(el.text or "").strip() for el in root.iter() if local(el.tag) == "password" and not len(el)]
        passwords = [p for p in passwords if p]
        if len(passwords) < PREHASH_FROM:
            return None
        hashes = await asyncio.to_thread(lambda: [(p, rules.hash_password(p)) for p in passwords])
        prepared: dict[str, list[str]] = {}
        for password, hashed in hashes:
            prepared.setdefault(password, []).append(hashed)
        return prepared


PREHASH_FROM = 16  # passwords in one write


def _held_back(send, seconds: float):
    """``send`` that waits ``seconds`` before the response starts (asyncio: the other requests go on meanwhile).
    Whatever the answer (401, 400, a fault, a dropped connection), it comes that much later; a slow fault's delay
    adds to it."""
    async def held(message) -> None:
        if message["type"] == "http.response.start" and seconds > 0:
            await asyncio.sleep(seconds)
        await send(message)
    return held


def _credentials(raw: bytes) -> list[tuple[str, str]]:
    """(user, password) of a Basic token: decoded as UTF-8, then as Latin-1 (what some clients send, e.g.
    ``requests`` for a non-ASCII password) when that reads differently."""
    found = []
    for encoding in ("utf-8", "latin-1"):
        try:
            decoded = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        username, colon, password = decoded.partition(":")
        if colon and (username, password) not in found:
            found.append((username, password))
    return found
