package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** 16 real threads through two coordinators on one database drain 2,000 jobs. */
class ClaimRaceTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(ClaimRaceTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void noJobIsHandedOutTwiceAndEachCompletesOnce() throws Exception {
        int total = 2000;
        for (int batch = 0; batch < total / 500; batch++) {
            List<Map<String, Object>> jobs = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                jobs.add(Map.of("type", "noop", "queue", "race", "payload", Map.of("n", batch * 500 + i)));
            }
            assertThat(cluster.api(batch % 2).post("/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", jobs)).status())
                    .isEqualTo(201);
        }
        Set<String> held = ConcurrentHashMap.newKeySet();
        Set<String> completed = ConcurrentHashMap.newKeySet();
        AtomicInteger doubleHandOuts = new AtomicInteger();
        AtomicInteger refusedCompletions = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            Api api = cluster.api(t % 2);
            String worker = "w" + t;
            futures.add(pool.submit(() -> {
                int emptyPolls = 0;
                while (emptyPolls < 3) {
                    var r = api.post("/api/v1/claims", Api.WORKER,
                            Map.of("workerId", worker, "queues", List.of("race"), "limit", 10));
                    assertThat(r.status()).isEqualTo(200);
                    JsonNode jobs = r.body().path("jobs");
                    if (jobs.isEmpty()) {
                        emptyPolls++;
                        continue;
                    }
                    emptyPolls = 0;
                    for (JsonNode job : jobs) {
                        String id = job.path("id").asText();
                        if (!held.add(id)) {
                            doubleHandOuts.incrementAndGet();
                        }
                        var done = api.post("/api/v1/jobs/" + id + "/complete", Api.WORKER,
                                Map.of("leaseToken", job.path("leaseToken").asText(), "result", Map.of("by", worker)));
                        if (done.status() == 200) {
                            completed.add(id);
                        } else {
                            refusedCompletions.incrementAndGet();
                        }
                        held.remove(id);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        assertThat(doubleHandOuts.get()).isZero();
        assertThat(refusedCompletions.get()).isZero();
        assertThat(completed).hasSize(total);
        assertThat(cluster.queryLong("select count(*) from jobs where status = 'succeeded' and attempt = 1")).isEqualTo(total);
        assertThat(cluster.queryLong("""
                select count(*) from (select job_id from job_events where type = 'completed'
                group by job_id having count(*) = 1) one""")).isEqualTo(total);
        assertThat(cluster.queryLong("select count(*) from job_events where type = 'completed'")).isEqualTo(total);
    }
}
