package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Event pages are ordered and paged by one key, so a cursor never passes an event that commits later. */
class EventPagesTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(EventPagesTest.class, 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /**
     * A claim of a limited queue waits for the queue's row lock inside its transaction; meanwhile
     * an admin edit of the job commits its event. The claim's event commits last, with the larger
     * id. Ordered by the transactions' start it came first, so a page ending at it skipped the edit.
     */
    @Test
    void aClaimThatWaitedOnItsQueueLockIsPagedAfterTheEventsThatCommittedWhileItWaited() throws Exception {
        Api api = cluster.api();
        assertThat(api.put("/api/v1/queues/limited", Api.ADMIN, Map.of("maxRunning", 5)).status()).isEqualTo(200);
        String id = Jobs.enqueue(api, "limited", Map.of()).path("id").asText();

        CompletableFuture<Api.Resp> claim;
        try (Connection holder = cluster.sql()) {
            holder.setAutoCommit(false);
            try (PreparedStatement ps = holder.prepareStatement("select 1 from queues where name = 'limited' for update")) {
                ps.executeQuery().close();
            }
            claim = CompletableFuture.supplyAsync(() -> api.post("/api/v1/claims", Api.WORKER, Map.of(
                    "workerId", "w", "queues", List.of("limited"), "limit", 1, "leaseMs", 60_000)));
            assertThat(Jobs.eventually(10_000, EventPagesTest::aClaimWaitsForTheQueueLock))
                    .as("the claim waits for the queue's row lock").isTrue();
            Api.Resp patched = api.patch("/api/v1/jobs/" + id, Api.ADMIN, Map.of("expectedVersion", 1, "priority", 7));
            assertThat(patched.status()).as(patched.toString()).isEqualTo(200);

            List<JsonNode> whileWaiting = page(api, id, 0, 100);
            assertThat(types(whileWaiting)).containsExactly("enqueued", "updated");
            long cursor = whileWaiting.get(whileWaiting.size() - 1).path("id").asLong();
            holder.commit();

            Api.Resp claimed = claim.get();
            assertThat(claimed.body().path("jobs")).as(claimed.toString()).hasSize(1);
            assertThat(types(page(api, id, cursor, 100))).as("the claim, committed after that page").containsExactly("claimed");
        }

        List<Long> all = eventIds(id);
        assertThat(all).hasSize(3);
        for (int limit = 1; limit <= 3; limit++) {
            List<JsonNode> walked = walk(api, id, limit);
            assertThat(walked.stream().map(e -> e.path("id").asLong()).toList())
                    .as("pages of %d: every event once, in id order", limit).isEqualTo(all);
            assertThat(types(walked)).containsExactly("enqueued", "updated", "claimed");
        }
        List<Instant> at = walk(api, id, 100).stream().map(e -> Instant.parse(e.path("at").asText())).toList();
        assertThat(at).as("at is when each event was written").isSorted();
    }

    @Test
    void pagesByAfterReturnEveryEventExactlyOnceInIdOrder() {
        Api api = cluster.api();
        String id = Jobs.enqueue(api, "plain", Map.of("maxAttempts", 10)).path("id").asText();
        for (int i = 0; i < 4; i++) {
            JsonNode job = Jobs.claimOne(api, "plain", 60_000);
            assertThat(api.post("/api/v1/jobs/" + id + "/fail", Api.WORKER, Map.of("leaseToken",
                    job.path("leaseToken").asText(), "error", Map.of("message", "again"), "retryAt", "2000-01-01T00:00:00Z"))
                    .status()).isEqualTo(200);
        }
        List<Long> all = eventIds(id);
        assertThat(all).hasSize(9);
        for (int limit : new int[] {1, 2, 4, 9, 100}) {
            assertThat(walk(api, id, limit).stream().map(e -> e.path("id").asLong()).toList())
                    .as("pages of %d", limit).isEqualTo(all);
        }
    }

    private static boolean aClaimWaitsForTheQueueLock() {
        return cluster.queryLong("""
                select count(*) from pg_stat_activity
                where datname = current_database() and wait_event_type = 'Lock' and query like '%from queues%for update%'
                """) > 0;
    }

    /** Follows the after= cursor from the start until a page comes back short. */
    private static List<JsonNode> walk(Api api, String id, int limit) {
        List<JsonNode> out = new ArrayList<>();
        long after = 0;
        while (true) {
            List<JsonNode> page = page(api, id, after, limit);
            out.addAll(page);
            if (page.size() < limit) {
                return out;
            }
            after = page.get(page.size() - 1).path("id").asLong();
        }
    }

    private static List<JsonNode> page(Api api, String id, long after, int limit) {
        Api.Resp r = api.get("/api/v1/jobs/" + id + "/events?after=" + after + "&limit=" + limit, Api.ADMIN);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.body().path("items").forEach(out::add);
        return out;
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.path("type").asText()).toList();
    }

    private static List<Long> eventIds(String jobId) {
        try (Connection c = cluster.sql();
             PreparedStatement ps = c.prepareStatement("select id from job_events where job_id = ? order by id")) {
            ps.setLong(1, Long.parseLong(jobId));
            List<Long> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
