package dev.baton.coordinator.dashboard;

import io.micronaut.http.HttpRequest;
import java.util.Map;

/**
 * The one-line notice a page shows after an action redirected to it ({@code ?done=cancelled}):
 * picked from this list by its key, so a link can never make a page say anything else.
 */
final class Notices {
    private static final Map<String, String> TEXT = Map.of(
            "cancelled", "The job was cancelled.",
            "retried", "The job was queued again.",
            "edited", "The job was changed.",
            "unchanged", "Nothing was changed: the form had the job's values.",
            "paused", "The queue was paused: its jobs stay queued until it is resumed.",
            "resumed", "The queue was resumed.",
            "limits", "The queue's limits were set.",
            "schedule-created", "The schedule was created.",
            "schedule-saved", "The schedule was saved: ticks it had enqueued ahead were cancelled.",
            "schedule-deleted", "The schedule was deleted: ticks it had enqueued ahead were cancelled.");

    private Notices() {
    }

    static String of(HttpRequest<?> request) {
        String key = request.getParameters().get("done");
        return key == null ? null : TEXT.get(key);
    }
}
