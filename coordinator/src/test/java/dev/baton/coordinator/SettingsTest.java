package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings may end up in a log line or an exception message: no secret may be in its text. */
class SettingsTest {
    @Test
    void toStringNamesNoSecret() {
        Settings s = new Settings("jdbc:postgresql://db/baton", "baton", "db-secret", "redis://:redis-secret@cache:6379/0",
                8080, Path.of("/tmp/baton"), List.of("admin-secret"), List.of("producer-secret"),
                List.of("worker-secret", "worker-secret-2"), 1024 * 1024, 64L * 1024 * 1024, 10, 1000, 1000,
                "baton", 30_000, Retention.DEFAULT, 5, new Settings.Dashboard(true, 8000, "ops", "dash-secret"), 30_000);
        String text = s.toString();
        assertThat(text).doesNotContain("secret").contains("dbPassword=***").contains("redis://***@cache:6379/0")
                .contains("workerTokens=2 token(s)").contains("dbUser=baton");
    }

    @Test
    void shutdownTimeoutDefaultsToThirtySecondsAndIsReadFromTheEnvironment() {
        assertThat(Settings.load(Map.of(), Map.of()).shutdownTimeoutMs()).isEqualTo(30_000);
        assertThat(Settings.load(Map.of("BATON_SHUTDOWN_TIMEOUT_MS", "5000"), Map.of()).shutdownTimeoutMs()).isEqualTo(5000);
        assertThatThrownBy(() -> Settings.load(Map.of("BATON_SHUTDOWN_TIMEOUT_MS", "10"), Map.of()))
                .hasMessageContaining("BATON_SHUTDOWN_TIMEOUT_MS");
    }
}
