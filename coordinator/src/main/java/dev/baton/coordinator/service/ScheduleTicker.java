package dev.baton.coordinator.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.baton.common.Job;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.ScheduleRepository;
import dev.baton.coordinator.db.ScheduleRepository.Row;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.jobrunr.jobs.context.JobContext;
import org.jobrunr.jobs.states.ScheduledState;
import org.jobrunr.storage.JobNotFoundException;
import org.jobrunr.storage.StorageProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a schedule's due ticks into Baton jobs, each exactly once. JobRunr calls {@link #fire}
 * at the schedule's fire times; {@link ScheduleReconciler} calls {@link #sweep} every 30 s on every
 * coordinator for what JobRunr missed. Both end in {@link #enqueueDue}: under the schedule's row
 * lock it enqueues every due tick past {@code due_after}, records each in schedule_ticks (whose
 * primary key refuses a tick twice) in the same transaction as its job, and moves due_after on.
 *
 * <p>The catch-up policy ({@link #plan}): a tick found due at most {@link #CATCH_UP_WINDOW}
 * after its fire time is enqueued as itself. That covers JobRunr's poll delay and the hand-over
 * when the coordinator running JobRunr's recurring jobs stops. Ticks more overdue than that fell
 * while no coordinator was running: of those only the latest is enqueued, once (one catch-up run
 * under its own tick time), and the older ones are skipped.
 */
@Singleton
public final class ScheduleTicker {
    static final Duration CATCH_UP_WINDOW = Duration.ofMinutes(1);
    /** JobRunr hands a tick over up to one poll interval early; a hint further ahead is not trusted. */
    private static final Duration LONGEST_EARLY_FIRE = Duration.ofMinutes(5);
    private static final int MOST_TICKS_PER_PASS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(ScheduleTicker.class);
    private final Db db;
    private final ScheduleRepository schedules;
    private final JobService jobs;
    private final JobFactory factory;
    private final Wakeups wakeups;
    private final StorageProvider jobRunrStorage;

    public ScheduleTicker(Db db, ScheduleRepository schedules, JobService jobs, JobFactory factory, Wakeups wakeups,
                          StorageProvider jobRunrStorage) {
        this.db = db;
        this.schedules = schedules;
        this.jobs = jobs;
        this.factory = factory;
        this.wakeups = wakeups;
        this.jobRunrStorage = jobRunrStorage;
    }

    /** JobRunr's recurring job for schedule {@code name}; JobRunr passes its own JobContext in place of Null. */
    public void fire(String name, JobContext context) {
        enqueueDue(name, scheduledAt(context));
    }

    /** Enqueues what is due on every schedule; returns how many jobs it enqueued. */
    public int sweep() {
        int enqueued = 0;
        for (Row row : db.run(schedules::list)) {
            Cron cron = cronOf(row);
            if (cron != null && !cron.next(row.dueAfter()).isAfter(row.now())) {
                enqueued += enqueueDue(row.name(), null).size();
            }
        }
        return enqueued;
    }

    /**
     * Enqueues the due ticks of one schedule and returns the jobs created. {@code scheduledAt} is
     * the fire time JobRunr is running, or null; JobRunr may run a tick up to a poll interval
     * early, so that tick counts as due (its job waits for it: runAt is the tick time).
     */
    public List<Job> enqueueDue(String name, Instant scheduledAt) {
        List<Job> created = db.tx(c -> {
            Row row = schedules.findForTick(c, name);
            Cron cron = row == null ? null : cronOf(row);
            if (cron == null) {
                return List.<Job>of();
            }
            Instant upTo = row.now();
            if (scheduledAt != null && scheduledAt.isAfter(upTo) && cron.firesAt(scheduledAt)
                    && !scheduledAt.isAfter(upTo.plus(LONGEST_EARLY_FIRE))) {
                upTo = scheduledAt;
            }
            List<Instant> ticks = plan(cron, row.dueAfter(), upTo, row.now());
            if (ticks.isEmpty()) {
                return List.<Job>of();
            }
            if (ticks.get(0).isBefore(row.now().minus(CATCH_UP_WINDOW))) {
                LOG.info("schedule {}: ticks after {} were missed while no coordinator ran; catching up once with {}",
                        name, row.dueAfter(), ticks.get(0));
            }
            Requests.Enqueue template = template(row);
            List<Job> out = new ArrayList<>();
            for (Instant tick : ticks) {
                if (!schedules.insertTickUnlessRecorded(c, name, tick)) {
                    continue;
                }
                JobService.Enqueued e = jobs.insertOrFindDuplicate(c, factory.newJob(forTick(template, name, tick), "job."));
                schedules.setTickJob(c, name, tick, Long.parseLong(e.job().id()));
                if (e.created()) {
                    out.add(e.job());
                }
            }
            schedules.advanceDueAfter(c, name, ticks.get(ticks.size() - 1));
            return out;
        });
        Instant now = Instant.now();
        created.stream().filter(j -> !j.runAt().isAfter(now)).map(Job::queue).distinct().forEach(wakeups::jobsAvailable);
        return created;
    }

    /** The ticks to enqueue, oldest first, under the catch-up policy of the class comment. */
    static List<Instant> plan(Cron cron, Instant dueAfter, Instant upTo, Instant now) {
        List<Instant> ticks = new ArrayList<>();
        Instant from = dueAfter;
        Instant overdue = now.minus(CATCH_UP_WINDOW);
        if (dueAfter.isBefore(overdue)) {
            Instant catchUp = cron.lastAtOrBefore(dueAfter, overdue);
            if (catchUp != null) {
                ticks.add(catchUp);
            }
            from = overdue;
        }
        for (Instant t = cron.next(from); !t.isAfter(upTo) && ticks.size() < MOST_TICKS_PER_PASS; t = cron.next(t)) {
            ticks.add(t);
        }
        return ticks;
    }

    /** The uniqueKey of a tick's job: the fire time in RFC 3339 UTC, not the time it was enqueued. */
    public static String uniqueKey(String schedule, Instant tick) {
        return "schedule:" + schedule + ":" + tick;
    }

    private static Requests.Enqueue forTick(Requests.Enqueue t, String name, Instant tick) {
        Instant runAt = tick.plusMillis(t.delayMs() == null ? 0 : t.delayMs());
        return new Requests.Enqueue(t.queue(), t.type(), t.payload(), t.priority(), runAt, null, t.maxAttempts(),
                uniqueKey(name, tick), t.labels(), t.timeoutSeconds(), t.backoff());
    }

    private static Requests.Enqueue template(Row row) {
        try {
            return Json.mapper().readValue(row.jobJson(), Requests.Enqueue.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("schedule " + row.name() + " holds a job template Baton cannot read", e);
        }
    }

    /** Null (and a warning) for a row whose cron or zone no longer parses; PUT never stores one. */
    private static Cron cronOf(Row row) {
        try {
            return Cron.parse(row.cron(), ZoneId.of(row.timezone()));
        } catch (RuntimeException e) {
            LOG.warn("schedule {} is skipped: cron '{}' in {}: {}", row.name(), row.cron(), row.timezone(), e.getMessage());
            return null;
        }
    }

    /** The fire time JobRunr scheduled this run for; null when run by hand or from the dashboard. */
    private Instant scheduledAt(JobContext context) {
        if (context == null || context == JobContext.Null) {
            return null;
        }
        try {
            return jobRunrStorage.getJobById(context.getJobId()).getLastJobStateOfType(ScheduledState.class)
                    .map(ScheduledState::getScheduledAt).orElse(null);
        } catch (JobNotFoundException e) {
            return null;
        }
    }
}
