package dev.baton.chaos.faults;

import dev.baton.common.net.Ports;
import dev.baton.coordinator.embedded.EmbeddedPostgresServer;
import dev.baton.coordinator.embedded.EmbeddedRedisServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster the run owns and breaks: an embedded PostgreSQL (fixed port, fresh data under the work
 * directory, fsync on) and Redis, N coordinator JVMs and M worker JVMs, and a {@link LinkProxy} on
 * every link: each coordinator reaches PostgreSQL and Redis through proxies of its own, and
 * clients and workers reach each coordinator through its CLIENT proxy. Every port is chosen up
 * front, so a process started again keeps its address. Each fault primitive is idempotent. While a
 * coordinator or PostgreSQL is down, its proxies refuse connections (unless black-holed), as its
 * own port would: a client sees "connection refused", not a connection that is accepted then reset.
 * Processes log to {@code workDir/logs/<name>.log}, appending across restarts, with a
 * {@code === [chaos …]} line at each start, kill, pause and resume.
 */
public final class Cluster implements AutoCloseable {
    private static final Path JAVA = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    /** Extracted once for every run on this machine (5 s saved per run). */
    private static final Path PG_BINARIES = Path.of(System.getProperty("java.io.tmpdir"), "baton-chaos-pg-binaries");
    private static final long START_HEALTH_TIMEOUT_MS = 120_000;
    private static final long HEAL_HEALTH_TIMEOUT_MS = 60_000;
    private static final long STOP_GRACE_MS = 10_000;

    private final ClusterOptions options;
    private final String adminToken = token();
    private final String producerToken = token();
    private final String workerToken = token();
    private final List<ChildProcess> coordinators = new ArrayList<>();
    private final List<ChildProcess> workers = new ArrayList<>();
    private final List<Integer> httpPorts = new ArrayList<>();
    private final Map<Link, List<LinkProxy>> proxies = new EnumMap<>(Link.class);
    private final List<String> unexpectedExits = Collections.synchronizedList(new ArrayList<>());
    private final Object postgresLock = new Object();
    private final Thread shutdownHook = new Thread(this::destroyNow, "chaos-cluster-kill");
    private EmbeddedPostgresServer postgres;
    private boolean postgresRunning;
    private EmbeddedRedisServer redis;
    private volatile boolean closed;

    private Cluster(ClusterOptions options) {
        this.options = options;
    }

    /**
     * Starts everything and waits until each coordinator answers {@code /health} 200 through its
     * CLIENT proxy. What started is stopped again if the start fails.
     */
    public static Cluster start(ClusterOptions o) throws IOException, InterruptedException {
        var cluster = new Cluster(o);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.startAll();
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void startAll() throws IOException, InterruptedException {
        Path logs = options.workDir().resolve("logs");
        Files.createDirectories(logs);
        int n = options.coordinators();
        // N coordinators × a pool of 20, JobRunr's, the workload's and the checker's
        postgres = EmbeddedPostgresServer.startOnPort(options.workDir().resolve("postgres"), PG_BINARIES,
                Ports.pick(), Math.max(200, 40 * n + 100));
        postgresRunning = true;
        redis = EmbeddedRedisServer.start(Ports.pick());
        for (Link link : Link.values()) {
            proxies.put(link, new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            httpPorts.add(Ports.pick());
            proxies.get(Link.CLIENT).add(new LinkProxy("client-" + i, Ports.pick(), httpPorts.get(i)));
            proxies.get(Link.POSTGRES).add(new LinkProxy("postgres-" + i, Ports.pick(), postgres.port()));
            proxies.get(Link.REDIS).add(new LinkProxy("redis-" + i, Ports.pick(), redis.port()));
        }
        for (int i = 0; i < n; i++) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("BATON_DB_URL", "jdbc:postgresql://127.0.0.1:" + proxy(Link.POSTGRES, i).port() + "/postgres");
            env.put("BATON_DB_USER", "postgres");
            env.put("BATON_REDIS_URL", "redis://127.0.0.1:" + proxy(Link.REDIS, i).port() + "/0");
            env.put("BATON_HTTP_PORT", Integer.toString(httpPorts.get(i)));
            env.put("BATON_ADMIN_TOKENS", adminToken);
            env.put("BATON_PRODUCER_TOKENS", producerToken);
            env.put("BATON_WORKER_TOKENS", workerToken);
            env.put("BATON_SHUTDOWN_TIMEOUT_MS", "5000");
            env.put("BATON_REAPER_INTERVAL_MS", "500");
            env.put("BATON_JOBRUNR_POLL_SECONDS", "5");
            env.put("BATON_DB_POOL_SIZE", "20");
            env.put("BATON_DATA_DIR", options.workDir().resolve("data-coordinator-" + i).toString());
            env.putAll(options.coordinatorEnv());
            coordinators.add(new ChildProcess("coordinator-" + i,
                    java("-Xmx512m", options.coordinatorJar()), env, logs.resolve("coordinator-" + i + ".log"),
                    unexpectedExits::add, new ListeningWatch(proxy(Link.CLIENT, i), httpPorts.get(i))));
        }
        for (int i = 0; i < options.workers(); i++) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("BATON_COORDINATOR_URLS", String.join(",", coordinatorUrls()));
            env.put("BATON_WORKER_TOKEN", workerToken);
            env.put("BATON_QUEUES", String.join(",", options.workerQueues()));
            env.put("BATON_CONCURRENCY", Integer.toString(options.workerConcurrency()));
            env.put("BATON_WORKER_ID", "worker-" + i);
            env.put("BATON_LEASE_MS", Long.toString(options.workerLeaseMs()));
            env.put("BATON_SHUTDOWN_GRACE_MS", "2000");
            env.putAll(options.workerEnv());
            workers.add(new ChildProcess("worker-" + i, java("-Xmx256m", options.workerJar()), env,
                    logs.resolve("worker-" + i + ".log"), unexpectedExits::add, ChildProcess.Reachability.NONE));
        }
        for (ChildProcess c : coordinators) {
            c.start();
        }
        awaitHealthy(START_HEALTH_TIMEOUT_MS);
        for (ChildProcess w : workers) {
            w.start();
        }
    }

    /** C1 only, as the README advises on small hosts: C2 would spend the run's two cores compiling. */
    private static List<String> java(String heap, Path jar) {
        Path java = Files.isExecutable(JAVA) ? JAVA : Path.of(System.getProperty("java.home"), "bin", "java");
        return List.of(java.toString(), heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar",
                jar.toAbsolutePath().toString());
    }

    // ---- what clients use ---------------------------------------------------------------------

    /** {@code http://127.0.0.1:<CLIENT proxy port>} per coordinator. */
    /** Where every run keeps the extracted PostgreSQL binaries (a re-check starts a run's database with them). */
    public static Path postgresBinaries() {
        return PG_BINARIES;
    }

    public List<String> coordinatorUrls() {
        return proxies.get(Link.CLIENT).stream().map(p -> "http://127.0.0.1:" + p.port()).toList();
    }

    /** Straight to PostgreSQL (no proxy), user {@code postgres}, no password: for setup and the check. */
    public String jdbcUrl() {
        return postgres.jdbcUrl();
    }

    /** Straight to Redis (no proxy). */
    public String redisUrl() {
        return redis.url();
    }

    public String adminToken() {
        return adminToken;
    }

    public String producerToken() {
        return producerToken;
    }

    public String workerToken() {
        return workerToken;
    }

    public int coordinators() {
        return coordinators.size();
    }

    public int workers() {
        return workers.size();
    }

    public LinkProxy proxy(Link link, int coordinator) {
        return proxies.get(link).get(coordinator);
    }

    /** The log file of {@code coordinator-i} or {@code worker-i}. */
    public Path log(String name) {
        return options.workDir().resolve("logs").resolve(name + ".log");
    }

    /** The coordinator's pid while it runs, else -1. */
    public long coordinatorPid(int i) {
        return coordinators.get(i).pid();
    }

    public long workerPid(int i) {
        return workers.get(i).pid();
    }

    // ---- faults -------------------------------------------------------------------------------

    /** kill -9 of the coordinator's JVM; it stays down until {@link #startCoordinator} or {@link #healAll}. */
    public void killCoordinator(int i) {
        coordinators.get(i).kill();
    }

    /** Starts it again (same port, same environment) unless it runs; does not wait for its health. */
    public void startCoordinator(int i) throws IOException {
        coordinators.get(i).start();
    }

    public void pauseCoordinator(int i) throws IOException {
        coordinators.get(i).pause();
    }

    public void resumeCoordinator(int i) throws IOException {
        coordinators.get(i).resume();
    }

    public void killWorker(int i) {
        workers.get(i).kill();
    }

    public void startWorker(int i) throws IOException {
        workers.get(i).start();
    }

    public void pauseWorker(int i) throws IOException {
        workers.get(i).pause();
    }

    public void resumeWorker(int i) throws IOException {
        workers.get(i).resume();
    }

    /** A crash of PostgreSQL and its recovery: immediate stop, then start on the same data and port. */
    public void restartPostgresImmediately() throws IOException, InterruptedException {
        synchronized (postgresLock) {
            stopPostgresImmediately();
            startPostgres();
        }
    }

    /** {@code pg_ctl stop -m immediate}: no checkpoint, connections dropped; fsync is on. */
    public void stopPostgresImmediately() throws IOException, InterruptedException {
        synchronized (postgresLock) {
            if (postgresRunning || postgres.isRunning()) {
                postgres.stopImmediately();
                postgresRunning = false;
                for (LinkProxy p : proxies.get(Link.POSTGRES)) {
                    p.targetDown(); // refused, as PostgreSQL's own port would be
                }
            }
        }
    }

    /** Starts PostgreSQL (crash recovery included) unless it runs; waits until it accepts connections. */
    public void startPostgres() throws IOException, InterruptedException {
        synchronized (postgresLock) {
            if (closed) {
                return;
            }
            if (!postgresRunning && !postgres.isRunning()) {
                postgres.startAgain();
            }
            postgresRunning = true;
            for (LinkProxy p : proxies.get(Link.POSTGRES)) {
                p.targetUp();
            }
        }
    }

    /** FLUSHALL, straight to Redis. */
    public void flushRedis() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", redis.port()), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("*1\r\n$8\r\nFLUSHALL\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] answer = s.getInputStream().readNBytes(5);
            if (!new String(answer, StandardCharsets.US_ASCII).startsWith("+OK")) {
                throw new IOException("FLUSHALL answered " + new String(answer, StandardCharsets.US_ASCII));
            }
        }
    }

    /**
     * Every proxy back to forwarding, every process resumed, every dead process and PostgreSQL started;
     * then waits (up to 60 s) until each coordinator answers /health 200 through its CLIENT proxy.
     */
    public void healAll() throws IOException, InterruptedException {
        for (List<LinkProxy> list : proxies.values()) {
            for (LinkProxy p : list) {
                p.restore();
            }
        }
        startPostgres();
        for (ChildProcess c : coordinators) {
            c.start();
        }
        for (ChildProcess w : workers) {
            w.start();
        }
        awaitHealthy(HEAL_HEALTH_TIMEOUT_MS);
    }

    /** Waits until every coordinator answers /health 200 through its CLIENT proxy. */
    public void awaitHealthy(long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (int i = 0; i < coordinators.size(); i++) {
            while (healthStatus(i) != 200) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("coordinator-" + i + " not healthy after " + timeoutMs + " ms; see "
                            + coordinators.get(i).log());
                }
                Thread.sleep(200);
            }
        }
    }

    /** The HTTP status of coordinator i's /health through its CLIENT proxy; -1 if none within 2 s. */
    public int healthStatus(int i) {
        return healthStatus(i, 2000);
    }

    /** The same within {@code timeoutMs}. */
    public int healthStatus(int i, long timeoutMs) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy(Link.CLIENT, i).port()), (int) timeoutMs);
            s.setSoTimeout((int) timeoutMs);
            s.getOutputStream().write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII); // "HTTP/1.1 200"
            return head.startsWith("HTTP/1.") && head.length() == 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Processes that died without the run killing them: name, exit status, log. */
    public List<String> unexpectedExits() {
        synchronized (unexpectedExits) {
            return List.copyOf(unexpectedExits);
        }
    }

    /**
     * Stops everything: workers, then coordinators (SIGCONT, SIGTERM, SIGKILL after 10 s), then
     * PostgreSQL, Redis and the proxies. Nothing is left running.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopAll(workers);
        for (List<LinkProxy> list : proxies.values()) {
            for (LinkProxy p : list) {
                try {
                    p.restore(); // a coordinator stopping cleanly needs its database
                } catch (IOException ignored) {
                    // it is closed below anyway
                }
            }
        }
        stopAll(coordinators);
        proxies.values().forEach(list -> list.forEach(LinkProxy::close));
        synchronized (postgresLock) {
            if (postgres != null) {
                postgres.stop(10_000);
                postgres.postmaster().ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        if (redis != null) {
            redis.close();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // shutting down already
        }
    }

    private static void stopAll(List<ChildProcess> processes) {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> stops = new ArrayList<>();
            for (ChildProcess p : processes) {
                stops.add(pool.submit(() -> p.stop(STOP_GRACE_MS)));
            }
        }
    }

    /** The JVM is exiting (an exception in the run, Ctrl-C): kill everything without waiting long. */
    private void destroyNow() {
        if (closed) {
            return;
        }
        workers.forEach(ChildProcess::destroyNow);
        coordinators.forEach(ChildProcess::destroyNow);
        closed = true;
        synchronized (postgresLock) {
            if (postgres != null) {
                try {
                    postgres.stopImmediately();
                } catch (IOException | InterruptedException e) {
                    postgres.postmaster().ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    /**
     * Keeps a coordinator's CLIENT proxy refusing from its kill (or exit) until its new JVM listens,
     * as the coordinator's own port would: a starting JVM takes 10 to 20 s here.
     */
    private static final class ListeningWatch implements ChildProcess.Reachability {
        private final LinkProxy proxy;
        private final int port;
        private final AtomicLong generation = new AtomicLong();

        ListeningWatch(LinkProxy proxy, int port) {
            this.proxy = proxy;
            this.port = port;
        }

        @Override
        public void down() throws IOException {
            generation.incrementAndGet();
            proxy.targetDown();
        }

        @Override
        public void up() throws IOException {
            long mine = generation.incrementAndGet();
            proxy.targetDown();
            Thread.ofVirtual().name("await-listening-" + port).start(() -> {
                while (generation.get() == mine) {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                        synchronized (this) {
                            if (generation.get() == mine) {
                                proxy.targetUp();
                            }
                        }
                        return;
                    } catch (IOException e) {
                        // not listening yet
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
    }

    private static String token() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return "chaos-" + HexFormat.of().formatHex(bytes);
    }
}
