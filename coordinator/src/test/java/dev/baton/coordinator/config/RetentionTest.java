package dev.baton.coordinator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.common.JobStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetentionTest {

    @Test
    void oneDurationForAllOrPerStatusWithADefault() {
        assertThat(Retention.parse(null)).isEqualTo(Retention.DEFAULT);
        assertThat(Retention.DEFAULT.of(JobStatus.FAILED)).isEqualTo(Duration.ofDays(7));
        assertThat(Retention.parse("12h")).isEqualTo(new Retention(Duration.ofHours(12), Duration.ofHours(12),
                Duration.ofHours(12)));
        assertThat(Retention.parse("succeeded=1d, failed=30d")).isEqualTo(new Retention(Duration.ofDays(1),
                Duration.ofDays(30), Duration.ofDays(7)));
        assertThat(Retention.parse("3d,cancelled=90m")).isEqualTo(new Retention(Duration.ofDays(3), Duration.ofDays(3),
                Duration.ofMinutes(90)));
        assertThatThrownBy(() -> Retention.DEFAULT.of(JobStatus.QUEUED)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"7", "7 days", "0d", "-1d", "queued=1d", "succeeded=1d,succeeded=2d", "1d,2d", "failed=", "P7D"})
    void anythingElseStopsTheStart(String text) {
        assertThatThrownBy(() -> Retention.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BATON_RETENTION");
    }
}
