package dev.baton.coordinator.http;

import dev.baton.common.Requests;
import dev.baton.common.Responses;
import dev.baton.coordinator.service.LeaseService;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * Worker endpoints of docs/protocol.md. They run on virtual threads, so a long-polling claim parks a
 * virtual thread, not a platform thread, and holds no database connection while it waits.
 */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class WorkerController {
    private final LeaseService leases;

    public WorkerController(LeaseService leases) {
        this.leases = leases;
    }

    @Post("/claims")
    public HttpResponse<String> claim(@Nullable @Body String body) throws InterruptedException {
        return Bodies.ok(new Responses.Jobs(leases.claim(Bodies.parse(body, Requests.Claim.class))));
    }

    @Post("/jobs/{id}/heartbeat")
    public HttpResponse<String> heartbeat(@PathVariable String id, @Nullable @Body String body) {
        return Bodies.ok(leases.heartbeat(id, Bodies.parse(body, Requests.Heartbeat.class)));
    }

    @Post("/jobs/{id}/complete")
    public HttpResponse<String> complete(@PathVariable String id, @Nullable @Body String body) {
        return Bodies.ok(leases.complete(id, Bodies.parse(body, Requests.Complete.class)));
    }

    @Post("/jobs/{id}/fail")
    public HttpResponse<String> fail(@PathVariable String id, @Nullable @Body String body) {
        return Bodies.ok(leases.fail(id, Bodies.parse(body, Requests.Fail.class)));
    }

    /** {@code Prefer: return=minimal} (RFC 7240) leaves the job out of each item that succeeded. */
    @Post("/completions")
    public HttpResponse<String> completions(@Nullable @Header("Prefer") String prefer, @Nullable @Body String body) {
        boolean minimal = Bodies.prefersMinimal(prefer);
        MutableHttpResponse<String> answer = Bodies.ok(new Responses.CompletionResults(
                leases.completeMany(Bodies.parse(body, Requests.Completions.class), minimal)));
        return minimal ? answer.header("Preference-Applied", "return=minimal") : answer;
    }
}
