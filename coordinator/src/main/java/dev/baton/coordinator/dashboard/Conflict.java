package dev.baton.coordinator.dashboard;

import dev.baton.common.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the conflict dialog shows when a job changed between opening a page and acting on it:
 * field by field, the value the user saw, the one they chose (for an edit) and the current one;
 * and the form that re-applies their action on the current version. Nothing is applied until
 * they choose it.
 */
public record Conflict(String action, long seenVersion, Job current, List<Row> rows, EditForm reapply) {

    /** One field: what the user saw, what they chose, what it is now. */
    public record Row(String field, String seen, String yours, String now, boolean changedByYou,
                      boolean changedMeanwhile) {
    }

    /** A cancel or retry that met a newer version: the rows are the fields whose change matters to it. */
    static Conflict ofAction(String action, long seenVersion, String seenStatus, Job current) {
        List<Row> rows = List.of(new Row("status", seenStatus, null, current.status().wire(), false,
                        !current.status().wire().equals(seenStatus)),
                new Row("version", Long.toString(seenVersion), null, Long.toString(current.version()), false, true));
        return new Conflict(action, seenVersion, current, rows, null);
    }

    /** An edit that met a newer version; the re-apply form carries only the user's own changes, onto the current values. */
    static Conflict ofEdit(EditForm edit, Job current) {
        Map<String, String> now = EditForm.values(current);
        List<String> mine = edit.changed();
        List<Row> rows = new ArrayList<>();
        Map<String, String> reapplied = new java.util.LinkedHashMap<>();
        for (String f : EditForm.FIELDS) {
            boolean byYou = mine.contains(f);
            rows.add(new Row(f, edit.base().get(f), edit.yours().get(f), now.get(f), byYou,
                    !EditForm.same(f, edit.base().get(f), now.get(f))));
            reapplied.put(f, byYou ? edit.yours().get(f) : now.get(f));
        }
        return new Conflict("edit", edit.version(), current, rows, new EditForm(current.version(), now, reapplied));
    }

    /** Whether the action can still be taken on the current version (a cancelled job cannot be cancelled again). */
    public boolean reapplicable() {
        return switch (action) {
            case "cancel" -> current.status().allows(dev.baton.common.JobStatus.Move.CANCEL);
            case "retry" -> current.status().allows(dev.baton.common.JobStatus.Move.RETRY);
            default -> current.status() == dev.baton.common.JobStatus.QUEUED;
        };
    }
}
