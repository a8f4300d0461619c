package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.common.tls.TlsStores;
import dev.baton.coordinator.testing.TestCertificates;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's HTTP client over TLS against a small TLS server on a real socket: it trusts the CA
 * it is given (and keeps the connection for the next request), and every certificate it must
 * refuse (untrusted issuer, another host's, expired, a port without TLS, a coordinator that wants
 * a client certificate) is refused with one line naming the URL and the reason. A server that
 * accepts and never handshakes does not hold it past its handshake timeout.
 */
class Http1TlsTest {
    @TempDir
    static Path dir;
    private static TestCertificates.Ca ca;
    private static Path caFile;
    private ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.ca("Http1 test CA");
        caFile = ca.writeTo(dir.resolve("ca.crt"));
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    /** A keep-alive server answering every request {@code {"ok":true}}, over TLS with {@code served} when given. */
    private String serve(TestCertificates.Issued served, boolean wantClientCertificate) throws IOException {
        if (served == null) {
            server = new ServerSocket(0);
        } else {
            SSLServerSocket tls = (SSLServerSocket) TlsStores.context(TlsStores.keyStore(served.cert(), served.key()),
                    TlsStores.trustStore(caFile)).getServerSocketFactory().createServerSocket(0);
            tls.setNeedClientAuth(wantClientCertificate);
            server = tls;
        }
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> answer(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return (served == null ? "http" : "https") + "://127.0.0.1:" + server.getLocalPort() + "/";
    }

    private static void answer(Socket s) {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            while (true) {
                int length = 0;
                String l = in.readLine();
                if (l == null) {
                    return;
                }
                for (; l != null && !l.isEmpty(); l = in.readLine()) {
                    if (l.toLowerCase().startsWith("content-length:")) {
                        length = Integer.parseInt(l.substring(15).trim());
                    }
                }
                in.skip(length); // the requests are ASCII JSON: a char is a byte
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\":true}".getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the client went away, or refused the handshake
        }
    }

    private static Http1.Response post(String url, ClientTls tls) throws IOException {
        return new Http1(URI.create(url), tls).post("/x", Map.of(), "{}", Duration.ofSeconds(5));
    }

    @Test
    void aServerSignedByTheGivenCaIsTrustedAndItsConnectionKept() throws IOException {
        String url = serve(ca.server(dir.resolve("ok"), "server"), false);
        Http1 http = new Http1(URI.create(url), ClientTls.of(caFile, null, null));
        for (int i = 0; i < 5; i++) {
            Http1.Response r = http.post("/x", Map.of(), "{}", Duration.ofSeconds(5));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"ok\":true}");
        }
        assertThat(connections.get()).as("one handshake for five requests").isEqualTo(1);
        http.close();
    }

    @Test
    void anUntrustedIssuerIsNamedWithTheUrlAndTheTrustStore() throws IOException {
        String url = serve(ca.server(dir.resolve("untrusted"), "server"), false);
        assertThatThrownBy(() -> post(url, null)).isInstanceOf(Http1.TlsRefused.class)
                .hasMessageStartingWith("TLS to " + url + " failed: the coordinator's certificate CN=server "
                        + "(issued by CN=Http1 test CA, valid until ")
                .hasMessageContaining("is not signed by a CA this worker trusts (untrusted issuer; it trusts the "
                        + "JDK's default trust store (BATON_TLS_CA is not set))")
                .hasMessageContaining("a configuration error");
        TestCertificates.Ca other = TestCertificates.ca("Another CA");
        Path otherCa = other.writeTo(dir.resolve("other-ca.crt"));
        assertThatThrownBy(() -> post(url, ClientTls.of(otherCa, null, null)))
                .hasMessageContaining("it trusts only the CAs in " + otherCa + " (BATON_TLS_CA)");
    }

    @Test
    void aCertificateForAnotherHostIsAHostnameMismatch() throws IOException {
        String url = serve(ca.server(dir.resolve("elsewhere"), "server", List.of("baton.example")), false);
        assertThatThrownBy(() -> post(url, ClientTls.of(caFile, null, null))).isInstanceOf(Http1.TlsRefused.class)
                .hasMessageStartingWith("TLS to " + url + " failed: the coordinator's certificate CN=server")
                .hasMessageContaining("is not for the host name 127.0.0.1 (hostname mismatch");
    }

    @Test
    void anExpiredCertificateIsSaidToBeExpired() throws IOException {
        String url = serve(ca.expiredServer(dir.resolve("expired"), "server"), false);
        assertThatThrownBy(() -> post(url, ClientTls.of(caFile, null, null))).isInstanceOf(Http1.TlsRefused.class)
                .hasMessageStartingWith("TLS to " + url + " failed: the coordinator's certificate CN=server")
                .hasMessageContaining(" has expired");
    }

    @Test
    void httpsToAPlainHttpPortIsSaidToBeOne() throws IOException {
        server = new ServerSocket(0);
        Thread.ofVirtual().start(() -> {
            try (Socket s = server.accept()) {
                s.getInputStream().read(new byte[512]); // a ClientHello: no HTTP request, so a 400, as Netty answers
                s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // the test is over
            }
        });
        String url = "https://127.0.0.1:" + server.getLocalPort() + "/";
        assertThatThrownBy(() -> post(url, ClientTls.of(caFile, null, null))).isInstanceOf(Http1.TlsRefused.class)
                .hasMessageContaining("does not speak TLS on this port (plain HTTP? then the URL is http://)");
    }

    @Test
    void aServerThatWantsAClientCertificateGetsTheOneConfigured() throws IOException {
        String url = serve(ca.server(dir.resolve("mutual"), "server"), true);
        assertThatThrownBy(() -> post(url, ClientTls.of(caFile, null, null))).isInstanceOf(Http1.TlsRefused.class)
                .hasMessageContaining("the coordinator requires a client certificate (mutual TLS) and this worker has "
                        + "none it accepts: it presents no client certificate (BATON_TLS_CLIENT_CERT is not set), and the "
                        + "coordinator accepts certificates issued by CN=Http1 test CA");
        TestCertificates.Issued stranger = TestCertificates.ca("Another CA").client(dir.resolve("mutual"), "stranger");
        assertThatThrownBy(() -> post(url, ClientTls.of(caFile, stranger.cert(), stranger.key())))
                .isInstanceOf(Http1.TlsRefused.class)
                .hasMessageContaining("this worker has none it accepts: it presents the client certificate in "
                        + stranger.cert() + " (BATON_TLS_CLIENT_CERT)");
        TestCertificates.Issued worker = ca.client(dir.resolve("mutual"), "worker");
        assertThat(post(url, ClientTls.of(caFile, worker.cert(), worker.key())).status()).isEqualTo(200);
    }

    @Test
    void aServerThatNeverHandshakesDoesNotHoldTheClient() throws IOException {
        server = new ServerSocket(0); // accepts (the backlog does) and says nothing
        String url = "https://127.0.0.1:" + server.getLocalPort() + "/";
        long start = System.nanoTime();
        assertThatThrownBy(() -> new Http1(URI.create(url), ClientTls.of(caFile, null, null))
                .post("/x", Map.of(), "{}", Duration.ofSeconds(60)))
                .isInstanceOf(SocketTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void aClientCertificateWithoutItsKeyIsRefused() {
        TestCertificates.Issued worker = ca.client(dir.resolve("half"), "worker");
        assertThatThrownBy(() -> ClientTls.of(null, worker.cert(), null))
                .hasMessage("a client certificate needs its private key, and the key its certificate: give both or "
                        + "neither");
    }
}
