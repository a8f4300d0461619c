package dev.baton.coordinator.dashboard;

import dev.baton.common.JobStatus;
import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.service.QueueService;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The first page: every queue with its counts by status, oldest queued age, paused state and
 * limits; then the last hour's throughput, waits and failures, which refresh themselves.
 */
@Controller
@Requires(condition = DashboardOn.class)
@ExecuteOn(TaskExecutors.BLOCKING)
public final class OverviewController {
    private final QueueService queues;
    private final ActivityHour activity;
    private final Pages pages;

    public OverviewController(QueueService queues, ActivityHour activity, Pages pages) {
        this.queues = queues;
        this.activity = activity;
        this.pages = pages;
    }

    @Get("/ui")
    @Anonymous
    public HttpResponse<?> overview(HttpRequest<?> request) {
        List<QueueRow> rows = queues.listWithLastCounts().stream().map(QueueRow::of).toList();
        Map<String, Object> params = new HashMap<>();
        params.put("frame", Frame.of(UiSession.of(request), "overview"));
        params.put("queues", rows);
        params.put("statuses", Arrays.stream(JobStatus.values()).map(JobStatus::wire).toList());
        params.put("notice", Notices.of(request));
        params.put("activity", activity.read());
        return pages.ok("overview", params);
    }

    /** The overview's last-hour section alone: what its live refresh fetches. */
    @Get("/ui/activity")
    @Anonymous
    public HttpResponse<?> activity(HttpRequest<?> request) {
        return pages.ok("activity", Map.of("activity", activity.read()));
    }
}
