package dev.baton.coordinator.dashboard;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Responses.Event;
import dev.baton.common.Responses.JobPage;
import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.db.JobQueries;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.http.ProgressLogController;
import dev.baton.coordinator.service.Ids;
import dev.baton.coordinator.service.JobService;
import dev.baton.coordinator.service.LogCursor;
import dev.baton.coordinator.service.LogTail;
import dev.baton.coordinator.service.ProgressLogService;
import dev.baton.coordinator.service.QueueService;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.reactivestreams.Publisher;

/** The jobs list (filtered and paged on the server) and a job's page, read through the API's own services. */
@Controller("/ui/jobs")
@Requires(condition = DashboardOn.class)
@ExecuteOn(TaskExecutors.BLOCKING)
public final class JobPages {
    static final int EVENTS = 500;
    static final Duration SESSION_RECHECK = Duration.ofSeconds(15);
    /** How many ids one page of a search reads at most (about 130 ms here at 1,100,000 jobs). */
    static final long SEARCH_SPAN = 200_000;
    private final JobService jobs;
    private final QueueService queues;
    private final ProgressLogService logs;
    private final LogTail tail;
    private final Sessions sessions;
    private final Pages pages;

    public JobPages(JobService jobs, QueueService queues, ProgressLogService logs, LogTail tail, Sessions sessions,
                    Pages pages) {
        this.jobs = jobs;
        this.queues = queues;
        this.logs = logs;
        this.tail = tail;
        this.sessions = sessions;
        this.pages = pages;
    }

    @Get
    @Anonymous
    public HttpResponse<?> list(HttpRequest<?> request) {
        Map<String, Object> params = new HashMap<>();
        params.put("frame", Frame.of(UiSession.of(request), "jobs"));
        params.put("statuses", Arrays.stream(JobStatus.values()).map(JobStatus::wire).toList());
        params.put("queues", queues.names());
        params.put("searchedIn", Arrays.stream(JobQueries.Searched.values()).map(JobQueries.Searched::wire).toList());
        params.put("live", null);
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
            JobQueries.Filter filter = form.toFilter();
            page = filter.search() == null ? jobs.list(filter) : jobs.search(filter, SEARCH_SPAN);
        } catch (BatonException e) {
            return withError(params, form, e);
        }
        params.put("jobs", page.items());
        params.put("next", page.nextCursor() == null ? null : form.link(page.nextCursor()));
        params.put("error", null);
        // Only the first page follows the filter live (an older page is a place the reader went to),
        // and not a search: one for a rare value may read much of the table.
        params.put("live", form.cursor() == null && form.q() == null ? form.link(null) : null);
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
        LogView log = LogView.of(logs, job, param(request, LogView.AFTER), param(request, LogView.BEFORE));
        Map<String, Object> params = new HashMap<>();
        params.put("frame", Frame.of(UiSession.of(request), "jobs"));
        params.put("job", job);
        params.put("events", events);
        params.put("moreEvents", events.size() == EVENTS);
        params.put("attempts", Attempts.of(events));
        params.put("log", log);
        params.put("edit", EditForm.of(job));
        params.put("shown", Conflict.shown(job));
        // With more events than shown, the page cannot say which came after it: no "meanwhile" list then.
        params.put("lastEvent", events.size() == EVENTS ? "-1" : Conflict.lastEvent(events, "0"));
        params.put("notice", Notices.of(request));
        return pages.ok("job", params);
    }

    /**
     * The job page's live log tail: the API's log stream (same events, same cursors), for the
     * session's cookie instead of a token; it ends when the session does.
     */
    @Get(value = "/{id}/log/stream", produces = MediaType.TEXT_EVENT_STREAM)
    @Anonymous
    public Publisher<io.micronaut.http.sse.Event<String>> logStream(HttpRequest<?> request, @PathVariable String id) {
        long jobId = Ids.job(id);
        LogCursor after = LogCursor.resume(request.getHeaders().get("Last-Event-ID"), param(request, "after"));
        logs.requireJob(jobId);
        return ProgressLogController.events(tail.follow(jobId, after,
                sessions.stillLive(SessionCookie.read(request), SESSION_RECHECK)));
    }

    private static String param(HttpRequest<?> request, String name) {
        String v = request.getParameters().get(name);
        return v == null || v.isBlank() ? null : v;
    }
}
