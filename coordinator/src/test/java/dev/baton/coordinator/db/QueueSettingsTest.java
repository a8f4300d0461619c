package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.check;
import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.baton.common.JobStatus;
import dev.baton.common.Responses.Queue;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A queue's settings change only where a value is given; a changed rate forgets the pacing of
 * the old one, an unchanged rate keeps it. The counts count what each queue holds per status.
 */
class QueueSettingsTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    static final QueueSettings queues = new QueueSettings();

    private Queue settings(String name) throws SQLException {
        return queues.settings(db.c).stream().filter(q -> q.name().equals(name)).findFirst().orElseThrow();
    }

    private boolean paced(String name) throws SQLException {
        return check(db.c, "select rate_paced_until is not null from queues where name = ?", name);
    }

    @Test
    void upsertSetsTheGivenSettingsAndKeepsTheOthers() throws SQLException {
        queues.upsert(db.c, "settings", null, 3, null);
        assertThat(settings("settings")).isEqualTo(new Queue("settings", false, null, null, 3, null));
        queues.upsert(db.c, "settings", true, null, 2.5);
        assertThat(settings("settings")).isEqualTo(new Queue("settings", true, null, null, 3, 2.5));
        queues.upsert(db.c, "settings", false, null, null);
        assertThat(settings("settings")).isEqualTo(new Queue("settings", false, null, null, 3, 2.5));
    }

    @Test
    void aChangedRateForgetsThePacingAndAnUnchangedOneKeepsIt() throws SQLException {
        queues.upsert(db.c, "paced", null, null, 2.0);
        exec(db.c, "update queues set rate_paced_until = now() + interval '1 minute' where name = 'paced'");
        queues.upsert(db.c, "paced", true, null, null);
        assertThat(paced("paced")).as("rate not given").isTrue();
        queues.upsert(db.c, "paced", null, null, 2.0);
        assertThat(paced("paced")).as("the same rate").isTrue();
        queues.upsert(db.c, "paced", null, null, 4.0);
        assertThat(paced("paced")).as("a new rate").isFalse();
    }

    @Test
    void countsCountEachQueuesJobsPerStatus() throws SQLException {
        db.insert("counted", JobStatus.QUEUED);
        db.insert("counted", JobStatus.QUEUED);
        db.insert("counted", JobStatus.RUNNING);
        db.insert("counted", JobStatus.SUCCEEDED);
        db.insert("counted", JobStatus.CANCELLED);
        exec(db.c, "update jobs set created_at = now() - interval '10 minutes' where queue = 'counted'");
        List<QueueSettings.Count> active = queues.activeCounts(db.c).stream()
                .filter(n -> n.queue().equals("counted")).toList();
        assertThat(active).extracting(QueueSettings.Count::status, QueueSettings.Count::count)
                .containsExactlyInAnyOrder(tuple("queued", 2L), tuple("running", 1L));
        QueueSettings.Count queued = active.stream().filter(n -> n.status().equals("queued")).findFirst().orElseThrow();
        assertThat(queued.oldestQueuedAgeMs()).isGreaterThanOrEqualTo(600_000L);
        assertThat(active.stream().filter(n -> n.status().equals("running")).findFirst().orElseThrow()
                .oldestQueuedAgeMs()).isNull();
        assertThat(queues.finishedCounts(db.c).stream().filter(n -> n.queue().equals("counted")))
                .extracting(QueueSettings.Count::status, QueueSettings.Count::count)
                .containsExactlyInAnyOrder(tuple("succeeded", 1L), tuple("cancelled", 1L));
    }
}
