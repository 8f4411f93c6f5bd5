# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport against real sockets that misbehave: a dripping server, a huge answer, a dead port."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import threading
import time

import pytest

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import (
    CortexClient, CortexError, CortexOutcomeUnknown, CortexUnreachable, element)

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nConnection: close\r\n"


class Server(object):
    """A loopback TCP server whose ``behave(connection)`` plays one misbehaviour per connection."""

    def __init__(self, behave):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.behave = behave
        self.sent = []
        self.stopped = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stopped.is_set():
            try:
                conn, dummy = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        try:
            conn.recv(65536)
            self.behave(self, conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stopped.set()
        self.listener.close()


def drip(server, conn):
    """Headers and then one byte every 0.2 s, for ever: each read returns in time, the answer never ends."""
    conn.sendall(HEADERS + b"Content-Length: 100000\r\n\r\n")
    while not server.stopped.is_set():
        conn.sendall(b" ")
        server.sent.append(1)
        time.sleep(0.2)


def drip_headers(server, conn):
    for byte in HEADERS:
        conn.sendall(bytes([byte]))
        server.sent.append(1)
        time.sleep(0.2)


def huge(server, conn):
    """An endless chunked answer of 1 MiB chunks."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * (1 << 20)
    while not server.stopped.is_set():
        conn.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        server.sent.append(len(chunk))


@pytest.fixture
def serve():
    servers = []

    def start(behave):
        servers.append(Server(behave))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def client_for(port, **kwargs):
    kwargs.setdefault("retry_budget", 0)
    return CortexClient("http://127.0.0.1:%d" % port, "partner", "pw", timeout=1, **kwargs)


def customer():
    return element("customer", [("name", "BMS")])


@pytest.mark.parametrize("behave", [drip, drip_headers])
def test_a_dripping_server_is_cut_off_at_the_deadline(serve, behave):
    server = serve(behave)
    with pytest.raises(CortexError) as info:
        client_for(server.port).call("GET", customer())
    assert "no complete answer within 1 s" in info.value.message
    # 1 s at 5 bytes a second: the exchange ended at its deadline, not at the end of a very long answer
    assert len(server.sent) < 15


def test_a_dripped_write_may_have_been_applied(serve):
    server = serve(drip)
    with pytest.raises(CortexOutcomeUnknown) as info:
        client_for(server.port).call("SET", customer())
    assert "it may have been applied" in info.value.message


def test_an_endless_answer_is_cut_at_the_size_limit(serve):
    server = serve(huge)
    with pytest.raises(CortexError) as info:
        client_for(server.port, max_response_bytes=4 << 20).call("GET", customer())
    assert "larger than the limit" in info.value.message
    # the client stopped reading near the limit (what the kernel buffers aside)
    assert sum(server.sent) < 64 << 20


def test_a_dead_server_fails_every_remaining_call_fast():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens on this port any more
    client = client_for(port, retry_budget=60, unreachable_after=0.0, max_attempts=1000)
    with pytest.raises(CortexError) as info:  # refused: at once, not retried
        client.call("GET", customer())
    assert "refused" in info.value.message and client.calls == {"GET": 1}
    for dummy in range(50):
        with pytest.raises(CortexUnreachable):
            client.call("GET", customer())
    assert client.calls == {"GET": 1}  # none of the 50 later calls was attempted
