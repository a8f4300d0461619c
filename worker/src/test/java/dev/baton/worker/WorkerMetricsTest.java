package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker's meters against a real coordinator: each equals what the coordinator recorded. */
class WorkerMetricsTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(WorkerMetricsTest.class, 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void countsHandlersHeartbeatsBatchesRetriesAndFailovers() throws Exception {
        Api api = cluster.api(0);
        int ok = 30;
        int bad = 10;
        for (int i = 0; i < ok; i++) {
            Jobs.enqueue(api, "metrics", Map.of("type", "ok", "payload", Map.of("n", i)));
        }
        for (int i = 0; i < bad; i++) {
            Jobs.enqueue(api, "metrics", Map.of("type", "bad", "maxAttempts", 3));
        }
        String forever = Jobs.enqueue(api, "metrics", Map.of("type", "forever")).path("id").asText();
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean stopped = new AtomicBoolean();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // The first URL is dead: the first request fails over to the live one and is sent again.
        try (Worker w = Worker.builder()
                .coordinators("http://127.0.0.1:1", "http://127.0.0.1:" + cluster.coordinator(0).port())
                .token(Api.WORKER).queues("metrics").concurrency(8).leaseMs(3000)
                .shutdownGrace(Duration.ofSeconds(10)).meterRegistry(registry)
                .handler("ok", ctx -> Map.of("n", ctx.payload().path("n").asInt()))
                .handler("bad", ctx -> {
                    throw new NonRetryableException("no");
                })
                .handler("forever", ctx -> {
                    started.countDown();
                    try {
                        while (true) {
                            ctx.checkpoint();
                            Thread.sleep(50);
                        }
                    } catch (InterruptedException | LeaseLostException e) {
                        stopped.set(true);
                        return null;
                    }
                })
                .build().start()) {
            assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(Jobs.eventually(30_000, () -> cluster.queryLong(
                    "select count(*) from jobs where queue = 'metrics' and status in ('succeeded', 'failed')") == ok + bad))
                    .isTrue();
            // the forever job only (the others' threads end just after their outcome is recorded)
            assertThat(Jobs.eventually(5_000, () -> registry.get("baton.worker.jobs.running").gauge().value() == 1))
                    .isTrue();
            // let a few heartbeats through, then cancel: the next heartbeat's 409 names it cancelled
            assertThat(Jobs.eventually(10_000, () -> heartbeats(registry, "sent") >= 2)).isTrue();
            assertThat(api.post("/api/v1/jobs/" + forever + "/cancel", Api.ADMIN, Map.of()).status()).isEqualTo(200);
            assertThat(Jobs.eventually(10_000, stopped::get)).isTrue();
            assertThat(Jobs.eventually(5_000, () -> registry.get("baton.worker.jobs.running").gauge().value() == 0))
                    .isTrue();
        }
        assertThat(handled(registry, "ok", "succeeded")).isEqualTo(ok);
        assertThat(handled(registry, "bad", "failed")).isEqualTo(bad);
        assertThat(handled(registry, "forever", "cancelled")).isEqualTo(1);
        assertThat(registry.get("baton.worker.handler").timers().stream().mapToLong(t -> t.count()).sum())
                .isEqualTo(ok + bad + 1);
        assertThat(registry.get("baton.worker.jobs.running").gauge().value()).isEqualTo(0.0);

        double batches = registry.get("baton.worker.completion.batches").counter().count();
        DistributionSummary sizes = registry.get("baton.worker.completion.batch.size").summary();
        assertThat(batches).isBetween(1.0, (double) ok);
        assertThat(sizes.count()).isEqualTo((long) batches);
        assertThat(sizes.totalAmount()).isEqualTo(ok); // every completion sent, each once
        assertThat(cluster.queryLong("""
                select count(*) from job_events e join jobs j on j.id = e.job_id
                where j.queue = 'metrics' and e.type = 'completed'""")).isEqualTo(ok);

        assertThat(heartbeats(registry, "sent")).isGreaterThanOrEqualTo(2);
        assertThat(heartbeats(registry, "lost")).isGreaterThanOrEqualTo(1); // the one answered 409 after the cancel
        assertThat(registry.get("baton.worker.failovers").counter().count()).isGreaterThanOrEqualTo(1);
        assertThat(registry.get("baton.worker.requests.retried").counter().count()).isGreaterThanOrEqualTo(1);

        // tags are the type and an outcome only: never a job id
        for (Meter m : registry.getMeters()) {
            assertThat(m.getId().getName()).startsWith("baton.worker.");
            assertThat(m.getId().getTags()).extracting(Tag::getKey).allMatch(Set.of("type", "outcome")::contains);
        }

        // the worker panels of docs/grafana-dashboard.json query only series a worker serves
        Set<String> scraped = seriesIn(registry.scrape());
        Set<String> queried = seriesIn(Files.readString(Path.of("..", "docs", "grafana-dashboard.json")));
        queried.removeIf(name -> !name.startsWith("baton_worker_"));
        assertThat(queried).isNotEmpty().allSatisfy(name ->
                assertThat(scraped).as("docs/grafana-dashboard.json names " + name).contains(name));
    }

    private static Set<String> seriesIn(String text) {
        Set<String> names = new TreeSet<>();
        Pattern.compile("\\bbaton_[a-z0-9_]+\\b").matcher(text).results().forEach(r -> names.add(r.group()));
        return names;
    }

    @Test
    void workersSharingARegistrySumTheirRunningJobs() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerWorkerMetrics a = new MicrometerWorkerMetrics(registry);
        MicrometerWorkerMetrics b = new MicrometerWorkerMetrics(registry);
        a.runningJobs(() -> 2);
        b.runningJobs(() -> 3);
        assertThat(registry.get("baton.worker.jobs.running").gauge().value()).isEqualTo(5.0);
        a.close();
        assertThat(registry.get("baton.worker.jobs.running").gauge().value()).isEqualTo(3.0);
        b.handled("t", WorkerMetrics.Outcome.LEASE_LOST, Duration.ofMillis(5));
        assertThat(handled(registry, "t", "lease_lost")).isEqualTo(1);
    }

    /** Micrometer is an optional dependency: a worker built without a registry never loads it. */
    @Test
    void aWorkerRunsWithoutMicrometerOnTheClassPath() throws Exception {
        ClassLoader withoutMicrometer = new Hiding(WorkerMetricsTest.class.getClassLoader(), "io.micrometer.");
        @SuppressWarnings("unchecked")
        var probe = (java.util.concurrent.Callable<String>) withoutMicrometer
                .loadClass("dev.baton.worker.NoMicrometerProbe").getConstructor().newInstance();
        assertThat(probe.call()).isEqualTo("ran, running 0");
        assertThatThrownBy(() -> withoutMicrometer.loadClass("io.micrometer.core.instrument.MeterRegistry"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    private static long handled(MeterRegistry registry, String type, String outcome) {
        return registry.get("baton.worker.handler").tag("type", type).tag("outcome", outcome).timer().count();
    }

    private static double heartbeats(MeterRegistry registry, String outcome) {
        var c = registry.find("baton.worker.heartbeats").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }
}
