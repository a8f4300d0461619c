package dev.baton.coordinator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fire times, without a database. */
class CronTest {
    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void lastAtOrBeforeAgreesWithWalkingForward() {
        for (String expr : List.of("*/5 * * * * *", "0 */7 * * * *", "0 30 2 * * MON-FRI", "0 0 12 L * *", "17 3 * * * *")) {
            Cron cron = Cron.parse(expr, ZoneId.of("Europe/Berlin"));
            Instant after = Instant.parse("2026-03-27T00:00:00Z");
            for (Instant at : List.of(Instant.parse("2026-03-29T01:30:00Z"), Instant.parse("2026-03-31T09:59:59Z"),
                    Instant.parse("2026-03-31T10:00:00Z"), Instant.parse("2026-04-01T00:00:00Z"))) {
                Instant walked = null;
                for (Instant t = cron.next(after); !t.isAfter(at); t = cron.next(t)) {
                    walked = t;
                }
                assertThat(cron.lastAtOrBefore(after, at)).as(expr + " at " + at).isEqualTo(walked);
            }
        }
        assertThat(Cron.parse("0 0 0 1 1 *", UTC).lastAtOrBefore(T0, T0.plusSeconds(60))).isNull();
    }

    @Test
    void onlySixFieldCronsThatJobRunrAcceptsParse() {
        assertThat(Cron.parse("  0   */5 * * * * ", UTC).text()).isEqualTo("0 */5 * * * *");
        assertThat(Cron.parse("*/5 * * * * *", UTC).firesAt(T0.plusSeconds(5))).isTrue();
        assertThat(Cron.parse("*/5 * * * * *", UTC).firesAt(T0.plusSeconds(6))).isFalse();
        assertThatThrownBy(() -> Cron.parse("*/5 * * * *", UTC)).hasMessageContaining("6 fields");
        assertThatThrownBy(() -> Cron.parse("0 0 0 31 2 *", UTC)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cron.parse("x * * * * *", UTC)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Cron.parse("* * * * * *", UTC).shortestGap(T0, 10)).isEqualTo(Duration.ofSeconds(1));
        assertThat(Cron.parse("0,3 0 * * * *", UTC).shortestGap(T0, 10)).isEqualTo(Duration.ofSeconds(3));
    }
}
