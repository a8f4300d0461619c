package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCluster;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketException;
import java.security.cert.CertificateException;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * A coordinator started while its database is away waits for it and starts once it is back
 * (a chaos run saw one restarted during a PostgreSQL restart exit 1 and stay down).
 */
class DatabaseWaitTest {

    @Test
    void aStartWithTheDatabaseAwayWaitsAndStartsOnceItIsBack() throws Exception {
        try (TestCluster cluster = TestCluster.start(DatabaseWaitTest.class, 0)) {
            try (TcpProxy proxy = TcpProxy.before(cluster.jdbcUrl())) {
                String viaProxy = proxy.via(cluster.jdbcUrl());
                proxy.cut();
                CompletableFuture<Coordinator> started = CompletableFuture.supplyAsync(
                        () -> cluster.addCoordinator(Map.of("BATON_DB_URL", viaProxy)));
                // the first tries fail while the link is cut; the start neither ends nor gives up
                Thread.sleep(2500);
                assertThat(started).isNotDone();
                proxy.restore();
                Coordinator c = started.get(DatabaseWait.WAIT_MS, TimeUnit.MILLISECONDS);
                assertThat(new Api(c.port()).get("/health", null).status()).isEqualTo(200);
            }
        }
    }

    @Test
    void onlyAnUnreachableDatabaseIsWaitedFor() {
        assertThat(DatabaseWait.isUnreachable(new RuntimeException("pool",
                new SQLException("refused", "08001", new ConnectException("Connection refused"))))).isTrue();
        assertThat(DatabaseWait.isUnreachable(new RuntimeException(new SQLException("shutting down", "57P01")))).isTrue();
        // a connection broken under the pool while Flyway or JobRunr used it (seen in a chaos run)
        assertThat(DatabaseWait.isUnreachable(new RuntimeException(new SQLException("Connection is closed")))).isTrue();
        // JobRunr creating its tables on a pooled connection, ended by the server for idling on starved cores
        assertThat(DatabaseWait.isUnreachable(new RuntimeException(new SQLException(
                "terminating connection due to idle-in-transaction timeout", "25P03")))).isTrue();
        // a soak run: JobRunr read "no migrations ran" over a reset connection and created its tables again
        assertThat(DatabaseWait.isUnreachable(new RuntimeException(new SQLException(
                "ERROR: relation \"jobrunr_jobs\" already exists", "42P07")))).isTrue();
        assertThat(DatabaseWait.isUnreachable(new RuntimeException(new BindException("Address already in use"))))
                .isFalse();
        assertThat(DatabaseWait.isUnreachable(new RuntimeException(new SQLException("syntax", "42601")))).isFalse();
    }

    @Test
    void aRefusedDatabaseCertificateIsNotWaitedFor() {
        // what PgJDBC throws for a server certificate from another CA (sslrootcert) ...
        var untrusted = new SQLException("SSL error: PKIX path building failed", "08006",
                new SSLHandshakeException("PKIX path building failed", new CertificateException("no path")));
        // ... and for one that does not name the host (sslmode=verify-full): no cause, only a message
        var wrongHost = new SQLException(
                "The hostname db could not be verified by hostnameverifier PgjdbcHostnameVerifier.", "08006");
        assertThat(DatabaseWait.isCertificateRefused(new RuntimeException("pool", untrusted))).isTrue();
        assertThat(DatabaseWait.isCertificateRefused(new RuntimeException("pool", wrongHost))).isTrue();
        // a connection reset during the handshake (a server restarting) is still waited for
        var reset = new SQLException("SSL error: Connection reset", "08006",
                new SSLException("Connection reset", new SocketException("Connection reset")));
        assertThat(DatabaseWait.isCertificateRefused(new RuntimeException(reset))).isFalse();
        assertThat(DatabaseWait.isUnreachable(new RuntimeException(reset))).isTrue();

        AtomicInteger tries = new AtomicInteger();
        assertThatThrownBy(() -> DatabaseWait.untilStarted(null, s -> {
            tries.incrementAndGet();
            throw new IllegalStateException("pool", untrusted);
        })).hasMessageStartingWith("the database's TLS certificate was refused (CertificateException: no path)")
                .hasMessageContaining("sslrootcert");
        assertThat(tries).hasValue(1);
    }

    @Test
    void theWaitCountsFromTheFirstFailureNotFromASlowStart() throws Exception {
        // soak 7, seed 23: a start on starved cores took 70 s to fail (JobRunr's 42P07 after a
        // reset), and the 60 s, counted from the start, were gone before the first wait
        AtomicLong now = new AtomicLong();
        AtomicInteger tries = new AtomicInteger();
        Object started = DatabaseWait.untilStarted(null, s -> {
            if (tries.incrementAndGet() == 1) {
                now.addAndGet(TimeUnit.SECONDS.toNanos(70));
                throw new IllegalStateException("start", new SocketException("Connection reset"));
            }
            return null;
        }, now::get);
        assertThat(started).isNull();
        assertThat(tries).hasValue(2);

        tries.set(0);
        assertThatThrownBy(() -> DatabaseWait.untilStarted(null, s -> {
            tries.incrementAndGet();
            now.addAndGet(TimeUnit.SECONDS.toNanos(40));
            throw new IllegalStateException("start", new SocketException("Connection reset"));
        }, now::get)).hasRootCauseInstanceOf(SocketException.class);
        assertThat(tries).as("40 s to fail, waited once, 80 s past the first failure: given up").hasValue(3);
    }

    @Test
    void anyOtherFailureEndsTheStartAtOnce() {
        AtomicInteger tries = new AtomicInteger();
        assertThatThrownBy(() -> DatabaseWait.untilStarted(null, s -> {
            tries.incrementAndGet();
            throw new IllegalStateException("port in use", new BindException("Address already in use"));
        })).isInstanceOf(IllegalStateException.class);
        assertThat(tries).hasValue(1);
    }
}
