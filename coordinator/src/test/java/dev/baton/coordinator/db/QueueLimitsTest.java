package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.awaitWaitingOnLock;
import static dev.baton.coordinator.db.MigratedDatabase.backendPid;
import static dev.baton.coordinator.db.MigratedDatabase.committed;
import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static dev.baton.coordinator.db.MigratedDatabase.inBackground;
import static dev.baton.coordinator.db.MigratedDatabase.queryLong;
import static dev.baton.coordinator.db.MigratedDatabase.race;
import static dev.baton.coordinator.db.MigratedDatabase.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link QueueLimits} on a real database: a paused queue starts nothing, a capped one no more
 * than its cap minus what runs, a paced one no more than its {@link StartRate} allows, and the
 * pacing state moves only when jobs started; under the queue's row lock, so two claims of one
 * queue never together pass its limit. The claim itself is a plain statement of this test.
 */
@Timeout(60) // a guard broken into a lock wait fails the test instead of hanging the build
class QueueLimitsTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    final QueueLimits limits = new QueueLimits();

    /** A queue with {@code queued} jobs waiting and a row of {@code settings} (null: no row). */
    private static String queue(int queued, String settings) throws SQLException {
        String q = db.unique("limits");
        if (queued > 0) {
            db.insert(queued, q, JobStatus.QUEUED);
        }
        if (settings != null) {
            exec(db.c, "insert into queues (name, paused, max_running, rate_per_second, rate_paced_until) values (?, "
                    + settings + ")", q);
        }
        return q;
    }

    /** Starts up to {@code room} queued jobs of the queue, oldest first, and notes the room it was given. */
    private static QueueLimits.Claim claim(Connection on, String queue, List<Integer> asked) {
        return room -> {
            asked.add(room);
            List<Job> started = new ArrayList<>();
            for (Map<String, String> r : rows(on, """
                    update jobs set status = 'running', attempt = attempt + 1, started_at = statement_timestamp(),
                                    lease_token = gen_random_uuid()::text, lease_expires_at = now() + interval '1 minute',
                                    version = version + 1
                    where id in (select id from jobs where queue = ? and status = 'queued' order by id limit ?
                                 for update skip locked)
                    returning id, extract(epoch from started_at) * 1000000 as micros""", queue, room)) {
                Instant startedAt = Instant.EPOCH.plus(Math.round(Double.parseDouble(r.get("micros"))), ChronoUnit.MICROS);
                started.add(new Job(r.get("id"), queue, "test", null, 0, JobStatus.RUNNING, 1, 5, null, null, null,
                        startedAt, null, 2, null, null, null, null, null, Map.of(), 3600, null, null, null, null));
            }
            return started;
        };
    }

    private List<Job> claimWithinLimits(Connection on, String queue, int wanted, List<Integer> asked) throws SQLException {
        return limits.claimWithinLimits(on, queue, wanted, claim(on, queue, asked));
    }

    private static long running(String queue) throws SQLException {
        return queryLong(db.c, "select count(*) from jobs where queue = ? and status = 'running'", queue);
    }

    private static List<Object> everything(String queue) throws SQLException {
        return List.of(rows(db.c, "select * from queues where name = ?", queue),
                rows(db.c, "select * from jobs where queue = ? order by id", queue));
    }

    @Test
    void aQueueWithoutARowIsNotLimited() throws SQLException {
        String q = queue(3, null);
        List<Integer> asked = new ArrayList<>();
        assertThat(claimWithinLimits(db.c, q, 7, asked)).hasSize(3);
        assertThat(asked).containsExactly(7);
    }

    @Test
    void aPausedQueueStartsNothing() throws SQLException {
        for (String settings : new String[] {"true, null, null, null", "true, 10, 5.0, null"}) {
            String q = queue(3, settings);
            List<Object> before = everything(q);
            List<Integer> asked = new ArrayList<>();
            assertThat(claimWithinLimits(db.c, q, 3, asked)).isEmpty();
            assertThat(asked).as("no claim").isEmpty();
            assertThat(everything(q)).isEqualTo(before);
        }
        String unpaused = queue(3, "false, null, null, null");
        assertThat(claimWithinLimits(db.c, unpaused, 2, new ArrayList<>())).hasSize(2);
    }

    @Test
    void aCappedQueueStartsUpToItsCapMinusWhatRuns() throws SQLException {
        String q = queue(5, "false, 3, null, null");
        db.insert(q, JobStatus.RUNNING);
        List<Integer> asked = new ArrayList<>();
        assertThat(claimWithinLimits(db.c, q, 1, asked)).hasSize(1);
        assertThat(claimWithinLimits(db.c, q, 5, asked)).hasSize(1);
        assertThat(asked).containsExactly(1, 1);
        assertThat(running(q)).isEqualTo(3);
        List<Object> before = everything(q);
        assertThat(claimWithinLimits(db.c, q, 5, asked)).as("at its cap").isEmpty();
        assertThat(asked).hasSize(2);
        assertThat(everything(q)).isEqualTo(before);
        exec(db.c, "update jobs set status = 'succeeded', lease_token = null, lease_expires_at = null where id = "
                + "(select min(id) from jobs where queue = ? and status = 'running')", q);
        assertThat(claimWithinLimits(db.c, q, 5, asked)).as("a slot back as a job leaves running").hasSize(1);
        String zero = queue(2, "false, 0, null, null");
        assertThat(claimWithinLimits(db.c, zero, 2, asked)).as("a cap of 0").isEmpty();
        assertThat(running(zero)).isZero();
    }

    @Test
    void aPacedQueueStartsAsItsRateAllowsAndPaysForWhatStarted() throws SQLException {
        String q = queue(5, "false, null, 2.0, null");
        List<Integer> asked = new ArrayList<>();
        List<Job> started = claimWithinLimits(db.c, q, 5, asked);
        assertThat(asked).as("an idle queue: a burst of floor(2.0)").containsExactly(2);
        long startedAt = ChronoUnit.MICROS.between(Instant.EPOCH, started.get(1).startedAt());
        assertThat(pacedUntil(q)).isEqualTo(StartRate.of(2.0).pacedUntilAfter(null, startedAt, 2))
                .isEqualTo(startedAt + 1_000_000);

        String owing = queue(3, "false, null, 2.0, now() + interval '1 hour'");
        List<Object> before = everything(owing);
        assertThat(claimWithinLimits(db.c, owing, 3, asked)).as("paid up an hour ahead").isEmpty();
        assertThat(asked).hasSize(1);
        assertThat(everything(owing)).isEqualTo(before);

        String paidUp = queue(3, "false, null, 2.0, now() - interval '1 second'");
        assertThat(claimWithinLimits(db.c, paidUp, 3, asked)).hasSize(2);

        String empty = queue(0, "false, null, 2.0, now() - interval '1 second'");
        before = everything(empty);
        assertThat(claimWithinLimits(db.c, empty, 3, asked)).as("nothing queued").isEmpty();
        assertThat(everything(empty)).as("nothing started, nothing owed").isEqualTo(before);
    }

    @Test
    void aCappedAndPacedQueueTakesTheSmallerRoom() throws SQLException {
        String q = queue(20, "false, 4, 10.0, null");
        List<Integer> asked = new ArrayList<>();
        claimWithinLimits(db.c, q, 20, asked);
        String paced = queue(20, "false, 40, 3.0, null");
        claimWithinLimits(db.c, paced, 20, asked);
        assertThat(asked).containsExactly(4, 3);
    }

    private static long pacedUntil(String queue) throws SQLException {
        return queryLong(db.c, "select (extract(epoch from rate_paced_until) * 1000000)::bigint from queues where name = ?",
                queue);
    }

    @Test
    void aSecondClaimWaitsForTheQueueLockAndCountsWhatTheFirstStarted() throws Exception {
        String q = queue(2, "false, 1, null, null");
        try (Connection first = db.connect(); Connection second = db.connect()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            AtomicReference<CompletableFuture<List<Job>>> secondClaim = new AtomicReference<>();
            int secondPid = backendPid(second);
            List<Job> firstStarted = limits.claimWithinLimits(first, q, 1, room -> {
                // The first holds the queue's lock and has counted its room; now the second claims.
                secondClaim.set(inBackground(() -> committed(second, claimWithinLimits(second, q, 1, new ArrayList<>()))));
                try {
                    awaitWaitingOnLock(db.c, secondPid, secondClaim.get());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return claim(first, q, new ArrayList<>()).claim(room);
            });
            assertThat(secondClaim.get()).as("the second waits for the queue's lock").isNotDone();
            first.commit();
            assertThat(firstStarted).hasSize(1);
            assertThat(secondClaim.get().get()).as("the cap is taken").isEmpty();
        }
        assertThat(running(q)).isEqualTo(1);
    }

    @Test
    void ofTwoClaimsRacingForTheLastSlotExactlyOneStarts() throws Exception {
        try (Connection one = db.connect(); Connection two = db.connect()) {
            one.setAutoCommit(false);
            two.setAutoCommit(false);
            for (int round = 0; round < 10; round++) {
                String capped = queue(4, "false, 1, null, null");
                String paced = queue(4, "false, null, 0.01, null");
                for (String q : List.of(capped, paced)) {
                    List<List<Job>> started = race(() -> committed(one, claimWithinLimits(one, q, 2, new ArrayList<>())),
                            () -> committed(two, claimWithinLimits(two, q, 2, new ArrayList<>())));
                    assertThat(started.get(0).size() + started.get(1).size()).as("round %d, %s", round, q).isEqualTo(1);
                    assertThat(running(q)).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void theLimitedQueuesAreThoseWithACapOrARateAndNotPausedInNameOrder() throws SQLException {
        String capped = queue(0, "false, 1, null, null");
        String paced = queue(0, "false, null, 1.0, null");
        String plain = queue(0, "false, null, null, null");
        String paused = queue(0, "true, 1, 1.0, null");
        Db pool = new Db(db.pool());
        assertThat(new QueueLimits().limited(pool, List.of(paused, plain, paced, "no-row", capped)))
                .containsExactly(capped, paced);
        assertThat(new QueueLimits().limited(pool, List.of())).isEmpty();
    }
}
