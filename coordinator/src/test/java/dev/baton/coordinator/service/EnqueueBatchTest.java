package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * POST /jobs/batch: without unique keys the whole batch is one statement; the answer must still
 * be in the request's order with every field as given, and a batch with unique keys must still
 * find its own earlier items as duplicates.
 */
class EnqueueBatchTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(EnqueueBatchTest.class, 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aBatchComesBackInItsOwnOrderWithEveryField() {
        Instant runAt = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Map<String, Object> job = new LinkedHashMap<>();
            job.put("queue", i % 3 == 0 ? "batch-a" : "batch-b");
            job.put("type", "t" + (i % 7));
            job.put("payload", Map.of("n", i, "text", "ünïcödé \\ \" {" + i));
            job.put("priority", i % 5);
            job.put("maxAttempts", 1 + i % 4);
            if (i % 2 == 0) {
                job.put("runAt", runAt.toString());
            } else {
                job.put("delayMs", 0);
            }
            job.put("labels", Map.of("i", Integer.toString(i)));
            job.put("timeoutSeconds", 60 + i);
            job.put("backoff", Map.of("initialMs", 100 + i, "factor", 1.5, "maxMs", 60_000, "jitter", 0.0));
            batch.add(job);
        }
        Api.Resp r = cluster.api().post("/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", batch));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        JsonNode jobs = r.body().path("jobs");
        assertThat(jobs).hasSize(300);
        long lastId = 0;
        for (int i = 0; i < 300; i++) {
            JsonNode j = jobs.get(i);
            assertThat(j.path("id").asLong()).isGreaterThan(lastId);
            lastId = j.path("id").asLong();
            assertThat(j.path("payload").path("n").asInt()).isEqualTo(i);
            assertThat(j.path("payload").path("text").asText()).isEqualTo("ünïcödé \\ \" {" + i);
            assertThat(j.path("queue").asText()).isEqualTo(i % 3 == 0 ? "batch-a" : "batch-b");
            assertThat(j.path("type").asText()).isEqualTo("t" + (i % 7));
            assertThat(j.path("priority").asInt()).isEqualTo(i % 5);
            assertThat(j.path("maxAttempts").asInt()).isEqualTo(1 + i % 4);
            assertThat(j.path("labels").path("i").asText()).isEqualTo(Integer.toString(i));
            assertThat(j.path("timeoutSeconds").asInt()).isEqualTo(60 + i);
            assertThat(j.path("backoff").path("initialMs").asLong()).isEqualTo(100 + i);
            assertThat(j.path("status").asText()).isEqualTo("queued");
            Instant jobRunAt = Instant.parse(j.path("runAt").asText());
            if (i % 2 == 0) {
                assertThat(jobRunAt).isEqualTo(runAt);
            } else {
                assertThat(jobRunAt).isBefore(runAt.minus(30, ChronoUnit.MINUTES));
            }
        }
        assertThat(Jobs.get(cluster.api(), jobs.get(123).path("id").asText())).isEqualTo(jobs.get(123));
        assertThat(cluster.queryLong("""
                select count(*) from job_events e join jobs j on j.id = e.job_id
                where j.queue in ('batch-a', 'batch-b') and e.type = 'enqueued'""")).isEqualTo(300);
    }

    @Test
    void aBatchWithUniqueKeysFindsItsOwnDuplicates() {
        List<Map<String, Object>> batch = List.of(
                Map.of("queue", "uniq", "type", "t", "uniqueKey", "k1", "payload", Map.of("n", 0)),
                Map.of("queue", "uniq", "type", "t", "payload", Map.of("n", 1)),
                Map.of("queue", "uniq", "type", "t", "uniqueKey", "k1", "payload", Map.of("n", 2)));
        Api.Resp r = cluster.api().post("/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", batch));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        JsonNode jobs = r.body().path("jobs");
        assertThat(jobs.get(2).path("id")).isEqualTo(jobs.get(0).path("id"));
        assertThat(jobs.get(2).path("payload").path("n").asInt()).isZero();
        assertThat(jobs.get(1).path("payload").path("n").asInt()).isEqualTo(1);
        assertThat(cluster.queryLong("select count(*) from jobs where queue = 'uniq'")).isEqualTo(2);
    }
}
