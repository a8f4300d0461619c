package dev.baton.coordinator.schedule;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.baton.common.Job;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.ScheduleRepository.Row;
import dev.baton.coordinator.db.ScheduleRepository;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.maintenance.Every;
import dev.baton.coordinator.service.JobFactory;
import dev.baton.coordinator.service.JobService;
import dev.baton.coordinator.service.Wakeups;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.jobrunr.jobs.context.JobContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns schedules' ticks into Baton jobs, each exactly once, on every coordinator every
 * {@link #INTERVAL}. A pass takes the schedules whose {@code next_tick_at} falls within
 * {@link #LOOKAHEAD} (an index scan), and ticks each in its own transaction under its row lock
 * (SKIP LOCKED: coordinators share the work instead of waiting on each other): it enqueues the
 * due ticks with {@code runAt} = the tick time, so a job enqueued a moment early becomes claimable
 * at its second, records each in schedule_ticks (whose primary key refuses a tick twice) in the
 * same transaction, and moves {@code due_after} and {@code next_tick_at} on. Ticks found more
 * than {@link #MISSED_AFTER} overdue were missed (no coordinator ran); the schedule's
 * {@link CatchUp} decides them. A schedule that cannot tick (a row PUT never wrote, a template
 * that no longer validates) is logged at WARN and set aside for {@link #RETRY_BROKEN}; the pass
 * goes on with the others.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator, never in an application that merely has it on its classpath
public final class ScheduleTicker {
    static final Duration INTERVAL = Duration.ofMillis(250);
    /** How early a tick's job may be enqueued; kept under a second so that DELETE has little to cancel. */
    static final Duration LOOKAHEAD = Duration.ofMillis(500);
    static final Duration MISSED_AFTER = Duration.ofSeconds(10);
    static final int MOST_MISSED_TICKS = 1000;
    static final Duration RETRY_BROKEN = Duration.ofMinutes(1);
    private static final int SCHEDULES_PER_PASS = 500;
    private static final Logger LOG = LoggerFactory.getLogger(ScheduleTicker.class);
    private final Db db;
    private final ScheduleRepository schedules;
    private final JobService jobs;
    private final JobFactory factory;
    private final Wakeups wakeups;
    private final Every timer;
    private final Counter ticksEnqueued;
    private final Counter ticksLate;

    public ScheduleTicker(Db db, ScheduleRepository schedules, JobService jobs, JobFactory factory, Wakeups wakeups,
                          MeterRegistry registry) {
        this.db = db;
        this.ticksEnqueued = Counter.builder("baton.schedule.ticks.enqueued")
                .description("Schedule ticks whose job this coordinator enqueued").register(registry);
        // Normally a tick's job is enqueued up to LOOKAHEAD before its fire time; one enqueued after
        // it means the ticker fell behind (coordinators down, the database slow, too many schedules).
        this.ticksLate = Counter.builder("baton.schedule.ticks.late")
                .description("Schedule ticks whose job was enqueued only after its fire time had passed")
                .register(registry);
        this.schedules = schedules;
        this.jobs = jobs;
        this.factory = factory;
        this.wakeups = wakeups;
        this.timer = Every.start("schedule-ticker", INTERVAL, INTERVAL, this::sweepAndLog);
    }

    /** One pass; returns how many jobs it enqueued. Tests call it directly. */
    public int sweep() {
        return sweep(null);
    }

    /** One pass as if the database clock read {@code at} (null: it does). */
    public int sweep(Instant at) {
        int enqueued = 0;
        for (String name : db.run(c -> schedules.namesDueBy(c, at, LOOKAHEAD, SCHEDULES_PER_PASS))) {
            try {
                enqueued += tick(name, at, false).size();
            } catch (BatonException e) {
                if (e.code() == ErrorCode.UNAVAILABLE) {
                    throw e;
                }
                setAside(name, e);
            } catch (RuntimeException e) {
                setAside(name, e);
            }
        }
        return enqueued;
    }

    /**
     * Enqueues what is due on one schedule, as of {@code at} (null: the database clock), waiting
     * for its row lock if another pass holds it; returns the jobs created. Tests call it directly.
     */
    public List<Job> enqueueDue(String name, Instant at) {
        return tick(name, at, true);
    }

    /** JobRunr jobs that an older Baton scheduled for its recurring jobs still call this once; the sweep does the work. */
    public void fire(String name, JobContext context) {
        enqueueDue(name, null);
    }

    private List<Job> tick(String name, Instant at, boolean wait) {
        Instant[] dbNow = new Instant[1];
        List<Job> created = db.tx(c -> {
            Row row = wait ? schedules.findForTick(c, name) : schedules.lockIfDue(c, name, at, LOOKAHEAD);
            if (row == null) {
                return List.<Job>of();
            }
            dbNow[0] = row.now();
            Cron cron = Cron.parse(row.cron(), ZoneId.of(row.timezone()));
            CatchUp catchUp = CatchUp.parse(row.catchUp());
            TickPlan plan = TickPlan.of(cron, row.dueAfter(), at == null ? row.now() : at, LOOKAHEAD, MISSED_AFTER,
                    catchUp == null ? CatchUp.DEFAULT : catchUp, MOST_MISSED_TICKS);
            if (plan.skippedThrough() != null) {
                LOG.warn("schedule {}: ticks after {} up to {} were missed while no coordinator ran and are skipped (catchUp {})",
                        name, row.dueAfter(), plan.skippedThrough(), row.catchUp());
            }
            List<Job> out = new ArrayList<>();
            if (!plan.ticks().isEmpty()) {
                Requests.Enqueue template = template(row);
                for (Instant tick : plan.ticks()) {
                    if (!schedules.insertTickUnlessRecorded(c, name, tick)) {
                        continue;
                    }
                    JobService.Enqueued e = jobs.insertOrFindDuplicate(c, factory.newJob(forTick(template, name, tick), "job."));
                    schedules.setTickJob(c, name, tick, Long.parseLong(e.job().id()));
                    if (e.created()) {
                        out.add(e.job());
                    }
                }
            }
            schedules.advance(c, name, plan.dueAfter(), cron.next(plan.dueAfter()));
            return out;
        });
        // db.tx returned: what it created is committed
        ticksEnqueued.increment(created.size());
        for (Job j : created) {
            if (dbNow[0].isAfter(j.runAt())) {
                ticksLate.increment();
            }
            wakeAt(j, dbNow[0]);
        }
        return created;
    }

    /** Wakes claims waiting on the job's queue when it becomes claimable (its runAt is at most the lookahead away). */
    private void wakeAt(Job job, Instant dbNow) {
        long delayMs = Math.max(0, Duration.between(dbNow, job.runAt()).toMillis());
        if (delayMs == 0) {
            wakeups.jobsAvailable(job.queue());
        } else if (delayMs <= LOOKAHEAD.toMillis() + INTERVAL.toMillis()) {
            timer.once(Duration.ofMillis(delayMs), () -> wakeups.jobsAvailable(job.queue()));
        }
    }

    private void setAside(String name, RuntimeException e) {
        LOG.warn("schedule {} cannot tick and is set aside for {}; the other schedules go on: {}", name, RETRY_BROKEN,
                e.toString());
        db.run(c -> {
            schedules.postpone(c, name, RETRY_BROKEN);
            return null;
        });
    }

    private void sweepAndLog() {
        int n = sweep();
        if (n > 0) {
            LOG.debug("schedule ticker enqueued {} tick(s)", n);
        }
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

    @PreDestroy
    void stop() {
        timer.stop();
    }
}
