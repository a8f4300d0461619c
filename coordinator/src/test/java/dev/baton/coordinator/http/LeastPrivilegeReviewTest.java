package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Security review of least-privilege tokens (branch review). Each test states what
 * docs/protocol.md "Tokens, scopes and the audit trail" promises; the ones that fail on main are
 * real holes.
 */
class LeastPrivilegeReviewTest {
    static TestCluster cluster;
    static Api api;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(LeastPrivilegeReviewTest.class, 1);
        api = cluster.api(0);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static String token(String by, String name, String role, List<String> queues) {
        Map<String, Object> body = queues == null ? Map.of("name", name, "role", role)
                : Map.of("name", name, "role", role, "queues", queues);
        Api.Resp r = api.post("/api/v1/tokens", by, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.body().path("token").asText();
    }

    /**
     * "a revoked token is refused (401) by every coordinator from the next request on": a claim
     * already long-polling when its token is revoked keeps polling and is handed a job (payload and
     * lease) enqueued after the revoke, which the revoked token can never complete.
     */
    @Test
    void aClaimInFlightWhenItsTokenIsRevokedIsHandedNoJob() throws Exception {
        String worker = token(Api.ADMIN, "rv-worker", "worker", null);
        CompletableFuture<Api.Resp> claim = CompletableFuture.supplyAsync(() -> api.post("/api/v1/claims", worker,
                Map.of("workerId", "revoked-w", "queues", List.of("rv-q"), "waitMs", 20_000)));
        Thread.sleep(1500); // the claim is waiting
        assertThat(api.send("DELETE", "/api/v1/tokens/rv-worker", Api.ADMIN, null, null).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/jobs?limit=1", worker).status()).as("revoked").isEqualTo(401);
        String id = Jobs.enqueue(api, "rv-q", Map.of("payload", Map.of("secret", "after-revoke"))).path("id").asText();
        Api.Resp r = claim.get(30, TimeUnit.SECONDS);
        JsonNode job = Jobs.get(api, id);
        assertThat(r.body().path("jobs")).as("claim answered after revoke: %s; job now %s", r, job).isEmpty();
        assertThat(job.path("status").asText()).isEqualTo("queued");
    }

    /** Same for a log stream: a viewer whose token is revoked keeps receiving a running job's new lines. */
    @Test
    void aLogStreamStopsWhenItsTokenIsRevoked() throws Exception {
        String viewer = token(Api.ADMIN, "rv-viewer", "viewer", null);
        String id = Jobs.enqueue(api, "rv-sse", Map.of()).path("id").asText();
        String lease = Jobs.claimOne(api, "rv-sse", 120_000).path("leaseToken").asText();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<InputStream> sse = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + cluster.coordinator(0).port() + "/api/v1/jobs/" + id + "/logs/stream"))
                .header("Authorization", "Bearer " + viewer).header("Accept", "text/event-stream").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(sse.statusCode()).isEqualTo(200);
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (Exception closed) {
                // ended
            }
            lines.add("<closed>");
        });
        assertThat(api.send("DELETE", "/api/v1/tokens/rv-viewer", Api.ADMIN, null, null).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/jobs/" + id, viewer).status()).as("revoked").isEqualTo(401);
        Api.Resp appended = api.post("/api/v1/jobs/" + id + "/logs", Api.WORKER, Map.of("leaseToken", lease,
                "entries", List.of(Map.of("seq", 1, "level", "info", "message", "line-after-revoke"))));
        assertThat(appended.status()).as(appended.toString()).isEqualTo(200);
        List<String> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            String l = lines.poll(200, TimeUnit.MILLISECONDS);
            if (l != null) {
                got.add(l);
            }
        }
        reader.interrupt();
        assertThat(String.join("\n", got)).as("a revoked viewer still reads new lines").doesNotContain("line-after-revoke");
        assertThat(got).as("the stream of a revoked token ends").contains("<closed>");
    }

    /**
     * GET /tokens is admin-only ("names and scopes tell an attacker much"), yet GET /audit, open to
     * viewers, hands every created token's name, role, queues and expiry to a viewer.
     */
    @Test
    void aViewerLearnsNoTokenInventoryThroughTheAuditTrail() {
        String viewer = token(Api.ADMIN, "inv-viewer", "viewer", null);
        token(Api.ADMIN, "payroll-worker", "worker", List.of("payroll"));
        assertThat(api.get("/api/v1/tokens", viewer).status()).isEqualTo(403);
        Api.Resp trail = api.get("/api/v1/audit?action=token.create&limit=500", viewer);
        assertThat(trail.status()).isEqualTo(200);
        assertThat(trail.raw()).as("token names/roles/scopes through /audit").doesNotContain("payroll-worker");
    }

    /**
     * Generated tokens were known by created_by = 'first-start', so the tokens an admin named
     * "first-start" created were taken for generated ones and refused (401) once environment tokens
     * were configured. Generated tokens are now known by their name (first-start:<role>, which no
     * API name can take: no ':'), and the name "first-start" itself is reserved.
     */
    @Test
    void tokensMadeByAnAdminNamedLikeFirstStartWork() {
        Api.Resp reserved = api.post("/api/v1/tokens", Api.ADMIN, Map.of("name", "first-start", "role", "admin"));
        assertThat(reserved.status()).as(reserved.toString()).isEqualTo(400);
        String fs = token(Api.ADMIN, "first-starter", "admin", null);
        assertThat(api.get("/api/v1/jobs?limit=1", fs).status()).isEqualTo(200);
        String made = token(fs, "made-by-fs", "producer", null);
        Api.Resp r = api.get("/api/v1/jobs?limit=1", made);
        assertThat(r.status()).as("a freshly created token, listed by GET /tokens: %s", r).isEqualTo(200);
    }

    /** expiresAt edge values are 201 or 400, never a 500. */
    @Test
    void expiresAtEdgesAreNever500() {
        Api raw = api.unchecked();
        String[] values = {"\"+10000-01-01T00:00:00Z\"", "\"2999-01-01T00:00:00+02:00\"", "\"2999-01-01T00:00:00\"",
                "\"9999-12-31T23:59:59.999999999Z\"", "\"0001-01-01T00:00:00Z\"", "\"-0001-01-01T00:00:00Z\"",
                "99999999999999", "1e30", "\"2999-13-01T00:00:00Z\"", "null", "\"\"", "\"2999-01-01T00:00:00.123456789123Z\""};
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            String body = "{\"name\":\"exp-" + i + "\",\"role\":\"viewer\",\"expiresAt\":" + values[i] + "}";
            Api.Resp r = raw.send("POST", "/api/v1/tokens", Api.ADMIN, body, "application/json");
            if (r.status() >= 500 || (r.status() != 201 && r.status() != 400)) {
                bad.add(values[i] + " -> " + r);
            }
            System.out.println("REVIEW expiresAt " + values[i] + " -> " + r.status() + " " + r.body().path("expiresAt")
                    + r.body().path("errors"));
        }
        assertThat(bad).isEmpty();
    }
}
