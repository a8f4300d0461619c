package dev.baton.coordinator.http;

import dev.baton.common.Responses;
import dev.baton.coordinator.auth.Allowed;
import dev.baton.coordinator.auth.Caller;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.service.AuditService;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/** GET /audit: every admin change with its actor, newest first (admin; viewers see all but the token changes, as they may not list tokens). */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class AuditController {
    private final AuditService audit;

    public AuditController(AuditService audit) {
        this.audit = audit;
    }

    @Get("/audit")
    @Allowed({Role.ADMIN, Role.VIEWER})
    public Responses.AuditPage list(HttpRequest<?> request) {
        return audit.page(Params.text(request, "actor"), Params.text(request, "action"), Params.text(request, "target"),
                Params.text(request, "cursor"), Params.integer(request, "limit", 1, 500, 50),
                Caller.of(request).role() == Role.ADMIN);
    }
}
