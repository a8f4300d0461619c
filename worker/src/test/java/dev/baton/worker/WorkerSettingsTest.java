package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.common.config.SettingNames;
import dev.baton.common.telemetry.OtlpTracing;
import dev.baton.coordinator.testing.TestCertificates;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every worker setting: its default, a good value, and a bad one refused in one line naming it and the value. */
class WorkerSettingsTest {
    private static final Map<String, String> TOKEN = Map.of("BATON_WORKER_TOKEN", "w");

    private static WorkerSettings env(String... pairs) {
        Map<String, String> env = new HashMap<>(TOKEN);
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return WorkerSettings.load(env, Map.of());
    }

    @Test
    void defaults() {
        WorkerSettings s = env();
        assertThat(s.coordinators()).containsExactly(URI.create("http://127.0.0.1:8080"));
        assertThat(s.token()).isEqualTo("w");
        assertThat(s.queues()).containsExactly("default");
        assertThat(s.concurrency()).isEqualTo(16);
        assertThat(s.workerId()).isEqualTo(Worker.Builder.defaultWorkerId()).contains("/");
        assertThat(s.leaseMs()).isEqualTo(30_000);
        assertThat(s.shutdownGraceMs()).isEqualTo(30_000);
    }

    @Test
    void goodValues() {
        WorkerSettings s = env("BATON_COORDINATOR_URLS", " http://baton-1:8080, https://baton-2/ ,",
                "BATON_WORKER_TOKEN", " w2 ", "BATON_QUEUES", "email, reports", "BATON_CONCURRENCY", "64",
                "BATON_WORKER_ID", "box-7", "BATON_LEASE_MS", "1000", "BATON_SHUTDOWN_GRACE_MS", "0");
        assertThat(s.coordinators()).containsExactly(URI.create("http://baton-1:8080"), URI.create("https://baton-2/"));
        assertThat(s.token()).isEqualTo("w2");
        assertThat(s.queues()).containsExactly("email", "reports");
        assertThat(s.concurrency()).isEqualTo(64);
        assertThat(s.workerId()).isEqualTo("box-7");
        assertThat(s.leaseMs()).isEqualTo(1000);
        assertThat(s.shutdownGraceMs()).isZero();
    }

    @Test
    void aBlankValueIsAnUnsetOne() {
        assertThat(env("BATON_QUEUES", " ", "BATON_CONCURRENCY", "", "BATON_WORKER_ID", " ").queues())
                .containsExactly("default");
    }

    @Test
    void badValuesAreRefusedInOneLineNamingTheSettingAndTheValue() {
        assertThatThrownBy(() -> WorkerSettings.load(Map.of(), Map.of()))
                .hasMessage("BATON_WORKER_TOKEN must be set to a worker (or admin) token of the coordinator");
        assertRefused("BATON_COORDINATOR_URLS", "baton-1:8080",
                "BATON_COORDINATOR_URLS must list http:// or https:// URLs with a host, was 'baton-1:8080'");
        assertRefused("BATON_COORDINATOR_URLS", "http://ok:8080,ftp://baton-2",
                "BATON_COORDINATOR_URLS must list http:// or https:// URLs with a host, was 'ftp://baton-2'");
        assertRefused("BATON_COORDINATOR_URLS", "http://a b",
                "BATON_COORDINATOR_URLS must list http:// or https:// URLs with a host, was 'http://a b'");
        assertRefused("BATON_COORDINATOR_URLS", "http://user:secret@baton-1:8080 x",
                "BATON_COORDINATOR_URLS must list http:// or https:// URLs with a host,"
                        + " was 'http://***@baton-1:8080 x'");
        assertRefused("BATON_COORDINATOR_URLS", ",",
                "BATON_COORDINATOR_URLS must list at least one http:// or https:// URL");
        assertRefused("BATON_QUEUES", ",", "BATON_QUEUES must name 1 to 50 queues, was ','");
        assertRefused("BATON_CONCURRENCY", "16x", "BATON_CONCURRENCY must be a whole number, was '16x'");
        assertRefused("BATON_CONCURRENCY", "0", "BATON_CONCURRENCY must be 1..10000, was 0");
        assertRefused("BATON_CONCURRENCY", "4294967312", "BATON_CONCURRENCY is out of range, was '4294967312'");
        assertRefused("BATON_WORKER_ID", "x".repeat(201), "BATON_WORKER_ID must be at most 200 characters, was 201");
        assertRefused("BATON_LEASE_MS", "30s", "BATON_LEASE_MS must be a whole number, was '30s'");
        assertRefused("BATON_LEASE_MS", "999", "BATON_LEASE_MS must be 1000..3600000, was 999");
        assertRefused("BATON_SHUTDOWN_GRACE_MS", "-1", "BATON_SHUTDOWN_GRACE_MS must be at least 0, was -1");
        assertRefused("BATON_SHUTDOWN_GRACE_MS", "soon", "BATON_SHUTDOWN_GRACE_MS must be a whole number, was 'soon'");
    }

    private static void assertRefused(String name, String value, String message) {
        assertThatThrownBy(() -> env(name, value)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void aSystemPropertyOrAnOverrideSetsTheSameSetting() {
        assertThat(WorkerSettings.load(TOKEN, Map.of("baton.concurrency", "3")).concurrency()).isEqualTo(3);
        assertThat(WorkerSettings.load(TOKEN, Map.of("BATON_CONCURRENCY", "4")).concurrency()).isEqualTo(4);
    }

    @Test
    void micronautPropertiesAreTheSameSettingsNamedTheirWay() {
        WorkerSettings s = WorkerSettings.fromProperties(Map.of("baton.worker.coordinators", "http://b:1",
                "baton.worker.token", "t", "baton.worker.queues", "q", "baton.worker.concurrency", "2",
                "baton.worker.id", "me", "baton.worker.lease-ms", "5000", "baton.worker.shutdown-grace-ms", "7"));
        assertThat(s).isEqualTo(new WorkerSettings(List.of(URI.create("http://b:1")), "t", List.of("q"), 2, "me",
                5000, 7, WorkerSettings.Tls.NONE));
        assertThatThrownBy(() -> WorkerSettings.fromProperties(Map.of("baton.worker.token", "t",
                "baton.worker.shutdown-grace-ms", "-5")))
                .hasMessage("baton.worker.shutdown-grace-ms must be at least 0, was -5");
        // all but BATON_OTLP_ENDPOINT: a Micronaut application traces with its own OpenTelemetry bean
        assertThat(WorkerSettings.propertyNames()).hasSize(SettingNames.WORKER.size() - 1);
    }

    @Test
    void tlsFilesAreReadAtStartAndABadOneIsRefusedNamingTheSetting(@TempDir Path dir) throws Exception {
        assertThat(env().tls()).isEqualTo(WorkerSettings.Tls.NONE);
        TestCertificates.Ca ca = TestCertificates.ca("settings CA");
        Path caFile = ca.writeTo(dir.resolve("ca.crt"));
        TestCertificates.Issued client = ca.client(dir, "worker");
        WorkerSettings s = env("BATON_TLS_CA", caFile.toString(), "BATON_TLS_CLIENT_CERT", client.cert().toString(),
                "BATON_TLS_CLIENT_KEY", client.key().toString());
        assertThat(s.tls()).isEqualTo(new WorkerSettings.Tls(caFile, client.cert(), client.key()));
        assertThat(WorkerSettings.fromProperties(Map.of("baton.worker.token", "t", "baton.worker.tls.ca",
                caFile.toString())).tls().ca()).isEqualTo(caFile);

        assertThatThrownBy(() -> env("BATON_TLS_CLIENT_CERT", client.cert().toString()))
                .hasMessage("BATON_TLS_CLIENT_CERT is set but BATON_TLS_CLIENT_KEY is not: a client certificate needs both");
        assertThatThrownBy(() -> WorkerSettings.fromProperties(Map.of("baton.worker.token", "t",
                "baton.worker.tls.client-key", client.key().toString())))
                .hasMessage("baton.worker.tls.client-key is set but baton.worker.tls.client-cert is not: a client "
                        + "certificate needs both");
        Path missing = dir.resolve("missing.crt");
        assertThatThrownBy(() -> env("BATON_TLS_CA", missing.toString()))
                .hasMessage("BATON_TLS_CA: " + missing + " does not exist");
        assertThatThrownBy(() -> env("BATON_TLS_CLIENT_CERT", client.key().toString(),
                "BATON_TLS_CLIENT_KEY", client.key().toString()))
                .hasMessage("BATON_TLS_CLIENT_CERT/BATON_TLS_CLIENT_KEY: " + client.key()
                        + " holds no -----BEGIN CERTIFICATE----- block");
    }

    @Test
    void theTokenIsNeverPrinted() {
        WorkerSettings s = env("BATON_WORKER_ID", "b-1");
        assertThat(s.toString()).doesNotContain("token=w").contains("token=***").contains("workerId=b-1");
    }

    @Test
    void unknownNamesAreTheOnesNoBatonProgramReads() {
        assertThat(WorkerSettings.unknownNames(Map.of("BATON_CONCURENCY", "4", "BATON_DB_URL", "jdbc:x",
                "BATON_TEST_REDIS_URL", "redis://x", "BATON_QUEUES", "q", "HOME", "/root")))
                .containsExactly("BATON_CONCURENCY (did you mean BATON_CONCURRENCY?)");
        assertThat(WorkerSettings.unknownProperties(List.of("baton.worker.token", "baton.worker.leas-ms", "other.x")))
                .containsExactly("baton.worker.leas-ms (did you mean baton.worker.lease-ms?)");
    }

    /**
     * SettingsTest checks the README names every name of SettingNames; these are the worker's, and
     * the runnable worker's own BATON_OTLP_ENDPOINT (WorkerMain).
     */
    @Test
    void theEnvironmentNamesAreSettingNamesWorkerAndTheReadmeNamesEveryProperty() throws Exception {
        Set<String> names = new HashSet<>(WorkerSettings.ENV.all());
        names.add(OtlpTracing.ENDPOINT);
        assertThat(names).isEqualTo(SettingNames.WORKER);
        String readme = Files.readString(Path.of("..", "README.md"));
        for (String property : WorkerSettings.propertyNames()) {
            assertThat(readme).as("the README names " + property).contains("`" + property + "`");
        }
    }
}
