package dev.baton.coordinator.http;

import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.JobQueries;
import dev.baton.coordinator.redis.WorkerRegistry;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
    public HttpResponse<String> list() {
        Map<String, Long> running = db.run(queries::runningByWorker);
        List<Map<String, Object>> out = new ArrayList<>();
        for (WorkerRegistry.Seen s : registry.live()) {
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("workerId", s.workerId());
            w.put("queues", s.queues());
            w.put("lastSeenAt", s.lastSeenAt());
            w.put("runningJobs", running.getOrDefault(s.workerId(), 0L));
            out.add(w);
        }
        return Bodies.ok(out);
    }
}
