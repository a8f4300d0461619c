package dev.baton.coordinator.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finds an embedded server left running by a coordinator that died (killed with {@code kill -9}
 * it had no chance to stop it). Only called under the {@link DataDirLock}: any live process named
 * by our pid file and running our binary then belongs to no living coordinator.
 */
final class Orphans {
    private Orphans() {
    }

    /**
     * The live process whose pid is the first line of {@code pidFile} and whose executable is
     * {@code binary}; empty when the file is absent, unreadable, or names a process that is gone
     * or is something else (its pid reused), in which case the stale file is deleted.
     */
    static Optional<ProcessHandle> find(Path pidFile, Path binary) throws IOException {
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        Optional<ProcessHandle> process = readPid(pidFile).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive)
                .filter(p -> runs(p, binary));
        if (process.isEmpty()) {
            Files.deleteIfExists(pidFile);
        }
        return process;
    }

    /** Waits up to {@code timeoutMs} for {@code process} to end; returns whether it did. */
    static boolean awaitExit(ProcessHandle process, long timeoutMs) throws InterruptedException {
        try {
            process.onExit().get(timeoutMs, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !process.isAlive();
        } catch (ExecutionException e) {
            return !process.isAlive();
        }
    }

    private static Optional<Long> readPid(Path pidFile) {
        try {
            List<String> lines = Files.readAllLines(pidFile);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean runs(ProcessHandle process, Path binary) {
        return process.info().command().map(Path::of).map(command -> sameFile(command, binary)).orElse(false);
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.normalize().equals(b.toAbsolutePath().normalize());
        }
    }
}
