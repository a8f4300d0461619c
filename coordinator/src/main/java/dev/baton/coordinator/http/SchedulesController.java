package dev.baton.coordinator.http;

import dev.baton.common.Requests;
import dev.baton.coordinator.schedule.ScheduleService;
import io.micronaut.core.annotation.Nullable;
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

/** Cron schedules (admin only, see AccessRules). */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class SchedulesController {
    private final ScheduleService schedules;

    public SchedulesController(ScheduleService schedules) {
        this.schedules = schedules;
    }

    @Put("/schedules/{name}")
    public HttpResponse<String> put(@PathVariable String name, @Nullable @Body String body) {
        ScheduleService.Put p = schedules.put(name, Bodies.parse(body, Requests.PutSchedule.class));
        return Bodies.json(p.created() ? HttpStatus.CREATED : HttpStatus.OK, p.schedule());
    }

    @Get("/schedules")
    public HttpResponse<String> list() {
        return Bodies.ok(schedules.list());
    }

    @Get("/schedules/{name}")
    public HttpResponse<String> get(@PathVariable String name) {
        return Bodies.ok(schedules.get(name));
    }

    @Delete("/schedules/{name}")
    public HttpResponse<String> delete(@PathVariable String name) {
        schedules.delete(name);
        return HttpResponse.noContent();
    }
}
