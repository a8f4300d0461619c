package dev.baton.coordinator.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * baton_retry_delay over everything the contract admits (factor 1..100, attempts 1..1000,
 * initialMs 0..24 h, maxMs up to 30 days): it never overflows, never exceeds maxMs, and below the
 * cap is exactly initialMs * factor^(attempt-1). Without jitter, so every value is exact.
 */
class RetryDelayTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(RetryDelayTest.class, 1);
        cluster.stop(0);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static final String GRID = """
            from generate_series(1, 1000) a,
                 unnest(array[1.0, 1.000001, 1.5, 2.0, 2.03, 2.1, 10, 99.9, 100]::float8[]) f,
                 unnest(array[0, 1, 1000, 86400000]::bigint[]) i,
                 unnest(array[0, 1, 1000, 3600000, 86400000, 2592000000]::bigint[]) m,
                 lateral (select extract(epoch from baton_retry_delay(i, f, m, 0, a)) * 1000 as ms) d
            where m >= i
            """;

    @Test
    void neverOverflowsAndNeverExceedsMaxMs() {
        assertThat(cluster.queryLong("select count(*) " + GRID)).isEqualTo(17L * 9 * 1000); // 17 (initialMs, maxMs) pairs with maxMs >= initialMs
        assertThat(cluster.queryLong("select count(*) " + GRID + " and d.ms > m + 0.001")).isZero();
    }

    @Test
    void belowTheCapItIsInitialTimesFactorToTheAttemptBefore() {
        assertThat(cluster.queryLong("select count(*) " + GRID + """
                  and a <= 60 and i * power(f, a - 1) < m
                  and abs(d.ms - i * power(f, a - 1)) > 0.001 + 1e-9 * i * power(f, a - 1)""")).isZero();
        assertThat(cluster.queryLong("select count(*) " + GRID + """
                  and a <= 60 and i * power(f, a - 1) >= m and abs(d.ms - m) > 0.001""")).isZero();
    }
}
