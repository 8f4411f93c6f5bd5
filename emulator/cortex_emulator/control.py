"""The control endpoints ``/_emulator/*`` (docs/emulator.md): counters, idleness, and deterministic failures.

They read and change the emulator through the backend; faults never apply to them.
"""

from __future__ import annotations

import json

from .engine import DEFAULT_FAIL_MESSAGE
from .httpio import CHALLENGE, TEXT_TYPE, UNAUTHORIZED_BODY, Disconnected, TooLarge, read_body, respond

JSON_TYPE = b"application/json"
ROUTES = {"stats": "GET", "idle": "GET", "reset-stats": "POST", "fail-next": "POST"}
PARTNERS_ONLY = ("reset-stats", "fail-next")
FAIL_NEXT_USAGE = 'expected {"match": "text", "count": 1, "message": "optional"}'


def stats(app) -> dict:
    return {**app.stats.as_dict(), "provisioning": app.backend.requests.count_by_status()}


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
    if name == "stats":
        await _json(send, 200, stats(app))
        return
    if name == "idle":
        await _json(send, 200, {"pending": app.backend.requests.pending})
        return
    if app.authenticate(scope, partners_only=True) is None:
        await respond(send, 401, UNAUTHORIZED_BODY, TEXT_TYPE, CHALLENGE)
        return
    try:
        body = await read_body(scope, receive)
    except (TooLarge, Disconnected):
        await _json(send, 400, {"error": "body too large"})
        return
    if name == "reset-stats":
        app.stats.reset()
        await _json(send, 200, {"ok": True})
        return
    try:
        match, count, message = _fail_rule(body)
    except (ValueError, KeyError, TypeError, AttributeError):
        await _json(send, 400, {"error": FAIL_NEXT_USAGE})
        return
    await _json(send, 200, {"ok": True, "rules": app.backend.requests.fail_next(match, count, message)})
