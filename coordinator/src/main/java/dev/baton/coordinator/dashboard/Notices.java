package dev.baton.coordinator.dashboard;

import io.micronaut.http.HttpRequest;
import java.util.Map;

/**
 * The one-line notice a page shows after an action redirected to it ({@code ?done=cancelled}):
 * picked from this list by its key, so a link can never make a page say anything else.
 */
final class Notices {
    private static final Map<String, String> TEXT = Map.ofEntries(
            Map.entry("cancelled", "The job was cancelled."),
            Map.entry("retried", "The job was queued again."),
            Map.entry("edited", "The job was changed."),
            Map.entry("unchanged", "Nothing was changed: the form had the job's values."),
            Map.entry("paused", "The queue was paused: its jobs stay queued until it is resumed."),
            Map.entry("resumed", "The queue was resumed."),
            Map.entry("limits", "The queue's limits were set."),
            Map.entry("schedule-created", "The schedule was created."),
            Map.entry("schedule-saved", "The schedule was saved: ticks it had enqueued ahead were cancelled."),
            Map.entry("schedule-deleted", "The schedule was deleted: ticks it had enqueued ahead were cancelled."),
            Map.entry("enqueued", "The job was enqueued."),
            Map.entry("deduplicated", "Not enqueued: a job with this uniqueKey is still active; here it is."));

    private Notices() {
    }

    static String of(HttpRequest<?> request) {
        String key = request.getParameters().get("done");
        return key == null ? null : TEXT.get(key);
    }
}
