package dev.baton.coordinator.http;

import dev.baton.common.Requests;
import dev.baton.coordinator.service.QueueService;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class QueuesController {
    private final QueueService queues;

    public QueuesController(QueueService queues) {
        this.queues = queues;
    }

    @Get("/queues")
    public HttpResponse<String> list() {
        return Bodies.ok(queues.list());
    }

    @Put("/queues/{name}")
    public HttpResponse<String> update(@PathVariable String name, @Nullable @Body String body) {
        return Bodies.ok(queues.update(name, Bodies.parse(body, Requests.QueueUpdate.class)));
    }
}
