package dev.baton.coordinator.service;

import dev.baton.coordinator.maintenance.ExpiredLeaseReaper;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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

/** Leases that run out, attempts that time out, and cancels that revoke a lease. */
class LeaseExpiryTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(LeaseExpiryTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void expiredLeaseIsQueuedAgainWithinFiveSecondsAndTheOldTokenIsDead() throws Exception {
        String id = Jobs.enqueue(cluster.api(0), "expiry", Map.of("backoff", Map.of("initialMs", 0, "jitter", 0)))
                .path("id").asText();
        JsonNode first = Jobs.claimOne(cluster.api(0), "expiry", 1000);
        Instant expiresAt = Instant.parse(first.path("lease").path("expiresAt").asText());
        String oldToken = first.path("leaseToken").asText();

        assertThat(Jobs.eventually(8000, () -> "queued".equals(Jobs.get(cluster.api(1), id).path("status").asText())))
                .isTrue();
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
    void heartbeatsKeepALeaseAndDoNotChangeTheVersion() throws Exception {
        String id = Jobs.enqueue(cluster.api(0), "beat", Map.of()).path("id").asText();
        JsonNode job = Jobs.claimOne(cluster.api(0), "beat", 1000);
        String token = job.path("leaseToken").asText();
        for (int i = 0; i < 8; i++) {
            Api.Resp beat = cluster.api(i % 2).post("/api/v1/jobs/" + id + "/heartbeat", Api.WORKER,
                    Map.of("leaseToken", token));
            assertThat(beat.status()).as(beat.toString()).isEqualTo(200);
            assertThat(beat.body().path("version").asLong()).isEqualTo(job.path("version").asLong());
            Thread.sleep(300);
        }
        assertThat(Jobs.get(cluster.api(0), id).path("status").asText()).isEqualTo("running");
        assertThat(Jobs.get(cluster.api(0), id).path("version").asLong()).isEqualTo(job.path("version").asLong());
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
