package dev.baton.coordinator.dashboard;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Responses.Event;
import dev.baton.common.Responses.JobPage;
import dev.baton.common.Responses.LogPage;
import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.service.JobService;
import dev.baton.coordinator.service.ProgressLogService;
import dev.baton.coordinator.service.QueueService;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The jobs list (filtered and paged on the server) and a job's page, read through the API's own services. */
@Controller("/ui/jobs")
@Requires(condition = DashboardOn.class)
@ExecuteOn(TaskExecutors.BLOCKING)
public final class JobPages {
    static final int EVENTS = 500;
    static final int LOG_LINES = 100;
    private final JobService jobs;
    private final QueueService queues;
    private final ProgressLogService logs;
    private final Pages pages;

    public JobPages(JobService jobs, QueueService queues, ProgressLogService logs, Pages pages) {
        this.jobs = jobs;
        this.queues = queues;
        this.logs = logs;
        this.pages = pages;
    }

    @Get
    @Anonymous
    public HttpResponse<?> list(HttpRequest<?> request) {
        Map<String, Object> params = new HashMap<>();
        params.put("frame", Frame.of(UiSession.of(request), "jobs"));
        params.put("statuses", Arrays.stream(JobStatus.values()).map(JobStatus::wire).toList());
        params.put("queues", queues.list().stream().map(q -> q.name()).toList());
        JobFilterForm form;
        try {
            form = JobFilterForm.read(request);
        } catch (BatonException e) {
            form = JobFilterForm.NONE;
            return withError(params, form, e);
        }
        params.put("form", form);
        JobPage page;
        try {
            page = jobs.list(form.toFilter());
        } catch (BatonException e) {
            return withError(params, form, e);
        }
        params.put("jobs", page.items());
        params.put("next", page.nextCursor() == null ? null : form.link(page.nextCursor()));
        params.put("error", null);
        return pages.ok("jobs", params);
    }

    private HttpResponse<?> withError(Map<String, Object> params, JobFilterForm form, BatonException e) {
        if (e.code() != ErrorCode.INVALID_REQUEST) {
            throw e;
        }
        params.put("form", form);
        params.put("jobs", List.of());
        params.put("next", null);
        params.put("error", e.getMessage());
        return pages.page(HttpStatus.BAD_REQUEST, "jobs", params);
    }

    @Get("/{id}")
    @Anonymous
    public HttpResponse<?> job(HttpRequest<?> request, @PathVariable String id) {
        Job job = jobs.get(id);
        List<Event> events = jobs.events(id, 0, EVENTS);
        String after = request.getParameters().get("logAfter");
        LogPage log = logs.page(id, after == null || after.isBlank() ? null : after, LOG_LINES);
        Map<String, Object> params = new HashMap<>();
        params.put("frame", Frame.of(UiSession.of(request), "jobs"));
        params.put("job", job);
        params.put("events", events);
        params.put("moreEvents", events.size() == EVENTS);
        params.put("attempts", Attempts.of(events));
        params.put("log", log.items());
        params.put("logNext", log.items().size() < LOG_LINES ? null
                : "/ui/jobs/" + Show.enc(job.id()) + "?logAfter=" + Show.enc(log.nextCursor()));
        params.put("edit", EditForm.of(job));
        params.put("shown", Conflict.shown(job));
        // With more events than shown, the page cannot say which came after it: no "meanwhile" list then.
        params.put("lastEvent", events.size() == EVENTS ? "-1" : Conflict.lastEvent(events, "0"));
        params.put("notice", Notices.of(request));
        return pages.ok("job", params);
    }
}
