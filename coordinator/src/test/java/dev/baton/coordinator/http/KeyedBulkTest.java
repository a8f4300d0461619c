package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bulk under an Idempotency-Key runs each operation in a transaction of its own that also stores
 * its answer. Chaos runs saw such bulks, when each was one transaction holding every job it
 * changed until it committed, deadlock with the workers' completions batch (finding 7) and keep
 * workers' writes waiting into 503s (findings 11 and 12).
 */
class KeyedBulkTest {
    static TestCluster cluster;
    static Api api;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(KeyedBulkTest.class, 1);
        api = cluster.api();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aBulkUnderAKeyDeadlocksWithNoOne() throws Exception {
        long low = Long.parseLong(Jobs.enqueue(api, "bulk-order", Map.of()).path("id").asText());
        long high = Long.parseLong(Jobs.enqueue(api, "bulk-order", Map.of()).path("id").asText());
        String bulk = "{\"operations\":[{\"id\":\"" + high + "\",\"action\":\"cancel\"},"
                + "{\"id\":\"" + low + "\",\"action\":\"cancel\"}]}";
        try (Connection other = cluster.sql()) {
            // another transaction that locks in id order, as the completions batch does: the low job first
            other.setAutoCommit(false);
            lock(other, low);
            CompletableFuture<Api.Resp> answer = CompletableFuture.supplyAsync(() -> api.send("POST",
                    "/api/v1/jobs/bulk", Api.ADMIN, bulk, "application/json", Map.of("Idempotency-Key", "order-1")));
            assertThat(Jobs.eventually(15_000, () -> cluster.queryLong("select count(*) from pg_stat_activity "
                    + "where datname = current_database() and wait_event_type = 'Lock'") > 0))
                    .as("the bulk waits for the low job").isTrue();
            // then the high one: a bulk that took the high job first would now deadlock with us
            lock(other, high);
            other.commit();
            Api.Resp r = answer.get(30, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.body().path("succeeded").findValuesAsText("id"))
                    .containsExactly(Long.toString(high), Long.toString(low));
        }
        assertThat(List.of(Jobs.get(api, Long.toString(low)).path("status").asText(),
                Jobs.get(api, Long.toString(high)).path("status").asText())).containsOnly("cancelled");
    }

    @Test
    void anEditAtAStaleVersionNeitherTakesNorWaitsForItsJobsRow() throws Exception {
        long stale = Long.parseLong(Jobs.enqueue(api, "bulk-stale", Map.of()).path("id").asText());
        long current = Long.parseLong(Jobs.enqueue(api, "bulk-stale", Map.of()).path("id").asText());
        assertThat(api.send("PATCH", "/api/v1/jobs/" + stale, Api.ADMIN, "{\"expectedVersion\":1,\"priority\":5}",
                "application/json", Map.of()).status()).isEqualTo(200);
        String bulk = "{\"operations\":[{\"id\":\"" + stale + "\",\"action\":\"cancel\",\"expectedVersion\":1},"
                + "{\"id\":\"" + current + "\",\"action\":\"cancel\",\"expectedVersion\":1}]}";
        try (Connection other = cluster.sql()) {
            // a worker's write holding the stale job's row (a soak saw a bulk hold such a row for
            // 4 s, until a worker's log append to it gave up with a 503)
            other.setAutoCommit(false);
            lock(other, stale);
            Api.Resp r = api.send("POST", "/api/v1/jobs/bulk", Api.ADMIN, bulk, "application/json",
                    Map.of("Idempotency-Key", "stale-1"));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.body().path("succeeded").findValuesAsText("id")).containsExactly(Long.toString(current));
            assertThat(r.body().path("failed").get(0).path("code").asText()).isEqualTo("version_conflict");
            assertThat(r.body().path("failed").get(0).path("job").path("version").asLong()).isEqualTo(2);
            Api.Resp single = api.send("POST", "/api/v1/jobs/" + stale + "/cancel", Api.ADMIN,
                    "{\"expectedVersion\":1}", "application/json", Map.of());
            assertThat(single.status()).as(single.toString()).isEqualTo(409);
            assertThat(single.body().path("code").asText()).isEqualTo("version_conflict");
            other.rollback();
        }
        assertThat(Jobs.get(api, Long.toString(stale)).path("status").asText()).isEqualTo("queued");
    }

    /** Finding 12: a slow keyed bulk held the jobs it had changed, and their workers' writes waited into 503s. */
    @Test
    void aBulkUnderAKeyHoldsEachJobForItsOwnOperationOnly() throws Exception {
        long first = Long.parseLong(Jobs.enqueue(api, "bulk-short", Map.of()).path("id").asText());
        long blocked = Long.parseLong(Jobs.enqueue(api, "bulk-short", Map.of()).path("id").asText());
        String bulk = "{\"operations\":[{\"id\":\"" + first + "\",\"action\":\"update\",\"expectedVersion\":1,"
                + "\"changes\":{\"priority\":5}},{\"id\":\"" + blocked + "\",\"action\":\"cancel\"}]}";
        try (Connection other = cluster.sql()) {
            other.setAutoCommit(false);
            lock(other, blocked);
            CompletableFuture<Api.Resp> answer = CompletableFuture.supplyAsync(() -> api.send("POST",
                    "/api/v1/jobs/bulk", Api.ADMIN, bulk, "application/json", Map.of("Idempotency-Key", "short-1")));
            assertThat(Jobs.eventually(15_000, () -> cluster.queryLong("select count(*) from pg_stat_activity "
                    + "where datname = current_database() and wait_event_type = 'Lock'") > 0))
                    .as("the bulk waits for its second job").isTrue();
            assertThat(Jobs.get(api, Long.toString(first)).path("priority").asInt())
                    .as("the first operation committed").isEqualTo(5);
            Api.Resp edit = api.send("PATCH", "/api/v1/jobs/" + first, Api.ADMIN,
                    "{\"expectedVersion\":2,\"priority\":7}", "application/json", Map.of());
            assertThat(edit.status()).as("the first job is not held: " + edit).isEqualTo(200);
            other.commit();
            Api.Resp r = answer.get(30, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.body().path("succeeded").findValuesAsText("version")).containsExactly("2", "2");
        }
        assertThat(cluster.queryLong("select count(*) from idempotency_steps")).as("steps forgotten with the answer")
                .isZero();
    }

    /**
     * A keyed bulk cut short by a 503 after some operations committed: its resend answers those as
     * they were (a fresh run would refuse them, their expectedVersion gone) and runs the rest.
     */
    @Test
    void aResendAfterA503AnswersTheCommittedOperationsAsTheyWereAndRunsTheRest() throws Exception {
        long first = Long.parseLong(Jobs.enqueue(api, "bulk-resend", Map.of()).path("id").asText());
        long blocked = Long.parseLong(Jobs.enqueue(api, "bulk-resend", Map.of()).path("id").asText());
        String bulk = "{\"operations\":[{\"id\":\"" + first + "\",\"action\":\"cancel\",\"expectedVersion\":1},"
                + "{\"id\":\"" + blocked + "\",\"action\":\"cancel\",\"expectedVersion\":1}]}";
        Map<String, String> key = Map.of("Idempotency-Key", "resend-1");
        try (Connection other = cluster.sql()) {
            other.setAutoCommit(false);
            lock(other, blocked); // held past the statement timeout: the bulk's second operation gives up
            Api.Resp cut = api.send("POST", "/api/v1/jobs/bulk", Api.ADMIN, bulk, "application/json", key);
            assertThat(cut.status()).as(cut.toString()).isEqualTo(503);
            assertThat(cut.body().path("detail").asText()).contains("1 of this bulk's operations had committed");
            other.rollback();
        }
        assertThat(Jobs.get(api, Long.toString(first)).path("status").asText()).isEqualTo("cancelled");
        assertThat(Jobs.get(api, Long.toString(blocked)).path("status").asText()).isEqualTo("queued");

        Api.Resp resent = api.send("POST", "/api/v1/jobs/bulk", Api.ADMIN, bulk, "application/json", key);
        assertThat(resent.status()).as(resent.toString()).isEqualTo(200);
        assertThat(resent.body().path("failed")).as(resent.toString()).isEmpty();
        assertThat(resent.body().path("succeeded").findValuesAsText("id"))
                .containsExactly(Long.toString(first), Long.toString(blocked));
        assertThat(resent.body().path("succeeded").findValuesAsText("version")).containsExactly("2", "2");
        assertThat(cluster.queryLong("select count(*) from job_events where job_id = ? and type = 'cancelled'", first))
                .as("applied once").isEqualTo(1);

        Api.Resp again = api.send("POST", "/api/v1/jobs/bulk", Api.ADMIN, bulk, "application/json", key);
        assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(again.raw()).isEqualTo(resent.raw());
    }

    /**
     * Finding 17: keyed bulks waiting for a slot (or resends waiting for their key's first try) did
     * so inside the key's transaction, each holding a pooled connection idle; after a fault they
     * exhausted the pool. A bulk now takes its slot before its key's connection.
     */
    @Test
    void aKeyedBulkWaitingForASlotHoldsNoConnection() throws Exception {
        long blocked = Long.parseLong(Jobs.enqueue(api, "bulk-slot", Map.of()).path("id").asText());
        long free = Long.parseLong(Jobs.enqueue(api, "bulk-slot", Map.of()).path("id").asText());
        String onBlocked = "{\"operations\":[{\"id\":\"" + blocked + "\",\"action\":\"cancel\"}]}";
        try (Connection other = cluster.sql()) {
            other.setAutoCommit(false);
            lock(other, blocked);
            long otherPid;
            try (var rs = other.createStatement().executeQuery("select pg_backend_pid()")) {
                rs.next();
                otherPid = rs.getLong(1);
            }
            String idleInKeyTx = "select count(*) filter (where state = 'idle in transaction' and pid <> " + otherPid
                    + "), count(*) filter (where wait_event_type = 'Lock') from pg_stat_activity "
                    + "where datname = current_database()";
            // TestCluster's pool of 10: two slots, both taken by bulks waiting for the blocked job
            List<CompletableFuture<Api.Resp>> holding = List.of("slot-1", "slot-2").stream()
                    .map(key -> CompletableFuture.supplyAsync(() -> api.send("POST", "/api/v1/jobs/bulk", Api.ADMIN,
                            onBlocked, "application/json", Map.of("Idempotency-Key", key)))).toList();
            assertThat(Jobs.eventually(15_000, () -> cluster.queryLong("select count(*) from pg_stat_activity "
                    + "where datname = current_database() and wait_event_type = 'Lock'") == 2))
                    .as("both slots' bulks wait for the blocked job").isTrue();
            CompletableFuture<Api.Resp> third = CompletableFuture.supplyAsync(() -> api.send("POST",
                    "/api/v1/jobs/bulk", Api.ADMIN, "{\"operations\":[{\"id\":\"" + free + "\",\"action\":"
                            + "\"cancel\"}]}", "application/json", Map.of("Idempotency-Key", "slot-3")));
            // sampled while both still wait (then the third waits for a slot; later it runs, or gives up)
            long most = 0;
            int samples = 0;
            try (Connection sampler = cluster.sql(); PreparedStatement ps = sampler.prepareStatement(idleInKeyTx)) {
                while (!third.isDone()) {
                    try (var rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getLong(2) == 2) {
                            most = Math.max(most, rs.getLong(1));
                            samples++;
                        }
                    }
                }
            }
            assertThat(samples).isPositive();
            assertThat(most).as("only the two running bulks' keys hold a connection, idle").isEqualTo(2);
            Api.Resp r = third.get();
            assertThat(r.status()).as(r.toString()).isIn(200, 503);
            other.rollback();
            for (CompletableFuture<Api.Resp> f : holding) {
                assertThat(f.get(30, TimeUnit.SECONDS).status()).isIn(200, 503);
            }
        }
    }

    private static void lock(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from jobs where id = ? for update")) {
            ps.setLong(1, id);
            ps.executeQuery().close();
        }
    }
}
