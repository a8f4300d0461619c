package dev.baton.coordinator.http;

import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.redis.RedisHub;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.LinkedHashMap;
import java.util.Map;

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
    public HttpResponse<String> health() {
        boolean database = db.isUp();
        boolean redisUp = redis.isUp();
        Map<String, String> body = new LinkedHashMap<>();
        body.put("status", !database ? "down" : redisUp ? "up" : "degraded");
        body.put("database", database ? "up" : "down");
        body.put("redis", redisUp ? "up" : "down");
        return Bodies.json(database ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, body);
    }
}
