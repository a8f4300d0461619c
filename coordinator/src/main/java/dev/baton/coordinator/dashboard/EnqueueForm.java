package dev.baton.coordinator.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Requests;
import dev.baton.common.Responses.FieldError;
import dev.baton.coordinator.error.BatonException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The enqueue form's fields as typed (a refused form comes back as it was), read into the POST
 * /jobs request with the edit form's parsers; every field's problem is reported, not the first
 * only. An empty optional field is left out (the API's default).
 */
public record EnqueueForm(String type, String queue, String payload, String priority, String maxAttempts,
                          String runAt, String uniqueKey, String labels) {
    static final EnqueueForm EMPTY = new EnqueueForm("", "default", "{}", "", "", "", "", "{}");

    static EnqueueForm of(Map<String, String> form) {
        Map<String, String> f = form == null ? Map.of() : form;
        return new EnqueueForm(f.getOrDefault("type", "").strip(), f.getOrDefault("queue", "").strip(),
                f.getOrDefault("payload", ""), f.getOrDefault("priority", "").strip(),
                f.getOrDefault("maxAttempts", "").strip(), f.getOrDefault("runAt", "").strip(),
                f.getOrDefault("uniqueKey", "").strip(), f.getOrDefault("labels", ""));
    }

    Requests.Enqueue request() {
        List<FieldError> errors = new ArrayList<>();
        JsonNode body = read(errors, () -> payload.isBlank() ? null : EditForm.json("payload", payload));
        Integer prio = read(errors, () -> priority.isEmpty() ? null : EditForm.whole("priority", priority));
        Integer attempts = read(errors, () -> maxAttempts.isEmpty() ? null : EditForm.whole("maxAttempts", maxAttempts));
        Instant at = read(errors, () -> runAt.isEmpty() ? null : EditForm.time(runAt));
        Map<String, String> labelMap = read(errors, () -> labels.isBlank() ? null : EditForm.labels(labels));
        if (!errors.isEmpty()) {
            throw BatonException.invalid(errors);
        }
        return new Requests.Enqueue(queue.isEmpty() ? null : queue, type.isEmpty() ? null : type, body, prio, at, null,
                attempts, uniqueKey.isEmpty() ? null : uniqueKey, labelMap, null, null);
    }

    private static <T> T read(List<FieldError> errors, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (BatonException e) {
            errors.addAll(e.errors());
            return null;
        }
    }
}
