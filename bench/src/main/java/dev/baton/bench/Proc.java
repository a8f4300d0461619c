package dev.baton.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One child process, started as {@code timeout … java …}: {@link #javaPid()} is the JVM under
 * {@code timeout}, whose resident set {@link #sampleRss sampling} follows.
 */
final class Proc {
    private final String label;
    private final Process process;
    private final Path log;
    private final AtomicLong maxRssKb = new AtomicLong();
    private volatile Thread sampler;

    Proc(String label, Process process, Path log) {
        this.label = label;
        this.process = process;
        this.log = log;
    }

    String label() {
        return label;
    }

    Process process() {
        return process;
    }

    Path log() {
        return log;
    }

    /** The java process: the child of {@code timeout}. */
    long javaPid() {
        for (int i = 0; i < 100; i++) {
            var child = process.toHandle().children().findFirst();
            if (child.isPresent()) {
                return child.get().pid();
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new IllegalStateException(label + ": no java process under timeout");
    }

    /** VmRSS of the java process now, in KiB; 0 when it is gone. */
    long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + javaPid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** CPU time (user + system) the java process has used so far, in ms; 0 when it is gone. */
    long cpuMs() {
        return cpuMs(javaPid());
    }

    /** utime + stime of any process from /proc/<pid>/stat, in ms (clock ticks are 10 ms on Linux). */
    static long cpuMs(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Fields after the command name, which is in parentheses and may hold spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Samples VmRSS every {@code periodMs} in the background, keeping the largest since {@link #resetMaxRss}. */
    synchronized void sampleRss(long periodMs) {
        if (sampler != null) {
            return;
        }
        sampler = Thread.ofPlatform().daemon().name("rss-" + label).start(() -> {
            while (process.isAlive()) {
                maxRssKb.accumulateAndGet(rssKb(), Math::max);
                try {
                    Thread.sleep(periodMs);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    void resetMaxRss() {
        maxRssKb.set(rssKb());
    }

    long maxRssMb() {
        return maxRssKb.get() / 1024;
    }

    /** SIGTERM (timeout passes it on to java), then SIGKILL if still there after 10 s. */
    void stop() {
        Thread s = sampler;
        if (s != null) {
            s.interrupt();
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
