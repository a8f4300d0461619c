package dev.baton.coordinator.http;

import dev.baton.common.Json;
import dev.baton.common.Requests;
import dev.baton.common.Responses;
import dev.baton.coordinator.auth.Allowed;
import dev.baton.coordinator.auth.Caller;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.service.Ids;
import dev.baton.coordinator.service.LogCursor;
import dev.baton.coordinator.service.LogTail;
import dev.baton.coordinator.service.ProgressLogService;
import dev.baton.coordinator.service.ScopeGuard;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.Map;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/** Progress and logs of docs/protocol.md: the worker's writes and everyone's reads. */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class ProgressLogController {
    private final ProgressLogService service;
    private final LogTail tail;

    private final ScopeGuard scope;

    public ProgressLogController(ProgressLogService service, LogTail tail, ScopeGuard scope) {
        this.scope = scope;
        this.service = service;
        this.tail = tail;
    }

    @Post("/jobs/{id}/progress")
    @Allowed({Role.ADMIN, Role.WORKER})
    public Responses.VersionAnswer progress(HttpRequest<?> request, @PathVariable String id,
                                            @Nullable @Body Requests.ProgressUpdate body) {
        scope.requireJob(Caller.of(request), id, "report progress on jobs of");
        return service.progress(id, RequestBodyReader.orEmpty(body, Requests.ProgressUpdate.class));
    }

    @Post("/jobs/{id}/logs")
    @Allowed({Role.ADMIN, Role.WORKER})
    public Responses.LogAppendAnswer append(HttpRequest<?> request, @PathVariable String id,
                                            @Nullable @Body Requests.LogAppend body) {
        scope.requireJob(Caller.of(request), id, "append logs to jobs of");
        return service.append(id, RequestBodyReader.orEmpty(body, Requests.LogAppend.class));
    }

    @Get("/jobs/{id}/logs")
    @Allowed({Role.ADMIN, Role.PRODUCER, Role.WORKER, Role.VIEWER})
    public Responses.LogPage page(@PathVariable String id, HttpRequest<?> request) {
        return service.page(id, Params.text(request, "after"), Params.integer(request, "limit", 1, 1000, 100));
    }

    /**
     * Server-Sent Events: each line is an event whose id is the cursor after it and whose data is
     * the line's JSON; {@code Last-Event-ID} (a reconnecting EventSource sends it) or {@code after}
     * says where to start. The stream opens with a comment, sends one again when quiet for 15 s,
     * and ends with an {@code end} event carrying the job's final status, so that an EventSource
     * knows to close instead of reconnecting.
     */
    @Get(value = "/jobs/{id}/logs/stream", produces = MediaType.TEXT_EVENT_STREAM)
    @Allowed({Role.ADMIN, Role.PRODUCER, Role.WORKER, Role.VIEWER})
    public Publisher<Event<String>> stream(@PathVariable String id, HttpRequest<?> request) {
        long jobId = Ids.job(id);
        LogCursor after = LogCursor.resume(request.getHeaders().get("Last-Event-ID"), Params.text(request, "after"));
        service.requireJob(jobId);
        return events(tail.follow(jobId, after, Caller.validity(request)));
    }

    /** The stream's items as Server-Sent Events (the dashboard's log tail sends the same). */
    public static Publisher<Event<String>> events(Flux<LogTail.Item> items) {
        return items.map(item -> switch (item) {
            case LogTail.Item.Line line -> Event.of(Json.write(line.entry())).id(line.cursor());
            // An empty data field: EventSource dispatches nothing for it; the comment says why it is there.
            case LogTail.Item.Idle idle -> Event.of("").comment("waiting for lines");
            case LogTail.Item.End end -> Event.of(Json.write(Map.of("status",
                    end.status() == null ? "deleted" : end.status().wire()))).name("end");
        });
    }
}
