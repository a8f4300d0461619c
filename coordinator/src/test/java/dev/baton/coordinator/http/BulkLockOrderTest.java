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
 * A bulk under an Idempotency-Key holds every job it changes until it commits. A chaos run saw
 * such bulks deadlock with the workers' completions batch (which locks in id order) and answer 503:
 * the bulk locked its jobs in the order of its operations. It now takes them all first, in id order.
 */
class BulkLockOrderTest {
    static TestCluster cluster;
    static Api api;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(BulkLockOrderTest.class, 1);
        api = cluster.api();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aBulkUnderAKeyTakesItsJobsInIdOrderAndDeadlocksWithNoOne() throws Exception {
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

    private static void lock(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from jobs where id = ? for update")) {
            ps.setLong(1, id);
            ps.executeQuery().close();
        }
    }
}
