"""Group commit for completions.

Every finished job hands its result here and waits; one sender thread sends everything that
arrived meanwhile as one ``POST /completions`` (the coordinator settles it in one statement), so
while one batch is in flight the next one gathers. Each job gets the answer its own ``complete``
would have got. A batch no coordinator answers is resent whole (completions are idempotent by
protocol: a resend with the same lease token is answered as the first); a batch refused whole
(too large, say) is resent one item at a time, so one big result cannot sink its neighbours.
"""

import logging
import queue
import threading
import time

from .errors import BatonError, BatonProblem, BatonUnavailable, problem_error
from .retry import delay

LOG = logging.getLogger("baton_client")
MAX_BATCH = 256


class _Pending:
    __slots__ = ("item", "done", "error")

    def __init__(self, item):
        self.item = item
        self.done = threading.Event()
        self.error = None

    def answer(self, error=None):
        self.error = error
        self.done.set()


class Completions:
    def __init__(self, client):
        self._client = client
        self._queue = queue.Queue()
        self._closing = False
        self._give_up_at = None
        self.requests = 0
        self.items = 0
        self._sender = threading.Thread(target=self._send_loop, name="baton-completions", daemon=True)
        self._sender.start()

    def complete(self, job_id, lease_token, result):
        """Blocks until a coordinator judged the completion. Returns normally when the job
        succeeded; raises the typed refusal (:class:`BatonLeaseLost`, ...) its own ``complete``
        would have raised, or :class:`BatonUnavailable` when the worker closed before an answer."""
        pending = _Pending({"id": job_id, "leaseToken": lease_token, "result": {} if result is None else result})
        if self._closing and not self._sender.is_alive():
            raise BatonUnavailable("worker closed")
        self._queue.put(pending)
        while not pending.done.wait(1.0):
            if not self._sender.is_alive():
                raise BatonUnavailable("worker closed before the completion was answered")
        if pending.error is not None:
            raise pending.error

    def close(self, timeout=30.0):
        """Sends what is queued (resending for at most ``timeout`` seconds), then stops the sender."""
        self._give_up_at = time.monotonic() + timeout
        self._closing = True
        self._queue.put(None)
        self._sender.join(timeout + 15)

    def _send_loop(self):
        while True:
            first = self._queue.get()
            batch = [] if first is None else [first]
            stop = first is None
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                else:
                    batch.append(nxt)
            if batch:
                try:
                    self._send(batch)
                except Exception as e:  # never let one bad answer stop every completion
                    LOG.warning("completions of %d item(s) failed unexpectedly; their jobs resend", len(batch),
                                exc_info=True)
                    for p in batch:
                        if not p.done.is_set():
                            p.answer(BatonUnavailable("completions failed: %r" % e))
            if stop and self._queue.empty():
                return
            if stop:
                self._queue.put(None)  # more arrived with the stop: send them, then stop

    def _send(self, batch):
        items = [p.item for p in batch]
        attempt = 0
        while True:
            try:
                answers = self._client.completions(items)
            except BatonUnavailable as e:
                if self._give_up_at is not None and time.monotonic() >= self._give_up_at:
                    for p in batch:
                        p.answer(e)
                    return
                LOG.debug("completions not answered (%s); resending %d item(s)", e, len(batch))
                time.sleep(delay(attempt, 0.1, 5.0, e.retry_after))
                attempt += 1
                continue
            except BatonProblem as e:
                LOG.warning("completions of %d item(s) refused whole (%s); sending them one by one", len(batch), e)
                for p in batch:
                    self._send_alone(p)
                return
            self.requests += 1
            self.items += len(batch)
            _settle(batch, answers)
            return

    def _send_alone(self, p):
        try:
            self._client.complete(p.item["id"], p.item["leaseToken"], p.item["result"])
            p.answer()
        except BatonError as e:
            p.answer(e)


def _settle(batch, answers):
    """Matches answers to items in order; an answer that does not match item for item is not trusted."""
    if not isinstance(answers, list) or len(answers) != len(batch) or any(
            not isinstance(a, dict) or a.get("id") != p.item["id"] for p, a in zip(batch, answers)):
        for p in batch:
            p.answer(BatonUnavailable("the completions answer does not match the request"))
        return
    for p, a in zip(batch, answers):
        status = a.get("status")
        if status == 200:
            p.answer()
        elif status == 429 or (isinstance(status, int) and status >= 500):
            p.answer(BatonUnavailable("completion of job %s answered %s" % (a["id"], status), status=status,
                                      code=a.get("code")))
        else:
            problem = {"code": a.get("code"), "detail": "job %s" % a["id"], "job": a.get("job")}
            p.answer(problem_error(status if isinstance(status, int) else 400, problem))
