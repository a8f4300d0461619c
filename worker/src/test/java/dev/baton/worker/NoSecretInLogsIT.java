package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.common.config.Redaction;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.Secrets;
import dev.baton.coordinator.testing.TestCluster;
import dev.baton.coordinator.testing.TestServices;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * No secret in any log, for a whole session of real processes: a coordinator ({@code
 * baton-coordinator.jar}, JSON lines) whose database URL and settings carry the password of a
 * PostgreSQL role made for it, whose Redis URL carries an ACL user's password, with environment
 * tokens of every role and the JobRunr dashboard's password; tokens made through the API; wrong,
 * unknown, revoked and Basic-auth credentials refused; a worker process ({@code
 * baton-worker.jar}) failing over from a dead URL and running jobs with a token made through the
 * API; refusals with job ids; spans of both sent to an OTLP endpoint whose URL carries a password
 * and where nothing listens; a bad setting of each program refused at start. Both processes log
 * with Baton at TRACE and the libraries that see settings, connections and requests at DEBUG
 * ({@code logback-debug.xml}). Then everything they wrote, stdout and stderr, is searched for
 * every secret the test set or was handed. The secrets are also recorded for {@code
 * LogsHoldNoSecretIT}.
 */
class NoSecretInLogsIT {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern DASHBOARD = Pattern.compile("JobRunr dashboard on http://127\\.0\\.0\\.1:(\\d+)");
    private final Path logs = Path.of("target", "no-secret-session");
    private final List<Process> processes = new ArrayList<>();
    /** Each secret with what it is, for the failure message. */
    private final Map<String, String> secrets = new LinkedHashMap<>();

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    private String secret(String what) {
        String s = what + "-secret-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        secrets.put(s, what);
        Secrets.seen(s);
        return s;
    }

    private void handed(String what, String value) {
        assertThat(value).as(what).isNotBlank();
        secrets.put(value, what);
        Secrets.seen(value);
    }

    @Test
    void aWholeSessionLogsNoSecret() throws Exception {
        Files.createDirectories(logs);
        try (Stream<Path> old = Files.list(logs)) {
            for (Path f : old.toList()) {
                Files.delete(f);
            }
        }
        String role = "baton_logs_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        String rolePassword = secret("db-url-password");
        String settingPassword = secret("db-setting-password");
        String redisUser = "baton-logs-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        String redisPassword = secret("redis-password");
        String admin = secret("env-admin-token");
        String producer = secret("env-producer-token");
        String envWorker = secret("env-worker-token");
        String viewer = secret("env-viewer-token");
        String dashboard = secret("dashboard-password");
        String otlp = "http://otel:" + secret("otlp-password") + "@127.0.0.1:" + deadPort() + "/";
        URI redis = URI.create(TestServices.redisUrl());

        TestCluster cluster = TestCluster.start(NoSecretInLogsIT.class, 0);
        String database = URI.create(cluster.jdbcUrl().substring("jdbc:".length())).getPath().substring(1);
        cluster.execute("create role " + role + " login password '" + rolePassword + "'");
        cluster.execute("alter database " + database + " owner to " + role);
        redis(redis, "ACL", "SETUSER", redisUser, "on", ">" + redisPassword, "~*", "&*", "+@all");
        try {
            String dbUrl = cluster.jdbcUrl() + (cluster.jdbcUrl().contains("?") ? "&" : "?") + "password=" + rolePassword;
            String redisUrl = "redis://" + redisUser + ":" + redisPassword + "@" + redis.getHost() + ":" + redis.getPort()
                    + (redis.getPath() == null ? "" : redis.getPath());
            Map<String, String> env = new HashMap<>(Map.of("BATON_DB_URL", dbUrl, "BATON_DB_USER", role,
                    "BATON_DB_PASSWORD", settingPassword, "BATON_REDIS_URL", redisUrl, "BATON_HTTP_PORT", "0",
                    "BATON_ADMIN_TOKENS", admin, "BATON_PRODUCER_TOKENS", producer, "BATON_WORKER_TOKENS", envWorker,
                    "BATON_VIEWER_TOKENS", viewer, "BATON_LOG_FORMAT", "json"));
            env.putAll(Map.of("BATON_DASHBOARD_ENABLED", "true", "BATON_DASHBOARD_PORT", "0",
                    "BATON_DASHBOARD_USER", "dash", "BATON_DASHBOARD_PASSWORD", dashboard,
                    "BATON_REDIS_PREFIX", "baton-test:" + database, "BATON_DB_POOL_SIZE", "4",
                    "BATON_SHUTDOWN_TIMEOUT_MS", "20000", "BATON_OTLP_ENDPOINT", otlp));
            Process coordinator = start("coordinator", coordinatorJar(), env);
            Path coordinatorOut = logs.resolve("coordinator.out.log");
            assertThat(Jobs.eventually(150_000, () -> LISTENING.matcher(read(coordinatorOut)).find()
                    || !coordinator.isAlive())).isTrue();
            Matcher listening = LISTENING.matcher(read(coordinatorOut));
            assertThat(listening.find()).as("listening; see " + coordinatorOut).isTrue();
            int port = Integer.parseInt(listening.group(1));
            Api api = new Api(port);
            assertThat(Jobs.eventually(30_000, () -> api.get("/health", null).body().path("redis").asText()
                    .equals("up"))).as("Redis reached with its ACL user; see " + coordinatorOut).isTrue();

            session(api, admin, producer, envWorker, viewer, dashboard, otlp, port, coordinatorOut);
            // the span exporter sends every few seconds: its failure (to the dead OTLP port) must be
            // in the log before the stop, whose own flush may come after logging has ended
            assertThat(Jobs.eventually(60_000, () -> read(coordinatorOut).contains("Failed to export")))
                    .as("an export to the dead OTLP endpoint failed; see " + coordinatorOut).isTrue();

            coordinator.toHandle().destroy(); // SIGTERM
            assertThat(coordinator.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(coordinator.exitValue()).as("exit status; see " + coordinatorOut).isZero();
            refusedAtStart(dbUrl, redisUrl);
        } finally {
            redis(redis, "ACL", "DELUSER", redisUser);
            cluster.close();
            dropRole(role); // after its database, which close() dropped
        }

        String coordinatorLog = read(logs.resolve("coordinator.out.log"));
        assertThat(coordinatorLog).as("the coordinator logged at DEBUG, and what matters")
                .contains("\"level\":\"DEBUG\"")
                .contains("database " + Redaction.address(cluster.jdbcUrl()) + " as " + role)
                .contains("Redis redis://" + redis.getHost() + ":" + redis.getPort())
                .contains("refused GET /api/v1/jobs from 127.0.0.1: 401 unauthenticated")
                .contains("409 lease_lost")
                .contains("coordinator stopped in");
        String workerLog = read(logs.resolve("worker.out.log"));
        assertThat(coordinatorLog).as("OpenTelemetry's failed exports (java.util.logging) are lines of the log too")
                .contains("Failed to export");
        for (String process : List.of("coordinator", "worker")) {
            assertThat(read(logs.resolve(process + ".err.log")).lines().filter(l -> !l.startsWith("WARNING: ")))
                    .as(process + ": nothing but the JVM's own warnings on stderr").isEmpty();
        }
        // the worker says little at DEBUG unless something goes wrong: its lines' full logger names show the debug configuration
        assertThat(workerLog).as("the worker logged with logback-debug.xml, its fail-over and its stop")
                .contains(" dev.baton.worker.Worker - ").contains("switching to http://127.0.0.1:").contains("stopped: ");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(logs)) {
            for (Path file : files.sorted().toList()) {
                String text = Files.readString(file, StandardCharsets.ISO_8859_1);
                secrets.forEach((secret, what) -> {
                    for (int at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) {
                        int start = text.lastIndexOf('\n', at) + 1;
                        int end = text.indexOf('\n', at);
                        found.add(file.getFileName() + " holds the " + what + ": "
                                + text.substring(start, end < 0 ? text.length() : end).replace(secret, "<" + what + ">"));
                    }
                });
            }
        }
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(14);
        assertThat(found).as("log lines holding a secret").isEmpty();
    }

    /** What an operator and a worker do in a day: tokens made and revoked, refusals, jobs run through a fail-over. */
    private void session(Api api, String admin, String producer, String envWorker, String viewer, String dashboard,
                         String otlp, int port, Path coordinatorOut) throws Exception {
        Api.Resp made = api.post("/api/v1/tokens", admin, Map.of("name", "session-worker", "role", "worker",
                "queues", List.of("session")));
        assertThat(made.status()).as(made.toString()).isEqualTo(201);
        String worker = made.body().path("token").asText();
        handed("API-made worker token", worker);
        Api.Resp maker = api.post("/api/v1/tokens", admin, Map.of("name", "session-producer", "role", "producer"));
        String apiProducer = maker.body().path("token").asText();
        handed("API-made producer token", apiProducer);
        Api.Resp doomed = api.post("/api/v1/tokens", admin, Map.of("name", "session-doomed", "role", "viewer"));
        String revoked = doomed.body().path("token").asText();
        handed("revoked token", revoked);
        assertThat(api.send("DELETE", "/api/v1/tokens/session-doomed", admin, null, null).status()).isEqualTo(204);

        String wrong = secret("wrong-token");
        assertThat(api.get("/api/v1/jobs", wrong).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/jobs", revoked).status()).isEqualTo(401);
        assertThat(api.send("GET", "/api/v1/jobs", null, null, null, Map.of("Authorization",
                "Basic " + Base64.getEncoder().encodeToString(("admin:" + secret("basic-password"))
                        .getBytes(StandardCharsets.UTF_8)))).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/jobs", viewer).status()).isEqualTo(200);
        assertThat(api.post("/api/v1/jobs", viewer, Map.of("type", "t")).status()).isEqualTo(403);
        assertThat(api.post("/api/v1/jobs", producer, "{\"type\": \"t\", \"queue\": " + secret("body-value")).status())
                .isEqualTo(400);
        assertThat(api.get("/api/v1/tokens", admin).status()).isEqualTo(200);

        int dashboardPort = Integer.parseInt(first(DASHBOARD, read(coordinatorOut)));
        HttpClient http = HttpClient.newHttpClient();
        for (String password : List.of(dashboard, secret("wrong-dashboard-password"))) {
            http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dashboardPort + "/api/jobs?state=SUCCEEDED"))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("dash:" + password)
                            .getBytes(StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.discarding());
        }

        List<Map<String, Object>> jobs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            jobs.add(Map.of("type", i % 4 == 0 ? "baton.fail" : "baton.sleep", "queue", "session",
                    "payload", i % 4 == 0 ? Map.of("failTimes", 1) : Map.of("steps", 3, "stepMs", 50),
                    "backoff", Map.of("initialMs", 100, "jitter", 0)));
        }
        assertThat(api.post("/api/v1/jobs/batch", apiProducer, Map.of("jobs", jobs)).status()).isEqualTo(201);
        int dead = deadPort();
        Process w = start("worker", List.of("-jar", Path.of("target", "baton-worker.jar").toString()), Map.of(
                "BATON_COORDINATOR_URLS", "http://127.0.0.1:" + dead + ",http://127.0.0.1:" + port,
                "BATON_WORKER_TOKEN", worker, "BATON_QUEUES", "session", "BATON_CONCURRENCY", "4",
                "BATON_WORKER_ID", "session-worker", "BATON_LEASE_MS", "3000", "BATON_SHUTDOWN_GRACE_MS", "10000",
                "BATON_OTLP_ENDPOINT", otlp));
        assertThat(Jobs.eventually(120_000, () -> api.get("/api/v1/jobs?queue=session&status=succeeded&limit=100", admin)
                .body().path("items").size() == 20)).as("the worker ran them all; see worker.out.log").isTrue();

        // a stale worker's requests: refused with the job's id
        String id = api.post("/api/v1/jobs", producer, Map.of("type", "t", "queue", "session-stale")).body().path("id")
                .asText();
        Api.Resp claimed = api.post("/api/v1/claims", envWorker, Map.of("workerId", "stale", "queues",
                List.of("session-stale"), "leaseMs", 30_000));
        String lease = claimed.body().path("jobs").get(0).path("leaseToken").asText();
        handed("lease token", lease);
        assertThat(api.post("/api/v1/jobs/" + id + "/complete", envWorker, Map.of("leaseToken", secret("stale-lease")))
                .code()).isEqualTo("lease_lost");
        assertThat(api.post("/api/v1/jobs/" + id + "/complete", envWorker, Map.of("leaseToken", lease)).status())
                .isEqualTo(200);
        w.toHandle().destroy(); // SIGTERM
        assertThat(w.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    /** A bad setting of each program, whose value is a URL with a password: refused in one line naming it without. */
    private void refusedAtStart(String dbUrl, String redisUrl) throws Exception {
        Process c = start("coordinator-refused", coordinatorJar(), Map.of("BATON_DB_URL", dbUrl.substring("jdbc:".length()),
                "BATON_ADMIN_TOKENS", "x"));
        Process w = start("worker-refused", List.of("-jar", Path.of("target", "baton-worker.jar").toString()), Map.of(
                "BATON_COORDINATOR_URLS", redisUrl, "BATON_WORKER_TOKEN", "x"));
        assertThat(c.waitFor(60, TimeUnit.SECONDS) && w.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(c.exitValue()).isEqualTo(2);
        assertThat(w.exitValue()).isEqualTo(2);
        assertThat(read(logs.resolve("coordinator-refused.err.log"))).startsWith("Baton did not start: BATON_DB_URL must start with");
        assertThat(read(logs.resolve("worker-refused.err.log"))).startsWith("Baton worker did not start: BATON_COORDINATOR_URLS");
    }

    /** A port nothing listens on: connections to it are refused. */
    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static List<String> coordinatorJar() {
        return List.of("-jar", Path.of("..", "coordinator", "target", "baton-coordinator.jar").toString());
    }

    /** A process with only {@code env}'s BATON_* settings and the debug logging; stdout and stderr each to a file. */
    private Process start(String name, List<String> jar, Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx384m",
                "-Dlogback.configurationFile=" + Path.of("target", "test-classes", "logback-debug.xml").toAbsolutePath()));
        command.addAll(jar);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectOutput(logs.resolve(name + ".out.log").toFile())
                .redirectError(logs.resolve(name + ".err.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("BATON_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private static String first(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as(pattern + " in the log").isTrue();
        return m.group(1);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void dropRole(String role) {
        TestServices.Postgres pg = TestServices.postgres();
        try (var c = java.sql.DriverManager.getConnection(pg.adminUrl(), pg.user(), pg.password());
             var s = c.createStatement()) {
            s.execute("drop role if exists " + role);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One Redis command in RESP over a socket of its own; its answer's first line ({@code +OK}, {@code -ERR …}). */
    private static String redis(URI url, String... args) throws IOException {
        try (Socket s = new Socket(url.getHost(), url.getPort())) {
            s.setSoTimeout(5000);
            StringBuilder command = new StringBuilder("*").append(args.length).append("\r\n");
            for (String a : args) {
                command.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(command.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder answer = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                answer.append((char) c);
            }
            assertThat(answer.toString()).as("Redis answered " + String.join(" ", args[0], args[1])).isNotEmpty()
                    .doesNotStartWith("-");
            return answer.toString();
        }
    }
}
