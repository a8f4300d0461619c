package dev.baton.coordinator.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Leases that run out and attempts that time out, given back by the reaper on two coordinators.
 * Time is moved in the job's row (lease_expires_at, started_at), never waited out; the reapers'
 * own timers are waited for by their pass signal, or the test steps a reaper itself.
 */
class ExpiredLeaseReaperTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(ExpiredLeaseReaperTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /** The reapers' own timers, not a step the test takes: expiry is noticed within a pass of each. */
    @Test
    void expiredLeaseIsQueuedAgainWithinFiveSecondsAndTheOldTokenIsDead() throws Exception {
        String id = Jobs.enqueue(cluster.api(0), "expiry", Map.of("backoff", Map.of("initialMs", 0, "jitter", 0)))
                .path("id").asText();
        JsonNode first = Jobs.claimOne(cluster.api(0), "expiry", 60_000);
        String oldToken = first.path("leaseToken").asText();
        Instant expiresAt = cluster.instant("""
                update jobs set lease_expires_at = now() - interval '1 millisecond' where id = ? returning lease_expires_at""",
                Long.parseLong(id));

        for (int c = 0; c < 2; c++) {
            assertThat(cluster.coordinator(c).context().getBean(ExpiredLeaseReaper.class).timer().awaitPass(Duration.ofSeconds(30)))
                    .as("a pass of coordinator %d's reaper", c).isTrue();
        }
        assertThat(Jobs.get(cluster.api(1), id).path("status").asText()).isEqualTo("queued");
        Instant requeuedAt = Instant.parse(Jobs.get(cluster.api(1), id).path("updatedAt").asText());
        assertThat(Duration.between(expiresAt, requeuedAt)).isLessThan(Duration.ofSeconds(5));
        assertThat(Jobs.get(cluster.api(1), id).path("lastError").path("type").asText()).isEqualTo("lease_expired");

        JsonNode second = Jobs.claimOne(cluster.api(1), "expiry", 30_000);
        assertThat(second.path("id").asText()).isEqualTo(id);
        assertThat(second.path("attempt").asInt()).isEqualTo(2);

        for (int c = 0; c < 2; c++) {
            Api api = cluster.api(c);
            assertThat(api.post("/api/v1/jobs/" + id + "/heartbeat", Api.WORKER, Map.of("leaseToken", oldToken)).code())
                    .isEqualTo("lease_lost");
            assertThat(api.post("/api/v1/jobs/" + id + "/complete", Api.WORKER, Map.of("leaseToken", oldToken)).code())
                    .isEqualTo("lease_lost");
            assertThat(api.post("/api/v1/jobs/" + id + "/fail", Api.WORKER,
                    Map.of("leaseToken", oldToken, "error", Map.of("message", "late"))).code()).isEqualTo("lease_lost");
        }
        assertThat(Jobs.eventTypes(cluster.api(0), id)).containsExactly("enqueued", "claimed", "lease_expired", "claimed");
        assertThat(cluster.api(0).post("/api/v1/jobs/" + id + "/complete", Api.WORKER,
                Map.of("leaseToken", second.path("leaseToken").asText())).status()).isEqualTo(200);
    }

    @Test
    void expiryOnTheLastAttemptFailsTheJob() {
        String id = Jobs.enqueue(cluster.api(0), "last", Map.of("maxAttempts", 1)).path("id").asText();
        Jobs.claimOne(cluster.api(0), "last", 30_000);
        cluster.execute("update jobs set lease_expires_at = now() - interval '1 second' where id = ?", Long.parseLong(id));
        assertThat(cluster.coordinator(0).context().getBean(ExpiredLeaseReaper.class).step()).isEqualTo(1);
        JsonNode job = Jobs.get(cluster.api(0), id);
        assertThat(job.path("status").asText()).isEqualTo("failed");
        assertThat(job.path("finishedAt").isNull()).isFalse();
        assertThat(Jobs.eventTypes(cluster.api(0), id)).containsExactly("enqueued", "claimed", "lease_expired");
    }

    @Test
    void attemptPastItsTimeoutIsFailedWithTypeTimeout() {
        String id = Jobs.enqueue(cluster.api(0), "slow", Map.of("timeoutSeconds", 1, "maxAttempts", 1))
                .path("id").asText();
        Jobs.claimOne(cluster.api(0), "slow", 60_000);
        cluster.execute("update jobs set started_at = now() - interval '2 seconds' where id = ?", Long.parseLong(id));
        cluster.coordinator(1).context().getBean(ExpiredLeaseReaper.class).step();
        JsonNode job = Jobs.get(cluster.api(0), id);
        assertThat(job.path("status").asText()).isEqualTo("failed");
        assertThat(job.path("lastError").path("type").asText()).isEqualTo("timeout");
    }
}
