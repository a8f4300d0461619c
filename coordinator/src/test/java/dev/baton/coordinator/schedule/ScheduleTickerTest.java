package dev.baton.coordinator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.maintenance.RecurringJobs;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jobrunr.jobs.context.JobContext;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.storage.StorageProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How schedules tick, on two coordinators whose tickers run all the while. Time is moved in the
 * schedules' rows (due_after, next_tick_at) or given to the ticker, never waited out.
 */
class ScheduleTickerTest {
    private static final String SCHEDULES = "/api/v1/schedules/";
    private static final String EVERY_5 = "*/5 * * * * *";
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(ScheduleTickerTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static ScheduleTicker ticker(int coordinator) {
        return cluster.coordinator(coordinator).context().getBean(ScheduleTicker.class);
    }

    /** JobRunr enqueued the ticks due in the first seconds after a PUT one poll (up to 15 s) late. */
    @Test
    void theFirstTickIsEnqueuedAheadOfItsTimeAndClaimableAtIt() {
        String cron = (dbNow().getEpochSecond() + 4) % 60 + " * * * * *";
        Api.Resp created = cluster.api(1).put(SCHEDULES + "first-tick", Api.ADMIN,
                Map.of("cron", cron, "job", Map.of("type", "first.t", "queue", "first")));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        Instant tick = Cron.parse(cron, ZoneId.of("UTC")).next(Instant.parse(created.body().path("createdAt").asText()));

        Api.Resp claim = cluster.api(0).post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "w", "queues", List.of("first"), "waitMs", 60_000, "leaseMs", 60_000));
        assertThat(claim.body().path("jobs")).as(claim.toString()).hasSize(1);
        JsonNode job = claim.body().path("jobs").get(0);
        assertThat(job.path("uniqueKey").asText()).isEqualTo(ScheduleTicker.uniqueKey("first-tick", tick));
        assertThat(Instant.parse(job.path("runAt").asText())).isEqualTo(tick);
        assertThat(Instant.parse(job.path("startedAt").asText())).as("never before its time").isAfterOrEqualTo(tick);
        assertThat(cluster.queryLong("""
                select count(*) from schedule_ticks
                where schedule_name = 'first-tick' and tick_at = ?::timestamptz and enqueued_at < tick_at + interval '1 second'
                """, tick.toString())).as("enqueued within a second of its time, from the first tick on").isEqualTo(1);
        delete("first-tick");
    }

    @Test
    void twoCoordinatorsSweepingTogetherEnqueueEachTickOnce() throws Exception {
        put("every5", Map.of("cron", EVERY_5, "job", Map.of("type", "tick.t", "queue", "ticks", "payload", Map.of("n", 1))));
        Instant from = instant("""
                update schedules set due_after = now() - interval '2 minutes', next_tick_at = now() - interval '2 minutes'
                where name = 'every5' returning due_after""");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<CompletableFuture<Void>> sweeps = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ScheduleTicker t = ticker(i % 2);
                sweeps.add(CompletableFuture.runAsync(() -> {
                    for (int k = 0; k < 5; k++) {
                        t.sweep();
                    }
                }, pool));
            }
            CompletableFuture.allOf(sweeps.toArray(CompletableFuture[]::new)).get();
        } finally {
            pool.shutdown();
        }
        ticker(0).enqueueDue("every5", null);
        ticker(1).enqueueDue("every5", null);
        Instant to = instant("select due_after from schedules where name = 'every5'");

        List<Instant> expected = new ArrayList<>();
        for (Instant t = from.truncatedTo(ChronoUnit.SECONDS); !t.isAfter(to); t = t.plusSeconds(1)) {
            if (t.isAfter(from) && t.getEpochSecond() % 5 == 0) {
                expected.add(t);
            }
        }
        assertThat(expected).hasSizeGreaterThanOrEqualTo(24);
        assertThat(tickTimes("every5").headSet(to, true)).as("every tick once, none skipped").containsExactlyElementsOf(expected);
        assertThat(cluster.queryLong("""
                select count(*) - count(distinct unique_key) from jobs where unique_key like 'schedule:every5:%'"""))
                .as("no tick enqueued twice").isZero();
        // Up to `to` only: the tickers, running all the while, go on enqueueing the ticks after it
        // between these queries.
        assertThat(cluster.queryLong("""
                select count(*) from schedule_ticks t join jobs j on j.id = t.job_id
                where t.schedule_name = 'every5' and j.unique_key = 'schedule:every5:'
                      || to_char(t.tick_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                  and j.run_at = t.tick_at and j.type = 'tick.t' and j.queue = 'ticks'
                  and t.tick_at <= ?::timestamptz""", to.toString()))
                .as("each tick row names its job, whose runAt is the tick time")
                .isEqualTo(cluster.queryLong("""
                        select count(*) from schedule_ticks where schedule_name = 'every5' and tick_at <= ?::timestamptz""",
                        to.toString()))
                .isEqualTo(cluster.queryLong("""
                        select count(*) from jobs where unique_key like 'schedule:every5:%' and run_at <= ?::timestamptz""",
                        to.toString()))
                .isEqualTo(expected.size());
        delete("every5");
    }

    /** After DELETE, JobRunr's ticks enqueued for the next seconds stayed queued and ran. */
    @Test
    void deleteCancelsTheJobsEnqueuedAheadThatHaveNotStarted() {
        put("ahead", Map.of("cron", EVERY_5, "job", Map.of("type", "ahead.t", "queue", "ahead")));
        cluster.execute("update schedules set due_after = now() - interval '7 seconds' where name = 'ahead'");
        ticker(0).enqueueDue("ahead", dbNow().plusSeconds(20));
        // Ticks within a second of now are left out: one may come while the DELETE is on its way.
        List<Long> ahead = ids("""
                select t.job_id from schedule_ticks t
                where t.schedule_name = 'ahead' and t.tick_at > now() + interval '1 second' order by 1""");
        List<Long> come = ids("""
                select t.job_id from schedule_ticks t where t.schedule_name = 'ahead' and t.tick_at <= now() order by 1""");
        assertThat(ahead).as("ticks of the next 20 s, enqueued ahead").hasSizeGreaterThanOrEqualTo(3);
        assertThat(come).as("a tick whose time has come").isNotEmpty();

        delete("ahead");
        for (long id : ahead) {
            JsonNode job = Jobs.get(cluster.api(1), String.valueOf(id));
            assertThat(job.path("status").asText()).isEqualTo("cancelled");
            assertThat(Jobs.eventTypes(cluster.api(1), String.valueOf(id))).containsExactly("enqueued", "cancelled");
        }
        for (long id : come) {
            assertThat(Jobs.get(cluster.api(1), String.valueOf(id)).path("status").asText())
                    .as("the job of a tick whose time had come stays").isEqualTo("queued");
        }
        long enqueued = cluster.queryLong("select count(*) from jobs where unique_key like 'schedule:ahead:%'");
        ticker(1).sweep(dbNow().plusSeconds(40));
        assertThat(cluster.queryLong("select count(*) from jobs where unique_key like 'schedule:ahead:%'"))
                .as("nothing ticks after DELETE").isEqualTo(enqueued);
        assertThat(cluster.queryLong("""
                select count(*) from jobs where unique_key like 'schedule:ahead:%' and status = 'queued' and run_at > now()"""))
                .isZero();
    }

    /**
     * A DELETE that waited for the schedule's row lock judges "ahead" after the wait: a tick
     * that came due meanwhile keeps its job (the transaction's start, now(), would cancel it).
     */
    @Test
    void aDeleteThatWaitedForTheScheduleLockKeepsTheTickThatCameDueMeanwhile() throws Exception {
        put("waited", Map.of("cron", EVERY_5, "job", Map.of("type", "waited.t", "queue", "waited")));
        cluster.execute("update schedules set due_after = now() - interval '7 seconds' where name = 'waited'");
        ticker(0).enqueueDue("waited", dbNow().plusSeconds(30));
        List<Long> ahead = ids("""
                select t.job_id from schedule_ticks t
                where t.schedule_name = 'waited' and t.tick_at > now() + interval '2 seconds' order by t.tick_at""");
        assertThat(ahead).hasSizeGreaterThanOrEqualTo(3);
        long soon = ahead.get(0);
        // That tick comes due in a moment, while the DELETE waits (moved in its row, not waited out
        // to the next multiple of 5 s).
        cluster.execute("update schedule_ticks set tick_at = clock_timestamp() + interval '300 milliseconds' where job_id = " + soon);
        try (Connection holder = cluster.sql()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("select * from schedules where name = 'waited' for update");
            CompletableFuture<Void> deleting = CompletableFuture.runAsync(() -> delete("waited"));
            assertThat(Jobs.eventually(10_000, () -> cluster.queryLong("""
                    select count(*) from pg_stat_activity where datname = current_database()
                    and wait_event_type = 'Lock' and query like '%schedules%'""") == 1)).as("the DELETE waits").isTrue();
            assertThat(Jobs.eventually(10_000, () -> cluster.queryLong(
                    "select count(*) from schedule_ticks where job_id = " + soon + " and tick_at < clock_timestamp()") == 1))
                    .isTrue();
            holder.commit();
            deleting.get();
        }
        assertThat(Jobs.get(cluster.api(1), String.valueOf(soon)).path("status").asText())
                .as("the tick that came due while the DELETE waited").isEqualTo("queued");
        for (long id : ahead.subList(1, ahead.size())) {
            assertThat(Jobs.get(cluster.api(1), String.valueOf(id)).path("status").asText()).isEqualTo("cancelled");
        }
    }

    @Test
    void aReplacedScheduleCancelsWhatItEnqueuedAheadAndTicksAgainUnderItsNewJob() {
        put("replaced", Map.of("cron", EVERY_5, "job", Map.of("type", "old.t", "queue", "replaced")));
        Instant at = dbNow().plusSeconds(20);
        ticker(0).enqueueDue("replaced", at);
        List<Long> old = ids("select job_id from schedule_ticks where schedule_name = 'replaced' and tick_at > now()");
        assertThat(old).hasSizeGreaterThanOrEqualTo(3);

        put("replaced", Map.of("cron", EVERY_5, "job", Map.of("type", "new.t", "queue", "replaced")));
        assertThat(cluster.queryLong("select count(*) from jobs where type = 'old.t' and status = 'queued' and run_at > now()"))
                .as("the old template's jobs ahead are cancelled").isZero();
        ticker(1).enqueueDue("replaced", at);
        assertThat(cluster.queryLong("""
                select count(*) from jobs j join schedule_ticks t on t.job_id = j.id
                where t.schedule_name = 'replaced' and t.tick_at > now() and (j.type <> 'new.t' or j.status <> 'queued')"""))
                .as("each tick ahead has one job, under the new template").isZero();
        long newAhead = cluster.queryLong("select count(*) from jobs where type = 'new.t' and status = 'queued'");
        assertThat(newAhead).isGreaterThanOrEqualTo(old.size() - 1);

        put("replaced", Map.of("cron", EVERY_5, "job", Map.of("type", "new.t", "queue", "replaced")));
        assertThat(cluster.queryLong("select count(*) from jobs where type = 'new.t' and status = 'queued'"))
                .as("the same PUT again cancels nothing").isEqualTo(newAhead);
        delete("replaced");
    }

    /**
     * Every coordinator was down for an hour. JobRunr's ticker enqueued only the latest tick more
     * than a minute overdue; now the schedule's catchUp decides.
     */
    @ParameterizedTest
    @ValueSource(strings = {"all", "latest", "none"})
    void afterAnOutageCatchUpDecidesWhichMissedTicksAreEnqueued(String catchUp) {
        String name = "outage-" + catchUp;
        put(name, Map.of("cron", "0 * * * * *", "catchUp", catchUp, "job", Map.of("type", "outage.t", "queue", name)));
        // The outage ended at :30 past a minute; the ticker is told it is then. The row is kept out
        // of the running tickers' sweeps (next_tick_at tomorrow) until this test has ticked it.
        Instant end = dbNow().truncatedTo(ChronoUnit.MINUTES).minusSeconds(30);
        cluster.execute("update schedules set due_after = ?::timestamptz, next_tick_at = now() + interval '1 day' where name = ?",
                end.minus(Duration.ofHours(1)).toString(), name);
        ticker(0).enqueueDue(name, end);

        List<Instant> everyMinute = new ArrayList<>();
        for (int m = 59; m >= 0; m--) {
            everyMinute.add(end.minusSeconds(30).minus(Duration.ofMinutes(m)));
        }
        List<Instant> expected = switch (catchUp) {
            case "all" -> everyMinute;
            case "latest" -> List.of(end.minusSeconds(30));
            default -> List.of();
        };
        assertThat(tickTimes(name).headSet(end, true)).containsExactlyElementsOf(expected);
        assertThat(ticker(0).enqueueDue(name, end)).as("and they are behind it, enqueued or skipped").isEmpty();
        delete(name);
    }

    @Test
    void allCatchesUpAtMostTheNewestThousandMissedTicks() {
        put("long-outage", Map.of("cron", "0 * * * * *", "job", Map.of("type", "long.t", "queue", "long-outage")));
        Instant end = dbNow().truncatedTo(ChronoUnit.MINUTES).minusSeconds(30);
        cluster.execute("update schedules set due_after = ?::timestamptz, next_tick_at = now() + interval '1 day' where name = 'long-outage'",
                end.minus(Duration.ofDays(2)).toString());
        ticker(1).enqueueDue("long-outage", end);
        TreeSet<Instant> ticks = tickTimes("long-outage");
        assertThat(ticks.headSet(end, true)).hasSize(ScheduleTicker.MOST_MISSED_TICKS);
        assertThat(ticks.first()).isEqualTo(end.minusSeconds(30).minus(Duration.ofMinutes(ScheduleTicker.MOST_MISSED_TICKS - 1)));
        delete("long-outage");
    }

    /** The old sweep stopped at the first schedule whose template no longer validated. */
    @Test
    void aScheduleThatCannotTickIsSetAsideAndTheOthersGoOn() throws Exception {
        cluster.execute("""
                insert into schedules (name, cron, timezone, job, due_after, next_tick_at) values
                    ('aaa-bad-cron', 'not a cron', 'UTC', '{"type": "t"}', now() - interval '30 seconds', now() - interval '1 hour'),
                    ('aab-bad-zone', '*/5 * * * * *', 'Mars/Olympus', '{"type": "t"}', now() - interval '30 seconds',
                     now() - interval '1 hour'),
                    ('aac-bad-job', '*/5 * * * * *', 'UTC', '{"type": "t", "maxAttempts": 0}', now() - interval '30 seconds',
                     now() - interval '1 hour')""");
        put("zzz-good", Map.of("cron", EVERY_5, "job", Map.of("type", "good.t", "queue", "good")));
        cluster.execute("""
                update schedules set due_after = now() - interval '30 seconds', next_tick_at = now() - interval '30 seconds'
                where name = 'zzz-good'""");

        assertThatCode(() -> ticker(0).sweep()).doesNotThrowAnyException();
        assertThat(Jobs.eventually(5_000, () -> tickTimes("zzz-good").size() >= 6)).as("the good schedule ticks").isTrue();
        assertThat(cluster.queryLong("""
                select count(*) from schedules where name like 'aa%' and next_tick_at > now() + interval '30 seconds'"""))
                .as("each broken schedule is set aside").isEqualTo(3);
        assertThat(cluster.queryLong("select count(*) from jobs where unique_key like 'schedule:aa%'")).isZero();
        cluster.execute("delete from schedules where name like 'aa%'");
        delete("zzz-good");
    }

    @Test
    void recurringJobsThatAnOlderBatonRegisteredForSchedulesAreRemoved() {
        JobScheduler scheduler = cluster.coordinator(1).context().getBean(JobScheduler.class);
        scheduler.<ScheduleTicker>scheduleRecurrently("legacy-nightly", "0 0 0 1 1 *", ZoneOffset.UTC,
                t -> t.fire("legacy-nightly", JobContext.Null));
        assertThat(recurringJobIds()).contains("legacy-nightly");
        ScheduleReconciler.Pass pass = cluster.coordinator(0).context().getBean(ScheduleReconciler.class).step();
        assertThat(pass.deleted()).isGreaterThanOrEqualTo(1);
        assertThat(recurringJobIds()).containsExactlyInAnyOrder(RecurringJobs.PRUNE_FINISHED_JOBS,
                RecurringJobs.EXPIRED_LEASE_SWEEP);
    }

    private static void put(String name, Map<String, Object> body) {
        Api.Resp r = cluster.api(1).put(SCHEDULES + name, Api.ADMIN, body);
        assertThat(r.status()).as(r.toString()).isIn(200, 201);
    }

    private static void delete(String name) {
        assertThat(cluster.api(0).send("DELETE", SCHEDULES + name, Api.ADMIN, null, null).status()).isEqualTo(204);
    }

    private static TreeSet<Instant> tickTimes(String schedule) {
        TreeSet<Instant> out = new TreeSet<>();
        try (Connection c = cluster.sql(); PreparedStatement ps = c.prepareStatement("""
                select substring(unique_key from length(?) + 1) from jobs where unique_key like ? || '%'""")) {
            ps.setString(1, "schedule:" + schedule + ":");
            ps.setString(2, "schedule:" + schedule + ":");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(Instant.parse(rs.getString(1)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static List<Long> ids(String sql) {
        try (Connection c = cluster.sql(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            List<Long> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant instant(String sql) {
        try (Connection c = cluster.sql(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant dbNow() {
        return instant("select now()");
    }

    private static List<String> recurringJobIds() {
        return cluster.coordinator(1).context().getBean(StorageProvider.class).getRecurringJobs().stream()
                .map(r -> r.getId()).sorted().toList();
    }
}
