package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.maintenance.ExpiredLeaseReaper;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Heartbeats that keep a lease, and cancels that revoke one. Time is moved in the job's row
 * (lease_expires_at), not waited out. How an expired lease is given back is
 * {@code ExpiredLeaseReaperTest}.
 */
class LeaseTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(LeaseTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /**
     * Each round, half of the minute's lease passes (in the row), and the heartbeat gives it its
     * minute again: without the heartbeats the lease would have run out in the second round.
     */
    @Test
    void heartbeatsKeepALeaseAndDoNotChangeTheVersion() {
        String id = Jobs.enqueue(cluster.api(0), "beat", Map.of()).path("id").asText();
        JsonNode job = Jobs.claimOne(cluster.api(0), "beat", 60_000);
        String token = job.path("leaseToken").asText();
        for (int i = 0; i < 8; i++) {
            Instant aged = cluster.instant("""
                    update jobs set lease_expires_at = lease_expires_at - interval '30 seconds' where id = ?
                    returning lease_expires_at""", Long.parseLong(id));
            Api.Resp beat = cluster.api(i % 2).post("/api/v1/jobs/" + id + "/heartbeat", Api.WORKER,
                    Map.of("leaseToken", token));
            assertThat(beat.status()).as(beat.toString()).isEqualTo(200);
            assertThat(beat.body().path("version").asLong()).isEqualTo(job.path("version").asLong());
            Instant renewed = cluster.instant("select lease_expires_at from jobs where id = ?", Long.parseLong(id));
            assertThat(Duration.between(aged, renewed)).as("the heartbeat gave the lease its minute again")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(30));
            cluster.coordinator(i % 2).context().getBean(ExpiredLeaseReaper.class).step();
        }
        assertThat(Jobs.get(cluster.api(0), id).path("status").asText()).isEqualTo("running");
        assertThat(Jobs.get(cluster.api(0), id).path("version").asLong()).isEqualTo(job.path("version").asLong());
    }

    @Test
    void cancellingARunningJobRevokesItsLease() {
        String id = Jobs.enqueue(cluster.api(0), "cancel", Map.of()).path("id").asText();
        JsonNode job = Jobs.claimOne(cluster.api(0), "cancel", 30_000);
        Api.Resp cancel = cluster.api(1).post("/api/v1/jobs/" + id + "/cancel", Api.ADMIN, Map.of("reason", "no longer needed"));
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.body().path("status").asText()).isEqualTo("cancelled");
        assertThat(cancel.body().path("lease").isNull()).isTrue();
        Api.Resp beat = cluster.api(0).post("/api/v1/jobs/" + id + "/heartbeat", Api.WORKER,
                Map.of("leaseToken", job.path("leaseToken").asText()));
        assertThat(beat.status()).isEqualTo(409);
        assertThat(beat.code()).isEqualTo("lease_lost");
        assertThat(beat.body().path("job").path("status").asText()).isEqualTo("cancelled");
        assertThat(cluster.api(0).post("/api/v1/jobs/" + id + "/complete", Api.WORKER,
                Map.of("leaseToken", job.path("leaseToken").asText())).code()).isEqualTo("lease_lost");
        assertThat(Jobs.eventTypes(cluster.api(0), id)).containsExactly("enqueued", "claimed", "cancelled");
        assertThat(cluster.api(0).post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "w", "queues", List.of("cancel"))).body().path("jobs")).isEmpty();
    }
}
