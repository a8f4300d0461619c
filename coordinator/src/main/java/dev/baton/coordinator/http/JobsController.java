package dev.baton.coordinator.http;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import dev.baton.common.Responses;
import dev.baton.coordinator.auth.Allowed;
import dev.baton.coordinator.auth.Caller;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.db.JobQueries;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.service.Actor;
import dev.baton.coordinator.service.Ids;
import dev.baton.coordinator.service.JobFactory;
import dev.baton.coordinator.service.JobService;
import dev.baton.coordinator.service.Wakeups;
import dev.baton.coordinator.tracing.TraceHeaders;
import dev.baton.coordinator.tracing.Tracing;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Producer and admin endpoints of docs/protocol.md. */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class JobsController {
    private static final String ENQUEUE_INTO = "enqueue into";
    private final JobService jobs;
    private final Idempotency idempotency;
    private final Wakeups wakeups;
    private final Tracing tracing;

    public JobsController(JobService jobs, Idempotency idempotency, Wakeups wakeups, Tracing tracing) {
        this.jobs = jobs;
        this.tracing = tracing;
        this.idempotency = idempotency;
        this.wakeups = wakeups;
    }

    /**
     * 201 with the new {@link Job}, or 200 with the one its uniqueKey names; under a resent key, the
     * first answer. The job stores the request's W3C trace context (or, tracing, its enqueue span's).
     */
    @Post("/jobs")
    @Allowed({Role.ADMIN, Role.PRODUCER, Role.WORKER})
    public HttpResponse<?> enqueue(HttpRequest<?> request, @Nullable @Body Requests.Enqueue body) {
        Requests.Enqueue enqueue = RequestBodyReader.orEmpty(body, Requests.Enqueue.class);
        Caller.of(request).requireQueues(List.of(queueOf(enqueue)), ENQUEUE_INTO);
        List<Job> created = new ArrayList<>(1);
        HttpResponse<?> answer = tracing.enqueue(traceOf(request), List.of(queueOf(enqueue)), span ->
                idempotency.answer(request, "POST /jobs", enqueue, () -> {
                    JobService.Enqueued e = jobs.enqueue(enqueue, span.stored());
                    span.answered(List.of(e.job()), !e.created());
                    if (e.created()) {
                        created.add(e.job());
                        return HttpResponse.created(e.job());
                    }
                    return HttpResponse.ok(e.job()).header("Baton-Deduplicated", "true");
                }));
        wakeAfterCommit(request, created);
        return answer;
    }

    /** 201 with {@link Responses.Jobs}; under a resent key, the first answer. The trace context goes with every job. */
    @Post("/jobs/batch")
    @Allowed({Role.ADMIN, Role.PRODUCER, Role.WORKER})
    public HttpResponse<?> enqueueBatch(HttpRequest<?> request, @Nullable @Body Requests.EnqueueBatch body) {
        Requests.EnqueueBatch batch = RequestBodyReader.orEmpty(body, Requests.EnqueueBatch.class);
        if (batch.jobs() != null) {
            Caller.of(request).requireQueues(batch.jobs().stream().filter(Objects::nonNull)
                    .map(JobsController::queueOf).distinct().toList(), ENQUEUE_INTO);
        }
        List<String> queues = batch.jobs() == null ? List.of()
                : batch.jobs().stream().filter(Objects::nonNull).map(JobsController::queueOf).toList();
        List<Job> created = new ArrayList<>();
        HttpResponse<?> answer = tracing.enqueue(traceOf(request), queues, span ->
                idempotency.answer(request, "POST /jobs/batch", batch, () -> {
                    created.addAll(jobs.enqueueBatch(batch, span.stored()));
                    span.answered(created, false);
                    return HttpResponse.created(new Responses.Jobs(created));
                }));
        wakeAfterCommit(request, created);
        return answer;
    }

    /** The request's W3C trace context; null when it has none or an invalid one (ignored, as W3C asks). */
    private static TraceHeaders traceOf(HttpRequest<?> request) {
        return TraceHeaders.fromRequest(request.getHeaders().getAll(TraceHeaders.TRACEPARENT),
                request.getHeaders().getAll(TraceHeaders.TRACESTATE));
    }

    /** The queue a job is enqueued into: the one it names, or the default queue. */
    private static String queueOf(Requests.Enqueue job) {
        return Objects.requireNonNullElse(job.queue(), JobFactory.DEFAULT_QUEUE);
    }

    /**
     * Under an Idempotency-Key the service's own wake-up went out before the enclosing COMMIT, so
     * a claim it woke may have found nothing yet: wake the queues again now that the jobs show.
     */
    private void wakeAfterCommit(HttpRequest<?> request, List<Job> created) {
        if (request.getHeaders().contains(Idempotency.HEADER)) {
            created.stream().map(Job::queue).distinct().forEach(wakeups::jobsAvailable);
        }
    }

    @Get("/jobs")
    @Allowed({Role.ADMIN, Role.PRODUCER, Role.WORKER, Role.VIEWER})
    public Responses.JobPage list(HttpRequest<?> request) {
        String status = Params.text(request, "status");
        JobStatus parsedStatus = null;
        if (status != null) {
            try {
                parsedStatus = JobStatus.fromWire(status);
            } catch (IllegalArgumentException e) {
                throw BatonException.invalid("status", e.getMessage());
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String label : Params.all(request, "label")) {
            int colon = label.indexOf(':');
            if (colon <= 0) {
                throw BatonException.invalid("label", "must be key:value, was '" + label + "'");
            }
            labels.put(label.substring(0, colon), label.substring(colon + 1));
        }
        String cursor = Params.text(request, "cursor");
        JobQueries.Filter filter = new JobQueries.Filter(parsedStatus, Params.text(request, "queue"),
                Params.text(request, "type"), labels.isEmpty() ? null : Json.write(labels),
                Params.instant(request, "createdAfter"), Params.instant(request, "createdBefore"),
                cursor == null ? null : Ids.parseCursor("j", cursor, "cursor"),
                Params.integer(request, "limit", 1, 500, 50));
        return jobs.list(filter);
    }

    @Get("/jobs/{id}")
    @Allowed({Role.ADMIN, Role.PRODUCER, Role.WORKER, Role.VIEWER})
    public Job get(@PathVariable String id) {
        return jobs.get(id);
    }

    @Get("/jobs/{id}/events")
    @Allowed({Role.ADMIN, Role.PRODUCER, Role.WORKER, Role.VIEWER})
    public Responses.EventPage events(@PathVariable String id, HttpRequest<?> request) {
        String after = Params.text(request, "after");
        long afterId = 0;
        if (after != null) {
            try {
                afterId = Long.parseLong(after);
            } catch (NumberFormatException e) {
                throw BatonException.invalid("after", "must be an event id");
            }
        }
        int limit = Params.integer(request, "limit", 1, 1000, 100);
        return new Responses.EventPage(jobs.events(id, afterId, limit));
    }

    @Post("/jobs/{id}/cancel")
    @Allowed(Role.ADMIN)
    public Job cancel(HttpRequest<?> request, @PathVariable String id, @Nullable @Body Requests.Cancel body) {
        return jobs.cancel(id, RequestBodyReader.orEmpty(body, Requests.Cancel.class), actor(request));
    }

    @Post("/jobs/{id}/retry")
    @Allowed(Role.ADMIN)
    public Job retry(HttpRequest<?> request, @PathVariable String id, @Nullable @Body Requests.Retry body) {
        return jobs.retry(id, RequestBodyReader.orEmpty(body, Requests.Retry.class), actor(request));
    }

    @Patch("/jobs/{id}")
    @Allowed(Role.ADMIN)
    public Job update(HttpRequest<?> request, @PathVariable String id, @Nullable @Body Requests.Patch body) {
        return jobs.update(id, RequestBodyReader.orEmpty(body, Requests.Patch.class), actor(request));
    }

    /**
     * 200 with {@link Responses.BulkResult}. Under an Idempotency-Key, all operations commit
     * together with the stored answer, or none; a resent key gets the first answer.
     */
    @Post("/jobs/bulk")
    @Allowed(Role.ADMIN)
    public HttpResponse<?> bulk(HttpRequest<?> request, @Nullable @Body Requests.Bulk body) {
        Requests.Bulk bulk = RequestBodyReader.orEmpty(body, Requests.Bulk.class);
        return idempotency.answerInSteps(request, "POST /jobs/bulk", bulk,
                taken -> HttpResponse.ok(jobs.bulk(bulk, actor(request), taken)));
    }

    private static Actor actor(HttpRequest<?> request) {
        return Actor.of(Caller.of(request).name());
    }

}
