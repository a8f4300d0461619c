package dev.baton.coordinator.db;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JdbcBoundsTest {
    @Test
    void theSocketWaitsTheStatementTimeoutAndTwoSecondsInWholeSeconds() {
        assertThat(JdbcBounds.socketTimeoutSeconds(3000)).isEqualTo(5);
        assertThat(JdbcBounds.socketTimeoutSeconds(2500)).isEqualTo(5);
        assertThat(JdbcBounds.socketTimeoutSeconds(100)).isEqualTo(3);
    }

    @Test
    void theDriverTimeoutsAreAddedWhereTheUrlDoesNotSetThem() {
        assertThat(JdbcBounds.url("jdbc:postgresql://db/baton", 3000)).isEqualTo(
                "jdbc:postgresql://db/baton?socketTimeout=5&connectTimeout=5&loginTimeout=5&tcpKeepAlive=true");
        assertThat(JdbcBounds.url("jdbc:postgresql://db/baton?ssl=true&SocketTimeout=60", 3000)).isEqualTo(
                "jdbc:postgresql://db/baton?ssl=true&SocketTimeout=60&connectTimeout=5&loginTimeout=5&tcpKeepAlive=true");
        assertThat(JdbcBounds.url("jdbc:postgresql://db/baton?", 3000)).isEqualTo(
                "jdbc:postgresql://db/baton?socketTimeout=5&connectTimeout=5&loginTimeout=5&tcpKeepAlive=true");
        assertThat(JdbcBounds.url("jdbc:postgresql:", 3000)).startsWith("jdbc:postgresql:?socketTimeout=5&");
    }

    @Test
    void theOperatorsTlsParametersAreKept() {
        // PostgresTlsTest runs a coordinator on such a URL
        assertThat(JdbcBounds.url("jdbc:postgresql://db:5432/baton?sslmode=verify-full&sslrootcert=/etc/baton/db-ca.pem",
                3000)).isEqualTo("jdbc:postgresql://db:5432/baton?sslmode=verify-full&sslrootcert=/etc/baton/db-ca.pem"
                + "&socketTimeout=5&connectTimeout=5&loginTimeout=5&tcpKeepAlive=true");
    }

    @Test
    void aTransactionLeftIdleIsEndedAfterTheSocketTimeout() {
        assertThat(JdbcBounds.idleInTransactionMs(3000)).isEqualTo(5000);
        assertThat(JdbcBounds.idleInTransactionMs(100)).isEqualTo(3000);
        assertThat(JdbcBounds.initSql(3000))
                .isEqualTo("SET statement_timeout = 3000; SET idle_in_transaction_session_timeout = 5000");
    }
}
