"""A job's log lines and progress, buffered by the handler and sent in the background.

Log lines are numbered per attempt (``seq`` from 1). A batch is taken from the buffer into
``_inflight`` and stays there until a coordinator acknowledged it, so a batch whose answer was
lost is resent with the same seqs (the coordinator counts those as duplicates, never stores them
twice). A batch refused whole because of some of its lines (400, 413, 409 ``log_conflict``) is
split in halves and each sent again, down to single lines: only the refused lines are dropped.

Progress is coalesced (only the newest value is sent) and sent by compare-and-swap: with the
version this attempt last knew; on ``version_conflict`` the job's current version is adopted
from the refusal and the value sent again.
"""

import collections
import logging
import threading

from .errors import (BatonConflict, BatonLeaseLost, BatonLogConflict, BatonNotFound, BatonProblem,
                     BatonUnavailable, BatonVersionConflict)

LOG = logging.getLogger("baton_client")
LOG_BATCH = 100
MAX_MESSAGE_BYTES = 16 * 1024
LEVELS = ("trace", "debug", "info", "warn", "error")
_PROGRESS_CONFLICTS = 3


class Reporter:
    def __init__(self, client, job, on_lost):
        self._client = client
        self._job_id = job.id
        self._token = job.lease_token
        self.known_version = job.version
        self._on_lost = on_lost
        self._lock = threading.Lock()  # guards the buffers below
        self._send_lock = threading.Lock()  # one flush at a time
        self._lines = collections.deque()
        self._inflight = collections.deque()
        self._next_seq = 1
        self._progress = None
        self.closed = False

    # -- from the handler ----------------------------------------------------------------------

    def log(self, level, message):
        """Buffers a line; returns False (and sends nothing) for a line the coordinator would refuse,
        which would otherwise sink the whole batch with it."""
        why = refusal(level, message)
        if why:
            LOG.warning("job %s: log line not sent: %s", self._job_id, why)
            return False
        with self._lock:
            if self.closed:
                return False
            self._lines.append({"seq": self._next_seq, "level": level, "message": message})
            self._next_seq += 1
            return len(self._lines) >= LOG_BATCH

    def progress(self, current, total=None, message=None):
        with self._lock:
            if not self.closed:
                self._progress = (current, total, message)

    def pending(self):
        with self._lock:
            return bool(self._lines or self._inflight or self._progress)

    def drop(self):
        """After the lease is lost nothing more is sent for it."""
        with self._lock:
            self.closed = True
            self._lines.clear()
            self._inflight.clear()
            self._progress = None

    # -- from the flusher ------------------------------------------------------------------------

    def flush(self):
        """Sends buffered lines, then the newest progress. Raises BatonUnavailable when a
        coordinator did not answer (what was not acknowledged stays buffered)."""
        with self._send_lock:
            self._flush_logs()
            self._flush_progress()

    def _flush_logs(self):
        while not self.closed:
            with self._lock:
                if not self._inflight:
                    if not self._lines:
                        return
                    n = min(LOG_BATCH, len(self._lines))
                    self._inflight.append([self._lines.popleft() for _ in range(n)])
                batch = self._inflight[0]
            try:
                self._client.append_logs(self._job_id, self._token, batch)
                with self._lock:
                    if self._inflight and self._inflight[0] is batch:
                        self._inflight.popleft()  # acknowledged; a resend would only count duplicates
            except (BatonLeaseLost, BatonNotFound) as e:
                self._on_lost(e)
                return
            except (BatonLogConflict, BatonProblem) as e:
                if isinstance(e, BatonConflict) and not isinstance(e, BatonLogConflict):
                    self._on_lost(e)
                    return
                self._split(batch, e)

    def _split(self, batch, why):
        with self._lock:
            if not self._inflight or self._inflight[0] is not batch:
                return
            self._inflight.popleft()
            if len(batch) == 1:
                LOG.warning("job %s: log line %d refused (%s); dropped", self._job_id, batch[0]["seq"], why)
                return
            half = len(batch) // 2
            self._inflight.appendleft(batch[half:])
            self._inflight.appendleft(batch[:half])

    def _flush_progress(self):
        with self._lock:
            p, self._progress = self._progress, None
        conflicts = 0
        while p is not None and not self.closed:
            current, total, message = p
            try:
                self.known_version = self._client.progress(self._job_id, self._token, self.known_version,
                                                           current, total, message)
                return
            except BatonVersionConflict as e:
                job = e.current
                conflicts += 1
                if job is None or conflicts > _PROGRESS_CONFLICTS:
                    LOG.warning("job %s: progress dropped after %d version conflicts", self._job_id, conflicts)
                    return
                LOG.debug("job %s: progress at version %s conflicted; adopting %s", self._job_id,
                          self.known_version, job.version)
                self.known_version = job.version
            except (BatonLeaseLost, BatonNotFound) as e:
                self._on_lost(e)
                return
            except BatonUnavailable:
                self._keep(p)
                raise
            except BatonProblem as e:
                if isinstance(e, BatonConflict):
                    self._on_lost(e)
                else:
                    LOG.warning("job %s: progress refused (%s)", self._job_id, e)
                return
            except Exception as e:  # an answer nobody expected: applied or not, it is resent like a lost one
                self._keep(p)
                raise BatonUnavailable("progress answer not understood: %r" % e) from e

    def _keep(self, p):
        with self._lock:  # keep it, unless a newer value arrived meanwhile
            if self._progress is None and not self.closed:
                self._progress = p


def storable(text):
    """``text`` as PostgreSQL can store it: U+0000 and each lone surrogate become one U+FFFD (a
    surrogate pair, as two code points, becomes the character it encodes)."""
    return text.replace("\x00", "\ufffd").encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def refusal(level, message):
    """Why the coordinator would refuse this line, or None when it would store it."""
    if level not in LEVELS:
        return "level %r is not one of %s" % (level, ", ".join(LEVELS))
    if not isinstance(message, str):
        return "the message is not a str"
    if "\x00" in message:
        return "it holds U+0000"
    try:
        size = len(message.encode("utf-8"))
    except UnicodeEncodeError:
        return "it holds a lone surrogate"
    if size > MAX_MESSAGE_BYTES:
        return "it is over %d bytes of UTF-8" % MAX_MESSAGE_BYTES
    return None
