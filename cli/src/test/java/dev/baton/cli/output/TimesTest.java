package dev.baton.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimesTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void relative() {
        assertThat(Times.relative(NOW.minusSeconds(42), NOW)).isEqualTo("42s ago");
        assertThat(Times.relative(NOW.plusSeconds(190), NOW)).isEqualTo("in 3m10s");
        assertThat(Times.relative(NOW.minus(Duration.ofHours(5)), NOW)).isEqualTo("5h ago");
        assertThat(Times.relative(NOW.minus(Duration.ofDays(2).plusHours(4)), NOW)).isEqualTo("2d4h ago");
        assertThat(Times.relative(NOW, NOW)).isEqualTo("now");
    }

    @Test
    void isoIsAsSentAndMissingIsADash() {
        assertThat(new Times(Times.Style.ISO).format("2026-11-22T10:00:00.123456Z")).isEqualTo("2026-11-22T10:00:00.123456Z");
        assertThat(new Times(Times.Style.RELATIVE).format(null)).isEqualTo("-");
    }
}
