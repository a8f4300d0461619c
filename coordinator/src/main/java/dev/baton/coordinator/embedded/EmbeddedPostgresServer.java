package dev.baton.coordinator.embedded;

import dev.baton.common.net.Ports;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server from the zonky binaries whose data lives in a directory of ours, so it
 * survives restarts. PostgreSQL refuses to run as root; as root we start it inside a new user
 * namespace ({@code unshare --user}), where it runs as the unmapped "nobody" yet keeps root's
 * access to root's files, so the data directory can stay under root's home.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private final Path binDir;
    private final Path dataDir;
    private final int port;
    /** Where pg_ctl and the server log, and the socket directory lie: set by {@link #startOnPort}. */
    private Path baseDir;
    private String serverOptions;

    private EmbeddedPostgresServer(Path binDir, Path dataDir, int port) {
        this.binDir = binDir;
        this.dataDir = dataDir;
        this.port = port;
    }

    /**
     * Starts PostgreSQL on fresh data under {@code baseDir} on a fixed {@code port}, for a run that
     * crashes it on purpose ({@link #stopImmediately}, {@link #startAgain}) and stops it itself:
     * no shutdown hook. Data left by an earlier run is stopped (if its server still runs) and deleted.
     * fsync stays on, so what was committed survives an immediate stop.
     */
    public static EmbeddedPostgresServer startOnPort(Path baseDir, int port, int maxConnections)
            throws IOException, InterruptedException {
        return startOnPort(baseDir, baseDir.resolve("pg-binaries"), port, maxConnections);
    }

    /** The same with the binaries extracted (once) to {@code binariesDir}, which several runs may share. */
    public static EmbeddedPostgresServer startOnPort(Path baseDir, Path binariesDir, int port, int maxConnections)
            throws IOException, InterruptedException {
        return startOnPort(baseDir, binariesDir, port, maxConnections, dataDir -> { });
    }

    /**
     * What is done to a fresh data directory after initdb and before the server first starts:
     * settings appended to {@code postgresql.conf}, a {@code pg_hba.conf} of one's own, files the
     * server reads (a test's TLS certificate and key).
     */
    @FunctionalInterface
    public interface DataDirSetup {
        void apply(Path dataDir) throws IOException;
    }

    /** The same with {@code setup} applied to the fresh data directory before the server starts. */
    public static EmbeddedPostgresServer startOnPort(Path baseDir, Path binariesDir, int port, int maxConnections,
                                                     DataDirSetup setup) throws IOException, InterruptedException {
        var server = onPort(baseDir, binariesDir, port, maxConnections);
        Path data = server.dataDir;
        if (Files.exists(data.resolve("PG_VERSION"))) {
            server.stopOrphan(baseDir.resolve("pg_ctl.log"));
            deleteTree(data);
        }
        Files.createDirectories(data);
        server.run(List.of("initdb", "-D", data.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                "--locale=C"), baseDir.resolve("initdb.log"));
        setup.apply(data);
        server.startAgain();
        return server;
    }

    /**
     * Starts PostgreSQL on the data a {@link #startOnPort} server left under {@code baseDir},
     * keeping it (to read what a finished run left behind); stop it with {@link #close}.
     */
    public static EmbeddedPostgresServer openOnPort(Path baseDir, Path binariesDir, int port, int maxConnections)
            throws IOException, InterruptedException {
        var server = onPort(baseDir, binariesDir, port, maxConnections);
        if (!Files.exists(server.dataDir.resolve("PG_VERSION"))) {
            throw new IOException("no PostgreSQL data in " + server.dataDir);
        }
        server.stopOrphan(baseDir.resolve("pg_ctl.log"));
        server.startAgain();
        return server;
    }

    private static EmbeddedPostgresServer onPort(Path baseDir, Path binariesDir, int port, int maxConnections)
            throws IOException {
        Path binaries = extractBinaries(binariesDir);
        Path runDir = baseDir.resolve("pg-run");
        Files.createDirectories(runDir);
        var server = new EmbeddedPostgresServer(binaries.resolve("bin"), baseDir.resolve("pg-data"), port);
        server.baseDir = baseDir;
        server.serverOptions = "-p " + port + " -h 127.0.0.1 -k " + runDir + " -c fsync=on -c max_connections="
                + maxConnections;
        return server;
    }

    public int port() {
        return port;
    }

    /**
     * Starts the server of {@link #startOnPort} again on the same data and port (after
     * {@link #stopImmediately}: with crash recovery), waiting up to 60 s until it accepts connections.
     */
    public void startAgain() throws IOException, InterruptedException {
        if (serverOptions == null) {
            throw new IllegalStateException("only a server from startOnPort starts again");
        }
        run(List.of("pg_ctl", "-D", dataDir.toString(), "-w", "-t", "60", "-l",
                baseDir.resolve("postgres.log").toString(), "-o", serverOptions, "start"),
                baseDir.resolve("pg_ctl.log"));
        LOG.info("Embedded PostgreSQL on 127.0.0.1:{} with data in {}", port, dataDir);
    }

    /** A crash: {@code pg_ctl stop -m immediate} (no checkpoint; the next start recovers from the WAL). */
    public void stopImmediately() throws IOException, InterruptedException {
        run(List.of("pg_ctl", "-D", dataDir.toString(), "-m", "immediate", "-w", "-t", "30", "stop"),
                baseDir != null ? baseDir.resolve("pg_ctl.log") : null);
    }

    /** Whether a postmaster runs on our data ({@code pg_ctl status}). */
    public boolean isRunning() {
        try {
            run(List.of("pg_ctl", "-D", dataDir.toString(), "status"), null);
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The postmaster's process while one runs on our data. */
    public Optional<ProcessHandle> postmaster() {
        try {
            return Orphans.find(dataDir.resolve("postmaster.pid"), binDir.resolve("postgres"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Starts one that is stopped when this JVM exits (for tests and tools). */
    public static EmbeddedPostgresServer start(Path baseDir) throws IOException, InterruptedException {
        EmbeddedPostgresServer server = start(baseDir, null);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "embedded-postgres-stop"));
        return server;
    }

    /**
     * Starts PostgreSQL on the data under {@code baseDir} for a coordinator, which stops it itself,
     * last, once nothing uses it any more. Holding {@code lock} proves that no other coordinator
     * runs on this data, so a server still running from a killed one is stopped here first (else
     * pg_ctl would refuse to start a second one on the same data).
     */
    public static EmbeddedPostgresServer start(Path baseDir, DataDirLock lock) throws IOException, InterruptedException {
        Path binaries = extractBinaries(baseDir.resolve("pg-binaries"));
        Path data = baseDir.resolve("pg-data");
        Path runDir = baseDir.resolve("pg-run");
        Files.createDirectories(runDir);
        var server = new EmbeddedPostgresServer(binaries.resolve("bin"), data, freePort());
        if (!Files.exists(data.resolve("PG_VERSION"))) {
            Files.createDirectories(data);
            server.run(List.of("initdb", "-D", data.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                    "--locale=C"), baseDir.resolve("initdb.log"));
        }
        if (lock != null) {
            server.stopOrphan(baseDir.resolve("pg_ctl.log"));
        }
        // A postmaster.pid whose process is gone is PostgreSQL's to clear; one naming a live process
        // that is not our postgres (a reused pid) was deleted by stopOrphan.
        server.run(List.of("pg_ctl", "-D", data.toString(), "-w", "-t", "60", "-l",
                baseDir.resolve("postgres.log").toString(), "-o",
                "-p " + server.port + " -h 127.0.0.1 -k " + runDir + " -c fsync=on -c max_connections=200",
                "start"), baseDir.resolve("pg_ctl.log"));
        LOG.info("Embedded PostgreSQL 15 on 127.0.0.1:{} with data in {}", server.port, data);
        return server;
    }

    /** Stops a postmaster left running on our data by a coordinator that is gone. */
    private void stopOrphan(Path log) throws IOException, InterruptedException {
        Optional<ProcessHandle> orphan = Orphans.find(dataDir.resolve("postmaster.pid"), binDir.resolve("postgres"));
        if (orphan.isEmpty()) {
            return;
        }
        LOG.warn("Embedded PostgreSQL (pid {}) is still running on {} from a coordinator that did not stop; "
                + "stopping it", orphan.get().pid(), dataDir);
        try {
            run(List.of("pg_ctl", "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "30", "stop"), log);
        } catch (IOException e) {
            LOG.warn("fast stop failed ({}); stopping it immediately", e.getMessage());
            run(List.of("pg_ctl", "-D", dataDir.toString(), "-m", "immediate", "-w", "-t", "30", "stop"), log);
        }
        if (!Orphans.awaitExit(orphan.get(), 30_000)) {
            throw new IOException("embedded PostgreSQL (pid " + orphan.get().pid() + ") left by an earlier run "
                    + "did not stop; stop it by hand (pg_ctl -D " + dataDir + " stop)");
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    @Override
    public void close() {
        stop(60_000);
    }

    /**
     * Stops the server, giving open sessions up to {@code timeoutMs} to be cut off cleanly (fast
     * mode), then not waiting for them (immediate mode: crash recovery at the next start).
     */
    public void stop(long timeoutMs) {
        String seconds = Long.toString(Math.max(1, timeoutMs / 1000));
        try {
            run(List.of("pg_ctl", "-D", dataDir.toString(), "-m", "fast", "-w", "-t", seconds, "stop"), null);
        } catch (Exception e) {
            LOG.warn("stopping embedded PostgreSQL: {}; stopping it immediately", e.getMessage());
            try {
                run(List.of("pg_ctl", "-D", dataDir.toString(), "-m", "immediate", "-w", "-t", "10", "stop"), null);
            } catch (Exception again) {
                LOG.warn("embedded PostgreSQL did not stop: {}", again.getMessage());
            }
        }
    }

    private void run(List<String> command, Path log) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (isRoot()) {
            full.add("unshare");
            full.add("--user");
        }
        full.add(binDir.resolve(command.get(0)).toString());
        full.addAll(command.subList(1, command.size()));
        ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        if (log != null) {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        } else {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command.subList(0, 1)) + " failed"
                    + (log != null ? "; see " + log : ""));
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Unpacks the PostgreSQL binaries into {@code target} once. Processes that start at the same
     * moment on a fresh machine (two chaos runs, two test JVMs) take turns under a file lock beside
     * it (a file lock is held per JVM, so threads of one JVM take turns on the class first): the
     * first unpacks, the others find the marker it wrote last.
     */
    static synchronized Path extractBinaries(Path target) throws IOException {
        Path marker = target.resolve(".complete");
        if (Files.exists(marker)) {
            return target;
        }
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path lockFile = target.resolveSibling(target.getFileName() + ".lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            if (!Files.exists(marker)) {
                unpack(target);
                Files.createFile(marker);
            }
        }
        return target;
    }

    private static void unpack(Path target) throws IOException {
        Files.createDirectories(target);
        try (InputStream raw = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", "x86_64");
             var tar = new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(raw)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path out = target.resolve(entry.getName()).normalize();
                if (!out.startsWith(target)) {
                    throw new IOException("bad entry in PostgreSQL archive: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(out.getParent());
                    Files.deleteIfExists(out);
                    Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                    if ((entry.getMode() & 0100) != 0) {
                        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                }
            }
        }
    }

    /** Below the ephemeral range, so a restart binds it again (see {@link Ports}). */
    static int freePort() {
        return Ports.pick();
    }
}
