package dev.baton.coordinator.redis;

import dev.baton.common.config.Redaction;
import dev.baton.coordinator.config.Settings;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.SslVerificationMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one RedissonClient. Redis only speeds Baton up (it wakes long-polling workers and lists live
 * workers; PostgreSQL alone decides who owns a job and enforces limits), so a coordinator starts
 * and serves without it: the client connects in the background and keeps trying.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator, never in an application that merely has it on its classpath
public final class RedisHub {
    private static final Logger LOG = LoggerFactory.getLogger(RedisHub.class);
    /** The longest a request waits for Redis (/health, GET /workers); no claim, heartbeat or enqueue waits for it at all. */
    static final Duration REQUEST_WAIT = Duration.ofMillis(500);
    private final String url;
    /** Whom to trust on rediss://: BATON_REDIS_TLS_CA's certificates, or null for the JVM's default trust. */
    private final TrustManagerFactory trust;
    private volatile RedissonClient client;
    private volatile boolean closed;
    private final Thread connector;
    private final java.util.List<java.util.function.Consumer<RedissonClient>> onConnect =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    public RedisHub(Settings settings) {
        this.url = settings.redisUrl();
        // Read at start, so that a CA file that cannot be read stops the start instead of a retry loop.
        this.trust = settings.redisTlsCa() == null ? null : RedisTrust.fromPem(settings.redisTlsCa());
        this.connector = Thread.ofVirtual().name("redis-connect").start(this::connectLoop);
    }

    /** Runs {@code action} with the client once connected (at once if it already is). */
    public synchronized void onConnect(java.util.function.Consumer<RedissonClient> action) {
        onConnect.add(action);
        if (client != null) {
            action.accept(client);
        }
    }

    public Optional<RedissonClient> client() {
        return Optional.ofNullable(client);
    }

    public boolean isUp() {
        RedissonClient c = client;
        if (c == null) {
            return false;
        }
        return answer(c.getBucket("baton:health").isExistsAsync()) != null;
    }

    /**
     * What a Redis command answered, or null when it failed or did not answer within
     * {@link #REQUEST_WAIT}. A request that reads Redis waits no longer than that: Redisson's own
     * timeout and retry (some seconds) are for the background writes, which no request waits for.
     */
    static <T> T answer(Future<T> command) {
        try {
            return command.get(REQUEST_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            command.cancel(false);
            LOG.debug("Redis did not answer: {}", e.toString());
            return null;
        }
    }

    private void connectLoop() {
        long backoffMs = 200;
        while (!closed && client == null && url != null) {
            try {
                Config config = new Config();
                config.useSingleServer().setAddress(url).setConnectionMinimumIdleSize(2).setConnectionPoolSize(16)
                        .setSubscriptionConnectionMinimumIdleSize(1).setTimeout(2000).setConnectTimeout(2000)
                        .setRetryAttempts(1);
                // rediss://: the certificate must come from a trusted CA and name the URL's host (said, not left to a default)
                config.setSslVerificationMode(SslVerificationMode.STRICT);
                if (trust != null) {
                    config.setSslTrustManagerFactory(trust);
                }
                RedissonClient created = Redisson.create(config);
                synchronized (this) {
                    client = created;
                    onConnect.forEach(action -> action.accept(created));
                }
                LOG.info("Redis connected at {}", Redaction.url(url));
            } catch (RuntimeException e) {
                LOG.warn("Redis at {} not reachable ({}); retrying in {} ms", Redaction.url(url), why(e), backoffMs);
                try {
                    TimeUnit.MILLISECONDS.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    return;
                }
                backoffMs = Math.min(backoffMs * 2, 5000);
            }
        }
    }

    /**
     * Redisson's message with the innermost cause's, which says what went wrong: "Connection
     * refused", or for rediss:// a certificate that was refused (not from a trusted CA, not naming the host).
     */
    private static String why(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.getMessage() : e.getMessage() + ": " + root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    @PreDestroy
    void close() {
        closed = true;
        connector.interrupt();
        RedissonClient c = client;
        if (c != null) {
            c.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
