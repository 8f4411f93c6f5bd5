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


async def respond(send, status: int, body: bytes, content_type: bytes, headers=()) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *headers],
    })
    await send({"type": "http.response.body", "body": body})


async def read_body(scope, receive) -> bytes:
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
