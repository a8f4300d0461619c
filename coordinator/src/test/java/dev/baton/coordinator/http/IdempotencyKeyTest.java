package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.maintenance.IdempotencyKeyPruner;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCluster;
import java.net.URI;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code Idempotency-Key} on POST /jobs, /jobs/batch and /jobs/bulk: the first answer is stored
 * with the request's effect in one transaction and returned to every resend for 24 hours.
 */
class IdempotencyKeyTest {
    private static final String KEY = Idempotency.HEADER;
    static TestCluster cluster;
    static TcpProxy proxy;
    static Api api;
    /** A second coordinator whose database connections go through {@link #proxy}. */
    static Api cut;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(IdempotencyKeyTest.class, 1);
        api = cluster.api();
        URI db = URI.create(cluster.jdbcUrl().substring("jdbc:".length()));
        proxy = new TcpProxy(db.getHost(), db.getPort());
        String viaProxy = "jdbc:postgresql://127.0.0.1:" + proxy.port() + db.getPath()
                + (db.getQuery() == null ? "" : "?" + db.getQuery());
        Coordinator c = cluster.addCoordinator(Map.of("BATON_DB_URL", viaProxy));
        cut = new Api(c.port());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        cluster.close();
    }

    private static String batch(String type, int n) {
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            jobs.add("{\"type\":\"" + type + "\",\"queue\":\"idem\",\"payload\":{\"i\":" + i + "}}");
        }
        return "{\"jobs\":[" + String.join(",", jobs) + "]}";
    }

    private static Api.Resp post(String path, String token, String body, String key) {
        return api.send("POST", path, token, body, "application/json", key == null ? Map.of() : Map.of(KEY, key));
    }

    private static long jobsOfType(String type) {
        return cluster.queryLong("select count(*) from jobs where type = ?", type);
    }

    @Test
    void aResentBatchReturnsTheFirstAnswerByteForByteAndCreatesNothing() {
        String body = batch("idem.resend", 100);
        Api.Resp first = post("/api/v1/jobs/batch", Api.PRODUCER, body, "batch-1");
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        assertThat(first.headers().firstValue(Idempotency.REPLAYED)).isEmpty();

        for (int i = 0; i < 3; i++) {
            Api.Resp again = post("/api/v1/jobs/batch", Api.PRODUCER, body, "batch-1");
            assertThat(again.status()).isEqualTo(201);
            assertThat(again.raw()).isEqualTo(first.raw());
            assertThat(again.contentType()).isEqualTo(first.contentType());
            assertThat(again.headers().firstValue(Idempotency.REPLAYED)).contains("true");
        }
        assertThat(jobsOfType("idem.resend")).isEqualTo(100);
        // Without a key the same resend is a new request: this is what the key protects against.
        assertThat(post("/api/v1/jobs/batch", Api.PRODUCER, body, null).status()).isEqualTo(201);
        assertThat(jobsOfType("idem.resend")).isEqualTo(200);
    }

    @Test
    void aResentEnqueueAndAResentBulkReplayTheirFirstAnswer() {
        String body = "{\"type\":\"idem.one\",\"queue\":\"idem\",\"uniqueKey\":\"u1\"}";
        Api.Resp first = post("/api/v1/jobs", Api.PRODUCER, body, "one-1");
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        Api.Resp again = post("/api/v1/jobs", Api.PRODUCER, body, "one-1");
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.raw()).isEqualTo(first.raw());
        // A deduplicated answer keeps its marking header when replayed.
        Api.Resp dedup = post("/api/v1/jobs", Api.PRODUCER, body, "one-2");
        assertThat(dedup.status()).isEqualTo(200);
        assertThat(post("/api/v1/jobs", Api.PRODUCER, body, "one-2").headers().firstValue("Baton-Deduplicated"))
                .contains("true");
        assertThat(jobsOfType("idem.one")).isEqualTo(1);

        String id = first.body().path("id").asText();
        // The third operation is refused (the job is queued again): it alone is undone, inside one transaction.
        String bulk = "{\"operations\":[{\"id\":\"" + id + "\",\"action\":\"cancel\"},"
                + "{\"id\":\"" + id + "\",\"action\":\"retry\"},{\"id\":\"" + id + "\",\"action\":\"retry\"}]}";
        Api.Resp applied = post("/api/v1/jobs/bulk", Api.ADMIN, bulk, "bulk-1");
        assertThat(applied.status()).as(applied.toString()).isEqualTo(200);
        assertThat(applied.body().path("succeeded")).hasSize(2);
        assertThat(applied.body().path("failed")).hasSize(1);
        assertThat(Jobs.eventTypes(api, id)).containsSubsequence("cancelled", "retried");
        long version = Jobs.get(api, id).path("version").asLong();
        Api.Resp resent = post("/api/v1/jobs/bulk", Api.ADMIN, bulk, "bulk-1");
        assertThat(resent.raw()).isEqualTo(applied.raw());
        assertThat(Jobs.get(api, id).path("version").asLong()).as("no operation applied twice").isEqualTo(version);
    }

    @Test
    void theSameKeyWithAnotherBodyOrRouteIs422AndDoesNothing() {
        assertThat(post("/api/v1/jobs/batch", Api.PRODUCER, batch("idem.reuse", 2), "reuse-1").status()).isEqualTo(201);
        for (Api.Resp r : List.of(
                post("/api/v1/jobs/batch", Api.PRODUCER, batch("idem.reuse", 3), "reuse-1"),
                post("/api/v1/jobs", Api.PRODUCER, "{\"type\":\"idem.reuse\",\"queue\":\"idem\"}", "reuse-1"))) {
            assertThat(r.status()).as(r.toString()).isEqualTo(422);
            assertThat(r.code()).isEqualTo("idempotency_key_reused");
            assertThat(r.body().path("status").asInt()).isEqualTo(422);
            assertThat(r.contentType()).startsWith("application/problem+json");
        }
        assertThat(jobsOfType("idem.reuse")).isEqualTo(2);
    }

    /** A resend is the same request when it reads as the same record, not when its bytes are the same. */
    @Test
    void aResendThatDiffersOnlyInSpacingOrFieldOrderIsTheSameRequest() {
        Api.Resp first = post("/api/v1/jobs", Api.PRODUCER,
                "{\"type\":\"idem.spacing\",\"queue\":\"idem\",\"payload\":{\"a\":1,\"b\":2}}", "spacing-1");
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        Api.Resp again = post("/api/v1/jobs", Api.PRODUCER,
                "{ \"payload\" : {\"a\": 1, \"b\": 2},\n  \"queue\" : \"idem\", \"type\" : \"idem.spacing\" }",
                "spacing-1");
        assertThat(again.status()).as(again.toString()).isEqualTo(201);
        assertThat(again.raw()).isEqualTo(first.raw());
        assertThat(again.headers().firstValue(Idempotency.REPLAYED)).contains("true");
        // The payload is stored as sent, so the order of its keys is part of the request.
        Api.Resp reordered = post("/api/v1/jobs", Api.PRODUCER,
                "{\"type\":\"idem.spacing\",\"queue\":\"idem\",\"payload\":{\"b\":2,\"a\":1}}", "spacing-1");
        assertThat(reordered.status()).as(reordered.toString()).isEqualTo(422);
        assertThat(jobsOfType("idem.spacing")).isEqualTo(1);
    }

    @Test
    void keysAreTheCallersOwn() {
        String body = batch("idem.tenant", 1);
        assertThat(post("/api/v1/jobs/batch", Api.PRODUCER, body, "tenant-1").status()).isEqualTo(201);
        Api.Resp other = post("/api/v1/jobs/batch", Api.ADMIN, body, "tenant-1");
        assertThat(other.status()).isEqualTo(201);
        assertThat(other.headers().firstValue(Idempotency.REPLAYED)).isEmpty();
        assertThat(jobsOfType("idem.tenant")).isEqualTo(2);
    }

    @ParameterizedTest(name = "Idempotency-Key: \"{0}\"")
    @ValueSource(strings = {"two words", "x\ty"})
    void aKeyOutsideVisibleAsciiIs400(String key) {
        assertKeyRefused(key);
    }

    @Test
    void aKeyOver255CharactersIs400() {
        assertKeyRefused("k".repeat(256));
        assertThat(post("/api/v1/jobs", Api.PRODUCER, "{\"type\":\"idem.long\"}", "k".repeat(255)).status())
                .isEqualTo(201);
    }

    private static void assertKeyRefused(String key) {
        long keys = cluster.queryLong("select count(*) from idempotency_keys");
        Api.Resp r = post("/api/v1/jobs", Api.PRODUCER, "{\"type\":\"idem.syntax\"}", key);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.body().path("errors").get(0).path("field").asText()).isEqualTo(KEY);
        assertThat(jobsOfType("idem.syntax")).isZero();
        assertThat(cluster.queryLong("select count(*) from idempotency_keys")).isEqualTo(keys);
    }

    @Test
    void aRefusalStoresNothingSoACorrectedResendMayUseTheKey() {
        Api.Resp refused = post("/api/v1/jobs", Api.PRODUCER, "{\"type\":\"idem.fix\",\"maxAttempts\":0}", "fix-1");
        assertThat(refused.status()).isEqualTo(400);
        Api.Resp fixed = post("/api/v1/jobs", Api.PRODUCER, "{\"type\":\"idem.fix\"}", "fix-1");
        assertThat(fixed.status()).as(fixed.toString()).isEqualTo(201);
    }

    @Test
    void concurrentResendsMakeOneSetOfJobsAndGetOneAnswer() throws Exception {
        String body = batch("idem.race", 200);
        List<CompletableFuture<Api.Resp>> sends = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sends.add(CompletableFuture.supplyAsync(() -> post("/api/v1/jobs/batch", Api.PRODUCER, body, "race-1")));
        }
        List<String> answers = new ArrayList<>();
        for (CompletableFuture<Api.Resp> s : sends) {
            Api.Resp r = s.get(60, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.toString()).isEqualTo(201);
            answers.add(r.raw());
        }
        assertThat(answers).allMatch(a -> a.equals(answers.get(0)));
        assertThat(jobsOfType("idem.race")).isEqualTo(200);
    }

    @Test
    void after24HoursTheKeyIsFreeAndThePrunerDeletesIt() {
        String body = batch("idem.old", 1);
        assertThat(post("/api/v1/jobs/batch", Api.PRODUCER, body, "old-1").status()).isEqualTo(201);
        cluster.execute("update idempotency_keys set created_at = now() - interval '25 hours' where key = 'old-1'");
        Api.Resp again = post("/api/v1/jobs/batch", Api.PRODUCER, body, "old-1");
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.headers().firstValue(Idempotency.REPLAYED)).isEmpty();
        assertThat(jobsOfType("idem.old")).isEqualTo(2);

        cluster.execute("update idempotency_keys set created_at = now() - interval '25 hours' where key = 'old-1'");
        IdempotencyKeyPruner pruner = cluster.coordinator(0).context().getBean(IdempotencyKeyPruner.class);
        assertThat(pruner.step()).isGreaterThanOrEqualTo(1);
        assertThat(cluster.queryLong("select count(*) from idempotency_keys where key = 'old-1'")).isZero();
        assertThat(cluster.queryLong("select count(*) from idempotency_keys")).as("live keys stay").isPositive();
    }

    /**
     * The COMMIT reaches PostgreSQL and commits, but its answer never comes back: the connection
     * is cut while a deferred trigger holds the COMMIT. The client gets a 503 that says the
     * outcome is unknown; its resend with the same key gets the committed answer, and exactly one
     * set of jobs exists.
     */
    @Test
    void aLostCommitThenAResendWithTheKeyMakesExactlyOneSetOfJobs() throws Exception {
        cluster.execute("""
                create function hold_commit() returns trigger language plpgsql as $$
                begin perform pg_advisory_xact_lock(4242); return null; end $$""");
        cluster.execute("""
                create constraint trigger hold_commit after insert on idempotency_keys
                deferrable initially deferred for each row when (new.key = 'lost-1')
                execute function hold_commit()""");
        String body = batch("idem.lost", 50);
        boolean wasCut = false;
        try (Connection holder = cluster.sql(); Statement s = holder.createStatement()) {
            s.execute("select pg_advisory_lock(4242)");
            CompletableFuture<Api.Resp> first = CompletableFuture.supplyAsync(() -> cut.send("POST",
                    "/api/v1/jobs/batch", Api.PRODUCER, body, "application/json", Map.of(KEY, "lost-1")));
            assertThat(Jobs.eventually(30_000, () -> cluster.queryLong(
                    "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query = 'COMMIT'") == 1))
                    .as("the COMMIT waits in the trigger").isTrue();
            proxy.cut();
            wasCut = true;
            Api.Resp lost = first.get(60, TimeUnit.SECONDS);
            assertThat(lost.status()).as(lost.toString()).isEqualTo(503);
            assertThat(lost.body().path("detail").asText()).contains("may or may not").contains("Idempotency-Key");
            s.execute("select pg_advisory_unlock(4242)");
        } finally {
            if (wasCut) {
                proxy.restore();
            }
        }
        assertThat(Jobs.eventually(30_000, () -> jobsOfType("idem.lost") == 50)).as("the COMMIT went through").isTrue();
        // What the 503 tells a client to do: resend with the same key (until the database answers).
        Api.Resp[] resent = new Api.Resp[1];
        assertThat(Jobs.eventually(30_000, () -> {
            resent[0] = cut.send("POST", "/api/v1/jobs/batch", Api.PRODUCER, body, "application/json",
                    Map.of(KEY, "lost-1"));
            return resent[0].status() != 503;
        })).isTrue();
        assertResentOnce(resent[0]);
    }

    private static void assertResentOnce(Api.Resp resent) {
        assertThat(resent.status()).as(resent.toString()).isEqualTo(201);
        assertThat(resent.headers().firstValue(Idempotency.REPLAYED)).contains("true");
        assertThat(resent.body().path("jobs")).hasSize(50);
        assertThat(jobsOfType("idem.lost")).isEqualTo(50);
        assertThat(cluster.queryLong("select min(id) from jobs where type = 'idem.lost'"))
                .isEqualTo(resent.body().path("jobs").get(0).path("id").asLong());
    }
}
