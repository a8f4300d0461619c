package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No request gets a 500, at the edges of what the contract admits: every admin and worker action
 * against a job in every status, the job at attempt = maxAttempts = 1000 (or one short of it),
 * backoff factor 100 with maxMs 1, times at 9999-12-31, a queue limited to a fractional rate. A
 * refusal is problem+json whose {@code status} is the HTTP status, and it changes nothing: the
 * job's row, events and logs are the same before and after.
 */
class BoundaryMatrixTest {
    static TestCluster cluster;
    static final AtomicInteger queues = new AtomicInteger();
    static final String LAST_INSTANT = "9999-12-31T23:59:59.999999Z";
    static final Map<String, Object> EDGES = Map.of("maxAttempts", 1000, "timeoutSeconds", 7 * 24 * 3600,
            "backoff", Map.of("initialMs", 1, "factor", 100.0, "maxMs", 1, "jitter", 1.0));

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(BoundaryMatrixTest.class, 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /** A job brought to one status at the edges; {@code token} is its lease, current or last (null if it never ran). */
    record Subject(String id, String queue, String token) {
    }

    enum Status {
        QUEUED, SCHEDULED, RUNNING_ATTEMPTS_LEFT, RUNNING_LAST_ATTEMPT, SUCCEEDED, FAILED, CANCELLED,
        CANCELLED_WHILE_QUEUED
    }

    enum Action {
        CANCEL, RETRY, RETRY_MAX_ATTEMPTS, PATCH, PATCH_MAX_ATTEMPTS, BULK_CANCEL, BULK_RETRY, BULK_UPDATE, CLAIM,
        HEARTBEAT, PROGRESS, LOGS, COMPLETE, FAIL, FAIL_RETRY_AT_END_OF_TIME, FAIL_NOT_RETRYABLE, COMPLETIONS
    }

    static Stream<Arguments> matrix() {
        List<Arguments> all = new ArrayList<>();
        for (Status s : Status.values()) {
            for (Action a : Action.values()) {
                all.add(Arguments.of(s, a));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("matrix")
    void neverA500AndARefusalChangesNothing(Status status, Action action) {
        Subject job = subject(status);
        Map<String, Object> before = snapshot(job.id());
        Api.Resp r = act(action, job, Long.parseLong((String) before.get("version")));
        assertThat(r.status()).as(action + " on " + status + ": " + r).isLessThan(500);
        List<String> refusedIds = new ArrayList<>();
        if (r.status() >= 400) {
            assertThat(r.contentType()).as(r.toString()).startsWith("application/problem+json");
            assertThat(r.body().path("status").asInt()).as(r.toString()).isEqualTo(r.status());
            refusedIds.add(job.id());
        } else if (action.name().startsWith("BULK_")) {
            r.body().path("failed").forEach(f -> refusedIds.add(f.path("id").asText()));
            assertThat(r.body().path("failed").size() + r.body().path("succeeded").size()).as(r.toString()).isEqualTo(1);
        } else if (action == Action.COMPLETIONS) {
            r.body().path("items").forEach(i -> {
                assertThat(i.path("status").asInt()).as(r.toString()).isLessThan(500);
                if (i.path("status").asInt() >= 400) {
                    refusedIds.add(i.path("id").asText());
                }
            });
        }
        if (refusedIds.contains(job.id())) {
            assertThat(snapshot(job.id())).as(action + " on " + status + " was refused (" + r + ") yet changed the job")
                    .isEqualTo(before);
        }
    }

    @Test
    void retryOfAJobThatUsedAllItsAttemptsIsRefusedAlsoInBulk() {
        Subject failed = subject(Status.FAILED);
        Map<String, Object> before = snapshot(failed.id());
        Api.Resp r = cluster.api().post("/api/v1/jobs/" + failed.id() + "/retry", Api.ADMIN, Map.of());
        assertThat(r.status()).as(r.toString()).isEqualTo(409);
        assertThat(r.code()).isEqualTo("invalid_transition");
        assertThat(r.body().path("job").path("attempt").asInt()).isEqualTo(1000);
        assertThat(snapshot(failed.id())).isEqualTo(before);

        // In bulk, after an operation that committed: reported in failed, the first one kept.
        Subject cancellable = subject(Status.QUEUED);
        Api.Resp bulk = cluster.api().post("/api/v1/jobs/bulk", Api.ADMIN, Map.of("operations", List.of(
                Map.of("id", cancellable.id(), "action", "cancel"), Map.of("id", failed.id(), "action", "retry"))));
        assertThat(bulk.status()).as(bulk.toString()).isEqualTo(200);
        assertThat(bulk.body().path("succeeded").get(0).path("id").asText()).isEqualTo(cancellable.id());
        assertThat(bulk.body().path("failed").get(0).path("code").asText()).isEqualTo("invalid_transition");
        assertThat(Jobs.get(cluster.api(), cancellable.id()).path("status").asText()).isEqualTo("cancelled");
        assertThat(snapshot(failed.id())).isEqualTo(before);
    }

    @Test
    void enqueueAtTheEdgesIsAcceptedOrRefusedWithA4xx() {
        List<Map<String, Object>> bodies = List.of(
                Map.of("runAt", LAST_INSTANT),
                Map.of("delayMs", 10L * 366 * 24 * 3600 * 1000),
                Map.of("maxAttempts", 1000, "backoff", Map.of("initialMs", 24L * 3600 * 1000, "factor", 100.0,
                        "maxMs", 30L * 24 * 3600 * 1000, "jitter", 1.0)),
                Map.of("priority", 1_000_000, "timeoutSeconds", 7 * 24 * 3600));
        for (Map<String, Object> extra : bodies) {
            Map<String, Object> body = new HashMap<>(Map.of("type", "edge", "queue", "edges"));
            body.putAll(extra);
            Api.Resp r = cluster.api().post("/api/v1/jobs", Api.PRODUCER, body);
            assertThat(r.status()).as(extra + ": " + r).isEqualTo(201);
        }
    }

    private static Api.Resp act(Action action, Subject job, long version) {
        Api api = cluster.api();
        String at = "/api/v1/jobs/" + job.id();
        String token = job.token() != null ? job.token() : "never-held";
        return switch (action) {
            case CANCEL -> api.post(at + "/cancel", Api.ADMIN, Map.of("reason", "edge"));
            case RETRY -> api.post(at + "/retry", Api.ADMIN, Map.of("runAt", LAST_INSTANT));
            case RETRY_MAX_ATTEMPTS -> api.post(at + "/retry", Api.ADMIN, Map.of("maxAttempts", 1000));
            case PATCH -> api.patch(at, Api.ADMIN, Map.of("expectedVersion", version, "runAt", LAST_INSTANT,
                    "priority", -1_000_000));
            case PATCH_MAX_ATTEMPTS -> api.patch(at, Api.ADMIN, Map.of("expectedVersion", version, "maxAttempts", 1000));
            case BULK_CANCEL -> bulk(job, version, "cancel", null);
            case BULK_RETRY -> bulk(job, version, "retry", null);
            case BULK_UPDATE -> bulk(job, version, "update", Map.of("runAt", LAST_INSTANT, "maxAttempts", 1000));
            case CLAIM -> api.post("/api/v1/claims", Api.WORKER, Map.of("workerId", "edge-worker",
                    "queues", List.of(job.queue()), "limit", 100, "leaseMs", 3_600_000));
            case HEARTBEAT -> api.post(at + "/heartbeat", Api.WORKER, Map.of("leaseToken", token, "leaseMs", 3_600_000));
            case PROGRESS -> api.post(at + "/progress", Api.WORKER, Map.of("leaseToken", token,
                    "expectedVersion", version, "current", Long.MAX_VALUE, "total", Long.MAX_VALUE));
            case LOGS -> api.post(at + "/logs", Api.WORKER, Map.of("leaseToken", token,
                    "entries", List.of(Map.of("seq", 1, "level", "info", "message", "edge"))));
            case COMPLETE -> api.post(at + "/complete", Api.WORKER, Map.of("leaseToken", token, "result", Map.of()));
            case FAIL -> api.post(at + "/fail", Api.WORKER, Map.of("leaseToken", token,
                    "error", Map.of("message", "edge")));
            case FAIL_RETRY_AT_END_OF_TIME -> api.post(at + "/fail", Api.WORKER, Map.of("leaseToken", token,
                    "error", Map.of("message", "edge"), "retryAt", LAST_INSTANT));
            case FAIL_NOT_RETRYABLE -> api.post(at + "/fail", Api.WORKER, Map.of("leaseToken", token,
                    "error", Map.of("message", "edge", "retryable", false)));
            case COMPLETIONS -> api.post("/api/v1/completions", Api.WORKER, Map.of("items", List.of(
                    Map.of("id", job.id(), "leaseToken", token, "result", Map.of()))));
        };
    }

    private static Api.Resp bulk(Subject job, long version, String action, Map<String, Object> changes) {
        Map<String, Object> op = new HashMap<>(Map.of("id", job.id(), "action", action));
        if (changes != null) {
            op.put("changes", changes);
            op.put("expectedVersion", version);
        }
        return cluster.api().post("/api/v1/jobs/bulk", Api.ADMIN, Map.of("operations", List.of(op)));
    }

    /**
     * A job in {@code status} at the edges, alone in its own queue, and that queue then limited to
     * a fractional rate: queued ones at attempt 999 of 1000, running ones claimed at 999 (attempts
     * left) or 1000 (the last), finished ones ended on their last attempt (or, one cancelled job,
     * while still queued at 999).
     */
    private static Subject subject(Status status) {
        Api api = cluster.api();
        String queue = "edge-" + queues.incrementAndGet();
        Map<String, Object> body = new HashMap<>(EDGES);
        if (status == Status.SCHEDULED) {
            body.put("runAt", LAST_INSTANT);
        }
        String id = Jobs.enqueue(api, queue, body).path("id").asText();
        long jobId = Long.parseLong(id);
        int attemptsBefore = status == Status.RUNNING_ATTEMPTS_LEFT ? 998 : 999;
        cluster.execute("update jobs set attempt = ? where id = ?", attemptsBefore, jobId);
        String token = null;
        if (status == Status.CANCELLED_WHILE_QUEUED) {
            assertThat(api.post("/api/v1/jobs/" + id + "/cancel", Api.ADMIN, Map.of()).status()).isEqualTo(200);
        } else if (status != Status.QUEUED && status != Status.SCHEDULED) {
            token = Jobs.claimOne(api, queue, 3_600_000).path("leaseToken").asText();
            Api.Resp end = switch (status) {
                case SUCCEEDED -> api.post("/api/v1/jobs/" + id + "/complete", Api.WORKER, Map.of("leaseToken", token));
                case FAILED -> api.post("/api/v1/jobs/" + id + "/fail", Api.WORKER,
                        Map.of("leaseToken", token, "error", Map.of("message", "last")));
                case CANCELLED -> api.post("/api/v1/jobs/" + id + "/cancel", Api.ADMIN, Map.of());
                default -> null;
            };
            if (end != null) {
                assertThat(end.status()).as(end.toString()).isEqualTo(200);
                assertThat(end.body().path("status").asText()).isEqualTo(status.name().toLowerCase(Locale.ROOT));
            }
        }
        Api.Resp limit = api.put("/api/v1/queues/" + queue, Api.ADMIN, Map.of("ratePerSecond", 0.167, "maxRunning", 1));
        assertThat(limit.status()).as(limit.toString()).isEqualTo(200);
        return new Subject(id, queue, token);
    }

    /** The job's row, and how many events and log lines it has. */
    private static Map<String, Object> snapshot(String id) {
        long jobId = Long.parseLong(id);
        try (Connection c = cluster.sql(); PreparedStatement ps = c.prepareStatement("""
                select j.*, (select count(*) from job_events e where e.job_id = j.id) as event_count,
                       (select count(*) from job_logs l where l.job_id = j.id) as log_count
                from jobs j where j.id = ?""")) {
            ps.setLong(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                Map<String, Object> row = new TreeMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.put(rs.getMetaData().getColumnName(i), v == null ? null : v.toString());
                }
                return row;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
