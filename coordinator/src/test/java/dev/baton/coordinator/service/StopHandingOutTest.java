package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The first step of a coordinator's stop: a claim waiting on it answers {@code []} at once, and a
 * claim arriving afterwards claims nothing, while the other coordinators go on handing jobs out.
 */
class StopHandingOutTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(StopHandingOutTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Api.Resp claim(int coordinator, String queue, long waitMs) {
        return cluster.api(coordinator).post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "stopping", "queues", List.of(queue), "waitMs", waitMs));
    }

    @Test
    void aStoppingCoordinatorAnswersWaitingAndNewClaimsWithNothing() throws Exception {
        Wakeups wakeups = cluster.coordinator(0).context().getBean(Wakeups.class);
        CompletableFuture<Api.Resp> waiting = CompletableFuture.supplyAsync(() -> claim(0, "stop-empty", 60_000));
        assertThat(Jobs.eventually(30_000, () -> wakeups.waiting() > 0)).as("claim waiting").isTrue();
        String id = Jobs.enqueue(cluster.api(1), "stop-full", Map.of()).path("id").asText();

        wakeups.stopHandingOut();

        Api.Resp woken = waiting.get(30, TimeUnit.SECONDS);
        assertThat(woken.status()).as(woken.toString()).isEqualTo(200);
        assertThat(woken.body().path("jobs").isArray()).isTrue();
        assertThat(woken.body().path("jobs")).isEmpty();
        Api.Resp refused = claim(0, "stop-full", 0);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(200);
        assertThat(refused.body().path("jobs")).isEmpty();
        assertThat(Jobs.get(cluster.api(1), id).path("status").asText()).isEqualTo("queued");
        assertThat(claim(1, "stop-full", 0).body().path("jobs").get(0).path("id").asText()).isEqualTo(id);
    }
}
