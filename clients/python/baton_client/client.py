"""The producer's (and admin's) client: enqueue, batch, get, wait, list, cancel, retry.

Also the worker endpoints (claim, heartbeat, progress, logs, complete, fail, completions), each a
single request: :class:`baton_client.Worker` adds the resending and the bookkeeping around them.
"""

import time
import urllib.parse
import uuid

from .errors import BatonTimeout, BatonUnavailable
from .job import Job
from .retry import delay
from .transport import Transport

_API = "/api/v1"
_ENQUEUE_FIELDS = {
    "queue": "queue", "priority": "priority", "run_at": "runAt", "delay_ms": "delayMs",
    "max_attempts": "maxAttempts", "unique_key": "uniqueKey", "labels": "labels",
    "timeout_seconds": "timeoutSeconds", "backoff": "backoff",
}


class Page:
    """One page of ``GET /jobs``: ``items`` (jobs, newest first) and ``next_cursor`` (None: the last page)."""

    def __init__(self, items, next_cursor):
        self.items = items
        self.next_cursor = next_cursor

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


class BatonClient:
    """Talks to one or more coordinators (fail-over in the order given) with one token.

    Reads (``get``, ``list``, ``wait``) are resent on :class:`BatonUnavailable` up to ``retries``
    times. ``enqueue`` and ``enqueue_batch`` send an ``Idempotency-Key`` (a fresh UUID unless you
    pass one), so they are resent too: a resend after a lost answer gets the first answer back and
    never enqueues twice. ``cancel`` and ``retry`` are sent once: after BatonUnavailable, read the
    job to learn whether they happened.
    """

    def __init__(self, urls, token, retries=5, timeout=10.0, ssl_context=None):
        self.transport = Transport(urls, token, ssl_context)
        self.retries = retries
        self.timeout = timeout

    # -- producer --------------------------------------------------------------------------------

    def enqueue(self, type, payload=None, idempotency_key=None, traceparent=None, **options):
        """``POST /jobs``. Options (snake_case): queue, priority, run_at, delay_ms, max_attempts,
        unique_key, labels, timeout_seconds, backoff. Returns the :class:`Job`: an existing one, with
        ``deduplicated`` true, when ``unique_key`` matched a queued or running job of the queue."""
        body = job_body(type, payload, options)
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        if traceparent:
            headers["traceparent"] = traceparent
        response, answer = self._resent(lambda: self.transport.exchange(
            "POST", _API + "/jobs", body, headers, self.timeout))
        return Job(answer, deduplicated=response.headers.get("baton-deduplicated") == "true")

    def enqueue_batch(self, jobs, idempotency_key=None):
        """``POST /jobs/batch``, all or nothing. ``jobs``: dicts with ``type``, ``payload`` and the
        options of :meth:`enqueue` (snake_case or the wire's camelCase). Returns the jobs in order."""
        body = {"jobs": [job_body(j["type"], j.get("payload"), {k: v for k, v in j.items()
                                                                 if k not in ("type", "payload")}) for j in jobs]}
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        answer = self._resent(lambda: self.transport.request(
            "POST", _API + "/jobs/batch", body, headers, self.timeout + len(jobs) / 100))
        return [Job(j) for j in answer["jobs"]]

    def get(self, job_id):
        """``GET /jobs/{id}``; :class:`BatonNotFound` when there is no such job."""
        return Job(self._resent(lambda: self.transport.request("GET", _API + "/jobs/" + _id(job_id),
                                                                timeout=self.timeout)))

    def wait(self, job_id, timeout=60.0, poll=0.2):
        """Reads the job until it is finished (succeeded, failed or cancelled) and returns it;
        raises :class:`BatonTimeout` (with the last state read) after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job.finished:
                return job
            if time.monotonic() >= deadline:
                raise BatonTimeout("job %s still %s after %.1f s" % (job.id, job.status, timeout), job)
            time.sleep(min(poll, max(0.0, deadline - time.monotonic())))

    def list(self, status=None, queue=None, type=None, labels=None, created_after=None, created_before=None,
             limit=None, cursor=None):
        """``GET /jobs``: one :class:`Page`. ``labels``: a dict, each pair sent as ``label=k:v``."""
        query = [(k, v) for k, v in (("status", status), ("queue", queue), ("type", type),
                                     ("createdAfter", created_after), ("createdBefore", created_before),
                                     ("limit", limit), ("cursor", cursor)) if v is not None]
        query += [("label", "%s:%s" % kv) for kv in (labels or {}).items()]
        path = _API + "/jobs" + ("?" + urllib.parse.urlencode(query) if query else "")
        answer = self._resent(lambda: self.transport.request("GET", path, timeout=self.timeout))
        return Page([Job(j) for j in answer["items"]], answer.get("nextCursor"))

    def list_all(self, **filters):
        """Every job :meth:`list` finds, page by page (a generator)."""
        cursor = None
        while True:
            page = self.list(cursor=cursor, **filters)
            yield from page.items
            cursor = page.next_cursor
            if not cursor or not page.items:
                return

    def events(self, job_id, after=None, limit=None):
        """``GET /jobs/{id}/events``: a list of event dicts in id order."""
        query = {k: v for k, v in (("after", after), ("limit", limit)) if v is not None}
        path = _API + "/jobs/%s/events%s" % (_id(job_id), "?" + urllib.parse.urlencode(query) if query else "")
        return self._resent(lambda: self.transport.request("GET", path, timeout=self.timeout))["items"]

    def logs(self, job_id, after=None, limit=None):
        """``GET /jobs/{id}/logs``: one page as ``(items, next_cursor)``."""
        query = {k: v for k, v in (("after", after), ("limit", limit)) if v is not None}
        path = _API + "/jobs/%s/logs%s" % (_id(job_id), "?" + urllib.parse.urlencode(query) if query else "")
        answer = self._resent(lambda: self.transport.request("GET", path, timeout=self.timeout))
        return answer["items"], answer.get("nextCursor")

    def cancel(self, job_id, expected_version=None, reason=None):
        """``POST /jobs/{id}/cancel`` (admin). A running job's lease is revoked: its worker stops."""
        body = {k: v for k, v in (("expectedVersion", expected_version), ("reason", reason)) if v is not None}
        return Job(self.transport.request("POST", _API + "/jobs/%s/cancel" % _id(job_id), body, timeout=self.timeout))

    def retry(self, job_id, expected_version=None, run_at=None, max_attempts=None):
        """``POST /jobs/{id}/retry`` (admin): a failed or cancelled job back to queued."""
        body = {k: v for k, v in (("expectedVersion", expected_version), ("runAt", run_at),
                                  ("maxAttempts", max_attempts)) if v is not None}
        return Job(self.transport.request("POST", _API + "/jobs/%s/retry" % _id(job_id), body, timeout=self.timeout))

    # -- worker endpoints (one request each) ---------------------------------------------------

    def claim(self, worker_id, queues, types=None, limit=1, wait_ms=0, lease_ms=30000):
        """``POST /claims``: the claimed jobs (each with its ``lease_token``), maybe none."""
        body = {"workerId": worker_id, "queues": list(queues), "types": list(types) if types is not None else None,
                "limit": limit, "waitMs": wait_ms, "leaseMs": lease_ms}
        answer = self.transport.request("POST", _API + "/claims", body, timeout=wait_ms / 1000.0 + 15)
        return [Job(j) for j in answer["jobs"]]

    def heartbeat(self, job_id, lease_token, lease_ms=None):
        body = {"leaseToken": lease_token}
        if lease_ms is not None:
            body["leaseMs"] = lease_ms
        return self.transport.request("POST", _API + "/jobs/%s/heartbeat" % _id(job_id), body, timeout=self.timeout)

    def progress(self, job_id, lease_token, expected_version, current, total=None, message=None):
        """Compare-and-swap progress; returns the job's new version. :class:`BatonVersionConflict`
        carries the job's ``current`` state (adopt its version and resend)."""
        body = {"leaseToken": lease_token, "expectedVersion": expected_version, "current": current}
        if total is not None:
            body["total"] = total
        if message is not None:
            body["message"] = message
        return self.transport.request("POST", _API + "/jobs/%s/progress" % _id(job_id), body,
                                      timeout=self.timeout)["version"]

    def append_logs(self, job_id, lease_token, entries):
        """``entries``: dicts ``{"seq", "level", "message"}``; returns ``{"accepted", "duplicates"}``."""
        return self.transport.request("POST", _API + "/jobs/%s/logs" % _id(job_id),
                                      {"leaseToken": lease_token, "entries": entries}, timeout=self.timeout)

    def complete(self, job_id, lease_token, result=None):
        return Job(self.transport.request("POST", _API + "/jobs/%s/complete" % _id(job_id),
                                          {"leaseToken": lease_token, "result": {} if result is None else result},
                                          timeout=self.timeout))

    def fail(self, job_id, lease_token, message, type="error", retryable=True, retry_at=None):
        body = {"leaseToken": lease_token, "error": {"message": message, "type": type, "retryable": retryable}}
        if retry_at is not None:
            body["retryAt"] = retry_at
        return Job(self.transport.request("POST", _API + "/jobs/%s/fail" % _id(job_id), body, timeout=self.timeout))

    def completions(self, items):
        """``POST /completions`` with ``Prefer: return=minimal``. ``items``: dicts ``{"id",
        "leaseToken", "result"}``; returns the answer's items (``{"id", "status", "code"?, "job"?}``)."""
        answer = self.transport.request("POST", _API + "/completions", {"items": items},
                                        {"Prefer": "return=minimal"}, timeout=self.timeout + len(items) / 50)
        return answer["items"]

    # ---------------------------------------------------------------------------------------------

    def _resent(self, send):
        for attempt in range(self.retries + 1):
            try:
                return send()
            except BatonUnavailable as e:
                if attempt == self.retries:
                    raise
                time.sleep(delay(attempt, 0.2, 5.0, e.retry_after))


def job_body(type, payload, options):
    """A ``POST /jobs`` body from snake_case (or camelCase) options; an unknown option is refused here."""
    body = {"type": type, "payload": {} if payload is None else payload}
    for name, value in options.items():
        wire = _ENQUEUE_FIELDS.get(name) or (name if name in _ENQUEUE_FIELDS.values() else None)
        if wire is None:
            raise TypeError("unknown job option %r" % name)
        if value is not None:
            body[wire] = value
    return body


def _id(job_id):
    return urllib.parse.quote(str(job_id), safe="")
