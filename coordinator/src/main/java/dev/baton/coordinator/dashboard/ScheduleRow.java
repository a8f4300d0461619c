package dev.baton.coordinator.dashboard;

import dev.baton.common.Responses.Schedule;
import dev.baton.coordinator.schedule.CronWords;
import java.time.Duration;
import java.time.Instant;

/** One schedule on the schedules page: its cron (in words where it has a common shape), its next tick, what it enqueues. */
public record ScheduleRow(String name, String cron, String words, String timezone, String catchUp, String nextRun,
                          String nextIn, String type, String queue) {
    static ScheduleRow of(Schedule s, Instant now) {
        String in = s.nextRunAt() == null ? "—"
                : "in " + Show.age(Math.max(0, Duration.between(now, s.nextRunAt()).toMillis()));
        return new ScheduleRow(s.name(), s.cron(), CronWords.of(s.cron()), s.timezone(), s.catchUp(),
                Show.time(s.nextRunAt()), in, s.job().path("type").asText(""), s.job().path("queue").asText("default"));
    }
}
