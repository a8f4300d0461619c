package dev.baton.coordinator.http;

import dev.baton.common.Responses;
import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.redis.RedisHub;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/** No token needed. 200 while the database answers; Redis down only degrades. */
@Controller
@ExecuteOn(TaskExecutors.BLOCKING)
public final class HealthController {
    private final Db db;
    private final RedisHub redis;

    public HealthController(Db db, RedisHub redis) {
        this.db = db;
        this.redis = redis;
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
