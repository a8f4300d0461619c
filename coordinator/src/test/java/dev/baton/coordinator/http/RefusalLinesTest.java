package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.service.LeaseService;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.CapturedLogs;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.Secrets;
import dev.baton.coordinator.testing.TestCluster;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every refused request is one WARN line, without a stack trace, naming the request, the status
 * and code, the job (from the answer's job or the path), the token's name and the client's
 * address, and why; never what the client sent, nor its token. A resend answered as before is no
 * refusal: DEBUG only.
 */
class RefusalLinesTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(RefusalLinesTest.class, 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /** The one line {@code request} logged, at WARN, after checking it was one. */
    private static ILoggingEvent oneLine(Supplier<Api.Resp> request, int status) {
        try (CapturedLogs logs = CapturedLogs.of(Problems.class)) {
            Api.Resp r = request.get();
            assertThat(r.status()).as(r.toString()).isEqualTo(status);
            assertThat(logs.events()).as("lines for " + r).hasSize(1);
            ILoggingEvent line = logs.events().get(0);
            assertThat(line.getLevel()).isEqualTo(Level.WARN);
            assertThat(line.getThrowableProxy()).as("no stack trace").isNull();
            return line;
        }
    }

    private static Map<String, Object> pairs(ILoggingEvent line) {
        Map<String, Object> pairs = new HashMap<>();
        if (line.getKeyValuePairs() != null) {
            line.getKeyValuePairs().forEach(p -> pairs.put(p.key, p.value));
        }
        return pairs;
    }

    @Test
    void aWorkersStaleRequestsAreEachOneLineWithTheJobAndTheReason() {
        Api api = cluster.api();
        String id = Jobs.enqueue(api, "refusals", Map.of()).path("id").asText();
        JsonNode job = Jobs.claimOne(api, "refusals", 30_000);
        String lease = job.path("leaseToken").asText();

        ILoggingEvent lost = oneLine(() -> api.post("/api/v1/jobs/" + id + "/complete", Api.WORKER,
                Map.of("leaseToken", "not-the-lease")), 409);
        assertThat(lost.getFormattedMessage()).matches("refused POST /api/v1/jobs/" + id + "/complete \\(job " + id + "\\) by "
                + "env:worker#1 from 127\\.0\\.0\\.1: 409 lease_lost: this lease is not held: .*");
        assertThat(pairs(lost)).containsEntry("job", id).containsEntry("code", "lease_lost").containsEntry("status", 409);

        ILoggingEvent stale = oneLine(() -> api.post("/api/v1/jobs/" + id + "/progress", Api.WORKER,
                Map.of("leaseToken", lease, "expectedVersion", 999, "current", 1)), 409);
        assertThat(stale.getFormattedMessage()).startsWith("refused POST /api/v1/jobs/" + id + "/progress (job " + id
                + ") by env:worker#1 from 127.0.0.1: 409 version_conflict: ");
        assertThat(pairs(stale)).containsEntry("code", "version_conflict");

        assertThat(api.post("/api/v1/jobs/" + id + "/logs", Api.WORKER, Map.of("leaseToken", lease, "entries",
                List.of(Map.of("seq", 1, "level", "info", "message", "first")))).status()).isEqualTo(200);
        ILoggingEvent conflict = oneLine(() -> api.post("/api/v1/jobs/" + id + "/logs", Api.WORKER,
                Map.of("leaseToken", lease, "entries", List.of(Map.of("seq", 1, "level", "info", "message",
                        "other-text-secret-77")))), 409);
        assertThat(conflict.getFormattedMessage()).startsWith("refused POST /api/v1/jobs/" + id + "/logs (job " + id
                + ") by env:worker#1 from 127.0.0.1: 409 log_conflict: ").doesNotContain("other-text-secret-77");
        assertThat(pairs(conflict)).containsEntry("job", id);

        // the job settles; the same complete sent again is answered as before and is no refusal
        assertThat(api.post("/api/v1/jobs/" + id + "/complete", Api.WORKER, Map.of("leaseToken", lease)).status())
                .isEqualTo(200);
        try (CapturedLogs refusals = CapturedLogs.of(Problems.class);
             CapturedLogs resends = CapturedLogs.of(LeaseService.class.getName(), Level.DEBUG)) {
            assertThat(api.post("/api/v1/jobs/" + id + "/complete", Api.WORKER, Map.of("leaseToken", lease)).status())
                    .isEqualTo(200);
            assertThat(refusals.events()).isEmpty();
            assertThat(resends.lines(Level.DEBUG)).containsExactly("job " + id + ": completed again under the lease "
                    + "that settled it; answered as before, nothing changed");
        }
    }

    @Test
    void aRefusedTokenOrBodyIsNamedNeverQuoted() {
        Api api = cluster.api();
        String wrong = "wrong-token-secret-" + System.nanoTime();
        Secrets.seen(wrong);
        Secrets.seen("body-secret-88");
        ILoggingEvent unknown = oneLine(() -> api.get("/api/v1/jobs", wrong), 401);
        assertThat(unknown.getFormattedMessage())
                .isEqualTo("refused GET /api/v1/jobs from 127.0.0.1: 401 unauthenticated: unknown token");
        ILoggingEvent none = oneLine(() -> api.get("/api/v1/jobs", null), 401);
        assertThat(none.getFormattedMessage()).startsWith("refused GET /api/v1/jobs from 127.0.0.1: 401 unauthenticated: ");

        ILoggingEvent forbidden = oneLine(() -> api.get("/api/v1/tokens", Api.WORKER), 403);
        assertThat(forbidden.getFormattedMessage()).startsWith("refused GET /api/v1/tokens by env:worker#1 from 127.0.0.1: 403 forbidden: ");

        // what the client sent is quoted back to it, never into the log
        ILoggingEvent invalid = oneLine(() -> api.post("/api/v1/jobs", Api.PRODUCER,
                Map.of("type", "t", "queue", "q", "maxAttempts", "body-secret-88")), 400);
        assertThat(invalid.getFormattedMessage())
                .isEqualTo("refused POST /api/v1/jobs by env:producer#1 from 127.0.0.1: 400 invalid_request: invalid maxAttempts");
        ILoggingEvent malformed = oneLine(() -> api.post("/api/v1/jobs", Api.PRODUCER, "{\"type\": body-secret-88"), 400);
        assertThat(malformed.getFormattedMessage()).doesNotContain("body-secret-88").endsWith(": invalid body");

        ILoggingEvent missing = oneLine(() -> api.get("/api/v1/jobs/987654321", Api.ADMIN), 404);
        assertThat(missing.getFormattedMessage()).startsWith("refused GET /api/v1/jobs/987654321 (job 987654321) by "
                + "env:admin#1 from 127.0.0.1: 404 not_found: ");
        ILoggingEvent noRoute = oneLine(() -> api.unchecked().get("/api/v1/nothing-here", Api.ADMIN), 404);
        assertThat(noRoute.getFormattedMessage()).startsWith("refused GET /api/v1/nothing-here by env:admin#1 from 127.0.0.1: 404 not_found: ");
    }

    @Test
    void aPathCannotWriteALineOfItsOwn() {
        // a hostile probe: /api/v1/jobs/1%0a12:00:00.000%20ERROR%20FORGED wrote a forged ERROR line
        ILoggingEvent forged = oneLine(() -> cluster.api().get("/api/v1/jobs/1%0a12:00:00.000%20ERROR%20FORGED%00",
                Api.ADMIN), 404);
        assertThat(forged.getFormattedMessage()).doesNotContain("\n").doesNotContain("\u0000")
                .endsWith("404 not_found: no job with id '1\\u000a12:00:00.000 ERROR FORGED\\u0000'");
        assertThat(Problems.oneLine("a".repeat(300), 200)).hasSize(201).endsWith("…");
        assertThat(Problems.oneLine("tab\tend", 200)).isEqualTo("tab\\u0009end");
    }

    /** A completions batch answered 200 with some items refused: one line for the request, naming each. */
    @Test
    void refusedItemsOfACompletionsBatchAreOneLine() {
        Api api = cluster.api();
        String good = Jobs.enqueue(api, "batch-refusals", Map.of()).path("id").asText();
        String gone = Jobs.enqueue(api, "batch-refusals", Map.of()).path("id").asText();
        JsonNode first = Jobs.claimOne(api, "batch-refusals", 30_000);
        JsonNode second = Jobs.claimOne(api, "batch-refusals", 30_000);
        Map<String, String> leases = Map.of(first.path("id").asText(), first.path("leaseToken").asText(),
                second.path("id").asText(), second.path("leaseToken").asText());
        try (CapturedLogs logs = CapturedLogs.of(Problems.class)) {
            Api.Resp r = api.post("/api/v1/completions", Api.WORKER, Map.of("items", List.of(
                    Map.of("id", good, "leaseToken", leases.get(good)),
                    Map.of("id", gone, "leaseToken", "stale-lease"))));
            assertThat(r.status()).isEqualTo(200);
            assertThat(logs.lines(Level.WARN)).containsExactly("refused 1 of 2 completion(s) of POST /api/v1/completions "
                    + "by env:worker#1 from 127.0.0.1: job " + gone + " lease_lost");
            assertThat(logs.events()).hasSize(1);
        }
    }
}
