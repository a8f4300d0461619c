package dev.baton.coordinator.dashboard;

import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.JobQueries;
import dev.baton.coordinator.redis.WorkerRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The workers page: every live worker (the Redis registry, as GET /workers) with the jobs it runs
 * now (the database). Without Redis the registry is empty and the page says so.
 */
@Controller
@Requires(condition = DashboardOn.class)
@ExecuteOn(TaskExecutors.BLOCKING)
public final class WorkersPage {
    private final WorkerRegistry registry;
    private final Db db;
    private final JobQueries queries;
    private final Pages pages;

    public WorkersPage(WorkerRegistry registry, Db db, JobQueries queries, Pages pages) {
        this.registry = registry;
        this.db = db;
        this.queries = queries;
        this.pages = pages;
    }

    @Get("/ui/workers")
    @Anonymous
    public HttpResponse<?> workers(HttpRequest<?> request) {
        List<WorkerRegistry.Seen> live = registry.live();
        Instant now = Instant.now();
        List<WorkerRow> rows = db.run(c -> {
            Map<String, Long> running = queries.runningByWorker(c);
            List<WorkerRow> out = new java.util.ArrayList<>();
            for (WorkerRegistry.Seen seen : live) {
                long n = running.getOrDefault(seen.workerId(), 0L);
                out.add(WorkerRow.of(seen, n, n == 0 ? List.of() : queries.runningJobsOf(c, seen.workerId(),
                        WorkerRow.SHOWN), now));
            }
            return out;
        });
        Map<String, Object> params = new HashMap<>();
        params.put("frame", Frame.of(UiSession.of(request), "workers"));
        params.put("workers", rows);
        return pages.ok("workers", params);
    }
}
