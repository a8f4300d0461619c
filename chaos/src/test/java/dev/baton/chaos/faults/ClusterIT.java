package dev.baton.chaos.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each fault primitive once, on real processes: 2 coordinators, 1 worker. */
class ClusterIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void everyPrimitiveOnceThenNothingLeftRunning() throws Exception {
        Path workDir = ROOT.resolve("chaos/target/cluster-it");
        if (Files.exists(workDir)) {
            try (var paths = Files.walk(workDir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        List<ProcessHandle> seen = new ArrayList<>();
        long t0 = System.nanoTime();
        try (Cluster cluster = Cluster.start(ClusterOptions.defaults(workDir, ROOT, 2, 1))) {
            log(t0, "started");
            assertThat(cluster.healthStatus(0)).isEqualTo(200);
            assertThat(cluster.healthStatus(1)).isEqualTo(200);
            assertThat(cluster.coordinatorUrls()).hasSize(2);
            for (int i = 0; i < 2; i++) {
                ProcessHandle.of(cluster.coordinatorPid(i)).ifPresent(seen::add);
            }
            ProcessHandle.of(cluster.workerPid(0)).ifPresent(seen::add);

            // kill -9 and start again on the same port
            long pid = cluster.coordinatorPid(0);
            cluster.killCoordinator(0);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
            assertThat(cluster.healthStatus(0)).isEqualTo(-1);
            assertThat(cluster.healthStatus(1)).isEqualTo(200);
            cluster.startCoordinator(0);
            cluster.awaitHealthy(60_000);
            assertThat(cluster.coordinatorPid(0)).isNotEqualTo(pid);
            ProcessHandle.of(cluster.coordinatorPid(0)).ifPresent(seen::add);
            log(t0, "coordinator killed and started again");

            // SIGSTOP / SIGCONT
            cluster.pauseCoordinator(1);
            assertThat(cluster.healthStatus(1, 1000)).isEqualTo(-1);
            cluster.resumeCoordinator(1);
            assertThat(cluster.healthStatus(1)).isEqualTo(200);
            long workerPid = cluster.workerPid(0);
            cluster.pauseWorker(0);
            cluster.resumeWorker(0);
            cluster.killWorker(0);
            cluster.startWorker(0);
            assertThat(cluster.workerPid(0)).isNotEqualTo(workerPid).isPositive();
            ProcessHandle.of(cluster.workerPid(0)).ifPresent(seen::add);
            log(t0, "paused, resumed; worker killed and started");

            // a PostgreSQL crash keeps what was committed
            try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(), "postgres", "")) {
                c.createStatement().execute("CREATE TABLE chaos_probe (id int PRIMARY KEY)");
                c.createStatement().execute("INSERT INTO chaos_probe VALUES (1)");
            }
            cluster.restartPostgresImmediately();
            try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(), "postgres", "");
                 ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM chaos_probe")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1);
            }
            cluster.awaitHealthy(30_000);
            log(t0, "PostgreSQL restarted immediately; coordinators healthy again");

            // a silent partition between coordinator 0 and PostgreSQL
            cluster.proxy(Link.POSTGRES, 0).blackhole();
            long start = System.nanoTime();
            int status = cluster.healthStatus(0, 1000);
            log(t0, "health of coordinator 0 with its PostgreSQL link black-holed: " + status + " after "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
            assertThat(status).isNotEqualTo(200);
            assertThat(cluster.healthStatus(1, 1000)).isEqualTo(200);
            cluster.proxy(Link.POSTGRES, 0).restore();
            start = System.nanoTime();
            cluster.awaitHealthy(30_000);
            log(t0, "coordinator 0 healthy " + (System.nanoTime() - start) / 1_000_000 + " ms after restore");

            // the other link faults, and Redis
            cluster.proxy(Link.CLIENT, 1).cut();
            assertThat(cluster.healthStatus(1, 1000)).isEqualTo(-1);
            cluster.proxy(Link.CLIENT, 1).restore();
            assertThat(cluster.healthStatus(1)).isEqualTo(200);
            cluster.proxy(Link.REDIS, 0).slow(100);
            cluster.proxy(Link.CLIENT, 0).resetOnce();
            cluster.flushRedis();
            cluster.stopPostgresImmediately();
            cluster.killWorker(0);
            cluster.pauseCoordinator(0);
            cluster.healAll();
            log(t0, "healed");
            assertThat(cluster.unexpectedExits()).isEmpty();
        }
        log(t0, "closed");
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList()).isEmpty();
        assertThat(seen).noneMatch(ProcessHandle::isAlive);
        String dir = workDir.toString();
        assertThat(ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(dir)).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .toList()).isEmpty();
    }

    private static void log(long t0, String what) {
        System.out.printf("[ClusterIT %5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, what);
    }
}
