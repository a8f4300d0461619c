package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Complete, fail, their resends and stale tokens race on one lease across two coordinators:
 * exactly one outcome is applied, resends of the winner are answered 200, everything else 409.
 */
class SettleRaceTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(SettleRaceTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void oneOutcomePerLease() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        int completedWins = 0;
        int failedWins = 0;
        for (int round = 0; round < 30; round++) {
            String queue = "settle-" + round;
            Jobs.enqueue(cluster.api(0), queue, Map.of("maxAttempts", 3));
            JsonNode job = Jobs.claimOne(cluster.api(round % 2), queue, 30_000);
            String id = job.path("id").asText();
            String token = job.path("leaseToken").asText();
            CyclicBarrier barrier = new CyclicBarrier(6);
            String stale = "stale-" + round;
            List<Callable<Api.Resp>> calls = List.of(
                    () -> call(barrier, 0, "/complete", Map.of("leaseToken", token, "result", Map.of("a", 1)), id),
                    () -> call(barrier, 1, "/complete", Map.of("leaseToken", token, "result", Map.of("a", 1)), id),
                    () -> call(barrier, 0, "/fail", Map.of("leaseToken", token,
                            "error", Map.of("message", "boom", "type", "test", "retryable", true)), id),
                    () -> call(barrier, 1, "/fail", Map.of("leaseToken", token,
                            "error", Map.of("message", "boom", "type", "test", "retryable", true)), id),
                    () -> call(barrier, 0, "/complete", Map.of("leaseToken", stale), id),
                    () -> call(barrier, 1, "/fail", Map.of("leaseToken", stale,
                            "error", Map.of("message", "late")), id));
            List<Future<Api.Resp>> futures = new ArrayList<>();
            for (Callable<Api.Resp> c : calls) {
                futures.add(pool.submit(c));
            }
            List<Api.Resp> r = new ArrayList<>();
            for (Future<Api.Resp> f : futures) {
                r.add(f.get());
            }
            boolean completeWon = r.get(0).status() == 200 || r.get(1).status() == 200;
            if (completeWon) {
                completedWins++;
                assertThat(r.get(0).status()).as(r.get(0).toString()).isEqualTo(200);
                assertThat(r.get(1).status()).as(r.get(1).toString()).isEqualTo(200);
                assertThat(r.get(0).body().path("status").asText()).isEqualTo("succeeded");
                assertThat(r.get(2).code()).isEqualTo("lease_lost");
                assertThat(r.get(3).code()).isEqualTo("lease_lost");
            } else {
                failedWins++;
                assertThat(r.get(2).status()).as(r.get(2).toString()).isEqualTo(200);
                assertThat(r.get(3).status()).as(r.get(3).toString()).isEqualTo(200);
                assertThat(r.get(2).body().path("status").asText()).isEqualTo("queued");
                assertThat(r.get(0).code()).isEqualTo("lease_lost");
                assertThat(r.get(1).code()).isEqualTo("lease_lost");
            }
            assertThat(r.get(4).status()).isEqualTo(409);
            assertThat(r.get(4).code()).isEqualTo("lease_lost");
            assertThat(r.get(4).body().path("job").path("id").asText()).isEqualTo(id);
            assertThat(r.get(5).code()).isEqualTo("lease_lost");
            // one applied outcome: version went claim(2) -> 3 exactly once, one settling event
            JsonNode now = Jobs.get(cluster.api(0), id);
            assertThat(now.path("version").asLong()).isEqualTo(3);
            assertThat(cluster.queryLong("""
                    select count(*) from job_events where job_id = ? and type in ('completed', 'failed', 'retry_scheduled')""",
                    Long.parseLong(id))).isEqualTo(1);
        }
        pool.shutdown();
        assertThat(completedWins + failedWins).isEqualTo(30);
    }

    @Test
    void resendAfterSuccessChangesNothing() {
        Jobs.enqueue(cluster.api(0), "resend", Map.of());
        JsonNode job = Jobs.claimOne(cluster.api(0), "resend", 30_000);
        String id = job.path("id").asText();
        Map<String, Object> body = Map.of("leaseToken", job.path("leaseToken").asText(), "result", Map.of("n", 1));
        Api.Resp first = cluster.api(0).post("/api/v1/jobs/" + id + "/complete", Api.WORKER, body);
        Api.Resp again = cluster.api(1).post("/api/v1/jobs/" + id + "/complete", Api.WORKER,
                Map.of("leaseToken", job.path("leaseToken").asText(), "result", Map.of("n", 2)));
        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.body().path("result").path("n").asInt()).isEqualTo(1);
        // the same token may not turn a completion into a failure
        Api.Resp fail = cluster.api(1).post("/api/v1/jobs/" + id + "/fail", Api.WORKER,
                Map.of("leaseToken", job.path("leaseToken").asText(), "error", Map.of("message", "x")));
        assertThat(fail.code()).isEqualTo("lease_lost");
        assertThat(fail.body().path("job").path("status").asText()).isEqualTo("succeeded");
    }

    /**
     * A resend is answered with the job exactly as the settling request left it, even once the job
     * has moved on (soak 8, seed 32: a fail resent after the job was retried and claimed again was
     * answered with the new attempt's running job, whose version the claim had acknowledged).
     */
    @Test
    void resendAfterTheJobMovedOnIsAnsweredAsTheSettlementLeftIt() {
        Jobs.enqueue(cluster.api(0), "moved-on", Map.of("maxAttempts", 3));
        JsonNode first = Jobs.claimOne(cluster.api(0), "moved-on", 30_000);
        String id = first.path("id").asText();
        Map<String, Object> fail = Map.of("leaseToken", first.path("leaseToken").asText(),
                "error", Map.of("message", "boom", "type", "test", "retryable", true),
                "retryAt", "2000-01-01T00:00:00Z");
        Api.Resp failed = cluster.api(0).post("/api/v1/jobs/" + id + "/fail", Api.WORKER, fail);
        assertThat(failed.status()).isEqualTo(200);
        assertThat(failed.body().path("status").asText()).isEqualTo("queued");

        JsonNode second = Jobs.claimOne(cluster.api(1), "moved-on", 30_000);
        assertThat(second.path("id").asText()).isEqualTo(id);
        assertThat(second.path("version").asLong()).isGreaterThan(failed.body().path("version").asLong());
        for (int coordinator = 0; coordinator < 2; coordinator++) {
            Api.Resp again = cluster.api(coordinator).post("/api/v1/jobs/" + id + "/fail", Api.WORKER, fail);
            assertThat(again.status()).as(again.toString()).isEqualTo(200);
            assertThat(again.body()).as("the first answer, not the job's new attempt").isEqualTo(failed.body());
        }
        assertThat(Jobs.get(cluster.api(0), id).path("status").asText()).as("nothing changed").isEqualTo("running");

        Map<String, Object> giveUp = Map.of("leaseToken", second.path("leaseToken").asText(),
                "error", Map.of("message", "bad input", "type", "test", "retryable", false));
        Api.Resp failedForGood = cluster.api(1).post("/api/v1/jobs/" + id + "/fail", Api.WORKER, giveUp);
        assertThat(failedForGood.body().path("status").asText()).isEqualTo("failed");
        assertThat(cluster.api(0).post("/api/v1/jobs/" + id + "/fail", Api.WORKER, fail).code())
                .as("only the last settlement is answered; an older lease's resend is lost").isEqualTo("lease_lost");

        Api.Resp retried = cluster.api(0).post("/api/v1/jobs/" + id + "/retry", Api.ADMIN,
                Map.of("expectedVersion", failedForGood.body().path("version").asLong()));
        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        Api.Resp again = cluster.api(0).post("/api/v1/jobs/" + id + "/fail", Api.WORKER, giveUp);
        assertThat(again.status()).as(again.toString()).isEqualTo(200);
        assertThat(again.body()).as("after an admin retry too").isEqualTo(failedForGood.body());
        assertThat(Jobs.get(cluster.api(0), id).path("status").asText()).isEqualTo("queued");
        assertThat(cluster.queryLong("select count(*) from job_events where job_id = ? and type = 'failed'",
                Long.parseLong(id))).isEqualTo(1);
    }

    @Test
    void completionsJudgeEachItemAlone() {
        Jobs.enqueue(cluster.api(0), "many", Map.of());
        Jobs.enqueue(cluster.api(0), "many", Map.of());
        JsonNode a = Jobs.claimOne(cluster.api(0), "many", 30_000);
        JsonNode b = Jobs.claimOne(cluster.api(0), "many", 30_000);
        Api.Resp r = cluster.api(1).post("/api/v1/completions", Api.WORKER, Map.of("items", List.of(
                Map.of("id", a.path("id").asText(), "leaseToken", a.path("leaseToken").asText(), "result", Map.of()),
                Map.of("id", b.path("id").asText(), "leaseToken", "wrong"),
                Map.of("id", "999999", "leaseToken", "x"),
                Map.of("id", a.path("id").asText(), "leaseToken", a.path("leaseToken").asText(), "result", Map.of()))));
        assertThat(r.status()).isEqualTo(200);
        JsonNode items = r.body().path("items");
        assertThat(items.get(0).path("status").asInt()).isEqualTo(200);
        assertThat(items.get(0).path("job").path("status").asText()).isEqualTo("succeeded");
        assertThat(items.get(1).path("status").asInt()).isEqualTo(409);
        assertThat(items.get(1).path("code").asText()).isEqualTo("lease_lost");
        assertThat(items.get(1).path("job").path("status").asText()).isEqualTo("running");
        assertThat(items.get(2).path("status").asInt()).isEqualTo(404);
        assertThat(items.get(3).path("status").asInt()).isEqualTo(200);
        assertThat(Jobs.get(cluster.api(0), b.path("id").asText()).path("status").asText()).isEqualTo("running");
    }

    private static Api.Resp call(CyclicBarrier barrier, int coordinator, String action, Map<String, Object> body,
                                 String id) throws Exception {
        barrier.await();
        return cluster.api(coordinator).post("/api/v1/jobs/" + id + action, Api.WORKER, body);
    }
}
