package dev.baton.coordinator.dashboard;

import dev.baton.common.Job;
import dev.baton.common.Responses.LogEntry;
import dev.baton.coordinator.db.ProgressLogRepository.StoredLine;
import dev.baton.coordinator.service.Ids;
import dev.baton.coordinator.service.LogCursor;
import dev.baton.coordinator.service.ProgressLogService;
import java.util.List;
import java.util.Map;

/**
 * The page of a job's log its page shows: by default the last {@value #PAGE} lines, followed live
 * while the job can still log ({@link #stream}); or a page after ({@code logAfter}) or before
 * ({@code logBefore}) a line, so a reader walks back through 100,000 lines a page at a time, each
 * read from the position index, never the whole log. Every line carries its cursor: the page's
 * links and the live tail (which drops the oldest rows it shows) start from a row's cursor.
 */
public record LogView(List<Line> lines, String earlier, String later, String latest, String stream) {
    static final int PAGE = 100;
    static final String AFTER = "logAfter";
    static final String BEFORE = "logBefore";

    /** A line and the cursor just after it. */
    public record Line(String cursor, LogEntry entry) {
    }

    /**
     * The view {@code after} or {@code before} asks for (both null: the last lines); 400 naming a
     * cursor it did not make. Lines before a cursor are those before the line it was made after,
     * so the first row's own cursor pages back from that row.
     */
    static LogView of(ProgressLogService logs, Job job, String after, String before) {
        long id = Ids.job(job.id());
        String page = "/ui/jobs/" + Show.enc(job.id());
        if (after != null) {
            LogCursor from = LogCursor.parse(after, AFTER);
            List<Line> lines = lines(logs.linesAfter(id, from, PAGE + 1));
            boolean more = lines.size() > PAGE;
            List<Line> shown = more ? lines.subList(0, PAGE) : lines;
            // A cursor is made after a stored line, so one past the start means lines before it.
            String earlier = from.position() > 0 && !shown.isEmpty() ? link(page, BEFORE, shown.get(0).cursor()) : null;
            String later = more ? link(page, AFTER, shown.get(shown.size() - 1).cursor()) : null;
            return new LogView(shown, earlier, later, page, null);
        }
        boolean tail = before == null;
        LogCursor until = tail ? null : LogCursor.parse(before, BEFORE);
        List<Line> lines = lines(logs.linesBefore(id, until, PAGE + 1));
        boolean more = lines.size() > PAGE;
        List<Line> shown = more ? lines.subList(1, lines.size()) : lines;
        String earlier = more ? link(page, BEFORE, shown.get(0).cursor()) : null;
        if (!tail) {
            String later = shown.isEmpty() ? null : link(page, AFTER, shown.get(shown.size() - 1).cursor());
            return new LogView(shown, earlier, later, page, null);
        }
        // The last lines of a job that can still log are followed from the last one shown.
        String stream = job.status().isFinished() ? null : page + "/log/stream"
                + (shown.isEmpty() ? "" : "?" + Show.query(Map.of("after", shown.get(shown.size() - 1).cursor())));
        return new LogView(shown, earlier, null, null, stream);
    }

    private static List<Line> lines(List<StoredLine> stored) {
        return stored.stream().map(l -> new Line(LogCursor.after(l).wire(), l.entry())).toList();
    }

    private static String link(String page, String param, String cursor) {
        return page + "?" + Show.query(Map.of(param, cursor)) + "#log";
    }
}
