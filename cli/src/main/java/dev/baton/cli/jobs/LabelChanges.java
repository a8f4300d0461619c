package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.Args;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --set-label k=v} and {@code --remove-label k} applied to a job's labels: the other labels
 * stay, {@code k=} (an empty value) removes {@code k} (hostile review, defect 9). The PATCH sends
 * the whole map, so it is computed from the job as read, at the version read.
 */
final class LabelChanges {
    private final Map<String, String> set;
    private final List<String> removed;

    LabelChanges(List<String> set, List<String> removed) {
        Map<String, String> parsed = Args.labels(set);
        this.set = parsed == null ? Map.of() : parsed;
        this.removed = removed;
    }

    boolean isEmpty() {
        return set.isEmpty() && removed.isEmpty();
    }

    /** The labels {@code current} (a job's {@code labels} object) become; null when nothing changes them. */
    Map<String, String> applyTo(JsonNode current) {
        if (isEmpty()) {
            return null;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        current.properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        set.forEach((k, v) -> {
            if (v.isEmpty()) {
                labels.remove(k);
            } else {
                labels.put(k, v);
            }
        });
        removed.forEach(labels::remove);
        return labels;
    }
}
