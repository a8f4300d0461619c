package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Migrations, generated tokens, and embedded mode keeping its data across a restart. */
class BootstrapTest {

    @Test
    void migrationsApplyToAnEmptyDatabaseAndAreANoOpOnRestart() {
        try (TestCluster cluster = TestCluster.start(BootstrapTest.class, 1)) {
            long applied = cluster.queryLong("select count(*) from flyway_schema_history where success");
            assertThat(applied).isPositive();
            for (String table : new String[] {"jobs", "job_events", "job_logs", "queues", "schedules", "api_tokens"}) {
                assertThat(cluster.queryLong("select count(*) from information_schema.tables where table_name = ?", table))
                        .as(table).isEqualTo(1);
            }
            assertThat(cluster.queryLong("""
                    select count(*) from information_schema.columns c
                    where c.table_name = 'jobs' and col_description('jobs'::regclass, c.ordinal_position) is null"""))
                    .as("every jobs column has a comment").isZero();
            cluster.stop(0);
            cluster.addCoordinator();
            cluster.addCoordinator();
            assertThat(cluster.queryLong("select count(*) from flyway_schema_history where success")).isEqualTo(applied);
        }
    }

    @Test
    void withNoTokensConfiguredAdminAndWorkerTokensAreGeneratedOnceAndOnlyHashesKept() {
        Map<String, String> none = Map.of("BATON_ADMIN_TOKENS", "", "BATON_PRODUCER_TOKENS", "", "BATON_WORKER_TOKENS", "");
        try (TestCluster cluster = TestCluster.start(BootstrapTest.class, 0, none)) {
            cluster.addCoordinator();
            cluster.addCoordinator();
            assertThat(cluster.queryLong("select count(*) from api_tokens")).isEqualTo(2);
            assertThat(cluster.queryLong("select count(*) from api_tokens where length(token_hash) = 32")).isEqualTo(2);
            assertThat(cluster.api(1).get("/api/v1/queues", Api.ADMIN).status()).isEqualTo(401);
        }
    }

    @Test
    void embeddedModeStartsAndKeepsAnEnqueuedJobAcrossARestart() throws Exception {
        Path dataDir = Files.createTempDirectory("baton-embedded");
        Map<String, String> settings = Map.of("BATON_DATA_DIR", dataDir.toString(), "BATON_HTTP_PORT", "0",
                "BATON_ADMIN_TOKENS", Api.ADMIN, "BATON_PRODUCER_TOKENS", Api.PRODUCER);
        String id;
        try (Coordinator first = Coordinator.start(Settings.load(Map.of(), settings))) {
            Api api = new Api(first.port());
            assertThat(api.get("/health", null).status()).isEqualTo(200);
            // Redis connects in the background; a coordinator serves without it meanwhile
            assertThat(Jobs.eventually(30_000, () -> "up".equals(api.get("/health", null).body().path("redis").asText())))
                    .isTrue();
            id = Jobs.enqueue(api, "embedded", Map.of("payload", Map.of("keep", "me"))).path("id").asText();
        }
        try (Coordinator second = Coordinator.start(Settings.load(Map.of(), settings))) {
            Api.Resp job = new Api(second.port()).get("/api/v1/jobs/" + id, Api.ADMIN);
            assertThat(job.status()).isEqualTo(200);
            assertThat(job.body().path("payload").path("keep").asText()).isEqualTo("me");
        }
    }
}
