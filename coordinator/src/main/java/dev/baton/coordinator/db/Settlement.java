package dev.baton.coordinator.db;

import dev.baton.common.Job;

/** A job with the lease whose complete or fail was applied last, to recognize resends. */
public record Settlement(Job job, String settledLeaseToken, String settledOutcome) {
}
