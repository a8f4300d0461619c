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
import java.util.function.Function;

/**
 * Pausing and resuming a queue and setting its limits, through the service PUT /queues/{name}
 * uses (its checks, its audit row naming the session's token). The queue is a form field, not a
 * path segment.
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

    /** {@code maxRunning} and {@code ratePerSecond}: a field left empty keeps that limit as it is. */
    @Post(value = "/limits", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> limits(HttpRequest<?> request, @Nullable @Body Map<String, String> form) {
        String queue = queueOf(form);
        Integer maxRunning = number(form, "maxRunning", Integer::valueOf, "must be a whole number");
        Double rate = number(form, "ratePerSecond", Double::valueOf, "must be a number");
        if (maxRunning == null && rate == null) {
            throw BatonException.invalid("maxRunning", "give a limit to set (max running, starts per second, or both)");
        }
        queues.update(queue, new Requests.QueueUpdate(null, maxRunning, rate), Actor.of(UiSession.of(request).caller().name()));
        return HttpResponse.seeOther(URI.create("/ui?done=limits"));
    }

    private HttpResponse<?> set(HttpRequest<?> request, Map<String, String> form, boolean paused) {
        queues.update(queueOf(form), new Requests.QueueUpdate(paused, null, null),
                Actor.of(UiSession.of(request).caller().name()));
        return HttpResponse.seeOther(URI.create("/ui?done=" + (paused ? "paused" : "resumed")));
    }

    private static String queueOf(Map<String, String> form) {
        String queue = form == null ? null : form.get("queue");
        if (queue == null || queue.isBlank()) {
            throw BatonException.invalid("queue", "is required");
        }
        return queue;
    }

    private static <T> T number(Map<String, String> form, String field, Function<String, T> parse, String problem) {
        String value = form == null ? null : form.get(field);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return parse.apply(value.strip());
        } catch (NumberFormatException e) {
            throw BatonException.invalid(field, problem);
        }
    }
}
