# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP and XML transport to the CortexAPI.

One ``requests.Session`` per client (keep-alive, thread-safe for the bounded concurrency of the bulk modules),
pre-emptive Basic authentication (NTLM when asked for and ``requests_ntlm`` is importable), and the policy:

* every exchange has an overall deadline (``timeout``: connect, send, and the whole answer): a server that drips
  its answer byte by byte is cut off when the deadline passes, not after one socket timeout per byte;
* answers are streamed and cut at ``max_response_bytes``: a huge answer is refused without being held in memory;
* reads (FIND, GET) are retried on 500, 502, 503, 504, timeouts and dropped connections with exponential backoff
  and full jitter, honouring ``Retry-After``, inside a bounded total time;
* writes (SET, DELETE) are retried only when the server certainly did nothing: a 503 ("busy") or a connection
  that could not be opened. Any other failure after the request may have reached the server raises
  :class:`CortexOutcomeUnknown`, so the caller re-reads the object and decides whether to write again;
* what retrying cannot mend fails at once, in one sentence naming the URL and the remedy: a refused connection, an
  unknown host name, a TLS failure; a URL without a usable scheme or host, or a ``ca_path`` that cannot be read, are
  refused when the client is built. Messages are built from the kind of failure, never from an exception's text;
* a 200 answer that is not a CortexAPI ``<response>`` (a maintenance page, another service) is an error, never read
  as "nothing found"; redirects are never followed (a 307 would carry the body and the credentials to its target);
* Basic credentials are sent as UTF-8.
* a circuit breaker: once the server has given no answer at all for ``unreachable_after`` seconds, every further
  call fails at once with :class:`CortexUnreachable` instead of each item of a bulk retrying on its own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import heapq
import ipaddress
import os
import random
import re
import socket
import ssl
import threading
import time
import xml.etree.ElementTree as ET
from http.client import HTTPException
from urllib.parse import urljoin, urlsplit, urlunsplit

try:
    import requests
    import urllib3.exceptions
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
# Answers worth asking again: the server or a gateway in front of it failed, or is busy (503: nothing was done).
RETRIED_STATUSES = frozenset((500, 502, 503, 504))
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


class _ForeignAnswer(CortexError):
    """A 200 answer that is not a CortexAPI answer: whatever answered, the request reached something."""


class _NoAnswer(Exception):
    """An exchange that got no complete answer: ``kind`` is a key of :data:`FAILURES`."""

    def __init__(self, kind, detail=None, proxy=False):
        super(_NoAnswer, self).__init__(kind)
        self.kind = kind
        self.detail = detail
        self.proxy = proxy


# The kinds of failure of an exchange that got no answer: (the request certainly never reached the server, worth
# retrying, what happened, the remedy). The text comes from here only, never from the exception's.
FAILURES = {
    "refused": (True, False, "the connection to %(where)s was refused (nothing listens there)",
                "check the host and port of cortex_url"),
    "unknown_host": (True, False, "the host name %(host)s is not known to the DNS", "check the host name in cortex_url"),
    "dns": (True, True, "the host name %(host)s could not be resolved (temporary DNS failure)", None),
    "no_route": (True, True, "no route to %(where)s (network unreachable)", None),
    "connect_timeout": (True, True, "no connection to %(where)s within %(timeout)s s (timeout)", None),
    "tls": (True, False, "the TLS connection to %(where)s failed (%(detail)s)",
            "check the scheme and port of cortex_url and the server's certificate (ca_path names the authorities "
            "to trust)"),
    "url": (True, False, "the address cannot be used", "check cortex_url"),
    "timeout": (False, True, "no complete answer within %(timeout)s s (timeout)", None),
    "dropped": (False, True, "the connection to %(where)s was closed before a complete answer", None),
}
PROXY_REMEDY = "check the proxy settings of the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)"
URL_START = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def api_url(base_url):
    """The endpoint URL: the API path is appended unless the URL already names it."""
    url = (base_url or "").rstrip("/")
    if not url.lower().endswith(API_PATH):
        url += API_PATH
    return url


def shown_url(url):
    """A URL as messages show it: without the user and password it may hold."""
    return re.sub(r"^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)?[^/?#@]*@", r"\1", (url or "").strip())


def check_url(url):
    """Raise CortexError when ``cortex_url`` cannot reach anything: no scheme, another scheme than http(s), no host,
    a port out of range. Nothing here would change by retrying."""
    text = (url or "").strip()
    shown = shown_url(text)
    if not URL_START.match(text):
        raise CortexError("cortex_url '%s' has no scheme: write it https://%s (the address of the Cortex console)"
                          % (shown, shown or "HOST"))
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise CortexError("cortex_url '%s' has the scheme '%s': Cortex is reached by https:// (or http://)"
                          % (shown, parts.scheme))
    if not parts.hostname:
        raise CortexError("cortex_url '%s' has no host: write it https://HOST (the address of the Cortex console)"
                          % shown)
    try:
        parts.port
    except ValueError:
        raise CortexError("cortex_url '%s' has an invalid port: give a number from 1 to 65535 after the host, or none"
                          % shown)


def check_ca_path(path):
    """Raise CortexError when ``ca_path`` is neither a readable file nor a readable directory."""
    if os.path.isdir(path):
        if os.access(path, os.R_OK | os.X_OK):
            return
        reason = "is a directory that cannot be read"
    else:
        try:
            with open(path, "rb"):
                return
        except (IOError, OSError):
            reason = "cannot be read" if os.path.exists(path) else "does not exist"
    raise CortexError("ca_path %s %s: give the PEM file of the certificate authorities that signed Cortex's "
                      "certificate" % (path, reason))


def is_loopback(host):
    """True for localhost, 127.0.0.0/8 and ::1: traffic that never leaves the machine."""
    host = (host or "").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connection_warnings(url, validate_certs=True):
    """Fixed sentences warning of a connection that exposes the credentials: plain http:// to another machine, or a
    server certificate left unverified. They name the URL's host, never credentials."""
    text = (url or "").strip()
    if not URL_START.match(text):
        return []
    parts = urlsplit(text)
    host = parts.hostname or ""
    scheme = parts.scheme.lower()
    if scheme == "http" and not is_loopback(host):
        return ["cortex_url uses http:// to %s: the Basic credentials, and every password sent to Cortex, cross the "
                "network in clear; use https://" % host]
    if scheme == "https" and not validate_certs:
        return ["validate_certs is false: the server certificate of %s is not verified, so whoever can intercept the "
                "connection receives the credentials; keep validate_certs on and give the authority that signed the "
                "certificate in ca_path" % host]
    return []


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

    ``read_ahead(reads, parallel)``: reads the caller will make next, independent of one another, sent at once; each
    answer (or error) is kept for the first read sending the same request, which then sends nothing. What is kept is
    dropped at the first write and by ``drop_kept()``: a read after a write always goes to Cortex.
    """

    def __init__(self, url, username, password, validate_certs=True, ca_path=None, timeout=30,
                 auth="basic", pool_size=8, retry_budget=60.0, max_attempts=6, backoff=0.5,
                 unreachable_after=60.0, max_response_bytes=MAX_RESPONSE_BYTES, sleep=time.sleep, session=None):
        check_url(url)
        if validate_certs and ca_path:
            check_ca_path(ca_path)
        self.url = api_url(url.strip())
        self.shown_url = shown_url(self.url)
        self.timeout = timeout
        self.retry_budget = retry_budget
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.unreachable_after = unreachable_after
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._lock = threading.Lock()
        self.calls = {}
        self._kept = {}  # request body -> answer or error of a read sent ahead (read_ahead)
        self._keeping = threading.local()
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
            # as UTF-8 bytes: requests would encode text as Latin-1, and fail on any character outside it
            self.session.auth = requests.auth.HTTPBasicAuth(_utf8(username), _utf8(password))
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
                                    "attempted" % (self.shown_url, time.monotonic() - since, last))

    # -- one exchange -----------------------------------------------------------------------------------
    def _exchange(self, body):
        """POST once; returns (status, headers, content). Raises :class:`_NoAnswer` when no complete answer came
        back, or CortexError for an answer over the size limit. The whole exchange ends by ``timeout`` seconds."""
        deadline = time.monotonic() + self.timeout
        WATCHDOG.arm(deadline)
        response = None
        try:
            # verify per request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override session.verify, which
            # would silently replace ca_path with the system bundle. Redirects are not followed: a 307 or 308 would
            # send the same body (a user's password) and the credentials to wherever Location says.
            response = self.session.post(self.url, data=body, timeout=self.timeout, verify=self.session.verify,
                                         stream=True, allow_redirects=False)
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
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, HTTPException, OSError) as exc:
            kind, detail, proxy = failure_kind(exc)
            if time.monotonic() >= deadline and not FAILURES[kind][0]:
                kind = "timeout"  # the watchdog cut the exchange at its deadline
            raise _NoAnswer(kind, detail, proxy)
        finally:
            WATCHDOG.disarm()
            if response is not None:
                response.close()

    def describe(self, failure):
        """(what happened, the remedy or None) for a :class:`_NoAnswer`, from its kind only."""
        dummy, dummy, text, remedy = FAILURES[failure.kind]
        parts = urlsplit(self.url)
        host, where = parts.hostname, _host_port(parts.hostname, parts.port, parts.scheme)
        if failure.proxy:
            proxy = urlsplit(self.session.proxies.get(parts.scheme.lower()) or "")
            host = "of the proxy %s" % proxy.hostname
            where = "the proxy %s" % _host_port(proxy.hostname, proxy.port, proxy.scheme or "http")
            remedy = PROXY_REMEDY if remedy else None
        text = text % dict(where=where, host=host, timeout=self.timeout, detail=failure.detail or "the handshake failed")
        return text, remedy

    # -- reads sent ahead -------------------------------------------------------------------------------
    def read_ahead(self, reads, parallel):
        """Run ``reads`` (callables, each making reads through this client) with ``parallel(function, items)``, keeping
        their answers for the reads that will send the same requests; returns what each returned (or raised)."""
        def keeping(read):
            self._keeping.on = True
            try:
                return read()
            finally:
                self._keeping.on = False
        return parallel(keeping, list(reads))

    def drop_kept(self):
        """Forget the answers of reads sent ahead that no read has taken."""
        with self._lock:
            self._kept.clear()

    def _keep(self, body, answer, error=None):
        with self._lock:
            self._kept[body] = (answer, error)

    def _take_kept(self, body):
        """The answer kept for this request, as ``(answer, error)``; None when none is."""
        with self._lock:
            return self._kept.pop(body, None) if self._kept else None

    def call(self, action, *targets):
        action = action.upper()
        body = render_request(action, *targets)
        is_read = action in READ_ACTIONS
        if not is_read:
            self.drop_kept()
        elif getattr(self._keeping, "on", False):
            try:
                answer = self._call(action, body, is_read)
            except Exception as exc:
                self._keep(body, None, exc)
                raise
            self._keep(body, answer)
            return answer
        else:
            kept = self._take_kept(body)
            if kept is not None:
                answer, error = kept
                if error is not None:
                    raise error
                return answer
        return self._call(action, body, is_read)

    def _call(self, action, body, is_read):
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
                                               % (action, self.shown_url, exc.message), exc.status)
                raise
            except _NoAnswer as exc:
                never_sent, retried = FAILURES[exc.kind][:2]
                text, remedy = self.describe(exc)
                if exc.kind != "tls":  # a TLS failure is an answer of sorts: something is there
                    self._silent(text)
                if not is_read and not never_sent:
                    raise CortexOutcomeUnknown("%s request to %s got no complete answer (%s); it may have been applied"
                                               % (action, self.shown_url, text))
                failure = CortexError("cannot reach %s: %s%s" % (self.shown_url, text, "; " + remedy if remedy else ""))
                if not retried:
                    raise failure
                retry_after = None
            else:
                self._answered()
                outcome = self._outcome(status, headers, content, action)
                if not isinstance(outcome, CortexError):
                    return outcome
                if isinstance(outcome, _ForeignAnswer) and not is_read:
                    raise CortexOutcomeUnknown("%s; the %s may have been applied" % (outcome.message, action), status)
                if outcome.status not in RETRIED_STATUSES:
                    raise outcome
                if outcome.status != 503 and not is_read:
                    raise CortexOutcomeUnknown(outcome.message, status=outcome.status, errors=outcome.errors)
                failure = outcome
                retry_after = _retry_after(headers) if outcome.status == 503 else None
            delay = self._delay(attempt, retry_after)
            if attempt >= self.max_attempts or time.monotonic() + delay > deadline:
                failure.message += " (gave up after %d attempts)" % attempt
                raise failure
            self._sleep(delay)

    def _outcome(self, status, headers, content, action):
        """The parsed root for a 200 CortexAPI answer, or a CortexError describing a failure."""
        if 300 <= status < 400:
            target = headers.get("Location")
            target = _shown_target(urljoin(self.url, target)) if target else "nowhere (no Location)"
            return CortexError("%s answered HTTP %d, a redirect to %s, which is not followed (it would carry the "
                               "credentials and the request there): set cortex_url to the final address"
                               % (self.shown_url, status, target), status)
        root = None
        parse_error = None
        if content.strip():
            try:
                root = parse_xml(content)
            except (ET.ParseError, ValueError) as exc:
                parse_error = exc
        if status == 200:
            if root is not None and root.tag == "response":
                return root
            if root is not None and root.tag == "error":
                errors = error_list(root)
                return CortexError("; ".join("%s: %s" % (eid, msg) if eid else msg for eid, msg in errors), status,
                                   errors)
            if root is not None:
                what = "root <%s>" % root.tag.rsplit("}", 1)[-1][:40]
            elif parse_error is None:
                what = "empty"
            elif b"<html" in content[:4096].lower():
                what = "an HTML page, not XML"
            elif isinstance(parse_error, ValueError):
                what = "it holds a DTD, which a CortexAPI answer never does"
            else:
                what = "not XML: %s" % parse_error
            return _ForeignAnswer("the answer of %s to %s is not a CortexAPI answer (%s): check that cortex_url is the "
                                  "address of the Cortex console" % (self.shown_url, action, what), status)
        errors = error_list(root)
        if status == 401 and not errors:
            return CortexError("authentication failed for %s: check cortex_username and cortex_password"
                               % self.shown_url, status)
        if errors:
            text = "; ".join("%s: %s" % (eid, msg) if eid else msg for eid, msg in errors)
        else:
            text = "HTTP %d from %s" % (status, self.shown_url)
        return CortexError(text, status, errors)


def _utf8(value):
    if isinstance(value, bytes):
        return value
    return (value or "").encode("utf-8")


def _host_port(host, port, scheme):
    host = host or "?"
    if ":" in host:
        host = "[%s]" % host
    return "%s:%s" % (host, port or (443 if (scheme or "").lower() == "https" else 80))


def _shown_target(url):
    """A redirect's target as messages show it: scheme, host, port and path (no credentials, no query)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return "'%s'" % shown_url(url).split("?", 1)[0][:200]
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))[:200]


def _retry_after(headers):
    value = headers.get("Retry-After")
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return None


def _causes(exc):
    """The exception and those it wraps (requests -> urllib3 -> socket, ssl), outermost first."""
    found, todo = [], [exc]
    while todo and len(found) < 32:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or any(current is seen for seen in found):
            continue
        found.append(current)
        todo.append(getattr(current, "reason", None))
        todo.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
        todo.extend((current.__cause__, current.__context__))
    return found


def failure_kind(exc):
    """(kind, detail, through a proxy) of an exchange's failure, from the types in its chain, never its text: the kind
    is a key of :data:`FAILURES`; the detail, for TLS, is OpenSSL's reason."""
    chain = _causes(exc)

    def first(*types):
        for item in chain:
            if isinstance(item, types):
                return item
        return None

    proxy = first(requests.exceptions.ProxyError, urllib3.exceptions.ProxyError) is not None
    if first(requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
             urllib3.exceptions.LocationValueError):
        return "url", None, proxy
    tls = first(ssl.SSLError, ssl.CertificateError, urllib3.exceptions.SSLError, requests.exceptions.SSLError)
    if tls is not None:
        return "tls", _tls_detail(chain), proxy
    if any(isinstance(item, ConnectionRefusedError) or getattr(item, "errno", None) == errno.ECONNREFUSED
           for item in chain):
        return "refused", None, proxy
    unresolved = first(socket.gaierror)
    if unresolved is not None:
        return ("dns" if unresolved.errno == socket.EAI_AGAIN else "unknown_host"), None, proxy
    if first(getattr(urllib3.exceptions, "NameResolutionError", ())):  # urllib3 2; 1.26 has the gaierror only
        return "unknown_host", None, proxy
    if first(urllib3.exceptions.NewConnectionError):
        return "no_route", None, proxy
    if first(requests.exceptions.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError):
        return "connect_timeout", None, proxy
    if first(requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, socket.timeout):
        return "timeout", None, proxy
    return "dropped", None, proxy


def _tls_detail(chain):
    """OpenSSL's words for a TLS failure (``certificate verify failed: self-signed certificate``)."""
    for item in chain:
        message = getattr(item, "verify_message", None)
        if isinstance(message, str) and message:
            return "certificate verify failed: %s" % message
    for item in chain:
        reason = getattr(item, "reason", None)
        if isinstance(item, ssl.SSLError) and isinstance(reason, str) and reason:
            return reason.replace("_", " ").lower()
    return None
