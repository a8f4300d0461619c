package dev.baton.coordinator.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rate rule on its own, for every rate 0.001 … 0.999 in steps of 0.001 and some above one:
 * claimers asking at random moments always get a job again within 1/rate seconds (to the
 * microsecond), and no span of time ever holds more starts than burst + floor(span * rate).
 */
class StartRateTest {

    static Stream<BigDecimal> rates() {
        return Stream.concat(IntStream.rangeClosed(1, 999).mapToObj(i -> BigDecimal.valueOf(i, 3)),
                Stream.of("1", "1.5", "1.999", "2.5", "7.3", "10", "1000", "123456.789", "1000000").map(BigDecimal::new));
    }

    @ParameterizedTest
    @MethodSource("rates")
    void greedyClaimersStartJobsAtTheRateAndNeverAbove(BigDecimal rate) {
        StartRate rule = new StartRate(rate);
        long burst = rule.burst();
        assertThat(burst).isEqualTo(Math.max(1, rate.longValue()));
        long interval = BigDecimal.valueOf(1_000_000).divide(rate, 0, java.math.RoundingMode.CEILING).longValueExact();
        Random random = new Random(rate.hashCode());
        List<Long> starts = new ArrayList<>();
        Long pacedUntil = null;
        long now = 0;
        long lastStart = 0;
        int want = (int) Math.min(400, 2 * burst + 20);
        assertThat(rule.room(null, 0)).as("an idle queue may start a full burst").isEqualTo(burst);
        while (starts.size() < want) {
            // The next claim comes 1 µs to two intervals later, asking for up to 100 jobs; its
            // room is counted at `now`, its jobs stamped a little later, as in a real claim.
            now += 1 + random.nextLong(2 * interval);
            long room = Math.min(rule.room(pacedUntil, now), 1 + random.nextInt(100));
            if (room == 0) {
                // Rounding pacedUntil up to the microsecond may cost the waiting claim one more.
                assertThat(now - lastStart).as("a job starts again within 1/rate s").isLessThanOrEqualTo(interval + 1);
                continue;
            }
            long stampedAt = now + random.nextInt(3);
            pacedUntil = rule.pacedUntilAfter(pacedUntil, stampedAt, room);
            for (int i = 0; i < room; i++) {
                starts.add(stampedAt);
            }
            lastStart = stampedAt;
            now = stampedAt;
        }
        assertNoSpanExceeds(rate, burst, starts);
    }

    /** For every pair of starts i ≤ j: j - i + 1 ≤ burst + floor((t_j - t_i) * rate), in exact integers. */
    private static void assertNoSpanExceeds(BigDecimal rate, long burst, List<Long> starts) {
        long scaled = rate.unscaledValue().longValueExact();
        long divisor = Math.multiplyExact(BigDecimal.TEN.pow(rate.scale()).longValueExact(), 1_000_000L);
        for (int i = 0; i < starts.size(); i++) {
            for (int j = i; j < starts.size(); j++) {
                long spanMicros = starts.get(j) - starts.get(i);
                long allowed = burst + Math.multiplyExact(spanMicros, scaled) / divisor;
                if (j - i + 1 > allowed) {
                    throw new AssertionError("rate " + rate + ": " + (j - i + 1) + " starts within " + spanMicros
                            + " µs, at most " + allowed + " allowed");
                }
            }
        }
    }

    @Test
    void ratesAreTakenAsWrittenNotAsTheirBinaryExpansion() {
        // 0.167 * (1 / 0.167) is 0.9999999999999999 in doubles: the old rule allowed zero starts.
        StartRate rule = StartRate.of(0.167);
        assertThat(rule.perSecond()).isEqualByComparingTo("0.167");
        assertThat(rule.room(null, 0)).isEqualTo(1);
        long pacedUntil = rule.pacedUntilAfter(null, 0, 1);
        assertThat(pacedUntil).isEqualTo(5_988_024); // ceil(1e6 / 0.167) µs
        assertThat(rule.room(pacedUntil, pacedUntil - 1)).isZero();
        assertThat(rule.room(pacedUntil, pacedUntil)).isEqualTo(1);
    }

    @Test
    void ratesAboveOneAreNotTruncated() {
        // 1.5/s: one start every 2/3 s, so three within any 2 s span that starts at one of them.
        StartRate rule = StartRate.of(1.5);
        Long pacedUntil = null;
        List<Long> starts = new ArrayList<>();
        for (long t = 0; starts.size() < 4; t += 1_000) {
            if (rule.room(pacedUntil, t) > 0) {
                pacedUntil = rule.pacedUntilAfter(pacedUntil, t, 1);
                starts.add(t);
            }
        }
        assertThat(starts).containsExactly(0L, 667_000L, 1_334_000L, 2_001_000L);
        assertThat(StartRate.of(7.3).burst()).isEqualTo(7);
        assertThat(StartRate.of(7.3).room(StartRate.of(7.3).pacedUntilAfter(null, 0, 7), 1_000_000)).isEqualTo(7);
    }
}
