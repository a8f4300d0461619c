package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stand-ins for worker processes, run inside the bench with its lean HTTP client, to take the
 * worker's own cost apart from the coordinator's: each claims up to {@code concurrency} jobs,
 * then completes them, either one POST /jobs/{id}/complete per job (all at once, like the
 * worker's job threads) or all of them in one POST /completions. No handler runs.
 */
final class BenchWorkers implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();

    BenchWorkers(List<Api> apis, String queue, int concurrency, boolean batch) {
        for (int i = 0; i < apis.size(); i++) {
            Api api = apis.get(i);
            String workerId = "bench-driver-" + i;
            threads.add(Thread.ofVirtual().name(workerId).start(() -> {
                try {
                    while (!stop.get()) {
                        Map<String, Object> claim = new LinkedHashMap<>();
                        claim.put("workerId", workerId);
                        claim.put("queues", List.of(queue));
                        claim.put("limit", concurrency);
                        claim.put("waitMs", 1000);
                        claim.put("leaseMs", 30_000);
                        JsonNode jobs = api.post("/api/v1/claims", claim).get("jobs");
                        if (jobs.isEmpty()) {
                            continue;
                        }
                        if (batch) {
                            completeAll(api, jobs);
                        } else {
                            completeEach(api, jobs);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
    }

    private static void completeAll(Api api, JsonNode jobs) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (JsonNode j : jobs) {
            items.add(Map.of("id", j.get("id").asText(), "leaseToken", j.get("leaseToken").asText(), "result", Map.of()));
        }
        for (JsonNode r : api.post("/api/v1/completions", Map.of("items", items)).get("items")) {
            if (r.get("status").asInt() != 200) {
                throw new IllegalStateException("completion refused: " + r);
            }
        }
    }

    private static void completeEach(Api api, JsonNode jobs) throws InterruptedException {
        List<Thread> each = new ArrayList<>();
        for (JsonNode j : jobs) {
            each.add(Thread.ofVirtual().start(() -> api.post("/api/v1/jobs/" + j.get("id").asText() + "/complete",
                    Map.of("leaseToken", j.get("leaseToken").asText(), "result", Map.of()))));
        }
        for (Thread t : each) {
            t.join();
        }
    }

    void checkHealthy() {
        if (failure.get() != null) {
            throw new IllegalStateException("a bench worker failed", failure.get());
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(5000);
        }
    }
}
