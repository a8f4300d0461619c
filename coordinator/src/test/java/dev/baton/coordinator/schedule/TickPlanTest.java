package dev.baton.coordinator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which ticks a pass enqueues, and the catch-up policies, without a database. */
class TickPlanTest {
    private static final Cron EVERY_5 = Cron.parse("*/5 * * * * *", ZoneId.of("UTC"));
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final Duration LOOKAHEAD = Duration.ofMillis(500);
    private static final Duration MISSED_AFTER = Duration.ofSeconds(10);

    private static TickPlan plan(Instant dueAfter, Instant now, CatchUp catchUp, int most) {
        return TickPlan.of(EVERY_5, dueAfter, now, LOOKAHEAD, MISSED_AFTER, catchUp, most);
    }

    @Test
    void aPassEnqueuesEveryTickUpToTheLookaheadWithTheNextOneAheadOfItsTime() {
        TickPlan p = plan(T0, T0.plusSeconds(9).plusMillis(600), CatchUp.NONE, 1000);
        assertThat(p.ticks()).containsExactly(T0.plusSeconds(5), T0.plusSeconds(10));
        assertThat(p.dueAfter()).isEqualTo(T0.plusSeconds(10));
        assertThat(p.skippedThrough()).isNull();
        assertThat(plan(T0, T0.plusSeconds(9).plusMillis(400), CatchUp.NONE, 1000).ticks()).containsExactly(T0.plusSeconds(5));
        assertThat(plan(T0.plusSeconds(10), T0.plusSeconds(12), CatchUp.ALL, 1000).ticks()).isEmpty();
        assertThat(plan(T0.plusSeconds(10), T0.plusSeconds(12), CatchUp.ALL, 1000).dueAfter()).isEqualTo(T0.plusSeconds(10));
    }

    @Test
    void ticksLessThanTenSecondsOverdueAreNotMissedWhateverTheCatchUp() {
        for (CatchUp c : CatchUp.values()) {
            assertThat(plan(T0, T0.plusSeconds(12), c, 1000).ticks()).as(c.wire())
                    .containsExactly(T0.plusSeconds(5), T0.plusSeconds(10));
        }
    }

    @Test
    void afterAnOutageAllEnqueuesEveryMissedTickLatestTheNewestNoneNone() {
        Instant now = T0.plus(Duration.ofMinutes(10)).plusSeconds(2);
        List<Instant> every = new ArrayList<>();
        for (Instant t = T0.plusSeconds(5); !t.isAfter(now); t = t.plusSeconds(5)) {
            every.add(t);
        }
        Instant newestMissed = now.minus(MISSED_AFTER).minusSeconds(2); // 12:09:50
        List<Instant> onTime = every.stream().filter(t -> t.isAfter(newestMissed)).toList();

        TickPlan all = plan(T0, now, CatchUp.ALL, 1000);
        assertThat(all.ticks()).containsExactlyElementsOf(every);
        assertThat(all.skippedThrough()).isNull();

        TickPlan latest = plan(T0, now, CatchUp.LATEST, 1000);
        List<Instant> expected = new ArrayList<>(List.of(newestMissed));
        expected.addAll(onTime);
        assertThat(latest.ticks()).containsExactlyElementsOf(expected);
        assertThat(latest.skippedThrough()).isEqualTo(newestMissed.minusSeconds(5));

        TickPlan none = plan(T0, now, CatchUp.NONE, 1000);
        assertThat(none.ticks()).containsExactlyElementsOf(onTime);
        assertThat(none.skippedThrough()).isEqualTo(newestMissed);
        for (TickPlan p : List.of(all, latest, none)) {
            assertThat(p.dueAfter()).isEqualTo(every.get(every.size() - 1));
        }
    }

    @Test
    void allCatchesUpTheNewestThousandMissedTicksOfAnOutageOfYears() {
        Instant now = T0.plus(Duration.ofDays(3 * 365));
        TickPlan p = plan(T0, now, CatchUp.ALL, 1000);
        Instant newestMissed = EVERY_5.lastAtOrBefore(T0, now.minus(MISSED_AFTER));
        List<Instant> missed = p.ticks().stream().filter(t -> !t.isAfter(newestMissed)).toList();
        assertThat(missed).hasSize(1000);
        assertThat(missed.get(999)).isEqualTo(newestMissed);
        assertThat(missed.get(0)).isEqualTo(newestMissed.minusSeconds(5 * 999));
        assertThat(p.skippedThrough()).isEqualTo(missed.get(0).minusSeconds(5));
        assertThat(p.ticks()).isSorted().doesNotHaveDuplicates();

        Cron yearly = Cron.parse("0 0 0 1 1 *", ZoneId.of("UTC"));
        assertThat(TickPlan.of(yearly, Instant.parse("2020-06-01T00:00:00Z"), T0, LOOKAHEAD, MISSED_AFTER, CatchUp.ALL, 1000)
                .ticks()).extracting(Instant::toString).containsExactly("2021-01-01T00:00:00Z", "2022-01-01T00:00:00Z",
                "2023-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    }
}
