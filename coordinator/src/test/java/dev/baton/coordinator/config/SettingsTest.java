package dev.baton.coordinator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.common.config.SettingNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Settings may end up in a log line or an exception message: no secret may be in its text. */
class SettingsTest {
    @Test
    void toStringNamesNoSecret() {
        Settings s = new Settings("jdbc:postgresql://db/baton?user=baton&password=url-secret", "baton", "db-secret",
                "redis://:redis-secret@cache:6379/0", 8080, Path.of("/tmp/baton"), List.of("admin-secret"),
                List.of("producer-secret"), List.of("worker-secret", "worker-secret-2"), List.of("viewer-secret"), true, 1024 * 1024, 64L * 1024 * 1024,
                100_000, 10, 3000, 1000, 1000, "baton", 30_000, Retention.DEFAULT, 5,
                new Settings.Dashboard(true, 8000, "ops", "dash-secret"), 30_000, 0, null, TlsSettings.OFF,
                java.net.URI.create("https://user:otlp-secret@collector:4318"));
        String text = s.toString();
        assertThat(text).doesNotContain("secret").contains("dbPassword=***").contains("redis://***@cache:6379/0")
                .contains("otlpEndpoint=https://***@collector:4318")
                .contains("jdbc:postgresql://db/baton?user=baton&password=***")
                .contains("workerTokens=2 token(s)").contains("viewerTokens=1 token(s)").contains("dbUser=baton");
    }

    @Test
    void theOtlpEndpointIsUnsetByDefaultAndMustBeAnHttpUrl() {
        assertThat(Settings.load(Map.of(), Map.of()).otlpEndpoint()).isNull();
        assertThat(Settings.load(Map.of("BATON_OTLP_ENDPOINT", "http://collector:4318"), Map.of()).otlpEndpoint())
                .hasToString("http://collector:4318");
        assertThatThrownBy(() -> Settings.load(Map.of("BATON_OTLP_ENDPOINT", "collector:4317"), Map.of()))
                .hasMessage("BATON_OTLP_ENDPOINT must be an http:// or https:// URL with a host, was 'collector:4317'");
        assertThat(Settings.unknownNames(Map.of("BATON_OTLP_ENDPOINT", "http://c:4318"))).isEmpty();
    }

    @Test
    void shutdownUnreadyDefaultsToZeroAndIsAtMostHalfTheShutdownTimeout() {
        assertThat(Settings.load(Map.of(), Map.of()).shutdownUnreadyMs()).isZero();
        assertThat(Settings.load(Map.of("BATON_SHUTDOWN_UNREADY_MS", "15000"), Map.of()).shutdownUnreadyMs())
                .isEqualTo(15_000);
        assertThatThrownBy(() -> Settings.load(Map.of("BATON_SHUTDOWN_UNREADY_MS", "15001"), Map.of()))
                .hasMessageContaining("BATON_SHUTDOWN_UNREADY_MS");
    }

    @Test
    void shutdownTimeoutDefaultsToThirtySecondsAndIsReadFromTheEnvironment() {
        assertThat(Settings.load(Map.of(), Map.of()).shutdownTimeoutMs()).isEqualTo(30_000);
        assertThat(Settings.load(Map.of("BATON_SHUTDOWN_TIMEOUT_MS", "5000"), Map.of()).shutdownTimeoutMs()).isEqualTo(5000);
        assertThatThrownBy(() -> Settings.load(Map.of("BATON_SHUTDOWN_TIMEOUT_MS", "10"), Map.of()))
                .hasMessageContaining("BATON_SHUTDOWN_TIMEOUT_MS");
    }

    @Test
    void theStatementTimeoutDefaultsToThreeSecondsAndIsBounded() {
        assertThat(Settings.load(Map.of(), Map.of()).dbStatementTimeoutMs()).isEqualTo(3000);
        assertThat(Settings.load(Map.of("BATON_DB_STATEMENT_TIMEOUT_MS", "8000"), Map.of()).dbStatementTimeoutMs())
                .isEqualTo(8000);
        assertRefused("BATON_DB_STATEMENT_TIMEOUT_MS", "50", "BATON_DB_STATEMENT_TIMEOUT_MS must be 100..3600000, was 50");
        assertRefused("BATON_DB_STATEMENT_TIMEOUT_MS", "3600001",
                "BATON_DB_STATEMENT_TIMEOUT_MS must be 100..3600000, was 3600001");
    }

    @Test
    void aMistypedSettingIsRefusedInOneLineNamingIt() {
        assertRefused("BATON_HTTP_PORT", "80a", "BATON_HTTP_PORT must be a whole number, was '80a'");
        assertRefused("BATON_SHUTDOWN_TIMEOUT_MS", "abc",
                "BATON_SHUTDOWN_TIMEOUT_MS must be a whole number, was 'abc'");
        assertThatThrownBy(() -> Settings.load(Map.of("BATON_RETENTION", "7x"), Map.of()))
                .hasMessageStartingWith("BATON_RETENTION '7x'");
        assertRefused("BATON_LIMITS_PAYLOAD_BYTES", "10", "BATON_LIMITS_PAYLOAD_BYTES must be at least 1024, was 10");
        assertRefused("BATON_DASHBOARD", "of", "BATON_DASHBOARD must be on or off, was 'of'");
    }

    @Test
    void aRedisCaIsOnlyForARedisThatSpeaksTls() {
        assertThat(Settings.load(Map.of(), Map.of()).redisTlsCa()).isNull();
        assertThat(Settings.load(Map.of("BATON_REDIS_URL", "rediss://cache:6380/0",
                "BATON_REDIS_TLS_CA", "/etc/baton/redis-ca.pem"), Map.of()).redisTlsCa())
                .isEqualTo(Path.of("/etc/baton/redis-ca.pem"));
        for (Map<String, String> plain : List.of(Map.of("BATON_REDIS_TLS_CA", "/ca.pem"),
                Map.of("BATON_REDIS_URL", "redis://cache:6379/0", "BATON_REDIS_TLS_CA", "/ca.pem"))) {
            assertThatThrownBy(() -> Settings.load(plain, Map.of()))
                    .hasMessage("BATON_REDIS_TLS_CA needs a rediss:// BATON_REDIS_URL");
        }
    }

    @Test
    void theLogCapDefaultsToOneHundredThousandAndIsReadLikeEveryOtherSetting() {
        assertThat(Settings.load(Map.of(), Map.of()).logLinesPerAttempt()).isEqualTo(100_000);
        assertThat(Settings.load(Map.of("BATON_LIMITS_LOG_LINES_PER_ATTEMPT", "150"), Map.of()).logLinesPerAttempt())
                .isEqualTo(150);
        assertThat(Settings.load(Map.of(), Map.of("baton.limits.log-lines-per-attempt", "150")).logLinesPerAttempt())
                .isEqualTo(150);
        assertRefused("BATON_LIMITS_LOG_LINES_PER_ATTEMPT", "lots",
                "BATON_LIMITS_LOG_LINES_PER_ATTEMPT must be a whole number, was 'lots'");
        assertRefused("BATON_LIMITS_LOG_LINES_PER_ATTEMPT", "0",
                "BATON_LIMITS_LOG_LINES_PER_ATTEMPT must be at least 1, was 0");
    }

    @Test
    void aUrlOfTheWrongKindIsRefusedWithoutItsPassword() {
        assertThat(Settings.load(Map.of("BATON_DB_URL", " jdbc:postgresql://db/baton ",
                "BATON_REDIS_URL", "rediss://cache:6380/0"), Map.of()))
                .extracting(Settings::dbUrl, Settings::redisUrl)
                .containsExactly("jdbc:postgresql://db/baton", "rediss://cache:6380/0");
        assertRefused("BATON_DB_URL", "postgresql://baton:db-secret@db/baton",
                "BATON_DB_URL must start with jdbc:postgresql:, was 'postgresql://***@db/baton'");
        assertRefused("BATON_REDIS_URL", "cache:6379?password=redis-secret",
                "BATON_REDIS_URL must start with redis:// or rediss://, was 'cache:6379?password=***'");
    }

    @Test
    void aDashboardSettingIsCheckedLikeTheRest() {
        assertRefused("BATON_DASHBOARD_ENABLED", "yes", "BATON_DASHBOARD_ENABLED must be true or false, was 'yes'");
        assertRefused("BATON_DASHBOARD_PORT", "70000", "BATON_DASHBOARD_PORT must be 0..65535, was 70000");
        assertRefused("BATON_JOBRUNR_POLL_SECONDS", "4", "BATON_JOBRUNR_POLL_SECONDS must be at least 5, was 4");
    }

    private static void assertRefused(String name, String value, String message) {
        assertThatThrownBy(() -> Settings.load(Map.of(name, value), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void anIntegerSettingOutOfRangeIsRefusedNotWrapped() {
        // (int) 4294967376L is 80: the coordinator listened on port 80.
        assertRefused("BATON_HTTP_PORT", "4294967376", "BATON_HTTP_PORT is out of range, was '4294967376'");
        assertThatThrownBy(() -> Settings.load(Map.of("BATON_DB_POOL_SIZE", "4294967306"), Map.of()))
                .hasMessageContaining("BATON_DB_POOL_SIZE");
    }

    @Test
    void settingsThatCannotWorkAreRefusedAtStart() {
        for (String name : List.of("BATON_DB_POOL_SIZE", "BATON_POLL_INTERVAL_MS", "BATON_REAPER_INTERVAL_MS",
                "BATON_WORKER_TTL_MS", "BATON_LIMITS_REQUEST_BYTES")) {
            assertThatThrownBy(() -> Settings.load(Map.of(name, "0"), Map.of()))
                    .hasMessage(name + " must be at least 1, was 0");
        }
    }

    @Test
    void unknownBatonVariablesAreNamedWithTheSettingTheyResemble() {
        assertThat(Settings.unknownNames(Map.of("BATON_DB_ULR", "jdbc:postgresql://db/baton", "BATON_FOO", "1",
                "PATH", "/bin", "BATON_WORKER_TOKEN", "w", "BATON_TEST_DB_URL", "jdbc:x")))
                .containsExactly("BATON_DB_ULR (did you mean BATON_DB_URL?)", "BATON_FOO");
    }

    @Test
    void theOperatorCliNamesAreNoTypos() {
        assertThat(Settings.unknownNames(Map.of("BATON_URL", "http://x", "BATON_TOKEN", "t", "BATON_PROFILE", "p",
                "BATON_CLI_JAR", "j", "BATON_CLI_JAVA_OPTS", "o"))).isEmpty();
        assertThat(Settings.unknownNames(Map.of("BATON_ULR", "http://x"))).isNotEmpty();
    }

    @Test
    void noVariableTheReadmeNamesIsCalledUnknown() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Map<String, String> named = new HashMap<>();
        Pattern.compile("BATON_[A-Z_]*[A-Z]").matcher(readme).results().forEach(m -> named.put(m.group(), "x"));
        named.remove("BATON_DB_ULR"); // the README's example of a typo
        assertThat(named).containsKeys("BATON_DB_URL", "BATON_SHUTDOWN_TIMEOUT_MS", "BATON_COORDINATOR_URLS");
        assertThat(Settings.unknownNames(named)).isEmpty();
        assertThat(named.keySet()).as("every setting a coordinator or worker reads is in the README")
                .containsAll(SettingNames.COORDINATOR).containsAll(SettingNames.WORKER).containsAll(SettingNames.PROCESS);
    }
}
