package dev.baton.coordinator;

import dev.baton.common.BatonVersion;
import dev.baton.common.config.Redaction;
import dev.baton.common.telemetry.OtlpTracing;
import dev.baton.common.tls.TlsStores;
import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.JdbcBounds;
import dev.baton.coordinator.db.Migrations;
import dev.baton.coordinator.embedded.DataDirLock;
import dev.baton.coordinator.embedded.EmbeddedPostgresServer;
import dev.baton.coordinator.embedded.EmbeddedRedisServer;
import dev.baton.coordinator.tls.ServerCertificates;
import dev.baton.coordinator.tracing.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running coordinator: embedded PostgreSQL and Redis when no URLs are given, then the
 * Micronaut context. Tests start several of these in one JVM against one database.
 */
public final class Coordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    private final ApplicationContext context;
    private final GracefulStop stop;
    private final DataDirLock lock;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean stoppedInTime;

    private Coordinator(ApplicationContext context, Settings settings, DataDirLock lock, EmbeddedPostgresServer pg,
                             EmbeddedRedisServer redis, OpenTelemetrySdk tracingSdk) {
        this.context = context;
        this.lock = lock;
        List<LongConsumer> embedded = new ArrayList<>();
        if (redis != null) {
            embedded.add(ms -> redis.close());
        }
        if (pg != null) {
            embedded.add(pg::stop);
        }
        LongConsumer flushSpans = tracingSdk == null ? ms -> { } : ms -> OtlpTracing.stop(tracingSdk, ms);
        this.stop = new GracefulStop(context, flushSpans, embedded, settings.shutdownTimeoutMs(),
                settings.shutdownUnreadyMs());
    }

    /**
     * Starts embedded services where no URL is given, then the Micronaut context and its HTTP
     * server. Micronaut's own start is not used: it adds a JVM shutdown hook of its own, and the
     * coordinator's single stop ({@link #close}) must decide the order alone.
     */
    public static Coordinator start(Settings settings) throws Exception {
        return start(settings, null);
    }

    /**
     * As {@link #start(Settings)}, making its spans with {@code openTelemetry} (a test's SDK that
     * keeps them in memory; the caller stops it). Null: the settings decide, an SDK exporting to
     * BATON_OTLP_ENDPOINT (flushed and stopped with the coordinator) or, unset, no tracing at all.
     */
    public static Coordinator start(Settings settings, OpenTelemetry openTelemetry) throws Exception {
        OpenTelemetrySdk ownSdk = openTelemetry == null && settings.otlpEndpoint() != null
                ? OtlpTracing.start(settings.otlpEndpoint(), "baton-coordinator") : null;
        Tracing tracing = new Tracing(openTelemetry != null ? openTelemetry
                : ownSdk != null ? ownSdk : OpenTelemetry.noop());
        try {
            return start(settings, tracing, ownSdk);
        } catch (Exception | Error e) {
            if (ownSdk != null) {
                ownSdk.shutdown();
            }
            throw e;
        }
    }

    private static Coordinator start(Settings settings, Tracing tracing, OpenTelemetrySdk ownSdk) throws Exception {
        String node = node();
        LOG.info("Baton coordinator {} starting (node {}): {} port {}, database {}, Redis {}", BatonVersion.get(), node,
                settings.tls().enabled() ? "HTTPS" : "HTTP", settings.httpPort(), where(settings.dbUrl(), settings.dbUser()),
                where(settings.redisUrl(), null));
        EmbeddedPostgresServer pg = null;
        EmbeddedRedisServer redis = null;
        DataDirLock lock = null;
        Settings effective = settings;
        try {
            if (settings.dbUrl() == null || settings.redisUrl() == null) {
                lock = DataDirLock.take(settings.dataDir());
            }
            if (settings.dbUrl() == null) {
                pg = EmbeddedPostgresServer.start(settings.dataDir(), lock);
                effective = effective.withServices(pg.jdbcUrl(), "postgres", "", effective.redisUrl());
            }
            if (settings.redisUrl() == null) {
                redis = EmbeddedRedisServer.start(settings.dataDir(), lock);
                effective = effective.withServices(effective.dbUrl(), effective.dbUser(), effective.dbPassword(), redis.url());
            }
        } catch (Exception | Error e) {
            stopEmbedded(pg, redis, lock);
            throw e;
        }
        if (pg != null || redis != null) {
            LOG.warn("Running on embedded defaults ({}{}), data under {}. For real use set BATON_DB_URL "
                    + "(jdbc:postgresql://host:5432/db), BATON_DB_USER, BATON_DB_PASSWORD and BATON_REDIS_URL "
                    + "(redis://host:6379/0).", pg != null ? "embedded PostgreSQL" : "",
                    redis != null ? (pg != null ? " and " : "") + "embedded Redis" : "", settings.dataDir());
        }
        ApplicationContext context;
        try {
            context = DatabaseWait.untilStarted(effective, s -> {
                Migrations.apply(s.dbUrl(), s.dbUser(), s.dbPassword(), s.dbStatementTimeoutMs());
                return startContext(s, tracing);
            });
        } catch (Exception | Error e) {
            stopEmbedded(pg, redis, lock);
            throw e;
        }
        int port = context.getBean(EmbeddedServer.class).getPort();
        LOG.info("Baton coordinator {} ready (node {}): listening on {}://127.0.0.1:{}, database {}, Redis {}",
                BatonVersion.get(), node, settings.tls().enabled() ? "https" : "http", port,
                where(effective.dbUrl(), effective.dbUser()), where(effective.redisUrl(), null));
        if (ownSdk != null) {
            LOG.info("Tracing: spans go over OTLP/HTTP to {} (BATON_OTLP_ENDPOINT)",
                    Redaction.url(settings.otlpEndpoint().toString()));
        }
        return new Coordinator(context, effective, lock, pg, redis, ownSdk);
    }

    /** Which database or Redis, never with a password: {@code jdbc:postgresql://db:5432/baton as baton}. */
    private static String where(String url, String user) {
        return url == null ? "embedded" : Redaction.address(url) + (user == null ? "" : " as " + user);
    }

    /** This coordinator among others in the logs: host and process id, as a worker names itself by default. */
    private static String node() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid();
    }

    /** The Micronaut context and its HTTP server; nothing left running when it fails. */
    private static ApplicationContext startContext(Settings effective, Tracing tracing) {
        ApplicationContext context = null;
        try {
            context = Micronaut.build(new String[0])
                    .mainClass(CoordinatorMain.class)
                    .banner(false)
                    .deduceEnvironment(false)
                    .properties(micronautProperties(effective))
                    .singletons(effective, tracing)
                    .build()
                    .start();
            context.getBean(EmbeddedServer.class).start();
            return context;
        } catch (RuntimeException | Error e) {
            if (context != null && context.isRunning()) {
                context.close();
            }
            throw e;
        }
    }

    private static void stopEmbedded(EmbeddedPostgresServer pg, EmbeddedRedisServer redis, DataDirLock lock) {
        if (redis != null) {
            redis.close();
        }
        if (pg != null) {
            pg.close();
        }
        if (lock != null) {
            lock.close();
        }
    }

    static Map<String, Object> micronautProperties(Settings s) {
        Map<String, Object> p = new HashMap<>();
        p.put("micronaut.application.name", "baton-coordinator");
        p.put("micronaut.server.port", s.httpPort());
        p.put("micronaut.server.max-request-size", s.requestBytes());
        p.put("micronaut.server.thread-selection", "BLOCKING");
        p.put("datasources.default.url", JdbcBounds.url(s.dbUrl(), s.dbStatementTimeoutMs()));
        p.put("datasources.default.username", s.dbUser());
        p.put("datasources.default.password", s.dbPassword());
        p.put("datasources.default.driver-class-name", "org.postgresql.Driver");
        p.put("datasources.default.maximum-pool-size", s.dbPoolSize());
        // A fixed-size pool, as HikariCP advises: a burst at start (or after an outage) finds its
        // connections open instead of growing one at a time while requests time out (a chaos run
        // saw 503s in its first seconds with 6 of 20 connections open).
        p.put("datasources.default.minimum-idle", s.dbPoolSize());
        // Every database call is bounded (JdbcBounds); so are waiting for a pooled connection, checking
        // one, and noticing an idle one died (keepalive: Hikari's shortest).
        p.put("datasources.default.connection-init-sql", JdbcBounds.initSql(s.dbStatementTimeoutMs()));
        p.put("datasources.default.connection-timeout", 3000);
        p.put("datasources.default.validation-timeout", 1000);
        p.put("datasources.default.keepalive-time", 30_000);
        p.put("datasources.default.pool-name", "baton");
        // Migrations ran before the context, on a connection of their own (Migrations).
        p.put("flyway.enabled", false);
        p.put("endpoints.all.enabled", false);
        p.put("endpoints.prometheus.enabled", true);
        p.put("endpoints.prometheus.sensitive", false);
        p.put("endpoints.health.enabled", false);
        p.put("micronaut.metrics.enabled", true);
        p.put("micronaut.metrics.export.prometheus.enabled", true);
        p.put("micronaut.metrics.export.prometheus.descriptions", true);
        jobRunrProperties(s, p);
        tlsProperties(s, p);
        return p;
    }

    /**
     * HTTPS on BATON_HTTP_PORT when BATON_TLS_CERT and BATON_TLS_KEY are set. With SSL enabled,
     * Micronaut's Netty server opens one listener, on {@code micronaut.server.ssl.port}, and no
     * plain-HTTP one ({@code dual-protocol} stays off), so the port is set to BATON_HTTP_PORT and
     * nothing on it answers plain HTTP. The key and trust material come from {@link ServerCertificates},
     * which republishes them when the files change. TLS 1.2 and 1.3 only; with BATON_TLS_CLIENT_CA
     * a client certificate signed by one of its CAs is required during the handshake.
     */
    private static void tlsProperties(Settings s, Map<String, Object> p) {
        if (!s.tls().enabled()) {
            return;
        }
        p.put("micronaut.server.ssl.enabled", true);
        p.put("micronaut.server.ssl.build-self-signed", false);
        p.put("micronaut.server.ssl.port", s.httpPort());
        p.put("micronaut.server.dual-protocol", false);
        p.put("micronaut.server.ssl.key-name", ServerCertificates.NAME);
        p.put("micronaut.server.ssl.key.password", new String(TlsStores.PASSWORD));
        p.put("micronaut.server.ssl.protocols", TlsStores.PROTOCOLS);
        p.put("micronaut.server.ssl.handshake-timeout", "10s");
        if (s.tls().mutual()) {
            p.put("micronaut.server.ssl.trust-name", ServerCertificates.NAME);
            p.put("micronaut.server.ssl.client-authentication", "NEED");
        }
    }

    /**
     * JobRunr through its Micronaut feature: scheduler and background server on, its storage in
     * Baton's database (the default DataSource; its own jobrunr_* tables, created and migrated by
     * JobRunr). Without a DataSource the feature would fall back to memory without a word;
     * {@link dev.baton.coordinator.jobrunr.JobRunrStorageCheck} stops the start instead. The
     * feature's own dashboard stays off: it listens on every interface, so Baton starts one on
     * 127.0.0.1 itself ({@link dev.baton.coordinator.jobrunr.JobRunrDashboard}).
     */
    private static void jobRunrProperties(Settings s, Map<String, Object> p) {
        p.put("jobrunr.database.type", "sql");
        p.put("jobrunr.job-scheduler.enabled", true);
        p.put("jobrunr.background-job-server.enabled", true);
        p.put("jobrunr.background-job-server.poll-interval-in-seconds", s.jobrunrPollSeconds());
        // Its jobs are short (a tick enqueues one Baton job, a prune batch takes milliseconds).
        p.put("jobrunr.background-job-server.worker-count", 2);
        p.put("jobrunr.background-job-server.metrics.enabled", false);
        // A tick every 5 s is 17,280 JobRunr jobs a day: keep JobRunr's own history short.
        p.put("jobrunr.background-job-server.delete-succeeded-jobs-after", "1h");
        p.put("jobrunr.background-job-server.permanently-delete-deleted-jobs-after", "1h");
        p.put("jobrunr.dashboard.enabled", false);
        p.put("jobrunr.miscellaneous.allow-anonymous-data-usage", false);
    }

    public int port() {
        return context.getBean(EmbeddedServer.class).getPort();
    }

    public ApplicationContext context() {
        return context;
    }

    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops gracefully ({@link GracefulStop}), within BATON_SHUTDOWN_TIMEOUT_MS; returns whether
     * everything stopped within it. Calls after the first wait for it and return the same.
     */
    public synchronized boolean stop() {
        if (stopped.getCount() > 0) {
            try {
                stoppedInTime = stop.run();
            } finally {
                if (lock != null) {
                    lock.close();
                }
                stopped.countDown();
            }
        }
        return stoppedInTime;
    }

    @Override
    public void close() {
        stop();
    }
}
