"""Capped exponential backoff with jitter, for resending requests no coordinator answered."""

import random


def delay(attempt, initial=0.1, maximum=5.0, retry_after=None):
    """Seconds to wait before resend number ``attempt`` (0-based). A coordinator's Retry-After is
    honoured, but capped at ``maximum``: with several coordinators the next one may answer at once."""
    base = min(maximum, initial * (2 ** min(attempt, 20)))
    wait = base * (0.5 + random.random() * 0.5)
    if retry_after is not None:
        wait = max(wait, min(retry_after, maximum))
    return wait
