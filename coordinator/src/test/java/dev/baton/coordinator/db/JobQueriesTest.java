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

    @Test
    void aSearchLooksInThePayloadTheResultOrTheErrorAsAsked() throws SQLException {
        long a = db.insert("search", JobStatus.SUCCEEDED);
        long b = db.insert("search", JobStatus.FAILED);
        exec(db.c, "update jobs set payload = '{\"order\": {\"id\": 7}}', result = '{\"invoice\": \"INV-9\"}' where id = ?", a);
        exec(db.c, "update jobs set payload = '{\"invoice\": \"INV-9\"}', last_error = '{\"type\": \"io.Timeout\"}' where id = ?", b);
        assertThat(ids(search(JobQueries.Searched.PAYLOAD, "{\"order\": {\"id\": 7}}"))).containsExactly(a);
        assertThat(ids(search(JobQueries.Searched.PAYLOAD, "{\"invoice\": \"INV-9\"}"))).containsExactly(b);
        assertThat(ids(search(JobQueries.Searched.RESULT, "{\"invoice\": \"INV-9\"}"))).containsExactly(a);
        assertThat(ids(search(JobQueries.Searched.ERROR, "{\"type\": \"io.Timeout\"}"))).containsExactly(b);
        assertThat(ids(search(JobQueries.Searched.ERROR, "{\"type\": \"io\"}"))).as("whole values only").isEmpty();
        assertThat(ids(search(JobQueries.Searched.PAYLOAD, "{}").from(b))).as("a search's bound: no id below it")
                .containsExactly(b);
        assertThat(queries.newestId(db.c)).isEqualTo(b);
    }

    private static JobQueries.Filter search(JobQueries.Searched in, String json) {
        return new JobQueries.Filter(null, "search", null, null, new JobQueries.Search(in, json), null, null, null, 10);
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
