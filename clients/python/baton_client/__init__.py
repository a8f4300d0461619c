"""Baton's Python client and worker: standard library only (Python 3.9+).

See README.md beside this package, and docs/protocol.md for the wire contract.
"""

from .client import BatonClient, Page
from .errors import (BatonAlreadyExists, BatonConflict, BatonError, BatonForbidden, BatonIdempotencyKeyReused,
                     BatonInvalidRequest, BatonInvalidTransition, BatonLeaseLost, BatonLogConflict,
                     BatonMethodNotAllowed, BatonNotAcceptable, BatonNotFound, BatonPayloadTooLarge, BatonProblem,
                     BatonTimeout, BatonUnauthenticated, BatonUnavailable, BatonUnsupportedMediaType,
                     BatonVersionConflict)
from .job import Job
from .job_run import JobContext, JobStopped, NonRetryable
from .worker import Worker

__all__ = [
    "BatonClient", "Page", "Job", "Worker", "JobContext", "JobStopped", "NonRetryable",
    "BatonError", "BatonUnavailable", "BatonProblem", "BatonInvalidRequest", "BatonUnauthenticated",
    "BatonForbidden", "BatonNotFound", "BatonMethodNotAllowed", "BatonNotAcceptable", "BatonConflict",
    "BatonVersionConflict", "BatonLeaseLost", "BatonLogConflict", "BatonAlreadyExists", "BatonInvalidTransition",
    "BatonPayloadTooLarge", "BatonUnsupportedMediaType", "BatonIdempotencyKeyReused", "BatonTimeout",
]
__version__ = "0.1.0"

# A library logs to "baton_client" and leaves handlers to the application. No NullHandler on purpose:
# in a program that configured no logging, Python's last resort then prints WARNING and ERROR lines
# (a refused token, a coordinator down) to stderr instead of a worker failing in silence.
