package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.BatonVersion;
import dev.baton.common.Json;
import dev.baton.common.config.Redaction;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A coordinator process with BATON_LOG_FORMAT=json, configured by the logback.xml it ships with
 * (not the tests' logback-test.xml): every line it writes to stdout is one JSON object with the
 * time, level, logger, thread and message, and its start, readiness, refusals and stop are there,
 * one line each. A value that is no format stops the start with one line, like any bad setting.
 */
class JsonLogsProcessTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
    static TestCluster cluster;
    static Path logs;
    final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        cluster = TestCluster.start(JsonLogsProcessTest.class, 0);
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

    /** CoordinatorMain on this class path, with the main logback.xml; stdout and stderr each to a file of its own. */
    private Process coordinator(String name, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx384m",
                "-Dlogback.configurationFile=" + Path.of("target", "classes", "logback.xml").toAbsolutePath(),
                "-cp", System.getProperty("java.class.path"), CoordinatorMain.class.getName())
                .redirectOutput(logs.resolve(name + ".out.log").toFile())
                .redirectError(logs.resolve(name + ".err.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("BATON_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void everyLineIsOneJsonObjectAndTheEventsThatMatterAreThere() throws Exception {
        Path out = logs.resolve("json.out.log");
        Process p = coordinator("json", cluster.settingsFor(Map.of("BATON_LOG_FORMAT", "json",
                "BATON_SHUTDOWN_TIMEOUT_MS", "20000")));
        // generous: the JVM, Flyway and JobRunr start on two busy cores
        assertThat(Jobs.eventually(150_000, () -> LISTENING.matcher(read(out)).find() || !p.isAlive()))
                .as("listening; see " + out).isTrue();
        Matcher listening = LISTENING.matcher(read(out));
        assertThat(listening.find()).as("listening; see " + out).isTrue();
        Api api = new Api(Integer.parseInt(listening.group(1)));
        assertThat(api.get("/api/v1/jobs", "not-a-token").status()).isEqualTo(401);
        String id = Jobs.enqueue(api, "json-logs", Map.of()).path("id").asText();
        assertThat(api.post("/api/v1/jobs/" + id + "/complete", Api.WORKER, Map.of("leaseToken", "none")).code())
                .isEqualTo("lease_lost");
        p.toHandle().destroy(); // SIGTERM
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stopped").isTrue();
        assertThat(p.exitValue()).as("exit status; see " + out).isZero();

        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(lines).as("stdout").isNotEmpty();
        List<JsonNode> events = new ArrayList<>();
        for (String line : lines) {
            JsonNode e = Json.mapper().readTree(line); // strict: refuses anything but one object
            assertThat(e.isObject()).as(line).isTrue();
            assertThat(Instant.parse(e.path("timestamp").asText())).as(line).isNotNull();
            assertThat(e.path("timestamp").asText()).as(line).endsWith("Z");
            assertThat(LEVELS).as(line).contains(e.path("level").asText());
            assertThat(e.path("logger").asText()).as(line).isNotBlank();
            assertThat(e.path("thread").isTextual()).as(line).isTrue();
            assertThat(e.path("message").isTextual()).as(line).isTrue();
            events.add(e);
        }
        List<String> messages = events.stream().map(e -> e.path("message").asText()).toList();
        assertThat(messages).as("the start: version, node, port, database and Redis without a password")
                .anyMatch(m -> m.startsWith("Baton coordinator " + BatonVersion.get() + " starting (node ")
                        && m.contains("HTTP port 0, database " + Redaction.address(cluster.jdbcUrl()) + " as ")
                        && m.contains("Redis redis://"));
        assertThat(messages).as("ready").anyMatch(m -> m.startsWith("Baton coordinator " + BatonVersion.get() + " ready")
                && m.contains("listening on http://127.0.0.1:"));
        assertThat(messages).as("stop begun").anyMatch(m -> m.startsWith("coordinator stopping, within 20000 ms"));
        assertThat(messages).as("stop ended").anyMatch(m -> m.startsWith("coordinator stopped in"));
        assertThat(events).as("the refused token, with its fields").anyMatch(e -> e.path("level").asText().equals("WARN")
                && e.path("message").asText().startsWith("refused GET /api/v1/jobs from 127.0.0.1: 401 unauthenticated")
                && e.path("code").asText().equals("unauthenticated") && e.path("status").asText().equals("401"));
        assertThat(events).as("the lost lease, with its job").anyMatch(e -> e.path("code").asText().equals("lease_lost")
                && e.path("job").asText().equals(id));
        assertThat(BatonVersion.get()).isNotEqualTo("unknown");
        assertThat(read(logs.resolve("json.err.log")).lines().filter(l -> !l.startsWith("WARNING: ")))
                .as("nothing logged to stderr").isEmpty();
    }

    @Test
    void aFormatThatIsNoneIsRefusedAtStartWithOneLine() throws Exception {
        Process p = coordinator("json-mistyped", Map.of("BATON_LOG_FORMAT", "jsn"));
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(read(logs.resolve("json-mistyped.out.log"))).isEmpty();
        assertThat(read(logs.resolve("json-mistyped.err.log")).lines())
                .containsExactly("Baton did not start: BATON_LOG_FORMAT must be text or json, was 'jsn'");
    }
}
