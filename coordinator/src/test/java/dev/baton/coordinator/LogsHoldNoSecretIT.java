package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Secrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * After the whole suite (failsafe runs after surefire): no secret any test set or was handed
 * appears in anything the suite logged, the coordinators' logs and the tests' own output alike
 * (surefire's {@code *-output.txt}, and every {@code *.log} under target). One test that captures
 * the logs at TRACE ({@code SecretsNotLoggedTest}) proves the filter's own paths; this proves the
 * rest of the suite's thousands of requests, refusals and failures.
 */
class LogsHoldNoSecretIT {
    @Test
    void noSecretOfTheSuiteIsInItsLogs() throws IOException {
        List<String> secrets = Secrets.recorded();
        assertThat(secrets).as("secrets recorded by the suite (" + Secrets.FILE + ")").isNotEmpty();
        List<Path> logs;
        try (Stream<Path> files = Files.walk(Path.of("target"))) {
            logs = files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().endsWith("-output.txt")
                    || f.getFileName().toString().endsWith(".log")).toList();
        }
        assertThat(logs).as("the suite's logs").isNotEmpty();
        List<String> found = new ArrayList<>();
        for (Path log : logs) {
            String text = Files.readString(log, StandardCharsets.ISO_8859_1);
            for (String secret : secrets) {
                int at = text.indexOf(secret);
                if (at >= 0) {
                    int start = text.lastIndexOf('\n', at) + 1;
                    int end = text.indexOf('\n', at);
                    found.add(log + ": " + text.substring(start, end < 0 ? text.length() : end).replace(secret, "<SECRET>"));
                }
            }
        }
        assertThat(found).as("log lines holding a secret of the suite").isEmpty();
    }
}
