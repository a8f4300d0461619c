package dev.baton.coordinator.http;

import dev.baton.common.Responses;
import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.redis.RedisHub;
import dev.baton.coordinator.service.Readiness;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * No token needed. {@code /health}: 200 while the database answers; Redis down only degrades.
 * {@code /health/live} and {@code /health/ready} are for an orchestrator: liveness checks nothing
 * but that the process answers (restarting a coordinator cures no database outage), readiness
 * whether to send it traffic (database reachable, migrations applied, not stopping).
 */
@Controller
@ExecuteOn(TaskExecutors.BLOCKING)
public final class HealthController {
    private final Db db;
    private final RedisHub redis;

    private final Readiness readiness;

    public HealthController(Db db, RedisHub redis, Readiness readiness) {
        this.db = db;
        this.redis = redis;
        this.readiness = readiness;
    }

    @Get("/health/live")
    @Anonymous
    public Responses.Live live() {
        return new Responses.Live("up");
    }

    /**
     * Migrations are applied before the coordinator's context (and so this route) starts, and a
     * failed one stops the start: answering at all means they were applied. The database check is
     * bounded: a pooled connection within the pool's 3 s, then validated within 2 s. A stopping
     * coordinator answers 503 without asking the database.
     */
    @Get("/health/ready")
    @Anonymous
    public HttpResponse<Responses.Ready> ready() {
        boolean stopping = readiness.stopping();
        boolean database = !stopping && db.isUp();
        boolean ready = database && !stopping;
        Responses.Ready body = new Responses.Ready(ready ? "ready" : "not_ready",
                stopping ? "unchecked" : database ? "up" : "down", "applied", stopping ? "stopping" : "running");
        return HttpResponse.<Responses.Ready>status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(body);
    }

    @Get("/health")
    @Anonymous
    public HttpResponse<Responses.Health> health() {
        boolean database = db.isUp();
        boolean redisUp = redis.isUp();
        Responses.Health health = new Responses.Health(!database ? "down" : redisUp ? "up" : "degraded",
                database ? "up" : "down", redisUp ? "up" : "down");
        return HttpResponse.<Responses.Health>status(database ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(health);
    }
}
