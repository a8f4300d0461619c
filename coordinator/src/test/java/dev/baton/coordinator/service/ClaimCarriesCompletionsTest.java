package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A claim carrying completions (docs/protocol.md, Worker endpoints): they are settled as
 * {@code POST /completions} would settle them, before the claim looks for work, and answered item
 * for item beside the claimed jobs; a resend is answered as the first send was; a refused claim
 * settles nothing; two coordinators racing the same carried completions complete each job once.
 */
class ClaimCarriesCompletionsTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(ClaimCarriesCompletionsTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aClaimSettlesWhatItCarriesThenHandsOutTheNextJobs() {
        List<JsonNode> first = enqueueAndClaim("carry", 5);
        List<String> next = enqueue("carry", 5);
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            items.add(Jobs.completionItem(first.get(i), i == 2 ? "not-the-token" : token(first.get(i)), Map.of("n", i)));
        }
        items.add(Jobs.completionItem(first.get(0), token(first.get(0)), Map.of("n", 0))); // a repeat in the same request

        Api.Resp r = claimCarrying(0, "carry", 10, items, Map.of());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.headers().firstValue("Preference-Applied")).isEmpty();
        JsonNode answers = r.body().path("completions");
        assertThat(answers).hasSize(items.size());
        for (int i = 0; i < first.size(); i++) {
            JsonNode a = answers.get(i);
            assertThat(a.path("id").asText()).isEqualTo(first.get(i).path("id").asText());
            if (i == 2) {
                assertThat(a.path("status").asInt()).isEqualTo(409);
                assertThat(a.path("code").asText()).isEqualTo("lease_lost");
                assertThat(a.path("job").path("status").asText()).isEqualTo("running");
            } else {
                assertThat(a.path("status").asInt()).as(a.toString()).isEqualTo(200);
                assertThat(a.path("job").path("status").asText()).isEqualTo("succeeded");
                assertThat(a.path("job").path("result").path("n").asInt()).isEqualTo(i);
            }
        }
        assertThat(answers.get(5).path("job")).isEqualTo(answers.get(0).path("job"));
        // The claim looked after the completions committed: it hands out the next five, not job 2 (still running).
        List<String> claimed = new ArrayList<>();
        r.body().path("jobs").forEach(j -> {
            claimed.add(j.path("id").asText());
            assertThat(j.path("status").asText()).isEqualTo("running");
            assertThat(j.path("leaseToken").asText()).isNotBlank();
        });
        assertThat(claimed).containsExactlyElementsOf(next);
        assertThat(Jobs.completedEvents(cluster, "carry")).isEqualTo(4);
        assertThat(Jobs.get(cluster.api(0), first.get(2).path("id").asText()).path("status").asText())
                .isEqualTo("running");
    }

    /** The answer was lost: the same completions on the next claim, through the other coordinator, are answered as before. */
    @Test
    void aResendOnTheNextClaimIsAnsweredAsTheFirstSendWas() {
        List<JsonNode> first = enqueueAndClaim("resend", 4);
        List<Map<String, Object>> items = first.stream()
                .map(j -> Jobs.completionItem(j, token(j), Map.of("ok", true))).toList();
        Map<String, String> minimal = Map.of("Prefer", "return=minimal");
        Api.Resp sent = claimCarrying(0, "resend", 4, items, minimal);
        assertThat(sent.status()).as(sent.toString()).isEqualTo(200);
        assertThat(sent.headers().firstValue("Preference-Applied")).hasValue("return=minimal");
        sent.body().path("completions").forEach(a -> {
            assertThat(a.path("status").asInt()).isEqualTo(200);
            assertThat(a.has("job")).as(a.toString()).isFalse();
        });
        assertThat(sent.body().path("jobs")).isEmpty();

        List<String> later = enqueue("resend", 2);
        Api.Resp again = claimCarrying(1, "resend", 4, items, minimal);
        assertThat(again.status()).as(again.toString()).isEqualTo(200);
        assertThat(again.body().path("completions")).isEqualTo(sent.body().path("completions"));
        List<String> claimed = new ArrayList<>();
        again.body().path("jobs").forEach(j -> claimed.add(j.path("id").asText()));
        assertThat(claimed).containsExactlyElementsOf(later);
        assertThat(Jobs.completedEvents(cluster, "resend")).isEqualTo(4);
    }

    /** A claim refused 4xx, whatever it carries, changes nothing: its completions stay unsettled. */
    @Test
    void aRefusedClaimSettlesNothingItCarries() {
        List<JsonNode> held = enqueueAndClaim("refused", 3);
        List<Map<String, Object>> items = held.stream().map(j -> Jobs.completionItem(j, token(j), Map.of())).toList();

        Map<String, Object> badLimit = claimBody("refused", 0, items);
        Api.Resp r = cluster.api(0).post("/api/v1/claims", Api.WORKER, badLimit);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.raw()).contains("limit");

        List<Object> withNull = new ArrayList<>(items);
        withNull.add(null);
        Api.Resp nullItem = cluster.api(0).post("/api/v1/claims", Api.WORKER, claimBody("refused", 3, withNull));
        assertThat(nullItem.status()).as(nullItem.toString()).isEqualTo(400);
        assertThat(nullItem.body().path("errors").get(0).path("field").asText()).isEqualTo("completions[3]");

        List<Map<String, Object>> tooMany = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            tooMany.add(items.get(i % items.size()));
        }
        Api.Resp large = cluster.api(0).post("/api/v1/claims", Api.WORKER, claimBody("refused", 3, tooMany));
        assertThat(large.status()).as(large.toString()).isEqualTo(413);

        Api.Resp producer = cluster.api(0).post("/api/v1/claims", Api.PRODUCER, claimBody("refused", 3, items));
        assertThat(producer.status()).as(producer.toString()).isEqualTo(403);

        assertThat(Jobs.completedEvents(cluster, "refused")).isZero();
        held.forEach(j -> assertThat(Jobs.get(cluster.api(0), j.path("id").asText()).path("status").asText())
                .isEqualTo("running"));

        // An empty list is a claim carrying nothing: answered with an empty list of answers.
        Api.Resp empty = claimCarrying(0, "refused", 1, List.of(), Map.of());
        assertThat(empty.status()).as(empty.toString()).isEqualTo(200);
        assertThat(empty.body().path("completions")).isEmpty();
        // Without the field, the answer has none.
        Api.Resp plain = cluster.api(0).post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "w", "queues", List.of("refused")));
        assertThat(plain.body().has("completions")).isFalse();
    }

    /**
     * The claim settled what it carried, then waited, and its token was revoked meanwhile: it is
     * handed no job (as any claim whose token goes while it waits), but it still answers 200 with
     * the completions' answers, never a 401 that would hide them.
     */
    @Test
    void aClaimWhoseTokenIsRevokedWhileItWaitsStillAnswersWhatItSettled() throws Exception {
        List<JsonNode> held = enqueueAndClaim("revoked", 2);
        Api.Resp made = cluster.api(0).post("/api/v1/tokens", Api.ADMIN, Map.of("name", "carry-revoked", "role", "worker"));
        assertThat(made.status()).as(made.toString()).isEqualTo(201);
        String token = made.body().path("token").asText();
        Map<String, Object> body = claimBody("revoked", 2,
                held.stream().map(j -> Jobs.completionItem(j, token(j), Map.of())).toList());
        body.put("waitMs", 20_000);
        CompletableFuture<Api.Resp> claim = CompletableFuture.supplyAsync(
                () -> cluster.api(0).post("/api/v1/claims", token, body));
        assertThat(Jobs.eventually(10_000, () -> Jobs.completedEvents(cluster, "revoked") == 2)).isTrue();
        Thread.sleep(500); // settled; the claim is waiting
        Api.Resp revoked = cluster.api(0).send("DELETE", "/api/v1/tokens/carry-revoked", Api.ADMIN, null, null);
        assertThat(revoked.status()).isEqualTo(204);
        String id = Jobs.enqueue(cluster.api(0), "revoked", Map.of()).path("id").asText(); // wakes the claim

        Api.Resp r = claim.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body().path("jobs")).isEmpty();
        assertThat(r.body().path("completions")).hasSize(2).allSatisfy(a -> {
            assertThat(a.path("status").asInt()).isEqualTo(200);
            assertThat(a.path("job").path("status").asText()).isEqualTo("succeeded");
        });
        assertThat(Jobs.get(cluster.api(0), id).path("status").asText()).isEqualTo("queued");
    }

    /**
     * Two claims carrying the same completions, one through each coordinator, sent at once, ten
     * times over: every job completes exactly once, both answer 200 for each (the second as a
     * resend of the first), and the jobs they hand out never overlap.
     */
    @Test
    void twoCoordinatorsRacingTheSameCarriedCompletionsCompleteEachJobOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 10; round++) {
                String queue = "race-" + round;
                List<JsonNode> held = enqueueAndClaim(queue, 20);
                enqueue(queue, 20);
                List<Map<String, Object>> items = held.stream().map(j -> Jobs.completionItem(j, token(j), Map.of())).toList();
                CyclicBarrier barrier = new CyclicBarrier(2);
                List<Future<Api.Resp>> sent = new ArrayList<>();
                for (int c = 0; c < 2; c++) {
                    int coordinator = c;
                    sent.add(pool.submit(() -> {
                        barrier.await();
                        return claimCarrying(coordinator, queue, 20, items, Map.of());
                    }));
                }
                Map<String, Integer> handedOut = new HashMap<>();
                for (Future<Api.Resp> f : sent) {
                    Api.Resp r = f.get();
                    assertThat(r.status()).as(r.toString()).isEqualTo(200);
                    r.body().path("completions").forEach(a -> {
                        assertThat(a.path("status").asInt()).as(a.toString()).isEqualTo(200);
                        assertThat(a.path("job").path("status").asText()).isEqualTo("succeeded");
                    });
                    r.body().path("jobs").forEach(j -> handedOut.merge(j.path("id").asText(), 1, Integer::sum));
                }
                assertThat(Jobs.completedEvents(cluster, queue)).isEqualTo(20);
                assertThat(handedOut).hasSize(20).allSatisfy((id, times) -> assertThat(times).isEqualTo(1));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Api.Resp claimCarrying(int coordinator, String queue, int limit, List<Map<String, Object>> items,
                                          Map<String, String> headers) {
        return cluster.api(coordinator).send("POST", "/api/v1/claims", Api.WORKER, claimBody(queue, limit, items),
                "application/json", headers);
    }

    private static Map<String, Object> claimBody(String queue, int limit, List<?> items) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("workerId", "carrying-worker");
        body.put("queues", List.of(queue));
        body.put("limit", limit);
        body.put("waitMs", 0);
        body.put("completions", items);
        return body;
    }

    private static List<String> enqueue(String queue, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(Jobs.enqueue(cluster.api(0), queue, Map.of()).path("id").asText());
        }
        return ids;
    }

    private static List<JsonNode> enqueueAndClaim(String queue, int n) {
        enqueue(queue, n);
        Api.Resp r = cluster.api(0).post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "carrying-worker", "queues", List.of(queue), "limit", n));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<JsonNode> jobs = new ArrayList<>();
        r.body().path("jobs").forEach(jobs::add);
        assertThat(jobs).hasSize(n);
        return jobs;
    }

    private static String token(JsonNode job) {
        return job.path("leaseToken").asText();
    }
}
