package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * POST/GET/DELETE /api/v1/tokens on two coordinators (docs/protocol.md "Tokens, scopes and the
 * audit trail"): the secret is answered once and stored only as its hash, a revoke or an expiry
 * holds on the other coordinator at once, and the tokens generated at first start before V12
 * keep working.
 */
class TokensApiTest {
    static TestCluster cluster;
    static Api api;
    static Api other;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(TokensApiTest.class, 2);
        api = cluster.api(0);
        other = cluster.api(1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Api.Resp create(Map<String, Object> body) {
        return api.post("/api/v1/tokens", Api.ADMIN, body);
    }

    @Test
    void aCreatedTokenIsAnsweredOnceListedWithoutItsSecretAndStoredOnlyAsItsHash() throws Exception {
        Instant expires = Instant.parse("2099-01-01T00:00:00Z");
        Api.Resp r = create(Map.of("name", "email-workers", "role", "worker", "queues", List.of("email", "bounce"),
                "expiresAt", expires.toString()));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        String secret = r.body().path("token").asText();
        assertThat(secret).matches("baton_[A-Za-z0-9_-]{43}"); // 256 bits, URL-safe
        assertThat(r.body().path("name").asText()).isEqualTo("email-workers");
        assertThat(r.body().path("role").asText()).isEqualTo("worker");
        assertThat(r.body().path("queues").toString()).isEqualTo("[\"bounce\",\"email\"]");
        assertThat(Instant.parse(r.body().path("expiresAt").asText())).isEqualTo(expires);
        assertThat(r.body().path("createdBy").asText()).isEqualTo("env:admin#1");

        Api.Resp list = other.get("/api/v1/tokens", Api.ADMIN);
        assertThat(list.status()).isEqualTo(200);
        JsonNode listed = null;
        for (JsonNode t : list.body()) {
            if (t.path("name").asText().equals("email-workers")) {
                listed = t;
            }
        }
        assertThat(listed).as(list.toString()).isNotNull();
        assertThat(listed.has("token")).isFalse();
        assertThat(listed.path("createdAt").asText()).isNotEmpty();
        assertThat(listed.path("lastUsedAt").isNull()).as("never used").isTrue();
        assertThat(list.raw()).doesNotContain(secret);

        byte[] hash = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        assertThat(cluster.queryLong("select count(*) from api_tokens where token_hash = ?", hash)).isEqualTo(1);
        assertThat(cluster.queryLong("select count(*) from api_tokens t where strpos(t::text, ?) > 0",
                secret.substring(6))).as("the secret is nowhere in the table").isZero();
    }

    @Test
    void aTokenHasItsRoleOnEveryCoordinator() {
        String producer = create(Map.of("name", "ci-producer", "role", "producer")).body().path("token").asText();
        Api.Resp enqueued = other.post("/api/v1/jobs", producer, Map.of("type", "t", "queue", "anything"));
        assertThat(enqueued.status()).as(enqueued.toString()).isEqualTo(201);
        assertThat(other.post("/api/v1/jobs/" + enqueued.body().path("id").asText() + "/cancel", producer, Map.of())
                .status()).isEqualTo(403);
        String viewer = create(Map.of("name", "dashboard", "role", "viewer")).body().path("token").asText();
        assertThat(other.get("/api/v1/jobs/" + enqueued.body().path("id").asText(), viewer).status()).isEqualTo(200);
        assertThat(other.post("/api/v1/jobs", viewer, Map.of("type", "t")).status()).isEqualTo(403);
        assertThat(other.get("/api/v1/tokens", viewer).status()).as("viewers do not list tokens").isEqualTo(403);
        String admin = create(Map.of("name", "second-admin", "role", "admin")).body().path("token").asText();
        Api.Resp made = other.post("/api/v1/tokens", admin, Map.of("name", "made-by-second", "role", "viewer"));
        assertThat(made.body().path("createdBy").asText()).isEqualTo("second-admin");
        assertThat(cluster.queryLong("select count(*) from api_tokens where name in ('ci-producer', 'dashboard', "
                + "'second-admin') and last_used_at > now() - interval '1 minute'")).as("lastUsedAt").isEqualTo(3);
        assertThat(cluster.queryLong("select count(*) from api_tokens where name = 'made-by-second' and last_used_at is null"))
                .isEqualTo(1);
    }

    @Test
    void invalidRequestsAre400AndStoreNothing() {
        long before = cluster.queryLong("select count(*) from api_tokens");
        List<Map<String, Object>> bad = List.of(
                Map.of("role", "admin"),
                Map.of("name", "no-role"),
                Map.of("name", "env:admin#1", "role", "admin"),
                Map.of("name", "first-start:admin", "role", "admin"),
                Map.of("name", "x".repeat(65), "role", "admin"),
                Map.of("name", "-leading", "role", "admin"),
                Map.of("name", "space name", "role", "admin"),
                Map.of("name", "superuser", "role", "root"),
                Map.of("name", "scoped-admin", "role", "admin", "queues", List.of("a")),
                Map.of("name", "scoped-viewer", "role", "viewer", "queues", List.of("a")),
                Map.of("name", "no-queues", "role", "worker", "queues", List.of()),
                Map.of("name", "bad-queue", "role", "worker", "queues", List.of("no spaces")),
                Map.of("name", "stale", "role", "admin", "expiresAt", Instant.now().minusSeconds(5).toString()));
        for (Map<String, Object> body : bad) {
            Api.Resp r = create(body);
            assertThat(r.status()).as(body + ": " + r).isEqualTo(400);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.code()).isEqualTo("invalid_request");
        }
        assertThat(create(new HashMap<>()).status()).isEqualTo(400);
        assertThat(cluster.queryLong("select count(*) from api_tokens")).isEqualTo(before);
        assertThat(cluster.queryLong("select count(*) from audit where action = 'token.create' and target in "
                + "('token:stale', 'token:scoped-admin', 'token:no-queues')")).isZero();
    }

    @Test
    void malformedInputIsA400ProblemNeverA500() {
        long before = cluster.queryLong("select count(*) from api_tokens");
        for (String body : List.of("{not json", "[]", "{\"name\": 5, \"role\": \"admin\"}",
                "{\"name\": \"a\", \"role\": \"admin\", \"extra\": 1}", "{\"name\": \"a\", \"role\": \"worker\", \"queues\": \"q\"}",
                "{\"name\": \"a\", \"role\": \"worker\", \"queues\": [null]}", "{\"name\": \"a\", \"role\": \"admin\", \"expiresAt\": \"soon\"}",
                "{\"name\": null, \"role\": null}", "")) {
            Api.Resp r = api.post("/api/v1/tokens", Api.ADMIN, body);
            assertThat(r.status()).as(body + ": " + r).isEqualTo(400);
            assertThat(r.contentType()).startsWith("application/problem+json");
        }
        assertThat(cluster.queryLong("select count(*) from api_tokens")).isEqualTo(before);
        assertThat(api.get("/api/v1/audit?limit=0", Api.ADMIN).status()).isEqualTo(400);
        assertThat(api.get("/api/v1/audit?limit=x", Api.ADMIN).status()).isEqualTo(400);
        assertThat(api.send("DELETE", "/api/v1/tokens/" + "n".repeat(3000), Api.ADMIN, null, null).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/jobs", "x".repeat(4000)).status()).isEqualTo(401);
    }

    @Test
    void aTakenNameIs409AndTheFirstTokenStays() {
        String first = create(Map.of("name", "twice", "role", "producer")).body().path("token").asText();
        Api.Resp again = other.post("/api/v1/tokens", Api.ADMIN, Map.of("name", "twice", "role", "admin"));
        assertThat(again.status()).as(again.toString()).isEqualTo(409);
        assertThat(again.contentType()).startsWith("application/problem+json");
        assertThat(again.code()).isEqualTo("already_exists");
        assertThat(cluster.queryLong("select count(*) from api_tokens where name = 'twice' and role = 'producer'"))
                .isEqualTo(1);
        assertThat(cluster.queryLong("select count(*) from audit where target = 'token:twice'")).isEqualTo(1);
        assertThat(api.get("/api/v1/jobs", first).status()).isEqualTo(200);
    }

    @Test
    void aTokenRevokedOnOneCoordinatorIsRefusedAtOnceByTheOther() {
        String token = create(Map.of("name", "short-lived", "role", "admin")).body().path("token").asText();
        assertThat(other.get("/api/v1/queues", token).status()).isEqualTo(200);
        assertThat(api.send("DELETE", "/api/v1/tokens/short-lived", Api.ADMIN, null, null).status()).isEqualTo(204);
        Api.Resp refused = other.get("/api/v1/queues", token);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate").orElse("")).contains("invalid_token");
        assertThat(api.send("DELETE", "/api/v1/tokens/short-lived", Api.ADMIN, null, null).status()).isEqualTo(404);
        assertThat(api.send("DELETE", "/api/v1/tokens/env:admin%231", Api.ADMIN, null, null).status())
                .as("an environment token is not stored").isEqualTo(404);
        assertThat(api.get("/api/v1/jobs", Api.ADMIN).status()).isEqualTo(200);
    }

    @Test
    void aTokenExpiresByTheDatabaseClockOnEveryCoordinator() throws InterruptedException {
        Instant soon = cluster.instant("select now() + interval '2 seconds'");
        Api.Resp made = create(Map.of("name", "expiring", "role", "viewer", "expiresAt", soon.toString()));
        assertThat(made.status()).as(made.toString()).isEqualTo(201);
        String token = made.body().path("token").asText();
        assertThat(other.get("/api/v1/jobs", token).status()).isEqualTo(200);
        assertThat(Jobs.eventually(15_000, () -> other.get("/api/v1/jobs", token).status() == 401))
                .as("refused once past expiresAt").isTrue();
        assertThat(cluster.queryLong("select count(*) from api_tokens where name = 'expiring' and expires_at <= now()"))
                .isEqualTo(1);
        Api.Resp refused = api.get("/api/v1/jobs", token);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.body().path("detail").asText()).contains("expired");
    }

    /** A token generated at first start by a coordinator before V12 still works, under its new name. */
    @Test
    void aTokenGeneratedBeforeTheMigrationKeepsWorking() throws Exception {
        Map<String, String> none = Map.of("BATON_ADMIN_TOKENS", "", "BATON_PRODUCER_TOKENS", "", "BATON_WORKER_TOKENS", "");
        try (TestCluster old = TestCluster.start(TokensApiTest.class, 0, none)) {
            Map<String, String> s = old.settingsFor(Map.of());
            Flyway.configure().dataSource(old.jdbcUrl(), s.get("BATON_DB_USER"), s.get("BATON_DB_PASSWORD"))
                    .locations("classpath:db/migration").target("11").load().migrate();
            String generated = "baton_admin_" + "ab".repeat(24);
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(generated.getBytes(StandardCharsets.UTF_8));
            old.execute("insert into api_tokens (token_hash, role) values (?, 'admin')", hash);
            old.addCoordinator();
            Api.Resp list = old.api(0).get("/api/v1/tokens", generated);
            assertThat(list.status()).as(list.toString()).isEqualTo(200);
            assertThat(list.body().get(0).path("name").asText()).isEqualTo("first-start:admin");
            assertThat(list.body().get(0).path("createdBy").asText()).isEqualTo("first-start");
            assertThat(old.queryLong("select count(*) from api_tokens")).as("nothing generated again").isEqualTo(1);
            // As before API tokens, a generated token counts only while no environment token is set.
            old.addCoordinator(Map.of("BATON_ADMIN_TOKENS", Api.ADMIN));
            assertThat(old.api(1).get("/api/v1/tokens", generated).status()).isEqualTo(401);
            assertThat(old.api(1).get("/api/v1/tokens", Api.ADMIN).status()).isEqualTo(200);
        }
    }
}
