package dev.baton.chaos.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One JVM of the cluster (a coordinator or a worker), started directly (no wrapper), so that
 * {@link #kill} and {@link #pause} hit the JVM itself. It knows whether the run wants it running:
 * an exit the run did not cause is reported to {@code onUnexpectedExit}, and the process is started
 * again after a second, as a supervisor (systemd, Kubernetes) would.
 */
final class ChildProcess {
    private static final long RESTART_BACKOFF_MS = 1000;

    private final String name;
    private final List<String> command;
    private final Map<String, String> env;
    private final Path log;
    private final Consumer<String> onUnexpectedExit;
    private final Reachability reachability;
    private Process process;
    private long startedAtMs;
    private boolean wanted;
    private boolean paused;
    private boolean closed;

    /** Told when the process goes away and when it is started, so that its proxy can refuse connections meanwhile. */
    interface Reachability {
        Reachability NONE = new Reachability() {
            @Override
            public void down() {
            }

            @Override
            public void up() {
            }
        };

        void down() throws IOException;

        void up() throws IOException;
    }

    ChildProcess(String name, List<String> command, Map<String, String> env, Path log,
                 Consumer<String> onUnexpectedExit, Reachability reachability) {
        this.name = name;
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
        this.log = log;
        this.onUnexpectedExit = onUnexpectedExit;
        this.reachability = reachability;
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Starts it unless it runs (a paused one is resumed). */
    synchronized void start() throws IOException {
        if (closed) {
            return;
        }
        wanted = true;
        if (process != null && process.isAlive()) {
            resume();
            return;
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("BATON_"));
        pb.environment().putAll(env);
        reachability.up();
        Process p = pb.start();
        process = p;
        startedAtMs = System.currentTimeMillis();
        paused = false;
        note("started pid " + p.pid());
        p.onExit().thenAccept(this::exited);
    }

    private void exited(Process p) {
        boolean restart;
        long ranMs;
        synchronized (this) {
            if (p != process || !wanted || closed) {
                return; // killed or stopped by the run, or an older instance
            }
            process = null;
            restart = true;
            ranMs = System.currentTimeMillis() - startedAtMs;
            try {
                reachability.down();
            } catch (IOException ignored) {
                // the proxy is closed
            }
        }
        String what = name + " exited with status " + p.exitValue() + " " + ranMs + " ms after its start (pid "
                + p.pid() + "); see " + log;
        note("UNEXPECTED EXIT: " + what);
        onUnexpectedExit.accept(what);
        if (restart) {
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(RESTART_BACKOFF_MS);
                    synchronized (this) {
                        if (wanted && !closed && process == null) {
                            start();
                        }
                    }
                } catch (Exception e) {
                    onUnexpectedExit.accept(name + " could not be started again: " + e);
                }
            });
        }
    }

    /** SIGKILL to the JVM; not started again until {@link #start}. */
    synchronized void kill() {
        wanted = false;
        paused = false;
        if (process != null && process.isAlive()) {
            note("kill -9 pid " + process.pid());
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS); // so that a start() right after starts a new one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                reachability.down();
            } catch (IOException ignored) {
                // the proxy is closed
            }
        }
    }

    synchronized void pause() throws IOException {
        if (process != null && process.isAlive() && !paused) {
            signal("STOP", process.pid());
            paused = true;
            note("SIGSTOP pid " + process.pid());
        }
    }

    synchronized void resume() throws IOException {
        if (process != null && process.isAlive() && paused) {
            signal("CONT", process.pid());
            paused = false;
            note("SIGCONT pid " + process.pid());
        }
    }

    /**
     * SIGCONT, SIGTERM, and SIGKILL if still there after {@code graceMs}; not started again. Returns
     * the exit status, or -1 when it was not running.
     */
    int stop(long graceMs) {
        Process p;
        synchronized (this) {
            wanted = false;
            closed = true;
            p = process;
            if (p == null || !p.isAlive()) {
                return -1;
            }
            try {
                signal("CONT", p.pid());
            } catch (IOException ignored) {
                // it is not stopped then
            }
            paused = false;
            note("SIGTERM pid " + p.pid());
            p.destroy();
        }
        try {
            if (!p.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
                note("did not stop within " + graceMs + " ms: kill -9 pid " + p.pid());
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return p.isAlive() ? -1 : p.exitValue();
    }

    /** SIGKILL now, from a shutdown hook. */
    synchronized void destroyNow() {
        closed = true;
        wanted = false;
        if (process != null) {
            process.destroyForcibly();
        }
    }

    static void signal(String signal, long pid) throws IOException {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IOException("kill -" + signal + " " + pid + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted sending " + signal + " to " + pid);
        }
    }

    /** A line in the process's own log, so that its log reads with the faults it suffered. */
    private void note(String line) {
        try {
            Files.writeString(log, "=== [chaos " + Instant.now() + "] " + name + ": " + line + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the log is a convenience
        }
    }
}
