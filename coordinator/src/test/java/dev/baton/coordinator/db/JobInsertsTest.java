package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.check;
import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static dev.baton.coordinator.db.MigratedDatabase.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The insert guarded by the unique key inserts unless a queued or running job of the same queue
 * holds the key, and then inserts nothing; every insert writes its enqueued event and takes its
 * due time from the database's clock.
 */
class JobInsertsTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    static final JobInserts inserts = new JobInserts();

    private static NewJob job(String queue, String uniqueKey, Instant runAt, long delayMs) {
        return new NewJob(queue, "test", "{\"n\": 1}", 3, runAt, delayMs, 4, uniqueKey, "{\"team\": \"a\"}", 60,
                Job.Backoff.DEFAULT);
    }

    private long count(String queue) throws SQLException {
        return (Long) value(db.c, "select count(*) from jobs where queue = ?", queue);
    }

    @Test
    void insertUnlessActiveDuplicateInsertsOnlyWhileNoActiveJobOfTheQueueHoldsTheKey() throws SQLException {
        Job first = inserts.insertUnlessActiveDuplicate(db.c, job("uniq", "k", null, 0));
        assertThat(first.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(first.priority()).isEqualTo(3);
        assertThat(db.events(Long.parseLong(first.id()))).containsExactly("enqueued");
        assertThat(inserts.insertUnlessActiveDuplicate(db.c, job("uniq", "k", null, 0))).as("held by a queued job")
                .isNull();
        exec(db.c, "update jobs set status = 'running', lease_token = 't', lease_expires_at = now() + interval '1 minute'"
                + " where id = ?", Long.parseLong(first.id()));
        assertThat(inserts.insertUnlessActiveDuplicate(db.c, job("uniq", "k", null, 0))).as("held by a running job")
                .isNull();
        assertThat(count("uniq")).isEqualTo(1);
        assertThat(inserts.findActiveByUniqueKey(db.c, "uniq", "k").id()).isEqualTo(first.id());

        assertThat(inserts.insertUnlessActiveDuplicate(db.c, job("uniq-other", "k", null, 0)))
                .as("the same key in another queue").isNotNull();
        exec(db.c, "update jobs set status = 'succeeded', lease_token = null, lease_expires_at = null,"
                + " finished_at = now() where id = ?", Long.parseLong(first.id()));
        assertThat(inserts.findActiveByUniqueKey(db.c, "uniq", "k")).as("a finished job holds no key").isNull();
        Job again = inserts.insertUnlessActiveDuplicate(db.c, job("uniq", "k", null, 0));
        assertThat(again).as("the key is free once its job finished").isNotNull();
        assertThat(again.id()).isNotEqualTo(first.id());
    }

    @Test
    void bothInsertsStoreTheTraceContextAndAnswerIt() throws SQLException {
        String parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        Job one = inserts.insertUnlessActiveDuplicate(db.c, job("traced", null, null, 0).withTrace(parent, "a=1"));
        assertThat(one.traceparent()).isEqualTo(parent);
        assertThat(one.tracestate()).isEqualTo("a=1");
        List<Job> each = inserts.insertEach(db.c, List.of(job("traced", null, null, 0).withTrace(parent, null),
                job("traced", null, null, 0)));
        assertThat(each).extracting(Job::traceparent).containsExactly(parent, null);
        assertThat(each).extracting(Job::tracestate).containsExactly(null, null);
        assertThat(value(db.c, "select traceparent from jobs where id = ?", Long.parseLong(each.get(0).id())))
                .isEqualTo(parent);
    }

    @Test
    void theDueTimeIsTheGivenOneOrTheDelayOnTheDatabaseClock() throws SQLException {
        Instant at = Instant.parse("2100-01-01T00:00:00Z");
        db.inOneTransaction(() -> {
            Job delayed = inserts.insertUnlessActiveDuplicate(db.c, job("due", null, null, 90_000));
            assertThat(check(db.c, "select run_at = now() + interval '90 s' from jobs where id = ?",
                    Long.parseLong(delayed.id()))).isTrue();
            List<Job> each = inserts.insertEach(db.c, List.of(job("due", null, null, 1_500), job("due", null, at, 0)));
            assertThat(check(db.c, "select run_at = now() + interval '1.5 s' from jobs where id = ?",
                    Long.parseLong(each.get(0).id()))).isTrue();
            assertThat(each.get(1).runAt()).isEqualTo(at);
        });
    }

    @Test
    void insertEachInsertsEveryJobInOrderWithItsEventAndTakesNoUniqueKeys() throws SQLException {
        List<Job> done = inserts.insertEach(db.c, List.of(job("each", null, null, 0), job("each-b", null, null, 0),
                job("each", null, null, 0)));
        assertThat(done).extracting(Job::queue).containsExactly("each", "each-b", "each");
        assertThat(Long.parseLong(done.get(0).id())).isLessThan(Long.parseLong(done.get(1).id()));
        assertThat(Long.parseLong(done.get(1).id())).isLessThan(Long.parseLong(done.get(2).id()));
        assertThat(done.get(2).labels()).containsEntry("team", "a");
        for (Job j : done) {
            assertThat(db.events(Long.parseLong(j.id()))).containsExactly("enqueued");
        }
        assertThatThrownBy(() -> inserts.insertEach(db.c, List.of(job("each-k", null, null, 0),
                job("each-k", "k", null, 0)))).isInstanceOf(IllegalArgumentException.class);
        assertThat(count("each-k")).isZero();
    }
}
