package dev.baton.coordinator.http;

import dev.baton.common.Requests;
import dev.baton.common.Responses;
import dev.baton.coordinator.auth.Allowed;
import dev.baton.coordinator.auth.Caller;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.service.Actor;
import dev.baton.coordinator.service.QueueService;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.List;

@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class QueuesController {
    private final QueueService queues;

    public QueuesController(QueueService queues) {
        this.queues = queues;
    }

    @Get("/queues")
    @Allowed({Role.ADMIN, Role.PRODUCER, Role.WORKER, Role.VIEWER})
    public List<Responses.Queue> list() {
        return queues.list();
    }

    @Put("/queues/{name}")
    @Allowed(Role.ADMIN)
    public Responses.Queue update(HttpRequest<?> request, @PathVariable String name,
                                  @Nullable @Body Requests.QueueUpdate body) {
        return queues.update(name, RequestBodyReader.orEmpty(body, Requests.QueueUpdate.class),
                Actor.of(Caller.of(request).name()));
    }
}
