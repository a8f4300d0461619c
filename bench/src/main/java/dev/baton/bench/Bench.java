package dev.baton.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What every benchmark shares: its arguments, the databases it creates and the coordinator and
 * worker processes it starts, all undone by {@link #close()} (or by the shutdown hook on Ctrl-C).
 * Each child runs under {@code timeout}, so it stops by itself even if this JVM is killed.
 * Progress goes to stderr; the one summary line is the only thing printed to stdout.
 */
final class Bench implements AutoCloseable {
    private static final Pattern MIGRATION = Pattern.compile("db/migration/V(\\d+)__.*\\.sql");

    final String name;
    final Args args;
    final Path root;
    final Path logDir;
    final String pgUrl;
    final String pgUser;
    final String redisUrl;
    final String adminToken = token();
    final String workerToken = token();
    final String redisPrefix;
    private final long budgetSeconds;
    final List<String> coordinatorOpts;
    final List<String> workerOpts;
    private final boolean jfr;
    private final String coordinatorJar;
    private final List<Proc> procs = new ArrayList<>();
    private final List<String> databases = new ArrayList<>();
    private final Thread hook;
    private boolean closed;

    Bench(String name, String[] argv) throws IOException {
        this.name = name;
        this.args = new Args(argv);
        this.root = findRoot();
        this.pgUrl = args.text("pg", "jdbc:postgresql://127.0.0.1:5432/postgres");
        this.pgUser = args.text("pg-user", "postgres");
        this.redisUrl = args.text("redis", "redis://127.0.0.1:6379/0");
        this.budgetSeconds = args.integer("budget-seconds", 600);
        // What the README recommends: C1 only on hosts with two cores or fewer, the JVM's defaults
        // elsewhere. "none" runs the JVM's defaults anywhere.
        String hostDefault = Runtime.getRuntime().availableProcessors() <= 2 ? SMALL_HOST_OPTS : "";
        this.coordinatorOpts = split(args.text("coordinator-opts", hostDefault));
        this.workerOpts = split(args.text("worker-opts", hostDefault));
        this.jfr = args.flag("jfr");
        // Another build of the coordinator, for before/after comparisons of a change.
        this.coordinatorJar = args.text("coordinator-jar", "coordinator/target/baton-coordinator.jar");
        this.redisPrefix = "baton-bench-" + name + "-" + ProcessHandle.current().pid();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        this.logDir = root.resolve("bench/target/bench-logs/" + name + "-" + stamp);
        Files.createDirectories(logDir);
        this.hook = new Thread(this::close, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        for (String jar : List.of("coordinator/target/baton-coordinator.jar", "worker/target/baton-worker.jar")) {
            if (!Files.isRegularFile(root.resolve(jar))) {
                throw new IllegalStateException(jar + " is missing: build first (./mvnw -B -q -DskipTests package)");
            }
        }
        log("%s: logs under %s; load %s", name, root.relativize(logDir), loadavg());
    }

    // ---- databases ----------------------------------------------------------------------------

    /** Creates a fresh database {@code baton_bench_<suffix>} (dropping a leftover one), dropped again at close. */
    String createDatabase(String suffix) throws SQLException {
        String db = "baton_bench_" + suffix;
        if (!db.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("bad database name " + db);
        }
        try (Connection c = DriverManager.getConnection(pgUrl, pgUser, ""); Statement s = c.createStatement()) {
            s.execute("drop database if exists " + db + " with (force)");
            s.execute("create database " + db);
        }
        databases.add(db);
        return db;
    }

    /** Drops a database of this run now rather than at close. */
    void dropDatabase(String db) throws SQLException {
        try (Connection c = DriverManager.getConnection(pgUrl, pgUser, ""); Statement s = c.createStatement()) {
            s.execute("drop database if exists " + db + " with (force)");
        }
        databases.remove(db);
    }

    String jdbcUrl(String db) {
        int slash = pgUrl.lastIndexOf('/');
        int query = pgUrl.indexOf('?', slash);
        return pgUrl.substring(0, slash + 1) + db + (query < 0 ? "" : pgUrl.substring(query));
    }

    Connection connect(String db) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(db), pgUser, "");
    }

    /** Applies the coordinator's own Flyway migrations, read from its jar, to a database no coordinator runs on. */
    void migrate(String db) throws IOException, SQLException {
        Map<Integer, String> scripts = new java.util.TreeMap<>();
        try (ZipFile jar = new ZipFile(root.resolve("coordinator/target/baton-coordinator.jar").toFile())) {
            for (ZipEntry e : java.util.Collections.list(jar.entries())) {
                Matcher m = MIGRATION.matcher(e.getName());
                if (m.matches()) {
                    try (InputStream in = jar.getInputStream(e)) {
                        scripts.put(Integer.parseInt(m.group(1)), new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        if (scripts.isEmpty()) {
            throw new IllegalStateException("no db/migration/V*.sql in the coordinator jar");
        }
        try (Connection c = connect(db); Statement s = c.createStatement()) {
            for (String sql : scripts.values()) {
                s.execute(sql);
            }
        }
    }

    // ---- processes ----------------------------------------------------------------------------

    record Coordinator(String label, int port, Proc proc) {
        String url() {
            return "http://127.0.0.1:" + port;
        }
    }

    /** Starts {@code java -jar baton-coordinator.jar} on {@code db} and waits until /health answers 200. */
    Coordinator startCoordinator(String label, String db) throws Exception {
        int port = freePort();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("BATON_DB_URL", jdbcUrl(db));
        env.put("BATON_DB_USER", pgUser);
        env.put("BATON_REDIS_URL", redisUrl);
        env.put("BATON_REDIS_PREFIX", redisPrefix);
        env.put("BATON_HTTP_PORT", Integer.toString(port));
        env.put("BATON_ADMIN_TOKENS", adminToken);
        env.put("BATON_WORKER_TOKENS", workerToken);
        env.put("BATON_DATA_DIR", logDir.resolve("data-" + label).toString());
        List<String> jvm = new ArrayList<>(coordinatorOpts);
        if (jfr) {
            jvm.add("-XX:StartFlightRecording=filename=" + logDir.resolve("coordinator-" + label + ".jfr")
                    + ",settings=profile,dumponexit=true");
        }
        Proc p = start("coordinator-" + label, jvm, coordinatorJar, env);
        Coordinator c = new Coordinator(label, port, p);
        Api api = new Api(c.url(), adminToken);
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (true) {
            if (!p.process().isAlive()) {
                throw new IllegalStateException("coordinator " + label + " exited; see " + p.log());
            }
            if (api.healthy()) {
                return c;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("coordinator " + label + " not healthy after 90 s; see " + p.log());
            }
            Thread.sleep(100);
        }
    }

    /**
     * Starts {@code java -jar baton-worker.jar} (built-in handlers) against {@code urls}, in that order;
     * a {@code concurrency} of 0 leaves BATON_CONCURRENCY unset, so the worker runs its default.
     */
    Proc startWorker(String label, List<String> urls, String queue, int concurrency) throws IOException {
        return startWorker(label, "worker/target/baton-worker.jar", urls, queue, concurrency, 30_000);
    }

    /** The same from another build of the worker ({@code jar}, relative to the root or absolute) and lease. */
    Proc startWorker(String label, String jar, List<String> urls, String queue, int concurrency, long leaseMs)
            throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("BATON_COORDINATOR_URLS", String.join(",", urls));
        env.put("BATON_WORKER_TOKEN", workerToken);
        env.put("BATON_QUEUES", queue);
        if (concurrency > 0) { // 0: the worker's own default
            env.put("BATON_CONCURRENCY", Integer.toString(concurrency));
        }
        env.put("BATON_LEASE_MS", Long.toString(leaseMs));
        env.put("BATON_SHUTDOWN_GRACE_MS", "2000");
        env.put("BATON_WORKER_ID", "bench-" + label);
        List<String> jvm = new ArrayList<>(workerOpts);
        if (jfr) {
            jvm.add("-XX:StartFlightRecording=filename=" + logDir.resolve("worker-" + label + ".jfr")
                    + ",settings=profile,dumponexit=true");
        }
        return start("worker-" + label, jvm, jar, env);
    }

    private Proc start(String label, List<String> jvmOpts, String jar, Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("timeout", "--kill-after=10", budgetSeconds + "s",
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOpts);
        cmd.addAll(List.of("-jar", root.resolve(jar).toAbsolutePath().toString()));
        Path out = logDir.resolve(label + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("BATON_"));
        pb.environment().putAll(env);
        Proc p = new Proc(label, pb.start(), out);
        synchronized (this) {
            procs.add(p);
        }
        return p;
    }

    /** Starts {@code count} coordinators on {@code db} at once (labels a, b, …); migrations are safe in parallel. */
    List<Coordinator> startCoordinators(int count, String db) throws Exception {
        List<java.util.concurrent.Future<Coordinator>> starting = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                String label = Character.toString('a' + i);
                starting.add(pool.submit(() -> startCoordinator(label, db)));
            }
        }
        List<Coordinator> out = new ArrayList<>();
        for (var f : starting) {
            try {
                out.add(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof Exception x ? x : e;
            }
        }
        return out;
    }

    /** Stops these processes now, all at once (SIGTERM, then SIGKILL after 10 s), instead of at close. */
    void stop(List<Proc> some) {
        some.forEach(p -> p.process().destroy());
        some.forEach(Proc::stop);
        synchronized (this) {
            procs.removeAll(some);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop(List.copyOf(procs));
        try (Connection c = DriverManager.getConnection(pgUrl, pgUser, ""); Statement s = c.createStatement()) {
            for (String db : databases) {
                s.execute("drop database if exists " + db + " with (force)");
            }
        } catch (SQLException e) {
            log("could not drop %s: %s", databases, e.getMessage());
        }
        Redis.deleteKeys(redisUrl, redisPrefix);
        if (Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    // ---- small things -------------------------------------------------------------------------

    /** The 1-, 5- and 15-minute load averages, comma-separated. */
    static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + "," + f[1] + "," + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static void log(String format, Object... values) {
        System.err.printf("[%s] %s%n", java.time.LocalTime.now().withNano(0), format.formatted(values));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String token() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return "bench-" + HexFormat.of().formatHex(b);
    }

    static final String SMALL_HOST_OPTS = "-XX:TieredStopAtLevel=1";

    private static List<String> split(String opts) {
        if (opts.trim().equals("none")) {
            return List.of();
        }
        return Arrays.stream(opts.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }

    /** The repository root: the working directory or an ancestor of the bench jar holding coordinator/. */
    private static Path findRoot() {
        List<Path> candidates = new ArrayList<>();
        candidates.add(Path.of("").toAbsolutePath());
        try {
            candidates.add(Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (Exception ignored) {
            // fall back to the working directory
        }
        for (Path start : candidates) {
            for (Path p = start; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("coordinator")) && Files.isDirectory(p.resolve("worker"))) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("run from the Baton repository (no coordinator/ and worker/ found)");
    }
}
