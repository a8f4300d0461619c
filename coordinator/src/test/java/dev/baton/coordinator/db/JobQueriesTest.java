package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static dev.baton.coordinator.db.MigratedDatabase.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Responses.Event;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The reads: one job, its events page by page, the admin list's filters, running jobs per worker. */
class JobQueriesTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    static final JobQueries queries = new JobQueries();

    @Test
    void findAndExistsSeeAJobAndOnlyThatJob() throws SQLException {
        long id = db.insert("read", JobStatus.RUNNING);
        Job job = queries.find(db.c, id);
        assertThat(job.id()).isEqualTo(Long.toString(id));
        assertThat(job.lease().workerId()).isEqualTo("w1");
        assertThat(queries.exists(db.c, id)).isTrue();
        assertThat(queries.find(db.c, Long.MAX_VALUE)).isNull();
        assertThat(queries.exists(db.c, Long.MAX_VALUE)).isFalse();
    }

    @Test
    void eventsArePagedAfterAnEventIdInIdOrder() throws SQLException {
        long id = db.insert("read", JobStatus.QUEUED);
        long other = db.insert("read", JobStatus.QUEUED);
        for (String type : List.of("enqueued", "updated", "cancelled")) {
            exec(db.c, "insert into job_events (job_id, type, attempt) values (?, ?, 0)", id, type);
            exec(db.c, "insert into job_events (job_id, type, attempt) values (?, 'enqueued', 0)", other);
        }
        List<Event> first = queries.events(db.c, id, 0, 2);
        assertThat(first).extracting(Event::type).containsExactly("enqueued", "updated");
        List<Event> rest = queries.events(db.c, id, Long.parseLong(first.get(1).id()), 2);
        assertThat(rest).extracting(Event::type).containsExactly("cancelled");
        assertThat(queries.events(db.c, id, Long.parseLong(rest.get(0).id()), 2)).isEmpty();
    }

    @Test
    void listNewestFirstAppliesEachFilterAndPagesBeforeAnId() throws SQLException {
        long a = db.insert("list", JobStatus.QUEUED);
        long b = db.insert("list", JobStatus.FAILED);
        long c = db.insert("list", JobStatus.QUEUED);
        exec(db.c, "update jobs set labels = '{\"team\": \"x\"}' where id = ?", c);
        db.insert("list-other", JobStatus.QUEUED);
        assertThat(ids(new JobQueries.Filter(null, "list", null, null, null, null, null, 10))).containsExactly(c, b, a);
        assertThat(ids(new JobQueries.Filter(JobStatus.QUEUED, "list", null, null, null, null, null, 10)))
                .containsExactly(c, a);
        assertThat(ids(new JobQueries.Filter(null, "list", null, "{\"team\": \"x\"}", null, null, null, 10)))
                .containsExactly(c);
        assertThat(ids(new JobQueries.Filter(null, "list", "other-type", null, null, null, null, 10))).isEmpty();
        assertThat(ids(new JobQueries.Filter(null, "list", null, null, null, null, c, 1)))
                .as("one more row than the limit tells a next page exists").containsExactly(b, a);
    }

    private List<Long> ids(JobQueries.Filter f) throws SQLException {
        return queries.listNewestFirst(db.c, f).stream().map(j -> Long.parseLong(j.id())).toList();
    }

    @Test
    void runningByWorkerCountsOnlyRunningJobs() throws SQLException {
        db.insert("workers", JobStatus.RUNNING);
        db.insert("workers", JobStatus.RUNNING);
        long other = db.insert("workers", JobStatus.RUNNING);
        exec(db.c, "update jobs set worker_id = 'w9' where id = ?", other);
        long done = db.insert("workers", JobStatus.SUCCEEDED);
        exec(db.c, "update jobs set worker_id = 'w8' where id = ?", done);
        assertThat(queries.runningByWorker(db.c)).containsEntry("w9", 1L)
                .as("a worker whose jobs all finished").doesNotContainKey("w8");
        long running = (Long) value(db.c, "select count(*) from jobs where status = 'running' and worker_id = 'w1'");
        assertThat(queries.runningByWorker(db.c)).containsEntry("w1", running);
    }
}
