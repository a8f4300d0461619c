package dev.baton.coordinator.jobrunr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.jobrunr.storage.InMemoryStorageProvider;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.junit.jupiter.api.Test;

/** JobRunr lives in Baton's PostgreSQL or not at all, and its dashboard only on 127.0.0.1 behind a password. */
class JobRunrWiringTest {

    @Test
    void startupRefusesJobRunrInMemory() {
        InMemoryStorageProvider memory = new InMemoryStorageProvider();
        try {
            assertThatThrownBy(() -> JobRunrStorageCheck.requirePostgres(memory))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("InMemoryStorageProvider");
        } finally {
            memory.close();
        }
    }

    @Test
    void theDashboardIsOffByDefaultAndNeedsCredentialsWhenOn() {
        assertThat(Settings.load(Map.of(), Map.of()).dashboard().enabled()).isFalse();
        assertThatThrownBy(() -> Settings.load(Map.of(), Map.of("BATON_DASHBOARD_ENABLED", "true")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BATON_DASHBOARD_PASSWORD");
    }

    @Test
    void anEnabledDashboardListensOnLoopbackOnlyAndAsksForTheCredentials() throws Exception {
        try (TestCluster cluster = TestCluster.start(JobRunrWiringTest.class, 1, Map.of("BATON_DASHBOARD_ENABLED", "true",
                "BATON_DASHBOARD_PORT", "0", "BATON_DASHBOARD_USER", "ops", "BATON_DASHBOARD_PASSWORD", "s3cret"))) {
            assertThat(cluster.coordinator(0).context().getBean(StorageProvider.class))
                    .isInstanceOf(PostgresStorageProvider.class);
            JobRunrDashboard dashboard = cluster.coordinator(0).context().getBean(JobRunrDashboard.class);
            assertThat(dashboard.address().isLoopbackAddress()).isTrue();
            String base = "http://127.0.0.1:" + dashboard.port();
            assertThat(get(base + "/dashboard", null).statusCode()).isEqualTo(401);
            assertThat(get(base + "/api/recurring-jobs", null).statusCode()).isEqualTo(401);
            assertThat(get(base + "/dashboard", "ops:wrong").statusCode()).isEqualTo(401);
            assertThat(get(base + "/dashboard", "ops:s3cret").statusCode()).isEqualTo(200);
            HttpResponse<String> recurring = get(base + "/api/recurring-jobs", "ops:s3cret");
            assertThat(recurring.statusCode()).isEqualTo(200);
            assertThat(recurring.body()).contains("_baton.prune-finished-jobs");
        }
    }

    private static HttpResponse<String> get(String url, String credentials) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (credentials != null) {
            b.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
