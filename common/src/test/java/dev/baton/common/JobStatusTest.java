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
    void eachMoveStartsWhereTheDiagramSays() {
        assertEquals(Set.of(JobStatus.QUEUED), JobStatus.Move.CLAIM.from());
        assertEquals(Set.of(JobStatus.RUNNING), JobStatus.Move.COMPLETE.from());
        assertEquals(Set.of(JobStatus.RUNNING), JobStatus.Move.RETRY_LATER.from());
        assertEquals(Set.of(JobStatus.RUNNING), JobStatus.Move.GIVE_UP.from());
        assertEquals(Set.of(JobStatus.QUEUED, JobStatus.RUNNING), JobStatus.Move.CANCEL.from());
        assertEquals(Set.of(JobStatus.FAILED, JobStatus.CANCELLED), JobStatus.Move.RETRY.from());
        for (JobStatus.Move m : JobStatus.Move.values()) {
            for (JobStatus s : JobStatus.values()) {
                assertEquals(m.from().contains(s), s.allows(m), m + " from " + s);
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
