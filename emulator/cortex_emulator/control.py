"""The control endpoints ``/_emulator/*`` (docs/emulator.md): counters, idleness, and deterministic failures.

Each acts within the calling partner's scope: its counters, its pending requests, failures of its objects only. With
``--control`` they act on the whole emulator instead (every partner's counters and objects), and the two reads need
no credentials. They read and change the emulator through the backend; faults never apply to them.
"""

from __future__ import annotations

import json

from .engine import DEFAULT_FAIL_MESSAGE
from .httpio import CHALLENGE, TEXT_TYPE, UNAUTHORIZED_BODY, Disconnected, TooLarge, read_body, respond

JSON_TYPE = b"application/json"
ROUTES = {"stats": "GET", "idle": "GET", "reset-stats": "POST", "fail-next": "POST"}
MAX_CONTROL_BODY = 64 * 1024
FAIL_NEXT_USAGE = 'expected {"match": "text", "count": 1, "message": "optional"}'


def stats(app, partner_id: int | None = None) -> dict:
    """The counters of one partner, or of the whole emulator (``partner_id`` None)."""
    counters = app.stats if partner_id is None else app.partner_stats.get(partner_id)
    if counters is None:
        from .app import Stats

        counters = Stats()
    return {**counters.as_dict(), "provisioning": app.backend.requests.count_by_status(partner_id)}


async def _json(send, status: int, data) -> None:
    await respond(send, status, json.dumps(data).encode(), JSON_TYPE)


def _fail_rule(body: bytes) -> tuple[str, int, str]:
    spec = json.loads(body or b"{}")
    match = str(spec["match"]).strip().lower()
    count = int(spec.get("count", 1))
    message = str(spec.get("message") or DEFAULT_FAIL_MESSAGE)
    if not match or count < 1:
        raise ValueError
    return match, count, message


async def handle(app, scope, receive, send, name: str, method: str) -> None:
    if name not in ROUTES:
        await respond(send, 404, b"Not Found\n", b"text/plain")
        return
    if method != ROUTES[name]:
        await respond(send, 405, b"Method Not Allowed\n", b"text/plain", [(b"allow", ROUTES[name].encode())])
        return
    principal = app.authenticate(scope, partners_only=True)
    if principal is None and not (app.control_global and method == "GET"):
        await respond(send, 401, UNAUTHORIZED_BODY, TEXT_TYPE, CHALLENGE)
        return
    scope_id = None if app.control_global else principal.partner_id  # None: the whole emulator
    if name == "stats":
        await _json(send, 200, stats(app, scope_id))
        return
    if name == "idle":
        await _json(send, 200, {"pending": app.backend.requests.pending_of(scope_id)})
        return
    try:
        body = await read_body(scope, receive, MAX_CONTROL_BODY)
    except (TooLarge, Disconnected):
        await _json(send, 400, {"error": "body too large"})
        return
    if name == "reset-stats":
        if scope_id is None:
            app.stats.reset()
            for counters in app.partner_stats.values():
                counters.reset()
        elif scope_id in app.partner_stats:
            app.partner_stats[scope_id].reset()
        await _json(send, 200, {"ok": True})
        return
    try:
        match, count, message = _fail_rule(body)
    except (ValueError, KeyError, TypeError, AttributeError):
        await _json(send, 400, {"error": FAIL_NEXT_USAGE})
        return
    await _json(send, 200, {"ok": True, "rules": app.backend.requests.fail_next(match, count, message, scope_id)})
