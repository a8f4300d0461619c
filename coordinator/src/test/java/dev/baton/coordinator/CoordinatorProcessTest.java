package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real coordinator processes ({@code java dev.baton.coordinator.CoordinatorMain}, this test's class
 * path): stopped with SIGTERM while requests are in flight, and in embedded mode killed with
 * SIGKILL and started again on the same data directory.
 */
class CoordinatorProcessTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final long BOUND_MS = 20_000;
    static TestCluster cluster;
    static Path logs;
    final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        cluster = TestCluster.start(CoordinatorProcessTest.class, 0);
        logs = Files.createDirectories(Path.of("target", "coordinator-process-logs"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    /** A coordinator process and the port it said it listens on. */
    record Running(Process process, int port, Path log, CompletableFuture<Void> logCopied) {
        Api api() {
            return new Api(port);
        }

        /** Waits for the process to exit and returns its status. */
        int exit() throws Exception {
            assertThat(process.waitFor(BOUND_MS + 10_000, TimeUnit.MILLISECONDS)).as("exited; see " + log).isTrue();
            logCopied.get(10, TimeUnit.SECONDS);
            return process.exitValue();
        }

        /** Through the handle: Process.destroy() would also close our end of its output, losing its last lines. */
        void sigterm() {
            process.toHandle().destroy();
        }

        String output() throws IOException {
            return Files.readString(log);
        }
    }

    private Running coordinator(String name, Map<String, String> env) throws Exception {
        Launched launched = launch(name, env);
        // generous: the JVM, Flyway, JobRunr (and in embedded mode PostgreSQL) start on two busy cores
        return new Running(launched.process(), launched.port().get(150, TimeUnit.SECONDS), launched.log(),
                launched.logCopied());
    }

    /** A coordinator process that may still be starting: {@code port} completes once it listens. */
    record Launched(Process process, CompletableFuture<Integer> port, Path log, CompletableFuture<Void> logCopied) {
    }

    private Launched launch(String name, Map<String, String> env) throws Exception {
        Path log = logs.resolve(name + ".log");
        Files.deleteIfExists(log);
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx384m",
                "-cp", System.getProperty("java.class.path"), CoordinatorMain.class.getName())
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("BATON_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        CompletableFuture<Integer> port = new CompletableFuture<>();
        CompletableFuture<Void> copied = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 var out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                         java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND), true)) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.println(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                port.completeExceptionally(e);
            } finally {
                port.completeExceptionally(new IllegalStateException("the coordinator exited before listening; see " + log));
                copied.complete(null);
            }
        });
        return new Launched(p, port, log, copied);
    }

    /** A request whose headers the coordinator has read, answered only once the rest of its body arrives. */
    static final class SlowEnqueue implements AutoCloseable {
        private final Socket socket;
        private final byte[] body;
        private final int sentBefore;

        SlowEnqueue(int port, String queue) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(60_000);
            body = ("{\"type\": \"slow.job\", \"queue\": \"" + queue + "\"}").getBytes(StandardCharsets.UTF_8);
            sentBefore = body.length / 2;
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + Api.PRODUCER
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, sentBefore);
            out.flush();
        }

        /** Sends the rest of the body and returns the answer's status line. */
        String finish() throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(body, sentBefore, body.length - sentBefore);
            out.flush();
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void sigtermAnswersWaitingClaimsAtOnceFinishesRequestsInFlightAndExitsZero() throws Exception {
        for (int round = 0; round < 3; round++) {
            String queue = "drain-" + round;
            Running c = coordinator("drain-" + round, cluster.settingsFor(Map.of(
                    "BATON_SHUTDOWN_TIMEOUT_MS", Long.toString(BOUND_MS))));
            String worker = "waiting-worker-" + round;
            CompletableFuture<Api.Resp> claim = CompletableFuture.supplyAsync(() -> c.api().post("/api/v1/claims",
                    Api.WORKER, Map.of("workerId", worker, "queues", List.of("nothing-here"), "waitMs", 60_000)));
            try (SlowEnqueue slow = new SlowEnqueue(c.port(), queue)) {
                // the claim has arrived (and is waiting) once its worker is listed
                assertThat(Jobs.eventually(30_000, () -> c.api().get("/api/v1/workers", Api.ADMIN).raw()
                        .contains(worker))).as("claim waiting").isTrue();
                c.sigterm();
                Api.Resp answered = claim.get(BOUND_MS, TimeUnit.MILLISECONDS);
                // answered while the slow request is still open, so not by the drain's end cutting it off
                assertThat(answered.status()).as(answered.toString()).isEqualTo(200);
                assertThat(answered.body().path("jobs").isArray()).isTrue();
                assertThat(answered.body().path("jobs")).isEmpty();
                assertThat(slow.finish()).as("the request in flight is answered").startsWith("HTTP/1.1 201");
            }
            assertThat(c.exit()).as("exit status; see " + c.log()).isZero();
            assertThat(cluster.queryLong("select count(*) from jobs where queue = ?", queue)).isEqualTo(1);
            assertThat(c.output()).contains("coordinator stopped in").doesNotContain("Exception").doesNotContain("ERROR");
        }
    }

    @Test
    void aRequestStillInFlightAtTheBoundIsCutOffAndTheProcessExitsOne() throws Exception {
        Running c = coordinator("bound", cluster.settingsFor(Map.of("BATON_SHUTDOWN_TIMEOUT_MS", "2000")));
        try (SlowEnqueue never = new SlowEnqueue(c.port(), "never-finished")) {
            assertThat(Jobs.eventually(10_000, () -> c.api().get("/health", null).status() == 200)).isTrue();
            c.sigterm();
            assertThat(c.exit()).as("exit status; see " + c.log()).isEqualTo(1);
        }
        assertThat(c.output()).contains("still had a request in flight");
        assertThat(cluster.queryLong("select count(*) from jobs where queue = 'never-finished'")).isZero();
    }

    @Test
    void embeddedModeStartsAgainAfterSigkillWithItsDataAndLeavesNothingRunningAfterSigterm(@TempDir Path dataDir)
            throws Exception {
        Map<String, String> env = Map.of("BATON_DATA_DIR", dataDir.toString(), "BATON_HTTP_PORT", "0",
                "BATON_ADMIN_TOKENS", Api.ADMIN, "BATON_PRODUCER_TOKENS", Api.PRODUCER,
                "BATON_WORKER_TOKENS", Api.WORKER, "BATON_SHUTDOWN_TIMEOUT_MS", Long.toString(BOUND_MS));
        Running first = coordinator("embedded-first", env);
        String id = Jobs.enqueue(first.api(), "kept", Map.of()).path("id").asText();
        long postmaster = pid(dataDir.resolve("pg-data/postmaster.pid"));
        long redis = pid(dataDir.resolve("redis/redis.pid"));
        first.process().destroyForcibly().waitFor(); // SIGKILL: nothing of the coordinator runs to stop them
        assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive)).as("orphaned PostgreSQL").contains(true);

        Running second = coordinator("embedded-second", env);
        assertThat(Jobs.get(second.api(), id).path("queue").asText()).isEqualTo("kept");
        assertThat(gone(postmaster)).as("orphaned PostgreSQL stopped").isTrue();
        assertThat(gone(redis)).as("orphaned Redis stopped").isTrue();
        long postmaster2 = pid(dataDir.resolve("pg-data/postmaster.pid"));
        long redis2 = pid(dataDir.resolve("redis/redis.pid"));

        second.sigterm();
        assertThat(second.exit()).as("exit status; see " + second.log()).isZero();
        assertThat(gone(postmaster2)).as("PostgreSQL stopped").isTrue();
        assertThat(gone(redis2)).as("Redis stopped").isTrue();
        assertThat(dataDir.resolve("pg-data/postmaster.pid")).doesNotExist();
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("")
                .contains(dataDir.toString()))).as("processes on the data dir").isEmpty();
        assertThat(second.output()).contains("coordinator stopped in").doesNotContain("Exception").doesNotContain("ERROR");
    }

    @Test
    void sigtermWhileTheEmbeddedServersStartStopsThemAndExitsZero(@TempDir Path dataDir) throws Exception {
        Map<String, String> env = Map.of("BATON_DATA_DIR", dataDir.toString(), "BATON_HTTP_PORT", "0",
                "BATON_ADMIN_TOKENS", Api.ADMIN, "BATON_SHUTDOWN_TIMEOUT_MS", Long.toString(BOUND_MS));
        Launched starting = launch("embedded-starting", env);
        Path postmasterPid = dataDir.resolve("pg-data/postmaster.pid");
        // PostgreSQL is up; the coordinator is still starting (Redis, Flyway, JobRunr, HTTP)
        assertThat(Jobs.eventually(150_000, () -> readOrEmpty(starting.log()).contains("Embedded PostgreSQL 15 on")))
                .as("embedded PostgreSQL started").isTrue();
        long postmaster = pid(postmasterPid);
        starting.process().toHandle().destroy();
        assertThat(starting.process().waitFor(2 * BOUND_MS + 10_000, TimeUnit.MILLISECONDS)).as("exited").isTrue();
        starting.logCopied().get(10, TimeUnit.SECONDS);
        assertThat(starting.process().exitValue()).as("exit status; see " + starting.log()).isZero();
        assertThat(gone(postmaster)).as("PostgreSQL stopped").isTrue();
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("")
                .contains(dataDir.toString()))).as("processes on the data dir").isEmpty();
    }

    @Test
    void aMistypedSettingExitsTwoWithOneLineAndNoStackTrace() throws Exception {
        Launched refused = launch("mistyped", Map.of("BATON_HTTP_PORT", "80a"));
        assertThat(refused.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        refused.logCopied().get(10, TimeUnit.SECONDS);
        assertThat(refused.process().exitValue()).isEqualTo(2);
        assertThat(Files.readAllLines(refused.log()))
                .containsExactly("Baton did not start: BATON_HTTP_PORT must be a whole number, was '80a'");
    }

    /**
     * Whether the process is gone, waiting a little: the embedded servers are not our children,
     * and an exited one is a zombie until init reaps it.
     */
    private static boolean gone(long pid) throws InterruptedException {
        return Jobs.eventually(10_000, () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException notYet) {
            return "";
        }
    }

    private static long pid(Path pidFile) throws IOException {
        return Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    }
}
