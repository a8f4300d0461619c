package dev.baton.coordinator.dashboard;

import dev.baton.common.Responses.FieldError;
import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.schedule.ScheduleService;
import dev.baton.coordinator.service.Actor;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.net.URI;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The schedules page: every schedule with its cron in words, its next tick and what it enqueues;
 * for an admin, a form that creates or replaces one (PUT /schedules/{name}'s checks; a refused
 * form comes back as typed, with a message per field) and a delete behind a second click.
 */
@Controller("/ui/schedules")
@Requires(condition = DashboardOn.class)
@ExecuteOn(TaskExecutors.BLOCKING)
public final class SchedulesPage {
    private final ScheduleService schedules;
    private final Pages pages;

    public SchedulesPage(ScheduleService schedules, Pages pages) {
        this.schedules = schedules;
        this.pages = pages;
    }

    /** {@code ?edit=NAME} fills the form with that schedule. */
    @Get
    @Anonymous
    public HttpResponse<?> list(HttpRequest<?> request, @Nullable @QueryValue String edit) {
        ScheduleForm form = ScheduleForm.EMPTY;
        if (edit != null && !edit.isBlank()) {
            form = ScheduleForm.of(schedules.get(edit));
        }
        return page(request, HttpStatus.OK, form, List.of());
    }

    @Post(value = "/put", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> put(HttpRequest<?> request, @Nullable @Body Map<String, String> body) {
        ScheduleForm form = ScheduleForm.of(body);
        try {
            boolean created = schedules.put(form.name(), form.request(), actor(request)).created();
            return HttpResponse.seeOther(URI.create("/ui/schedules?done=" + (created ? "schedule-created" : "schedule-saved")));
        } catch (BatonException e) {
            if (e.code() != ErrorCode.INVALID_REQUEST) {
                throw e;
            }
            return page(request, HttpStatus.BAD_REQUEST, form, ScheduleForm.errors(e));
        }
    }

    @Post(value = "/delete", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> delete(HttpRequest<?> request, @Nullable @Body Map<String, String> body) {
        String name = body == null ? null : body.get("name");
        if (name == null || name.isBlank()) {
            throw BatonException.invalid("name", "is required");
        }
        schedules.delete(name, actor(request));
        return HttpResponse.seeOther(URI.create("/ui/schedules?done=schedule-deleted"));
    }

    private HttpResponse<?> page(HttpRequest<?> request, HttpStatus status, ScheduleForm form, List<FieldError> errors) {
        Instant now = Instant.now();
        Map<String, Object> params = new HashMap<>();
        params.put("frame", Frame.of(UiSession.of(request), "schedules"));
        params.put("schedules", schedules.list().stream().map(s -> ScheduleRow.of(s, now)).toList());
        params.put("form", form);
        params.put("errors", errors);
        params.put("notice", Notices.of(request));
        return pages.page(status, "schedules", params);
    }

    private static Actor actor(HttpRequest<?> request) {
        return Actor.of(UiSession.of(request).caller().name());
    }
}
