"""HTTP to a list of coordinators, with fail-over.

One request goes to the current coordinator. A connection error, a timeout, a 5xx or a 429
moves this transport to the next URL (unless another thread already moved it) and raises
:class:`BatonUnavailable`, which callers resend; any other refusal raises the typed problem
from :mod:`errors`. Connections are not shared between threads: each request opens its own,
which keeps a long-poll on one thread from holding up a heartbeat on another.
"""

import http.client
import json
import logging
import ssl
import threading
import time
import urllib.parse

from .errors import BatonUnavailable, problem_error

LOG = logging.getLogger("baton_client")
_FAILOVER_LOG_EVERY_S = 10.0


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body


class Transport:
    def __init__(self, urls, token, ssl_context=None):
        if isinstance(urls, str):
            urls = [urls]
        self._bases = [_parse(u) for u in urls]
        if not self._bases:
            raise ValueError("at least one coordinator URL is needed")
        self._token = token
        self._ssl = ssl_context
        self._lock = threading.Lock()
        self._current = 0
        self._failover_logged = 0.0
        self._failovers = 0

    @property
    def urls(self):
        return [b.geturl() for b in self._bases]

    @property
    def failovers(self):
        """How many times this transport moved to the next URL."""
        return self._failovers

    def request(self, method, path, body=None, headers=None, timeout=10.0):
        """Sends one request; returns the parsed JSON answer of a 2xx (None for an empty body)."""
        return self.exchange(method, path, body, headers, timeout)[1]

    def exchange(self, method, path, body=None, headers=None, timeout=10.0):
        """Like :meth:`request`, returning ``(response, parsed JSON)`` for callers that need headers."""
        with self._lock:
            index = self._current
        base = self._bases[index]
        sent = {"Authorization": "Bearer " + self._token, "Accept": "application/json"}
        data = None
        if body is not None:
            data = encode(body)
            sent["Content-Type"] = "application/json"
        if headers:
            sent.update(headers)
        try:
            response = self._send(base, method, base.path.rstrip("/") + path, data, sent, timeout)
        except (OSError, http.client.HTTPException) as e:
            self._fail_over(index, repr(e))
            raise BatonUnavailable("coordinator %s unreachable: %r" % (base.geturl(), e)) from e
        problem = _json(response.body) if response.body else None
        if 200 <= response.status < 300:
            if response.body and problem is None:
                self._fail_over(index, "unreadable answer")
                raise BatonUnavailable("unreadable answer from %s" % base.geturl(), status=response.status)
            return response, problem
        problem = problem if isinstance(problem, dict) else {}
        if response.status >= 500 or response.status == 429:
            # An outage (503), or a coordinator that cannot serve this now: try the next one.
            code = problem.get("code") or "http_%d" % response.status
            self._fail_over(index, "answered %d %s" % (response.status, code))
            raise BatonUnavailable(
                "coordinator %s answered %d %s: %s" % (base.geturl(), response.status, code, problem.get("detail", "")),
                status=response.status, code=code, retry_after=_retry_after(response.headers), problem=problem)
        raise problem_error(response.status, problem)

    def _send(self, base, method, target, data, headers, timeout):
        if base.scheme == "https":
            conn = http.client.HTTPSConnection(base.hostname, base.port or 443, timeout=timeout,
                                               context=self._ssl or ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(base.hostname, base.port or 80, timeout=timeout)
        try:
            conn.request(method, target, body=data, headers=headers)
            r = conn.getresponse()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            conn.close()

    def _fail_over(self, failed_index, why):
        with self._lock:
            if self._current != failed_index or len(self._bases) == 1:
                return
            self._current = (failed_index + 1) % len(self._bases)
            self._failovers += 1
            to = self._bases[self._current].geturl()
            now = time.monotonic()
            loud = now - self._failover_logged >= _FAILOVER_LOG_EVERY_S
            if loud:
                self._failover_logged = now
        (LOG.warning if loud else LOG.debug)(
            "coordinator %s failed (%s); switching to %s", _shown(self._bases[failed_index]), why, _shown_url(to))


def encode(body):
    """A request body as it is sent: compact JSON in UTF-8. Raises ValueError (a lone surrogate, NaN,
    a circular reference), TypeError (not JSON) or RecursionError (nested too deep) for one that
    cannot be sent."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def _parse(url):
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError("not an http(s) coordinator URL: %r" % url)
    return parsed


def _shown(base):
    return _shown_url(base.geturl())


def _shown_url(url):
    p = urllib.parse.urlsplit(url)
    if p.password is None:
        return url
    return url.replace(":" + p.password + "@", ":***@", 1)


def _json(body):
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def _retry_after(headers):
    value = headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from Baton, which sends seconds; the caller's backoff decides
