package dev.baton.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.api.Test;

class JobStatusTest {
    private static final Set<String> ALLOWED = Set.of(
            "QUEUED>RUNNING", "QUEUED>CANCELLED",
            "RUNNING>QUEUED", "RUNNING>SUCCEEDED", "RUNNING>FAILED", "RUNNING>CANCELLED",
            "FAILED>QUEUED", "CANCELLED>QUEUED");

    @Test
    void everyPairOfStatusesIsDecided() {
        for (JobStatus from : JobStatus.values()) {
            for (JobStatus to : JobStatus.values()) {
                assertEquals(ALLOWED.contains(from + ">" + to), from.canMoveTo(to), from + " -> " + to);
            }
        }
    }

    @Test
    void wireNamesRoundTripAndUnknownOnesAreRefused() {
        for (JobStatus s : JobStatus.values()) {
            assertEquals(s, JobStatus.fromWire(s.wire()));
        }
        assertThrows(IllegalArgumentException.class, () -> JobStatus.fromWire("QUEUED"));
        assertThrows(IllegalArgumentException.class, () -> JobStatus.fromWire("done"));
    }
}
