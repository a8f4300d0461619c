package dev.baton.common.config;

import java.util.HashSet;
import java.util.Set;

/**
 * Every BATON_* environment variable a Baton program reads, by program. Each program warns about
 * the BATON_* variables none of them reads ({@link UnknownNames}); a shell that runs a coordinator
 * and a worker has both programs' names set, and they are no typo.
 */
public final class SettingNames {
    /** What a coordinator reads (its Settings.load), as the README's settings table lists them. */
    public static final Set<String> COORDINATOR = Set.of("BATON_DB_URL", "BATON_DB_USER", "BATON_DB_PASSWORD",
            "BATON_REDIS_URL", "BATON_HTTP_PORT", "BATON_DATA_DIR", "BATON_ADMIN_TOKENS", "BATON_PRODUCER_TOKENS",
            "BATON_WORKER_TOKENS", "BATON_VIEWER_TOKENS", "BATON_LIMITS_PAYLOAD_BYTES", "BATON_LIMITS_REQUEST_BYTES", "BATON_DB_POOL_SIZE",
            "BATON_DB_STATEMENT_TIMEOUT_MS", "BATON_POLL_INTERVAL_MS", "BATON_REAPER_INTERVAL_MS", "BATON_REDIS_PREFIX", "BATON_WORKER_TTL_MS",
            "BATON_RETENTION", "BATON_JOBRUNR_POLL_SECONDS", "BATON_DASHBOARD", "BATON_DASHBOARD_ENABLED", "BATON_DASHBOARD_PORT",
            "BATON_DASHBOARD_USER", "BATON_DASHBOARD_PASSWORD", "BATON_SHUTDOWN_TIMEOUT_MS", "BATON_SHUTDOWN_UNREADY_MS",
            "BATON_LIMITS_LOG_LINES_PER_ATTEMPT", "BATON_REDIS_TLS_CA",
            "BATON_TLS_CERT", "BATON_TLS_KEY", "BATON_TLS_CLIENT_CA", "BATON_TLS_RELOAD_MS", "BATON_OTLP_ENDPOINT");
    /** What {@code java -jar baton-worker.jar} reads (WorkerSettings.load, and WorkerMain's BATON_OTLP_ENDPOINT). */
    public static final Set<String> WORKER = Set.of("BATON_COORDINATOR_URLS", "BATON_WORKER_TOKEN", "BATON_QUEUES",
            "BATON_CONCURRENCY", "BATON_WORKER_ID", "BATON_LEASE_MS", "BATON_SHUTDOWN_GRACE_MS",
            "BATON_TLS_CA", "BATON_TLS_CLIENT_CERT", "BATON_TLS_CLIENT_KEY", "BATON_OTLP_ENDPOINT");
    /**
     * What both programs, the coordinator and {@code java -jar baton-worker.jar}, read for the process
     * itself rather than for their work: how they log ({@link LogFormat}). A worker inside an
     * application logs as the application does, so these are no {@code baton.worker.*} properties.
     */
    public static final Set<String> PROCESS = Set.of(LogFormat.NAME);
    /**
     * What the operator CLI {@code baton} reads (cli/README.md): an operator's shell that exports
     * them for it may start a coordinator or a worker too, which must not call them typos.
     */
    public static final Set<String> CLI = Set.of("BATON_URL", "BATON_TOKEN", "BATON_PROFILE", "BATON_CLI_JAR",
            "BATON_CLI_JAVA_OPTS");
    /** What the tests read (where to find PostgreSQL and Redis). */
    public static final Set<String> TESTS = Set.of("BATON_TEST_DB_URL", "BATON_TEST_DB_USER",
            "BATON_TEST_DB_PASSWORD", "BATON_TEST_REDIS_URL");

    private SettingNames() {
    }

    /** The names of every program but the one whose names are {@code own}. */
    public static Set<String> otherThan(Set<String> own) {
        Set<String> others = new HashSet<>(COORDINATOR);
        others.addAll(WORKER);
        others.addAll(TESTS);
        others.addAll(PROCESS);
        others.addAll(CLI);
        others.removeAll(own);
        return Set.copyOf(others);
    }

    /** A program's own names and {@link #PROCESS}: what it reads, when it runs as a process of its own. */
    public static Set<String> withProcess(Set<String> own) {
        Set<String> names = new HashSet<>(own);
        names.addAll(PROCESS);
        return Set.copyOf(names);
    }
}
