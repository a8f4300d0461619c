package dev.baton.coordinator.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two chaos runs started together on a fresh machine both unpacked the PostgreSQL binaries into
 * the same directory, and the second died on the first's marker file. Processes (and threads)
 * now take turns under a lock; every one of them finds the binaries whole.
 */
class BinariesUnpackTest {
    /** Run in a child JVM: unpack into args[0] and check the server binary is there. */
    public static void main(String[] args) throws Exception {
        Path target = EmbeddedPostgresServer.extractBinaries(Path.of(args[0]));
        System.exit(Files.isExecutable(target.resolve("bin/postgres")) ? 0 : 3);
    }

    @Test
    void processesUnpackingAtOnceAllFindTheBinariesWhole(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("binaries");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Process> children = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            children.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    BinariesUnpackTest.class.getName(), target.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("child-" + i + ".log").toFile()).start());
        }
        for (int i = 0; i < children.size(); i++) {
            Process p = children.get(i);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(dir.resolve("child-" + i + ".log"))).isZero();
        }
        assertThat(target.resolve(".complete")).exists();
    }
}
