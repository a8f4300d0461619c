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
     * {@code binary}; empty when the file is absent or unreadable or its process is gone. A file
     * naming a live process that is something else (its pid reused) is deleted, since the server
     * would take it for a running copy of itself; one whose process is gone is left alone, for
     * PostgreSQL checks more than the pid (whether backends still hold its shared memory).
     */
    static Optional<ProcessHandle> find(Path pidFile, Path binary) throws IOException {
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        Optional<ProcessHandle> live = readPid(pidFile).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
        if (live.isPresent() && !runs(live.get(), binary)) {
            Files.deleteIfExists(pidFile);
            return Optional.empty();
        }
        return live;
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
