package dev.baton.coordinator.http;

import dev.baton.common.Requests;
import dev.baton.common.Responses;
import dev.baton.coordinator.auth.Allowed;
import dev.baton.coordinator.auth.Caller;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.schedule.ScheduleService;
import dev.baton.coordinator.service.Actor;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.List;

/** Cron schedules: changed by admins, read by admins and viewers. */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class SchedulesController {
    private final ScheduleService schedules;

    public SchedulesController(ScheduleService schedules) {
        this.schedules = schedules;
    }

    /** 201 when the schedule is new, 200 when it replaced one. */
    @Put("/schedules/{name}")
    @Allowed(Role.ADMIN)
    public HttpResponse<Responses.Schedule> put(HttpRequest<?> request, @PathVariable String name,
                                                @Nullable @Body Requests.PutSchedule body) {
        ScheduleService.Put p = schedules.put(name, RequestBodyReader.orEmpty(body, Requests.PutSchedule.class),
                Actor.of(Caller.of(request).name()));
        return HttpResponse.<Responses.Schedule>status(p.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(p.schedule());
    }

    @Get("/schedules")
    @Allowed({Role.ADMIN, Role.VIEWER})
    public List<Responses.Schedule> list() {
        return schedules.list();
    }

    @Get("/schedules/{name}")
    @Allowed({Role.ADMIN, Role.VIEWER})
    public Responses.Schedule get(@PathVariable String name) {
        return schedules.get(name);
    }

    @Delete("/schedules/{name}")
    @Allowed(Role.ADMIN)
    public HttpResponse<Void> delete(HttpRequest<?> request, @PathVariable String name) {
        schedules.delete(name, Actor.of(Caller.of(request).name()));
        return HttpResponse.noContent();
    }
}
