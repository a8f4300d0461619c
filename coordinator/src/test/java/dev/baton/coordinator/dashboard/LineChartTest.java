package dev.baton.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LineChartTest {
    @Test
    void theTopIsTheNextRoundValue() {
        assertThat(LineChart.roundUp(0)).isEqualTo(1);
        assertThat(LineChart.roundUp(Double.NaN)).isEqualTo(1);
        assertThat(LineChart.roundUp(1)).isEqualTo(1);
        assertThat(LineChart.roundUp(1.01)).isEqualTo(2);
        assertThat(LineChart.roundUp(3)).isEqualTo(5);
        assertThat(LineChart.roundUp(7)).isEqualTo(10);
        assertThat(LineChart.roundUp(100)).isEqualTo(100);
        assertThat(LineChart.roundUp(1000)).isEqualTo(1000);
        assertThat(LineChart.roundUp(1001)).isEqualTo(2000);
        assertThat(LineChart.roundUp(0.03)).isEqualTo(0.05, org.assertj.core.api.Assertions.within(1e-12));
    }

    @Test
    void eachValueIsAPointFromLeftToRightScaledToTheTop() {
        LineChart chart = LineChart.of("c", "title", v -> String.format("%.0f", v), List.of(
                new LineChart.Values("a", "a", new double[] {0, 5, 10}, "15 a"),
                new LineChart.Values("b", "b", new double[] {-1, 2, 4}, "5 b")));
        assertThat(chart.top()).isEqualTo("10");
        assertThat(chart.half()).isEqualTo("5");
        assertThat(chart.series().get(0).points()).isEqualTo("0.0,150.0 300.0,75.0 600.0,0.0");
        assertThat(chart.series().get(1).points()).as("a negative value sits on the axis").isEqualTo("0.0,150.0 300.0,120.0 600.0,90.0");
    }

    @Test
    void aQuietHoursScaleReadsOneHalfAndZero() {
        LineChart chart = LineChart.of("c", "t", ActivityView::count, List.of(
                new LineChart.Values("a", "a", new double[] {0, 1, 0}, "1 a")));
        assertThat(List.of(chart.top(), chart.half())).containsExactly("1", "0.5");
        assertThat(ActivityView.count(12_345)).isEqualTo("12,345");
    }

    @Test
    void aFailureTypeLinksToItsFailedJobsBySearchingTheError() {
        assertThat(ActivityView.failedJobsLink("io.Timeout"))
                .isEqualTo("/ui/jobs?status=failed&in=error&q=%7B%22type%22%3A%22io.Timeout%22%7D");
        assertThat(ActivityView.failedJobsLink("")).isEqualTo("/ui/jobs?status=failed");
    }
}
