package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.db.JdbcBounds;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A coordinator paused mid-transaction (SIGSTOP, a long GC) or cut off from PostgreSQL by a
 * silent partition keeps the row locks its transaction took: its backend cannot tell. A chaos run
 * saw another coordinator's requests for those jobs refused for as long as the fault lasted.
 * Every Baton connection now has PostgreSQL end a transaction left idle past the socket timeout:
 * meanwhile a request for those rows is a 503 that wrote nothing (never a wait past the bound),
 * and once the stalled transaction is ended the same request succeeds. Before, it never did while
 * the holder stayed stalled.
 */
class StalledHolderTest {
    static final long STATEMENT_TIMEOUT_MS = 1000;
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(StalledHolderTest.class, 2,
                Map.of("BATON_DB_STATEMENT_TIMEOUT_MS", String.valueOf(STATEMENT_TIMEOUT_MS)));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aTransactionLeftIdleByAStalledCoordinatorIsEndedAndItsRowsFreed() throws Exception {
        Api api = cluster.api(1);
        String id = Jobs.enqueue(api, "stalled-holder", Map.of()).path("id").asText();
        DataSource pool = cluster.coordinator(0).context().getBean(DataSource.class);
        long idleLimitMs = JdbcBounds.idleInTransactionMs(STATEMENT_TIMEOUT_MS);
        try (Connection stalled = pool.getConnection()) {
            // what coordinator 0 does in a transaction, then it stops sending anything
            stalled.setAutoCommit(false);
            try (PreparedStatement ps = stalled.prepareStatement("select 1 from jobs where id = ? for update")) {
                ps.setLong(1, Long.parseLong(id));
                ps.executeQuery().close();
            }
            long stalledAt = System.nanoTime();
            Api.Resp waited = cancel(api, id);
            assertThat(waited.status()).as("refused within the bound while the row is held: " + waited).isEqualTo(503);
            assertThat(waited.body().path("detail").asText()).contains("nothing was written");
            Api.Resp answered = waited;
            long deadline = stalledAt + (idleLimitMs + 20_000) * 1_000_000;
            while (answered.status() == 503 && System.nanoTime() < deadline) {
                Thread.sleep(200);
                answered = cancel(api, id);
            }
            assertThat(answered.status()).as("answered once the stalled transaction was ended: " + answered)
                    .isEqualTo(200);
            assertThat((System.nanoTime() - stalledAt) / 1_000_000).as("not before it idled past the limit")
                    .isGreaterThanOrEqualTo(idleLimitMs);
            assertThat(answered.body().path("status").asText()).isEqualTo("cancelled");
            // and the stalled transaction was ended by PostgreSQL: its commit cannot succeed
            assertThatThrownBy(stalled::commit).isInstanceOf(SQLException.class);
        }
        // the pool threw the broken connection away: coordinator 0 still answers
        assertThat(Jobs.get(cluster.api(0), id).path("status").asText()).isEqualTo("cancelled");
    }

    private static Api.Resp cancel(Api api, String id) {
        return api.send("POST", "/api/v1/jobs/" + id + "/cancel", Api.ADMIN, "{}", "application/json", Map.of());
    }
}
