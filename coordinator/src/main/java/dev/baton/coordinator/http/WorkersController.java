package dev.baton.coordinator.http;

import dev.baton.common.Responses;
import dev.baton.coordinator.auth.Allowed;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.JobQueries;
import dev.baton.coordinator.redis.WorkerRegistry;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.List;
import java.util.Map;

/** GET /workers: live workers from the Redis registry, with their running jobs counted in the database. */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class WorkersController {
    private final WorkerRegistry registry;
    private final Db db;
    private final JobQueries queries;

    public WorkersController(WorkerRegistry registry, Db db, JobQueries queries) {
        this.registry = registry;
        this.db = db;
        this.queries = queries;
    }

    @Get("/workers")
    @Allowed({Role.ADMIN, Role.PRODUCER, Role.WORKER, Role.VIEWER})
    public List<Responses.Worker> list() {
        Map<String, Long> running = db.run(queries::runningByWorker);
        return registry.live().stream().map(s -> new Responses.Worker(s.workerId(), s.queues(), s.lastSeenAt(),
                running.getOrDefault(s.workerId(), 0L))).toList();
    }
}
