package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.maintenance.ExpiredLeaseReaper;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Running jobs for progress and log tests: each in a queue of its own, so claims never cross. */
final class RunningJobs {
    private static final AtomicInteger QUEUES = new AtomicInteger();

    /** A claimed job: its id, the lease token and the version the claim left it at. */
    record Lease(String id, String token, long version, int attempt) {
        long idLong() {
            return Long.parseLong(id);
        }
    }

    private RunningJobs() {
    }

    /** Enqueues a job that is retried at once after a lost lease, and claims it. */
    static Lease start(Api api) {
        String queue = "q" + QUEUES.incrementAndGet();
        Api.Resp enqueued = api.post("/api/v1/jobs", Api.PRODUCER, Map.of("type", "test", "queue", queue,
                "backoff", Map.of("initialMs", 0, "maxMs", 0, "jitter", 0.0)));
        assertThat(enqueued.status()).as(enqueued.toString()).isEqualTo(201);
        Lease lease = claim(api, queue);
        assertThat(lease.id()).isEqualTo(enqueued.body().path("id").asText());
        return lease;
    }

    static Lease claim(Api api, String queue) {
        Api.Resp claimed = api.post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "test-worker", "queues", List.of(queue), "limit", 1));
        assertThat(claimed.status()).as(claimed.toString()).isEqualTo(200);
        assertThat(claimed.body().path("jobs")).as(claimed.toString()).hasSize(1);
        JsonNode job = claimed.body().path("jobs").get(0);
        return new Lease(job.path("id").asText(), job.path("leaseToken").asText(), job.path("version").asLong(),
                job.path("attempt").asInt());
    }

    /** Claims the job again under a new lease, after its old lease was made to expire and was reaped. */
    static Lease expireAndReclaim(TestCluster cluster, Lease old) {
        cluster.execute("update jobs set lease_expires_at = now() - interval '1 second' where id = ?", old.idLong());
        // The coordinators' own reapers may get there first; either way the job is queued after this.
        cluster.coordinator(0).context().getBean(ExpiredLeaseReaper.class).step();
        Api.Resp job = cluster.api().get("/api/v1/jobs/" + old.id(), Api.PRODUCER);
        assertThat(job.body().path("status").asText()).isEqualTo("queued");
        assertThat(job.body().path("lastError").path("type").asText()).isEqualTo("lease_expired");
        Lease fresh = claim(cluster.api(), job.body().path("queue").asText());
        assertThat(fresh.id()).isEqualTo(old.id());
        assertThat(fresh.token()).isNotEqualTo(old.token());
        return fresh;
    }

    static String jobPath(Lease lease, String suffix) {
        return "/api/v1/jobs/" + lease.id() + suffix;
    }
}
