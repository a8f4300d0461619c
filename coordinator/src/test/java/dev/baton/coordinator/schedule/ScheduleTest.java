package dev.baton.coordinator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.time.Duration;
import java.time.Instant;
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
 * Schedules as stored and refused, on two coordinators sharing one database. How schedules tick
 * is {@link ScheduleTickerTest}.
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
        assertThat(Duration.between(cluster.instant("select now()"), next)).isBetween(Duration.ZERO, Duration.ofHours(25));

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

    private static StorageProvider jobRunr() {
        return cluster.coordinator(1).context().getBean(StorageProvider.class);
    }

    private static List<String> recurringJobIds() {
        return jobRunr().getRecurringJobs().stream().map(r -> r.getId()).sorted().toList();
    }

}
