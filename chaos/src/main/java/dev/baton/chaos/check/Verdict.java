package dev.baton.chaos.check;

import java.util.List;

/** One invariant over the whole history: how many things it checked, which broke it (a few examples). */
public record Verdict(String invariant, long checked, long violations, List<String> examples) {

    public boolean passed() {
        return violations == 0;
    }

    @Override
    public String toString() {
        return String.format("%-4s %-52s checked %,9d  violations %,d%s", passed() ? "ok" : "FAIL", invariant, checked,
                violations, examples.isEmpty() ? "" : "  e.g. " + String.join("; ", examples));
    }
}
