package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static dev.baton.coordinator.db.MigratedDatabase.queryLong;
import static dev.baton.coordinator.db.MigratedDatabase.race;
import static dev.baton.coordinator.db.MigratedDatabase.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.common.JobStatus;
import dev.baton.coordinator.db.ScheduleRepository.Row;
import dev.baton.coordinator.db.ScheduleRepository.Upserted;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The guarded statements of {@link ScheduleRepository} on a real database: what a PUT does to
 * the ticks (due_after restarts, goes back or stays), which schedules are due by next_tick_at,
 * the lock of one tick pass at a time, due_after only moving forward, the exactly-once tick, and
 * the cancel of what was enqueued ahead; each both where it applies and where it changes nothing.
 */
@Timeout(60) // a guard broken into a lock wait fails the test instead of hanging the build
class ScheduleRepositoryTest {
    static final String EVERY_MINUTE = "0 * * * * *";
    static final String JOB = "{\"queue\": \"q\", \"type\": \"t\"}";
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    final ScheduleRepository repo = new ScheduleRepository();

    private Row created() throws SQLException {
        Upserted u = repo.upsert(db.c, db.unique("s"), EVERY_MINUTE, "UTC", "all", JOB);
        assertThat(u.created()).isTrue();
        return u.row();
    }

    private static void set(String name, String column, String fromNow) throws SQLException {
        exec(db.c, "update schedules set " + column + " = now() + ?::interval where name = ?", fromNow, name);
    }

    private static List<Map<String, String>> schedule(String name) throws SQLException {
        return rows(db.c, "select * from schedules where name = ?", name);
    }

    // --- a PUT ---

    @Test
    void aNewScheduleTicksFromNow() throws SQLException {
        Row row = created();
        assertThat(row.dueAfter()).isEqualTo(row.now());
        assertThat(row.nextTickAt()).isEqualTo(row.now());
        assertThat(row.createdAt()).isEqualTo(row.now());
        assertThat(repo.find(db.c, row.name())).isNotNull();
        assertThat(repo.find(db.c, "no-such")).isNull();
    }

    @Test
    void aPutOfTheSameValuesKeepsDueAfterAndLooksAgainNow() throws SQLException {
        Row row = created();
        set(row.name(), "due_after", "1 hour");
        set(row.name(), "next_tick_at", "2 hours");
        Instant dueAfter = repo.find(db.c, row.name()).dueAfter();
        Upserted again = repo.upsert(db.c, row.name(), EVERY_MINUTE, "UTC", "all", JOB);
        assertThat(again.created()).isFalse();
        assertThat(again.row().dueAfter()).as("ticks enqueued ahead stay enqueued").isEqualTo(dueAfter);
        assertThat(again.row().nextTickAt()).isEqualTo(again.row().now());
        assertThat(again.row().createdAt()).isEqualTo(row.createdAt());
        Upserted catchUp = repo.upsert(db.c, row.name(), EVERY_MINUTE, "UTC", "none", "{\"type\": \"t\", \"queue\": \"q\"}");
        assertThat(catchUp.row().dueAfter()).as("catchUp, and the same job written otherwise, change no tick")
                .isEqualTo(dueAfter);
        assertThat(catchUp.row().catchUp()).isEqualTo("none");
    }

    @Test
    void aNewCronOrTimezoneRestartsTheTicksFromNow() throws SQLException {
        for (String[] change : new String[][] {{"0 0 * * * *", "UTC"}, {EVERY_MINUTE, "Europe/Paris"}}) {
            for (String dueAfter : new String[] {"1 hour", "-1 hour"}) {
                Row row = created();
                set(row.name(), "due_after", dueAfter);
                Row put = repo.upsert(db.c, row.name(), change[0], change[1], "all", JOB).row();
                assertThat(put.dueAfter()).as("%s %s from due_after now() + %s", change[0], change[1], dueAfter)
                        .isEqualTo(put.now());
            }
        }
    }

    @Test
    void aNewJobTemplateTakesOverFromTheTicksNotYetCome() throws SQLException {
        Row ahead = created();
        set(ahead.name(), "due_after", "1 hour");
        Row put = repo.upsert(db.c, ahead.name(), EVERY_MINUTE, "UTC", "all", "{\"queue\": \"q\", \"type\": \"u\"}").row();
        assertThat(put.dueAfter()).as("back to now: the ticks ahead are enqueued again").isEqualTo(put.now());
        Row behind = created();
        set(behind.name(), "due_after", "-1 hour");
        Instant dueAfter = repo.find(db.c, behind.name()).dueAfter();
        put = repo.upsert(db.c, behind.name(), EVERY_MINUTE, "UTC", "all", "{\"queue\": \"q\", \"type\": \"u\"}").row();
        assertThat(put.dueAfter()).as("ticks already come are not enqueued twice").isEqualTo(dueAfter);
    }

    @Test
    void lockAndCompareSaysWhetherAPutChangesWhatTheTicksEnqueue() throws SQLException {
        Row row = created();
        assertThat(repo.lockAndCompare(db.c, row.name(), EVERY_MINUTE, "UTC", JOB)).isFalse();
        assertThat(repo.lockAndCompare(db.c, row.name(), EVERY_MINUTE, "UTC", "{\"type\":\"t\",\"queue\":\"q\"}"))
                .as("the same JSON written otherwise").isFalse();
        assertThat(repo.lockAndCompare(db.c, row.name(), "0 0 * * * *", "UTC", JOB)).isTrue();
        assertThat(repo.lockAndCompare(db.c, row.name(), EVERY_MINUTE, "Europe/Paris", JOB)).isTrue();
        assertThat(repo.lockAndCompare(db.c, row.name(), EVERY_MINUTE, "UTC", "{\"queue\": \"q\", \"type\": \"u\"}")).isTrue();
        assertThat(repo.lockAndCompare(db.c, "no-such", EVERY_MINUTE, "UTC", JOB)).isNull();
    }

    // --- what is due, and one tick pass at a time ---

    @Test
    void namesDueByNextTickAtPlusTheLookaheadSoonestFirst() throws SQLException {
        exec(db.c, "delete from schedules");
        Row late = created();
        Row soon = created();
        Row later = created();
        set(late.name(), "next_tick_at", "10 minutes");
        set(soon.name(), "next_tick_at", "-1 hour");
        set(later.name(), "next_tick_at", "1 hour");
        assertThat(repo.namesDueBy(db.c, null, Duration.ZERO, 10)).containsExactly(soon.name());
        assertThat(repo.namesDueBy(db.c, null, Duration.ofMinutes(30), 10)).containsExactly(soon.name(), late.name());
        assertThat(repo.namesDueBy(db.c, null, Duration.ofMinutes(30), 1)).containsExactly(soon.name());
        assertThat(repo.namesDueBy(db.c, null, Duration.ofMinutes(30), 0)).isEmpty();
        Instant at = repo.find(db.c, later.name()).nextTickAt();
        assertThat(repo.namesDueBy(db.c, at, Duration.ZERO, 10)).as("as of an instant, due at it")
                .containsExactly(soon.name(), late.name(), later.name());
        assertThat(repo.namesDueBy(db.c, at.minusNanos(1000), Duration.ZERO, 10)).as("one microsecond before")
                .containsExactly(soon.name(), late.name());
    }

    @Test
    void lockIfDueTakesADueScheduleThatNoPassHolds() throws Exception {
        Row row = created();
        set(row.name(), "next_tick_at", "10 minutes");
        Duration lookahead = Duration.ofMinutes(30);
        assertThat(repo.lockIfDue(db.c, row.name(), null, Duration.ofMinutes(5))).as("not due yet").isNull();
        assertThat(repo.lockIfDue(db.c, row.name(), null, lookahead)).as("due within the lookahead").isNotNull();
        assertThat(repo.lockIfDue(db.c, "no-such", null, lookahead)).isNull();
        Instant at = repo.find(db.c, row.name()).nextTickAt();
        assertThat(repo.lockIfDue(db.c, row.name(), at, Duration.ZERO)).as("due as of its next tick").isNotNull();
        assertThat(repo.lockIfDue(db.c, row.name(), at.minusNanos(1000), Duration.ZERO)).as("a microsecond before").isNull();
        try (Connection holder = db.connect()) {
            holder.setAutoCommit(false);
            assertThat(repo.findForTick(holder, row.name())).isNotNull();
            assertThat(repo.lockIfDue(db.c, row.name(), null, lookahead)).as("another pass holds it").isNull();
            holder.rollback();
        }
        assertThat(repo.lockIfDue(db.c, row.name(), null, lookahead)).as("released").isNotNull();
    }

    @Test
    void ofTwoPassesOnADueScheduleExactlyOneTicksIt() throws Exception {
        try (Connection one = db.connect(); Connection two = db.connect()) {
            one.setAutoCommit(false);
            two.setAutoCommit(false);
            for (int round = 0; round < 10; round++) {
                Row row = created();
                // Both hold their transaction open until both have looked, as two passes would while they tick.
                CyclicBarrier looked = new CyclicBarrier(2);
                List<Boolean> took = race(() -> lockThenWait(one, row.name(), looked),
                        () -> lockThenWait(two, row.name(), looked));
                assertThat(took).as("round %d", round).containsExactlyInAnyOrder(true, false);
            }
        }
    }

    private boolean lockThenWait(Connection on, String name, CyclicBarrier looked) throws Exception {
        boolean took = repo.lockIfDue(on, name, null, Duration.ZERO) != null;
        looked.await(10, TimeUnit.SECONDS);
        on.rollback();
        return took;
    }

    @Test
    void dueAfterOnlyMovesForward() throws SQLException {
        Row row = created();
        Instant later = row.now().plusSeconds(60);
        Instant nextTick = row.now().plusSeconds(120);
        repo.advance(db.c, row.name(), later, nextTick);
        assertThat(repo.find(db.c, row.name())).satisfies(r -> {
            assertThat(r.dueAfter()).isEqualTo(later);
            assertThat(r.nextTickAt()).isEqualTo(nextTick);
        });
        Instant nextAgain = row.now().plusSeconds(30);
        repo.advance(db.c, row.name(), row.now(), nextAgain);
        assertThat(repo.find(db.c, row.name())).satisfies(r -> {
            assertThat(r.dueAfter()).as("an earlier due_after is ignored").isEqualTo(later);
            assertThat(r.nextTickAt()).as("next_tick_at is set as given").isEqualTo(nextAgain);
        });
        List<Map<String, String>> before = schedule(row.name());
        repo.advance(db.c, "no-such", later, nextTick);
        assertThat(schedule(row.name())).isEqualTo(before);
    }

    @Test
    void aPostponedScheduleIsNotDueUntilItsDelayPassed() throws SQLException {
        Row row = created();
        // In one transaction now() stands still: the delay is exact.
        db.inOneTransactionRolledBack(() -> {
            repo.postpone(db.c, row.name(), Duration.ofMillis(60_001));
            Row postponed = repo.find(db.c, row.name());
            assertThat(postponed.nextTickAt()).isEqualTo(postponed.now().plusMillis(60_001));
            assertThat(postponed.dueAfter()).as("its due ticks stay due").isEqualTo(row.dueAfter());
            assertThat(repo.namesDueBy(db.c, null, Duration.ofMillis(60_000), 1000)).doesNotContain(row.name());
            assertThat(repo.namesDueBy(db.c, null, Duration.ofMillis(60_001), 1000)).contains(row.name());
        });
    }

    // --- ticks ---

    @Test
    void aTickIsRecordedOnce() throws Exception {
        Row row = created();
        Instant tick = row.now().plusSeconds(1);
        assertThat(repo.insertTickUnlessRecorded(db.c, row.name(), tick)).isTrue();
        List<Map<String, String>> before = rows(db.c, "select * from schedule_ticks where schedule_name = ?", row.name());
        assertThat(repo.insertTickUnlessRecorded(db.c, row.name(), tick)).isFalse();
        assertThat(rows(db.c, "select * from schedule_ticks where schedule_name = ?", row.name())).isEqualTo(before);
        assertThat(repo.insertTickUnlessRecorded(db.c, row.name(), tick.plusNanos(1000))).as("the next microsecond").isTrue();
        long job = db.insert("q", JobStatus.QUEUED);
        repo.setTickJob(db.c, row.name(), tick, job);
        assertThat(queryLong(db.c, "select job_id from schedule_ticks where schedule_name = ? and tick_at = ?",
                row.name(), tick.atOffset(ZoneOffset.UTC))).isEqualTo(job);
        try (Connection one = db.connect(); Connection two = db.connect()) {
            for (int round = 0; round < 10; round++) {
                Instant t = tick.plusSeconds(60 + round);
                assertThat(race(() -> repo.insertTickUnlessRecorded(one, row.name(), t),
                        () -> repo.insertTickUnlessRecorded(two, row.name(), t)))
                        .as("round %d", round).containsExactlyInAnyOrder(true, false);
            }
        }
    }

    @Test
    void aReplacedScheduleCancelsOnlyItsQueuedJobsOfTicksAhead() throws SQLException {
        Row row = created();
        Row other = created();
        long ahead = tick(row.name(), "1 hour", JobStatus.QUEUED);
        long aheadRunning = tick(row.name(), "2 hours", JobStatus.RUNNING);
        long come = tick(row.name(), "-1 second", JobStatus.QUEUED);
        long othersAhead = tick(other.name(), "1 hour", JobStatus.QUEUED);
        List<Object> untouched = everything(aheadRunning, come, othersAhead);
        assertThat(repo.cancelTicksAhead(db.c, row.name(), "schedule replaced", "env:admin#1")).isEqualTo(1); // its actor too
        assertThat(rows(db.c, "select status, version, finished_at is not null as f from jobs where id = ?", ahead))
                .containsExactly(Map.of("status", "cancelled", "version", "2", "f", "true"));
        assertThat(rows(db.c, "select type, from_status, to_status, detail::text, actor from job_events where job_id = ?",
                ahead)).containsExactly(Map.of("type", "cancelled", "from_status", "queued", "to_status", "cancelled",
                        "detail", "{\"reason\": \"schedule replaced\"}", "actor", "env:admin#1"));
        assertThat(queryLong(db.c, "select count(*) from schedule_ticks where job_id = ?", ahead))
                .as("its tick is forgotten, to be enqueued again").isZero();
        assertThat(everything(aheadRunning, come, othersAhead)).isEqualTo(untouched);
        assertThat(repo.cancelTicksAhead(db.c, row.name(), "again", "env:admin#1")).as("nothing left to cancel").isZero();
        assertThat(repo.cancelTicksAhead(db.c, "no-such", "none", "env:admin#1")).isZero();
    }

    /** A job of {@code status} enqueued for the schedule's tick at now() + {@code fromNow}. */
    private static long tick(String name, String fromNow, JobStatus status) throws SQLException {
        long job = db.insert("q", status);
        exec(db.c, "insert into schedule_ticks (schedule_name, tick_at, job_id) values (?, now() + ?::interval, ?)",
                name, fromNow, job);
        return job;
    }

    private static List<Object> everything(long... jobs) throws SQLException {
        List<Object> out = new ArrayList<>();
        for (long id : jobs) {
            out.add(rows(db.c, "select * from jobs where id = ?", id));
            out.add(rows(db.c, "select * from job_events where job_id = ?", id));
            out.add(rows(db.c, "select * from schedule_ticks where job_id = ?", id));
        }
        return out;
    }

    @Test
    void aDeletedScheduleTakesItsTicksAndLeavesItsJobs() throws SQLException {
        Row row = created();
        long job = tick(row.name(), "1 hour", JobStatus.QUEUED);
        List<Map<String, String>> jobBefore = rows(db.c, "select * from jobs where id = ?", job);
        assertThat(repo.delete(db.c, row.name())).isTrue();
        assertThat(repo.find(db.c, row.name())).isNull();
        assertThat(queryLong(db.c, "select count(*) from schedule_ticks where schedule_name = ?", row.name())).isZero();
        assertThat(rows(db.c, "select * from jobs where id = ?", job)).isEqualTo(jobBefore);
        assertThat(repo.delete(db.c, row.name())).as("already gone").isFalse();
        assertThat(repo.list(db.c)).extracting(Row::name).doesNotContain(row.name()).allMatch(Objects::nonNull);
    }
}
