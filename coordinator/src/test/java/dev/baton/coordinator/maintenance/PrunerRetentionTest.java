package dev.baton.coordinator.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.config.Retention;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A retention BATON_RETENTION accepts but PostgreSQL cannot subtract from now() (9999999d is
 * 27,000 years; timestamps start in 4713 BC) keeps that status's jobs forever. It used to fail the
 * pruner's statement at every pass, before any row was looked at, so the statuses pruned after it
 * were never pruned either.
 */
class PrunerRetentionTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(PrunerRetentionTest.class, 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aRetentionLongerThanTimestampsGoKeepsItsJobsAndTheOtherStatusesArePruned() {
        String succeeded = Jobs.enqueue(cluster.api(), "forever", Map.of()).path("id").asText();
        String token = Jobs.claimOne(cluster.api(), "forever", 30_000).path("leaseToken").asText();
        assertThat(cluster.api().post("/api/v1/jobs/" + succeeded + "/complete", Api.WORKER,
                Map.of("leaseToken", token)).status()).isEqualTo(200);
        String cancelled = Jobs.enqueue(cluster.api(), "forever", Map.of()).path("id").asText();
        assertThat(cluster.api().post("/api/v1/jobs/" + cancelled + "/cancel", Api.ADMIN, Map.of()).status())
                .isEqualTo(200);
        cluster.execute("update jobs set finished_at = now() - interval '2 days' where queue = 'forever'");
        FinishedJobPruner pruner = cluster.coordinator(0).context().getBean(FinishedJobPruner.class);

        int deleted = pruner.prune(Retention.parse("succeeded=9999999d,1d"), null);

        assertThat(deleted).isEqualTo(1);
        assertThat(cluster.queryLong("select count(*) from jobs where id = ?", Long.parseLong(succeeded))).isEqualTo(1);
        assertThat(cluster.queryLong("select count(*) from jobs where id = ?", Long.parseLong(cancelled))).isZero();
    }
}
