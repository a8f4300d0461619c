package dev.baton.worker;

import java.util.concurrent.ThreadLocalRandom;

/** Capped exponential backoff with jitter, for resending requests a coordinator did not answer. */
final class Retry {
    private Retry() {
    }

    static long delayMs(int attempt, long initialMs, long maxMs) {
        double base = Math.min(maxMs, initialMs * Math.pow(2, Math.min(attempt, 20)));
        return (long) (base * (0.5 + ThreadLocalRandom.current().nextDouble() * 0.5));
    }

    static boolean sleep(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
