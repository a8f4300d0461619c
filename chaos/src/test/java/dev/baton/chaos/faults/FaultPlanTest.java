package dev.baton.chaos.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultPlanTest {
    private static final Set<FaultKind> ALL = EnumSet.allOf(FaultKind.class);

    @Test
    void sameSeedSameFaults() {
        FaultPlan a = FaultPlan.generate(42, 600_000, ALL, 2, 3, 4000);
        FaultPlan b = FaultPlan.generate(42, 600_000, ALL, 2, 3, 4000);
        assertThat(a.faults()).isNotEmpty().isEqualTo(b.faults());
        assertThat(a.describe()).isEqualTo(b.describe());
    }

    @Test
    void anotherSeedOtherFaults() {
        assertThat(FaultPlan.generate(1, 600_000, ALL, 2, 3, 4000).faults())
                .isNotEqualTo(FaultPlan.generate(2, 600_000, ALL, 2, 3, 4000).faults());
    }

    @Test
    void lastTenthIsFaultFree() {
        for (long seed = 0; seed < 50; seed++) {
            List<Fault> faults = FaultPlan.generate(seed, 120_000, ALL, 2, 3, 4000).faults();
            assertThat(faults).allSatisfy(f -> assertThat(f.endMs()).isLessThanOrEqualTo(108_000));
        }
    }

    @Test
    void aboutOneInFiveOverlapsAndNeverOnTheSameThing() {
        List<Fault> faults = FaultPlan.generate(7, 3_600_000, ALL, 2, 3, 4000).faults();
        assertThat(faults.size()).isBetween(400, 1000); // one every ~4 s gap + ~4 s duration
        int overlapping = 0;
        for (int i = 1; i < faults.size(); i++) {
            Fault prev = faults.get(i - 1);
            Fault f = faults.get(i);
            if (f.atMs() < prev.endMs()) {
                overlapping++;
                Set<String> shared = new HashSet<>(FaultPlan.resources(prev, 2));
                shared.retainAll(FaultPlan.resources(f, 2));
                assertThat(shared).as("%s and %s", prev, f).isEmpty();
            }
        }
        assertThat(overlapping).isBetween(faults.size() / 10, faults.size() / 3);
    }

    @Test
    void coordinatorsAreNeverAllOutLong() {
        List<Fault> faults = FaultPlan.generate(11, 3_600_000, ALL, 2, 3, 4000).faults();
        assertThat(faults).filteredOn(f -> f.kind().downsCoordinator())
                .allSatisfy(f -> assertThat(f.durationMs()).isBetween(1000L, 6000L));
        assertThat(faults).filteredOn(f -> f.kind().instant())
                .allSatisfy(f -> assertThat(f.durationMs()).isZero());
    }

    @Test
    void onlyTheMixAndValidTargets() {
        Set<FaultKind> mix = FaultKind.parse("kill-coordinator, pause-worker");
        assertThat(mix).containsExactlyInAnyOrder(FaultKind.KILL_COORDINATOR, FaultKind.PAUSE_WORKER);
        List<Fault> faults = FaultPlan.generate(3, 600_000, mix, 2, 3, 2000).faults();
        assertThat(faults).extracting(Fault::kind).containsOnly(FaultKind.KILL_COORDINATOR, FaultKind.PAUSE_WORKER);
        assertThat(faults).allSatisfy(f -> assertThat(f.target()).isBetween(0,
                f.kind() == FaultKind.KILL_COORDINATOR ? 1 : 2));
        assertThat(FaultKind.parse("all")).isEqualTo(ALL);
        assertThatThrownBy(() -> FaultKind.parse("kill-everything")).hasMessageContaining("unknown fault");
    }
}
