package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArgsTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void durations() {
        assertThat(Args.duration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Args.duration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Args.duration("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(Args.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        for (String bad : List.of("", "5", "m5", "5x", "1h 30m", "-1h")) {
            assertThatThrownBy(() -> Args.duration(bad)).isInstanceOf(CliException.class)
                    .extracting(e -> ((CliException) e).exitCode()).isEqualTo(ExitCodes.USAGE);
        }
    }

    @Test
    void timesAreIsoOrRelative() {
        assertThat(Args.past("1h", NOW)).isEqualTo(Instant.parse("2026-11-22T09:00:00Z"));
        assertThat(Args.future("+10m", NOW)).isEqualTo(Instant.parse("2026-11-22T10:10:00Z"));
        assertThat(Args.future("2027-01-01T00:00:00Z", NOW)).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
        assertThatThrownBy(() -> Args.past("2026-13-01T00:00:00Z", NOW)).isInstanceOf(CliException.class);
    }

    @Test
    void labelsAndJson() {
        assertThat(Args.labels(List.of("tenant=acme", "tier:gold"))).containsEntry("tenant", "acme").containsEntry("tier", "gold");
        assertThat(Args.labels(List.of())).isNull();
        assertThatThrownBy(() -> Args.labels(List.of("novalue"))).isInstanceOf(CliException.class);
        assertThat(Args.json("{\"a\":1}", "--payload", null).path("a").asInt()).isEqualTo(1);
        assertThatThrownBy(() -> Args.json("{nope", "--payload", null)).hasMessageContaining("--payload is not JSON");
    }
}
