package dev.baton.coordinator.http;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import dev.baton.common.Responses;
import dev.baton.coordinator.db.JobQueries;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.service.Ids;
import dev.baton.coordinator.service.JobService;
import dev.baton.coordinator.service.Wakeups;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
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

/** Producer and admin endpoints of docs/protocol.md. */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class JobsController {
    private final JobService jobs;
    private final Idempotency idempotency;
    private final Wakeups wakeups;

    public JobsController(JobService jobs, Idempotency idempotency, Wakeups wakeups) {
        this.jobs = jobs;
        this.idempotency = idempotency;
        this.wakeups = wakeups;
    }

    @Post("/jobs")
    public HttpResponse<String> enqueue(HttpRequest<?> request, @Nullable @Body String body) {
        List<Job> created = new ArrayList<>(1);
        HttpResponse<String> answer = idempotency.answer(request, "POST /jobs", body, () -> {
            JobService.Enqueued e = jobs.enqueue(Bodies.parse(body, Requests.Enqueue.class));
            if (e.created()) {
                created.add(e.job());
                return Bodies.json(HttpStatus.CREATED, e.job());
            }
            return Bodies.ok(e.job()).header("Baton-Deduplicated", "true");
        });
        wakeAfterCommit(request, created);
        return answer;
    }

    @Post("/jobs/batch")
    public HttpResponse<String> enqueueBatch(HttpRequest<?> request, @Nullable @Body String body) {
        List<Job> created = new ArrayList<>();
        HttpResponse<String> answer = idempotency.answer(request, "POST /jobs/batch", body, () -> {
            created.addAll(jobs.enqueueBatch(Bodies.parse(body, Requests.EnqueueBatch.class)));
            return Bodies.json(HttpStatus.CREATED, new Responses.Jobs(created));
        });
        wakeAfterCommit(request, created);
        return answer;
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
    public HttpResponse<String> list(HttpRequest<?> request) {
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
        return Bodies.ok(jobs.list(filter));
    }

    @Get("/jobs/{id}")
    public HttpResponse<String> get(@PathVariable String id) {
        return Bodies.ok(jobs.get(id));
    }

    @Get("/jobs/{id}/events")
    public HttpResponse<String> events(@PathVariable String id, HttpRequest<?> request) {
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
        return Bodies.ok(new Responses.EventPage(jobs.events(id, afterId, limit)));
    }

    @Post("/jobs/{id}/cancel")
    public HttpResponse<String> cancel(@PathVariable String id, @Nullable @Body String body) {
        return Bodies.ok(jobs.cancel(id, Bodies.parse(body, Requests.Cancel.class)));
    }

    @Post("/jobs/{id}/retry")
    public HttpResponse<String> retry(@PathVariable String id, @Nullable @Body String body) {
        return Bodies.ok(jobs.retry(id, Bodies.parse(body, Requests.Retry.class)));
    }

    @Patch("/jobs/{id}")
    public HttpResponse<String> update(@PathVariable String id, @Nullable @Body String body) {
        return Bodies.ok(jobs.update(id, Bodies.parse(body, Requests.Patch.class)));
    }

    /** Under an Idempotency-Key, all operations commit together with the stored answer, or none. */
    @Post("/jobs/bulk")
    public HttpResponse<String> bulk(HttpRequest<?> request, @Nullable @Body String body) {
        return idempotency.answer(request, "POST /jobs/bulk", body,
                () -> Bodies.ok(jobs.bulk(Bodies.parse(body, Requests.Bulk.class))));
    }

}
