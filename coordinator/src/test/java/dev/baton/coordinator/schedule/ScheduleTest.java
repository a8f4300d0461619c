package dev.baton.coordinator.schedule;

import dev.baton.coordinator.maintenance.FinishedJobPruner;
import dev.baton.coordinator.maintenance.RecurringJobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import dev.baton.coordinator.config.Retention;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jobrunr.storage.StorageProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Schedules as stored and refused, on two coordinators sharing one database, and the pruning of
 * finished jobs. How schedules tick is {@link ScheduleTickerTest}.
 */
class ScheduleTest {
    private static final String SCHEDULES = "/api/v1/schedules/";
    /** Fires on 1 January only: a schedule that stays quiet while the tests run. */
    private static final String YEARLY = "0 0 0 1 1 *";
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(ScheduleTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Api api() {
        return cluster.api(1);
    }

    @Test
    void aScheduleIsStoredReadListedUpdatedAndDeleted() {
        Map<String, Object> job = Map.of("type", "report.build", "queue", "reports", "payload", Map.of("a", 1),
                "labels", Map.of("team", "ops"));
        Api.Resp created = api().put(SCHEDULES + "nightly-report", Api.ADMIN,
                Map.of("cron", "0 30 2 * * *", "timezone", "Europe/Berlin", "job", job));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        JsonNode s = created.body();
        assertThat(s.path("name").asText()).isEqualTo("nightly-report");
        assertThat(s.path("cron").asText()).isEqualTo("0 30 2 * * *");
        assertThat(s.path("timezone").asText()).isEqualTo("Europe/Berlin");
        assertThat(s.path("catchUp").asText()).as("the default").isEqualTo("all");
        assertThat(s.path("job")).isEqualTo(Json.mapper().valueToTree(job));
        Instant next = Instant.parse(s.path("nextRunAt").asText());
        assertThat(next.atZone(java.time.ZoneId.of("Europe/Berlin")).toLocalTime()).isEqualTo(java.time.LocalTime.of(2, 30));
        assertThat(Duration.between(dbNow(), next)).isBetween(Duration.ZERO, Duration.ofHours(25));

        assertThat(recurringJobIds()).as("schedules tick from Baton's ticker, not JobRunr").doesNotContain("nightly-report");

        Api.Resp updated = api().put(SCHEDULES + "nightly-report", Api.ADMIN,
                Map.of("cron", YEARLY, "catchUp", "latest", "job", Map.of("type", "report.build")));
        assertThat(updated.status()).as(updated.toString()).isEqualTo(200);
        assertThat(updated.body().path("timezone").asText()).as("timezone defaults to UTC").isEqualTo("UTC");
        assertThat(updated.body().path("catchUp").asText()).isEqualTo("latest");
        assertThat(updated.body().path("createdAt")).isEqualTo(s.path("createdAt"));
        assertThat(Instant.parse(updated.body().path("updatedAt").asText()))
                .isAfter(Instant.parse(s.path("updatedAt").asText()));
        assertThat(updated.body().path("job")).isEqualTo(Json.mapper().valueToTree(Map.of("type", "report.build")));

        assertThat(api().get(SCHEDULES + "nightly-report", Api.ADMIN).body()).isEqualTo(updated.body());
        Api.Resp list = api().get("/api/v1/schedules", Api.ADMIN);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body().findValuesAsText("name")).contains("nightly-report");

        assertThat(api().send("DELETE", SCHEDULES + "nightly-report", Api.ADMIN, null, null).status()).isEqualTo(204);
        assertThat(api().get(SCHEDULES + "nightly-report", Api.ADMIN).code()).isEqualTo("not_found");
    }

    static Stream<Arguments> invalidSchedules() {
        Map<String, Object> job = Map.of("type", "t");
        return Stream.of(
                Arguments.of("five fields", "bad1", Map.of("cron", "*/5 * * * *", "job", job), "cron"),
                Arguments.of("not a cron", "bad2", Map.of("cron", "every five minutes please", "job", job), "cron"),
                Arguments.of("second 61", "bad3", Map.of("cron", "61 * * * * *", "job", job), "cron"),
                Arguments.of("every second", "bad4", Map.of("cron", "* * * * * *", "job", job), "cron"),
                Arguments.of("31 February", "bad5", Map.of("cron", "0 0 0 31 2 *", "job", job), "cron"),
                Arguments.of("no cron", "bad6", Map.of("job", job), "cron"),
                Arguments.of("cron not a string", "bad7", Map.of("cron", 5, "job", job), "cron"),
                Arguments.of("unknown zone", "bad8", Map.of("cron", YEARLY, "timezone", "Mars/Olympus", "job", job), "timezone"),
                Arguments.of("offset, not IANA", "bad9", Map.of("cron", YEARLY, "timezone", "+02:00", "job", job), "timezone"),
                Arguments.of("no job", "bad10", Map.of("cron", YEARLY), "job"),
                Arguments.of("job without type", "bad11", Map.of("cron", YEARLY, "job", Map.of("queue", "q")), "job.type"),
                Arguments.of("job maxAttempts 0", "bad12", Map.of("cron", YEARLY, "job", Map.of("type", "t", "maxAttempts", 0)),
                        "job.maxAttempts"),
                Arguments.of("job priority a string", "bad13",
                        Map.of("cron", YEARLY, "job", Map.of("type", "t", "priority", "high")), "job.priority"),
                Arguments.of("job unknown field", "bad14", Map.of("cron", YEARLY, "job", Map.of("type", "t", "nope", 1)),
                        "job.nope"),
                Arguments.of("job runAt", "bad15",
                        Map.of("cron", YEARLY, "job", Map.of("type", "t", "runAt", "2030-01-01T00:00:00Z")), "job.runAt"),
                Arguments.of("job uniqueKey", "bad16", Map.of("cron", YEARLY, "job", Map.of("type", "t", "uniqueKey", "k")),
                        "job.uniqueKey"),
                Arguments.of("job bad queue name", "bad17", Map.of("cron", YEARLY, "job", Map.of("type", "t", "queue", "a b")),
                        "job.queue"),
                Arguments.of("unknown top-level field", "bad18", Map.of("cron", YEARLY, "job", job, "name", "x"), "name"),
                Arguments.of("name with a colon", "bad:19", Map.of("cron", YEARLY, "job", job), "name"),
                Arguments.of("name with a leading underscore", "_baton.x", Map.of("cron", YEARLY, "job", job), "name"),
                Arguments.of("unknown catchUp", "bad20", Map.of("cron", YEARLY, "catchUp", "some", "job", job), "catchUp"),
                Arguments.of("catchUp not a string", "bad21", Map.of("cron", YEARLY, "catchUp", true, "job", job), "catchUp"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSchedules")
    void anInvalidScheduleIsA400NamingTheFieldAndStoresNothing(String why, String name, Map<String, Object> body,
                                                              String field) {
        long before = cluster.queryLong("select count(*) from schedules");
        List<String> registeredBefore = recurringJobIds();
        Api.Resp r = api().put(SCHEDULES + name, Api.ADMIN, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.code()).isEqualTo("invalid_request");
        assertThat(r.body().path("errors").findValuesAsText("field")).as(r.toString()).contains(field);
        assertThat(r.raw()).doesNotContain("Exception").doesNotContain("org.jobrunr");
        assertThat(cluster.queryLong("select count(*) from schedules")).isEqualTo(before);
        assertThat(recurringJobIds()).isEqualTo(registeredBefore);
    }

    @Test
    void unknownSchedulesAre404AndOnlyAdminsMayTouchSchedules() {
        assertThat(api().get(SCHEDULES + "nope", Api.ADMIN).code()).isEqualTo("not_found");
        assertThat(api().get(SCHEDULES + "nope", Api.ADMIN).status()).isEqualTo(404);
        assertThat(api().send("DELETE", SCHEDULES + "nope", Api.ADMIN, null, null).status()).isEqualTo(404);
        assertThat(api().get(SCHEDULES + "%00", Api.ADMIN).status()).isEqualTo(404);
        Map<String, Object> body = Map.of("cron", YEARLY, "job", Map.of("type", "t"));
        for (String token : new String[] {Api.PRODUCER, Api.WORKER}) {
            assertThat(api().put(SCHEDULES + "denied", token, body).status()).isEqualTo(403);
            assertThat(api().get("/api/v1/schedules", token).status()).isEqualTo(403);
            assertThat(api().get(SCHEDULES + "denied", token).status()).isEqualTo(403);
            assertThat(api().send("DELETE", SCHEDULES + "denied", token, null, null).status()).isEqualTo(403);
        }
        assertThat(cluster.queryLong("select count(*) from schedules where name = 'denied'")).isZero();
    }

    @Test
    void pruningDeletesOnlyFinishedJobsPastTheirRetentionWithTheirEventsAndLogs() {
        Api api = api();
        String succeeded = finishedWithLogs(api, "complete");
        String failed = finishedWithLogs(api, "fail");
        String cancelled = Jobs.enqueue(api, "prune", Map.of()).path("id").asText();
        assertThat(api.post("/api/v1/jobs/" + cancelled + "/cancel", Api.ADMIN, Map.of()).status()).isEqualTo(200);
        String recent = finishedWithLogs(api, "complete");
        String queued = Jobs.enqueue(api, "prune-queued", Map.of()).path("id").asText();
        String running = Jobs.enqueue(api, "prune-running", Map.of()).path("id").asText();
        Jobs.claimOne(api, "prune-running", 3_600_000);
        List<String> old = List.of(succeeded, failed, cancelled);
        for (String id : old) {
            cluster.execute("update jobs set finished_at = now() - interval '8 days' where id = ?", Long.parseLong(id));
        }
        for (String id : List.of(queued, running)) {
            cluster.execute("update jobs set created_at = now() - interval '30 days', run_at = now() - interval '30 days',"
                    + " updated_at = now() - interval '30 days' where id = ?", Long.parseLong(id));
        }
        assertThat(count("job_events", old)).isPositive();
        assertThat(count("job_logs", List.of(succeeded, failed))).isPositive();

        FinishedJobPruner pruner = cluster.coordinator(1).context().getBean(FinishedJobPruner.class);
        assertThat(pruner.prune(Retention.parse("7d"), null)).isGreaterThanOrEqualTo(3);

        assertThat(count("jobs", old)).as("old finished jobs are gone").isZero();
        assertThat(count("job_events", old)).as("with their events").isZero();
        assertThat(count("job_logs", old)).as("and their logs").isZero();
        assertThat(count("jobs", List.of(recent, queued, running))).as("recent, queued and running stay").isEqualTo(3);
        assertThat(count("job_logs", List.of(recent))).isPositive();
        assertThat(api.get("/api/v1/jobs/" + succeeded, Api.ADMIN).status()).isEqualTo(404);

        // Per status, with the clock moved two days on instead of the rows moved back.
        Instant inTwoDays = dbNow().plus(Duration.ofDays(2));
        String recentFailed = finishedWithLogs(api, "fail");
        pruner.prune(Retention.parse("succeeded=1d,failed=30d"), inTwoDays);
        assertThat(count("jobs", List.of(recent))).as("succeeded after 1 day").isZero();
        assertThat(count("jobs", List.of(recentFailed, queued, running))).as("failed kept 30 days").isEqualTo(3);
        pruner.prune(Retention.parse("1d"), Instant.now().plus(Duration.ofDays(400)));
        assertThat(count("jobs", List.of(queued, running))).as("never a queued or running job").isEqualTo(2);
    }

    @Test
    void pruningABacklogGoesInBatchesAndDeletesAllOfIt() {
        cluster.execute("""
                insert into jobs (queue, type, payload, status, max_attempts, run_at, timeout_seconds, backoff_initial_ms,
                                  backoff_factor, backoff_max_ms, backoff_jitter, finished_at)
                select 'backlog', 'old', '{}', 'succeeded', 1, now(), 60, 1000, 2, 60000, 0, now() - interval '9 days'
                from generate_series(1, 2500)""");
        cluster.execute("""
                insert into job_events (job_id, type, to_status, attempt)
                select id, 'enqueued', 'queued', 0 from jobs where queue = 'backlog'""");
        FinishedJobPruner pruner = cluster.coordinator(1).context().getBean(FinishedJobPruner.class);
        assertThat(pruner.prune(Retention.DEFAULT, null)).isGreaterThanOrEqualTo(2500);
        assertThat(cluster.queryLong("select count(*) from jobs where queue = 'backlog'")).isZero();
        assertThat(cluster.queryLong("select count(*) from job_events e where not exists (select 1 from jobs j where j.id = e.job_id)"))
                .isZero();
    }

    @Test
    void batonsMaintenanceJobsAreRegisteredWithJobRunr() {
        assertThat(recurringJobIds()).contains(RecurringJobs.PRUNE_FINISHED_JOBS, RecurringJobs.EXPIRED_LEASE_SWEEP);
    }

    /** Claims a job in {@code queue} "prune", writes two log lines, then completes or fails it for good. */
    private static String finishedWithLogs(Api api, String how) {
        String id = Jobs.enqueue(api, "prune", Map.of("maxAttempts", 1)).path("id").asText();
        JsonNode job = Jobs.claimOne(api, "prune", 60_000);
        assertThat(job.path("id").asText()).isEqualTo(id);
        String token = job.path("leaseToken").asText();
        assertThat(api.post("/api/v1/jobs/" + id + "/logs", Api.WORKER, Map.of("leaseToken", token, "entries", List.of(
                Map.of("seq", 1, "level", "info", "message", "one"), Map.of("seq", 2, "level", "info", "message", "two"))))
                .status()).isEqualTo(200);
        Map<String, Object> body = new HashMap<>(Map.of("leaseToken", token));
        if (how.equals("fail")) {
            body.put("error", Map.of("message", "no", "retryable", false));
        }
        Api.Resp r = api.post("/api/v1/jobs/" + id + "/" + how, Api.WORKER, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return id;
    }

    private static long count(String table, List<String> ids) {
        String column = table.equals("jobs") ? "id" : "job_id";
        return cluster.queryLong("select count(*) from " + table + " where " + column
                + " = any(string_to_array(?, ',')::bigint[])", String.join(",", ids));
    }

    private static Instant dbNow() {
        try (Connection c = cluster.sql(); var ps = c.prepareStatement("select now()"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static StorageProvider jobRunr() {
        return cluster.coordinator(1).context().getBean(StorageProvider.class);
    }

    private static List<String> recurringJobIds() {
        return jobRunr().getRecurringJobs().stream().map(r -> r.getId()).sorted().toList();
    }

}
