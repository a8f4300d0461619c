"""Every refusal a coordinator can answer, as a typed exception.

A coordinator answers errors as application/problem+json with a machine-readable ``code``
(docs/protocol.md, "Conventions"). :func:`problem_error` turns one into the exception class for
its code; a code this client does not know yet still surfaces as :class:`BatonProblem` with the
code kept, so nothing is lost when the protocol grows.
"""

from .job import Job


class BatonError(Exception):
    """Base of every error this package raises."""


class BatonUnavailable(BatonError):
    """No coordinator answered usefully: a connection error, a timeout, a 5xx or a 429
    (a 500 ``internal``, a coordinator bug, included: ``code`` says which).

    Worth sending again (the worker does, with backoff and through the next coordinator URL).
    ``retry_after`` is the coordinator's Retry-After in seconds, when it sent one; ``status`` is
    the HTTP status, or None when no answer came at all. A 503 whose ``detail`` says the outcome
    is unknown may have been committed: resend with the same Idempotency-Key.
    """

    def __init__(self, message, status=None, code=None, retry_after=None, problem=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.problem = problem or {}


class BatonProblem(BatonError):
    """A refusal (4xx) with its problem+json: ``status``, ``code``, ``detail`` and the whole ``problem``."""

    def __init__(self, status, code, detail, problem):
        super().__init__("%s %s: %s" % (status, code, detail))
        self.status = status
        self.code = code
        self.detail = detail
        self.problem = problem


class BatonInvalidRequest(BatonProblem):
    """400 ``invalid_request``; ``errors`` lists the field violations."""

    @property
    def errors(self):
        return self.problem.get("errors") or []


class BatonUnauthenticated(BatonProblem):
    """401 ``unauthenticated``: no token, or one the coordinator does not know (or revoked, expired)."""


class BatonForbidden(BatonProblem):
    """403 ``forbidden``: the token's role or queue scope does not allow it; nothing was done."""


class BatonNotFound(BatonProblem):
    """404 ``not_found``: no such job, schedule or route."""


class BatonMethodNotAllowed(BatonProblem):
    """405 ``method_not_allowed``."""


class BatonNotAcceptable(BatonProblem):
    """406 ``not_acceptable``."""


class BatonConflict(BatonProblem):
    """A 409. ``current`` is the job as the coordinator saw it when it refused (None when not about a job)."""

    @property
    def current(self):
        raw = self.problem.get("job")
        return Job(raw) if isinstance(raw, dict) else None


class BatonVersionConflict(BatonConflict):
    """409 ``version_conflict``: ``expectedVersion`` is not the job's version; ``current`` holds the job."""


class BatonLeaseLost(BatonConflict):
    """409 ``lease_lost``: the lease expired, was taken over, or the job was cancelled or finished."""

    @property
    def cancelled(self):
        job = self.current
        return job is not None and job.status == "cancelled"


class BatonLogConflict(BatonConflict):
    """409 ``log_conflict``: ``seqs`` were already stored with another level or message; nothing was stored."""

    @property
    def seqs(self):
        return list(self.problem.get("seqs") or [])


class BatonAlreadyExists(BatonConflict):
    """409 ``already_exists`` (a token name in use)."""


class BatonInvalidTransition(BatonConflict):
    """409 ``invalid_transition``: the job's status does not allow it (cancel a finished job, ...)."""


class BatonPayloadTooLarge(BatonProblem):
    """413 ``payload_too_large``."""


class BatonUnsupportedMediaType(BatonProblem):
    """415 ``unsupported_media_type``."""


class BatonIdempotencyKeyReused(BatonProblem):
    """422 ``idempotency_key_reused``: the key was first sent with another body or route."""


class BatonTimeout(BatonError):
    """:meth:`BatonClient.wait` gave up before the job finished; ``job`` is its last state seen."""

    def __init__(self, message, job):
        super().__init__(message)
        self.job = job


_BY_CODE = {
    "invalid_request": BatonInvalidRequest,
    "unauthenticated": BatonUnauthenticated,
    "forbidden": BatonForbidden,
    "not_found": BatonNotFound,
    "method_not_allowed": BatonMethodNotAllowed,
    "not_acceptable": BatonNotAcceptable,
    "version_conflict": BatonVersionConflict,
    "lease_lost": BatonLeaseLost,
    "log_conflict": BatonLogConflict,
    "already_exists": BatonAlreadyExists,
    "invalid_transition": BatonInvalidTransition,
    "payload_too_large": BatonPayloadTooLarge,
    "unsupported_media_type": BatonUnsupportedMediaType,
    "idempotency_key_reused": BatonIdempotencyKeyReused,
}


def problem_error(status, problem):
    """The exception for a 4xx/500 problem body (a dict; may be empty when the body was not JSON)."""
    code = problem.get("code") or "http_%d" % status
    detail = problem.get("detail") or problem.get("title") or ""
    cls = _BY_CODE.get(code)
    if cls is None:
        cls = BatonConflict if status == 409 else BatonProblem
    return cls(status, code, detail, problem)
