package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** bin/baton on the shaded jar (cli/target/baton-cli.jar), as an operator runs it: a process of its own. */
class BatonScriptIT {
    private static final Path SCRIPT = Path.of("..", "bin", "baton").toAbsolutePath().normalize();
    private static final Path JAR = Path.of("target", "baton-cli.jar").toAbsolutePath();
    private static TestCluster cluster;

    @BeforeAll
    static void start() {
        assertThat(JAR).as("mvn package builds it").exists();
        cluster = TestCluster.start(BatonScriptIT.class, 1);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    record Run(int code, String out, String err) {
    }

    private static Run baton(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("BATON_"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("BATON_CONFIG", "/nonexistent/baton-config");
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("bin/baton " + String.join(" ", args) + " ended").isTrue();
        return new Run(p.exitValue(), out.get(), err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theLauncherRunsTheJarAgainstACoordinator() throws Exception {
        assertThat(Files.isExecutable(SCRIPT)).isTrue();
        Map<String, String> env = Map.of("BATON_URL", "http://127.0.0.1:" + cluster.coordinator(0).port(),
                "BATON_TOKEN", Api.ADMIN, "BATON_CLI_JAR", JAR.toString());

        Run version = baton(env, "--version");
        assertThat(version.code()).as(version.toString()).isZero();
        assertThat(version.out()).startsWith("baton ");

        Run health = baton(env, "health");
        assertThat(health.code()).as(health.toString()).isZero();
        assertThat(health.out()).contains("up").doesNotContain("\u001b[");

        Run enqueued = baton(env, "jobs", "enqueue", "--type", "script.test", "--queue", "script-q", "-o", "json");
        assertThat(enqueued.code()).as(enqueued.toString()).isZero();
        JsonNode job = Json.mapper().readTree(enqueued.out());

        Run listed = baton(env, "jobs", "list", "--queue", "script-q", "-o", "jsonl");
        assertThat(listed.code()).as(listed.toString()).isZero();
        assertThat(listed.out()).contains(job.path("id").asText());
        assertThat(listed.out() + listed.err()).doesNotContain(Api.ADMIN);

        Run missing = baton(env, "jobs", "show", "999999999");
        assertThat(missing.code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(missing.err()).contains("404", "not_found");
    }

    @Test
    void noJarIsAClearError() throws Exception {
        Run r = baton(Map.of("BATON_CLI_JAR", "/nonexistent/baton-cli.jar"), "health");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no baton-cli.jar");
    }
}
