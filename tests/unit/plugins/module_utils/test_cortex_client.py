# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport's retry policy and XML handling, with the HTTP session faked."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import socket

import pytest
import requests
import urllib3.exceptions

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import (
    CortexClient, CortexError, CortexOutcomeUnknown, CortexUnreachable, api_url, element, render_request)

OK = b'<?xml version="1.0" encoding="utf-8"?>\n<response version="1.0"><request><id>45001</id></request></response>'
EMPTY = b'<response version="1.0" />'


class FakeResponse(object):
    def __init__(self, status, body=b"", headers=None):
        self.status_code = status
        self.content = body
        self.headers = headers or {}

    def iter_content(self, size):
        for start in range(0, len(self.content), size):
            yield self.content[start:start + size]

    def close(self):
        pass


class FakeSession(requests.Session):
    """Plays a script of answers (FakeResponse) or exceptions, recording the bodies it was sent."""

    def __init__(self, script):
        super(FakeSession, self).__init__()
        self.script = list(script)
        self.sent = []
        self.kwargs = []

    def post(self, url, data=None, timeout=None, **kwargs):
        self.sent.append((url, data, timeout))
        self.kwargs.append(kwargs)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


def client(script, **kwargs):
    sleeps = []
    session = FakeSession(script)
    kwargs.setdefault("retry_budget", 60)
    c = CortexClient("https://cortex.example", "partner", "pw", session=session, sleep=sleeps.append, **kwargs)
    return c, session, sleeps


def customer():
    return element("customer", [("name", "BMS")])


def test_url_gets_the_api_path_once():
    assert api_url("https://admin.cloudforyou.fr") == "https://admin.cloudforyou.fr/cortexapi/default.aspx"
    assert api_url("https://h/CortexAPI/Default.aspx/") == "https://h/CortexAPI/Default.aspx"


def test_request_rendering_skips_unset_fields_and_writes_booleans():
    body = render_request("set", element("user", [("name", "claire"), ("upn", None), ("enabled", True)]))
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert b'<request action="SET" version="1.0"><user><name>claire</name><enabled>True</enabled></user></request>' in body


def test_basic_auth_is_preemptive_and_timeout_is_set():
    c, session, dummy = client([FakeResponse(200, OK)], timeout=7)
    c.call("GET", customer())
    prepared = session.prepare_request(requests.Request("POST", c.url))
    assert prepared.headers["Authorization"] == "Basic " + base64.b64encode(b"partner:pw").decode("ascii")
    assert session.sent[0][2] == 7


def caused(*layers):
    """An exception as requests raises it: each layer caused by the next one (the innermost last)."""
    for outer, inner in zip(layers, layers[1:]):
        outer.__cause__ = inner
    return layers[0]


def unreachable(*cause, **kwargs):
    """requests' ConnectionError for a connection that could not be opened, caused by ``cause``."""
    reason = caused(*cause)
    wrapper = kwargs.get("wrapper", requests.exceptions.ConnectionError)
    return wrapper(urllib3.exceptions.MaxRetryError(None, "/cortexapi/default.aspx", reason=reason))


def refused():
    return unreachable(urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection"),
                       ConnectionRefusedError(111, "Connection refused"))


def no_route():
    return unreachable(urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection"),
                       OSError(113, "No route to host"))


def unresolved(code):
    return unreachable(urllib3.exceptions.NameResolutionError("cortex.example", None, socket.gaierror(code, "dns")),
                       socket.gaierror(code, "dns"))


def test_read_retries_503_honouring_retry_after_then_succeeds():
    c, session, sleeps = client([FakeResponse(503, b"", {"Retry-After": "2"}), FakeResponse(500), FakeResponse(200, OK)])
    root = c.call("FIND", customer())
    assert root.find("request/id").text == "45001"
    assert len(session.sent) == 3
    assert sleeps[0] == 2.0  # Retry-After honoured
    assert 0 <= sleeps[1] <= 2.0  # then full-jitter backoff: uniform(0, 0.5 * 2**attempt)


def test_read_retries_connection_errors_and_gives_up_within_the_budget():
    errors = [requests.exceptions.ConnectionError("reset")] * 10
    c, session, sleeps = client(errors, max_attempts=4)
    with pytest.raises(CortexError) as info:
        c.call("GET", customer())
    assert "gave up after 4 attempts" in info.value.message
    assert len(session.sent) == 4 and len(sleeps) == 3


def test_retry_budget_bounds_total_time():
    c, session, sleeps = client([FakeResponse(503, b"", {"Retry-After": "30"})] * 5, retry_budget=10)
    with pytest.raises(CortexError):
        c.call("GET", customer())
    assert len(session.sent) == 1 and sleeps == []  # waiting 30 s would overrun a 10 s budget


def test_write_retries_503_because_nothing_was_done():
    c, session, sleeps = client([FakeResponse(503, b"", {"Retry-After": "1"}), FakeResponse(200, OK)])
    c.call("SET", customer())
    assert len(session.sent) == 2


@pytest.mark.parametrize("failure", [
    FakeResponse(500, b'<response version="1.0"><error><id>InternalError</id><message>boom</message></error></response>'),
    requests.exceptions.ReadTimeout("read timed out"),
    requests.exceptions.ChunkedEncodingError("IncompleteRead"),
    requests.exceptions.ConnectionError("Connection aborted. RemoteDisconnected"),
])
def test_write_is_never_blindly_repeated(failure):
    c, session, dummy = client([failure, FakeResponse(200, OK)])
    with pytest.raises(CortexOutcomeUnknown):
        c.call("SET", customer())
    assert len(session.sent) == 1


def test_write_is_retried_when_the_connection_was_never_opened():
    script = [no_route(), requests.exceptions.ConnectTimeout("connect"), unresolved(socket.EAI_AGAIN),
              FakeResponse(200, OK)]
    c, session, dummy = client(script)
    c.call("DELETE", customer())
    assert len(session.sent) == 4


@pytest.mark.parametrize("action", ["GET", "SET"])
@pytest.mark.parametrize("failure, says", [
    (refused, "the connection to cortex.example:443 was refused (nothing listens there); check the host and port of "
              "cortex_url"),
    (lambda: unresolved(socket.EAI_NONAME), "the host name cortex.example is not known to the DNS; check the host name "
                                            "in cortex_url"),
])
def test_what_retrying_cannot_mend_fails_at_once(action, failure, says):
    c, session, sleeps = client([failure(), FakeResponse(200, OK)])
    with pytest.raises(CortexError) as info:
        c.call(action, customer())
    assert not isinstance(info.value, CortexOutcomeUnknown)
    assert info.value.message == "cannot reach https://cortex.example/cortexapi/default.aspx: " + says
    assert len(session.sent) == 1 and sleeps == []


def test_a_proxy_that_refuses_is_named_without_its_credentials(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://someone:hunter22@proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "")
    failure = unreachable(urllib3.exceptions.ProxyError("Unable to connect to proxy", None),
                          urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection"),
                          ConnectionRefusedError(111, "Connection refused"), wrapper=requests.exceptions.ProxyError)
    c, session, dummy = client([failure])
    with pytest.raises(CortexError) as info:
        c.call("GET", customer())
    assert "the connection to the proxy proxy.example:3128 was refused" in info.value.message
    assert "HTTPS_PROXY" in info.value.message and "hunter22" not in info.value.message
    assert len(session.sent) == 1


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_failures_are_retried_for_reads_and_unknown_for_writes(status):
    c, session, dummy = client([FakeResponse(status), FakeResponse(200, OK)])
    c.call("GET", customer())
    assert len(session.sent) == 2
    c, session, dummy = client([FakeResponse(status), FakeResponse(200, OK)])
    with pytest.raises(CortexOutcomeUnknown):
        c.call("SET", customer())
    assert len(session.sent) == 1


def test_redirects_are_not_followed():
    c, session, dummy = client([FakeResponse(307, b"", {"Location": "https://elsewhere.example/cortexapi/default.aspx"})])
    with pytest.raises(CortexError) as info:
        c.call("GET", customer())
    assert session.kwargs[0]["allow_redirects"] is False
    assert "https://elsewhere.example/cortexapi/default.aspx" in info.value.message and len(session.sent) == 1


@pytest.mark.parametrize("body, says", [
    (b"<html><body>Down for maintenance</body></html>", "root <html>"),
    (b'<?xml version="1.0"?><rss><channel/></rss>', "root <rss>"),
    (b"maintenance in progress", "not XML"),
])
def test_a_200_that_is_not_a_cortexapi_answer_is_not_retried_nor_shown(body, says):
    c, session, dummy = client([FakeResponse(200, body), FakeResponse(200, OK)])
    with pytest.raises(CortexError) as info:
        c.call("FIND", customer())
    assert info.value.message.startswith("the answer of https://cortex.example/cortexapi/default.aspx to FIND is not a "
                                         "CortexAPI answer (" + says)
    assert "maintenance" not in info.value.message and "channel" not in info.value.message
    assert len(session.sent) == 1


def test_an_error_root_in_a_200_answer_keeps_its_error_ids():
    c, dummy, dummy2 = client([FakeResponse(200, b"<error><id>Busy</id><message>try later</message></error>")])
    with pytest.raises(CortexError) as info:
        c.call("SET", customer())
    assert info.value.error_ids == ["Busy"] and not isinstance(info.value, CortexOutcomeUnknown)


def test_400_errors_are_parsed_and_not_retried():
    body = (b'<response version="1.0"><error><id>PasswordTooShort</id><message>too short</message></error>'
            b'<error><id>DomainNotOwned</id><message>bad domain</message></error></response>')
    c, session, dummy = client([FakeResponse(400, body)])
    with pytest.raises(CortexError) as info:
        c.call("SET", customer())
    assert info.value.status == 400
    assert info.value.error_ids == ["PasswordTooShort", "DomainNotOwned"]
    assert "too short" in info.value.message and len(session.sent) == 1


def test_401_with_a_non_xml_body_says_authentication_failed():
    c, session, dummy = client([FakeResponse(401, b"<html><body>401 - Unauthorized</body></html>")])
    with pytest.raises(CortexError) as info:
        c.call("FIND", customer())
    assert "authentication failed" in info.value.message and len(session.sent) == 1


def test_bom_and_unknown_elements_are_tolerated():
    body = b"\xef\xbb\xbf" + b'<response version="1.0"><customer><name>BMS</name><futurefield>x</futurefield></customer></response>'
    c, dummy, dummy2 = client([FakeResponse(200, body)])
    assert c.call("FIND", customer()).find("customer/name").text == "BMS"


def test_a_dtd_in_an_answer_is_refused():
    body = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><response>&a;</response>'
    c, dummy, dummy2 = client([FakeResponse(200, body)])
    with pytest.raises(CortexError) as info:
        c.call("GET", customer())
    assert "DTD" in info.value.message


def test_calls_are_counted_per_action():
    c, dummy, dummy2 = client([FakeResponse(200, EMPTY), FakeResponse(200, EMPTY), FakeResponse(200, OK)])
    c.call("FIND", customer())
    c.call("find", customer())
    c.call("SET", customer())
    assert c.calls == {"FIND": 2, "SET": 1}


def test_ntlm_is_used_when_asked_for():
    pytest.importorskip("requests_ntlm")
    c, session, dummy = client([FakeResponse(200, OK)], auth="ntlm")
    assert type(session.auth).__name__ == "HttpNtlmAuth"


def test_proxies_come_from_the_environment_once(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "")
    c, session, dummy = client([FakeResponse(200, OK)])
    assert session.proxies.get("https") == "http://proxy.example:3128"
    assert session.trust_env is False


def test_a_silent_server_opens_the_circuit_and_later_calls_fail_at_once():
    errors = [requests.exceptions.ConnectionError("Connection aborted.")] * 10
    c, session, sleeps = client(errors, unreachable_after=0.0)
    with pytest.raises(CortexUnreachable):
        c.call("GET", customer())
    with pytest.raises(CortexUnreachable) as info:
        c.call("SET", customer())
    assert len(session.sent) == 1  # the second attempt and the second call were not sent
    assert "has given no answer" in info.value.message
    assert "the connection to cortex.example:443 was closed before a complete answer" in info.value.message


def test_any_answer_closes_the_circuit_again():
    script = [requests.exceptions.ConnectionError("reset"), FakeResponse(200, OK),
              requests.exceptions.ConnectionError("reset"), FakeResponse(200, OK)]
    c, session, sleeps = client(script, unreachable_after=30.0)
    c.call("GET", customer())
    c.call("GET", customer())
    assert len(session.sent) == 4


def test_an_answer_over_the_size_limit_is_refused_while_streaming():
    c, session, dummy = client([FakeResponse(200, b"<response>" + b"x" * 300000 + b"</response>")],
                               max_response_bytes=100000)
    with pytest.raises(CortexError) as info:
        c.call("GET", customer())
    assert "larger than the limit of 100000 bytes" in info.value.message and len(session.sent) == 1


def test_a_write_answered_over_the_size_limit_may_have_been_applied():
    c, session, dummy = client([FakeResponse(200, b"x", {"Content-Length": "999999999"})], max_response_bytes=1000)
    with pytest.raises(CortexOutcomeUnknown):
        c.call("SET", customer())


# -- reads sent ahead ---------------------------------------------------------------------------------------
def answer(code):
    return FakeResponse(200, ('<response version="1.0"><customer><name>%s</name></customer></response>' % code).encode())


def named(root):
    return root.find("customer/name").text


def of(code):
    return element("customer", [("name", code)])


def in_turn(function, items):
    """As a module's ``parallel`` does, in turn: an exception in place of its result."""
    from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_poll import serial
    return serial(function, items)


def test_a_read_sent_ahead_is_taken_once_by_the_read_sending_the_same_request():
    c, session, dummy = client([answer("BMS"), answer("FDS"), answer("BMS-again")])
    c.read_ahead([lambda: c.call("GET", of("BMS")), lambda: c.call("GET", of("FDS"))], in_turn)
    assert len(session.sent) == 2
    assert named(c.call("GET", of("FDS"))) == "FDS"
    assert named(c.call("GET", of("BMS"))) == "BMS"
    assert len(session.sent) == 2  # both taken: nothing sent
    assert named(c.call("GET", of("BMS"))) == "BMS-again"  # taken once: the same read again goes to Cortex
    assert len(session.sent) == 3


def test_a_write_drops_what_was_read_ahead():
    c, session, dummy = client([answer("BMS"), FakeResponse(200, OK), answer("BMS-after")])
    c.read_ahead([lambda: c.call("GET", of("BMS"))], in_turn)
    c.call("SET", of("BMS"))
    assert named(c.call("GET", of("BMS"))) == "BMS-after"  # never the answer from before the write
    assert len(session.sent) == 3


def test_what_no_read_took_is_dropped_when_asked():
    c, session, dummy = client([answer("BMS"), answer("BMS-later")])
    c.read_ahead([lambda: c.call("GET", of("BMS"))], in_turn)
    c.drop_kept()
    assert named(c.call("GET", of("BMS"))) == "BMS-later"
    assert len(session.sent) == 2


def test_the_error_of_a_read_sent_ahead_is_raised_by_the_read_taking_it():
    c, session, dummy = client([FakeResponse(400, b"<error><id>NotFound</id><message>customer not found</message></error>")])
    outcomes = c.read_ahead([lambda: c.call("GET", of("XYZ"))], in_turn)
    assert len(session.sent) == 1
    with pytest.raises(CortexError) as raised:
        c.call("GET", of("XYZ"))
    assert raised.value is outcomes[0]
    assert len(session.sent) == 1  # raised from what was kept, not asked again


def test_reads_sent_ahead_go_at_once():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    both_sent = threading.Barrier(2, timeout=10)

    class TogetherSession(FakeSession):
        def post(self, url, data=None, timeout=None, **kwargs):
            both_sent.wait()  # breaks (and the read fails) unless the other read is in flight too
            return answer("BMS" if b"BMS" in data else "FDS")

    session = TogetherSession([])
    c = CortexClient("https://cortex.example", "partner", "pw", session=session, sleep=lambda s: None, max_attempts=1)
    with ThreadPoolExecutor(2) as pool:
        c.read_ahead([lambda: c.call("GET", of("BMS")), lambda: c.call("GET", of("FDS"))],
                     lambda function, items: list(pool.map(function, items)))
    assert named(c.call("GET", of("BMS"))) == "BMS"
    assert named(c.call("GET", of("FDS"))) == "FDS"
