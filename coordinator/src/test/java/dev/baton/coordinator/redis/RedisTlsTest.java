package dev.baton.coordinator.redis;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.baton.coordinator.service.Wakeups;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCertificates;
import dev.baton.coordinator.testing.TestCluster;
import dev.baton.coordinator.testing.TlsRedis;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Coordinators on a Redis that speaks TLS only, through {@code rediss://} and BATON_REDIS_TLS_CA
 * (the test's own CA): with database polling slowed to 10 s only Redis can wake a claim waiting on
 * one coordinator when another enqueues, and it does at once. A Redis whose certificate does not
 * verify (another CA, a host it does not name) is not used: the coordinator serves without it,
 * as without any Redis, and says why.
 */
class RedisTlsTest {
    @TempDir
    static Path certs;
    static Path caPem;
    static Path otherCaPem;
    static TlsRedis redis;
    static TestCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates.Ca ca = TestCertificates.ca("Baton test CA");
        caPem = ca.writeTo(certs.resolve("ca.pem"));
        otherCaPem = TestCertificates.ca("Unrelated CA").writeTo(certs.resolve("other-ca.pem"));
        redis = TlsRedis.start(ca, ca.server(certs, "redis"));
        cluster = TestCluster.start(RedisTlsTest.class, 2, Map.of("BATON_REDIS_URL", redis.url("localhost"),
                "BATON_REDIS_TLS_CA", caPem.toString(), "BATON_POLL_INTERVAL_MS", "10000"));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    @Test
    void anEnqueueOnOneCoordinatorWakesAClaimWaitingOnAnotherOverTls() throws Exception {
        for (int i = 0; i < 2; i++) {
            int c = i;
            assertThat(Jobs.eventually(30_000, () -> "up".equals(redisHealth(cluster.api(c))))).isTrue();
        }
        for (int i = 0; i < 3; i++) {
            assertThat(pickupMs("tls-wake-" + i)).as("ms from enqueue to the waiting claim's answer").isLessThan(1000);
        }
    }

    @Test
    void theRedisSpeaksNoPlainText() throws IOException {
        try (Socket plain = new Socket("127.0.0.1", redis.port())) {
            plain.setSoTimeout(5000);
            plain.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] answer;
            try {
                answer = plain.getInputStream().readNBytes(5);
            } catch (IOException reset) {
                answer = new byte[0];
            }
            assertThat(new String(answer, StandardCharsets.US_ASCII)).isNotEqualTo("+PONG");
        }
    }

    @Test
    void aRedisCertificateFromAnotherCaIsNotUsed() throws Exception {
        assertRefused(Map.of("BATON_REDIS_URL", redis.url("localhost"), "BATON_REDIS_TLS_CA", otherCaPem.toString()),
                "unable to find valid certification path");
    }

    @Test
    void aRedisCertificateThatDoesNotNameTheHostIsNotUsed() throws Exception {
        // the same Redis reached as 127.0.0.2, which its certificate does not name
        try (TcpProxy other = new TcpProxy(InetAddress.getByName("127.0.0.2"), "127.0.0.1", redis.port())) {
            assertRefused(Map.of("BATON_REDIS_URL", "rediss://127.0.0.2:" + other.port() + "/0",
                    "BATON_REDIS_TLS_CA", caPem.toString()), "No subject alternative names matching IP address 127.0.0.2");
        }
    }

    /** A coordinator with {@code settings} starts, serves with Redis down, and says why Redis is refused. */
    private static void assertRefused(Map<String, String> settings, String why) throws Exception {
        Queue<String> logged = new ConcurrentLinkedQueue<>(); // appended to by the hub's connecting thread
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                logged.add(event.getFormattedMessage());
            }
        };
        Logger hub = (Logger) LoggerFactory.getLogger(RedisHub.class);
        appender.start();
        hub.addAppender(appender);
        TestCluster refused = TestCluster.start(RedisTlsTest.class, 0);
        try {
            refused.addCoordinator(settings);
            assertThat(Jobs.eventually(30_000, () -> logged.stream().anyMatch(line -> line.contains(why))))
                    .as(() -> "logged: " + logged).isTrue();
            assertThat(redisHealth(refused.api())).isEqualTo("down");
            assertThat(Jobs.enqueue(refused.api(), "no-redis", Map.of()).path("id").asText()).isNotEmpty();
        } finally {
            hub.detachAppender(appender);
            refused.close();
        }
    }

    private static String redisHealth(Api api) {
        return api.get("/health", null).body().path("redis").asText();
    }

    private static long pickupMs(String queue) throws Exception {
        CompletableFuture<Api.Resp> waiting = CompletableFuture.supplyAsync(() -> cluster.api(1).post("/api/v1/claims",
                Api.WORKER, Map.of("workerId", "w", "queues", List.of(queue), "waitMs", 8000)));
        assertThat(Jobs.eventually(5000, () -> cluster.coordinator(1).context().getBean(Wakeups.class).waiting() > 0))
                .isTrue();
        long start = System.nanoTime();
        Jobs.enqueue(cluster.api(0), queue, Map.of());
        Api.Resp r = waiting.get(15, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("jobs")).hasSize(1);
        return (System.nanoTime() - start) / 1_000_000;
    }
}
