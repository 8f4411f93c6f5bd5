# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport against real loopback sockets: redirects, credentials on the wire, refused and dropped connections,
answers that are not the CortexAPI's, and what the client refuses before sending anything."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import re
import socket
import threading

import pytest

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import (
    CortexClient, CortexError, CortexOutcomeUnknown, element)

PASSWORD = "Us3r-S3cret!x"  # a user's password, sent in a SET body
OK = b'<?xml version="1.0" encoding="utf-8"?>\n<response version="1.0"><request><id>45001</id></request></response>'
# What a class or type name of Python, urllib3 or requests looks like in a message.
INTERNALS = re.compile(r"Pool|Watched|[A-Z]\w*Error|Exception|object at 0x|<urllib3|<requests|Errno|_ssl\.c|\(\d+, '")


def answer(status, body=b"", headers=()):
    head = ["HTTP/1.1 %d X" % status, "Content-Length: %d" % len(body), "Connection: close"] + list(headers)
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


def drop(conn):
    """Read the request, then close the connection without a byte of answer."""
    return None


class Server(object):
    """A loopback HTTP server playing one step per request: the bytes of an answer, or ``drop``. Records the head
    and body of every request it received."""

    def __init__(self, steps):
        self.steps = list(steps)
        self.requests = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, dummy = self.listener.accept()
            except OSError:
                return
            with conn:
                self.handle(conn)

    def handle(self, conn):
        conn.settimeout(5)
        data = b""
        try:
            while b"\r\n\r\n" not in data and not data.startswith(b"\x16"):
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            if data.startswith(b"\x16"):  # a TLS handshake: answer in plain HTTP, as a plain server would
                conn.sendall(answer(400))
                self.requests.append(("TLS", b""))
                return
            head, body = data.split(b"\r\n\r\n", 1)
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            while length and len(body) < int(length.group(1)):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            self.requests.append((head.decode("latin-1"), body))
            step = self.steps.pop(0) if self.steps else answer(500)
            if step is not drop:
                conn.sendall(step)
        except OSError:
            pass

    def close(self):
        self.listener.close()


@pytest.fixture
def serve():
    servers = []

    def start(*steps):
        servers.append(Server(steps))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def dead_port():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there any more
    return port


def client_for(url, password="partner-pw-1", **kwargs):
    sleeps = []
    kwargs.setdefault("timeout", 5)
    return CortexClient(url, "partner", password, sleep=sleeps.append, **kwargs), sleeps


def user_with_password():
    return element("customer", [("name", "BMS"), ("user", [("name", "claire"), ("password", [("password", PASSWORD)])])])


def customer():
    return element("customer", [("name", "BMS")])


# -- redirects -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_never_followed_and_names_its_target(serve, status):
    elsewhere = serve(answer(200, OK))
    location = "http://127.0.0.1:%d/cortexapi/default.aspx" % elsewhere.port
    server = serve(answer(status, b"", ["Location: %s" % location]))
    client, sleeps = client_for(server.url)
    with pytest.raises(CortexError) as info:
        client.call("SET", user_with_password())
    message = info.value.message
    assert not isinstance(info.value, CortexOutcomeUnknown)  # a redirect did nothing
    assert elsewhere.requests == []  # neither the body (a password) nor the credentials went to the other port
    assert len(server.requests) == 1 and client.calls == {"SET": 1}
    assert "redirect" in message and location in message and "cortex_url" in message
    assert PASSWORD not in message and "partner-pw-1" not in message


def test_a_redirect_target_is_shown_without_its_credentials_and_query(serve):
    server = serve(answer(302, b"", ["Location: https://someone:hunter22@other.example/login?token=abc123"]))
    client, dummy = client_for(server.url)
    with pytest.raises(CortexError) as info:
        client.call("GET", customer())
    assert "https://other.example/login" in info.value.message
    assert "hunter22" not in info.value.message and "abc123" not in info.value.message


# -- credentials ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("password", [u"Пароль-Партнёра1", u"Prix-10€-ok", u"été-Été-1"])
def test_basic_credentials_are_sent_as_utf8(serve, password):
    server = serve(answer(200, OK))
    client, dummy = client_for(server.url, password=password)
    client.call("GET", customer())
    header = re.search(r"(?im)^authorization:\s*(.+?)\s*$", server.requests[0][0]).group(1)
    assert header == "Basic " + base64.b64encode((u"partner:" + password).encode("utf-8")).decode("ascii")


# -- answers that are not the CortexAPI's ----------------------------------------------------------------------------

MAINTENANCE = (b"<!DOCTYPE html>\n<html><head><title>Maintenance</title></head>"
               b"<body><p>Back soon<br></body></html>")
XHTML = b"<html><body><p>Service en maintenance</p></body></html>"
FEED = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Status</title></feed>'


@pytest.mark.parametrize("body, shown", [(MAINTENANCE, "not XML"), (XHTML, "root <html>"), (FEED, "root <feed>"),
                                         (b"", "empty")])
def test_a_200_that_is_not_a_cortexapi_answer_is_an_error(serve, body, shown):
    server = serve(answer(200, body, ["Content-Type: text/html"]))
    client, dummy = client_for(server.url)
    with pytest.raises(CortexError) as info:
        client.call("FIND", element("customer"))
    message = info.value.message
    assert "is not a CortexAPI answer" in message and shown in message
    assert "FIND" in message and server.url in message
    for text in (b"Maintenance", b"Back soon", b"maintenance", b"Status"):
        assert text.decode() not in message  # the body is never shown
    assert client.calls == {"FIND": 1}


def test_a_write_answered_by_something_else_may_have_been_applied(serve):
    server = serve(answer(200, XHTML))
    client, dummy = client_for(server.url)
    with pytest.raises(CortexOutcomeUnknown) as info:
        client.call("SET", user_with_password())
    assert "is not a CortexAPI answer" in info.value.message and len(server.requests) == 1
    assert PASSWORD not in info.value.message


# -- connections that fail -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("action", ["GET", "SET"])
def test_a_refused_connection_fails_after_one_attempt(action):
    port = dead_port()
    client, sleeps = client_for("http://127.0.0.1:%d" % port)
    with pytest.raises(CortexError) as info:
        client.call(action, customer())
    message = info.value.message
    assert not isinstance(info.value, CortexOutcomeUnknown)  # nothing was sent
    assert client.calls == {action: 1} and sleeps == []
    assert "http://127.0.0.1:%d/cortexapi/default.aspx" % port in message
    assert "refused" in message and "cortex_url" in message
    assert not INTERNALS.search(message), message


def test_a_dropped_connection_on_a_read_is_retried(serve):
    server = serve(drop, answer(200, OK))
    client, sleeps = client_for(server.url)
    assert client.call("GET", customer()).find("request/id").text == "45001"
    assert len(server.requests) == 2 and client.calls == {"GET": 2} and len(sleeps) == 1


def test_a_dropped_connection_on_a_write_is_not_repeated(serve):
    server = serve(drop, answer(200, OK))
    client, dummy = client_for(server.url)
    with pytest.raises(CortexOutcomeUnknown) as info:
        client.call("SET", user_with_password())
    message = info.value.message
    assert len(server.requests) == 1 and "may have been applied" in message
    assert "closed" in message and not INTERNALS.search(message), message
    assert PASSWORD not in message


def test_a_read_dropped_every_time_gives_up_naming_the_url(serve):
    server = serve(drop, drop, drop)
    client, dummy = client_for(server.url, max_attempts=3)
    with pytest.raises(CortexError) as info:
        client.call("GET", customer())
    message = info.value.message
    assert len(server.requests) == 3 and "gave up after 3 attempts" in message
    assert server.url in message and not INTERNALS.search(message), message


def test_tls_to_a_plain_http_server_fails_at_once_without_internal_names(serve):
    server = serve(answer(200, OK), answer(200, OK))
    client, sleeps = client_for("https://127.0.0.1:%d" % server.port)
    with pytest.raises(CortexError) as info:
        client.call("GET", customer())
    message = info.value.message
    assert client.calls == {"GET": 1} and sleeps == []
    assert "TLS" in message and "https://127.0.0.1:%d" % server.port in message
    assert not INTERNALS.search(message), message


# -- refused when the client is built --------------------------------------------------------------------------------

@pytest.mark.parametrize("url, says", [
    ("admin.cloudforyou.fr", "has no scheme"),
    ("admin.cloudforyou.fr:443", "has no scheme"),
    ("ftp://admin.cloudforyou.fr", "scheme 'ftp'"),
    ("https://", "has no host"),
    ("https://admin.cloudforyou.fr:99999", "port"),
    ("", "has no scheme"),
])
def test_a_url_that_cannot_work_is_refused_when_the_client_is_built(url, says):
    with pytest.raises(CortexError) as info:
        CortexClient(url, "partner", "partner-pw-1")
    assert says in info.value.message and "cortex_url" in info.value.message
    assert not INTERNALS.search(info.value.message), info.value.message


def test_a_url_is_refused_without_showing_credentials_it_holds():
    with pytest.raises(CortexError) as info:
        CortexClient("someone:hunter22@admin.cloudforyou.fr", "partner", "partner-pw-1")
    assert "hunter22" not in info.value.message


def test_a_missing_ca_file_is_refused_when_the_client_is_built(tmp_path):
    missing = str(tmp_path / "nowhere" / "ca.pem")
    with pytest.raises(CortexError) as info:
        CortexClient("https://cortex.example", "partner", "partner-pw-1", ca_path=missing)
    assert missing in info.value.message and "ca_path" in info.value.message
    assert not INTERNALS.search(info.value.message), info.value.message


def test_a_ca_path_under_a_file_is_refused(tmp_path):
    afile = tmp_path / "ca.pem"
    afile.write_text(u"not a directory")
    with pytest.raises(CortexError) as info:
        CortexClient("https://cortex.example", "partner", "partner-pw-1", ca_path=str(afile / "ca.pem"))
    assert "ca_path" in info.value.message


def test_a_readable_ca_file_or_directory_is_accepted_and_ignored_without_validation(tmp_path):
    pem = tmp_path / "ca.pem"
    pem.write_text(u"-----BEGIN CERTIFICATE-----\n")
    assert CortexClient("https://cortex.example", "p", "x", ca_path=str(pem)).session.verify == str(pem)
    assert CortexClient("https://cortex.example", "p", "x", ca_path=str(tmp_path)).session.verify == str(tmp_path)
    missing = os.path.join(str(tmp_path), "missing.pem")
    assert CortexClient("https://cortex.example", "p", "x", ca_path=missing, validate_certs=False).session.verify is False
