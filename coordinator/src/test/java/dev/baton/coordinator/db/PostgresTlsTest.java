package dev.baton.coordinator.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCertificates;
import dev.baton.coordinator.testing.TestCluster;
import dev.baton.coordinator.testing.TlsPostgres;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator on a PostgreSQL that takes TLS connections only, with
 * {@code sslmode=verify-full&sslrootcert=…} in BATON_DB_URL as an operator writes it: jobs go
 * round, every connection of the coordinator's pool is encrypted (pg_stat_ssl), and a server whose
 * certificate does not verify (another CA, or a host it does not name) stops the start at once,
 * saying so, instead of being waited for as an unreachable database.
 */
class PostgresTlsTest {
    /** Half of DatabaseWait's 60 s (one failed try takes some seconds on a busy host): a refused certificate is not waited for. */
    private static final long REFUSED_WITHIN_MS = 30_000;

    @TempDir
    static Path certs;
    static Path caPem;
    static Path otherCaPem;
    static TlsPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates.Ca ca = TestCertificates.ca("Baton test CA");
        caPem = ca.writeTo(certs.resolve("ca.pem"));
        otherCaPem = TestCertificates.ca("Unrelated CA").writeTo(certs.resolve("other-ca.pem"));
        postgres = TlsPostgres.start(ca.server(certs, "postgres"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    private static Map<String, String> database(String url) {
        return Map.of("BATON_DB_URL", url, "BATON_DB_USER", "postgres", "BATON_DB_PASSWORD", "");
    }

    @Test
    void aCoordinatorRunsJobsOverVerifiedTlsOnEveryConnection() throws Exception {
        String url = postgres.verifyFullUrl("localhost", caPem);
        try (TestCluster cluster = TestCluster.start(PostgresTlsTest.class, 1, database(url))) {
            Api api = cluster.api();
            String id = Jobs.enqueue(api, "tls", Map.of()).path("id").asText();
            JsonNode claimed = Jobs.claimOne(api, "tls", 30_000);
            Api.Resp done = api.post("/api/v1/jobs/" + id + "/complete", Api.WORKER,
                    Map.of("leaseToken", claimed.path("leaseToken").asText(), "result", Map.of("ok", true)));
            assertThat(done.status()).as(done.toString()).isEqualTo(200);
            assertThat(Jobs.get(api, id).path("status").asText()).isEqualTo("succeeded");

            // the fixed-size pool (BATON_DB_POOL_SIZE=10 in TestCluster) fills in the background: wait for all of it
            long deadline = System.nanoTime() + 30_000_000_000L;
            long[] seen = sslConnections(url);
            while (seen[0] < 10 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                seen = sslConnections(url);
            }
            assertThat(seen[0]).as("the coordinator's connections").isGreaterThanOrEqualTo(10);
            assertThat(seen[1]).as("of them encrypted").isEqualTo(seen[0]);
        }
    }

    /** The coordinator's backends: how many, and how many of them over TLS 1.2 or later. */
    private static long[] sslConnections(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", "");
             var ps = c.prepareStatement("""
                     select count(*), count(*) filter (where s.ssl and s.version in ('TLSv1.2', 'TLSv1.3'))
                     from pg_stat_activity a join pg_stat_ssl s using (pid)
                     where a.backend_type = 'client backend' and a.pid <> pg_backend_pid()""");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    @Test
    void aPlainConnectionIsRefused() {
        assertThatThrownBy(() -> DriverManager.getConnection(
                TlsPostgres.url("localhost", postgres.port(), "sslmode=disable"), "postgres", "").close())
                .isInstanceOf(SQLException.class).hasMessageContaining("no encryption");
    }

    @Test
    void aServerCertificateFromAnotherCaStopsTheStartAtOnce() {
        assertRefusedAtOnce(postgres.verifyFullUrl("localhost", otherCaPem),
                "unable to find valid certification path");
    }

    @Test
    void aHostTheCertificateDoesNotNameStopsTheStartAtOnce() throws Exception {
        // the same server reached as 127.0.0.2, which its certificate does not name
        try (TcpProxy other = new TcpProxy(InetAddress.getByName("127.0.0.2"), "127.0.0.1", postgres.port())) {
            String ca = "&sslrootcert=" + caPem;
            DriverManager.getConnection(TlsPostgres.url("127.0.0.2", other.port(), "sslmode=verify-ca" + ca),
                    "postgres", "").close(); // the CA alone is trusted through this route
            assertRefusedAtOnce(TlsPostgres.url("127.0.0.2", other.port(), "sslmode=verify-full" + ca),
                    "The hostname 127.0.0.2 could not be verified");
        }
    }

    /** The start fails, saying why, long before DatabaseWait would have given up on an unreachable database. */
    private static void assertRefusedAtOnce(String url, String driverSays) {
        try (TestCluster cluster = TestCluster.start(PostgresTlsTest.class, 0, database(url))) {
            long start = System.nanoTime();
            assertThatThrownBy(cluster::addCoordinator)
                    .cause().hasMessageContaining("the database's TLS certificate was refused")
                    .hasMessageContaining(driverSays);
            assertThat((System.nanoTime() - start) / 1_000_000).as("ms until the start gave up")
                    .isLessThan(REFUSED_WITHIN_MS);
        }
    }
}
