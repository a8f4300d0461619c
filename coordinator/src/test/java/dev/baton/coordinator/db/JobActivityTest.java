package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.baton.common.JobStatus;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The overview's minutes: starts per minute of jobs running or finished, with their waits from
 * due, and finishes per minute by status and error type, only from the minute asked for on.
 */
class JobActivityTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    static final JobActivity activity = new JobActivity();

    @BeforeEach
    void empty() throws SQLException {
        exec(db.c, "delete from jobs");
        // Minutes are the same in a zone 5 h 45 min off UTC.
        exec(db.c, "set time zone 'Asia/Kathmandu'");
    }

    @Test
    void startsAreCountedPerMinuteAcrossQueuesWithTheirWaitFromDue() throws SQLException {
        Instant now = activity.nowMinute(db.c);
        Instant tenAgo = now.minus(10, ChronoUnit.MINUTES);
        long a1 = db.insert("a", JobStatus.RUNNING);
        long a2 = db.insert("a", JobStatus.SUCCEEDED);
        long b = db.insert("b", JobStatus.FAILED);
        long early = db.insert("b", JobStatus.RUNNING);
        long future = db.insert("c", JobStatus.RUNNING);
        long retrying = db.insert("c", JobStatus.QUEUED);
        int wait = 1;
        for (long id : List.of(a1, a2, b)) {
            exec(db.c, "update jobs set started_at = ?::timestamptz + interval '5 seconds', "
                    + "run_at = ?::timestamptz + interval '5 seconds' - make_interval(secs => ?) where id = ?",
                    tenAgo.toString(), tenAgo.toString(), wait++, id);
        }
        exec(db.c, "update jobs set started_at = ?::timestamptz - interval '1 second' where id = ?", tenAgo.toString(), early);
        // Started in the window, failed, waiting for its retry: neither running nor finished.
        exec(db.c, "update jobs set started_at = ?::timestamptz + interval '5 seconds' where id = ?", tenAgo.toString(), retrying);
        // Due after it started (a runAt edited later): no negative wait.
        exec(db.c, "update jobs set started_at = ?::timestamptz, run_at = ?::timestamptz + interval '1 hour' where id = ?",
                now.toString(), now.toString(), future);

        List<JobActivity.Started> started = activity.startedSince(db.c, tenAgo);

        assertThat(started).extracting(JobActivity.Started::minute).containsExactlyInAnyOrder(tenAgo, now);
        JobActivity.Started ten = started.stream().filter(s -> s.minute().equals(tenAgo)).findFirst().orElseThrow();
        assertThat(ten.count()).as("the starts of that minute running or finished, not the one just before it nor the one awaiting its retry").isEqualTo(3);
        assertThat(ten.meanWaitSeconds()).isCloseTo(2.0, within(1e-6));
        assertThat(ten.p95WaitSeconds()).isCloseTo(2.9, within(1e-6));
        JobActivity.Started last = started.stream().filter(s -> s.minute().equals(now)).findFirst().orElseThrow();
        assertThat(last.meanWaitSeconds()).isZero();
    }

    @Test
    void finishesAreCountedPerMinuteByStatusAndFailuresByErrorType() throws SQLException {
        Instant now = activity.nowMinute(db.c);
        Instant five = now.minus(5, ChronoUnit.MINUTES);
        List<Long> ok = db.insert(3, "a", JobStatus.SUCCEEDED);
        List<Long> failed = db.insert(3, "a", JobStatus.FAILED);
        db.insert("b", JobStatus.CANCELLED);
        long old = db.insert("b", JobStatus.SUCCEEDED);
        exec(db.c, "update jobs set finished_at = ?::timestamptz + interval '30 seconds'", five.toString());
        exec(db.c, "update jobs set finished_at = ?::timestamptz - interval '1 second' where id = ?", five.toString(), old);
        exec(db.c, "update jobs set last_error = '{\"type\": \"io.Timeout\", \"message\": \"m\"}' where id in (?, ?)",
                failed.get(0), failed.get(1));
        exec(db.c, "update jobs set last_error = '{\"message\": \"no type\"}' where id = ?", failed.get(2));
        exec(db.c, "update jobs set last_error = '{\"type\": \"ignored\"}' where id = ?", ok.get(0));

        List<JobActivity.Finished> finished = activity.finishedSince(db.c, five);

        assertThat(finished).containsExactlyInAnyOrder(
                new JobActivity.Finished(five, "succeeded", "", 3),
                new JobActivity.Finished(five, "failed", "io.Timeout", 2),
                new JobActivity.Finished(five, "failed", "", 1),
                new JobActivity.Finished(five, "cancelled", "", 1));
    }
}
