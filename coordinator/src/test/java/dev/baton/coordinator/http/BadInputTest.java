package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad requests: each gets its documented 4xx as problem+json, names the offending field on a 400,
 * shows no internals, and changes nothing at all.
 */
class BadInputTest {
    private static final String JSON = "application/json";
    private static final String A = Api.ADMIN;
    private static final String P = Api.PRODUCER;
    private static final String W = Api.WORKER;
    /** What the database looks like; compared before and after every case. */
    private static final List<String> SNAPSHOT = List.of(
            "select count(*) from jobs",
            "select count(*) from job_events",
            "select string_agg(id||':'||version||':'||status, ',' order by id) from jobs",
            "select md5(coalesce(string_agg(j::text, '|' order by id), '')) from jobs j",
            "select md5(coalesce(string_agg(q::text, '|' order by name), '')) from queues q",
            "select md5(coalesce(string_agg(s::text, '|' order by name), '')) from schedules s",
            "select count(*) from job_logs",
            "select count(*) from idempotency_keys");
    private static final List<String> INTERNALS = List.of(
            "at dev.baton", "Exception", "SQL", "\tat ", "com.fasterxml", "org.postgresql", "java.lang", "jdbc");

    /**
     * One bad request. {queued}, {cancelled} and {running} stand for fixture jobs; {@code field}
     * is the field a 400's {@code errors} must name.
     */
    record Case(String name, String method, String path, String token, String body, String contentType,
                int status, String code, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case bad(String name, String method, String path, String token, String body, String field) {
        return new Case(name, method, path, token, body, body == null ? null : JSON, 400, "invalid_request", field);
    }

    private static Case refused(String name, String method, String path, String token, String body, int status,
                                String code) {
        return new Case(name, method, path, token, body, body == null ? null : JSON, status, code, null);
    }

    static Stream<Case> cases() {
        String jobs = "/api/v1/jobs";
        String claims = "/api/v1/claims";
        String claim = "{\"workerId\":\"w1\",\"queues\":[\"default\"],";
        String tooBig = "{\"type\":\"big\",\"payload\":{\"s\":\"" + "x".repeat(1024 * 1024 + 10) + "\"}}";
        String batch1001 = "{\"jobs\":[" + String.join(",", Collections.nCopies(1001, "{\"type\":\"t\"}")) + "]}";
        String items1001 = "{\"items\":[" + String.join(",",
                Collections.nCopies(1001, "{\"id\":\"{running}\",\"leaseToken\":\"x\"}")) + "]}";
        String ops1001 = "{\"operations\":[" + String.join(",",
                Collections.nCopies(1001, "{\"id\":\"{queued}\",\"action\":\"cancel\"}")) + "]}";
        String injected = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("j:1 or 1=1".getBytes(StandardCharsets.UTF_8));
        String deep = "{\"type\":\"t\",\"payload\":" + "[".repeat(1000) + "]".repeat(1000) + "}";
        return Stream.of(
                // malformed or wrongly shaped bodies
                bad("malformed JSON", "POST", jobs, P, "{\"type\": \"t\",", "body"),
                bad("a JSON array instead of an object", "POST", jobs, P, "[{\"type\":\"t\"}]", "body"),
                bad("JSON null as the body", "POST", jobs, P, "null", "body"),
                bad("trailing garbage after the object", "POST", jobs, P, "{\"type\":\"t\"} {}", "body"),
                bad("payload nested 1000 deep", "POST", jobs, P, deep, "payload"),
                // wrong types
                bad("type: 5", "POST", jobs, P, "{\"type\":5}", "type"),
                bad("priority: \"high\"", "POST", jobs, P, "{\"type\":\"t\",\"priority\":\"high\"}", "priority"),
                bad("maxAttempts: 1.5", "POST", jobs, P, "{\"type\":\"t\",\"maxAttempts\":1.5}", "maxAttempts"),
                bad("labels: {a: 1}", "POST", jobs, P, "{\"type\":\"t\",\"labels\":{\"a\":1}}", "labels.a"),
                bad("runAt: not a time", "POST", jobs, P, "{\"type\":\"t\",\"runAt\":\"tomorrow\"}", "runAt"),
                bad("cancel expectedVersion: \"3\"", "POST", jobs + "/{queued}/cancel", A, "{\"expectedVersion\":\"3\"}",
                        "expectedVersion"),
                bad("a null job in a batch", "POST", jobs + "/batch", P, "{\"jobs\":[{\"type\":\"t\"},null]}", "jobs[1]"),
                // out of range
                bad("maxAttempts 0", "POST", jobs, P, "{\"type\":\"t\",\"maxAttempts\":0}", "maxAttempts"),
                bad("maxAttempts 1001", "POST", jobs, P, "{\"type\":\"t\",\"maxAttempts\":1001}", "maxAttempts"),
                bad("type over 200 characters", "POST", jobs, P, "{\"type\":\"" + "t".repeat(201) + "\"}", "type"),
                bad("claim limit 0", "POST", claims, W, claim + "\"limit\":0}", "limit"),
                bad("claim limit 101", "POST", claims, W, claim + "\"limit\":101}", "limit"),
                bad("claim waitMs 60001", "POST", claims, W, claim + "\"waitMs\":60001}", "waitMs"),
                bad("claim leaseMs 999", "POST", claims, W, claim + "\"leaseMs\":999}", "leaseMs"),
                bad("claim with no queues", "POST", claims, W, "{\"workerId\":\"w1\",\"queues\":[]}", "queues"),
                bad("heartbeat leaseMs 999", "POST", jobs + "/{running}/heartbeat", W,
                        "{\"leaseToken\":\"x\",\"leaseMs\":999}", "leaseMs"),
                bad("PATCH maxAttempts 0", "PATCH", jobs + "/{queued}", A, "{\"expectedVersion\":1,\"maxAttempts\":0}",
                        "maxAttempts"),
                bad("retry maxAttempts 1001", "POST", jobs + "/{cancelled}/retry", A, "{\"maxAttempts\":1001}",
                        "maxAttempts"),
                bad("list limit 0", "GET", jobs + "?limit=0", P, null, "limit"),
                bad("list limit 501", "GET", jobs + "?limit=501", P, null, "limit"),
                bad("events after=abc", "GET", jobs + "/{queued}/events?after=abc", P, null, "after"),
                bad("queue maxRunning -1", "PUT", "/api/v1/queues/default", A, "{\"maxRunning\":-1}", "maxRunning"),
                bad("queue name with a space", "PUT", "/api/v1/queues/bad%20name", A, "{\"paused\":true}", "name"),
                bad("schedule cron with 5 fields", "PUT", "/api/v1/schedules/s1", A,
                        "{\"cron\":\"*/5 * * * *\",\"job\":{\"type\":\"t\"}}", "cron"),
                bad("schedule in an unknown zone", "PUT", "/api/v1/schedules/s1", A,
                        "{\"cron\":\"0 0 * * * *\",\"timezone\":\"Nowhere/Land\",\"job\":{\"type\":\"t\"}}", "timezone"),
                bad("schedule job without type", "PUT", "/api/v1/schedules/s1", A,
                        "{\"cron\":\"0 0 * * * *\",\"job\":{}}", "job.type"),
                bad("schedule job type with a NUL character", "PUT", "/api/v1/schedules/s1", A,
                        "{\"cron\":\"0 0 * * * *\",\"job\":{\"type\":\"a\\u0000\"}}", "job.type"),
                // missing required fields
                bad("missing type", "POST", jobs, P, "{\"queue\":\"default\"}", "type"),
                bad("empty body on enqueue", "POST", jobs, P, "", "type"),
                bad("missing workerId", "POST", claims, W, "{\"queues\":[\"default\"]}", "workerId"),
                bad("complete without leaseToken", "POST", jobs + "/{running}/complete", W, "{\"result\":{}}", "leaseToken"),
                bad("fail without error", "POST", jobs + "/{running}/fail", W, "{\"leaseToken\":\"x\"}", "error"),
                bad("PATCH without expectedVersion", "PATCH", jobs + "/{queued}", A, "{\"priority\":9}", "expectedVersion"),
                bad("PATCH that changes nothing", "PATCH", jobs + "/{queued}", A, "{\"expectedVersion\":1}", "body"),
                bad("bulk update without any expectedVersion, beside a valid cancel", "POST", jobs + "/bulk", A,
                        "{\"operations\":[{\"id\":\"{queued}\",\"action\":\"cancel\"},"
                                + "{\"id\":\"{queued}\",\"action\":\"update\",\"changes\":{\"priority\":3}}]}",
                        "operations[1].expectedVersion"),
                bad("a payload number beyond what PostgreSQL can store", "POST", jobs, P,
                        "{\"type\":\"t\",\"payload\":{\"n\":1e1000000}}", "payload"),
                // unknown values and fields
                bad("status=bogus", "GET", jobs + "?status=bogus", P, null, "status"),
                bad("unknown field in the body", "POST", jobs, P, "{\"type\":\"t\",\"colour\":\"red\"}", "colour"),
                bad("unknown field in a claim", "POST", claims, W, claim + "\"greedy\":true}", "greedy"),
                bad("unknown bulk action, with valid operations beside it", "POST", jobs + "/bulk", A,
                        "{\"operations\":[{\"id\":\"{queued}\",\"action\":\"cancel\"},"
                                + "{\"id\":\"{cancelled}\",\"action\":\"retry\"},"
                                + "{\"id\":\"{queued}\",\"action\":\"explode\"}]}", "operations[2].action"),
                bad("bulk cancel carrying changes", "POST", jobs + "/bulk", A,
                        "{\"operations\":[{\"id\":\"{queued}\",\"action\":\"cancel\",\"changes\":{\"priority\":1}}]}",
                        "operations[0].changes"),
                bad("runAt and delayMs both", "POST", jobs, P,
                        "{\"type\":\"t\",\"runAt\":\"2030-01-01T00:00:00Z\",\"delayMs\":5}", "runAt"),
                // a field given twice, at the top or nested: refused, never "the last one wins"
                bad("type given twice", "POST", jobs, P, "{\"type\":\"a\",\"type\":\"b\"}", "type"),
                bad("a payload key given twice", "POST", jobs, P,
                        "{\"type\":\"t\",\"payload\":{\"a\":{\"b\":1,\"b\":2}}}", "payload.a.b"),
                bad("a label given twice", "POST", jobs, P,
                        "{\"type\":\"t\",\"labels\":{\"a\":\"x\",\"a\":\"y\"}}", "labels.a"),
                bad("a batch job's queue given twice", "POST", jobs + "/batch", P,
                        "{\"jobs\":[{\"type\":\"t\"},{\"type\":\"t\",\"queue\":\"a\",\"queue\":\"b\"}]}",
                        "jobs[1].queue"),
                bad("jobs given twice in a batch", "POST", jobs + "/batch", P,
                        "{\"jobs\":[{\"type\":\"t\"}],\"jobs\":[{\"type\":\"u\"}]}", "jobs"),
                bad("a bulk action given twice", "POST", jobs + "/bulk", A,
                        "{\"operations\":[{\"id\":\"{queued}\",\"action\":\"retry\",\"action\":\"cancel\"}]}",
                        "operations[0].action"),
                bad("cancel reason given twice", "POST", jobs + "/{queued}/cancel", A,
                        "{\"reason\":\"a\",\"reason\":\"b\"}", "reason"),
                bad("PATCH priority given twice", "PATCH", jobs + "/{queued}", A,
                        "{\"expectedVersion\":1,\"priority\":1,\"priority\":2}", "priority"),
                bad("claim queues given twice", "POST", claims, W,
                        "{\"workerId\":\"w1\",\"queues\":[\"held\"],\"queues\":[\"default\"]}", "queues"),
                bad("a result key given twice", "POST", jobs + "/{running}/complete", W,
                        "{\"leaseToken\":\"x\",\"result\":{\"k\":1,\"k\":2}}", "result.k"),
                bad("queue paused given twice", "PUT", "/api/v1/queues/default", A,
                        "{\"paused\":true,\"paused\":false}", "paused"),
                bad("schedule job type given twice", "PUT", "/api/v1/schedules/s1", A,
                        "{\"cron\":\"0 0 * * * *\",\"job\":{\"type\":\"a\",\"type\":\"b\"}}", "job.type"),
                // query parameters
                bad("forged cursor abc", "GET", jobs + "?cursor=abc", P, null, "cursor"),
                bad("cursor of 'j:1 or 1=1'", "GET", jobs + "?cursor=" + injected, P, null, "cursor"),
                bad("label filter without ':'", "GET", jobs + "?label=tenant", P, null, "label"),
                bad("createdAfter not a time", "GET", jobs + "?createdAfter=yesterday", P, null, "createdAfter"),
                bad("createdBefore a date only", "GET", jobs + "?createdBefore=2026-01-01", P, null, "createdBefore"),
                // text PostgreSQL cannot store, times outside RFC 3339 and numbers past their type
                bad("type with a NUL character", "POST", jobs, P, "{\"type\":\"a\\u0000b\"}", "type"),
                bad("payload with a NUL character", "POST", jobs, P,
                        "{\"type\":\"t\",\"payload\":{\"s\":\"\\u0000\"}}", "payload.s"),
                bad("label value with a NUL character", "POST", jobs, P,
                        "{\"type\":\"t\",\"labels\":{\"a\":\"x\\u0000\"}}", "labels.a"),
                bad("type with a lone surrogate", "POST", jobs, P, "{\"type\":\"a\\ud800b\"}", "type"),
                bad("cancel reason with a NUL character", "POST", jobs + "/{queued}/cancel", A,
                        "{\"reason\":\"\\u0000\"}", "reason"),
                bad("claim workerId with a NUL character", "POST", claims, W,
                        "{\"workerId\":\"w\\u0000\",\"queues\":[\"default\"]}", "workerId"),
                bad("complete result with a NUL character", "POST", jobs + "/{running}/complete", W,
                        "{\"leaseToken\":\"x\",\"result\":{\"s\":\"\\u0000\"}}", "result.s"),
                bad("progress message with a NUL character", "POST", jobs + "/{running}/progress", W,
                        "{\"leaseToken\":\"x\",\"expectedVersion\":0,\"current\":1,\"message\":\"\\u0000\"}",
                        "message"),
                bad("log line with a lone surrogate", "POST", jobs + "/{running}/logs", W,
                        "{\"leaseToken\":\"x\",\"entries\":[{\"seq\":1,\"level\":\"info\",\"message\":\"\\udc00\"}]}",
                        "entries[0].message"),
                bad("NUL in a query parameter", "GET", jobs + "?queue=%00", P, null, "queue"),
                bad("runAt in year 294277", "POST", jobs, P, "{\"type\":\"t\",\"runAt\":\"+294277-01-01T00:00:00Z\"}",
                        "runAt"),
                bad("PATCH runAt in year -290000", "PATCH", jobs + "/{queued}", A,
                        "{\"expectedVersion\":1,\"runAt\":\"-290000-01-01T00:00:00Z\"}", "runAt"),
                bad("retry runAt in year 294277", "POST", jobs + "/{cancelled}/retry", A,
                        "{\"runAt\":\"+294277-01-01T00:00:00Z\"}", "runAt"),
                bad("fail retryAt in year 294277", "POST", jobs + "/{running}/fail", W,
                        "{\"leaseToken\":\"x\",\"error\":{\"message\":\"m\"},\"retryAt\":\"+294277-01-01T00:00:00Z\"}",
                        "retryAt"),
                bad("createdAfter in year 294277", "GET", jobs + "?createdAfter=%2B294277-01-01T00:00:00Z", P, null,
                        "createdAfter"),
                bad("priority past an int", "POST", jobs, P, "{\"type\":\"t\",\"priority\":10000000000}", "priority"),
                bad("expectedVersion past a long", "POST", jobs + "/{queued}/cancel", A,
                        "{\"expectedVersion\":100000000000000000000}", "expectedVersion"),
                // too large
                refused("payload over 1 MiB", "POST", jobs, P, tooBig, 413, "payload_too_large"),
                refused("batch of 1001 jobs", "POST", jobs + "/batch", P, batch1001, 413, "payload_too_large"),
                refused("bulk of 1001 operations", "POST", jobs + "/bulk", A, ops1001, 413, "payload_too_large"),
                refused("1001 completions", "POST", "/api/v1/completions", W, items1001, 413, "payload_too_large"),
                // not found
                refused("non-numeric job id", "GET", jobs + "/abc", P, null, 404, "not_found"),
                refused("job id past a long", "GET", jobs + "/99999999999999999999", P, null, 404, "not_found"),
                refused("cancel a non-numeric job id", "POST", jobs + "/abc/cancel", A, "{}", 404, "not_found"),
                refused("complete a non-numeric job id", "POST", jobs + "/abc/complete", W,
                        "{\"leaseToken\":\"x\"}", 404, "not_found"),
                refused("unknown schedule", "GET", "/api/v1/schedules/nope", A, null, 404, "not_found"),
                refused("delete an unknown schedule", "DELETE", "/api/v1/schedules/nope", A, null, 404, "not_found"),
                // media type
                new Case("Content-Type text/plain", "POST", jobs, P, "{\"type\":\"t\"}", "text/plain", 415,
                        "unsupported_media_type", null),
                new Case("Content-Type text/plain on a claim", "POST", claims, W, claim + "\"limit\":1}", "text/plain",
                        415, "unsupported_media_type", null),
                // Before, the unknown or malformed charset's exception was a 500.
                new Case("Content-Type with an unknown charset", "POST", jobs, P, "{\"type\":\"t\"}",
                        "application/json; charset=foo", 415, "unsupported_media_type", null),
                new Case("Content-Type with a malformed charset name", "POST", jobs, P, "{\"type\":\"t\"}",
                        "application/json; charset=\"bad name!\"", 415, "unsupported_media_type", null),
                new Case("Content-Type with an unknown charset on a claim", "POST", claims, W, claim + "\"limit\":1}",
                        "application/json; charset=foo", 415, "unsupported_media_type", null));
    }

    /** A body sent as these exact bytes, which are not UTF-8. */
    record RawCase(String name, String method, String path, String token, byte[] body) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** {@code before}, then bytes no UTF-8 decoder may accept, then {@code after}. */
    private static byte[] broken(String before, byte[] bad, String after) {
        byte[] a = before.getBytes(StandardCharsets.UTF_8);
        byte[] b = after.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[a.length + bad.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(bad, 0, out, a.length, bad.length);
        System.arraycopy(b, 0, out, a.length + bad.length, b.length);
        return out;
    }

    static Stream<RawCase> rawCases() {
        String jobs = "/api/v1/jobs";
        byte[] overlong = {(byte) 0xC0, (byte) 0xAF};                  // '/' in two bytes
        byte[] continuation = {(byte) 0x80};                            // a continuation byte alone
        byte[] truncated = {(byte) 0xE2, (byte) 0x82};                  // '€' without its last byte
        byte[] surrogate = {(byte) 0xED, (byte) 0xA0, (byte) 0x80};     // U+D800, which UTF-8 cannot carry
        byte[] fourByteOverlong = {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0xAF};
        return Stream.of(
                new RawCase("overlong '/' in type", "POST", jobs, P, broken("{\"type\":\"a", overlong, "\"}")),
                new RawCase("lone continuation byte in type", "POST", jobs, P,
                        broken("{\"type\":\"a", continuation, "\"}")),
                new RawCase("truncated sequence in type", "POST", jobs, P, broken("{\"type\":\"a", truncated, "\"}")),
                new RawCase("truncated sequence at the end of the body", "POST", jobs, P,
                        broken("{\"type\":\"t\"}", truncated, "")),
                new RawCase("encoded surrogate in type", "POST", jobs, P, broken("{\"type\":\"a", surrogate, "\"}")),
                new RawCase("four-byte overlong in a payload", "POST", jobs, P,
                        broken("{\"type\":\"t\",\"payload\":{\"s\":\"", fourByteOverlong, "\"}}")),
                new RawCase("lone continuation byte in a label", "POST", jobs, P,
                        broken("{\"type\":\"t\",\"labels\":{\"k\":\"", continuation, "\"}}")),
                new RawCase("surrogate in a field name", "POST", jobs, P,
                        broken("{\"type\":\"t\",\"payload\":{\"", surrogate, "\":1}}")),
                new RawCase("batch", "POST", jobs + "/batch", P,
                        broken("{\"jobs\":[{\"type\":\"t\"},{\"type\":\"", overlong, "\"}]}")),
                new RawCase("cancel", "POST", jobs + "/{queued}/cancel", A, broken("{\"reason\":\"", continuation, "\"}")),
                new RawCase("retry", "POST", jobs + "/{cancelled}/retry", A, broken("{\"maxAttempts\":3", surrogate, "}")),
                new RawCase("PATCH", "PATCH", jobs + "/{queued}", A,
                        broken("{\"expectedVersion\":1,\"payload\":\"", truncated, "\"}")),
                new RawCase("bulk", "POST", jobs + "/bulk", A,
                        broken("{\"operations\":[{\"id\":\"{queued}\",\"action\":\"cancel\"}],\"x\":\"", overlong, "\"}")),
                new RawCase("claim", "POST", "/api/v1/claims", W,
                        broken("{\"workerId\":\"w", overlong, "\",\"queues\":[\"default\"]}")),
                new RawCase("heartbeat", "POST", jobs + "/{running}/heartbeat", W,
                        broken("{\"leaseToken\":\"", continuation, "\"}")),
                new RawCase("complete", "POST", jobs + "/{running}/complete", W,
                        broken("{\"leaseToken\":\"x\",\"result\":{\"s\":\"", surrogate, "\"}}")),
                new RawCase("fail", "POST", jobs + "/{running}/fail", W,
                        broken("{\"leaseToken\":\"x\",\"error\":{\"message\":\"", truncated, "\"}}")),
                new RawCase("completions", "POST", "/api/v1/completions", W,
                        broken("{\"items\":[{\"id\":\"{running}\",\"leaseToken\":\"", overlong, "\"}]}")),
                new RawCase("progress", "POST", jobs + "/{running}/progress", W,
                        broken("{\"leaseToken\":\"x\",\"message\":\"", continuation, "\"}")),
                new RawCase("logs", "POST", jobs + "/{running}/logs", W,
                        broken("{\"leaseToken\":\"x\",\"entries\":[{\"seq\":1,\"message\":\"", surrogate, "\"}]}")),
                new RawCase("queue", "PUT", "/api/v1/queues/default", A, broken("{\"paused\":true", overlong, "}")),
                new RawCase("schedule", "PUT", "/api/v1/schedules/s1", A,
                        broken("{\"cron\":\"0 0 * * * *\",\"job\":{\"type\":\"", truncated, "\"}}")));
    }

    static TestCluster cluster;
    static Api api;
    static Map<String, String> fixtures;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(BadInputTest.class, 1);
        api = cluster.api();
        // Queued jobs in "default", so a claim that slipped through validation would take one.
        String queued = enqueue("default");
        enqueue("default");
        String cancelled = enqueue("default");
        assertThat(api.post("/api/v1/jobs/" + cancelled + "/cancel", A, Map.of()).status()).isEqualTo(200);
        enqueue("held");
        // A lease of an hour: the reaper leaves it alone while the cases run.
        Api.Resp claimed = api.post("/api/v1/claims", W,
                Map.of("workerId", "fixture", "queues", List.of("held"), "leaseMs", 3_600_000));
        assertThat(claimed.body().path("jobs")).as(claimed.toString()).hasSize(1);
        fixtures = Map.of("{queued}", queued, "{cancelled}", cancelled,
                "{running}", claimed.body().path("jobs").get(0).path("id").asText());
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aBadRequestIsRefusedClearlyAndChangesNothing(Case c) {
        List<String> before = snapshot();
        Api.Resp r = api.send(c.method(), fill(c.path()), c.token(), c.body() == null ? null : fill(c.body()),
                c.contentType());
        assertRefused(c, r, before);
    }

    /** Before, such bytes were decoded leniently and stored as U+FFFD, as if the client had sent it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rawCases")
    void aBodyThatIsNotUtf8IsRefusedAndChangesNothing(RawCase raw) throws Exception {
        List<String> before = snapshot();
        String text = new String(raw.body(), StandardCharsets.ISO_8859_1);
        byte[] body = fill(text).getBytes(StandardCharsets.ISO_8859_1);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.coordinator(0).port()
                        + fill(raw.path())))
                .header("Authorization", "Bearer " + raw.token())
                .header("Content-Type", JSON)
                .method(raw.method(), HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<String> sent = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(request, HttpResponse.BodyHandlers.ofString());
        Api.Resp r = new Api.Resp(sent.statusCode(), Json.mapper().readTree(sent.body()), sent.headers(), sent.body());
        assertRefused(new Case(raw.name(), raw.method(), raw.path(), raw.token(), null, JSON, 400, "invalid_request",
                "body"), r, before);
    }

    private static void assertRefused(Case c, Api.Resp r, List<String> before) {
        assertThat(r.status()).as(brief(r)).isEqualTo(c.status());
        assertThat(r.contentType()).as(brief(r)).startsWith("application/problem+json");
        JsonNode body = r.body();
        assertThat(body.path("code").asText()).as(brief(r)).isEqualTo(c.code());
        assertThat(body.path("status").isInt()).as(brief(r)).isTrue();
        assertThat(body.path("status").asInt()).as(brief(r)).isEqualTo(c.status());
        assertThat(body.path("title").asText()).as(brief(r)).isNotBlank();
        assertThat(body.path("type").asText()).as(brief(r)).isNotBlank();
        assertThat(body.path("detail").asText()).as(brief(r)).isNotBlank();
        if (c.status() == 400) {
            JsonNode errors = body.path("errors");
            assertThat(errors.isArray() && !errors.isEmpty()).as("errors on a 400: " + brief(r)).isTrue();
            List<String> fields = new ArrayList<>();
            errors.forEach(e -> {
                fields.add(e.path("field").asText());
                assertThat(e.path("message").asText()).as(brief(r)).isNotBlank();
            });
            assertThat(fields).as(brief(r)).contains(c.field());
        }
        for (String internal : INTERNALS) {
            assertThat(r.raw()).as("no internals in " + brief(r)).doesNotContain(internal);
        }
        assertThat(snapshot()).as("a refused request changes nothing").isEqualTo(before);
    }

    private static String enqueue(String queue) {
        Api.Resp r = api.post("/api/v1/jobs", P, Map.of("type", "fixture", "queue", queue));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.body().path("id").asText();
    }

    private static String fill(String text) {
        String out = text;
        for (Map.Entry<String, String> f : fixtures.entrySet()) {
            out = out.replace(f.getKey(), URLEncoder.encode(f.getValue(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String brief(Api.Resp r) {
        String raw = r.raw();
        return r.status() + " " + (raw.length() > 600 ? raw.substring(0, 600) + "…" : raw);
    }

    private static List<String> snapshot() {
        List<String> values = new ArrayList<>();
        try (Connection c = cluster.sql(); Statement s = c.createStatement()) {
            for (String sql : SNAPSHOT) {
                try (ResultSet rs = s.executeQuery(sql)) {
                    rs.next();
                    values.add(sql + " = " + rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return values;
    }
}
