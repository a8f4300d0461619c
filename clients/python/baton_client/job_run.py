"""One attempt of one job on this worker.

The handler runs on the calling thread; a heartbeat thread renews the lease every
``lease_ms / 3`` and a flusher thread (started by the first log line or progress) sends them
every 200 ms. When the handler returns, every buffered line and the newest progress are sent,
then exactly one complete (through the worker's group commit) or fail, resent until a
coordinator answers. Once the lease is lost (409 ``lease_lost``: expired, taken over, or the job
cancelled) nothing more is sent for it, and the handler is told to stop: Python cannot stop a
thread from outside, so the handler's next ``ctx.checkpoint()``, ``ctx.sleep()``, ``ctx.log()``
or ``ctx.progress()`` raises :class:`JobStopped`.
"""

import logging
import threading
import time

from .errors import (BatonConflict, BatonError, BatonInvalidRequest, BatonNotFound, BatonPayloadTooLarge,
                     BatonProblem, BatonUnavailable)
from .reporter import Reporter, storable
from .retry import delay
from .transport import encode

LOG = logging.getLogger("baton_client")
FLUSH_S = 0.2


class JobStopped(BatonError):
    """Raised inside a handler whose job this worker no longer runs: ``reason`` is ``"cancelled"``,
    ``"lease_lost"`` (expired or taken over) or ``"shutdown"`` (the grace period ran out)."""

    def __init__(self, job_id, reason):
        super().__init__("job %s stopped: %s" % (job_id, reason))
        self.job_id = job_id
        self.reason = reason


class NonRetryable(Exception):
    """Raise (or subclass) it in a handler to fail the job for good, without a retry."""


class _ResultNotJson(NonRetryable):
    pass


class JobContext:
    """What a handler sees of its job, and how it reports progress and logs."""

    def __init__(self, run):
        self._run = run
        self.job = run.job

    id = property(lambda self: self.job.id)
    type = property(lambda self: self.job.type)
    queue = property(lambda self: self.job.queue)
    attempt = property(lambda self: self.job.attempt)
    payload = property(lambda self: self.job.payload)

    @property
    def stopped(self):
        """Why this job must stop (``"cancelled"``, ``"lease_lost"``, ``"shutdown"``), or None."""
        return self._run.stop_reason

    def checkpoint(self):
        """Raises :class:`JobStopped` once the job was cancelled, its lease lost, or the worker gave up
        waiting for it; call it in long loops."""
        reason = self._run.stop_reason
        if reason:
            raise JobStopped(self.job.id, reason)

    def sleep(self, seconds):
        """Sleeps, but wakes to raise :class:`JobStopped` as soon as the job must stop."""
        self._run.stopping.wait(seconds)
        self.checkpoint()

    def progress(self, current, total=None, message=None):
        """Records progress; only the newest value is sent, with compare-and-swap on the version.
        ``current`` and ``total`` are whole numbers (``total`` may be None), ``message`` a str or
        None; U+0000 and lone surrogates in it become U+FFFD. Any other value is not sent (a warning
        says why): progress is a report, and a bad one never fails the job."""
        self.checkpoint()
        why = _progress_refusal(current, total, message)
        if why:
            LOG.warning("job %s: progress not sent: %s", self.job.id, why)
            return
        self._run.reporter.progress(current, total, None if message is None else storable(message))
        self._run.start_flushing()

    def log(self, level, message):
        """Buffers a log line (level: trace, debug, info, warn, error); flushed every 200 ms or 100 lines."""
        self.checkpoint()
        if self._run.reporter.log(level, message):
            self._run.flush_soon()
        self._run.start_flushing()

    def debug(self, message):
        self.log("debug", message)

    def info(self, message):
        self.log("info", message)

    def warn(self, message):
        self.log("warn", message)

    def error(self, message):
        self.log("error", message)


class JobRun:
    def __init__(self, job, client, completions, lease_ms, closing_deadline):
        self.job = job
        self._client = client
        self._completions = completions
        self._lease_ms = lease_ms
        self._closing_deadline = closing_deadline  # a callable: monotonic time to stop resending, or None
        self.reporter = Reporter(client, job, self._lose)
        self.stopping = threading.Event()
        self.stop_reason = None
        self.outcome = None  # succeeded, failed, retried, lease_lost, cancelled, abandoned
        self._lost = False
        self._done = threading.Event()
        self._flush_now = threading.Event()
        self._flusher = None
        self._flusher_lock = threading.Lock()

    def run(self, handler):
        heartbeats = threading.Thread(target=self._heartbeat_loop, name="baton-heartbeat-%s" % self.job.id,
                                      daemon=True)
        heartbeats.start()
        result, failure = None, None
        try:
            result = handler(JobContext(self))
        except BaseException as e:  # a handler's failure is the job's, never the worker's
            failure = e
        try:
            if failure is None:
                try:  # a result that cannot be sent would fail every resend: fail the job for good now
                    encode({} if result is None else result)
                except Exception as e:  # TypeError, ValueError (a lone surrogate, NaN), RecursionError, ...
                    failure = _ResultNotJson("the handler's result is not JSON: %s" % _describe(e))
            if self._lost:
                LOG.info("job %s attempt %s: %s; its outcome belongs to someone else", self.job.id, self.job.attempt,
                         self.stop_reason)
                self.outcome = self.stop_reason
                return
            self._flush_until_sent()
            if failure is None:
                self._settle(lambda: self._complete(result), completing=True)
            elif isinstance(failure, JobStopped) and failure.reason == "shutdown":
                self._settle(lambda: self._fail("the worker stopped before the job ended", "worker_stopped", True))
            else:
                message = storable(_describe(failure))[:8000]
                retryable = not isinstance(failure, NonRetryable)
                error_type = "result_not_json" if isinstance(failure, _ResultNotJson) else type(failure).__name__
                if not isinstance(failure, Exception):
                    LOG.error("job %s: handler raised %r", self.job.id, failure)
                self._settle(lambda: self._fail(message, error_type, retryable))
        finally:
            self._done.set()
            self._flush_now.set()

    def abandon(self):
        """The worker's grace period ran out: the handler is told to stop (then the job is failed,
        retryable, if it does); a handler that does not stop is left to its lease's expiry."""
        if not self.stop_reason:
            self.stop_reason = "shutdown"
        self.stopping.set()

    # -- outcome --------------------------------------------------------------------------------------

    def _complete(self, result):
        """Through the worker's group commit: one POST /completions carries every job finished meanwhile."""
        self._completions.complete(self.job.id, self.job.lease_token, result)
        return "succeeded"

    def _fail(self, message, error_type, retryable):
        job = self._client.fail(self.job.id, self.job.lease_token, message, error_type, retryable)
        if not isinstance(job.raw, dict):
            raise BatonUnavailable("unexpected answer to fail: %r" % (job.raw,))
        return "retried" if job.status == "queued" else "failed"

    def _settle(self, send, completing=False):
        """Sends complete or fail until a coordinator answers; both are idempotent by protocol. A
        result the coordinator refuses (too large, not storable) fails the job for good instead."""
        attempt = 0
        while not self._lost:
            try:
                self.outcome = send()
                return
            except (BatonConflict, BatonNotFound) as e:
                LOG.warning("job %s: %s; another lease owns the outcome", self.job.id, e)
                self._lose(e)
                self.outcome = self.stop_reason
                return
            except (BatonPayloadTooLarge, BatonInvalidRequest) as e:
                if not completing:  # the fail itself was refused: nothing left to send
                    LOG.error("job %s: the coordinator refused the outcome: %s", self.job.id, e)
                    self.outcome = "refused"
                    return
                LOG.error("job %s: the coordinator refused the result: %s", self.job.id, e)
                error_type = "result_too_large" if isinstance(e, BatonPayloadTooLarge) else "result_refused"
                send = (lambda why=str(e), t=error_type: self._fail("result rejected: " + why, t, False))
                completing = False
            except BatonProblem as e:
                LOG.error("job %s: the coordinator refused the outcome: %s", self.job.id, e)
                self.outcome = "refused"
                return
            except Exception as e:  # BatonUnavailable, or an answer nobody expected: both are resent
                if not isinstance(e, BatonUnavailable):
                    LOG.warning("job %s: the outcome's answer was not understood; resending it", self.job.id,
                                exc_info=attempt == 0)
                deadline = self._closing_deadline()
                if deadline is not None and time.monotonic() >= deadline:
                    LOG.warning("job %s: outcome not sent before the worker stopped (%s); its lease will lapse",
                                self.job.id, e)
                    self.outcome = "abandoned"
                    return
                time.sleep(delay(attempt, 0.1, 5.0, getattr(e, "retry_after", None)))
                attempt += 1

    # -- lease -------------------------------------------------------------------------------------------

    def _lose(self, conflict):
        if self._lost:
            return
        self._lost = True
        current = getattr(conflict, "current", None)
        self.stop_reason = "cancelled" if current is not None and current.status == "cancelled" else "lease_lost"
        self.reporter.drop()
        self.stopping.set()
        LOG.info("job %s attempt %s: %s (%s)", self.job.id, self.job.attempt, self.stop_reason, conflict)

    def _heartbeat_loop(self):
        every = self._lease_ms / 3000.0
        while not self._done.wait(every):
            if self._lost:
                return
            try:
                self._client.heartbeat(self.job.id, self.job.lease_token, self._lease_ms)
            except (BatonConflict, BatonNotFound) as e:
                self._lose(e)
                return
            except BatonError as e:  # not resent: the next one is due soon anyway
                LOG.debug("job %s: heartbeat not answered (%s); the next one tries again", self.job.id, e)

    # -- logs and progress ----------------------------------------------------------------------------

    def start_flushing(self):
        with self._flusher_lock:
            if self._flusher is None and not self._done.is_set():
                self._flusher = threading.Thread(target=self._flush_loop, name="baton-flush-%s" % self.job.id,
                                                 daemon=True)
                self._flusher.start()

    def flush_soon(self):
        self._flush_now.set()

    def _flush_loop(self):
        while not self._done.is_set() and not self._lost:
            self._flush_now.wait(FLUSH_S)
            self._flush_now.clear()
            try:
                self.reporter.flush()
            except BatonUnavailable as e:
                LOG.debug("job %s: flush deferred (%s)", self.job.id, e)
            except Exception:
                LOG.warning("job %s: flush failed unexpectedly", self.job.id, exc_info=True)

    def _flush_until_sent(self):
        """Before complete or fail: every buffered line and the newest progress must be acknowledged.
        Each round flushes (which first waits for a flush the flusher has in flight: a progress it
        took from the buffer is not ``pending`` but not acknowledged either), then looks again."""
        attempt = 0
        while not self._lost:
            try:
                self.reporter.flush()
                if not self.reporter.pending():
                    return
            except Exception as e:  # BatonUnavailable, or an answer nobody expected: what is unsent stays
                if not isinstance(e, BatonUnavailable):
                    LOG.warning("job %s: flush failed unexpectedly", self.job.id, exc_info=attempt == 0)
                deadline = self._closing_deadline()
                if deadline is not None and time.monotonic() >= deadline:
                    return
                time.sleep(delay(attempt, 0.1, 2.0, getattr(e, "retry_after", None)))
                attempt += 1


def _describe(error):
    """An exception as a message; one whose ``str()`` itself fails is named by its class."""
    try:
        return str(error) or type(error).__name__
    except Exception:
        return type(error).__name__


def _progress_refusal(current, total, message):
    """Why this progress cannot be sent, or None."""
    def whole(n):
        return isinstance(n, int) and not isinstance(n, bool) and -2 ** 63 <= n < 2 ** 63
    if not whole(current):
        return "current %r is not a whole number" % (current,)
    if total is not None and not whole(total):
        return "total %r is not a whole number" % (total,)
    if message is not None and not isinstance(message, str):
        return "the message is not a str"
    return None
