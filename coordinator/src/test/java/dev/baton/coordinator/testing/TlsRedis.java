package dev.baton.coordinator.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A Redis of a test's own (never the shared one) that speaks TLS only: the redis-server of the
 * operating system (Debian's is built with TLS; embedded-redis's binary is not) on a
 * {@code --tls-port}, with the plain port off, presenting a certificate the test made
 * ({@link TestCertificates}); clients need no certificate of their own. {@link #close} stops it
 * and deletes its directory.
 */
public final class TlsRedis implements AutoCloseable {
    /** Where Debian and most distributions install it. */
    private static final Path BINARY = Path.of("/usr/bin/redis-server");
    private static final long START_TIMEOUT_MS = 20_000;
    private final Process process;
    private final Path dir;
    private final int port;

    private TlsRedis(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts one presenting {@code certificate}, issued by {@code ca}, and waits until it answers a
     * PING over TLS; stopped again if it does not.
     */
    public static TlsRedis start(TestCertificates.Ca ca, TestCertificates.Issued certificate)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException("no " + BINARY + " with TLS for the Redis TLS tests (apt-get install redis-server)");
        }
        Path dir = Files.createTempDirectory("baton-tls-redis");
        Path caPem = ca.writeTo(dir.resolve("ca.pem"));
        int port = freePort();
        Process process = new ProcessBuilder(List.of(BINARY.toString(), "--port", "0", "--tls-port",
                Integer.toString(port), "--bind", "127.0.0.1", "--tls-cert-file", certificate.cert().toString(),
                "--tls-key-file", certificate.key().toString(), "--tls-ca-cert-file", caPem.toString(),
                "--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--dir", dir.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        TlsRedis redis = new TlsRedis(process, dir, port);
        try {
            redis.awaitPong(ca.certificate());
            return redis;
        } catch (IOException | InterruptedException | RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /** {@code rediss://host:port/0}. */
    public String url(String host) {
        return "rediss://" + host + ":" + port + "/0";
    }

    private void awaitPong(X509Certificate ca) throws IOException, InterruptedException {
        SSLContext tls = trusting(ca);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout(2000);
                s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                if (new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII).equals("+PONG")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IOException("Redis with TLS did not start; see " + dir.resolve("redis.log") + ":\n"
                + Files.readString(dir.resolve("redis.log")));
    }

    private static SSLContext trusting(X509Certificate ca) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ca", ca);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SIGTERM, then SIGKILL if it has not gone within 5 s; then its directory is deleted. */
    @Override
    public void close() throws IOException {
        try {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
