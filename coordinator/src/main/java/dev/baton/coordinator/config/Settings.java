package dev.baton.coordinator.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
            throw new IllegalArgumentException("BATON_LIMITS_PAYLOAD_BYTES must be at least 1024, was " + payloadBytes);
        }
        atLeastOne("BATON_LIMITS_REQUEST_BYTES", requestBytes);
        atLeastOne("BATON_DB_POOL_SIZE", dbPoolSize);
        atLeastOne("BATON_POLL_INTERVAL_MS", pollIntervalMs);
        atLeastOne("BATON_REAPER_INTERVAL_MS", reaperIntervalMs);
        atLeastOne("BATON_WORKER_TTL_MS", workerTtlMs);
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

    private static void atLeastOne(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, was " + value);
        }
    }

    /** Every BATON_* name a coordinator reads: here ({@link #load}) or, for the log cap, in ProgressLogService. */
    static final Set<String> NAMES = Set.of("BATON_DB_URL", "BATON_DB_USER", "BATON_DB_PASSWORD", "BATON_REDIS_URL",
            "BATON_HTTP_PORT", "BATON_DATA_DIR", "BATON_ADMIN_TOKENS", "BATON_PRODUCER_TOKENS", "BATON_WORKER_TOKENS",
            "BATON_LIMITS_PAYLOAD_BYTES", "BATON_LIMITS_REQUEST_BYTES", "BATON_DB_POOL_SIZE", "BATON_POLL_INTERVAL_MS",
            "BATON_REAPER_INTERVAL_MS", "BATON_REDIS_PREFIX", "BATON_WORKER_TTL_MS", "BATON_RETENTION",
            "BATON_JOBRUNR_POLL_SECONDS", "BATON_DASHBOARD_ENABLED", "BATON_DASHBOARD_PORT", "BATON_DASHBOARD_USER",
            "BATON_DASHBOARD_PASSWORD", "BATON_SHUTDOWN_TIMEOUT_MS", "BATON_LIMITS_LOG_LINES_PER_ATTEMPT");

    /** The worker's and the tests' names: a shell that runs both has them set, and they are no typo. */
    private static final Set<String> OTHERS = Set.of("BATON_COORDINATOR_URLS", "BATON_WORKER_TOKEN", "BATON_QUEUES",
            "BATON_CONCURRENCY", "BATON_WORKER_ID", "BATON_LEASE_MS", "BATON_SHUTDOWN_GRACE_MS", "BATON_TEST_DB_URL",
            "BATON_TEST_DB_USER", "BATON_TEST_DB_PASSWORD", "BATON_TEST_REDIS_URL");

    /**
     * The BATON_* variables in {@code env} that nothing reads, such as a misspelt BATON_DB_ULR
     * (which would otherwise silently start an embedded database), each with the setting it is
     * closest to when that is only a letter or two away.
     */
    public static List<String> unknownNames(Map<String, String> env) {
        return env.keySet().stream()
                .filter(k -> k.startsWith("BATON_") && !NAMES.contains(k) && !OTHERS.contains(k))
                .sorted()
                .map(k -> NAMES.stream().filter(n -> editDistance(k, n) <= 2)
                        .min(Comparator.comparingInt((String n) -> editDistance(k, n)).thenComparing(n -> n))
                        .map(n -> k + " (did you mean " + n + "?)").orElse(k))
                .toList();
    }

    /** Edits (insert, delete, replace, swap two neighbours) from a to b: ULR is one from URL. */
    private static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            for (int j = 0; j <= b.length(); j++) {
                if (i == 0 || j == 0) {
                    d[i][j] = i + j;
                    continue;
                }
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
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
        long v = longValue(values, key, fallback);
        if (v != (int) v) {
            // A cast would wrap: BATON_HTTP_PORT=4294967376 listened on port 80.
            throw new IllegalArgumentException(key + " is out of range, was '" + values.get(key).trim() + "'");
        }
        return (int) v;
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
