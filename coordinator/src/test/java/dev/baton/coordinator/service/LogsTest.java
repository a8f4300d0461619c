package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.service.RunningJobs.Lease;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Log appends are atomic and idempotent, fenced by the lease; reads page in the order lines were stored. */
class LogsTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(LogsTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static Map<String, Object> line(int seq, String level, String message) {
        return Map.of("seq", seq, "level", level, "message", message);
    }

    static Map<String, Object> batch(Lease lease, List<Map<String, Object>> entries) {
        return Map.of("leaseToken", lease.token(), "entries", entries);
    }

    static Api.Resp append(Api api, Lease lease, List<Map<String, Object>> entries) {
        return api.post(RunningJobs.jobPath(lease, "/logs"), Api.WORKER, batch(lease, entries));
    }

    /** Every line of the job, read page by page through both coordinators. */
    static List<JsonNode> readAll(Lease lease, int limit) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        for (int page = 0; ; page++) {
            Api.Resp r = cluster.api(page % 2).get(RunningJobs.jobPath(lease, "/logs?limit=" + limit
                    + (cursor == null ? "" : "&after=" + cursor)), Api.PRODUCER);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            r.body().path("items").forEach(out::add);
            if (r.body().path("items").size() < limit) {
                return out;
            }
            cursor = r.body().path("nextCursor").asText();
        }
    }

    @Test
    void eightWritersResendingEveryBatchStoreEachLineOnce() throws Exception {
        int threads = 8;
        int lines = 2000;
        int batchSize = 50;
        List<Lease> leases = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            leases.add(RunningJobs.start(cluster.api(t % 2)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<int[]>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Lease lease = leases.get(t);
            int thread = t;
            results.add(pool.submit(() -> {
                go.await();
                int accepted = 0;
                int duplicates = 0;
                int sent = 0;
                for (int from = 1; from <= lines; from += batchSize) {
                    List<Map<String, Object>> entries = new ArrayList<>();
                    for (int seq = from; seq < from + batchSize; seq++) {
                        entries.add(line(seq, "info", "writer " + thread + " line " + seq));
                    }
                    for (int copy = 0; copy < 2; copy++) {
                        Api.Resp r = append(cluster.api(sent++ % 2), lease, entries);
                        assertThat(r.status()).as(r.toString()).isEqualTo(200);
                        assertThat(r.body().path("accepted").asInt()).isEqualTo(copy == 0 ? batchSize : 0);
                        assertThat(r.body().path("duplicates").asInt()).isEqualTo(copy == 0 ? 0 : batchSize);
                        accepted += r.body().path("accepted").asInt();
                        duplicates += r.body().path("duplicates").asInt();
                    }
                }
                return new int[] {accepted, duplicates};
            }));
        }
        go.countDown();
        int accepted = 0;
        int duplicates = 0;
        for (Future<int[]> f : results) {
            int[] r = f.get(120, TimeUnit.SECONDS);
            accepted += r[0];
            duplicates += r[1];
        }
        pool.shutdown();
        assertThat(accepted).isEqualTo(threads * lines);
        assertThat(duplicates).isEqualTo(threads * lines);
        assertThat(cluster.queryLong("select count(*) from job_logs where job_id in ("
                + String.join(",", leases.stream().map(Lease::id).toList()) + ")")).isEqualTo(threads * lines);
        for (int t = 0; t < threads; t++) {
            Lease lease = leases.get(t);
            List<JsonNode> stored = readAll(lease, 1000);
            assertThat(stored).hasSize(lines);
            for (int i = 0; i < lines; i++) {
                assertThat(stored.get(i).path("attempt").asInt()).isEqualTo(1);
                assertThat(stored.get(i).path("seq").asInt()).isEqualTo(i + 1);
                assertThat(stored.get(i).path("message").asText()).isEqualTo("writer " + t + " line " + (i + 1));
            }
            // Appends never touch the job's version.
            assertThat(cluster.api().get(RunningJobs.jobPath(lease, ""), Api.PRODUCER).body().path("version").asLong())
                    .isEqualTo(lease.version());
        }
    }

    @Test
    void oneBatchSentByFourClientsAtOnceIsStoredOnceAndCountedExactly() throws Exception {
        Lease lease = RunningJobs.start(cluster.api());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        Random random = new Random(42);
        try {
            for (int round = 0; round < 10; round++) {
                List<Map<String, Object>> entries = new ArrayList<>();
                for (int seq = round * 50 + 1; seq <= round * 50 + 50; seq++) {
                    entries.add(line(seq, "debug", "line " + seq));
                }
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Api.Resp>> sent = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    // Each client sends the lines in its own order: the coordinator must not deadlock.
                    List<Map<String, Object>> shuffled = new ArrayList<>(entries);
                    Collections.shuffle(shuffled, random);
                    Api api = cluster.api(t % 2);
                    sent.add(pool.submit(() -> {
                        go.await();
                        return append(api, lease, shuffled);
                    }));
                }
                go.countDown();
                int accepted = 0;
                int duplicates = 0;
                for (Future<Api.Resp> f : sent) {
                    Api.Resp r = f.get(30, TimeUnit.SECONDS);
                    assertThat(r.status()).as(r.toString()).isEqualTo(200);
                    accepted += r.body().path("accepted").asInt();
                    duplicates += r.body().path("duplicates").asInt();
                }
                assertThat(accepted).as("round %d", round).isEqualTo(50);
                assertThat(duplicates).as("round %d", round).isEqualTo(150);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(cluster.queryLong("select count(*) from job_logs where job_id = ?", lease.idLong())).isEqualTo(500);
    }

    @Test
    void aSeqRepeatedInOneRequestIsStoredOnceOrIsAConflict() {
        Lease lease = RunningJobs.start(cluster.api());
        Api.Resp other = append(cluster.api(), lease, List.of(line(2, "info", "first two"), line(1, "info", "one"),
                line(2, "warn", "second two")));
        assertThat(other.status()).as(other.toString()).isEqualTo(409);
        assertThat(other.code()).isEqualTo("log_conflict");
        assertThat(other.body().path("seqs")).extracting(JsonNode::asInt).containsExactly(2);
        assertThat(readAll(lease, 10)).as("nothing of it stored").isEmpty();

        Api.Resp r = append(cluster.api(), lease, List.of(line(2, "info", "two"), line(1, "info", "one"),
                line(2, "info", "two")));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body().path("accepted").asInt()).isEqualTo(2);
        assertThat(r.body().path("duplicates").asInt()).isEqualTo(1);
        List<JsonNode> stored = readAll(lease, 10);
        assertThat(stored).extracting(n -> n.path("message").asText()).containsExactly("one", "two");
        Api.Resp empty = append(cluster.api(), lease, List.of());
        assertThat(empty.status()).as(empty.toString()).isEqualTo(200);
        assertThat(empty.body().path("accepted").asInt()).isZero();
        assertThat(empty.body().path("duplicates").asInt()).isZero();
    }

    @Test
    void appendsAndProgressWithALostLeaseAreRefused() {
        Api api = cluster.api();
        Lease lease = RunningJobs.start(api);
        assertThat(append(api, lease, List.of(line(1, "info", "attempt one"))).status()).isEqualTo(200);

        cluster.execute("update jobs set lease_expires_at = now() - interval '1 second' where id = ?", lease.idLong());
        Api.Resp expired = append(cluster.api(1), lease, List.of(line(2, "info", "too late")));
        assertThat(expired.status()).as(expired.toString()).isEqualTo(409);
        assertThat(expired.code()).isEqualTo("lease_lost");
        assertThat(expired.body().path("job").path("id").asText()).isEqualTo(lease.id());

        Lease again = RunningJobs.expireAndReclaim(cluster, lease);
        Api.Resp replaced = append(api, lease, List.of(line(2, "info", "old lease")));
        assertThat(replaced.status()).as(replaced.toString()).isEqualTo(409);
        assertThat(replaced.code()).isEqualTo("lease_lost");
        assertThat(replaced.body().path("job").path("attempt").asInt()).isEqualTo(2);
        Api.Resp oldProgress = api.post(RunningJobs.jobPath(lease, "/progress"), Api.WORKER,
                Map.of("leaseToken", lease.token(), "expectedVersion", again.version(), "current", 1));
        assertThat(oldProgress.status()).isEqualTo(409);
        assertThat(oldProgress.code()).isEqualTo("lease_lost");

        // The new attempt counts its seqs from 1 again; its lines follow the first attempt's.
        Api.Resp fresh = append(cluster.api(1), again, List.of(line(1, "info", "attempt two")));
        assertThat(fresh.status()).as(fresh.toString()).isEqualTo(200);
        assertThat(fresh.body().path("accepted").asInt()).isEqualTo(1);
        List<JsonNode> stored = readAll(lease, 1);
        assertThat(stored).extracting(n -> n.path("attempt").asInt() + ":" + n.path("message").asText())
                .containsExactly("1:attempt one", "2:attempt two");

        Api.Resp done = api.post(RunningJobs.jobPath(again, "/complete"), Api.WORKER,
                Map.of("leaseToken", again.token(), "result", Map.of()));
        assertThat(done.status()).as(done.toString()).isEqualTo(200);
        Api.Resp afterDone = append(api, again, List.of(line(2, "info", "after complete")));
        assertThat(afterDone.status()).isEqualTo(409);
        assertThat(afterDone.code()).isEqualTo("lease_lost");
        assertThat(afterDone.body().path("job").path("status").asText()).isEqualTo("succeeded");

        Lease cancelled = RunningJobs.start(api);
        assertThat(api.post(RunningJobs.jobPath(cancelled, "/cancel"), Api.ADMIN, Map.of()).status()).isEqualTo(200);
        Api.Resp afterCancel = append(cluster.api(1), cancelled, List.of(line(1, "info", "after cancel")));
        assertThat(afterCancel.status()).isEqualTo(409);
        assertThat(afterCancel.code()).isEqualTo("lease_lost");
        assertThat(afterCancel.body().path("job").path("status").asText()).isEqualTo("cancelled");
        Api.Resp progressAfterCancel = api.post(RunningJobs.jobPath(cancelled, "/progress"), Api.WORKER,
                Map.of("leaseToken", cancelled.token(), "expectedVersion", cancelled.version() + 1, "current", 1));
        assertThat(progressAfterCancel.status()).isEqualTo(409);
        assertThat(progressAfterCancel.code()).isEqualTo("lease_lost");
        assertThat(cluster.queryLong("select count(*) from job_logs where job_id = ?", cancelled.idLong())).isZero();
    }

    @Test
    void limitsAreEnforcedAndMessagesReadBackByteExact() {
        Api api = cluster.api();
        Lease lease = RunningJobs.start(api);
        List<Map<String, Object>> tooMany = new ArrayList<>();
        for (int seq = 1; seq <= 1001; seq++) {
            tooMany.add(line(seq, "info", "x"));
        }
        Api.Resp many = append(api, lease, tooMany);
        assertThat(many.status()).as(many.toString()).isEqualTo(413);
        assertThat(many.code()).isEqualTo("payload_too_large");
        assertThat(append(api, lease, tooMany.subList(0, 1000)).status()).isEqualTo(200);

        String limit = "é".repeat(8 * 1024); // 16 KiB in UTF-8, 8 Ki characters
        Api.Resp atLimit = append(api, lease, List.of(line(1001, "info", limit)));
        assertThat(atLimit.status()).as(atLimit.toString()).isEqualTo(200);
        Api.Resp over = append(api, lease, List.of(line(1002, "info", "x".repeat(16 * 1024 + 1))));
        assertThat(over.status()).as(over.toString()).isEqualTo(413);
        assertThat(over.code()).isEqualTo("payload_too_large");

        Api.Resp lastAllowed = append(api, lease, List.of(line(100_000, "info", "the last line an attempt may write")));
        assertThat(lastAllowed.status()).as(lastAllowed.toString()).isEqualTo(200);
        Api.Resp overCap = append(api, lease, List.of(line(100_001, "info", "one too many")));
        assertThat(overCap.status()).as(overCap.toString()).isEqualTo(413);
        assertThat(overCap.body().path("detail").asText()).contains("at most 100000 log lines");

        String path = RunningJobs.jobPath(lease, "/logs");
        for (Object bad : List.of(
                Map.of("leaseToken", lease.token()),
                batch(lease, List.of(line(0, "info", "seq zero"))),
                batch(lease, List.of(line(5000, "fatal", "no such level"))),
                batch(lease, List.of(Map.of("seq", 5000, "level", "info"))),
                batch(lease, List.of(Map.of("level", "info", "message", "no seq"))),
                batch(lease, List.of(line(5000, "info", "nul \u0000 here"))),
                "{\"leaseToken\": \"" + lease.token() + "\", \"entries\": [{\"seq\": 1.5, \"level\": \"info\", \"message\": \"m\"}]}",
                "{\"leaseToken\": \"" + lease.token() + "\", \"entries\": [{\"seq\": 5000, \"level\": \"info\", \"message\": \"\\ud800\"}]}",
                "{\"leaseToken\": \"" + lease.token() + "\", \"entries\": [null]}",
                "{\"leaseToken\": \"" + lease.token() + "\", \"entries\": {}}")) {
            Api.Resp r = api.post(path, Api.WORKER, bad);
            assertThat(r.status()).as("%s -> %s", bad, r).isEqualTo(400);
            assertThat(r.code()).isEqualTo("invalid_request");
        }
        assertThat(api.post("/api/v1/jobs/999999999/logs", Api.WORKER, batch(lease, List.of())).status()).isEqualTo(404);
        assertThat(api.post(path, Api.PRODUCER, batch(lease, List.of())).status()).isEqualTo(403);

        String exact = "first line\nsecond\r\nthird\rfourth\t\u001b[1;31mred bold\u001b[0m \u001b]0;title\u0007"
                + " \\ \"quoted\" emoji \uD83D\uDE80 trailing  \n\n";
        Api.Resp stored = append(cluster.api(1), lease, List.of(line(5000, "error", exact)));
        assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
        JsonNode back = readAll(lease, 1000).stream().filter(n -> n.path("seq").asInt() == 5000).findFirst().orElseThrow();
        assertThat(back.path("message").asText()).isEqualTo(exact);
        assertThat(back.path("level").asText()).isEqualTo("error");
        assertThat(cluster.queryLong("select octet_length(message) from job_logs where job_id = ? and seq = 5000",
                lease.idLong())).isEqualTo(exact.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void pagesFollowAttemptThenSeqWithOpaqueCursors() {
        Api api = cluster.api();
        Lease lease = RunningJobs.start(api);
        Api.Resp none = api.get(RunningJobs.jobPath(lease, "/logs"), Api.PRODUCER);
        assertThat(none.status()).isEqualTo(200);
        assertThat(none.body().path("items")).isEmpty();
        assertThat(none.body().path("nextCursor").isNull()).isTrue();

        append(api, lease, List.of(line(3, "info", "a3"), line(1, "info", "a1"), line(2, "info", "a2")));
        Lease again = RunningJobs.expireAndReclaim(cluster, lease);
        append(api, again, List.of(line(2, "info", "b2"), line(1, "info", "b1")));

        Api.Resp first = api.get(RunningJobs.jobPath(lease, "/logs?limit=4"), Api.PRODUCER);
        assertThat(first.body().path("items")).extracting(n -> n.path("message").asText())
                .containsExactly("a1", "a2", "a3", "b1");
        String cursor = first.body().path("nextCursor").asText();
        Api.Resp second = cluster.api(1).get(RunningJobs.jobPath(lease, "/logs?limit=4&after=" + cursor), Api.PRODUCER);
        assertThat(second.body().path("items")).extracting(n -> n.path("message").asText()).containsExactly("b2");
        String end = second.body().path("nextCursor").asText();
        Api.Resp empty = api.get(RunningJobs.jobPath(lease, "/logs?after=" + end), Api.PRODUCER);
        assertThat(empty.body().path("items")).isEmpty();
        assertThat(empty.body().path("nextCursor").asText()).isEqualTo(end);
        // A line appended later is found from the cursor the empty page gave back.
        append(api, again, List.of(line(3, "info", "b3")));
        assertThat(api.get(RunningJobs.jobPath(lease, "/logs?after=" + end), Api.PRODUCER).body().path("items"))
                .extracting(n -> n.path("message").asText()).containsExactly("b3");

        for (String forged : List.of("abc", "bDp4", "bDow", "ajox", "%20", "bDotMQ")) {
            Api.Resp r = api.get(RunningJobs.jobPath(lease, "/logs?after=" + forged), Api.PRODUCER);
            assertThat(r.status()).as("%s -> %s", forged, r).isEqualTo(400);
        }
        assertThat(api.get(RunningJobs.jobPath(lease, "/logs?limit=0"), Api.PRODUCER).status()).isEqualTo(400);
        assertThat(api.get(RunningJobs.jobPath(lease, "/logs?limit=1001"), Api.PRODUCER).status()).isEqualTo(400);
        assertThat(api.get("/api/v1/jobs/999999999/logs", Api.PRODUCER).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/jobs/nope/logs", Api.PRODUCER).status()).isEqualTo(404);
        assertThat(api.get(RunningJobs.jobPath(lease, "/logs"), Api.WORKER).status()).isEqualTo(200);
    }

    @Test
    void aResendWithOtherContentIsAConflictAndStoresNothing() {
        Api api = cluster.api();
        Lease lease = RunningJobs.start(api);
        Api.Resp first = append(api, lease, List.of(line(1, "info", "one"), line(2, "info", "two"),
                line(3, "warn", "three")));
        assertThat(first.status()).as(first.toString()).isEqualTo(200);

        // The identical resend is a duplicate, as before; so is the same line beside new ones.
        Api.Resp same = append(cluster.api(1), lease, List.of(line(2, "info", "two"), line(4, "info", "four")));
        assertThat(same.status()).as(same.toString()).isEqualTo(200);
        assertThat(same.body().path("accepted").asInt()).isEqualTo(1);
        assertThat(same.body().path("duplicates").asInt()).isEqualTo(1);

        // Other content under stored seqs (message of 1, level of 3): 409 naming both, and the new
        // line 5 of the same request is not stored either.
        Api.Resp changed = append(api, lease, List.of(line(5, "info", "five"), line(3, "info", "three"),
                line(1, "info", "one, edited"), line(2, "info", "two")));
        assertThat(changed.status()).as(changed.toString()).isEqualTo(409);
        assertThat(changed.code()).isEqualTo("log_conflict");
        assertThat(changed.body().path("seqs")).extracting(JsonNode::asInt).containsExactly(1, 3);
        assertThat(changed.body().path("detail").asText()).contains("seq 1, 3 of attempt 1");
        assertThat(readAll(lease, 100)).extracting(n -> n.path("seq").asInt() + ":" + n.path("level").asText()
                + ":" + n.path("message").asText()).containsExactly("1:info:one", "2:info:two", "3:warn:three",
                "4:info:four");

        // The next attempt counts from 1 again: its seq 1 is another line, not a conflict.
        Lease again = RunningJobs.expireAndReclaim(cluster, lease);
        Api.Resp fresh = append(api, again, List.of(line(1, "error", "attempt two")));
        assertThat(fresh.status()).as(fresh.toString()).isEqualTo(200);
        assertThat(fresh.body().path("accepted").asInt()).isEqualTo(1);
    }

    /**
     * Two appends that commit out of order: the first (seqs 1, 2) is held open, the second (seq 3)
     * is sent meanwhile. A reader paging with cursors must end with every line, whatever it read
     * while the first was open. The first is held by a line a test transaction inserted under seq
     * 1 without committing: the append's insert waits for that transaction, and its rollback lets
     * the append go on, as a slow append would.
     */
    @Test
    void aReaderNeverPassesALineThatCommitsLater() throws Exception {
        Api api = cluster.api();
        Lease lease = RunningJobs.start(api);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Connection holder = cluster.sql()) {
            holder.setAutoCommit(false);
            try (PreparedStatement ps = holder.prepareStatement("insert into job_logs (job_id, attempt, seq, level, "
                    + "message, position) values (?, 1, 1, 'info', 'placeholder', -1)")) {
                ps.setLong(1, lease.idLong());
                ps.executeUpdate();
            }
            Future<Api.Resp> slow = pool.submit(() -> append(api, lease, List.of(line(1, "info", "one"),
                    line(2, "info", "two"))));
            awaitWaiting(1);
            Future<Api.Resp> fast = pool.submit(() -> append(cluster.api(1), lease, List.of(line(3, "info", "three"))));
            // The second append is either done or waiting behind the first.
            while (!fast.isDone() && waitingOnLocks() < 2) {
                Thread.sleep(5);
            }

            List<String> seen = new ArrayList<>();
            Api.Resp during = cluster.api(1).get(RunningJobs.jobPath(lease, "/logs"), Api.PRODUCER);
            during.body().path("items").forEach(n -> seen.add(n.path("message").asText()));
            String cursor = during.body().path("nextCursor").isNull() ? null : during.body().path("nextCursor").asText();

            holder.rollback();
            assertThat(slow.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(fast.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
            Api.Resp after = api.get(RunningJobs.jobPath(lease, "/logs" + (cursor == null ? "" : "?after=" + cursor)),
                    Api.PRODUCER);
            after.body().path("items").forEach(n -> seen.add(n.path("message").asText()));
            assertThat(seen).as("read while the first append was open: %s", during.body())
                    .containsExactlyInAnyOrder("one", "two", "three");
        } finally {
            pool.shutdownNow();
        }
    }

    private static long waitingOnLocks() {
        return cluster.queryLong("select count(*) from pg_stat_activity where datname = current_database() "
                + "and wait_event_type = 'Lock'");
    }

    private static void awaitWaiting(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (waitingOnLocks() < n) {
            assertThat(System.nanoTime()).as("an append waiting on a lock").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
