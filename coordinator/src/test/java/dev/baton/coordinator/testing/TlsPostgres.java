package dev.baton.coordinator.testing;

import dev.baton.coordinator.embedded.EmbeddedPostgresServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;

/**
 * A PostgreSQL of a test's own (never the shared one) that takes TLS connections only: the
 * certificate a test made ({@link TestCertificates}), {@code ssl = on}, and a pg_hba.conf whose
 * only TCP entries are {@code hostssl} ones, so a plain connection is refused. Trust
 * authentication: the test is about the channel, not passwords. {@link #close} stops the server
 * and deletes its directory, binaries included.
 */
public final class TlsPostgres implements AutoCloseable {
    /** TCP from loopback over TLS only; the local socket for pg_ctl. The last line makes the refusal explicit. */
    private static final String HBA = """
            local     all all              trust
            hostssl   all all 127.0.0.1/32 trust
            hostssl   all all ::1/128      trust
            hostnossl all all 0.0.0.0/0    reject
            hostnossl all all ::/0         reject
            """;
    private final Path dir;
    private final EmbeddedPostgresServer server;

    /** Unpacked once per machine, shared by every test JVM (unpacking takes turns under a lock). */
    private static final Path BINARIES = Path.of(System.getProperty("java.io.tmpdir"), "baton-test-pg-binaries");

    private TlsPostgres(Path dir, EmbeddedPostgresServer server) {
        this.dir = dir;
        this.server = server;
    }

    /** Starts one presenting {@code certificate}; its directory is removed again if the start fails. */
    public static TlsPostgres start(TestCertificates.Issued certificate) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("baton-tls-pg");
        try {
            EmbeddedPostgresServer server = EmbeddedPostgresServer.startOnPort(dir, BINARIES,
                    freePort(), 30, data -> configure(data, certificate));
            return new TlsPostgres(dir, server);
        } catch (IOException | InterruptedException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    /**
     * The certificate and key beside the data (PostgreSQL refuses a key file that others may read:
     * so it is copied in as 0600), TLS on, plain TCP refused.
     */
    private static void configure(Path data, TestCertificates.Issued certificate) throws IOException {
        Files.copy(certificate.cert(), data.resolve("server.crt"));
        Path key = Files.copy(certificate.key(), data.resolve("server.key"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(data.resolve("postgresql.conf"), """

                ssl = on
                ssl_cert_file = 'server.crt'
                ssl_key_file = 'server.key'
                """, StandardOpenOption.APPEND);
        Files.writeString(data.resolve("pg_hba.conf"), HBA);
    }

    public int port() {
        return server.port();
    }

    /**
     * The JDBC URL of its {@code postgres} database at {@code host}, verifying the server's
     * certificate against {@code rootCert} and that it names {@code host}.
     */
    public String verifyFullUrl(String host, Path rootCert) {
        return url(host, port(), "sslmode=verify-full&sslrootcert=" + rootCert);
    }

    /** The JDBC URL of its {@code postgres} database at {@code host}:{@code port} with {@code parameters}. */
    public static String url(String host, int port, String parameters) {
        return "jdbc:postgresql://" + host + ":" + port + "/postgres?" + parameters;
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            deleteTree(dir);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
