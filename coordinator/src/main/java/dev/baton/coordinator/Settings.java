package dev.baton.coordinator;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The coordinator's configuration: exactly the environment variables of docs/protocol.md
 * "Running a coordinator", each also settable as the matching {@code baton.*} property.
 * Immutable and validated once, at start.
 */
public record Settings(
        String dbUrl, String dbUser, String dbPassword, String redisUrl, int httpPort, Path dataDir,
        List<String> adminTokens, List<String> producerTokens, List<String> workerTokens,
        long payloadBytes, long requestBytes, int dbPoolSize, long pollIntervalMs, long reaperIntervalMs,
        String redisPrefix, long workerTtlMs, Retention retention, int jobrunrPollSeconds, Dashboard dashboard,
        long shutdownTimeoutMs) {

    /**
     * JobRunr's dashboard: off unless BATON_DASHBOARD_ENABLED=true, and then only on 127.0.0.1
     * and only with BATON_DASHBOARD_USER and BATON_DASHBOARD_PASSWORD.
     */
    public record Dashboard(boolean enabled, int port, String user, String password) {
        public static final Dashboard OFF = new Dashboard(false, 8000, null, null);

        public Dashboard {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("BATON_DASHBOARD_PORT must be 0..65535, was " + port);
            }
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
        if (httpPort < 0 || httpPort > 65535) {
            throw new IllegalArgumentException("BATON_HTTP_PORT must be 0..65535, was " + httpPort);
        }
        if (payloadBytes < 1024) {
            throw new IllegalArgumentException("baton.limits.payload-bytes must be at least 1024");
        }
        if (jobrunrPollSeconds < 5) {
            throw new IllegalArgumentException("BATON_JOBRUNR_POLL_SECONDS must be at least 5 (JobRunr's minimum)");
        }
        if (shutdownTimeoutMs < 1000) {
            throw new IllegalArgumentException("BATON_SHUTDOWN_TIMEOUT_MS must be at least 1000, was " + shutdownTimeoutMs);
        }
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(dashboard, "dashboard");
        adminTokens = List.copyOf(adminTokens);
        producerTokens = List.copyOf(producerTokens);
        workerTokens = List.copyOf(workerTokens);
    }

    /** Reads BATON_* environment variables, overridden by baton.* system properties, then by {@code overrides}. */
    public static Settings load(Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith("BATON_")) {
                values.put(k, v);
            }
        });
        System.getProperties().forEach((k, v) -> {
            String key = k.toString();
            if (key.startsWith("baton.")) {
                values.put(envName(key), v.toString());
            }
        });
        overrides.forEach((k, v) -> values.put(k.startsWith("baton.") ? envName(k) : k, v));
        return new Settings(
                blankToNull(values.get("BATON_DB_URL")),
                Objects.requireNonNullElse(blankToNull(values.get("BATON_DB_USER")), "postgres"),
                Objects.requireNonNullElse(values.get("BATON_DB_PASSWORD"), ""),
                blankToNull(values.get("BATON_REDIS_URL")),
                intValue(values, "BATON_HTTP_PORT", 8080),
                Path.of(Objects.requireNonNullElse(blankToNull(values.get("BATON_DATA_DIR")),
                        System.getProperty("user.home") + "/.baton")),
                tokens(values.get("BATON_ADMIN_TOKENS")),
                tokens(values.get("BATON_PRODUCER_TOKENS")),
                tokens(values.get("BATON_WORKER_TOKENS")),
                longValue(values, "BATON_LIMITS_PAYLOAD_BYTES", 1024 * 1024),
                longValue(values, "BATON_LIMITS_REQUEST_BYTES", 64L * 1024 * 1024),
                intValue(values, "BATON_DB_POOL_SIZE", 20),
                longValue(values, "BATON_POLL_INTERVAL_MS", 250),
                longValue(values, "BATON_REAPER_INTERVAL_MS", 1000),
                Objects.requireNonNullElse(blankToNull(values.get("BATON_REDIS_PREFIX")), "baton"),
                longValue(values, "BATON_WORKER_TTL_MS", 60_000),
                Retention.parse(values.get("BATON_RETENTION")),
                intValue(values, "BATON_JOBRUNR_POLL_SECONDS", 15),
                new Dashboard(booleanValue(values, "BATON_DASHBOARD_ENABLED"),
                        intValue(values, "BATON_DASHBOARD_PORT", 8000),
                        blankToNull(values.get("BATON_DASHBOARD_USER")), values.get("BATON_DASHBOARD_PASSWORD")),
                longValue(values, "BATON_SHUTDOWN_TIMEOUT_MS", 30_000));
    }

    /** The same settings with the database and Redis the coordinator really uses (embedded ones filled in). */
    public Settings withServices(String db, String user, String password, String redis) {
        return new Settings(db, user, password, redis, httpPort, dataDir, adminTokens, producerTokens, workerTokens,
                payloadBytes, requestBytes, dbPoolSize, pollIntervalMs, reaperIntervalMs, redisPrefix, workerTtlMs,
                retention, jobrunrPollSeconds, dashboard, shutdownTimeoutMs);
    }

    public boolean tokensConfigured() {
        return !adminTokens.isEmpty() || !producerTokens.isEmpty() || !workerTokens.isEmpty();
    }

    /** baton.db.url → BATON_DB_URL; baton.limits.payload-bytes → BATON_LIMITS_PAYLOAD_BYTES. */
    static String envName(String property) {
        return property.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static List<String> tokens(String csv) {
        if (csv == null) {
            return List.of();
        }
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static boolean booleanValue(Map<String, String> values, String key) {
        String v = blankToNull(values.get(key));
        if (v == null || v.equalsIgnoreCase("false")) {
            return false;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        throw new IllegalArgumentException(key + " must be true or false, was '" + v + "'");
    }

    private static int intValue(Map<String, String> values, String key, int fallback) {
        return (int) longValue(values, key, fallback);
    }

    private static long longValue(Map<String, String> values, String key, long fallback) {
        String v = blankToNull(values.get(key));
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, was '" + v + "'");
        }
    }

    /** Secrets (the database password, tokens, a password in the Redis URL) are never printed. */
    @Override
    public String toString() {
        return "Settings[dbUrl=" + dbUrl + ", dbUser=" + dbUser + ", dbPassword=" + (dbPassword == null ? null : "***")
                + ", redisUrl=" + redact(redisUrl) + ", httpPort=" + httpPort + ", dataDir=" + dataDir
                + ", adminTokens=" + adminTokens.size() + " token(s), producerTokens=" + producerTokens.size()
                + " token(s), workerTokens=" + workerTokens.size() + " token(s), payloadBytes=" + payloadBytes
                + ", requestBytes=" + requestBytes + ", dbPoolSize=" + dbPoolSize + ", pollIntervalMs=" + pollIntervalMs
                + ", reaperIntervalMs=" + reaperIntervalMs + ", redisPrefix=" + redisPrefix + ", workerTtlMs="
                + workerTtlMs + ", retention=" + retention + ", jobrunrPollSeconds=" + jobrunrPollSeconds
                + ", dashboard=" + dashboard + ", shutdownTimeoutMs=" + shutdownTimeoutMs + "]";
    }

    private static String redact(String url) {
        return url == null ? null : url.replaceAll("//[^/@]*@", "//***@");
    }
}
