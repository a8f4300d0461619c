package dev.baton.coordinator.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;
import redis.embedded.model.OsArchitecture;

/**
 * A throwaway Redis for embedded mode (Redis holds nothing Baton needs to keep): the redis-server
 * binary that the embedded-redis library ships, run by us rather than by the library, whose own
 * JVM-exit hook would stop Redis while the coordinator still uses it. Its pid file lies in the
 * data directory, so that one left running by a killed coordinator is found and stopped.
 */
public final class EmbeddedRedisServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedisServer.class);
    private static final long START_TIMEOUT_MS = 20_000;
    private final Process process;
    private final Path pidFile;
    private final int port;

    private EmbeddedRedisServer(Process process, Path pidFile, int port) {
        this.process = process;
        this.pidFile = pidFile;
        this.port = port;
    }

    /** Starts one in a temporary directory that is stopped when this JVM exits (for tests and tools). */
    public static EmbeddedRedisServer start() throws IOException {
        return start(EmbeddedPostgresServer.freePort());
    }

    /** Like {@link #start()}, on {@code port}. */
    public static EmbeddedRedisServer start(int port) throws IOException {
        EmbeddedRedisServer server = launch(Files.createTempDirectory("baton-redis"), port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "embedded-redis-stop"));
        return server;
    }

    /**
     * Starts Redis under {@code baseDir} for a coordinator, which stops it itself once nothing
     * uses it. Holding {@code lock} proves that no other coordinator runs there, so a Redis still
     * running from a killed one is stopped first.
     */
    public static EmbeddedRedisServer start(Path baseDir, DataDirLock lock) throws IOException {
        Path dir = baseDir.resolve("redis");
        Files.createDirectories(dir);
        Optional<ProcessHandle> orphan = Orphans.find(dir.resolve("redis.pid"), binary(dir));
        if (orphan.isPresent()) {
            LOG.warn("Embedded Redis (pid {}) is still running from a coordinator that did not stop; stopping it",
                    orphan.get().pid());
            stopProcess(orphan.get());
        }
        return launch(dir, EmbeddedPostgresServer.freePort());
    }

    private static EmbeddedRedisServer launch(Path dir, int port) throws IOException {
        Path binary = extractBinary(dir);
        Path pidFile = dir.resolve("redis.pid");
        List<String> command = new ArrayList<>();
        // In a session of its own, as pg_ctl puts PostgreSQL: Ctrl-C in the coordinator's terminal
        // reaches the whole foreground process group, and Redis would quit before the coordinator
        // has drained. setsid execs in place (we are no group leader), so the pid stays Redis's.
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        }
        command.addAll(List.of(binary.toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--pidfile", pidFile.toString(), "--dir", dir.toString()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()));
        Process process = pb.start();
        var server = new EmbeddedRedisServer(process, pidFile, port);
        if (!server.awaitPong()) {
            server.close();
            throw new IOException("embedded Redis did not start; see " + dir.resolve("redis.log"));
        }
        LOG.info("Embedded Redis on 127.0.0.1:{}", port);
        return server;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    @Override
    public void close() {
        stopProcess(process.toHandle());
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            LOG.debug("embedded Redis pid file not deleted: {}", e.getMessage());
        }
    }

    /** SIGTERM (Redis exits at once: it saves nothing), then SIGKILL if it has not gone in 5 s. */
    private static void stopProcess(ProcessHandle process) {
        process.destroy();
        try {
            if (!Orphans.awaitExit(process, 5000)) {
                process.destroyForcibly();
                Orphans.awaitExit(process, 5000);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private boolean awaitPong() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                s.setSoTimeout(1000);
                s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] answer = s.getInputStream().readNBytes(7);
                if (new String(answer, StandardCharsets.US_ASCII).startsWith("+PONG")) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** The binary for this machine from the library's jar, copied out once (never over a running one). */
    private static Path binary(Path dir) {
        String resource = ExecutableProvider.newProvidedVersionsMap().get(OsArchitecture.detectOSandArchitecture());
        if (resource == null) {
            throw new IllegalStateException("no embedded Redis for this operating system; set BATON_REDIS_URL");
        }
        return dir.resolve(Path.of(resource).getFileName().toString());
    }

    private static Path extractBinary(Path dir) throws IOException {
        Path target = binary(dir);
        if (Files.isExecutable(target)) {
            return target;
        }
        String resource = ExecutableProvider.newProvidedVersionsMap().get(OsArchitecture.detectOSandArchitecture());
        try (InputStream in = RedisServer.class.getResourceAsStream(resource.startsWith("/") ? resource : "/" + resource)) {
            if (in == null) {
                throw new IOException("embedded Redis binary " + resource + " missing from the classpath");
            }
            Path partial = Files.createTempFile(dir, "redis-server", ".part");
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        }
        return target;
    }
}
