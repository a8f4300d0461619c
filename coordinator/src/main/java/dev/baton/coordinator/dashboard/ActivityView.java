package dev.baton.coordinator.dashboard;

import dev.baton.common.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The overview's last hour: jobs started, succeeded and failed per minute, the wait from due to
 * start (mean and 95th percentile per minute), and the hour's failures by error type, each linked
 * to the jobs list filtered to them.
 */
public record ActivityView(LineChart throughput, LineChart waits, long started, long succeeded, long failed,
                           long cancelled, String worstP95Wait, List<FailureType> failures) {

    /** Jobs that failed for good in the hour with one error type ("" when the error had none). */
    public record FailureType(String type, long count, String link) {
        public String shown() {
            return type.isEmpty() ? "(no type)" : type;
        }
    }

    static ActivityView of(List<ActivityHour.Minute> hour) {
        int n = hour.size();
        double[] started = new double[n];
        double[] succeeded = new double[n];
        double[] failed = new double[n];
        double[] meanWait = new double[n];
        double[] p95Wait = new double[n];
        long startedSum = 0;
        long succeededSum = 0;
        long failedSum = 0;
        long cancelledSum = 0;
        double worst = 0;
        Map<String, Long> failures = new HashMap<>();
        for (int i = 0; i < n; i++) {
            ActivityHour.Minute m = hour.get(i);
            started[i] = m.started;
            succeeded[i] = m.succeeded;
            failed[i] = m.failed;
            meanWait[i] = m.meanWait;
            p95Wait[i] = m.p95Wait;
            startedSum += m.started;
            succeededSum += m.succeeded;
            failedSum += m.failed;
            cancelledSum += m.cancelled;
            worst = Math.max(worst, m.p95Wait);
            m.failures.forEach((type, count) -> failures.merge(type, count, Long::sum));
        }
        LineChart throughput = LineChart.of("throughput-chart", "Jobs per minute, last hour", ActivityView::count, List.of(
                new LineChart.Values("started", "started", started, startedSum + " started"),
                new LineChart.Values("succeeded", "succeeded", succeeded, succeededSum + " succeeded"),
                new LineChart.Values("failed", "failed", failed, failedSum + " failed")));
        LineChart waits = LineChart.of("wait-chart", "Wait from due to start, last hour", ActivityView::seconds, List.of(
                new LineChart.Values("mean wait", "wait-mean", meanWait, "mean per minute"),
                new LineChart.Values("95th percentile", "wait-p95", p95Wait, "worst " + seconds(worst))));
        List<FailureType> types = new ArrayList<>();
        failures.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> types.add(new FailureType(e.getKey(), e.getValue(), failedJobsLink(e.getKey()))));
        return new ActivityView(throughput, waits, startedSum, succeededSum, failedSum, cancelledSum, seconds(worst), types);
    }

    /** The failed jobs with an error of {@code type}, newest first: a search in the error for it. */
    static String failedJobsLink(String type) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("status", "failed");
        if (!type.isEmpty()) {
            p.put(SearchQuery.IN, "error");
            p.put(SearchQuery.FIELD, Json.write(Map.of("type", type)));
        }
        return "/ui/jobs?" + Show.query(p);
    }

    /** 1,200 or, for the middle of a small scale, 0.5. */
    static String count(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%,.1f", v);
    }

    private static String seconds(double v) {
        if (v == 0) {
            return "0 s";
        }
        return v < 0.1 ? String.format(Locale.ROOT, "%.3f s", v)
                : v < 10 ? String.format(Locale.ROOT, "%.2f s", v) : String.format(Locale.ROOT, "%,.0f s", v);
    }
}
