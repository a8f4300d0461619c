package dev.baton.coordinator.db;

import dev.baton.common.Job;

/**
 * A job now, with the lease whose complete or fail was applied last, to recognize resends, and
 * the job as that complete or fail left it: the answer a resend gets (null if no copy was kept).
 */
public record Settlement(Job job, String settledLeaseToken, String settledOutcome, Job settledAnswer) {
}
