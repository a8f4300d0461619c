package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.service.RunningJobs.Lease;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Progress is a compare-and-swap on the job's version, fenced by the lease, across coordinators. */
class ProgressTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(ProgressTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Map<String, Object> update(Lease lease, long expectedVersion, long current, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("leaseToken", lease.token());
        body.put("expectedVersion", expectedVersion);
        body.put("current", current);
        body.put("total", 1000);
        body.put("message", message);
        return body;
    }

    @Test
    void sixConcurrentUpdatesWithOneVersionHaveExactlyOneWinner() throws Exception {
        Lease lease = RunningJobs.start(cluster.api());
        long version = lease.version();
        long startedNanos = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        long lastCurrent = -1;
        String lastMessage = null;
        try {
            for (int round = 0; round < 20; round++) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Api.Resp>> sent = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    Api api = cluster.api(t % 2);
                    Map<String, Object> body = update(lease, version, round * 10L + t, "round " + round + " thread " + t);
                    sent.add(pool.submit(() -> {
                        go.await();
                        return api.post(RunningJobs.jobPath(lease, "/progress"), Api.WORKER, body);
                    }));
                }
                go.countDown();
                List<Api.Resp> answers = new ArrayList<>();
                for (Future<Api.Resp> f : sent) {
                    answers.add(f.get(30, TimeUnit.SECONDS));
                }
                List<Integer> winners = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    if (answers.get(t).status() == 200) {
                        winners.add(t);
                    }
                }
                assertThat(winners).as("round %d: %s", round, answers).hasSize(1);
                int winner = winners.get(0);
                assertThat(answers.get(winner).body().path("version").asLong()).isEqualTo(version + 1);
                for (int t = 0; t < 6; t++) {
                    if (t == winner) {
                        continue;
                    }
                    Api.Resp loser = answers.get(t);
                    assertThat(loser.status()).as(loser.toString()).isEqualTo(409);
                    assertThat(loser.code()).isEqualTo("version_conflict");
                    assertThat(loser.body().path("job").path("version").asLong()).isEqualTo(version + 1);
                    assertThat(loser.body().path("job").path("progress").path("current").asLong())
                            .isEqualTo(round * 10L + winner);
                }
                version++;
                lastCurrent = round * 10L + winner;
                lastMessage = "round " + round + " thread " + winner;
            }
        } finally {
            pool.shutdownNow();
        }
        long elapsedSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos);
        Api.Resp job = cluster.api(1).get(RunningJobs.jobPath(lease, ""), Api.PRODUCER);
        assertThat(job.body().path("version").asLong()).isEqualTo(lease.version() + 20);
        assertThat(job.body().path("progress").path("current").asLong()).isEqualTo(lastCurrent);
        assertThat(job.body().path("progress").path("total").asLong()).isEqualTo(1000);
        assertThat(job.body().path("progress").path("message").asText()).isEqualTo(lastMessage);
        assertThat(job.body().path("progress").path("updatedAt").asText()).endsWith("Z");
        // At most one progress event per job every 5 seconds, and the first one always.
        long events = cluster.queryLong("select count(*) from job_events where job_id = ? and type = 'progress'",
                lease.idLong());
        assertThat(events).isBetween(1L, 1 + elapsedSeconds / 5 + 1);
    }

    @Test
    void heartbeatsKeepTheVersionAndStaleUpdatesAreRefused() {
        Api api = cluster.api();
        Lease lease = RunningJobs.start(api);
        long v = lease.version();
        Api.Resp beat = api.post(RunningJobs.jobPath(lease, "/heartbeat"), Api.WORKER, Map.of("leaseToken", lease.token()));
        assertThat(beat.status()).as(beat.toString()).isEqualTo(200);
        assertThat(beat.body().path("version").asLong()).isEqualTo(v);
        assertThat(api.get(RunningJobs.jobPath(lease, ""), Api.PRODUCER).body().path("version").asLong()).isEqualTo(v);

        Api.Resp first = api.post(RunningJobs.jobPath(lease, "/progress"), Api.WORKER, update(lease, v, 1, "one"));
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.body().path("version").asLong()).isEqualTo(v + 1);

        Api.Resp stale = cluster.api(1).post(RunningJobs.jobPath(lease, "/progress"), Api.WORKER, update(lease, v, 2, "two"));
        assertThat(stale.status()).as(stale.toString()).isEqualTo(409);
        assertThat(stale.code()).isEqualTo("version_conflict");
        assertThat(stale.body().path("job").path("version").asLong()).isEqualTo(v + 1);
        assertThat(stale.body().path("job").path("progress").path("message").asText()).isEqualTo("one");

        beat = api.post(RunningJobs.jobPath(lease, "/heartbeat"), Api.WORKER, Map.of("leaseToken", lease.token()));
        assertThat(beat.body().path("version").asLong()).isEqualTo(v + 1);

        // Expired but not yet reaped: still running, but the lease is not held.
        cluster.execute("update jobs set lease_expires_at = now() - interval '1 second' where id = ?", lease.idLong());
        Api.Resp expired = api.post(RunningJobs.jobPath(lease, "/progress"), Api.WORKER, update(lease, v + 1, 3, "three"));
        assertThat(expired.status()).as(expired.toString()).isEqualTo(409);
        assertThat(expired.code()).isEqualTo("lease_lost");
        assertThat(expired.body().path("job").path("status").asText()).isEqualTo("running");

        Lease again = RunningJobs.expireAndReclaim(cluster, lease);
        assertThat(again.attempt()).isEqualTo(2);
        Api.Resp replaced = cluster.api(1).post(RunningJobs.jobPath(lease, "/progress"), Api.WORKER,
                update(lease, again.version(), 4, "old lease"));
        assertThat(replaced.status()).as(replaced.toString()).isEqualTo(409);
        assertThat(replaced.code()).isEqualTo("lease_lost");
        assertThat(replaced.body().path("job").path("status").asText()).isEqualTo("running");
        assertThat(replaced.body().path("job").path("attempt").asInt()).isEqualTo(2);
        assertThat(replaced.body().path("job").path("progress").isNull()).isTrue();

        Api.Resp fresh = api.post(RunningJobs.jobPath(again, "/progress"), Api.WORKER,
                update(again, again.version(), 5, "new lease"));
        assertThat(fresh.status()).as(fresh.toString()).isEqualTo(200);
        assertThat(fresh.body().path("version").asLong()).isEqualTo(again.version() + 1);
        // The new attempt's first progress writes an event even right after the old attempt's.
        assertThat(cluster.queryLong("""
                select count(*) from job_events where job_id = ? and type = 'progress' and attempt = 2""",
                lease.idLong())).isEqualTo(1);
    }

    @Test
    void badProgressIsA400AndNothingChanges() {
        Api api = cluster.api();
        Lease lease = RunningJobs.start(api);
        String path = RunningJobs.jobPath(lease, "/progress");
        Api.Resp missing = api.post(path, Api.WORKER, Map.of());
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body().path("errors").findValuesAsText("field"))
                .contains("leaseToken", "expectedVersion", "current");
        assertThat(api.post(path, Api.WORKER, Map.of("leaseToken", lease.token(), "expectedVersion", lease.version(),
                "current", -1)).status()).isEqualTo(400);
        assertThat(api.post(path, Api.WORKER, Map.of("leaseToken", lease.token(), "expectedVersion", lease.version(),
                "current", 5, "total", 4)).status()).isEqualTo(400);
        assertThat(api.post(path, Api.WORKER, Map.of("leaseToken", lease.token(), "expectedVersion", lease.version(),
                "current", 5, "message", "x".repeat(2001))).status()).isEqualTo(400);
        assertThat(api.post(path, Api.WORKER, Map.of("leaseToken", lease.token(), "expectedVersion", lease.version(),
                "current", 5, "message", "nul \u0000 here")).status()).isEqualTo(400);
        assertThat(api.post(path, Api.WORKER, "{\"leaseToken\": \"" + lease.token() + "\", \"expectedVersion\": "
                + lease.version() + ", \"current\": \"5\"}").status()).isEqualTo(400);
        assertThat(api.post(path, Api.PRODUCER, Map.of("leaseToken", lease.token(), "expectedVersion", lease.version(),
                "current", 5)).status()).isEqualTo(403);
        assertThat(api.post("/api/v1/jobs/999999999/progress", Api.WORKER, Map.of("leaseToken", "x",
                "expectedVersion", 1, "current", 0)).status()).isEqualTo(404);
        assertThat(api.get(RunningJobs.jobPath(lease, ""), Api.PRODUCER).body().path("version").asLong())
                .isEqualTo(lease.version());

        Api.Resp ok = api.post(path, Api.WORKER, Map.of("leaseToken", lease.token(), "expectedVersion", lease.version(),
                "current", 0, "message", "é".repeat(2000)));
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        Api.Resp job = api.get(RunningJobs.jobPath(lease, ""), Api.PRODUCER);
        assertThat(job.body().path("progress").path("total").isNull()).isTrue();
        assertThat(job.body().path("progress").path("message").asText()).isEqualTo("é".repeat(2000));
    }
}
