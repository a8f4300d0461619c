package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.tls.TlsStores;
import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCertificates;
import dev.baton.coordinator.testing.TestCluster;
import io.micronaut.http.server.netty.NettyHttpServer;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's port over TLS, as a client sees it: HTTPS answers (health and a job's whole
 * round trip), plain HTTP on the same port gets no answer, only TLS 1.2 and 1.3, a renewed
 * certificate served without a restart (and a half-written renewal not served), and mutual TLS
 * refusing clients without a certificate from BATON_TLS_CLIENT_CA before any request is read.
 * Certificates are made by the test ({@link TestCertificates}).
 */
class TlsServerTest {
    @TempDir
    static Path dir;
    private static TestCertificates.Ca ca;
    private static TestCertificates.Issued server;
    private static TestCluster cluster;
    private static Coordinator tls;
    private static Coordinator mutual;
    private static SSLContext trustingCa;
    private static Map<String, String> tlsSettings;

    @BeforeAll
    static void start() {
        ca = TestCertificates.ca("Baton test CA");
        server = ca.server(dir, "server");
        Path caFile = ca.writeTo(dir.resolve("ca.crt"));
        trustingCa = TlsStores.context(null, TlsStores.trustStore(caFile));
        cluster = TestCluster.start(TlsServerTest.class, 0);
        tlsSettings = Map.of("BATON_TLS_CERT", server.cert().toString(), "BATON_TLS_KEY", server.key().toString(),
                "BATON_TLS_RELOAD_MS", "200");
        tls = cluster.addCoordinator(tlsSettings);
        TestCertificates.Issued mutualServer = ca.server(dir, "mutual-server");
        mutual = cluster.addCoordinator(Map.of("BATON_TLS_CERT", mutualServer.cert().toString(),
                "BATON_TLS_KEY", mutualServer.key().toString(), "BATON_TLS_CLIENT_CA", caFile.toString()));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void answersHealthAndAJobsRoundTripOverHttps() {
        Api api = Api.https("localhost", tls.port(), trustingCa);
        Api.Resp health = api.get("/health", null);
        assertThat(health.status()).as(health.toString()).isEqualTo(200);

        JsonNode job = Jobs.enqueue(api, "tls", Map.of("payload", Map.of("n", 1)));
        JsonNode claimed = Jobs.claimOne(api, "tls", 30_000);
        assertThat(claimed.path("id").asText()).isEqualTo(job.path("id").asText());
        Api.Resp done = api.post("/api/v1/jobs/" + claimed.path("id").asText() + "/complete", Api.WORKER,
                Map.of("leaseToken", claimed.path("leaseToken").asText(), "result", Map.of("ok", true)));
        assertThat(done.status()).as(done.toString()).isEqualTo(200);
        assertThat(Jobs.get(api, job.path("id").asText()).path("status").asText()).isEqualTo("succeeded");
        assertThat(api.get("/api/v1/queues", null).status()).as("a token is still needed over TLS").isEqualTo(401);
    }

    @Test
    void theServerIsCheckedAgainstItsNameAndCa() {
        // 127.0.0.1 is in the certificate; a client trusting only the JDK's CAs refuses it.
        assertThat(Api.https("127.0.0.1", tls.port(), trustingCa).get("/health", null).status()).isEqualTo(200);
        SSLContext jdkDefaults = TlsStores.context((KeyStore) null, (KeyStore) null);
        assertThatThrownBy(() -> Api.https("localhost", tls.port(), jdkDefaults).get("/health", null))
                .isInstanceOf(UncheckedIOException.class).rootCause()
                .hasMessageContaining("unable to find valid certification path");
    }

    @Test
    void plainHttpOnTheTlsPortGetsNoAnswer() throws IOException {
        assertThat(((NettyHttpServer) tls.context().getBean(EmbeddedServer.class)).getBoundPorts())
                .as("one listener, the TLS one: no plain-HTTP port beside it").containsExactly(tls.port());
        try (Socket s = new Socket("127.0.0.1", tls.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] answer;
            try (InputStream in = s.getInputStream()) {
                answer = in.readAllBytes();
            } catch (IOException e) {
                answer = new byte[0]; // no answer at all, or the connection reset: either way no data
            }
            String text = new String(answer, StandardCharsets.ISO_8859_1);
            assertThat(text).doesNotContain("HTTP/").doesNotContain("status").doesNotContain("\"up\"");
        }
        // and the port still serves TLS afterwards
        assertThat(Api.https("localhost", tls.port(), trustingCa).get("/health", null).status()).isEqualTo(200);
    }

    @Test
    void aClientThatNeverHandshakesIsDroppedAfterTheHandshakeTimeout() throws IOException {
        try (Socket s = new Socket("127.0.0.1", tls.port())) {
            s.setSoTimeout(30_000);
            long start = System.nanoTime();
            int read;
            try {
                read = s.getInputStream().read(); // sends nothing: no ClientHello ever
            } catch (IOException e) {
                read = -1; // reset: dropped all the same
            }
            Duration held = Duration.ofNanos(System.nanoTime() - start);
            assertThat(read).as("no data, only the close").isEqualTo(-1);
            assertThat(held).as("micronaut.server.ssl.handshake-timeout is 10 s").isBetween(Duration.ofSeconds(8),
                    Duration.ofSeconds(20));
        }
    }

    @Test
    void speaksTls12And13AndNothingOlder() throws IOException {
        assertThat(handshake(tls.port(), trustingCa, "TLSv1.3").getProtocol()).isEqualTo("TLSv1.3");
        assertThat(handshake(tls.port(), trustingCa, "TLSv1.2").getProtocol()).isEqualTo("TLSv1.2");
        // The JDK disables TLS 1.1 in its clients too, so the attempt may end before reaching the
        // server; the server's own list is what Coordinator gives Micronaut, checked below.
        assertThatThrownBy(() -> handshake(tls.port(), trustingCa, "TLSv1.1")).isInstanceOf(SSLException.class);
        assertThat(Coordinator.micronautProperties(Settings.load(Map.of(), cluster.settingsFor(tlsSettings))))
                .containsEntry("micronaut.server.ssl.protocols", List.of("TLSv1.3", "TLSv1.2"))
                .containsEntry("micronaut.server.ssl.enabled", true)
                .containsEntry("micronaut.server.dual-protocol", false);
    }

    @Test
    void aRenewedCertificateIsServedWithoutARestartAndAHalfWrittenOneIsNot() throws Exception {
        BigInteger before = servedSerial(tls.port());
        assertThat(before).isEqualTo(server.serial());

        // A renewal caught halfway: the new key is in place, the certificate is still the old one.
        // (The renewal is RSA with a PKCS#1 key where the first was EC: both kinds are served.)
        TestCertificates.Issued renewed = ca.rsaServer(dir.resolve("renewal"), "server");
        TestCertificates.replace(renewed.key(), server.key());
        Thread.sleep(600); // three reload periods: the mismatched pair must not be picked up
        assertThat(servedSerial(tls.port())).as("a key without its certificate is not served").isEqualTo(before);

        TestCertificates.replace(renewed.cert(), server.cert());
        assertThat(Jobs.eventually(10_000, () -> renewed.serial().equals(servedSerial(tls.port()))))
                .as("the renewed certificate is served within the reload period").isTrue();
        assertThat(Api.https("localhost", tls.port(), trustingCa).get("/health", null).status()).isEqualTo(200);
    }

    @Test
    void mutualTlsRefusesAClientWithoutACertificateFromTheClientCa() throws Exception {
        assertThatThrownBy(() -> Api.https("localhost", mutual.port(), trustingCa).get("/health", null))
                .as("no client certificate").isInstanceOf(UncheckedIOException.class);

        TestCertificates.Ca other = TestCertificates.ca("Some other CA");
        TestCertificates.Issued stranger = other.client(dir.resolve("other"), "stranger");
        SSLContext strangerContext = TlsStores.context(TlsStores.keyStore(stranger.cert(), stranger.key()),
                TlsStores.trustStore(dir.resolve("ca.crt")));
        assertThatThrownBy(() -> Api.https("localhost", mutual.port(), strangerContext).get("/health", null))
                .as("a client certificate from another CA").isInstanceOf(UncheckedIOException.class);

        TestCertificates.Issued worker = ca.client(dir.resolve("clients"), "worker-1");
        KeyStore workerKeys = TlsStores.keyStore(worker.cert(), worker.key());
        Api api = Api.https("localhost", mutual.port(), TlsStores.context(workerKeys,
                TlsStores.trustStore(dir.resolve("ca.crt"))));
        assertThat(api.get("/health", null).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/queues", Api.ADMIN).status()).isEqualTo(200);
    }

    @Test
    void aCoordinatorWithABadTlsSettingDoesNotStart() throws IOException {
        Map<String, String> base = new HashMap<>(cluster.settingsFor(Map.of()));
        base.put("BATON_TLS_CERT", server.cert().toString());
        assertThatThrownBy(() -> Settings.load(Map.of(), base))
                .hasMessage("BATON_TLS_CERT is set but BATON_TLS_KEY is not: HTTPS needs both (or neither, for HTTP)");
        Path notPem = Files.writeString(dir.resolve("not.pem"), "hello");
        base.put("BATON_TLS_KEY", notPem.toString());
        assertThatThrownBy(() -> Settings.load(Map.of(), base))
                .hasMessage("BATON_TLS_CERT/BATON_TLS_KEY: " + notPem + " is not a PEM file (no -----BEGIN …----- block)");
    }

    /** The handshake's session, with only {@code protocol} enabled on the client. */
    private static javax.net.ssl.SSLSession handshake(int port, SSLContext context, String protocol) throws IOException {
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
            s.setSoTimeout(5000);
            SSLParameters p = s.getSSLParameters();
            p.setProtocols(new String[] {protocol});
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.startHandshake();
            return s.getSession();
        }
    }

    /** The serial number of the certificate a new connection is given. */
    private static BigInteger servedSerial(int port) {
        try {
            X509Certificate leaf = (X509Certificate) handshake(port, trustingCa, "TLSv1.3").getPeerCertificates()[0];
            return leaf.getSerialNumber();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
