"""Runs jobs from Baton, like the Java worker.

Long-polls for exactly as many jobs as it has free slots and runs each on a thread of its own
(:mod:`job_run`). :meth:`Worker.run` blocks until SIGTERM or SIGINT (or :meth:`Worker.stop`), then
drains: no more claims, running handlers get up to ``shutdown_grace`` seconds to finish, their
completions are flushed, and it returns (so the process exits 0).
"""

import logging
import os
import signal
import socket
import threading
import time

from .client import BatonClient
from .completions import Completions
from .errors import BatonError, BatonProblem, BatonUnavailable
from .job_run import JobRun
from .retry import delay

LOG = logging.getLogger("baton_client")


class Worker:
    def __init__(self, urls, token, queues=("default",), concurrency=4, lease_ms=30000, worker_id=None,
                 shutdown_grace=30.0, claim_wait_ms=5000, client=None):
        if not 1 <= concurrency <= 10000:
            raise ValueError("concurrency must be 1..10000")
        if not 1000 <= lease_ms <= 3600000:
            raise ValueError("lease_ms must be 1000..3600000")
        if isinstance(queues, str):
            queues = [queues]
        self.client = client or BatonClient(urls, token)
        self.queues = list(queues)
        self.concurrency = concurrency
        self.lease_ms = lease_ms
        self.worker_id = worker_id or "%s/%d" % (socket.gethostname(), os.getpid())
        self.shutdown_grace = shutdown_grace
        self.claim_wait_ms = claim_wait_ms
        self._handlers = {}
        self._completions = None
        self._slots = threading.Condition()
        self._runs = set()
        self._stop = threading.Event()
        self._stop_asked = False  # set by stop(): a plain flag, so a signal handler takes no lock
        self._closing_deadline = None
        self._poller = None
        self._closed = False
        self.outcomes = {}  # outcome -> count, for the stop line and for tests

    def handler(self, job_type):
        """Decorator: ``@worker.handler("email.send")`` on ``def send(job): ...``. The function gets a
        :class:`JobContext`; what it returns is the job's result (JSON); what it raises fails the attempt."""
        def register(fn):
            self.add_handler(job_type, fn)
            return fn
        return register

    def add_handler(self, job_type, fn):
        if self._poller is not None:
            raise RuntimeError("handlers are registered before the worker starts")
        self._handlers[job_type] = fn

    @property
    def running_jobs(self):
        with self._slots:
            return len(self._runs)

    def start(self):
        """Starts claiming in the background and returns."""
        if not self._handlers:
            raise RuntimeError("register at least one handler")
        if self._poller is None:
            self._completions = Completions(self.client)
            self._poller = threading.Thread(target=self._poll_loop, name="baton-poller", daemon=True)
            self._poller.start()
            LOG.info("worker %s polling queues %s for %s with %d slots", self.worker_id, self.queues,
                     sorted(self._handlers), self.concurrency)
        return self

    def stop(self):
        """Asks the worker to stop claiming; :meth:`run` then drains. Safe from a signal handler: it
        only sets a flag (an Event's set() takes a lock the interrupted main thread may hold), which
        the poller and run() look at several times a second."""
        self._stop_asked = True

    def _stopping(self):
        return self._stop_asked or self._stop.is_set()

    def run(self):
        """Starts, blocks until SIGTERM/SIGINT or :meth:`stop`, then drains (see :meth:`close`)."""
        self.start()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, lambda signum, frame: self.stop())
        try:
            while not self._stop_asked and not self._stop.wait(0.2):
                pass
        finally:
            self.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def close(self):
        """Stops claiming, waits up to ``shutdown_grace`` for running jobs, flushes completions.
        Handlers still running then are told to stop (:class:`JobStopped` at their next checkpoint)
        and given a few seconds to; one that still runs is left to its lease's expiry."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        LOG.info("worker %s stopping: no more claims; %d running job(s) get up to %.0f s", self.worker_id,
                 self.running_jobs, self.shutdown_grace)
        if self._poller is not None:
            self._poller.join(self.claim_wait_ms / 1000.0 + 20)
        deadline = time.monotonic() + self.shutdown_grace
        if not self._wait_for_runs(deadline):
            with self._slots:
                left = list(self._runs)
            LOG.warning("%d job(s) still running after the grace period; telling them to stop", len(left))
            for run in left:
                run.abandon()
            self._closing_deadline = time.monotonic() + 5.0
            self._wait_for_runs(self._closing_deadline + 1.0)
        if self._completions is not None:
            self._completions.close(timeout=10.0)
        LOG.info("worker %s stopped: %s; %d job(s) completed in %d POST /completions request(s)", self.worker_id,
                 self.outcomes, self._completions.items if self._completions else 0,
                 self._completions.requests if self._completions else 0)

    def _wait_for_runs(self, deadline):
        with self._slots:
            while self._runs:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._slots.wait(left)
            return True

    def _poll_loop(self):
        types = sorted(self._handlers)
        failures = 0
        while not self._stopping():
            with self._slots:
                while len(self._runs) >= self.concurrency and not self._stopping():
                    self._slots.wait(0.5)
                free = self.concurrency - len(self._runs)
            if self._stopping():
                return
            try:
                jobs = self.client.claim(self.worker_id, self.queues, types, min(free, 100), self.claim_wait_ms,
                                         self.lease_ms)
                failures = 0
            except BatonUnavailable as e:
                LOG.warning("claim failed: %s", e)
                self._stop.wait(delay(failures, 0.2, 5.0, e.retry_after))
                failures += 1
                continue
            except BatonProblem as e:
                hint = {401: " (the coordinator does not know this worker's token)",
                        403: " (this token is not a worker token, or not for these queues)"}.get(e.status, "")
                LOG.error("claim refused: %s%s; trying again in 5 s", e, hint)
                self._stop.wait(5.0)
                continue
            except Exception:  # a bug or an answer nobody expected must not end claiming for good
                LOG.exception("claim failed unexpectedly")
                self._stop.wait(delay(failures, 0.2, 5.0))
                failures += 1
                continue
            # Claimed jobs are ours even if we are stopping: run them rather than let their leases lapse.
            for job in jobs:
                self._launch(job)

    def _launch(self, job):
        run = JobRun(job, self.client, self._completions, self.lease_ms, lambda: self._closing_deadline)
        with self._slots:
            self._runs.add(run)
        threading.Thread(target=self._run_one, args=(run,), name="baton-job-%s" % job.id, daemon=True).start()

    def _run_one(self, run):
        try:
            handler = self._handlers.get(run.job.type)
            if handler is None:  # claims name our types, so only a coordinator bug sends another
                handler = _no_handler
            run.run(handler)
        except BatonError:
            LOG.exception("job %s crashed the worker's run loop", run.job.id)
        except Exception:
            LOG.exception("job %s crashed the worker's run loop", run.job.id)
        finally:
            with self._slots:
                self._runs.discard(run)
                self.outcomes[run.outcome] = self.outcomes.get(run.outcome, 0) + 1
                self._slots.notify_all()


def _no_handler(ctx):
    raise LookupError("no handler for job type %r on this worker" % ctx.type)
