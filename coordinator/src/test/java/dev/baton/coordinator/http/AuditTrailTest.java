package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
 * Every admin change records its actor (the token's name) in the job's events and in the audit
 * trail, in the change's own transaction: a refused change writes none, and a bulk resent under
 * its Idempotency-Key writes none again (docs/protocol.md "Tokens, scopes and the audit trail").
 */
class AuditTrailTest {
    static TestCluster cluster;
    static Api api;
    static Api other;
    static String auditor;
    static String viewer;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(AuditTrailTest.class, 2);
        api = cluster.api(0);
        other = cluster.api(1);
        auditor = api.post("/api/v1/tokens", Api.ADMIN, Map.of("name", "auditor", "role", "admin"))
                .body().path("token").asText();
        viewer = api.post("/api/v1/tokens", Api.ADMIN, Map.of("name", "auditor-viewer", "role", "viewer"))
                .body().path("token").asText();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /** The audit rows of {@code target}, oldest first, as GET /audit (read by a viewer) answers them. */
    private static List<JsonNode> rowsOf(String target) {
        Api.Resp r = other.get("/api/v1/audit?target=" + target.replace(":", "%3A") + "&limit=500", viewer);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<JsonNode> rows = new ArrayList<>();
        r.body().path("items").forEach(rows::add);
        return rows.reversed();
    }

    private static JsonNode lastEvent(String jobId) {
        JsonNode items = api.get("/api/v1/jobs/" + jobId + "/events", viewer).body().path("items");
        return items.get(items.size() - 1);
    }

    private static String enqueue(String queue) {
        return Jobs.enqueue(api, queue, Map.of()).path("id").asText();
    }

    @Test
    void cancelRetryAndEditRecordTheirActorInTheEventsAndTheTrail() {
        String id = enqueue("audit-jobs");
        assertThat(Jobs.get(api, id).path("status").asText()).isEqualTo("queued");
        assertThat(lastEvent(id).path("actor").isNull()).as("enqueued by no admin").isTrue();

        assertThat(other.patch("/api/v1/jobs/" + id, auditor, Map.of("expectedVersion", 1, "priority", 7)).status())
                .isEqualTo(200);
        assertThat(lastEvent(id).path("type").asText()).isEqualTo("updated");
        assertThat(lastEvent(id).path("actor").asText()).isEqualTo("auditor");
        assertThat(other.post("/api/v1/jobs/" + id + "/cancel", auditor, Map.of("reason", "why not")).status())
                .isEqualTo(200);
        assertThat(lastEvent(id).path("actor").asText()).isEqualTo("auditor");
        assertThat(api.post("/api/v1/jobs/" + id + "/retry", Api.ADMIN, Map.of()).status()).isEqualTo(200);
        assertThat(lastEvent(id).path("type").asText()).isEqualTo("retried");
        assertThat(lastEvent(id).path("actor").asText()).isEqualTo("env:admin#1");

        List<JsonNode> rows = rowsOf("job:" + id);
        assertThat(rows).extracting(r -> r.path("action").asText()).containsExactly("job.update", "job.cancel", "job.retry");
        assertThat(rows).extracting(r -> r.path("actor").asText()).containsExactly("auditor", "auditor", "env:admin#1");
        assertThat(rows.get(0).path("details").path("changed").toString()).isEqualTo("[\"priority\"]");
        assertThat(rows.get(1).path("details").path("reason").asText()).isEqualTo("why not");
        assertThat(rows.get(2).path("at").asText()).isNotEmpty();
    }

    @Test
    void queueScheduleAndTokenChangesAreInTheTrail() {
        assertThat(other.put("/api/v1/queues/audit-q", auditor, Map.of("paused", true, "maxRunning", 3)).status())
                .isEqualTo(200);
        JsonNode queue = rowsOf("queue:audit-q").getFirst();
        assertThat(queue.path("action").asText()).isEqualTo("queue.update");
        assertThat(queue.path("actor").asText()).isEqualTo("auditor");
        assertThat(queue.path("details").path("paused").asBoolean()).isTrue();
        assertThat(queue.path("details").path("maxRunning").asInt()).isEqualTo(3);

        Map<String, Object> schedule = Map.of("cron", "0 0 0 1 1 *", "job", Map.of("type", "audit.t"));
        assertThat(other.put("/api/v1/schedules/audit-s", auditor, schedule).status()).isEqualTo(201);
        assertThat(api.send("DELETE", "/api/v1/schedules/audit-s", Api.ADMIN, null, null).status()).isEqualTo(204);
        assertThat(rowsOf("schedule:audit-s")).extracting(r -> r.path("action").asText() + " by " + r.path("actor").asText())
                .containsExactly("schedule.put by auditor", "schedule.delete by env:admin#1");

        Api.Resp made = other.post("/api/v1/tokens", auditor, Map.of("name", "audited", "role", "worker",
                "queues", List.of("q1")));
        String secret = made.body().path("token").asText();
        assertThat(api.send("DELETE", "/api/v1/tokens/audited", Api.ADMIN, null, null).status()).isEqualTo(204);
        assertThat(rowsOf("token:audited")).as("viewers may not list tokens, so not through the trail either").isEmpty();
        List<JsonNode> tokenRows = new ArrayList<>();
        other.get("/api/v1/audit?target=token%3Aaudited&limit=500", Api.ADMIN).body().path("items").forEach(tokenRows::add);
        tokenRows = tokenRows.reversed();
        assertThat(tokenRows).extracting(r -> r.path("action").asText() + " by " + r.path("actor").asText())
                .containsExactly("token.create by auditor", "token.revoke by env:admin#1");
        assertThat(tokenRows.get(0).path("details").path("queues").toString()).isEqualTo("[\"q1\"]");
        assertThat(other.get("/api/v1/audit?limit=500", Api.ADMIN).raw()).doesNotContain(secret);
    }

    @Test
    void aRefusedChangeWritesNoAuditRow() {
        String id = enqueue("audit-refused");
        api.post("/api/v1/jobs/" + id + "/cancel", Api.ADMIN, Map.of());
        long before = cluster.queryLong("select count(*) from audit");
        assertThat(api.post("/api/v1/jobs/" + id + "/cancel", auditor, Map.of()).status()).isEqualTo(409);
        assertThat(api.patch("/api/v1/jobs/" + id, auditor, Map.of("expectedVersion", 99, "priority", 1)).status())
                .isEqualTo(409);
        assertThat(api.post("/api/v1/jobs/" + id + "/cancel", viewer, Map.of()).status()).isEqualTo(403);
        assertThat(api.put("/api/v1/queues/audit-refused", auditor, Map.of("maxRunning", -1)).status()).isEqualTo(400);
        assertThat(api.send("DELETE", "/api/v1/schedules/never-made", auditor, null, null).status()).isEqualTo(404);
        assertThat(api.send("DELETE", "/api/v1/tokens/never-made", auditor, null, null).status()).isEqualTo(404);
        assertThat(api.post("/api/v1/tokens", auditor, Map.of("name", "auditor", "role", "admin")).status())
                .isEqualTo(409);
        Api.Resp bulk = api.post("/api/v1/jobs/bulk", auditor, Map.of("operations",
                List.of(Map.of("id", id, "action", "cancel"))));
        assertThat(bulk.body().path("failed").size()).as(bulk.toString()).isEqualTo(1);
        assertThat(cluster.queryLong("select count(*) from audit")).isEqualTo(before);
    }

    @Test
    void eachOperationOfABulkIsAuditedAloneAndAResendUnderItsKeyWritesNothingAgain() {
        String a = enqueue("audit-bulk");
        String b = enqueue("audit-bulk");
        api.post("/api/v1/jobs/" + b + "/cancel", Api.ADMIN, Map.of());
        Map<String, Object> body = Map.of("operations", List.of(
                Map.of("id", a, "action", "cancel"),
                Map.of("id", b, "action", "cancel"), // already cancelled: refused, no row
                Map.of("id", b, "action", "retry")));
        Map<String, String> key = Map.of("Idempotency-Key", "audit-bulk-1");
        Api.Resp first = api.send("POST", "/api/v1/jobs/bulk", auditor, body, "application/json", key);
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.body().path("succeeded").size()).isEqualTo(2);
        Api.Resp resent = other.send("POST", "/api/v1/jobs/bulk", auditor, body, "application/json", key);
        assertThat(resent.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(rowsOf("job:" + a)).extracting(r -> r.path("action").asText()).containsExactly("job.cancel");
        assertThat(rowsOf("job:" + a).getFirst().path("details").path("via").asText()).isEqualTo("bulk");
        assertThat(rowsOf("job:" + b)).extracting(r -> r.path("action").asText() + " by " + r.path("actor").asText())
                .containsExactly("job.cancel by env:admin#1", "job.retry by auditor");
    }

    @Test
    void theTrailPagesNewestFirstAndFilters() {
        for (int i = 0; i < 5; i++) {
            assertThat(api.put("/api/v1/queues/audit-page", auditor, Map.of("maxRunning", i)).status()).isEqualTo(200);
        }
        List<Integer> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Api.Resp page = other.get("/api/v1/audit?target=queue%3Aaudit-page&action=queue.update&actor=auditor&limit=2"
                    + (cursor == null ? "" : "&cursor=" + cursor), viewer);
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            page.body().path("items").forEach(r -> seen.add(r.path("details").path("maxRunning").asInt()));
            cursor = page.body().path("nextCursor").isNull() ? null : page.body().path("nextCursor").asText();
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(seen).containsExactly(4, 3, 2, 1, 0);
        assertThat(pages).isEqualTo(3);
        assertThat(other.get("/api/v1/audit?actor=nobody", viewer).body().path("items").size()).isZero();
        assertThat(other.get("/api/v1/audit?cursor=forged", viewer).status()).isEqualTo(400);
        assertThat(other.get("/api/v1/audit", Api.PRODUCER).status()).isEqualTo(403);
    }
}
