package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
 * silent partition keeps the row locks its transaction took. A chaos run saw another
 * coordinator's requests for those jobs wait past the statement timeout and answer 503 while
 * the database itself was fine. Every Baton connection now has PostgreSQL end a transaction
 * left idle for a third of BATON_DB_STATEMENT_TIMEOUT_MS, so a waiter gets the lock in time.
 */
class StalledHolderTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(StalledHolderTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aTransactionLeftIdleByAStalledCoordinatorEndsAndAnotherCoordinatorIsAnswered() throws Exception {
        Api api = cluster.api(1);
        String id = Jobs.enqueue(api, "stalled-holder", Map.of()).path("id").asText();
        DataSource pool = cluster.coordinator(0).context().getBean(DataSource.class);
        try (Connection stalled = pool.getConnection()) {
            // what coordinator 0 does in a transaction, then it stops sending anything
            stalled.setAutoCommit(false);
            try (PreparedStatement ps = stalled.prepareStatement("select 1 from jobs where id = ? for update")) {
                ps.setLong(1, Long.parseLong(id));
                ps.executeQuery().close();
            }
            Api.Resp r = api.send("POST", "/api/v1/jobs/" + id + "/cancel", Api.ADMIN, "{}", "application/json",
                    Map.of());
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.body().path("status").asText()).isEqualTo("cancelled");
            // and the stalled transaction was ended by PostgreSQL: its commit cannot succeed
            assertThatThrownBy(stalled::commit).isInstanceOf(SQLException.class);
        }
        assertThat(Jobs.get(api, id).path("status").asText()).isEqualTo("cancelled");
        // the pool threw the broken connection away: coordinator 0 still answers
        assertThat(Jobs.get(cluster.api(0), id).path("status").asText()).isEqualTo("cancelled");
    }
}
