package dev.baton.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.chaos.check.Verdict;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/**
 * The chaos run as CI runs it: a short run on a fixed seed (a regression on a known fault plan
 * fails the build) and one on a fresh seed, printed so that a failure can be run again with
 * {@code bench/run.sh chaos --seed N}. Each prints its whole report into the build's output.
 */
class ChaosRunIT {
    static final long FIXED_SEED = 20261207;
    static final String MINUTES = "0.9";

    @Test
    void aRunOnTheFixedSeedKeepsThePromise() throws Exception {
        runAndCheck(FIXED_SEED);
    }

    @Test
    void aRunOnAFreshSeedKeepsThePromise() throws Exception {
        long seed = new SecureRandom().nextLong() & Long.MAX_VALUE;
        System.out.println("chaos: fresh seed for this build: " + seed);
        runAndCheck(seed);
    }

    private static void runAndCheck(long seed) throws Exception {
        Options options = Options.parse("--seed", Long.toString(seed), "--minutes", MINUTES, "--root", "..", "--dir", "target/chaos/seed-" + seed,
                "--rate", "150");
        Report report = Chaos.run(options, System.out);
        assertThat(report.verdicts()).as("seed %d: every invariant holds (bench/run.sh chaos --seed %d --minutes %s)",
                seed, seed, MINUTES).allMatch(Verdict::passed);
        assertThat(report.ops()).as("the run did something").hasSizeGreaterThan(1000);
    }
}
