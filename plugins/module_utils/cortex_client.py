# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP and XML transport to the CortexAPI.

One ``requests.Session`` per client (keep-alive, thread-safe for the bounded concurrency of the bulk modules),
pre-emptive Basic authentication (NTLM when asked for and ``requests_ntlm`` is importable), and the policy:

* every exchange has an overall deadline (``timeout``: connect, send, and the whole answer): a server that drips
  its answer byte by byte is cut off when the deadline passes, not after one socket timeout per byte;
* answers are streamed and cut at ``max_response_bytes``: a huge answer is refused without being held in memory;
* reads (FIND, GET) are retried on 500, 503 and connection errors with exponential backoff and full jitter,
  honouring ``Retry-After``, inside a bounded total time;
* writes (SET, DELETE) are retried only when the server certainly did nothing: a 503 ("busy") or a connection
  that could not be opened. Any other failure after the request may have reached the server raises
  :class:`CortexOutcomeUnknown`, so the caller re-reads the object and decides whether to write again;
* a circuit breaker: once the server has given no answer at all for ``unreachable_after`` seconds, every further
  call fails at once with :class:`CortexUnreachable` instead of each item of a bulk retrying on its own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq
import random
import socket
import threading
import time
import xml.etree.ElementTree as ET

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module with missing_required_lib
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc
    HTTPAdapter = HTTPConnection = HTTPSConnection = HTTPConnectionPool = HTTPSConnectionPool = object

API_PATH = "/cortexapi/default.aspx"
READ_ACTIONS = frozenset(("FIND", "GET"))
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
CHUNK = 64 * 1024
# Above this, a 503's Retry-After is not waited for: the retry budget decides.
MAX_RETRY_AFTER = 30.0


class CortexError(Exception):
    """The server refused a request, or could not be reached.

    ``errors`` is a list of ``(id, message)`` from the ``<error>`` elements; ``status`` the HTTP status
    (None when no answer came back).
    """

    def __init__(self, message, status=None, errors=None, response=None):
        super(CortexError, self).__init__(message)
        self.message = message
        self.status = status
        self.errors = errors or []
        self.response = response

    @property
    def error_ids(self):
        return [error_id for error_id, dummy in self.errors]


class CortexOutcomeUnknown(CortexError):
    """A write may or may not have been applied: re-read before writing again."""


class CortexUnreachable(CortexError):
    """The server has not answered for a sustained period: the remaining work fails fast."""


def api_url(base_url):
    """The endpoint URL: the API path is appended unless the URL already names it."""
    url = (base_url or "").rstrip("/")
    if not url.lower().endswith(API_PATH):
        url += API_PATH
    return url


def element(tag, children=None, attrib=None):
    """Build an element from a tag and its children.

    ``children`` is text (str, int, bool), or a list of ``(tag, children)`` pairs and Elements, kept in
    order; pairs whose value is None are left out, so callers can list every optional field.
    """
    node = ET.Element(tag, attrib or {})
    if isinstance(children, bool):
        node.text = "True" if children else "False"
    elif isinstance(children, (list, tuple)):
        for child in children:
            if child is None:
                continue
            if isinstance(child, ET.Element):
                node.append(child)
                continue
            child_tag, value = child[0], child[1]
            if value is None:
                continue
            node.append(element(child_tag, value, child[2] if len(child) > 2 else None))
    elif children is not None:
        node.text = str(children)
    return node


def render_request(action, *targets):
    root = ET.Element("request", {"action": action.upper(), "version": "1.0"})
    for target in targets:
        root.append(target)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def parse_xml(body):
    """Parse a response body: BOM tolerated; DTDs and entity declarations refused (they never appear in
    CortexAPI answers, and refusing them rules out entity-expansion attacks whatever expat version runs)."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    head = body[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise ValueError("the answer holds a DTD, which a CortexAPI answer never does")
    return ET.fromstring(body)


def error_list(root):
    """``[(id, message)]`` of the ``<error>`` elements of a response (root-level or wrapped)."""
    errors = []
    if root is None:
        return errors
    nodes = [root] if root.tag == "error" else root.findall("error")
    for node in nodes:
        errors.append(((node.findtext("id") or "").strip(), (node.findtext("message") or "").strip()))
    return errors


class Watchdog(object):
    """One thread that shuts down the sockets of exchanges whose deadline has passed.

    A socket timeout bounds each read, not the exchange: a server sending one byte every few seconds would keep a
    read going for ever. Each exchange arms the watchdog with its deadline; when it passes, the socket is shut
    down, the blocked read fails, and the caller reports the deadline.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._heap = []
        self._armed = {}  # thread id -> (deadline, [sockets])
        self._thread = None

    def arm(self, deadline):
        with self._cond:
            self._armed[threading.get_ident()] = (deadline, [])

    def watch(self, sock):
        """Called by the connection of the current thread once it has a socket."""
        ident = threading.get_ident()
        with self._cond:
            armed = self._armed.get(ident)
            if armed is None or sock is None:
                return
            armed[1].append(sock)
            heapq.heappush(self._heap, (armed[0], id(sock), ident))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="cortex-deadline", daemon=True)
                self._thread.start()
            self._cond.notify()

    def disarm(self):
        with self._cond:
            self._armed.pop(threading.get_ident(), None)

    def _run(self):
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                deadline, dummy, ident = self._heap[0]
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
                armed = self._armed.get(ident)
                expired = armed[1] if armed is not None and armed[0] <= deadline else []
            for sock in expired:
                try:
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except (OSError, TypeError, ValueError):
                    pass


WATCHDOG = Watchdog()


class _Watched(object):
    """A connection that reports its socket to the watchdog, whether new (connect) or reused (request)."""

    def request(self, *args, **kwargs):  # pylint: disable=arguments-differ
        WATCHDOG.watch(self.sock)
        return super(_Watched, self).request(*args, **kwargs)

    def connect(self):
        super(_Watched, self).connect()
        WATCHDOG.watch(self.sock)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    """An adapter whose connections report their sockets to the watchdog."""

    def init_poolmanager(self, *args, **kwargs):
        super(_WatchedAdapter, self).init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class CortexClient(object):
    """A CortexAPI endpoint and a policy for talking to it.

    ``call(action, *targets)`` sends one request and returns the parsed ``<response>`` root.
    """

    def __init__(self, url, username, password, validate_certs=True, ca_path=None, timeout=30,
                 auth="basic", pool_size=8, retry_budget=60.0, max_attempts=6, backoff=0.5,
                 unreachable_after=60.0, max_response_bytes=MAX_RESPONSE_BYTES, sleep=time.sleep, session=None):
        self.url = api_url(url)
        self.timeout = timeout
        self.retry_budget = retry_budget
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.unreachable_after = unreachable_after
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._lock = threading.Lock()
        self.calls = {}
        self._silent_since = None  # when the server last stopped answering (None: it answers)
        self._last_failure = None
        self.session = session or requests.Session()
        adapter = _WatchedAdapter(pool_connections=1, pool_maxsize=max(pool_size, 1), max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        if auth == "ntlm":
            try:  # imported only when asked for: it pulls in a crypto stack every other run would pay for
                from requests_ntlm import HttpNtlmAuth
            except ImportError:
                raise CortexError("auth 'ntlm' needs the Python library requests_ntlm on the host running the module")
            self.session.auth = HttpNtlmAuth(username, password)
        else:
            self.session.auth = (username, password)
        self.session.verify = (ca_path or True) if validate_certs else False
        # Proxy settings are read from the environment once, for our one endpoint: with trust_env on, requests walks
        # os.environ again on every request, a fifth of the client's CPU in a bulk run.
        self.session.proxies = requests.utils.get_environ_proxies(self.url)
        self.session.trust_env = False
        self.session.headers.update({"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml"})

    def _count(self, action):
        with self._lock:
            self.calls[action] = self.calls.get(action, 0) + 1

    def _delay(self, attempt, retry_after=None):
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER)
        # Full jitter: spreads the retries of concurrent workers hitting the same busy server.
        return random.uniform(0, self.backoff * (2 ** attempt))

    # -- the circuit breaker ----------------------------------------------------------------------------
    def _answered(self):
        with self._lock:
            self._silent_since = None

    def _silent(self, failure):
        with self._lock:
            if self._silent_since is None:
                self._silent_since = time.monotonic()
            self._last_failure = failure

    def _check_breaker(self):
        with self._lock:
            since, last = self._silent_since, self._last_failure
        if since is not None and time.monotonic() - since >= self.unreachable_after:
            raise CortexUnreachable("Cortex at %s has given no answer for %d s (last: %s); the remaining work is not "
                                    "attempted" % (self.url, time.monotonic() - since, last))

    # -- one exchange -----------------------------------------------------------------------------------
    def _exchange(self, body):
        """POST once; returns (status, headers, content). Raises requests' exceptions, or CortexError for an answer
        over the size limit. The whole exchange ends by ``timeout`` seconds."""
        deadline = time.monotonic() + self.timeout
        WATCHDOG.arm(deadline)
        response = None
        try:
            # verify per request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override session.verify, which
            # would silently replace ca_path with the system bundle
            response = self.session.post(self.url, data=body, timeout=self.timeout, verify=self.session.verify,
                                         stream=True)
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > self.max_response_bytes:
                raise CortexError("the answer is %s bytes, more than the limit of %d" % (length, self.max_response_bytes),
                                  response.status_code)
            parts, size = [], 0
            for part in response.iter_content(CHUNK):
                size += len(part)
                if size > self.max_response_bytes:
                    raise CortexError("the answer is larger than the limit of %d bytes" % self.max_response_bytes,
                                      response.status_code)
                parts.append(part)
            return response.status_code, response.headers, b"".join(parts)
        except (requests.exceptions.RequestException, OSError) as exc:
            if time.monotonic() >= deadline:
                raise requests.exceptions.Timeout("no complete answer within %s s (timeout)" % self.timeout)
            raise exc
        finally:
            WATCHDOG.disarm()
            if response is not None:
                response.close()

    def call(self, action, *targets):
        action = action.upper()
        body = render_request(action, *targets)
        is_read = action in READ_ACTIONS
        deadline = time.monotonic() + self.retry_budget
        attempt = 0
        while True:
            self._check_breaker()
            attempt += 1
            self._count(action)
            try:
                status, headers, content = self._exchange(body)
            except CortexError as exc:  # an answer over the size limit: the server did answer
                self._answered()
                if not is_read:
                    raise CortexOutcomeUnknown("%s request to %s: %s; it may have been applied"
                                               % (action, self.url, exc.message), exc.status)
                raise
            except requests.exceptions.SSLError as exc:
                raise CortexError("TLS error talking to %s: %s (see validate_certs and ca_path)" % (self.url, exc))
            except (requests.exceptions.RequestException, OSError) as exc:
                never_sent = isinstance(exc, requests.exceptions.ConnectTimeout) or _connection_refused(exc)
                self._silent(_short(exc))
                if not is_read and not never_sent:
                    raise CortexOutcomeUnknown("%s request to %s got no complete answer (%s); it may have been applied"
                                               % (action, self.url, _short(exc)))
                failure = CortexError("cannot reach %s: %s" % (self.url, _short(exc)))
                retry_after = None
            else:
                self._answered()
                outcome = self._outcome(status, content, action)
                if not isinstance(outcome, CortexError):
                    return outcome
                if outcome.status not in (500, 503):
                    raise outcome
                if outcome.status == 500 and not is_read:
                    raise CortexOutcomeUnknown(outcome.message, status=500, errors=outcome.errors)
                failure = outcome
                retry_after = _retry_after(headers) if outcome.status == 503 else None
            delay = self._delay(attempt, retry_after)
            if attempt >= self.max_attempts or time.monotonic() + delay > deadline:
                failure.message += " (gave up after %d attempts)" % attempt
                raise failure
            self._sleep(delay)

    def _outcome(self, status, content, action):
        """The parsed root for a 200, or a CortexError describing a failure."""
        root = None
        parse_error = None
        if content.strip():
            try:
                root = parse_xml(content)
            except (ET.ParseError, ValueError) as exc:
                parse_error = exc
        if status == 200:
            if parse_error is not None:
                return CortexError("the answer to %s is not valid XML: %s" % (action, parse_error), status)
            if root is None:
                return CortexError("the answer to %s is empty" % action, status)
            return root
        errors = error_list(root)
        if status == 401 and not errors:
            return CortexError("authentication failed for %s: check cortex_username and cortex_password" % self.url,
                               status)
        if errors:
            text = "; ".join("%s: %s" % (eid, msg) if eid else msg for eid, msg in errors)
        else:
            text = "HTTP %d from %s" % (status, self.url)
        return CortexError(text, status, errors)


def _retry_after(headers):
    value = headers.get("Retry-After")
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return None


def _connection_refused(exc):
    """True when the connection could not be opened, so the request certainly never reached the server."""
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text or "NameResolutionError" in text


def _short(exc):
    text = str(exc)
    return text if len(text) < 300 else text[:297] + "..."
