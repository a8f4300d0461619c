package dev.baton.coordinator.config;

import dev.baton.common.config.Redaction;
import dev.baton.common.config.SettingNames;
import dev.baton.common.config.SettingsReader;
import dev.baton.common.config.UnknownNames;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The coordinator's configuration: exactly the environment variables of docs/protocol.md
 * "Running a coordinator", each also settable as the matching {@code baton.*} property, read
 * through {@link SettingsReader} like the worker's. Immutable and validated once, at start; every
 * part of the coordinator takes its settings from here.
 */
public record Settings(
        String dbUrl, String dbUser, String dbPassword, String redisUrl, int httpPort, Path dataDir,
        List<String> adminTokens, List<String> producerTokens, List<String> workerTokens, List<String> viewerTokens,
        boolean webDashboard, // BATON_DASHBOARD: Baton's own dashboard under /ui (package dashboard)
        long payloadBytes, long requestBytes, int logLinesPerAttempt, int dbPoolSize, long dbStatementTimeoutMs,
        long pollIntervalMs,
        long reaperIntervalMs, String redisPrefix, long workerTtlMs, Retention retention, int jobrunrPollSeconds,
        Dashboard dashboard, long shutdownTimeoutMs, long shutdownUnreadyMs, Path redisTlsCa, TlsSettings tls,
        URI otlpEndpoint) {

    /**
     * JobRunr's dashboard: off unless BATON_DASHBOARD_ENABLED=true, and then only on 127.0.0.1
     * and only with BATON_DASHBOARD_USER and BATON_DASHBOARD_PASSWORD.
     */
    public record Dashboard(boolean enabled, int port, String user, String password) {
        public static final Dashboard OFF = new Dashboard(false, 8000, null, null);

        public Dashboard {
            SettingsReader.between("BATON_DASHBOARD_PORT", port, 0, 65535);
            if (enabled && (user == null || user.isBlank() || password == null || password.isBlank())) {
                throw new IllegalArgumentException(
                        "BATON_DASHBOARD_ENABLED=true needs BATON_DASHBOARD_USER and BATON_DASHBOARD_PASSWORD");
            }
        }

        @Override
        public String toString() {
            return "Dashboard[enabled=" + enabled + ", port=" + port + "]";
        }
    }

    public Settings {
        SettingsReader.between("BATON_HTTP_PORT", httpPort, 0, 65535);
        SettingsReader.atLeast("BATON_LIMITS_PAYLOAD_BYTES", payloadBytes, 1024);
        SettingsReader.atLeast("BATON_LIMITS_REQUEST_BYTES", requestBytes, 1);
        SettingsReader.atLeast("BATON_LIMITS_LOG_LINES_PER_ATTEMPT", logLinesPerAttempt, 1);
        SettingsReader.atLeast("BATON_DB_POOL_SIZE", dbPoolSize, 1);
        // PostgreSQL's statement_timeout is an int of milliseconds; an hour is already no bound a request would want.
        SettingsReader.between("BATON_DB_STATEMENT_TIMEOUT_MS", dbStatementTimeoutMs, 100, 3_600_000);
        SettingsReader.atLeast("BATON_POLL_INTERVAL_MS", pollIntervalMs, 1);
        SettingsReader.atLeast("BATON_REAPER_INTERVAL_MS", reaperIntervalMs, 1);
        SettingsReader.atLeast("BATON_WORKER_TTL_MS", workerTtlMs, 1);
        SettingsReader.atLeast("BATON_JOBRUNR_POLL_SECONDS", jobrunrPollSeconds, 5); // JobRunr's minimum
        SettingsReader.atLeast("BATON_SHUTDOWN_TIMEOUT_MS", shutdownTimeoutMs, 1000);
        // Taken from the stop's bound: at most half of it, so requests in flight keep time to finish.
        SettingsReader.between("BATON_SHUTDOWN_UNREADY_MS", shutdownUnreadyMs, 0, shutdownTimeoutMs / 2);
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(dashboard, "dashboard");
        // The CA is for a Redis that speaks TLS; on any other it would be silently unused.
        if (redisTlsCa != null && (redisUrl == null || !redisUrl.regionMatches(true, 0, "rediss://", 0, 9))) {
            throw new IllegalArgumentException("BATON_REDIS_TLS_CA needs a rediss:// BATON_REDIS_URL");
        }
        Objects.requireNonNull(tls, "tls");
        adminTokens = List.copyOf(adminTokens);
        producerTokens = List.copyOf(producerTokens);
        workerTokens = List.copyOf(workerTokens);
        viewerTokens = List.copyOf(viewerTokens);
    }

    /**
     * The BATON_* variables in {@code env} that nothing reads, such as a misspelt BATON_DB_ULR
     * (which would otherwise silently start an embedded database), each with the setting it is
     * closest to when that is only a letter or two away.
     */
    public static List<String> unknownNames(Map<String, String> env) {
        Set<String> own = SettingNames.withProcess(SettingNames.COORDINATOR);
        return UnknownNames.of(env.keySet(), "BATON_", own, SettingNames.otherThan(own));
    }

    /** Reads BATON_* environment variables, overridden by baton.* system properties, then by {@code overrides}. */
    public static Settings load(Map<String, String> env, Map<String, String> overrides) {
        SettingsReader r = SettingsReader.fromEnvironment(env, overrides);
        return new Settings(
                r.url("BATON_DB_URL", "jdbc:postgresql:"),
                r.text("BATON_DB_USER", "postgres"),
                Objects.requireNonNullElse(r.raw("BATON_DB_PASSWORD"), ""),
                r.url("BATON_REDIS_URL", "redis://", "rediss://"),
                r.wholeInt("BATON_HTTP_PORT", 8080),
                Path.of(r.text("BATON_DATA_DIR", System.getProperty("user.home") + "/.baton")),
                r.list("BATON_ADMIN_TOKENS", null),
                r.list("BATON_PRODUCER_TOKENS", null),
                r.list("BATON_WORKER_TOKENS", null),
                r.list("BATON_VIEWER_TOKENS", null),
                r.onOff("BATON_DASHBOARD", true),
                r.whole("BATON_LIMITS_PAYLOAD_BYTES", 1024 * 1024),
                r.whole("BATON_LIMITS_REQUEST_BYTES", 64L * 1024 * 1024),
                r.wholeInt("BATON_LIMITS_LOG_LINES_PER_ATTEMPT", 100_000),
                r.wholeInt("BATON_DB_POOL_SIZE", 20),
                r.whole("BATON_DB_STATEMENT_TIMEOUT_MS", 3000),
                r.whole("BATON_POLL_INTERVAL_MS", 250),
                r.whole("BATON_REAPER_INTERVAL_MS", 1000),
                r.text("BATON_REDIS_PREFIX", "baton"),
                r.whole("BATON_WORKER_TTL_MS", 60_000),
                Retention.parse(r.raw("BATON_RETENTION")),
                r.wholeInt("BATON_JOBRUNR_POLL_SECONDS", 15),
                new Dashboard(r.flag("BATON_DASHBOARD_ENABLED"), r.wholeInt("BATON_DASHBOARD_PORT", 8000),
                        r.text("BATON_DASHBOARD_USER"), r.raw("BATON_DASHBOARD_PASSWORD")),
                r.whole("BATON_SHUTDOWN_TIMEOUT_MS", 30_000),
                r.whole("BATON_SHUTDOWN_UNREADY_MS", 0),
                r.text("BATON_REDIS_TLS_CA") == null ? null : Path.of(r.text("BATON_REDIS_TLS_CA")),
                TlsSettings.read(r),
                r.httpUrl("BATON_OTLP_ENDPOINT"));
    }

    /** The same settings with the database and Redis the coordinator really uses (embedded ones filled in). */
    public Settings withServices(String db, String user, String password, String redis) {
        return new Settings(db, user, password, redis, httpPort, dataDir, adminTokens, producerTokens, workerTokens,
                viewerTokens, webDashboard, payloadBytes, requestBytes, logLinesPerAttempt, dbPoolSize, dbStatementTimeoutMs, pollIntervalMs,
                reaperIntervalMs,
                redisPrefix, workerTtlMs, retention, jobrunrPollSeconds, dashboard, shutdownTimeoutMs, shutdownUnreadyMs, redisTlsCa, tls,
                otlpEndpoint);
    }

    public boolean tokensConfigured() {
        return !adminTokens.isEmpty() || !producerTokens.isEmpty() || !workerTokens.isEmpty() || !viewerTokens.isEmpty();
    }

    /** Secrets (the database password, tokens, a password in the database or Redis URL) are never printed. */
    @Override
    public String toString() {
        return "Settings[dbUrl=" + Redaction.url(dbUrl) + ", dbUser=" + dbUser + ", dbPassword="
                + (dbPassword == null ? null : "***")
                + ", redisUrl=" + Redaction.url(redisUrl) + ", httpPort=" + httpPort + ", dataDir=" + dataDir
                + ", adminTokens=" + adminTokens.size() + " token(s), producerTokens=" + producerTokens.size()
                + " token(s), workerTokens=" + workerTokens.size() + " token(s), viewerTokens=" + viewerTokens.size()
                + " token(s), webDashboard=" + webDashboard + ", payloadBytes=" + payloadBytes
                + ", requestBytes=" + requestBytes + ", logLinesPerAttempt=" + logLinesPerAttempt + ", dbPoolSize="
                + dbPoolSize + ", dbStatementTimeoutMs=" + dbStatementTimeoutMs + ", pollIntervalMs=" + pollIntervalMs
                + ", reaperIntervalMs=" + reaperIntervalMs + ", redisPrefix=" + redisPrefix + ", workerTtlMs="
                + workerTtlMs + ", retention=" + retention + ", jobrunrPollSeconds=" + jobrunrPollSeconds
                + ", dashboard=" + dashboard + ", shutdownTimeoutMs=" + shutdownTimeoutMs + ", shutdownUnreadyMs="
                + shutdownUnreadyMs + ", redisTlsCa=" + redisTlsCa
                + ", tls=" + tls + ", otlpEndpoint=" + (otlpEndpoint == null ? null : Redaction.url(otlpEndpoint.toString()))
                + "]";
    }
}
