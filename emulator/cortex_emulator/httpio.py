"""HTTP plumbing shared by the app and the control endpoints: answers, bodies, and their limits."""

from __future__ import annotations

MAX_BODY = 16 * 1024 * 1024
XML_TYPE = b"text/xml; charset=utf-8"
TEXT_TYPE = b"text/plain; charset=utf-8"
UNAUTHORIZED_BODY = b"401 - Unauthorized: Access is denied due to invalid credentials.\r\n"
CHALLENGE = [(b"www-authenticate", b'Basic realm="CortexAPI"')]


class TooLarge(Exception):
    pass


class Disconnected(Exception):
    pass


class OverBudget(Exception):
    """The bodies being read on all connections together would exceed the buffer budget (answered 503)."""


class Budget:
    """Bytes of request bodies held in memory, all requests together, against a limit."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0


async def respond(send, status: int, body: bytes, content_type: bytes, headers=()) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *headers],
    })
    await send({"type": "http.response.body", "body": body})


async def read_body(scope, receive, max_bytes: int = MAX_BODY, budget: Budget | None = None) -> bytes:
    """The whole body, at most ``max_bytes`` (TooLarge, from Content-Length or while reading); the bytes held count
    against ``budget`` until the body is returned (OverBudget when it is spent)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                if int(value) > max_bytes:
                    raise TooLarge
            except ValueError:
                pass
    chunks = []
    size = 0
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge
            if budget is not None:
                if budget.used + len(chunk) > budget.limit:
                    raise OverBudget
                budget.used += len(chunk)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
    finally:
        if budget is not None:
            budget.used -= sum(len(c) for c in chunks)
