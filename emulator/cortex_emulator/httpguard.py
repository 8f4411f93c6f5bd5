"""Server limits: what a slow, endless or oversized request may cost the emulator (docs/emulator.md, "Limits").

uvicorn's httptools protocol, with, per connection:

- a **request head limit**: the request line and headers together at most ``max_header_bytes`` (431 beyond, before
  the parser has buffered more than that);
- a **head timeout**: a connection must send a complete request head within ``header_timeout`` seconds of opening
  or of the first byte of its next request (408 and closed otherwise: a slow-loris client cannot hold it);
- a **body timeout**: the whole body must arrive within ``body_timeout`` seconds of the head (the connection is
  closed otherwise; the request is dropped);
- a **connection cap**: at ``max_connections`` open connections, a new one closes the kept-alive connection idle
  for the longest (one waiting for its next request, between two requests) and takes its place; with none idle, it
  is answered 503 (``Retry-After``) and closed at once. Idle connections cannot lock active clients out.

Limits on what the body holds (size, XML depth, element and attribute counts) are the app's (:mod:`app`,
:mod:`xmlio`).
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_header_bytes: int = 16 * 1024
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 512
    max_body_bytes: int = 16 * MiB
    max_buffered_bytes: int = 128 * MiB  # request bodies being read, all connections together (503 beyond)
    max_xml_depth: int = 32
    max_xml_elements: int = 200_000
    max_xml_attributes: int = 200_000
    max_xml_attributes_per_element: int = 64
    thread_parse_bytes: int = 64 * 1024  # bodies from this size are parsed off the event loop


def _plain(status: bytes, text: str, extra: bytes = b"") -> bytes:
    body = text.encode()
    return (b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: "
            + str(len(body)).encode() + b"\r\nconnection: close\r\n" + extra + b"\r\n" + body)


def protocol_class(limits: Limits):
    """The uvicorn HTTP protocol class enforcing ``limits`` (a subclass of uvicorn's httptools protocol)."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    busy = _plain(b"503 Service Unavailable", "Too many connections; retry later.\n", b"retry-after: 1\r\n")
    too_large = _plain(b"431 Request Header Fields Too Large",
                       f"The request line and headers exceed {limits.max_header_bytes} bytes.\n")
    too_slow = _plain(b"408 Request Timeout", f"The request head did not arrive within {limits.header_timeout:g} s.\n")

    class GuardedProtocol(HttpToolsProtocol):
        open_connections = 0  # of this server (the class is made per server)
        refused_connections = 0
        closed_idle_connections = 0
        idle: dict = {}  # kept-alive connections waiting for their next request, longest idle first (a dict: ordered)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._refused = False
            self._counted = False  # in open_connections
            self._awaiting_head = True  # between requests, or inside a request head
            self._head_bytes = 0
            self._head_timer = None
            self._body_timer = None

        # ----- connections ----------------------------------------------------------------------------------

        def connection_made(self, transport) -> None:
            cls = type(self)
            if cls.open_connections >= limits.max_connections and not cls._close_longest_idle():
                self._refused = True
                cls.refused_connections += 1
                transport.write(busy)
                transport.close()
                return
            cls.open_connections += 1
            self._counted = True
            super().connection_made(transport)
            self._start_head_timer()  # a connection that sends nothing is not kept either

        def connection_lost(self, exc) -> None:
            if self._refused:
                return
            self._not_idle()
            if self._counted:
                type(self).open_connections -= 1
                self._counted = False
            self._cancel_timers()
            super().connection_lost(exc)

        @classmethod
        def _close_longest_idle(cls) -> bool:
            """Close the connection idle for the longest, its place free at once; False when none is idle."""
            if not cls.idle:
                return False
            victim = next(iter(cls.idle))
            victim._not_idle()
            victim._counted = False
            cls.open_connections -= 1
            cls.closed_idle_connections += 1
            victim._cancel_timers()
            victim.transport.close()
            return True

        def _not_idle(self) -> None:
            type(self).idle.pop(self, None)

        # ----- bytes in -------------------------------------------------------------------------------------

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            self._not_idle()
            while data and not self.transport.is_closing():
                if not self._awaiting_head:
                    super().data_received(data)
                    return
                if self._head_timer is None:
                    self._start_head_timer()
                room = limits.max_header_bytes - self._head_bytes
                if room <= 0:
                    self._close_with(too_large)
                    return
                piece, data = data[:room], data[room:]
                self._head_bytes += len(piece)
                super().data_received(piece)

        # ----- parser callbacks -----------------------------------------------------------------------------

        def on_headers_complete(self) -> None:
            self._awaiting_head = False
            self._cancel(self._head_timer)
            self._head_timer = None
            self._body_timer = self.loop.call_later(limits.body_timeout, self._body_too_slow)
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._cancel(self._body_timer)
            self._body_timer = None
            self._awaiting_head = True
            self._head_bytes = 0
            super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self.timeout_keep_alive_task is not None and not self.transport.is_closing():
                type(self).idle[self] = None  # kept alive, waiting for the next request (none is pipelined)

        # ----- timers ---------------------------------------------------------------------------------------

        def _start_head_timer(self) -> None:
            self._cancel(self._head_timer)
            self._head_timer = self.loop.call_later(limits.header_timeout, self._head_too_slow)

        def _head_too_slow(self) -> None:
            self._head_timer = None
            if self._awaiting_head and not self.transport.is_closing():
                cycle = self.cycle
                if cycle is not None and not cycle.response_complete:
                    self._start_head_timer()  # still answering the previous request: the next head is not late
                    return
                self._close_with(too_slow if self._head_bytes else b"")

        def _body_too_slow(self) -> None:
            self._body_timer = None
            if not self.transport.is_closing():
                self.logger.info("closing a connection whose request body took over %g s", limits.body_timeout)
                self.transport.close()

        def _close_with(self, answer: bytes) -> None:
            self._cancel_timers()
            if answer and (self.cycle is None or self.cycle.response_complete):
                self.transport.write(answer)
            self.transport.close()

        @staticmethod
        def _cancel(timer) -> None:
            if timer is not None:
                timer.cancel()

        def _cancel_timers(self) -> None:
            self._cancel(self._head_timer)
            self._cancel(self._body_timer)
            self._head_timer = self._body_timer = None

    return GuardedProtocol
