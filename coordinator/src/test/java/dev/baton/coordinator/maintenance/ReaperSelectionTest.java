package dev.baton.coordinator.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.CapturedLogs;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A row that is bad in what the reaper selects on, not in what it writes: the timeout test
 * {@code started_at + timeoutSeconds} overflows for a start near the end of PostgreSQL's
 * timestamps. That error is raised while rows are being chosen, so neither the batch nor the
 * one-at-a-time fallback could leave the row out: no expired lease anywhere was handled again.
 * The reaper's own timer is off; the test steps it. Also the one line a pass that ended
 * attempts logs, stepped here because no other reaper can take a share of the rows.
 */
class ReaperSelectionTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(ReaperSelectionTest.class, 1, Map.of("BATON_REAPER_INTERVAL_MS", "3600000"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aStartTheTimeoutTestCannotAddToDoesNotStopTheSweep() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(Jobs.enqueue(cluster.api(), "selection", Map.of("timeoutSeconds", 7 * 24 * 3600)).path("id").asText());
            Jobs.claimOne(cluster.api(), "selection", 30_000);
        }
        String odd = ids.get(1);
        cluster.execute("update jobs set started_at = '294276-12-30 00:00:00+00' where id = ?", Long.parseLong(odd));
        // Its lease is still held, so only the timeout test can pick it; the others' leases expired.
        cluster.execute("update jobs set lease_expires_at = now() - interval '1 second' where queue = 'selection' "
                + "and id <> ?", Long.parseLong(odd));

        ExpiredLeaseReaper reaper = cluster.coordinator(0).context().getBean(ExpiredLeaseReaper.class);
        assertThat(reaper.step()).isEqualTo(2);

        for (String id : ids) {
            boolean isOdd = id.equals(odd);
            // The odd row's startedAt (year 294276) is no RFC 3339 time: its answer cannot match /openapi.yaml.
            Api api = isOdd ? cluster.api().unchecked() : cluster.api();
            assertThat(Jobs.get(api, id).path("status").asText()).as(id).isEqualTo(isOdd ? "running" : "queued");
            assertThat(Jobs.eventTypes(cluster.api(), id).contains("lease_expired")).as(id).isEqualTo(!isOdd);
        }
    }

    /** One INFO line per pass that ended attempts, not one per job: how many, why, what became of them, which queues. */
    @Test
    void aPassThatEndsAttemptsSaysSoInOneLineWithItsQueues() {
        for (String queue : List.of("line-a", "line-a", "line-b")) {
            Jobs.enqueue(cluster.api(), queue, Map.of("maxAttempts", queue.equals("line-b") ? 1 : 3));
            Jobs.claimOne(cluster.api(), queue, 30_000);
        }
        Jobs.enqueue(cluster.api(), "line-c", Map.of("timeoutSeconds", 1));
        Jobs.claimOne(cluster.api(), "line-c", 30_000);
        cluster.execute("update jobs set lease_expires_at = now() - interval '1 second' where queue in ('line-a', 'line-b')");
        cluster.execute("update jobs set started_at = now() - interval '1 minute' where queue = 'line-c'");
        ExpiredLeaseReaper reaper = cluster.coordinator(0).context().getBean(ExpiredLeaseReaper.class);
        try (CapturedLogs logs = CapturedLogs.of(ExpiredLeaseReaper.class)) {
            assertThat(reaper.step()).isEqualTo(4);
            assertThat(reaper.step()).isZero(); // a pass that found nothing says nothing
            assertThat(logs.events()).hasSize(1);
            assertThat(logs.lines(Level.INFO)).containsExactly("ended 4 attempt(s): 3 lease(s) expired, 1 timed out; "
                    + "3 queued again, 1 failed for good; by queue: line-a 2, line-b 1, line-c 1");
        }
    }
}
