package dev.baton.chaos.faults;

/** One fault of a {@link FaultPlan}: {@code kind} on {@code target}, from {@code atMs} after the run's start, for {@code durationMs}. */
public record Fault(FaultKind kind, int target, long atMs, long durationMs) {

    public long endMs() {
        return atMs + durationMs;
    }

    @Override
    public String toString() {
        return String.format("%7.1fs %-24s %s for %.1fs", atMs / 1000.0, kind.flag(),
                target < 0 ? "cluster" : (kind.scope() == FaultKind.Scope.WORKER ? "worker-" : "coordinator-") + target,
                durationMs / 1000.0);
    }
}
