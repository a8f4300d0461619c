package dev.baton.common;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

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
 * The SQL guards in the coordinator's repository agree with {@link #canMoveTo}.
 */
public enum JobStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public boolean isFinished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    public boolean canMoveTo(JobStatus next) {
        return switch (this) {
            case QUEUED -> next == RUNNING || next == CANCELLED;
            case RUNNING -> next == QUEUED || next == SUCCEEDED || next == FAILED || next == CANCELLED;
            case SUCCEEDED -> false;
            case FAILED, CANCELLED -> next == QUEUED;
        };
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
