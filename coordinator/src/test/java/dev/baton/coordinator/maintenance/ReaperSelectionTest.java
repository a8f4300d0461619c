package dev.baton.coordinator.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Api;
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
 * The reaper's own timer is off; the test steps it.
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
}
