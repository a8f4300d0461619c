package dev.baton.common;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A job's life:
 * <pre>
 *            claim                complete
 *   queued ─────────▶ running ─────────────▶ succeeded
 *     ▲  │               │  fail, last attempt
 *     │  │               ├─────────────────▶ failed ──┐
 *     │  │               │  fail or lease expiry       │ retry (admin)
 *     │  │               │  with attempts left         │
 *     │  └─◀─────────────┘                             │
 *     │  cancel (queued or running) ───▶ cancelled ────┤
 *     └────────────────────────────────────────────────┘
 * </pre>
 * Each arrow is a {@link Move}, and each move is one guarded statement in the coordinator's
 * repository whose guard is exactly the move's {@link Move#from()} (StateTableTest checks the SQL
 * against this table). Two moves share the edge to queued but not their start: only an attempt's
 * end takes a running job back, only an admin retry a finished one.
 */
public enum JobStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    /** The ways a job changes status, each with the statuses it may start from. */
    public enum Move {
        /** A worker claims a due job. */
        CLAIM(RUNNING, QUEUED),
        /** Its worker completes the attempt. */
        COMPLETE(SUCCEEDED, RUNNING),
        /** The attempt fails, its lease expires or it times out, with attempts left. */
        RETRY_LATER(QUEUED, RUNNING),
        /** The same on the last attempt, or a failure that is not retryable. */
        GIVE_UP(FAILED, RUNNING),
        /** An admin cancels a job that has not finished; a running one loses its lease. */
        CANCEL(CANCELLED, QUEUED, RUNNING),
        /** An admin sends a failed or cancelled job back to the queue. */
        RETRY(QUEUED, FAILED, CANCELLED);

        private final JobStatus to;
        private final Set<JobStatus> from;

        Move(JobStatus to, JobStatus first, JobStatus... more) {
            this.to = to;
            this.from = Collections.unmodifiableSet(EnumSet.of(first, more));
        }

        public JobStatus to() {
            return to;
        }

        public Set<JobStatus> from() {
            return from;
        }
    }

    public boolean isFinished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** Whether {@code move} may start from this status. */
    public boolean allows(Move move) {
        return move.from.contains(this);
    }

    /** Whether some move leads from this status to {@code next}. */
    public boolean canMoveTo(JobStatus next) {
        for (Move m : Move.values()) {
            if (m.to == next && m.from.contains(this)) {
                return true;
            }
        }
        return false;
    }

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static JobStatus fromWire(String value) {
        for (JobStatus s : values()) {
            if (s.wire().equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown status '" + value + "'; expected one of queued, running, succeeded, failed, cancelled");
    }
}
