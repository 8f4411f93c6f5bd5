"""Server limits (docs/emulator.md, "Limits"): slow, endless or oversized requests cannot pin the emulator.

Each limit is exercised with a small value given on the command line, over raw sockets where a client library would
not misbehave on purpose.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from conftest import PARTNER, Answer, Client

FIND = b'<request action="FIND" version="1.0"><customer/></request>'
AUTH = "Basic ZGVtby1wYXJ0bmVyOkRlbW9QYXJ0bmVyMjAyNg=="  # demo-partner:DemoPartner2026


def connect(emu) -> socket.socket:
    host, port = emu.base.split("//", 1)[1].rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def head(body_length: int, extra: str = "") -> bytes:
    return (f"POST /cortexapi/default.aspx HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\n"
            f"Content-Length: {body_length}\r\n{extra}\r\n").encode()


def read_all(sock: socket.socket, timeout: float = 10) -> bytes:
    """Everything the server sends until it closes the connection."""
    sock.settimeout(timeout)
    chunks = []
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except (ConnectionResetError, TimeoutError, socket.timeout):
        pass
    return b"".join(chunks)


def rss_mib(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def served(emu) -> None:
    """A FIND on a new connection is answered."""
    assert requests.post(emu.url, data=FIND, auth=PARTNER, timeout=10).status_code == 200


def closed_by_server(sock: socket.socket) -> bool:
    """The server closed the connection (end of stream), without sending anything."""
    sock.settimeout(10)
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True
    except (TimeoutError, socket.timeout):
        return False


def quick_find(emu) -> float:
    """Seconds a FIND takes on a new connection (and that it is answered)."""
    started = time.monotonic()
    r = requests.post(emu.url, data=FIND, auth=PARTNER, timeout=10)
    assert r.status_code == 200
    return time.monotonic() - started


# ---------------------------------------------------------------------------------------------- the request head

def test_request_head_size_limit(spawn):
    emu = spawn("--delay", "0", "--max-header-size", "2048")
    assert quick_find(emu) < 5  # a normal request fits
    sock = connect(emu)
    sock.sendall(head(len(FIND), "X-Padding: " + "a" * 4096 + "\r\n") + FIND)
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 ") and b"2048 bytes" in answer


def test_huge_headers_cost_no_memory(spawn):
    emu = spawn("--delay", "0", "--max-header-size", "8192")
    before = rss_mib(emu.proc.pid)
    senders = []

    def flood():
        sock = connect(emu)
        try:
            sock.sendall(b"POST /cortexapi/default.aspx HTTP/1.1\r\nHost: x\r\nX-Big: ")
            for _ in range(200):  # 200 x 64 KiB = 12.5 MiB of header, if the server kept reading
                sock.sendall(b"b" * 65536)
        except OSError:
            pass  # closed by the server: the point
        finally:
            sock.close()

    for _ in range(4):
        senders.append(threading.Thread(target=flood))
        senders[-1].start()
    for t in senders:
        t.join(30)
    assert rss_mib(emu.proc.pid) - before < 40
    assert quick_find(emu) < 5


def test_slow_request_heads_are_closed(spawn):
    emu = spawn("--delay", "0", "--header-timeout", "0.5")
    half = connect(emu)
    half.sendall(b"POST /cortexapi/default.aspx HTTP/1.1\r\nHost: x\r\n")  # and never the rest
    silent = connect(emu)  # never sends a byte
    started = time.monotonic()
    assert read_all(half).startswith(b"HTTP/1.1 408 ")
    assert read_all(silent) == b""  # closed without an answer
    assert time.monotonic() - started < 5
    # a kept-alive connection may wait between requests (keep-alive timeout), and then send one
    with requests.Session() as s:
        assert s.post(emu.url, data=FIND, auth=PARTNER, timeout=5).status_code == 200
        time.sleep(1.0)
        assert s.post(emu.url, data=FIND, auth=PARTNER, timeout=5).status_code == 200


def test_many_half_sent_requests_do_not_stay(spawn):
    emu = spawn("--delay", "0", "--header-timeout", "1", "--max-connections", "2000")
    socks = []
    for _ in range(300):
        s = connect(emu)
        s.sendall(b"POST /cortexapi/default.aspx HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        socks.append(s)
    assert quick_find(emu) < 5  # the others are served meanwhile
    time.sleep(1.5)
    closed = 0
    for s in socks:
        s.settimeout(5)
        try:
            data = s.recv(65536)
            closed += data.startswith(b"HTTP/1.1 408") or data == b""
        except OSError:
            closed += 1
        s.close()
    assert closed == len(socks)


# ---------------------------------------------------------------------------------------------- the body

def test_slow_body_is_dropped_and_others_go_on(spawn):
    emu = spawn("--delay", "0", "--body-timeout", "0.5")
    sock = connect(emu)
    sock.sendall(head(1000) + b"<request ")  # 10 of the 1000 bytes announced
    started = time.monotonic()
    assert quick_find(emu) < 5
    assert read_all(sock) == b""  # dropped, without an answer
    assert time.monotonic() - started < 5
    assert emu.stop() == 0 and "Traceback" not in emu.stderr


def test_body_size_limit_option(spawn):
    emu = spawn("--delay", "0", "--max-body-size", "1000")
    big = b'<request action="FIND" version="1.0"><customer/>' + b" " * 2000 + b"</request>"
    r = requests.post(emu.url, data=big, auth=PARTNER, timeout=10)
    assert r.status_code == 400 and Answer(r).errors == ["BadRequest"] and "1000 bytes" in r.text
    assert quick_find(emu) < 5


def test_buffered_bodies_have_a_budget(spawn):
    emu = spawn("--delay", "0", "--max-buffered-bytes", "100000", "--body-timeout", "5")
    first = connect(emu)
    first.sendall(head(200000) + b"<" * 90000)  # holds 90 kB of the budget, then waits
    time.sleep(0.3)
    second = connect(emu)
    second.sendall(head(50000) + b"<" * 50000)
    answer = read_all(second, timeout=5)
    assert answer.startswith(b"HTTP/1.1 503 ") and b"retry-after: 1" in answer.lower()
    first.close()
    time.sleep(0.3)
    assert quick_find(emu) < 5  # the budget is given back


# ---------------------------------------------------------------------------------------------- connections

def test_connection_cap(spawn):
    emu = spawn("--delay", "0", "--max-connections", "5")
    held = [connect(emu) for _ in range(5)]
    time.sleep(0.2)
    refused = connect(emu)
    answer = read_all(refused, timeout=5)
    assert answer.startswith(b"HTTP/1.1 503 ") and b"retry-after: 1" in answer.lower()
    for s in held:
        s.close()
    time.sleep(0.3)
    assert quick_find(emu) < 5  # free again


def exchange(sock: socket.socket) -> int:
    """Send a FIND on a kept-alive connection and read its whole answer: the status (0 when the connection was
    closed instead)."""
    sock.sendall(head(len(FIND)) + FIND)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return 0
        data += chunk
    header, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in header.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return 0
        body += chunk
    return int(header.split(b" ", 2)[1])


def test_idle_kept_alive_connections_make_room(spawn):
    emu = spawn("--delay", "0", "--max-connections", "8")
    kept = []
    for _ in range(12):  # each answered, then left open and idle: the 9th and later close the longest idle ones
        sock = connect(emu)
        assert exchange(sock) == 200
        kept.append(sock)
    served(emu)  # a new client is served (and closes one more idle connection)
    for sock in kept[:5]:  # the longest idle ones were closed
        assert closed_by_server(sock)
    assert exchange(kept[-1]) == 200  # the latest is still kept alive
    for sock in kept:
        sock.close()


# ---------------------------------------------------------------------------------------------- the XML

def test_xml_depth_limit(spawn):
    emu = spawn("--delay", "0", "--max-xml-depth", "10")
    c = Client(emu)
    ok = "<customer>" + "<x>" * 7 + "</x>" * 7 + "</customer>"  # request, customer, 7 x: 9 levels
    assert c.find(ok).status == 200
    deep = "<customer>" + "<x>" * 9 + "</x>" * 9 + "</customer>"
    refused = c.find(deep, expect=400)
    assert refused.errors == ["BadRequest"] and "deeper than 10" in refused.messages[0]


def test_a_million_levels_cost_nothing(spawn):
    emu = spawn("--delay", "0")
    before = rss_mib(emu.proc.pid)
    body = b'<request action="FIND" version="1.0">' + b"<a>" * 1_000_000
    r = requests.post(emu.url, data=body, auth=PARTNER, timeout=30)
    assert r.status_code == 400 and "deeper than 32" in r.text
    assert rss_mib(emu.proc.pid) - before < 40  # refused before a tree is built (a parsed one costs ~300 MB)


def test_xml_element_limit(spawn):
    emu = spawn("--delay", "0", "--max-xml-elements", "100")
    c = Client(emu)
    assert c.find("<customer>" + "<x/>" * 50 + "</customer>").status == 200
    refused = c.find("<customer>" + "<x/>" * 200 + "</customer>", expect=400)
    assert "more than 100 elements" in refused.messages[0]


def test_xml_attribute_limits(spawn):
    emu = spawn("--delay", "0", "--max-xml-attributes", "10", "--max-xml-attributes-per-element", "3")
    c = Client(emu)  # <request action= version=> holds 2 of them
    assert c.find('<customer a="1" b="2" c="3"><x d="4" e="5" f="6"/><y g="7"/></customer>').status == 200
    crowded = c.find('<customer a="1" b="2" c="3" d="4"/>', expect=400)
    assert crowded.errors == ["BadRequest"] and "an element with more than 3 attributes" in crowded.messages[0]
    many = c.find('<customer a="1" b="2"><x c="3" d="4" e="5"/><y f="6" g="7" h="8"/><z i="9"/></customer>',
                  expect=400)
    assert many.errors == ["BadRequest"] and "more than 10 attributes" in many.messages[0]
    # the same counts in a UTF-16 body
    body = ('<?xml version="1.0" encoding="utf-16"?><request action="FIND" version="1.0">'
            '<customer a="1" b="2" c="3" d="4"/></request>').encode("utf-16")
    r = requests.post(emu.url, data=body, auth=PARTNER, timeout=10)
    assert r.status_code == 400 and "an element with more than 3 attributes" in r.text
    # "=" in text, in a value or between quotes of another element is no attribute
    text = c.find('<customer a="x=y=z"><v>a="1" b="2" c="3" d="4" e="5"</v><w p="=" q="==" r="==="/></customer>')
    assert text.status == 200


def peak_rss_mib(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_half_a_million_attributes_cost_nothing(spawn):
    emu = spawn("--delay", "0")
    before = peak_rss_mib(emu.proc.pid)
    attributes = b" ".join(b'a%d=""' % i for i in range(500_000))
    for body in (b'<request action="FIND" version="1.0"><customer ' + attributes + b"/></request>",  # one element
                 b'<request action="FIND" version="1.0" ' + attributes + b"><customer/></request>"):  # the root
        r = requests.post(emu.url, data=body, auth=PARTNER, timeout=60)
        assert r.status_code == 400 and Answer(r).errors == ["BadRequest"]
        assert "an element with more than 64 attributes" in r.text
    # refused before the parser makes them Python objects (that cost ~150 MB at its peak, for each request)
    assert peak_rss_mib(emu.proc.pid) - before < 40
    served(emu)


def test_a_big_request_does_not_stall_the_others(spawn):
    emu = spawn("--delay", "0", "--workers", "1")
    c = Client(emu)
    c.set("<customer><name>BIG</name><fullname>Big Bulk</fullname><contactname>A</contactname>"
          "<contactemail>a@big-bulk.example</contactemail><primarydomain>big-bulk.example</primarydomain>"
          "<address>1 rue</address><properties><property><name>City</name><value>Lyon</value></property>"
          "<property><name>Country</name><value>France</value></property><property><name>ZipCode</name>"
          "<value>69003</value></property></properties></customer>")
    emu.wait_idle()
    users = "".join(f"<user><name>u{i}</name><firstname>Ulysse</firstname><lastname>Number{i}</lastname>"
                    f"<password><password>Str0ng!Passw0rd{i}</password></password></user>" for i in range(1500))
    bulk = f'<request action="SET" version="1.0"><customer><name>BIG</name>{users}</customer></request>'.encode()
    done = {}

    def send_bulk():
        started = time.monotonic()
        r = requests.post(emu.url, data=bulk, auth=PARTNER, timeout=60)
        done["status"], done["seconds"] = r.status_code, time.monotonic() - started

    worker = threading.Thread(target=send_bulk)
    latencies = []
    with requests.Session() as s:
        s.post(emu.url, data=FIND, auth=PARTNER, timeout=10)  # connected before
        worker.start()
        while worker.is_alive():
            started = time.monotonic()
            assert s.post(emu.url, data=FIND, auth=PARTNER, timeout=10).status_code == 200
            latencies.append(time.monotonic() - started)
    worker.join()
    assert done["status"] == 200
    assert len(latencies) >= 3, (done, latencies)  # small requests were answered while the bulk one ran
    assert max(latencies) < max(0.5, done["seconds"] / 2), (done, latencies)


@pytest.mark.parametrize("option", ["--max-header-size", "--header-timeout", "--body-timeout", "--max-connections",
                                    "--max-body-size", "--max-xml-depth", "--max-xml-elements",
                                    "--max-xml-attributes", "--max-xml-attributes-per-element"])
def test_limit_options_must_be_positive(workdir, option):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "cortex_emulator", "serve", "--port", "0", "--db",
                           str(workdir / "never.db"), option, "0"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "must be positive" in proc.stderr
