package dev.baton.coordinator.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a coordinator finds in its data directory after a crash: its predecessor's PostgreSQL
 * still running (stopped, then started anew on the same data), or a postmaster.pid naming a
 * process that is not PostgreSQL (a reused pid: ignored); and a live coordinator's lock.
 */
class EmbeddedPostgresServerTest {

    private static long count(EmbeddedPostgresServer pg) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), "postgres", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from kept")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void anOrphanIsStoppedAndAReusedPidIsIgnoredAndTheDataIsKept(@TempDir Path dir) throws Exception {
        DataDirLock first = DataDirLock.take(dir);
        EmbeddedPostgresServer orphan = EmbeddedPostgresServer.start(dir, first);
        try (Connection c = DriverManager.getConnection(orphan.jdbcUrl(), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("create table kept as select 1 as x");
        }
        long orphanPid = Long.parseLong(Files.readAllLines(dir.resolve("pg-data/postmaster.pid")).get(0).trim());
        first.close(); // its coordinator is gone; its PostgreSQL is not

        DataDirLock second = DataDirLock.take(dir);
        EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dir, second);
        assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(count(pg)).isEqualTo(1);
        pg.stop(10_000);

        // a postmaster.pid naming a live process that is not our PostgreSQL: this JVM
        Files.write(dir.resolve("pg-data/postmaster.pid"), List.of(Long.toString(ProcessHandle.current().pid()),
                dir.resolve("pg-data").toString(), "0", "5432", "", "127.0.0.1", "0 0", "ready"));
        EmbeddedPostgresServer again = EmbeddedPostgresServer.start(dir, second);
        assertThat(count(again)).isEqualTo(1);
        again.stop(10_000);
        assertThat(dir.resolve("pg-data/postmaster.pid")).doesNotExist();
        second.close();
    }

    @Test
    void aSecondCoordinatorOnTheSameDataDirectoryIsRefused(@TempDir Path dir) throws Exception {
        try (DataDirLock held = DataDirLock.take(dir)) {
            assertThatThrownBy(() -> DataDirLock.take(dir)).hasMessageContaining("another coordinator")
                    .hasMessageContaining(Long.toString(ProcessHandle.current().pid()));
        }
        DataDirLock.take(dir).close();
    }
}
