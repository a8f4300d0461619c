package dev.baton.coordinator.dashboard;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Responses.Event;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the conflict dialog shows when a job changed between opening a page and acting on it:
 * field by field, the value the user saw, the one they chose (for an edit) and the current one;
 * the job's events since the page was rendered (who changed it, which worker took it); and the
 * form that re-applies their action on the current version. Nothing is applied until
 * they choose it.
 */
public record Conflict(String action, long seenVersion, Job current, List<Row> rows, EditForm reapply,
                       List<Event> since, String lastEvent) {
    /** The fields a cancel or retry form carries as {@code seen_<field>}: the job as the page showed it. */
    public static final List<String> SEEN = List.of("status", "attempt", "priority", "runAt");
    static final String SEEN_EVENT = "seen_event";

    /** One field: what the user saw, what they chose, what it is now. */
    public record Row(String field, String seen, String yours, String now, boolean changedByYou,
                      boolean changedMeanwhile) {
    }

    /** A cancel or retry that met a newer version: the job's fields as the page showed them and now. */
    static Conflict ofAction(String action, long seenVersion, Map<String, String> seen, Job current,
                             List<Event> since) {
        Map<String, String> now = shown(current);
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("version", Long.toString(seenVersion), null, Long.toString(current.version()), false, true));
        for (String f : SEEN) {
            String then = seen.get(f);
            rows.add(new Row(f, then, null, now.get(f), false, !EditForm.same(f, then, now.get(f))));
        }
        return new Conflict(action, seenVersion, current, rows, null, since, lastEvent(since, seen.get(SEEN_EVENT)));
    }

    /** What a cancel or retry form records of the job it was rendered with. */
    public static Map<String, String> shown(Job job) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("status", job.status().wire());
        m.put("attempt", Integer.toString(job.attempt()));
        m.put("priority", Integer.toString(job.priority()));
        m.put("runAt", job.runAt().toString());
        return m;
    }

    /** The id of the last of {@code events}, or {@code fallback} when there are none. */
    static String lastEvent(List<Event> events, String fallback) {
        return events.isEmpty() ? fallback : events.get(events.size() - 1).id();
    }

    /** An edit that met a newer version; the re-apply form carries only the user's own changes, onto the current values. */
    static Conflict ofEdit(EditForm edit, Job current, List<Event> since, String seenEvent) {
        Map<String, String> now = EditForm.values(current);
        List<String> mine = edit.changed();
        List<Row> rows = new ArrayList<>();
        Map<String, String> reapplied = new LinkedHashMap<>();
        for (String f : EditForm.FIELDS) {
            boolean byYou = mine.contains(f);
            rows.add(new Row(f, edit.base().get(f), edit.yours().get(f), now.get(f), byYou,
                    !EditForm.same(f, edit.base().get(f), now.get(f))));
            reapplied.put(f, byYou ? edit.yours().get(f) : now.get(f));
        }
        return new Conflict("edit", edit.version(), current, rows, new EditForm(current.version(), now, reapplied),
                since, lastEvent(since, seenEvent));
    }

    /** Whether the action can still be taken on the current version (a cancelled job cannot be cancelled again). */
    public boolean reapplicable() {
        return switch (action) {
            case "cancel" -> current.status().allows(JobStatus.Move.CANCEL);
            case "retry" -> current.status().allows(JobStatus.Move.RETRY);
            default -> current.status() == JobStatus.QUEUED;
        };
    }
}
