package dev.baton.chaos.check;

import java.util.ArrayList;
import java.util.List;

/** Counts one invariant's checks and violations, keeping the first few violations as examples. */
final class Tally {
    private static final int EXAMPLES = 5;

    private final String invariant;
    private long checked;
    private long violations;
    private final List<String> examples = new ArrayList<>();

    Tally(String invariant) {
        this.invariant = invariant;
    }

    /** One check: {@code holds}, or else a violation described by {@code example}. */
    void check(boolean holds, String example) {
        checked++;
        if (!holds) {
            violations++;
            if (examples.size() < EXAMPLES) {
                examples.add(example);
            }
        }
    }

    Verdict verdict() {
        return new Verdict(invariant, checked, violations, List.copyOf(examples));
    }
}
