package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real worker processes ({@code java -jar baton-worker.jar}) against two coordinators:
 * killed with SIGKILL, paused with SIGSTOP past their lease, drained with SIGTERM.
 */
class WorkerProcessIT {
    static TestCluster cluster;
    static Path logs;
    final List<Process> workers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(WorkerProcessIT.class, 2);
        logs = Files.createDirectories(Path.of("target", "worker-process-logs"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @AfterEach
    void killWorkers() {
        workers.forEach(Process::destroyForcibly);
    }

    private Process worker(String name, String queue, long leaseMs, String urls) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-jar", Path.of("target", "baton-worker.jar").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(name + ".log").toFile()));
        pb.environment().put("BATON_COORDINATOR_URLS", urls);
        pb.environment().put("BATON_WORKER_TOKEN", Api.WORKER);
        pb.environment().put("BATON_QUEUES", queue);
        pb.environment().put("BATON_CONCURRENCY", "16");
        pb.environment().put("BATON_LEASE_MS", Long.toString(leaseMs));
        pb.environment().put("BATON_WORKER_ID", name);
        pb.environment().put("BATON_SHUTDOWN_GRACE_MS", "20000");
        Process p = pb.start();
        workers.add(p);
        return p;
    }

    private static String urls() {
        return "http://127.0.0.1:" + cluster.coordinator(0).port() + ",http://127.0.0.1:" + cluster.coordinator(1).port();
    }

    private static void enqueueSleeps(String queue, int count, int steps, int stepMs) {
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            jobs.add(Map.of("type", "baton.sleep", "queue", queue, "payload", Map.of("steps", steps, "stepMs", stepMs),
                    "backoff", Map.of("initialMs", 100, "jitter", 0), "maxAttempts", 10));
        }
        assertThat(cluster.api(0).post("/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", jobs)).status()).isEqualTo(201);
    }

    private static long count(String queue, String status) {
        return cluster.queryLong("select count(*) from jobs where queue = ? and status = ?", queue, status);
    }

    /** Like a coordinator: a bad setting is one line on stderr and exit status 2, no stack trace. */
    @Test
    void aMistypedSettingExitsTwoWithOneLine() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-jar", Path.of("target", "baton-worker.jar").toString())
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("BATON_"));
        pb.environment().put("BATON_WORKER_TOKEN", Api.WORKER);
        pb.environment().put("BATON_CONCURRENCY", "16x");
        Process p = pb.start();
        workers.add(p);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(output.lines())
                .containsExactly("Baton worker did not start: BATON_CONCURRENCY must be a whole number, was '16x'");
    }

    /** BATON_LOG_FORMAT is checked like any setting: the logging configuration took it as text meanwhile. */
    @Test
    void aMistypedLogFormatExitsTwoWithOneLine() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-jar", Path.of("target", "baton-worker.jar").toString())
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("BATON_"));
        pb.environment().put("BATON_WORKER_TOKEN", Api.WORKER);
        pb.environment().put("BATON_LOG_FORMAT", "jsn");
        Process p = pb.start();
        workers.add(p);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(output.lines())
                .containsExactly("Baton worker did not start: BATON_LOG_FORMAT must be text or json, was 'jsn'");
    }

    @Test
    void aWorkerKilledWithSigkillLosesNoJob() throws Exception {
        String q = "kill9";
        enqueueSleeps(q, 300, 3, 100);
        worker("w1", q, 2000, urls());
        Process victim = worker("w2", q, 2000, urls());
        worker("w3", q, 2000, urls());
        // generous: three JVMs start and warm up on two cores that may be busy with other work
        assertThat(Jobs.eventually(150_000, () -> count(q, "succeeded") >= 60)).isTrue();
        victim.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL mid-run
        worker("w2-again", q, 2000, urls());
        assertThat(Jobs.eventually(240_000, () -> count(q, "succeeded") == 300)).as("all succeeded").isTrue();
        assertThat(cluster.queryLong("""
                select count(*) from job_events e join jobs j on j.id = e.job_id
                where j.queue = ? and e.type = 'completed'""", q)).isEqualTo(300);
        assertThat(cluster.queryLong("""
                select count(*) from jobs where queue = ? and (progress->>'current')::int = 3
                and (progress->>'total')::int = 3""", q)).isEqualTo(300);
        // every job's final attempt logged all three of its steps
        assertThat(cluster.queryLong("""
                select count(*) from jobs j where j.queue = ?
                and (select count(*) from job_logs l where l.job_id = j.id and l.attempt = j.attempt) = 3""", q))
                .isEqualTo(300);
    }

    @Test
    void aPausedWorkersLateWritesAreRefusedAndTheJobFinishesOnce() throws Exception {
        String q = "sigstop";
        enqueueSleeps(q, 1, 20, 100); // about two seconds of work
        Process paused = worker("paused", q, 1500, urls());
        assertThat(Jobs.eventually(20_000, () -> count(q, "running") == 1)).isTrue();
        long pid = paused.pid();
        new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
        assertThat(Jobs.eventually(10_000, () -> count(q, "queued") == 1)).as("lease expired").isTrue();
        worker("rescuer", q, 30_000, urls());
        assertThat(Jobs.eventually(30_000, () -> count(q, "succeeded") == 1)).isTrue();
        long versionAfter = cluster.queryLong("select version from jobs where queue = ?", q);
        new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
        Thread.sleep(3000); // give the resumed worker time to send its late progress, logs and complete
        assertThat(cluster.queryLong("select version from jobs where queue = ?", q)).isEqualTo(versionAfter);
        assertThat(cluster.queryLong("""
                select count(*) from job_events e join jobs j on j.id = e.job_id
                where j.queue = ? and e.type = 'completed'""", q)).isEqualTo(1);
        assertThat(cluster.queryLong("select attempt from jobs where queue = ?", q)).isEqualTo(2);
        assertThat(cluster.queryLong("select count(*) from job_logs l join jobs j on j.id = l.job_id "
                + "where j.queue = ? and l.attempt = 2", q)).isEqualTo(20);
    }

    @Test
    void workersCarryOnThroughTheOtherCoordinatorWhenOneIsKilled() throws Exception {
        String q = "coordinator-down";
        try (TestCluster extra = TestCluster.start(WorkerProcessIT.class, 1)) {
            int port;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                port = s.getLocalPort();
            }
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-jar",
                    Path.of("..", "coordinator", "target", "baton-coordinator.jar").toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                            logs.resolve("coordinator-process.log").toFile()));
            pb.environment().putAll(extra.settingsFor(Map.of("BATON_HTTP_PORT", Integer.toString(port))));
            Process coordinator = pb.start();
            workers.add(coordinator);
            Api processApi = new Api(port);
            assertThat(Jobs.eventually(90_000, () -> {
                try {
                    return processApi.get("/health", null).status() == 200;
                } catch (RuntimeException e) {
                    return false;
                }
            })).as("coordinator process up").isTrue();
            String both = "http://127.0.0.1:" + port + ",http://127.0.0.1:" + extra.coordinator(0).port();
            List<Map<String, Object>> jobs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                jobs.add(Map.of("type", "baton.sleep", "queue", q, "payload", Map.of("steps", 2, "stepMs", 100)));
            }
            processApi.post("/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", jobs));
            worker("cd1", q, 5000, both);
            worker("cd2", q, 5000, both);
            assertThat(Jobs.eventually(60_000, () -> extra.queryLong(
                    "select count(*) from jobs where status = 'succeeded'") >= 20)).isTrue();
            coordinator.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL mid-run
            assertThat(Jobs.eventually(90_000, () -> extra.queryLong(
                    "select count(*) from jobs where status = 'succeeded'") == 100)).isTrue();
            assertThat(extra.queryLong("select count(*) from job_events where type = 'completed'")).isEqualTo(100);
        }
    }

    @Test
    void sigtermDrainsRunningJobsBeforeExiting() throws Exception {
        String q = "drain";
        enqueueSleeps(q, 4, 10, 200); // two seconds each
        Process w = worker("drainer", q, 30_000, urls());
        assertThat(Jobs.eventually(20_000, () -> count(q, "running") == 4)).isTrue();
        w.destroy(); // SIGTERM
        assertThat(w.waitFor(40, TimeUnit.SECONDS)).isTrue();
        assertThat(count(q, "succeeded")).isEqualTo(4);
        assertThat(new File(logs.toFile(), "drainer.log")).exists();
    }

    @Test
    void flakyJobsRetryWithBackoffThenSucceed() throws Exception {
        String q = "flaky";
        String id = Jobs.enqueue(cluster.api(0), q, Map.of("type", "baton.fail", "payload", Map.of("failTimes", 2),
                "backoff", Map.of("initialMs", 500, "factor", 2.0, "jitter", 0))).path("id").asText();
        worker("flaky", q, 5000, urls());
        assertThat(Jobs.eventually(30_000, () -> count(q, "succeeded") == 1)).isTrue();
        assertThat(Jobs.eventTypes(cluster.api(0), id)).containsExactly("enqueued", "claimed", "retry_scheduled",
                "claimed", "retry_scheduled", "claimed", "completed");
        // the second retry waited at least twice as long as the first (500 ms, then 1000 ms)
        assertThat(cluster.queryLong("""
                select extract(epoch from (max(at) filter (where type = 'claimed')) - (
                    select at from job_events where job_id = ? and type = 'retry_scheduled' order by id desc limit 1)) * 1000
                from job_events where job_id = ?""", Long.parseLong(id), Long.parseLong(id))).isGreaterThanOrEqualTo(950);
    }
}
