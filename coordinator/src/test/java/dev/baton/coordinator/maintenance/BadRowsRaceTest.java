package dev.baton.coordinator.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two coordinators reap the same expired leases while bad rows push both onto the one-at-a-time
 * path: every good job's attempt is ended exactly once (one {@code lease_expired} event, its
 * version raised by one), the bad rows are left running, and the two passes together count each
 * ended attempt once. The reapers' own timers are off; the test steps both at once.
 */
class BadRowsRaceTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(BadRowsRaceTest.class, 2, Map.of("BATON_REAPER_INTERVAL_MS", "3600000"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void twoReapersOnTheOneAtATimePathEndEachExpiredAttemptOnce() throws Exception {
        for (int round = 0; round < 3; round++) {
            String queue = "race-" + round;
            Map<String, Long> claimedVersion = new HashMap<>();
            List<Map<String, Object>> batch = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                batch.add(Map.of("type", "race.job", "queue", queue));
            }
            Api.Resp enqueued = cluster.api().post("/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", batch));
            assertThat(enqueued.status()).as(enqueued.toString()).isEqualTo(201);
            while (claimedVersion.size() < 120) {
                Api.Resp r = cluster.api().post("/api/v1/claims", Api.WORKER, Map.of("workerId", "racer",
                        "queues", List.of(queue), "limit", 100, "leaseMs", 60_000));
                assertThat(r.status()).as(r.toString()).isEqualTo(200);
                for (JsonNode j : r.body().path("jobs")) {
                    claimedVersion.put(j.path("id").asText(), j.path("version").asLong());
                }
            }
            List<String> ids = new ArrayList<>(claimedVersion.keySet());
            Set<String> bad = Set.of(ids.get(3), ids.get(40), ids.get(77));
            for (String id : bad) {
                // A delay no timestamp can hold: every statement touching this row fails.
                cluster.execute("update jobs set backoff_initial_ms = 9e16, backoff_max_ms = 9e16 where id = ?",
                        Long.parseLong(id));
            }
            cluster.execute("update jobs set lease_expires_at = now() - interval '1 second' where queue = ?", queue);

            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Integer>> passes = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                ExpiredLeaseReaper reaper = cluster.coordinator(c).context().getBean(ExpiredLeaseReaper.class);
                passes.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return reaper.step();
                }));
            }
            go.countDown();
            int ended = passes.get(0).get() + passes.get(1).get();

            // JobRunr's backstop sweep (every 30 s) may end some of them in the same moment, so the
            // two steps' count is at most the good rows; that each was ended exactly once is what
            // the rows below show (one lease_expired event, one version more).
            assertThat(ended).as("round " + round).isPositive().isLessThanOrEqualTo(120 - bad.size());
            Map<String, String> rows = rows(queue);
            for (String id : ids) {
                if (bad.contains(id)) {
                    assertThat(rows.get(id)).as(id).isEqualTo("running 0 " + claimedVersion.get(id));
                } else {
                    assertThat(rows.get(id)).as(id).isEqualTo("queued 1 " + (claimedVersion.get(id) + 1));
                }
            }
        }
    }

    /** Each job of {@code queue}: its status, how many lease_expired events it has, and its version. */
    private static Map<String, String> rows(String queue) throws SQLException {
        Map<String, String> rows = new HashMap<>();
        try (Connection c = cluster.sql(); PreparedStatement ps = c.prepareStatement("""
                select j.id, j.status, j.version,
                       (select count(*) from job_events e where e.job_id = j.id and e.type = 'lease_expired') as expiries
                from jobs j where j.queue = ?""")) {
            ps.setString(1, queue);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString("id"), rs.getString("status") + " " + rs.getLong("expiries") + " "
                            + rs.getLong("version"));
                }
            }
        }
        return rows;
    }
}
