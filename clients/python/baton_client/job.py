"""The job as the coordinator answers it (docs/protocol.md, "The job")."""

FINISHED = frozenset(("succeeded", "failed", "cancelled"))


class Job:
    """A read-only view of a job's JSON. ``raw`` is the whole answer, fields this client
    does not know included (an answer may gain fields; a client ignores what it does not know)."""

    __slots__ = ("raw", "deduplicated")

    def __init__(self, raw, deduplicated=False):
        self.raw = raw
        # True when POST /jobs answered an existing job its uniqueKey matched (Baton-Deduplicated).
        self.deduplicated = deduplicated

    def __getitem__(self, name):
        return self.raw[name]

    def get(self, name, default=None):
        return self.raw.get(name, default)

    id = property(lambda self: self.raw.get("id"))
    queue = property(lambda self: self.raw.get("queue"))
    type = property(lambda self: self.raw.get("type"))
    payload = property(lambda self: self.raw.get("payload"))
    priority = property(lambda self: self.raw.get("priority"))
    status = property(lambda self: self.raw.get("status"))
    attempt = property(lambda self: self.raw.get("attempt"))
    max_attempts = property(lambda self: self.raw.get("maxAttempts"))
    version = property(lambda self: self.raw.get("version"))
    progress = property(lambda self: self.raw.get("progress"))
    lease = property(lambda self: self.raw.get("lease"))
    result = property(lambda self: self.raw.get("result"))
    last_error = property(lambda self: self.raw.get("lastError"))
    labels = property(lambda self: self.raw.get("labels"))
    unique_key = property(lambda self: self.raw.get("uniqueKey"))
    run_at = property(lambda self: self.raw.get("runAt"))
    created_at = property(lambda self: self.raw.get("createdAt"))
    finished_at = property(lambda self: self.raw.get("finishedAt"))
    # Only on a claim's answer: the secret that proves this worker holds the lease.
    lease_token = property(lambda self: self.raw.get("leaseToken"))

    @property
    def finished(self):
        return self.status in FINISHED

    def __eq__(self, other):
        return isinstance(other, Job) and other.raw == self.raw

    def __repr__(self):
        return "Job(id=%r, type=%r, status=%r, attempt=%r, version=%r)" % (
            self.id, self.type, self.status, self.attempt, self.version)
