package dev.baton.coordinator.schedule;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import dev.baton.common.Responses.FieldError;
import dev.baton.common.Responses.Schedule;
import dev.baton.coordinator.db.AuditTrail;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.ScheduleRepository.Row;
import dev.baton.coordinator.db.ScheduleRepository;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.service.Actor;
import dev.baton.coordinator.service.Checks;
import dev.baton.coordinator.service.JobFactory;
import jakarta.inject.Singleton;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Schedules: validated here and stored in the schedules table, from which every coordinator's
 * {@link ScheduleTicker} enqueues their ticks. Deleting or replacing a schedule cancels, in the
 * same transaction, the jobs its ticker enqueued ahead of their time that have not started.
 */
@Singleton
public final class ScheduleService {
    /** Letters, digits, '.', '_' and '-', not starting with '_' (kept for JobRunr's maintenance jobs). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final ObjectMapper TEMPLATE_WRITER =
            Json.mapper().copy().setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL);
    private final Db db;
    private final ScheduleRepository schedules;
    private final JobFactory factory;

    private final AuditTrail audit;

    public ScheduleService(Db db, ScheduleRepository schedules, JobFactory factory, AuditTrail audit) {
        this.audit = audit;
        this.db = db;
        this.schedules = schedules;
        this.factory = factory;
    }

    public record Put(Schedule schedule, boolean created) {
    }

    public Put put(String name, Requests.PutSchedule r, Actor actor) {
        Checks checks = new Checks();
        if (!NAME.matcher(name).matches()) {
            checks.fail("name", "must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        String timezone = r.timezone() == null ? "UTC" : r.timezone();
        ZoneId zone = zone(timezone, checks);
        Cron cron = null;
        checks.required("cron", r.cron());
        checks.length("cron", r.cron(), 1, 200);
        if (r.cron() != null && !r.cron().isEmpty() && r.cron().length() <= 200) {
            cron = cron(r.cron(), zone == null ? ZoneId.of("UTC") : zone, checks);
        }
        CatchUp catchUp = r.catchUp() == null ? CatchUp.DEFAULT : CatchUp.parse(r.catchUp());
        if (catchUp == null) {
            checks.fail("catchUp", "must be all, latest or none");
        }
        checks.required("job", r.job());
        List<FieldError> errors = new ArrayList<>(checks.errors());
        if (r.job() != null) {
            errors.addAll(templateErrors(r.job()));
        }
        if (!errors.isEmpty()) {
            throw BatonException.invalid(errors);
        }
        String jobJson = writeTemplate(r.job());
        Cron timing = cron;
        return db.tx(c -> {
            if (Boolean.TRUE.equals(schedules.lockAndCompare(c, name, timing.text(), timezone, jobJson))) {
                schedules.cancelTicksAhead(c, name, "schedule " + name + " was replaced", actor.name());
            }
            ScheduleRepository.Upserted u = schedules.upsert(c, name, timing.text(), timezone, catchUp.wire(), jobJson);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("created", u.created());
            detail.put("cron", timing.text());
            detail.put("timezone", timezone);
            detail.put("catchUp", catchUp.wire());
            detail.put("job", Json.mapper().valueToTree(r.job()));
            audit.record(c, actor.name(), "schedule.put", "schedule:" + name, actor.details(detail));
            return new Put(toSchedule(u.row()), u.created());
        });
    }

    public List<Schedule> list() {
        return db.run(schedules::list).stream().map(ScheduleService::toSchedule).toList();
    }

    public Schedule get(String name) {
        Row row = NAME.matcher(name).matches() ? db.run(c -> schedules.find(c, name)) : null;
        if (row == null) {
            throw BatonException.notFound("schedule named", name);
        }
        return toSchedule(row);
    }

    /**
     * Deletes the row, which ends the schedule, and cancels the jobs it enqueued ahead that have
     * not started; under its row lock, so no tick is being enqueued meanwhile. Jobs of ticks whose
     * time had come stay.
     */
    public void delete(String name, Actor actor) {
        boolean deleted = NAME.matcher(name).matches() && db.tx(c -> {
            if (schedules.findForTick(c, name) == null) {
                return false;
            }
            schedules.cancelTicksAhead(c, name, "schedule " + name + " was deleted", actor.name());
            boolean gone = schedules.delete(c, name);
            if (gone) {
                audit.record(c, actor.name(), "schedule.delete", "schedule:" + name, actor.details(Map.of()));
            }
            return gone;
        });
        if (!deleted) {
            throw BatonException.notFound("schedule named", name);
        }
    }

    /**
     * A schedule's job is a POST /jobs body, checked the same way, with the two fields the
     * schedule sets itself refused.
     */
    private List<FieldError> templateErrors(Requests.Enqueue job) {
        List<FieldError> errors = new ArrayList<>();
        if (job.runAt() != null) {
            errors.add(new FieldError("job.runAt", "each tick runs at its own time; use delayMs to run it later"));
        }
        if (job.uniqueKey() != null) {
            errors.add(new FieldError("job.uniqueKey", "is set by the schedule: schedule:<name>:<tick time>"));
        }
        Requests.Enqueue rest = new Requests.Enqueue(job.queue(), job.type(), job.payload(), job.priority(), null,
                job.delayMs(), job.maxAttempts(), null, job.labels(), job.timeoutSeconds(), job.backoff());
        try {
            factory.newJob(rest, "job.");
        } catch (BatonException e) {
            if (e.code() != ErrorCode.INVALID_REQUEST) {
                throw e;
            }
            errors.addAll(e.errors());
        }
        return errors;
    }

    private static ZoneId zone(String timezone, Checks checks) {
        if (ZoneId.getAvailableZoneIds().contains(timezone)) {
            return ZoneId.of(timezone);
        }
        checks.fail("timezone", "must be an IANA time zone such as UTC or Europe/Berlin");
        return null;
    }

    private static Cron cron(String text, ZoneId zone, Checks checks) {
        try {
            Cron cron = Cron.parse(text, zone);
            if (cron.shortestGap(Instant.now(), 1000).compareTo(Cron.SHORTEST_GAP) < 0) {
                checks.fail("cron", "must not fire more often than every " + Cron.SHORTEST_GAP.toSeconds() + " seconds");
            }
            return cron;
        } catch (IllegalArgumentException e) {
            checks.fail("cron", e.getMessage());
            return null;
        }
    }

    private static String writeTemplate(Requests.Enqueue job) {
        try {
            return TEMPLATE_WRITER.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Schedule toSchedule(Row row) {
        Instant nextRunAt = null;
        try {
            Cron cron = Cron.parse(row.cron(), ZoneId.of(row.timezone()));
            nextRunAt = cron.next(row.dueAfter().isAfter(row.now()) ? row.dueAfter() : row.now());
        } catch (RuntimeException e) {
            // a row PUT never wrote; shown without nextRunAt
        }
        try {
            return new Schedule(row.name(), row.cron(), row.timezone(), row.catchUp(), Json.mapper().readTree(row.jobJson()),
                    row.createdAt(), row.updatedAt(), nextRunAt);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
