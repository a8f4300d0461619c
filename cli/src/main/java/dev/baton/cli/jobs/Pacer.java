package dev.baton.cli.jobs;

import dev.baton.cli.CliException;
import dev.baton.cli.ExitCodes;

/**
 * Keeps {@code --rps}: operation n may start no sooner than n / rps seconds after the first, so
 * that over any run the rate stays at or below what was asked.
 */
final class Pacer {
    private final Double rps;
    private final long start = System.nanoTime();
    private long sent;

    Pacer(Double rps) {
        if (rps != null && !(rps > 0)) {
            throw new CliException(ExitCodes.USAGE, "--rps must be above 0");
        }
        this.rps = rps;
    }

    /** How many operations the next request may carry (at most {@code most}). */
    int chunk(int most) {
        return rps == null ? most : (int) Math.max(1, Math.min(most, Math.floor(rps)));
    }

    /** Waits until {@code n} more operations may be sent. */
    void acquire(int n) throws InterruptedException {
        if (rps != null) {
            long due = start + (long) (sent / rps * 1e9);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        sent += n;
    }
}
