package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.baton.common.Requests;
import dev.baton.common.tls.TlsStores;
import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCertificates;
import dev.baton.coordinator.testing.TestCluster;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The worker library against real coordinators over HTTPS: with BATON_TLS_CA it runs jobs to
 * success; without it (the JDK's trust store knows nothing of the test CA) every claim fails with
 * the message naming the URL and the untrusted issuer, as a configuration error, and no job runs;
 * against a coordinator requiring mutual TLS it works with a client certificate from the CA the
 * coordinator trusts and is refused, saying so, without one.
 */
class WorkerTlsTest {
    @TempDir
    static Path dir;
    private static TestCluster cluster;
    private static Coordinator tls;
    private static Coordinator mutual;
    private static Path caFile;
    private static TestCertificates.Issued workerCertificate;
    private static Api producer;

    @BeforeAll
    static void start() {
        TestCertificates.Ca ca = TestCertificates.ca("Worker test CA");
        caFile = ca.writeTo(dir.resolve("ca.crt"));
        TestCertificates.Issued server = ca.server(dir, "server");
        workerCertificate = ca.client(dir, "worker-1");
        Map<String, String> serving = Map.of("BATON_TLS_CERT", server.cert().toString(),
                "BATON_TLS_KEY", server.key().toString());
        cluster = TestCluster.start(WorkerTlsTest.class, 0);
        tls = cluster.addCoordinator(serving);
        mutual = cluster.addCoordinator(Map.of("BATON_TLS_CERT", server.cert().toString(),
                "BATON_TLS_KEY", server.key().toString(), "BATON_TLS_CLIENT_CA", caFile.toString()));
        producer = Api.https("localhost", tls.port(), TlsStores.context(null, TlsStores.trustStore(caFile)));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String url(Coordinator c) {
        return "https://localhost:" + c.port();
    }

    private static Worker.Builder worker(String queue, Coordinator c) {
        return Worker.builder().coordinators(url(c)).token(Api.WORKER).queues(queue).concurrency(4).leaseMs(5000)
                .shutdownGrace(Duration.ofSeconds(5)).handler("tls.echo", ctx -> Map.of("echo", ctx.payload()));
    }

    private static long succeeded(String queue) {
        return cluster.queryLong("select count(*) from jobs where queue = ? and status = 'succeeded'", queue);
    }

    @Test
    void withTheCoordinatorsCaAWorkerRunsJobsToSuccess() throws Exception {
        for (int i = 0; i < 20; i++) {
            Jobs.enqueue(producer, "tls-ok", Map.of("type", "tls.echo", "payload", Map.of("n", i)));
        }
        try (Worker w = worker("tls-ok", tls).tlsCa(caFile).build().start()) {
            assertThat(Jobs.eventually(30_000, () -> succeeded("tls-ok") == 20)).isTrue();
        }
    }

    @Test
    void withoutTheCaEveryClaimFailsSayingWhyAndNoJobRuns() throws Exception {
        Jobs.enqueue(producer, "tls-untrusted", Map.of("type", "tls.echo", "payload", Map.of()));
        BatonClient client = new BatonClient(List.of(URI.create(url(tls) + "/")), Api.WORKER);
        assertThatThrownBy(() -> client.claim(new Requests.Claim("w", List.of("tls-untrusted"), List.of("tls.echo"),
                1, 0L, 5000L)))
                .isInstanceOf(BatonClient.Misconfigured.class)
                .hasMessageStartingWith("TLS to " + url(tls) + "/ failed: the coordinator's certificate CN=server "
                        + "(issued by CN=Worker test CA")
                .hasMessageContaining("is not signed by a CA this worker trusts (untrusted issuer; it trusts the JDK's "
                        + "default trust store (BATON_TLS_CA is not set))");
        Logger log = (Logger) LoggerFactory.getLogger(Worker.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try (Worker w = worker("tls-untrusted", tls).build().start()) {
            assertThat(Jobs.eventually(10_000, () -> logged.list.stream().anyMatch(e -> e.getLevel() == Level.ERROR
                    && e.getFormattedMessage().startsWith("claim failed: TLS to " + url(tls) + "/ failed: the "
                    + "coordinator's certificate CN=server")))).as("the worker says why, at ERROR").isTrue();
            assertThat(succeeded("tls-untrusted")).isZero();
        } finally {
            log.detachAppender(logged);
        }
        assertThat(logged.list.stream().filter(e -> e.getLevel() == Level.ERROR)).as("said once, not every try")
                .hasSize(1);
        client.close();
    }

    @Test
    void mutualTlsWorksWithTheWorkersCertificateAndIsRefusedWithoutIt() throws Exception {
        for (int i = 0; i < 5; i++) {
            Jobs.enqueue(producer, "tls-mutual", Map.of("type", "tls.echo", "payload", Map.of("n", i)));
        }
        BatonClient anonymous = new BatonClient(List.of(URI.create(url(mutual) + "/")), Api.WORKER,
                ClientTls.of(caFile, null, null));
        assertThatThrownBy(() -> anonymous.claim(new Requests.Claim("w", List.of("tls-mutual"), List.of("tls.echo"),
                1, 0L, 5000L)))
                .isInstanceOf(BatonClient.Misconfigured.class)
                .hasMessageStartingWith("TLS to " + url(mutual) + "/ failed: the coordinator requires a client "
                        + "certificate (mutual TLS) and this worker has none it accepts");
        anonymous.close();
        TestCertificates.Issued stranger = TestCertificates.ca("Some other CA").client(dir.resolve("other"), "stranger");
        BatonClient strangerClient = new BatonClient(List.of(URI.create(url(mutual) + "/")), Api.WORKER,
                ClientTls.of(caFile, stranger.cert(), stranger.key()));
        assertThatThrownBy(() -> strangerClient.claim(new Requests.Claim("w", List.of("tls-mutual"),
                List.of("tls.echo"), 1, 0L, 5000L)))
                .isInstanceOf(BatonClient.Misconfigured.class)
                .hasMessageStartingWith("TLS to " + url(mutual) + "/ failed: the coordinator ")
                .hasMessageContaining("the client certificate in " + stranger.cert() + " (BATON_TLS_CLIENT_CERT)");
        strangerClient.close();
        try (Worker w = worker("tls-mutual", mutual).tlsCa(caFile)
                .tlsClientCertificate(workerCertificate.cert(), workerCertificate.key()).build().start()) {
            assertThat(Jobs.eventually(30_000, () -> succeeded("tls-mutual") == 5)).isTrue();
        }
    }
}
