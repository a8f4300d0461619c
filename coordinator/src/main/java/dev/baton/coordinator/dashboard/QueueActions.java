package dev.baton.coordinator.dashboard;

import dev.baton.common.Requests;
import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.service.Actor;
import dev.baton.coordinator.service.QueueService;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.net.URI;
import java.util.Map;

/**
 * Pausing and resuming a queue, through the service PUT /queues/{name} uses (its checks, its
 * audit row naming the session's token). The queue is a form field, not a path segment.
 */
@Controller("/ui/queues")
@Requires(condition = DashboardOn.class)
@ExecuteOn(TaskExecutors.BLOCKING)
public final class QueueActions {
    private final QueueService queues;

    public QueueActions(QueueService queues) {
        this.queues = queues;
    }

    @Post(value = "/pause", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> pause(HttpRequest<?> request, @Nullable @Body Map<String, String> form) {
        return set(request, form, true);
    }

    @Post(value = "/resume", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> resume(HttpRequest<?> request, @Nullable @Body Map<String, String> form) {
        return set(request, form, false);
    }

    private HttpResponse<?> set(HttpRequest<?> request, Map<String, String> form, boolean paused) {
        String queue = form == null ? null : form.get("queue");
        if (queue == null || queue.isBlank()) {
            throw BatonException.invalid("queue", "is required");
        }
        queues.update(queue, new Requests.QueueUpdate(paused, null, null),
                Actor.of(UiSession.of(request).caller().name()));
        return HttpResponse.seeOther(URI.create("/ui?done=" + (paused ? "paused" : "resumed")));
    }
}
