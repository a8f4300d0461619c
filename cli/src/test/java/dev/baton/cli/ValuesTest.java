package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** Hostile review, defects 6 and 17: the checks every count, limit and text value goes through. */
class ValuesTest {
    @Test
    void countsStartAtOne() {
        assertThat(new Values.Count().convert("3")).isEqualTo(3);
        for (String bad : new String[] {"0", "-1", "x", "1.5", "99999999999"}) {
            assertThatThrownBy(() -> new Values.Count().convert(bad)).as(bad).isInstanceOf(TypeConversionException.class);
        }
        assertThatThrownBy(() -> new Values.Count().convert("0")).hasMessage("must be at least 1, not 0");
    }

    @Test
    void queueLimitsAreWhatTheCoordinatorTakes() {
        assertThat(new Values.MaxRunning().convert("0")).isZero();
        assertThatThrownBy(() -> new Values.MaxRunning().convert("-1")).hasMessage("must be from 0 to 1000000, not -1");
        assertThat(new Values.Rate().convert("0.001")).isEqualTo(0.001);
        for (String bad : new String[] {"0", "0.0009", "NaN", "Infinity", "2000000"}) {
            assertThatThrownBy(() -> new Values.Rate().convert(bad)).as(bad).isInstanceOf(TypeConversionException.class);
        }
        assertThatThrownBy(() -> new Values.Rps().convert("0")).hasMessage("must be above 0, not 0");
        assertThat(new Values.Rps().convert("0.5")).isEqualTo(0.5);
    }

    @Test
    void textIsNeverEmpty() {
        assertThat(new Values.Text().convert("a")).isEqualTo("a");
        assertThatThrownBy(() -> new Values.Text().convert("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> new Values.Text().convert(" \t")).hasMessageContaining("empty");
    }
}
