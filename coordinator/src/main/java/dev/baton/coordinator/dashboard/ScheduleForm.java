package dev.baton.coordinator.dashboard;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import dev.baton.common.Responses.FieldError;
import dev.baton.common.Responses.Schedule;
import dev.baton.coordinator.error.BatonException;
import java.util.List;
import java.util.Map;

/**
 * The schedule form's fields as the user typed them (so a refused form comes back as it was),
 * read into the PUT /schedules/{name} request: the job is the JSON body of POST /jobs.
 */
public record ScheduleForm(String name, String cron, String timezone, String catchUp, String job) {
    static final ScheduleForm EMPTY = new ScheduleForm("", "0 0 * * * *", "UTC", "all",
            "{\n  \"type\": \"report.build\",\n  \"queue\": \"default\",\n  \"payload\": {}\n}");

    static ScheduleForm of(Map<String, String> form) {
        Map<String, String> f = form == null ? Map.of() : form;
        return new ScheduleForm(f.getOrDefault("name", "").strip(), f.getOrDefault("cron", "").strip(),
                f.getOrDefault("timezone", "").strip(), f.getOrDefault("catchUp", "").strip(), f.getOrDefault("job", ""));
    }

    /** An existing schedule's values, to edit it. */
    static ScheduleForm of(Schedule s) {
        return new ScheduleForm(s.name(), s.cron(), s.timezone(), s.catchUp(), Show.json(s.job()));
    }

    Requests.PutSchedule request() {
        if (name.isEmpty()) {
            throw BatonException.invalid("name", "is required");
        }
        Requests.Enqueue enqueue;
        try {
            enqueue = Json.mapper().readValue(job, Requests.Enqueue.class);
        } catch (UnrecognizedPropertyException e) {
            throw BatonException.invalid("job", "has a field POST /jobs does not take: \"" + e.getPropertyName() + "\"");
        } catch (JsonParseException e) {
            throw BatonException.invalid("job", "is not valid JSON");
        } catch (JsonProcessingException e) {
            throw BatonException.invalid("job", "must be a JSON object with the fields of POST /jobs (type, queue, "
                    + "payload, …), each of its kind");
        }
        if (enqueue == null) {
            throw BatonException.invalid("job", "must be a JSON object with the fields of POST /jobs");
        }
        return new Requests.PutSchedule(cron.isEmpty() ? null : cron, timezone.isEmpty() ? null : timezone,
                catchUp.isEmpty() ? null : catchUp, enqueue);
    }

    /** The messages of a refusal, one per field. */
    static List<FieldError> errors(BatonException e) {
        return e.errors() == null || e.errors().isEmpty() ? List.of(new FieldError("", e.getMessage())) : e.errors();
    }
}
